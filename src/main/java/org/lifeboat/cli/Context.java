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
import org.lifeboat.backend.LocalBackend;
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

    String repositoryLocation() {
        String r = global.repo;
        if (r == null || r.isBlank()) r = System.getenv("LIFEBOAT_REPOSITORY");
        if (r == null || r.isBlank()) r = System.getenv("RESTIC_REPOSITORY");
        if (r == null || r.isBlank()) {
            throw new UserException("no repository given: use -r/--repo or set LIFEBOAT_REPOSITORY");
        }
        return r;
    }

    Backend backend() {
        return backendFor(repositoryLocation());
    }

    static Backend backendFor(String location) {
        try {
            return org.lifeboat.backend.Locations.open(location);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
    }

    /**
     * The password from, in order: --password-file, LIFEBOAT_PASSWORD, LIFEBOAT_PASSWORD_FILE,
     * RESTIC_PASSWORD, RESTIC_PASSWORD_FILE, then a prompt on a terminal. The flag wins because it
     * is the most explicit.
     */
    String password(boolean confirm) {
        if (global.passwordFile != null) return readPasswordFile(global.passwordFile);
        try {
            Optional<String> env = PasswordSources.fromEnvironment();
            if (env.isPresent()) return env.get();
        } catch (NoSuchFileException e) {
            throw new UserException("password file " + e.getFile() + " does not exist");
        } catch (IOException e) {
            throw new UserException("cannot read password file: " + e.getMessage());
        }
        Console c = System.console();
        if (c == null || !c.isTerminal()) {
            throw new UserException("no password given: set LIFEBOAT_PASSWORD or LIFEBOAT_PASSWORD_FILE, or use --password-file");
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

    Repository open() throws IOException, WrongPasswordException {
        Backend b = backend();
        // Checked before asking for a password, so a typo in the path is reported as such.
        if (b instanceof LocalBackend lb && !Files.exists(lb.root())) {
            throw new org.lifeboat.repository.RepositoryNotFoundException("there is no repository at " + lb.root()
                    + " (the folder does not exist); create one with 'lifeboat init'");
        }
        Repository.requireConfig(b);
        return Repository.open(b, password(false));
    }

    /** Loads the index, warning about damaged index files (their blobs count as missing). */
    void loadIndex(Repository repo) throws IOException {
        repo.loadIndex();
        for (String e : repo.indexErrors()) warn(e);
    }

    /** Takes a lock unless --no-lock; null when not locking. */
    RepositoryLock lock(Repository repo, boolean exclusive) throws IOException {
        if (global.noLock) return null;
        return repo.lock(exclusive, this::warn);
    }
}
