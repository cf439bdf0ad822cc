package org.lifeboat.testutil;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The real restic binary, run against a repository: the independent judge of the format. */
public final class Restic {
    public static final String PASSWORD = "correct horse battery staple";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path repo;
    private final Path cache;
    private final String password;

    public Restic(Path repo, Path cache) {
        this(repo, cache, PASSWORD);
    }

    public Restic(Path repo, Path cache, String password) {
        this.repo = repo;
        this.cache = cache;
        this.password = password;
        if (!Files.isExecutable(Path.of("/usr/bin/restic"))) {
            throw new AssertionError("restic is not installed: the test command installs it (apt-get install restic)");
        }
    }

    public Run run(String... args) {
        return runIn(null, args);
    }

    public Run runIn(Path dir, String... args) {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/restic", "-r", repo.toString(), "--no-cache"));
        cmd.addAll(List.of(args));
        Map<String, String> env = new HashMap<>();
        env.put("RESTIC_PASSWORD", password);
        env.put("RESTIC_CACHE_DIR", cache.toString());
        return Proc.run(cmd, env, dir, null, 600);
    }

    public JsonNode json(String... args) {
        Run r = run(args).ok();
        try {
            return JSON.readTree(r.out());
        } catch (IOException e) {
            throw new AssertionError("restic printed no JSON: " + r, e);
        }
    }

    /** IDs of snapshots, oldest first. */
    public List<String> snapshotIds() {
        List<String> ids = new ArrayList<>();
        for (JsonNode s : json("snapshots", "--json")) ids.add(s.get("id").asText());
        return ids;
    }
}
