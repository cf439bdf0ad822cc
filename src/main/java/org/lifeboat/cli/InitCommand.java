package org.lifeboat.cli;

import java.security.SecureRandom;
import java.util.concurrent.Callable;
import org.lifeboat.backend.Backend;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.chunker.Polynomial;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "init", description = {"Create a new repository.",
        "With --config FILE (and no -r): create the plan's repositories that do not exist yet, with the plan's passwords."},
        footer = {"", "Examples:", "  lifeboat init -r /srv/backup/repo --password-file /etc/lifeboat/password",
                "  lifeboat init --repository-version 1    # readable by restic before 0.14",
                "  lifeboat init --config lifeboat.yaml    # the plan's missing repositories"})
final class InitCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = "--repository-version", defaultValue = "2", paramLabel = "1|2",
            description = "repository format version (default: 2, with compression)")
    String version;

    @picocli.CommandLine.Mixin
    CopyCommand.From from;

    @Option(names = "--copy-chunker-params",
            description = "take the chunker parameters of the --from-repo repository, so that backups deduplicate with it")
    boolean copyChunkerParams;

    @Option(names = "--retention-mode", paramLabel = "compliance|governance",
            description = "lock every file written (but lock files) with S3 Object Lock in this mode; needs --retention-period")
    String retentionMode;

    @Option(names = "--retention-period", paramLabel = "DURATION",
            description = "how long each file stays locked after it is written or extended: days, hours, minutes (30d, 36h, 1d12h)")
    String retentionPeriod;

    /** The --retention-mode/--retention-period pair, or null when neither is given. @throws UserException for one alone or a bad value */
    org.lifeboat.repository.Retention retention() {
        if (retentionMode == null && retentionPeriod == null) return null;
        if (retentionMode == null || retentionPeriod == null) {
            throw new UserException("--retention-mode and --retention-period go together: give both (e.g. --retention-mode compliance"
                    + " --retention-period 30d) or neither");
        }
        try {
            return org.lifeboat.repository.Retention.parse(retentionMode, retentionPeriod);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
    }

    @Override
    public Integer call() throws Exception {
        Context ctx = new Context(main);
        org.lifeboat.repository.Retention retention = retention();
        int v = switch (version) {
            case "1" -> 1;
            case "2", "latest", "stable" -> 2;
            default -> throw new UserException("--repository-version must be 1 or 2, not '" + version + "'");
        };
        if (main.config != null && (main.repo == null || main.repo.isBlank())) {
            if (copyChunkerParams) throw new UserException("--copy-chunker-params needs -r/--repo: it creates one repository, not the plan's");
            if (retention != null) {
                throw new UserException("--retention-mode/--retention-period set one repository's retention: give it with -r,"
                        + " not with the plan " + main.config);
            }
            return initPlan(ctx, v);
        }
        Backend b = ctx.backend();
        if (Repository.existsAt(b)) {
            throw new UserException("a repository already exists at " + b.location());
        }
        // Checked before the password prompt. A folder with other files (lost+found, notes) is
        // fine, as with restic; one with keys, snapshots, index or packs is a repository that lost its config.
        try {
            Repository.refuseLostConfig(b);
        } catch (org.lifeboat.repository.RepositoryException e) {
            throw new UserException(e.getMessage());
        }
        // A storage that keeps no retention is refused before the password is asked for, and before anything is written.
        if (retention != null) Repository.requireRetention(b, retention);
        long pol = chunkerPolynomial(ctx);
        String password = ctx.password(true);
        if (password.isEmpty()) throw new UserException("an empty password is not allowed");
        try (Repository r = Repository.init(b, password, v, pol, retention)) {
            if (ctx.json()) {
                ctx.printJson(org.lifeboat.repository.Json.MAPPER.createObjectNode()
                        .put("message_type", "initialized").put("id", r.config().id())
                        .put("repository", b.location()).put("version", v)
                        .put("retention", retention == null ? null : retention.mode().text() + " " + retention.periodText()));
            } else {
                ctx.info("created lifeboat repository " + r.config().id().substring(0, 10) + " (version " + v + ") at "
                        + b.location());
                if (retention != null) {
                    ctx.info("every file but lock files is locked with " + retention
                            + "; run 'lifeboat retention extend' daily to keep the files in use locked");
                }
                ctx.info("Please note that knowledge of your password is required to access the repository."
                        + " Losing your password means that your data is irrecoverably lost.");
            }
        }
        return ExitCodes.OK;
    }

    /**
     * The new repository's chunker polynomial: with --copy-chunker-params, that of the --from-repo
     * repository (opened read-only: restic's {@code init --copy-chunker-params}), else a random one.
     *
     * @throws UserException when --copy-chunker-params has no source or a source flag comes without
     *     it (exit 1), the source is not a repository (10) or the password does not open it (12)
     */
    private long chunkerPolynomial(Context ctx) throws java.io.IOException {
        if (!copyChunkerParams) {
            if (from.given() && (from.repo != null || from.repositoryFile != null)) {
                throw new UserException("--from-repo and --from-repository-file are only used with --copy-chunker-params");
            }
            return Polynomial.random(new SecureRandom()).value();
        }
        Backend b = from.backend(ctx);
        try (Repository src = from.open(ctx, b)) {
            return src.config().polynomial();
        }
    }

    /**
     * The plan's repositories: each missing one created with its password-file/password-env;
     * existing ones are left untouched and reported, with whether the plan's password opens them. Exit
     * 1 when one could not be created (the others are still created), else 12 when an existing one
     * does not open with the plan's password.
     */
    private int initPlan(Context ctx, int v) throws Exception {
        org.lifeboat.plan.Plan plan = Plans.load(ctx, null, org.lifeboat.plan.PlanLoader.Generators.placeholders());
        if (plan.repositories().isEmpty()) throw new UserException(plan.file() + " defines no repositories");
        com.fasterxml.jackson.databind.node.ArrayNode out = org.lifeboat.repository.Json.MAPPER.createArrayNode();
        int failed = 0;
        int wrongPassword = 0;
        for (org.lifeboat.plan.Plan.RepositorySpec spec : plan.repositories().values()) {
            String what = "repository '" + spec.name() + "' (" + org.lifeboat.repository.Locations.redact(spec.url()) + ")";
            String status;
            String detail;
            String id = null;
            try {
                java.nio.file.Path local = localPath(spec.url());
                if (local != null && java.nio.file.Files.isRegularFile(local)) {
                    throw new UserException(local + " is a file, not a repository folder: give the repository a folder"
                            + " (new or holding a repository) in " + plan.file());
                }
                Backend b = Context.backendFor(spec.url());
                if (Repository.existsAt(b)) {
                    // Left untouched either way; but a plan whose password does not open it cannot back up or recover.
                    String password = org.lifeboat.recovery.Repositories.password(spec);
                    try (Repository r = Repository.open(b, password)) {
                        status = "exists";
                        detail = what + " already exists; left untouched (the plan's password opens it)";
                    } catch (org.lifeboat.repository.WrongPasswordException e) {
                        status = "wrong-password";
                        detail = what + " already exists, but the plan's password does not open it (" + passwordSource(spec)
                                + "); left untouched";
                        wrongPassword++;
                    }
                } else {
                    Repository.refuseLostConfig(b);
                    // The plan's retention (an immutable repository): Repository.init refuses it before
                    // anything is written when the storage keeps none, as init --retention-mode is.
                    org.lifeboat.repository.Retention retention = spec.retention() == null ? null
                            : new org.lifeboat.repository.Retention(
                                    org.lifeboat.repository.Retention.Mode.valueOf(spec.retention().mode().toUpperCase(java.util.Locale.ROOT)),
                                    spec.retention().period());
                    String password = org.lifeboat.recovery.Repositories.password(spec);
                    if (password.isEmpty()) throw new UserException("the password of " + what + " is empty");
                    try (Repository r = Repository.init(b, password, v, Polynomial.random(new SecureRandom()).value(), retention)) {
                        id = r.config().id();
                    }
                    status = "created";
                    detail = "created " + what + ", id " + id.substring(0, 10) + ", version " + v;
                }
            } catch (UserException | org.lifeboat.recovery.RecoveryException | org.lifeboat.repository.RepositoryException e) {
                status = "failed";
                detail = "cannot create " + what + ": " + e.getMessage();
                failed++;
            } catch (java.nio.file.FileSystemException e) {
                status = "failed";
                detail = "cannot create " + what + ": " + Main.fileError(e);
                failed++;
            }
            var o = out.addObject().put("repository", spec.name()).put("url", org.lifeboat.repository.Locations.redact(spec.url())).put("status", status)
                    .put("message", detail);
            if (id != null) o.put("id", id);
            if (!ctx.json()) (status.equals("failed") || status.equals("wrong-password") ? ctx.err : ctx.out).println(detail);
        }
        if (ctx.json()) ctx.printJson(out);
        // restic's codes: a failure is 1; a repository the plan cannot open is 12, as restic's wrong password.
        return failed > 0 ? ExitCodes.FATAL : wrongPassword > 0 ? ExitCodes.WRONG_PASSWORD : ExitCodes.OK;
    }

    /** The folder of a local repository URL (plain path or local:PATH); null for other backends. */
    private static java.nio.file.Path localPath(String url) {
        String u = url.startsWith("local:") ? url.substring("local:".length()) : url;
        if (u.isEmpty() || (!u.startsWith("/") && u.matches("^[A-Za-z][A-Za-z0-9+.-]*:.*"))) return null;
        return java.nio.file.Path.of(u);
    }

    /** Where the plan takes the repository's password from, for the message. */
    private static String passwordSource(org.lifeboat.plan.Plan.RepositorySpec spec) {
        return spec.passwordFile() != null ? "password-file " + spec.passwordFile()
                : spec.passwordEnv() != null ? "password-env " + spec.passwordEnv() : "LIFEBOAT_PASSWORD";
    }
}
