package org.lifeboat.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.lifeboat.check.CheckResult;
import org.lifeboat.check.Checker;
import org.lifeboat.repository.Config;
import org.lifeboat.repository.Json;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryLock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code migrate}: lists the migrations and whether they apply, or applies the named ones, as
 * restic 0.17's {@code migrate}. The one migration is restic's {@value #UPGRADE_REPO_V2}: the
 * repository is checked first, the old config file is copied to a temporary folder (removed once
 * the upgrade succeeded, named when it did not), then the config is written with version 2
 * (compression). Exclusive lock.
 */
@Command(name = "migrate", description = "List the migrations that apply to the repository, or apply the named ones (upgrade_repo_v2).",
        footer = {"", "Examples:", "  lifeboat migrate", "  lifeboat migrate upgrade_repo_v2"})
final class MigrateCommand implements Callable<Integer> {
    static final String UPGRADE_REPO_V2 = "upgrade_repo_v2";
    private static final String DESCRIPTION = "upgrade a repository to version 2";

    @ParentCommand
    Main main;

    @Option(names = {"-f", "--force"}, description = "apply a migration even when its check says it does not apply (restic's --force)")
    boolean force;

    @Parameters(paramLabel = "MIGRATION", arity = "0..*", description = "migrations to apply (default: list them)")
    List<String> names = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        Context ctx = new Context(main);
        TagCommand.refuseNoLock(main, "'migrate' changes the repository and must lock it exclusively");
        for (String n : names) {
            if (!n.equals(UPGRADE_REPO_V2)) {
                throw new UserException("unknown migration '" + n + "' (the migrations are: " + UPGRADE_REPO_V2 + ")");
            }
        }
        try (Repository repo = ctx.open(); RepositoryLock lock = ctx.lock(repo, true)) {
            String reason = whyNot(repo.config());
            if (names.isEmpty()) {
                if (ctx.json()) {
                    var o = Json.MAPPER.createObjectNode().put("message_type", "migrations");
                    var m = o.putArray("migrations").addObject().put("name", UPGRADE_REPO_V2).put("description", DESCRIPTION)
                            .put("applies", reason == null);
                    if (reason != null) m.put("reason", reason);
                    ctx.printJson(o);
                    return ExitCodes.OK;
                }
                // restic lists only the ones that apply; Lifeboat also says why the others do not
                ctx.out.println("available migrations:");
                ctx.out.println("  " + UPGRADE_REPO_V2 + "\t" + DESCRIPTION
                        + (reason == null ? "" : " (does not apply: " + reason + ")"));
                if (reason != null) ctx.out.println("no migrations found that apply");
                return ExitCodes.OK;
            }
            if (reason != null && !force) {
                // restic: said, not an error (exit 0): the repository is as the migration would leave it
                ctx.err.println("migration " + UPGRADE_REPO_V2 + " cannot be applied: " + reason);
                return ExitCodes.OK;
            }
            if (repo.config().version() != 1) {
                throw new UserException("migration " + UPGRADE_REPO_V2 + " failed: repository has version "
                        + repo.config().version() + ", only upgrades from version 1 are supported");
            }
            refuseRetainedConfig(repo);
            ctx.info("checking repository integrity...");
            CheckResult checked = new Checker(repo, ctx.cancel()).run(null);
            if (!checked.ok()) {
                for (String e : checked.errors()) ctx.err.println("error: " + e);
                throw new UserException("the repository has " + checked.errors().size() + " error"
                        + (checked.errors().size() == 1 ? "" : "s") + " (listed above); migration " + UPGRADE_REPO_V2
                        + " was not applied: repair the repository first");
            }
            ctx.info("applying migration " + UPGRADE_REPO_V2 + "...");
            upgrade(ctx, repo);
            ctx.info("migration " + UPGRADE_REPO_V2 + ": success");
        }
        return ExitCodes.OK;
    }

    /** restic's check of upgrade_repo_v2: null when it applies, else why not. */
    static String whyNot(Config c) {
        return c.version() == 1 ? null : "repository is already upgraded to version " + c.version();
    }

    /**
     * A config file the storage keeps under S3 Object Lock cannot be removed or overwritten, so
     * it cannot be upgraded in place; nor can a repository whose files are kept under retention
     * (the new config would have to be locked as well).
     *
     * @throws UserException saying so and what to do instead
     */
    private static void refuseRetainedConfig(Repository repo) throws IOException {
        Instant until = repo.configLockedUntil();
        String why = null;
        if (until != null && until.isAfter(Instant.now())) {
            why = "its config file is kept under S3 Object Lock retention until " + until;
        } else if (repo.retention() != null) {
            why = "it keeps its files under S3 Object Lock retention (" + repo.retention().mode().text() + ", "
                    + repo.retention().periodText() + ")";
        }
        if (why != null) {
            throw new UserException("cannot upgrade the repository at " + repo.location() + " in place: " + why
                    + ", so the config file cannot be replaced; nothing was changed (create a version 2 repository"
                    + " with 'lifeboat init' and copy the snapshots into it with 'lifeboat copy')");
        }
    }

    /** restic's UpgradeRepo: a copy of the old config first, then the config with version 2. */
    private static void upgrade(Context ctx, Repository repo) throws IOException {
        byte[] old = repo.storedConfig();
        Path dir = Files.createTempDirectory("lifeboat-migrate-upgrade-repo-v2-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path copy = dir.resolve("config");
        try {
            Files.write(copy, old);
        } catch (IOException e) {
            throw new UserException("cannot keep a copy of the config file in " + dir + " (" + e.getMessage()
                    + "); nothing was changed");
        }
        Config c = repo.config();
        var json = Json.MAPPER.createObjectNode().put("version", 2).put("id", c.id())
                .put("chunker_polynomial", Long.toHexString(c.polynomial()));
        ctx.replaceConfig(repo, Json.MAPPER.writeValueAsBytes(json), old, copy);
        // as restic: the copy goes once the new config is stored
        Files.deleteIfExists(copy);
        Files.deleteIfExists(dir);
    }
}
