package org.lifeboat.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.Console;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import org.lifeboat.backend.Backend;
import org.lifeboat.repository.Json;
import org.lifeboat.repository.PasswordSources;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryLock;
import org.lifeboat.repository.WrongPasswordException;

/** What every command needs: the resolved repository, password and output settings. */
final class Context {
    final Main global;
    final PrintStream out = System.out;
    final PrintStream err = System.err;

    Context(Main global) {
        this.global = global;
    }

    /**
     * The command's cancel token (Go's context for restic): Ctrl-C or SIGTERM cancel it in the real
     * process, a repository lock that cannot be kept cancels it too. Commands pass it to their
     * engines, which stop at their next check by throwing {@link org.lifeboat.backend.Cancel.Cancelled}.
     */
    org.lifeboat.backend.Cancel cancel() {
        return global.cancel;
    }

    boolean json() {
        return global.json;
    }

    boolean quiet() {
        return global.quiet || global.json;
    }

    /** Status messages: suppressed by -q and --json. */
    void info(String s) {
        if (!quiet()) out.println(s);
    }

    void verbose(String s) {
        if (global.verbose && !global.json) out.println(s);
    }

    void warn(String s) {
        err.println("warning: " + s);
    }

    /**
     * Ends the command when standard output can no longer be written (the reader is gone, as
     * with {@code | head}). PrintStream swallows the broken pipe, so without this check a command
     * printing a huge listing would run on forever; restic dies on EPIPE.
     *
     * @throws UserException (exit code 1, one short line) when writing to standard output failed
     */
    void checkOutput() {
        if (out.checkError()) throw outputClosed();
    }

    static UserException outputClosed() {
        return new UserException("standard output is closed (broken pipe); stopped");
    }

    /**
     * Standard output as a byte stream whose writes fail at once, with {@link #checkOutput}'s
     * UserException, when the reader is gone (unchecked, so no caller mistakes it for a failure
     * to read the repository).
     */
    OutputStream rawOut() {
        return new OutputStream() {
            @Override
            public void write(int b) {
                out.write(b);
                checkOutput();
            }

            @Override
            public void write(byte[] b, int off, int len) {
                out.write(b, off, len);
                checkOutput();
            }

            @Override
            public void flush() {
                out.flush();
                checkOutput();
            }
        };
    }

    void printJson(JsonNode node) {
        try {
            out.println(Json.MAPPER.writeValueAsString(node));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The repository location from, in order: -r/--repo or --repository-file (not both), then
     * LIFEBOAT_REPOSITORY or LIFEBOAT_REPOSITORY_FILE, then RESTIC_REPOSITORY or
     * RESTIC_REPOSITORY_FILE (not both of one pair, as restic). A variable set but empty counts as
     * not set. A repository file is read as restic reads it (BOM skipped, white space trimmed).
     *
     * @throws UserException when none is given, two exclusive ones are, or the file cannot be read
     */
    String repositoryLocation() {
        String flag = global.repo == null || global.repo.isBlank() ? null : global.repo;
        String fileFlag = global.repositoryFile == null || global.repositoryFile.isEmpty() ? null : global.repositoryFile;
        if (flag != null && fileFlag != null) {
            throw new UserException("-r/--repo and --repository-file are mutually exclusive; give only one");
        }
        if (flag != null) return flag;
        if (fileFlag != null) return readRepositoryFile(fileFlag, "--repository-file");
        for (String prefix : new String[] {"LIFEBOAT_", "RESTIC_"}) {
            String loc = System.getenv(prefix + "REPOSITORY");
            String file = System.getenv(prefix + "REPOSITORY_FILE");
            boolean hasLoc = loc != null && !loc.isBlank();
            boolean hasFile = file != null && !file.isEmpty();
            if (hasLoc && hasFile) {
                throw new UserException(prefix + "REPOSITORY and " + prefix + "REPOSITORY_FILE are both set; set only one");
            }
            if (hasLoc) return loc;
            if (hasFile) return readRepositoryFile(file, prefix + "REPOSITORY_FILE");
        }
        throw new UserException("no repository given: use -r/--repo or --repository-file, or set LIFEBOAT_REPOSITORY"
                + " (or RESTIC_REPOSITORY)");
    }

    private static String readRepositoryFile(String file, String from) {
        String loc;
        try {
            loc = PasswordSources.readFile(Path.of(file));
        } catch (NoSuchFileException e) {
            throw new UserException("repository file " + file + " (" + from + ") does not exist");
        } catch (IOException e) {
            throw new UserException("cannot read repository file " + file + " (" + from + "): " + e.getMessage());
        }
        if (loc.isEmpty()) throw new UserException("repository file " + file + " (" + from + ") is empty");
        return loc;
    }

    /**
     * The repository's backend, opened by {@link org.lifeboat.backend.Backends#open} with its
     * decorators stacked: -o options checked, the --limit-upload/--limit-download rates applied.
     *
     * @throws UserException for a location no backend handles, a bad -o option or a negative rate
     */
    Backend backend() {
        return backendFor(repositoryLocation(), stackOptions());
    }

    /** The -o options with the --limit-upload/--limit-download rates. @throws UserException as {@link #backend()} */
    org.lifeboat.backend.BackendOptions stackOptions() {
        org.lifeboat.backend.BackendOptions o = backendOptions();
        if (global.limitUpload < 0 || global.limitDownload < 0) {
            throw new UserException("--limit-upload and --limit-download are rates in KiB/s and cannot be negative");
        }
        // each retried request is said on standard error, as later restic does (a server that
        // refuses connections is otherwise minutes of silence)
        return o.limits(global.limitDownload, global.limitUpload).cancel(cancel()).warn(this::warn);
    }

    /** The -o options, checked. @throws UserException naming a malformed or unknown option */
    org.lifeboat.backend.BackendOptions backendOptions() {
        try {
            return org.lifeboat.backend.BackendOptions.parse(global.backendOptions());
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
    }

    /** A location's stacked backend with default options. @throws UserException for a location no backend handles */
    static Backend backendFor(String location) {
        return backendFor(location, org.lifeboat.backend.BackendOptions.DEFAULT);
    }

    static Backend backendFor(String location, org.lifeboat.backend.BackendOptions options) {
        try {
            return org.lifeboat.backend.Backends.open(location, options);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
    }

    /** restic's pack size limits, in MiB. */
    static final int MIN_PACK_MIB = 4;
    static final int MAX_PACK_MIB = 128;

    /**
     * The target pack size in bytes from --pack-size, else LIFEBOAT_PACK_SIZE, else
     * RESTIC_PACK_SIZE (MiB, as restic; 0 is the default, as in restic), else Lifeboat's default of 16 MiB.
     *
     * @throws UserException naming the option or variable when the value is not a whole number of 4 to 128
     */
    int packSizeBytes() {
        String from;
        long mib;
        if (global.packSize != null) {
            from = "--pack-size " + global.packSize;
            mib = global.packSize;
        } else {
            String[] env = PasswordSources.variable("PACK_SIZE");
            if (env == null) return Repository.DEFAULT_PACK_SIZE;
            from = env[0] + "=" + env[1];
            try {
                mib = Long.parseLong(env[1].strip());
            } catch (NumberFormatException e) {
                throw new UserException(from + " is not a whole number of MiB");
            }
        }
        if (mib == 0) return Repository.DEFAULT_PACK_SIZE; // restic: 0 means the default
        if (mib < MIN_PACK_MIB || mib > MAX_PACK_MIB) {
            throw new UserException(from + " is outside the pack size limits of " + MIN_PACK_MIB + " to " + MAX_PACK_MIB + " MiB");
        }
        return (int) (mib << 20);
    }

    /**
     * The password from, in order: --password-command or --password-file (not both), then the
     * environment (see {@link PasswordSources#fromEnvironment()}: Lifeboat's variables, then
     * restic's, each group as restic orders it), then a prompt on a terminal. Files and command
     * output are trimmed of surrounding white space, as restic does.
     *
     * @throws UserException when no source gives one or a source cannot be read
     */
    String password(boolean confirm) {
        String pw = passwordFromSources(confirm);
        // restic: "an empty password is not a password" (exit 1), not a wrong password (12); an empty
        // variable counts as unset before this point, so only a file, a command or the prompt gets here.
        if (pw.isEmpty()) throw new UserException("an empty password is not a password (" + passwordSource() + " gave none)");
        return pw;
    }

    /** Which source gave the password, for messages. */
    private String passwordSource() {
        if (global.passwordCommand != null && !global.passwordCommand.isBlank()) return "--password-command";
        if (global.passwordFile != null) return "password file " + global.passwordFile;
        for (String prefix : java.util.List.of("LIFEBOAT_", "RESTIC_")) {
            for (String kind : java.util.List.of("PASSWORD_COMMAND", "PASSWORD_FILE")) {
                String v = System.getenv(prefix + kind);
                if (v != null && !v.isEmpty()) return prefix + kind + (kind.endsWith("FILE") ? " " + v : "");
            }
            String v = System.getenv(prefix + "PASSWORD");
            if (v != null && !v.isEmpty()) return prefix + "PASSWORD";
        }
        return "the prompt";
    }

    private String passwordFromSources(boolean confirm) {
        boolean hasCommand = global.passwordCommand != null && !global.passwordCommand.isBlank();
        if (hasCommand && global.passwordFile != null) {
            throw new UserException("--password-file and --password-command are mutually exclusive; give only one");
        }
        try {
            if (hasCommand) return PasswordSources.fromCommand(global.passwordCommand, cancel());
        } catch (IllegalArgumentException e) {
            throw new UserException("--password-command: " + e.getMessage());
        } catch (IOException e) {
            throw new UserException(e.getMessage());
        }
        if (global.passwordFile != null) return readPasswordFile(global.passwordFile);
        try {
            Optional<String> env = PasswordSources.fromEnvironment(cancel());
            if (env.isPresent()) return env.get();
        } catch (NoSuchFileException e) {
            throw new UserException("password file " + e.getFile() + " does not exist");
        } catch (IllegalArgumentException e) {
            throw new UserException("password command: " + e.getMessage());
        } catch (IOException e) {
            throw new UserException(e instanceof org.lifeboat.repository.RepositoryException ? e.getMessage()
                    : "cannot read password file: " + e.getMessage());
        }
        Console c = System.console();
        if (c == null || !c.isTerminal()) {
            throw new UserException("no password given: use --password-file or --password-command, or set LIFEBOAT_PASSWORD,"
                    + " LIFEBOAT_PASSWORD_FILE or LIFEBOAT_PASSWORD_COMMAND (or the RESTIC_ ones)");
        }
        char[] pw = c.readPassword("enter password for repository: ");
        if (pw == null) throw new UserException("no password entered");
        if (confirm) {
            char[] again = c.readPassword("enter password again: ");
            if (again == null || !new String(pw).equals(new String(again))) throw new UserException("passwords do not match");
        }
        return new String(pw);
    }

    static String readPasswordFile(String file) {
        try {
            return PasswordSources.readFile(Path.of(file));
        } catch (NoSuchFileException e) {
            throw new UserException("password file " + file + " does not exist");
        } catch (IOException e) {
            throw new UserException("cannot read password file " + file + ": " + e.getMessage());
        }
    }

    /**
     * The plan's repositories, opened with this command's global flags: --limit-upload and
     * --limit-download wrap each backend, --pack-size sets the packs written.
     *
     * @throws UserException when one of those flags is out of range, or a flag names a repository
     *     or password (the plan sets those)
     */
    org.lifeboat.recovery.Repositories repositories(org.lifeboat.plan.Plan plan, boolean exclusive) {
        return repositoriesOpener(plan.file(), exclusive).apply(plan);
    }

    /**
     * What opens a plan's repositories for each job of {@code lifeboat serve}, with this command's
     * global flags (--limit-upload, --pack-size, -o): each job passes its own cancel token.
     *
     * @throws UserException as {@link #repositories}
     */
    org.lifeboat.service.PlanJobs.Opener serviceOpener(Path planFile) {
        repositoriesOpener(planFile, false); // the same refusals
        org.lifeboat.backend.BackendOptions options = stackOptions();
        int packSize = packSizeBytes();
        return (plan, exclusive, cancel) -> new org.lifeboat.recovery.Repositories(plan, exclusive, options, packSize, cancel);
    }

    /**
     * What opens a plan's repositories with this command's global flags (as {@link #repositories}),
     * for a job that loads its plan itself (a drill's sandbox plan); the flags are checked now.
     *
     * @throws UserException as {@link #repositories}
     */
    java.util.function.Function<org.lifeboat.plan.Plan, org.lifeboat.recovery.Repositories> repositoriesOpener(
            Path planFile, boolean exclusive) {
        // A plan names its repositories and their passwords: a flag naming another would be ignored
        // in silence and the data would go where the user did not say.
        java.util.List<String> ignored = new java.util.ArrayList<>();
        if (global.repo != null) ignored.add("-r/--repo");
        if (global.repositoryFile != null) ignored.add("--repository-file");
        if (global.passwordFile != null) ignored.add("-p/--password-file");
        if (global.passwordCommand != null) ignored.add("--password-command");
        if (!ignored.isEmpty()) {
            throw new UserException(String.join(", ", ignored) + " cannot be used with the plan " + planFile
                    + ": its repositories and their passwords are set in the plan (repositories: url, password-file, password-env)");
        }
        org.lifeboat.backend.BackendOptions options = stackOptions();
        int packSize = packSizeBytes();
        org.lifeboat.backend.Cancel cancel = cancel();
        return plan -> new org.lifeboat.recovery.Repositories(plan, exclusive, options, packSize, cancel);
    }

    Repository open() throws IOException, WrongPasswordException {
        Backend b = backend();
        int packSize = packSizeBytes();
        // The config is shown to exist before a password is asked for, so a typo in the path is
        // reported as such (exit 10), and a missing folder as a missing folder.
        try {
            Repository.requireConfig(b);
        } catch (IOException | RuntimeException e) {
            b.close();
            throw e;
        }
        Repository repo = Repository.open(b, password(false));
        repo.setPackSize(packSize);
        return repo;
    }

    /**
     * Replaces the config of {@code repo} with the JSON {@code plain} ({@link Repository#replaceConfig});
     * {@code copy} is where the caller keeps {@code old}, named when the repository is left without one.
     *
     * @throws UserException saying what failed, whether the old config was written back, and where the copy is
     */
    void replaceConfig(Repository repo, byte[] plain, byte[] old, Path copy) throws IOException {
        try {
            repo.replaceConfig(plain, old);
        } catch (Repository.ConfigReplaceException e) {
            if (e.failure() == Repository.ConfigReplaceFailure.NOT_REMOVED) {
                // the old config is still in place: its copy is not needed (nothing was changed)
                java.nio.file.Files.deleteIfExists(copy);
                java.nio.file.Files.deleteIfExists(copy.getParent());
            }
            String tail = switch (e.failure()) {
                case NOT_REMOVED -> "; nothing was changed";
                case RESTORED -> "; a copy of the old config file is kept in " + copy;
                case LOST -> ": copy " + copy + " to " + repo.location() + "/config to make the repository usable again";
            };
            throw new UserException(e.getMessage() + tail);
        }
    }

    /**
     * Stops a command that writes first and removes after where the storage removes no file of
     * that type (an append-only REST server), before it writes anything.
     *
     * @param what what the command would remove, ending the sentence (e.g. "'tag' replaces each snapshot it changes")
     * @throws UserException one sentence naming the storage and the refusal; nothing was changed
     */
    void refuseWithoutRemovals(Repository repo, Repository.FileKind kind, String what) throws IOException {
        try {
            repo.checkRemovals(kind);
        } catch (java.nio.file.AccessDeniedException e) {
            throw new UserException("the storage at " + repo.location() + " refuses to delete " + kind.folder() + "/ files ("
                    + (e.getReason() == null ? "permission denied" : e.getReason()) + "), and " + what + ": run it with direct access to the storage; nothing was changed");
        }
    }

    /** Loads the index, warning about damaged index files (their blobs count as missing). */
    void loadIndex(Repository repo) throws IOException {
        repo.loadIndex();
        for (String e : repo.indexErrors()) warn(e);
    }

    /**
     * Takes a lock unless --no-lock; null when not locking. A lock that cannot be kept (removed by
     * another process, not refreshed in time) cancels this command's token ({@link #cancel()}).
     */
    RepositoryLock lock(Repository repo, boolean exclusive) throws IOException {
        if (global.noLock) return null;
        return RepositoryLock.acquire(repo, exclusive, this::warn, cancel(), global.retryLock, lockWaiting());
    }

    /**
     * Says the first wait for a lock (--retry-lock), on standard error as restic does ("repo already
     * locked, waiting up to 5m0s for the lock"), also under --json: standard output may be a dump's
     * data or the JSON, and neither is disturbed.
     */
    java.util.function.Consumer<String> lockWaiting() {
        boolean[] said = {false};
        return w -> {
            if (!said[0] && !global.quiet) err.println(w + "; waiting up to " + org.lifeboat.plan.Durations.toPlanText(global.retryLock)
                    + " for it (--retry-lock)");
            said[0] = true;
        };
    }
}
