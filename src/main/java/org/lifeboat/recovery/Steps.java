package org.lifeboat.recovery;

import org.lifeboat.repository.Plural;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.lifeboat.apps.DbConnection;
import org.lifeboat.apps.MySql;
import org.lifeboat.apps.Postgres;
import org.lifeboat.apps.Server;
import org.lifeboat.plan.SnapshotLayout;
import org.lifeboat.plan.Step;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.repository.tree.Node;
import org.lifeboat.repository.tree.NodeType;
import org.lifeboat.repository.tree.TreeWalker;
import org.lifeboat.restore.FileContent;
import org.lifeboat.restore.RestoreOptions;
import org.lifeboat.restore.RestoreResult;
import org.lifeboat.restore.Restorer;

/** Carries out one restore step of a system against its chosen snapshot. */
final class Steps {
    /** What a step did, for its result; background: the process a background command step left running. */
    record Done(String detail, Instant firstByte, long bytes, Long pid, String log, Shell.Background background) {
        Done(String detail, Instant firstByte, long bytes, Long pid, String log) {
            this(detail, firstByte, bytes, pid, log, null);
        }
    }

    private Steps() {}

    /** Runs one step; {@code cancel} stops a path restore and kills a command step's processes. */
    static Done run(Step step, Repository repo, Snapshot snap, Map<String, String> env, Path logDir, String system, int index,
                    org.lifeboat.backend.Cancel cancel) throws Exception {
        cancel.check();
        return switch (step) {
            case Step.PathStep p -> path(p, need(repo, snap, step), snap, cancel);
            case Step.DatabaseStep d when d.engine().equals("postgres") -> postgres(d, need(repo, snap, step), snap, system);
            case Step.DatabaseStep d -> mysql(d, need(repo, snap, step), snap, system);
            case Step.CommandStep c -> command(c, env, logDir, system, index, cancel);
        };
    }

    private static Repository need(Repository repo, Snapshot snap, Step step) throws RecoveryException {
        if (repo == null || snap == null) {
            throw new RecoveryException("no snapshot to " + step.describe() + " from (the system has no backup yet)");
        }
        return repo;
    }

    private static Done path(Step.PathStep p, Repository repo, Snapshot snap, org.lifeboat.backend.Cancel cancel) throws Exception {
        Id tree = TreeWalker.subtree(repo, snap.tree(), p.from());
        Path to = Path.of(p.to());
        Files.createDirectories(to);
        String name = "snapshot " + snap.id().shortHex() + ":" + p.from();
        Restorer r = new Restorer(repo, new RestoreOptions(to, p.include(), p.exclude(),
                RestoreOptions.Overwrite.parse(p.overwrite()), false, 0), name, cancel);
        // An include that matches nothing would "recover" an empty folder: the step fails instead.
        boolean[] nothingIncluded = {false};
        if (!p.include().isEmpty()) r.onPlan(plan -> nothingIncluded[0] = plan.inodes() == 0);
        RestoreResult res;
        try {
            res = r.run(tree, p.from().equals("/") ? "" : p.from());
        } catch (Restorer.NotEnoughSpaceException e) {
            throw new RecoveryException(e.getMessage());
        }
        if (nothingIncluded[0]) {
            throw new RecoveryException("nothing in " + name + " matches the step's include patterns "
                    + String.join(", ", p.include()) + " (they match paths inside " + p.from() + ")");
        }
        if (!res.ok()) {
            List<String> bad = new ArrayList<>(res.damaged());
            bad.addAll(res.failed());
            bad.addAll(res.verifyFailures());
            throw new RecoveryException(Plural.of(bad.size(), "file") + " could not be restored: "
                    + String.join("; ", bad.subList(0, Math.min(5, bad.size()))));
        }
        if (!res.unknownTypes().isEmpty()) {
            // restore skips such entries with a warning; a recovery must not leave them out silently.
            List<String> u = res.unknownTypes();
            // exclude patterns match paths inside `from`: the advice gives them so, ready to paste
            String base = p.from().equals("/") ? "" : p.from();
            List<String> patterns = new ArrayList<>();
            for (String path : res.unknownTypePaths()) {
                String inside = path.startsWith(base + "/") ? path.substring(base.length()) : path;
                patterns.add(quoted(globEscape(inside)));
            }
            throw new RecoveryException(u.size() + (u.size() == 1 ? " entry" : " entries")
                    + " of a type this version cannot restore " + (u.size() == 1 ? "was" : "were") + " not restored ("
                    + String.join("; ", u.subList(0, Math.min(5, u.size())))
                    + (u.size() > 5 ? "; and " + (u.size() - 5) + " more" : "") + "); to recover without "
                    + (u.size() == 1 ? "it" : "them") + ", add to the step's exclude: ["
                    + String.join(", ", patterns.subList(0, Math.min(20, patterns.size())))
                    + (patterns.size() > 20 ? ", …" : "") + "]");
        }
        return new Done(res.files() + " files, " + res.dirs() + " folders, " + res.bytes() + " bytes to " + to,
                r.firstByte == null ? Instant.now() : r.firstByte, res.bytes(), null, null);
    }

    /** {@code path} as a pattern that matches only it (Go's filepath.Match: a backslash escapes). */
    static String globEscape(String path) {
        StringBuilder b = new StringBuilder(path.length());
        for (char c : path.toCharArray()) {
            if (c == '*' || c == '?' || c == '[' || c == '\\') b.append('\\');
            b.append(c);
        }
        return b.toString();
    }

    /** A double-quoted string, valid in JSON and in YAML's flow style (a plan's exclude list). */
    private static String quoted(String s) {
        try {
            return org.lifeboat.repository.Json.MAPPER.writeValueAsString(s);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e); // a String always serialises
        }
    }

    private static Done postgres(Step.DatabaseStep d, Repository repo, Snapshot snap, String system) throws Exception {
        Postgres pg = Postgres.locate();
        DbConnection c = SystemBackup.connection(d.db());
        // What to load is settled before a server is created: a step that cannot succeed starts nothing.
        Dumps dumps = find(repo, snap, SnapshotLayout.ROOT + "/postgres", ".pgdump");
        List<String> dbs = d.databases().isEmpty() ? new ArrayList<>(dumps.files.keySet()) : d.databases();
        for (String db : dbs) {
            if (dumps.get(db) == null) {
                throw new RecoveryException("snapshot " + snap.id().shortHex() + " has no dump of database '" + db + "'"
                        + (dumps.files.isEmpty() ? "" : " (it has: " + String.join(", ", dumps.files.keySet()) + ")"));
            }
        }
        portFree(d, Server.POSTGRES, system);
        Server server = d.createServer().isEmpty() ? null
                : pg.createServer(Path.of(d.createServer()), d.db().port(), d.db().user(), c.password(), d.timeout());
        try {
            Instant first = Instant.now();
            long bytes = 0;
            if (d.globals() && dumps.globals != null) {
                try (InputStream in = FileContent.open(repo, dumps.globals)) {
                    pg.restoreGlobals(c, in, d.timeout());
                }
                bytes += dumps.globals.size();
            }
            for (String db : dbs) {
                Node n = dumps.get(db);
                try (InputStream in = FileContent.open(repo, n)) {
                    pg.restore(c, db, in, d.timeout());
                }
                bytes += n.size();
            }
            return new Done("loaded " + String.join(", ", dbs) + " into " + d.db().describe() + serverNote(server), first, bytes,
                    started(server) ? server.pid() : null, started(server) ? server.dir().toString() : null);
        } catch (Exception e) {
            throw stopAfterFailure(server, e);
        }
    }

    private static Done mysql(Step.DatabaseStep d, Repository repo, Snapshot snap, String system) throws Exception {
        MySql my = MySql.locate();
        DbConnection c = SystemBackup.connection(d.db());
        Dumps dumps = find(repo, snap, SnapshotLayout.ROOT + "/mysql", ".sql");
        if (dumps.files.isEmpty()) throw new RecoveryException("snapshot " + snap.id().shortHex() + " has no MySQL/MariaDB dump");
        portFree(d, Server.MYSQL, system);
        Server server = d.createServer().isEmpty() ? null
                : my.createServer(Path.of(d.createServer()), d.db().port(), d.db().user(), c.password(), d.timeout());
        try {
            Instant first = Instant.now();
            long bytes = 0;
            java.util.Set<String> found = new java.util.TreeSet<>();
            for (Node n : dumps.files.values()) {
                // Only the named databases: the dump may hold others, which must not be rolled back.
                try (InputStream in = d.databases().isEmpty() ? FileContent.open(repo, n)
                        : new MysqlDumpFilter(FileContent.open(repo, n), java.util.Set.copyOf(d.databases()), found)) {
                    my.restore(c, in, d.timeout());
                }
                bytes += n.size();
            }
            List<String> missing = d.databases().stream().filter(x -> !found.contains(x)).toList();
            if (!missing.isEmpty()) {
                throw new RecoveryException("snapshot " + snap.id().shortHex() + " has no dump of database(s) "
                        + String.join(", ", missing) + (found.isEmpty() ? "" : " (loaded: " + String.join(", ", found) + ")"));
            }
            return new Done("loaded " + (d.databases().isEmpty() ? "the dump" : String.join(", ", d.databases())) + " into "
                    + d.db().describe() + serverNote(server),
                    first, bytes, started(server) ? server.pid() : null, started(server) ? server.dir().toString() : null);
        } catch (Exception e) {
            throw stopAfterFailure(server, e);
        }
    }

    /**
     * Before a new server is started: its port must be free (as for background commands), unless
     * the server already running from the step's folder holds it (that one is reused). Otherwise
     * the server would fail to bind, or the load would go into whatever answers there.
     */
    private static void portFree(Step.DatabaseStep d, String kind, String system) throws RecoveryException {
        if (d.createServer().isEmpty() || Server.runningFrom(kind, Path.of(d.createServer()))) return;
        int port = d.db().port();
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 1000);
        } catch (IOException free) {
            return;
        }
        throw new RecoveryException("port " + port + " on 127.0.0.1 is already in use, so the new "
                + (kind.equals(Server.POSTGRES) ? "PostgreSQL" : "MariaDB") + " server of system '" + system + "' (in "
                + d.createServer() + ") cannot start there; stop what runs on port " + port + " or give the site another port");
    }

    /** Whether this step started {@code server} (so it is recorded, and stopped after a failed load). */
    private static boolean started(Server server) {
        return server != null && !server.reused();
    }

    /** What the step says about its server: a new one, or one that already ran and is not ours. */
    private static String serverNote(Server server) {
        if (server == null) return "";
        return server.reused()
                ? " (reusing the server already running in " + server.dir() + " (pid " + server.pid() + "), not started by this recovery)"
                : " (new server in " + server.dir() + ", pid " + server.pid() + ")";
    }

    /** A server this step created for a load that failed is stopped again, not left running unrecorded; one it reused is left alone. */
    private static Exception stopAfterFailure(Server server, Exception e) {
        if (server != null && server.reused()) {
            return new RecoveryException(Recovery.message(e) + " (in the server already running in " + server.dir() + ", pid "
                    + server.pid() + ", which this recovery did not start and left running)", e);
        }
        if (server == null) return e;
        try {
            server.stop(Duration.ofSeconds(30));
            return new RecoveryException(Recovery.message(e) + " (the new server in " + server.dir() + " was stopped again)", e);
        } catch (IOException stop) {
            return new RecoveryException(Recovery.message(e) + "; the new server in " + server.dir() + " (pid " + server.pid()
                    + ") could not be stopped: " + stop.getMessage(), e);
        }
    }

    /**
     * The dumps under /lifeboat/<engine>/<host-port>/: files by database name (the file name without
     * suffix, decoded), raw by the undecoded file name (an older snapshot's plain name that happens
     * to look encoded, such as a database really called {@code a%2Fb}).
     */
    private record Dumps(Map<String, Node> files, Map<String, Node> raw, Node globals) {
        Node get(String db) {
            Node n = files.get(db);
            return n != null ? n : raw.get(db);
        }
    }

    private static Dumps find(Repository repo, Snapshot snap, String dir, String suffix) throws IOException, RecoveryException {
        Map<String, Node> files = new java.util.TreeMap<>();
        Map<String, Node> raw = new java.util.TreeMap<>();
        Node globals = null;
        Node top;
        try {
            top = TreeWalker.find(repo, snap.tree(), dir);
        } catch (IOException e) {
            throw new RecoveryException("snapshot " + snap.id().shortHex() + " holds no " + dir + " dumps");
        }
        if (top == null || top.type() != NodeType.DIR) throw new RecoveryException("snapshot " + snap.id().shortHex() + " holds no " + dir + " dumps");
        for (Node server : TreeWalker.load(repo, top.subtree())) {
            if (server.type() != NodeType.DIR) continue;
            for (Node f : TreeWalker.load(repo, server.subtree())) {
                if (f.type() != NodeType.FILE) continue;
                if (f.name().equals("globals.sql") && suffix.equals(".pgdump")) globals = f;
                else if (f.name().endsWith(suffix)) {
                    String stem = f.name().substring(0, f.name().length() - suffix.length());
                    files.put(SnapshotLayout.decodeName(stem), f);
                    raw.put(stem, f);
                }
            }
        }
        return new Dumps(files, raw, globals);
    }

    private static Done command(Step.CommandStep c, Map<String, String> env, Path logDir, String system, int index,
                                org.lifeboat.backend.Cancel cancel) throws Exception {
        if (c.background()) {
            Path log = logDir.resolve(system + "-step" + index + ".log");
            Shell.Background bg = Shell.start(c.run(), env, log);
            return new Done("started, pid " + bg.pid() + ", output in " + log, null, 0, bg.pid(), log.toString(), bg);
        }
        Shell.Result r = Shell.run(c.run(), env, c.timeout(), cancel);
        if (r.timedOut()) throw new RecoveryException("timed out after " + c.timeout().toSeconds() + " s" + tail(r));
        if (r.exitCode() != 0) throw new RecoveryException("exit code " + r.exitCode() + tail(r));
        return new Done(r.tail().isEmpty() ? "exit 0" : "exit 0: " + lastLine(r.tail()), null, 0, null, null);
    }

    private static String tail(Shell.Result r) {
        return r.tail().isEmpty() ? "" : ": " + r.tail();
    }

    private static String lastLine(String s) {
        int nl = s.lastIndexOf('\n');
        return nl < 0 ? s : s.substring(nl + 1);
    }

}
