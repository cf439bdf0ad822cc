package org.lifeboat.testutil;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.lifeboat.repository.Json;

/** Test helpers: a repository and a plan file in a folder, and the CLI run against them. */
public final class PlanRuns {
    private PlanRuns() {}

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Creates a repository in dir/repo with the test password in dir/password; returns the password file. */
    public static Path initRepository(Path dir) throws IOException {
        Path pw = Cli.passwordFile(dir);
        new Cli(dir.resolve("repo"), pw).run("init").ok();
        return pw;
    }

    public static Run lifeboat(Path plan, String... args) {
        List<String> full = new ArrayList<>(List.of("--config", plan.toString()));
        full.addAll(List.of(args));
        return Cli.raw(null, full.toArray(String[]::new));
    }

    public static JsonNode json(Run r) throws IOException {
        String out = r.out().strip();
        return Json.MAPPER.readTree(out.substring(out.lastIndexOf("\n{") + 1));
    }

    public static JsonNode system(JsonNode result, String name) {
        for (JsonNode s : result.get("systems")) if (s.get("name").asText().equals(name)) return s;
        throw new AssertionError("no system " + name + " in " + result);
    }

    /**
     * A tiny web service for plans to start: a Java program (Health.java, with its class beside it)
     * answering /health with 200 and the first line of a data file. Returns the start script.
     */
    public static Path webapp(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("Health.java"), """
                import com.sun.net.httpserver.HttpServer;
                import java.net.InetSocketAddress;
                import java.nio.file.Files;
                import java.nio.file.Path;
                public class Health {
                    public static void main(String[] a) throws Exception {
                        int port = Integer.parseInt(a[1]);
                        Path data = Path.of(a[2]);
                        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
                        s.createContext("/health", x -> {
                            byte[] b = ("ok " + Files.readAllLines(data).get(0)).getBytes();
                            x.sendResponseHeaders(200, b.length);
                            x.getResponseBody().write(b);
                            x.close();
                        });
                        s.start();
                    }
                }
                """);
        Files.write(dir.resolve("Health.class"), healthClass(dir.resolve("Health.java")));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path start = dir.resolve("start.sh");
        Files.writeString(start, "#!/bin/sh\n# start.sh --port N DATAFILE\nhere=$(dirname \"$0\")\n"
                + "exec " + java + " -Xmx32m -XX:TieredStopAtLevel=1 -cp \"$here\" Health \"$1\" \"$2\" \"$3\"\n");
        Files.setPosixFilePermissions(start, PosixFilePermissions.fromString("rwxr-xr-x"));
        return start;
    }

    private static byte[] healthClass;

    /**
     * Health.class, compiled once per JVM (the source is the same for every webapp): started as a
     * single-file source program, each start ran javac first, about 2 s of CPU where the class
     * starts in 0.15 s.
     */
    private static synchronized byte[] healthClass(Path source) throws IOException {
        if (healthClass == null) {
            Path out = Files.createTempDirectory("lifeboat-health-");
            try {
                int rc = javax.tools.ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", out.toString(),
                        source.toString());
                if (rc != 0) throw new AssertionError("javac failed on " + source);
                healthClass = Files.readAllBytes(out.resolve("Health.class"));
            } finally {
                try (var s = Files.list(out)) {
                    for (Path p : s.toList()) Files.delete(p);
                }
                Files.delete(out);
            }
        }
        return healthClass;
    }
}
