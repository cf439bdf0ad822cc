package org.lifeboat.cli;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Callable;
import org.lifeboat.backend.FileType;
import org.lifeboat.backend.Handle;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Lock;
import org.lifeboat.repository.Repository;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "unlock", description = "Remove stale locks (all locks with --remove-all, damaged ones included).")
final class UnlockCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = "--remove-all", description = "remove all lock files, even ones still in use and damaged ones")
    boolean all;

    @Override
    public Integer call() throws Exception {
        Context ctx = new Context(main);
        try (Repository repo = ctx.open()) {
            int removed = 0;
            if (all) {
                // As restic: every file in locks/, without reading it, so damaged ones go too.
                for (Id id : repo.list(FileType.LOCK)) {
                    repo.backend().remove(new Handle(FileType.LOCK, id.hex()));
                    ctx.verbose("removed lock " + id.shortHex());
                    removed++;
                }
            } else {
                String host = Repository.hostname();
                // Damaged locks are reported (with the hint to use --remove-all) and left alone:
                // whether their owner is gone cannot be told.
                Set<String> seen = new HashSet<>();
                for (Lock l : repo.listLocks(w -> {
                    if (seen.add(w)) ctx.warn(w);
                })) {
                    if (l.stale(host)) {
                        repo.backend().remove(new Handle(FileType.LOCK, l.id().hex()));
                        ctx.verbose("removed " + l.describe());
                        removed++;
                    }
                }
            }
            ctx.info(removed == 0 ? (all ? "no locks" : "no stale locks")
                    : "removed " + removed + " lock" + (removed == 1 ? "" : "s"));
        }
        return ExitCodes.OK;
    }
}
