package org.lifeboat.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** restic's old name for {@code repair index}, kept so that old scripts work. */
@Command(name = "rebuild-index", description = "The same as 'repair index' (restic's old name for it).",
        footer = {"", "Examples:", "  lifeboat rebuild-index", "  lifeboat rebuild-index --read-all-packs"})
final class RebuildIndexCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = "--read-all-packs", description = "read the header of every pack, not only of those the index does not describe")
    boolean readAllPacks;

    @Override
    public Integer call() throws Exception {
        return RepairCommand.repairIndex(main, readAllPacks);
    }
}
