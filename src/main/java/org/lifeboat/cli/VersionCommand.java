package org.lifeboat.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(name = "version", description = "Print version information.",
        footer = {"", "Examples:", "  lifeboat version"})
final class VersionCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Override
    public Integer call() {
        Context ctx = new Context(main);
        if (ctx.json()) {
            ctx.printJson(org.lifeboat.repository.Json.MAPPER.createObjectNode().put("message_type", "version")
                    .put("version", Main.VERSION).put("java", Runtime.version().toString())
                    .put("repository_formats", "1, 2"));
        } else {
            ctx.out.println("lifeboat " + Main.VERSION + " (restic repository format 1 and 2) on Java " + Runtime.version());
        }
        return ExitCodes.OK;
    }
}
