package org.lifeboat.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** A report or runbook written to a file: whole or not at all (temporary name, then rename). */
final class OutputFile {
    private OutputFile() {}

    static Path write(String name, String text) throws IOException {
        Path p = Path.of(name).toAbsolutePath();
        if (p.getFileName() == null || Files.isDirectory(p)) throw new UserException(name + " is a folder; give a file name");
        if (p.getParent() != null) Files.createDirectories(p.getParent());
        Path tmp = p.resolveSibling(p.getFileName() + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, p, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return p;
    }
}
