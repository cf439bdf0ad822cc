package org.lifeboat.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.lifeboat.recovery.RecoveryException;
import org.lifeboat.recovery.SnapshotScan;
import org.lifeboat.repository.Json;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryLock;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.repository.SnapshotFilter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "scan", description = {"Scan a snapshot for malware before it is trusted: it is restored into a private sandbox",
        "folder, scanned with ClamAV (clamscan) and/or YARA rules, and the verdict is recorded on it as a tag",
        "(scan=clean, or scan=infected with suspicious, which recover --clean then passes over).",
        "Exit code 0: clean; 1: infected, or the scan could not be done."},
        footer = {"", "Examples:", "  lifeboat scan latest --clamav", "  lifeboat scan 1a2b3c4d --yara /etc/lifeboat/rules.yar",
                "  lifeboat scan 1a2b3c4d:/home --clamav --no-tag"})
final class ScanCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "SNAPSHOT[:PATH]", description = "the snapshot (ID or latest), or one folder of it")
    String snapshot;

    @Option(names = "--clamav", description = "scan with ClamAV's clamscan (the default when no --yara is given)")
    boolean clamav;

    @Option(names = "--clamav-db", paramLabel = "FILE", description = "a ClamAV database file or folder instead of the installed one")
    String clamavDb;

    @Option(names = "--yara", paramLabel = "RULES", description = "scan with the YARA rules in this file (repeat for more)")
    List<String> yara = new ArrayList<>();

    @Option(names = "--no-tag", description = "only report; leave the snapshot's tags as they are")
    boolean noTag;

    @Override
    public Integer call() throws Exception {
        Context ctx = new Context(main);
        boolean useClam = clamav || clamavDb != null || yara.isEmpty();
        SnapshotScan.Scanners scanners = new SnapshotScan.Scanners(useClam, clamavDb == null ? null : Path.of(clamavDb),
                yara.stream().map(Path::of).toList());
        if (!noTag) TagCommand.refuseNoLock(main, "'scan' records its verdict on the snapshot (--no-tag only reports)");
        Path work = Path.of(System.getProperty("java.io.tmpdir"));
        SnapshotScan.Result result;
        Snapshot scanned;
        String path;
        try (Repository repo = ctx.open()) {
            try (RepositoryLock lock = ctx.lock(repo, false)) {
                ctx.loadIndex(repo);
                Snapshots s = Snapshots.resolve(ctx, repo, new SnapshotFilter(List.of(), List.of(), List.of()), snapshot);
                scanned = s.snapshot();
                path = s.subfolder();
                ctx.info("scanning snapshot " + scanned.id().shortHex() + (path.equals("/") ? "" : ":" + path) + " with "
                        + scanners.describe() + " (restored into a private folder under " + work + ")");
                try {
                    result = SnapshotScan.scan(repo, scanned, path, work, scanners, ctx.cancel());
                } catch (RecoveryException e) {
                    throw new UserException(e.getMessage());
                }
            }
            Snapshot tagged = null;
            // A folder found clean says nothing of the rest: only a whole snapshot is tagged clean.
            boolean partClean = !path.equals("/") && !result.infected();
            if (partClean && !noTag) ctx.info("only folder " + path + " was scanned, so the snapshot is not tagged " + SnapshotScan.CLEAN);
            if (!noTag && !partClean) {
                try (RepositoryLock lock = ctx.lock(repo, true)) {
                    ctx.refuseWithoutRemovals(repo, Repository.FileKind.SNAPSHOT, "'scan' replaces the snapshot it tags");
                    Snapshot now = repo.loadSnapshot(scanned.id()); // the same file: snapshots are never changed in place
                    tagged = SnapshotScan.record(repo, now, result);
                }
            }
            print(ctx, scanned, path, scanners, result, tagged);
        }
        return result.infected() ? ExitCodes.FATAL : ExitCodes.OK;
    }

    private static void print(Context ctx, Snapshot s, String path, SnapshotScan.Scanners scanners, SnapshotScan.Result r,
                              Snapshot tagged) {
        if (ctx.json()) {
            ObjectNode j = Json.MAPPER.createObjectNode().put("snapshot", s.id().hex()).put("path", path)
                    .put("scanners", scanners.describe()).put("files", r.files()).put("bytes", r.bytes()).put("infected", r.infected());
            ArrayNode f = j.putArray("findings");
            for (SnapshotScan.Finding x : r.findings()) f.addObject().put("path", x.path()).put("scanner", x.scanner()).put("name", x.name());
            if (tagged != null) {
                j.put("tagged_snapshot", tagged.id().hex());
                ArrayNode t = j.putArray("tags");
                tagged.tags().forEach(t::add);
            }
            ctx.printJson(j);
            return;
        }
        String what = "snapshot " + s.id().shortHex() + (path.equals("/") ? "" : ":" + path);
        if (!r.infected()) {
            ctx.out.println(what + ": clean (" + r.files() + " files, " + ProgressLine.bytes(r.bytes()) + " scanned with "
                    + scanners.describe() + ")");
        } else {
            ctx.out.println(what + ": INFECTED: " + r.findings().size() + " finding" + (r.findings().size() == 1 ? "" : "s")
                    + " in " + r.files() + " files scanned with " + scanners.describe() + ":");
            for (SnapshotScan.Finding x : r.findings()) ctx.out.println("  " + x.path() + ": " + x.name() + " (" + x.scanner() + ")");
        }
        if (tagged != null && !tagged.id().equals(s.id())) {
            ctx.out.println("tagged " + String.join(",", tagged.tags()) + ": it is now snapshot " + tagged.id().shortHex());
        } else if (tagged != null) {
            ctx.out.println("its tags already say so");
        }
    }
}
