package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Run;

/**
 * A file system failure is one sentence saying what kind of failure and which file, never a bare
 * path: two restores into one target used to print only "Fatal: /srv/t/f8.bin" (the JDK's message
 * of a FileAlreadyExistsException is the path alone). One case per kind, as the JDK throws them.
 */
class FileErrorMessageTest {
    private static final String F = "/srv/restore/f8.bin";

    @TempDir
    Path dir;

    private static String fatal(Exception e) {
        StringWriter s = new StringWriter();
        int code = Main.handle(e, new PrintWriter(s));
        assertThat(code).isEqualTo(ExitCodes.FATAL);
        String out = s.toString().strip();
        assertThat(out.lines()).hasSize(1);
        assertThat(out).startsWith("Fatal: ").isNotEqualTo("Fatal: " + F).contains(F);
        return out;
    }

    @Test
    void alreadyExists() {
        assertThat(fatal(new FileAlreadyExistsException(F))).isEqualTo("Fatal: cannot create " + F
                + ": it already exists (is another process writing there too?)");
    }

    @Test
    void noSuchFile() {
        assertThat(fatal(new NoSuchFileException(F))).isEqualTo("Fatal: " + F + " does not exist (no such file or folder)");
    }

    @Test
    void accessDenied() {
        assertThat(fatal(new AccessDeniedException(F))).isEqualTo("Fatal: permission denied for " + F);
    }

    @Test
    void directoryNotEmpty() {
        assertThat(fatal(new DirectoryNotEmptyException(F))).isEqualTo("Fatal: folder " + F + " is not empty");
    }

    @Test
    void notADirectory() {
        assertThat(fatal(new NotDirectoryException(F))).isEqualTo("Fatal: " + F + " is not a folder");
    }

    @Test
    void symlinkLoop() {
        assertThat(fatal(new FileSystemLoopException(F))).isEqualTo("Fatal: " + F + " is part of a loop of symbolic links");
    }

    @Test
    void otherFileSystemErrorsSayTheReasonOrTheKind() {
        assertThat(fatal(new FileSystemException(F, null, "Read-only file system")))
                .isEqualTo("Fatal: file system error on " + F + ": Read-only file system");
        assertThat(fatal(new FileSystemException(F))).isEqualTo("Fatal: file system error on " + F + " (FileSystemException)");
        assertThat(fatal(new FileSystemException(F, "/srv/other", null)))
                .isEqualTo("Fatal: file system error on " + F + " (and /srv/other) (FileSystemException)");
    }

    @Test
    void wrappedOnesAreUnwrapped() {
        assertThat(fatal(new UncheckedIOException(new FileAlreadyExistsException(F)))).startsWith("Fatal: cannot create " + F);
    }

    @Test
    void anIoErrorWithoutMessageSaysItsKind() {
        StringWriter s = new StringWriter();
        Main.handle(new java.io.EOFException(), new PrintWriter(s));
        assertThat(s.toString().strip()).isEqualTo("Fatal: input/output error (EOFException)");
    }

    @Test
    void aRealRunSaysWhatIsMissing() throws IOException {
        Cli cli = Failures.init(dir.resolve("repo"), Cli.passwordFile(dir));
        Path src = Files.createDirectories(dir.resolve("src"));
        Path missing = dir.resolve("excludes.txt");
        Run r = cli.run("backup", src.toString(), "--exclude-file", missing.toString());
        assertThat(Failures.fatal(r, ExitCodes.FATAL))
                .isEqualTo("Fatal: cannot read exclude file: " + missing + " does not exist (no such file or folder)");
    }
}
