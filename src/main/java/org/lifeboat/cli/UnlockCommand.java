package org.lifeboat.cli;

import java.util.concurrent.Callable;
import org.lifeboat.backend.FileType;
import org.lifeboat.backend.Handle;
import org.lifeboat.repository.Lock;
import org.lifeboat.repository.Repository;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "unlock", description = "Remove stale locks (all locks with --remove-all).")
final class UnlockCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = "--remove-all", description = "remove all locks, even ones still in use")
    boolean all;

    @Override
    public Integer call() throws Exception {
        Context ctx = new Context(main);
        try (Repository repo = ctx.open()) {
            int removed = 0;
            String host = Repository.hostname();
            for (Lock l : repo.listLocks()) {
                if (all || l.stale(host)) {
                    repo.backend().remove(new Handle(FileType.LOCK, l.id().hex()));
                    ctx.verbose("removed " + l.describe());
                    removed++;
                }
            }
            ctx.info(removed == 0 ? "no stale locks" : "removed " + removed + " lock" + (removed == 1 ? "" : "s"));
        }
        return ExitCodes.OK;
    }
}
