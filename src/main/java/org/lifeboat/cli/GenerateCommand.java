package org.lifeboat.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** Shell completion scripts and man pages, as restic's {@code generate}. */
@Command(name = "generate", description = "Write shell completion scripts and man pages.",
        footer = {"", "Examples:",
                "  lifeboat generate --bash-completion /etc/bash_completion.d/lifeboat",
                "  lifeboat generate --zsh-completion ~/.lifeboat-completion.zsh",
                "  lifeboat generate --man /usr/local/share/man/man1"})
final class GenerateCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Option(names = "--bash-completion", paramLabel = "FILE", description = "write the bash completion script to FILE (- for standard output)")
    String bash;

    @Option(names = "--zsh-completion", paramLabel = "FILE",
            description = "write the zsh completion script to FILE (- for standard output; it uses zsh's bashcompinit)")
    String zsh;

    @Option(names = "--man", paramLabel = "DIR", description = "write one man page per command into DIR (created if missing)")
    String man;

    @Override
    public Integer call() throws IOException {
        Context ctx = new Context(main);
        if (bash == null && zsh == null && man == null) {
            throw new UserException("nothing to generate: give --bash-completion FILE, --zsh-completion FILE or --man DIR");
        }
        // Names checked before anything is written: one sentence for what is wrong with each.
        if (bash != null) checkFile("--bash-completion", bash);
        if (zsh != null) checkFile("--zsh-completion", zsh);
        if (man != null) {
            if (man.isEmpty()) throw new UserException("--man: the folder name is empty (give a folder, e.g. /usr/local/share/man/man1)");
            if (Files.exists(Path.of(man)) && !Files.isDirectory(Path.of(man))) {
                throw new UserException("--man " + man + " is not a folder (man pages are written into a folder,"
                        + " e.g. /usr/local/share/man/man1)");
            }
            // A file above it: the folder cannot be created there.
            for (Path p = Path.of(man).toAbsolutePath().getParent(); p != null; p = p.getParent()) {
                if (!Files.exists(p)) continue;
                if (!Files.isDirectory(p)) {
                    throw new UserException("--man " + man + ": " + p + " is a file, not a folder, so the folder cannot be created");
                }
                break;
            }
        }
        CommandLine root = spec.root().commandLine();
        // picocli's script serves both shells: under zsh it loads bashcompinit itself.
        String script = AutoComplete.bash("lifeboat", root);
        if (bash != null) write(ctx, bash, script);
        if (zsh != null) write(ctx, zsh, script);
        if (man != null) {
            Path dir = Path.of(man);
            Files.createDirectories(dir);
            Map<String, String> pages = ManPages.all(root);
            for (Map.Entry<String, String> p : pages.entrySet()) {
                Files.writeString(dir.resolve(p.getKey()), p.getValue(), StandardCharsets.UTF_8);
            }
            ctx.info("wrote " + pages.size() + " man pages to " + dir);
        }
        return ExitCodes.OK;
    }

    /**
     * A completion script's target: not empty and not a folder.
     *
     * @throws UserException naming the option and what is wrong with the name
     */
    private static void checkFile(String option, String file) {
        if (file.isEmpty()) {
            throw new UserException(option + ": the file name is empty (give a file, or - for standard output)");
        }
        if (!file.equals("-") && Files.isDirectory(Path.of(file))) {
            throw new UserException(option + " " + file + " is a folder, not a file (give the script's file name)");
        }
    }

    private static void write(Context ctx, String file, String text) throws IOException {
        if (file.equals("-")) {
            ctx.out.print(text);
            ctx.out.flush();
        } else {
            Files.writeString(Path.of(file), text, StandardCharsets.UTF_8);
            ctx.info("wrote " + file);
        }
    }
}
