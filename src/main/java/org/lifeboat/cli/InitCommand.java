package org.lifeboat.cli;

import java.security.SecureRandom;
import java.util.concurrent.Callable;
import org.lifeboat.backend.Backend;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.chunker.Polynomial;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "init", description = "Create a new repository.",
        footer = {"", "Examples:", "  lifeboat init -r /srv/backup/repo --password-file /etc/lifeboat/password", "  lifeboat init --repository-version 1    # readable by restic before 0.14"})
final class InitCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = "--repository-version", defaultValue = "2", paramLabel = "1|2",
            description = "repository format version (default: 2, with compression)")
    String version;

    @Override
    public Integer call() throws Exception {
        Context ctx = new Context(main);
        int v = switch (version) {
            case "1" -> 1;
            case "2", "latest", "stable" -> 2;
            default -> throw new UserException("--repository-version must be 1 or 2, not '" + version + "'");
        };
        Backend b = ctx.backend();
        if (b.exists(org.lifeboat.backend.Handle.CONFIG)) {
            throw new UserException("a repository already exists at " + b.location());
        }
        // Checked before the password prompt. A folder with other files (lost+found, notes) is
        // fine, as with restic; one with keys, snapshots, index or packs is a repository that lost its config.
        try {
            Repository.refuseLostConfig(b);
        } catch (org.lifeboat.repository.RepositoryException e) {
            throw new UserException(e.getMessage());
        }
        String password = ctx.password(true);
        if (password.isEmpty()) throw new UserException("an empty password is not allowed");
        long pol = Polynomial.random(new SecureRandom()).value();
        try (Repository r = Repository.init(b, password, v, pol)) {
            if (ctx.json()) {
                ctx.printJson(org.lifeboat.repository.Json.MAPPER.createObjectNode()
                        .put("message_type", "initialized").put("id", r.config().id())
                        .put("repository", b.location()).put("version", v));
            } else {
                ctx.info("created lifeboat repository " + r.config().id().substring(0, 10) + " (version " + v + ") at "
                        + b.location());
                ctx.info("Please note that knowledge of your password is required to access the repository."
                        + " Losing your password means that your data is irrecoverably lost.");
            }
        }
        return ExitCodes.OK;
    }
}
