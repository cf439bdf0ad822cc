package org.lifeboat.cli;

import java.util.ArrayList;
import java.util.List;
import org.lifeboat.repository.SnapshotFilter;
import picocli.CommandLine.Option;

/** --host, --tag and --path filters, shared by commands that pick snapshots. */
final class SnapshotOptions {
    @Option(names = {"-H", "--host"}, paramLabel = "HOST", description = "only snapshots of this host (repeatable)")
    List<String> hosts = new ArrayList<>();

    @Option(names = "--tag", paramLabel = "TAG[,TAG]", description = "only snapshots with these tags (repeatable)")
    List<String> tags = new ArrayList<>();

    @Option(names = "--path", paramLabel = "PATH", description = "only snapshots including this path (repeatable)")
    List<String> paths = new ArrayList<>();

    SnapshotFilter filter() {
        return new SnapshotFilter(hosts, tags, paths);
    }
}
