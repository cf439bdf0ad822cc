package org.lifeboat.recovery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.lifeboat.apps.Server;
import org.lifeboat.plan.Plan;
import org.lifeboat.repository.Json;

/**
 * The services (background commands, database servers) that {@code recover} started and left
 * running on a site, kept in the state directory ({@code started-services.json}) so a later run
 * can list and stop them ({@code recover --stop-started}). Each entry holds the process's start
 * time: a pid the system has since given to another process is never stopped.
 */
public final class StartedServices {
    /** One running service: where and by which step it was started, its process and its log or server folder. */
    public record Entry(String site, String system, int step, String kind, String description, long pid,
                        Instant processStart, String log, Instant recorded) {
        /** Still the process that was started (alive, not a zombie, same start time). */
        public boolean running() {
            // A command's session outlives it: a daemon it forked keeps the session id (its pid),
            // which Linux gives to no other process while any member lives.
            if (!Shell.alive(pid)) return !isServer() && !Shell.session(pid).isEmpty();
            Instant now = ProcessHandle.of(pid).flatMap(h -> h.info().startInstant()).orElse(null);
            return processStart == null || now == null || now.equals(processStart);
        }

        boolean isServer() {
            return kind.equals(Server.POSTGRES) || kind.equals(Server.MYSQL);
        }

        /** For people: {@code webapp step 2 (command ...): pid 123, log /x}. */
        public String describe() {
            boolean server = kind.equals(Server.POSTGRES) || kind.equals(Server.MYSQL);
            return system + " step " + step + " (" + description + "): pid " + pid + (log == null ? "" : (server ? ", server in " : ", log ") + log);
        }
    }

    private StartedServices() {}

    /** The file for a plan: in its state directory. */
    public static Path file(Plan plan) {
        return StateDir.of(plan).resolve("started-services.json");
    }

    /**
     * Adds the still-running processes a recovery left (steps with a pid) to the record, drops
     * entries whose process is gone, and returns the site's running entries.
     *
     * @throws IOException when the state directory cannot be written
     */
    public static synchronized List<Entry> record(Plan plan, RecoveryResult res) throws IOException {
        List<Entry> all = new ArrayList<>();
        for (Entry e : load(plan)) if (e.running()) all.add(e);
        Instant now = Instant.now();
        for (SystemResult s : res.systems()) {
            for (StepResult st : s.steps()) {
                if (st.pid() == null) continue;
                boolean server = st.kind().equals(Server.POSTGRES) || st.kind().equals(Server.MYSQL);
                if (!Shell.alive(st.pid()) && (server || Shell.session(st.pid()).isEmpty())) continue;
                long pid = st.pid();
                if (all.stream().anyMatch(e -> e.pid() == pid)) continue;
                Instant startedAt = ProcessHandle.of(pid).flatMap(h -> h.info().startInstant()).orElse(null);
                all.add(new Entry(res.site(), s.name(), st.index(), st.kind(), st.description(), pid, startedAt, st.log(), now));
            }
        }
        save(plan, all);
        return all.stream().filter(e -> Objects.equals(e.site(), res.site())).toList();
    }

    /** The recorded services of {@code site} that still run. */
    public static synchronized List<Entry> running(Plan plan, String site) throws IOException {
        return load(plan).stream().filter(e -> Objects.equals(e.site(), site) && e.running()).toList();
    }

    /**
     * Stops every recorded service of {@code site} (database servers cleanly, commands with their
     * children: TERM, then KILL), and forgets the ones that are gone. Returns one line per service:
     * what was stopped, or why it could not be.
     *
     * @throws IOException when the record cannot be read or written
     */
    public static synchronized List<String> stop(Plan plan, String site) throws IOException {
        List<String> lines = new ArrayList<>();
        List<Entry> keep = new ArrayList<>();
        for (Entry e : load(plan)) {
            if (!Objects.equals(e.site(), site)) {
                if (e.running()) keep.add(e);
                continue;
            }
            if (!e.running()) {
                lines.add("already gone: " + e.describe());
                continue;
            }
            try {
                if ((e.kind().equals(Server.POSTGRES) || e.kind().equals(Server.MYSQL)) && e.log() != null) {
                    new Server(e.kind(), Path.of(e.log()), 1, e.pid()).stop(Duration.ofSeconds(60));
                } else {
                    Shell.stopSession(e.pid(), Duration.ofSeconds(10)); // with what it left running
                }
            } catch (IOException | RuntimeException ex) {
                lines.add("could not stop " + e.describe() + ": " + Recovery.message(ex));
                keep.add(e);
                continue;
            }
            if (e.running()) {
                lines.add("could not stop " + e.describe() + ": it is still running");
                keep.add(e);
            } else {
                lines.add("stopped " + e.describe());
            }
        }
        save(plan, keep);
        return lines;
    }

    private static List<Entry> load(Plan plan) throws IOException {
        Path f = file(plan);
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(Files.readString(f));
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IOException(f + " is not valid JSON (" + e.getOriginalMessage() + "); move it away to start a new record");
        }
        List<Entry> out = new ArrayList<>();
        for (JsonNode n : root.path("services")) {
            out.add(new Entry(text(n, "site"), text(n, "system"), n.path("step").asInt(), text(n, "kind"),
                    text(n, "description"), n.path("pid").asLong(), instant(n, "process_start"), text(n, "log"),
                    instant(n, "recorded")));
        }
        return out;
    }

    private static void save(Plan plan, List<Entry> entries) throws IOException {
        Path f = file(plan);
        if (entries.isEmpty() && !Files.exists(f)) return;
        ObjectNode root = Json.MAPPER.createObjectNode();
        ArrayNode a = root.putArray("services");
        for (Entry e : entries) {
            ObjectNode o = a.addObject().put("site", e.site()).put("system", e.system()).put("step", e.step())
                    .put("kind", e.kind()).put("description", e.description()).put("pid", e.pid());
            if (e.processStart() != null) o.put("process_start", e.processStart().toString());
            if (e.log() != null) o.put("log", e.log());
            if (e.recorded() != null) o.put("recorded", e.recorded().toString());
        }
        Files.createDirectories(f.getParent());
        // Written beside and moved into place: a crash never leaves half a record.
        Path tmp = Files.createTempFile(f.getParent(), ".started-services", ".tmp");
        try {
            Files.writeString(tmp, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
            Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static String text(JsonNode n, String key) {
        JsonNode v = n.get(key);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static Instant instant(JsonNode n, String key) {
        String s = text(n, key);
        try {
            return s == null ? null : Instant.parse(s);
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }
}
