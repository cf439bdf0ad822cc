package org.lifeboat.drill;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lifeboat.plan.Check;
import org.lifeboat.plan.Plan;
import org.lifeboat.plan.Source;
import org.lifeboat.plan.Step;
import org.lifeboat.plan.SystemSpec;

/**
 * Keeps a drill away from production: every folder a sandbox restores into and every port it
 * uses is compared with the folders and ports the default site uses (its restore targets, new
 * server folders, backed-up paths; its database, check and site ports).
 */
final class Sandbox {
    private Sandbox() {}

    /**
     * Why the sandbox would touch production or leave its own folder; empty when it would not.
     * A drill writes only under {@code root}, restores databases only into servers it starts
     * there, and talks only to 127.0.0.1.
     */
    static List<String> conflicts(Plan sandbox, Plan production, List<String> systems, Path root) {
        Map<Path, String> prodPaths = new LinkedHashMap<>();
        Map<Integer, String> prodPorts = new LinkedHashMap<>();
        for (SystemSpec s : production.systems().values()) {
            String where = "system '" + s.name() + "' in site '" + production.site() + "'";
            if (s.backup() != null) {
                for (Source src : s.backup().sources()) {
                    switch (src) {
                        case Source.PathSource p -> prodPaths.putIfAbsent(real(Path.of(p.path())), "backed-up path of " + where);
                        case Source.PostgresSource pg -> prodPorts.putIfAbsent(pg.db().port(), "database port of " + where);
                        case Source.MysqlSource my -> prodPorts.putIfAbsent(my.db().port(), "database port of " + where);
                        case Source.CommandSource c -> { }
                    }
                }
            }
            for (Step st : s.restore()) {
                for (Path p : paths(st)) prodPaths.putIfAbsent(p, "restore target of " + where);
                Integer port = port(st);
                if (port != null) prodPorts.putIfAbsent(port, "database port of " + where);
            }
            for (Check c : s.verify()) {
                Integer port = port(c);
                if (port != null) prodPorts.putIfAbsent(port, "port checked by " + where);
            }
        }
        for (Map.Entry<String, String> v : production.variables().entrySet()) {
            Integer port = asPort(v.getValue());
            if (port != null) prodPorts.putIfAbsent(port, "site '" + production.site() + "' variable " + v.getKey());
        }
        List<String> out = new ArrayList<>();
        // Ports reach commands through variables too (a service started on ${web_port}).
        for (Map.Entry<String, String> v : sandbox.variables().entrySet()) {
            Integer port = asPort(v.getValue());
            if (port != null && prodPorts.containsKey(port)) {
                out.add("site '" + sandbox.site() + "' variable " + v.getKey() + " is port " + port + ", production's "
                        + prodPorts.get(port));
            }
        }
        Path realRoot = real(root);
        for (String name : systems) {
            SystemSpec s = sandbox.system(name);
            String who = "system '" + name + "' in site '" + sandbox.site() + "'";
            for (Step st : s.restore()) {
                if (st instanceof Step.DatabaseStep d) {
                    if (d.createServer().isEmpty()) {
                        out.add(who + " would load " + d.engine() + " data into a server that is already running (" + d.db().describe()
                                + "): a drill restores databases only into servers it starts itself; give the step create-server: "
                                + "\"${pg_dir}\" with pg_dir: \"${temp-dir}\" in the site");
                    }
                    if (!loopback(d.db().host())) out.add(who + " would connect to " + d.db().host() + ": a drill talks only to 127.0.0.1");
                }
                for (Path p : paths(st)) {
                    if (!p.startsWith(realRoot)) {
                        out.add(who + " would write to " + p + ", outside the drill's own folder " + realRoot
                                + ": use \"${temp-dir}\" for the sandbox's folders");
                    }
                    for (Map.Entry<Path, String> q : prodPaths.entrySet()) {
                        if (p.startsWith(q.getKey()) || q.getKey().startsWith(p)) {
                            out.add(who + " would write to " + p + ", which " + (p.equals(q.getKey()) ? "is" : p.startsWith(q.getKey())
                                    ? "lies inside" : "contains") + " " + q.getKey() + " (" + q.getValue() + ")");
                        }
                    }
                }
                Integer port = port(st);
                if (port != null && prodPorts.containsKey(port)) {
                    out.add(who + " would use port " + port + ", production's " + prodPorts.get(port));
                }
            }
            for (Check c : s.verify()) {
                Integer port = port(c);
                if (port != null && prodPorts.containsKey(port)) {
                    out.add(who + " would check port " + port + ", production's " + prodPorts.get(port)
                            + ": the drill would test production, not the sandbox");
                }
                String host = host(c);
                if (host != null && !loopback(host)) {
                    out.add(who + " would check " + host + ": a drill checks only what it started, on 127.0.0.1");
                }
            }
        }
        return out.stream().distinct().toList();
    }

    private static Integer asPort(String v) {
        if (!v.matches("\\d{1,5}")) return null;
        int port = Integer.parseInt(v);
        return port > 0 && port < 65536 ? port : null;
    }

    private static boolean loopback(String host) {
        return host.equals("127.0.0.1") || host.equals("localhost") || host.equals("::1") || host.startsWith("127.");
    }

    private static String host(Check c) {
        return switch (c) {
            case Check.TcpCheck t -> t.host();
            case Check.SqlCheck q -> q.db().host();
            case Check.HttpCheck h -> {
                try {
                    yield URI.create(h.url()).getHost();
                } catch (IllegalArgumentException e) {
                    yield null;
                }
            }
            default -> null;
        };
    }

    private static List<Path> paths(Step st) {
        return switch (st) {
            case Step.PathStep p -> List.of(real(Path.of(p.to())));
            case Step.DatabaseStep d -> d.createServer().isEmpty() ? List.of() : List.of(real(Path.of(d.createServer())));
            case Step.CommandStep c -> List.of();
        };
    }

    /**
     * The path with symlinks in its existing part resolved: a sandbox folder reached through a
     * link into production is production.
     */
    static Path real(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        Path existing = abs;
        while (existing != null && !java.nio.file.Files.exists(existing)) existing = existing.getParent();
        if (existing == null) return abs;
        try {
            return existing.toRealPath().resolve(existing.relativize(abs)).normalize();
        } catch (java.io.IOException e) {
            return abs;
        }
    }

    private static Integer port(Step st) {
        return st instanceof Step.DatabaseStep d ? d.db().port() : null;
    }

    private static Integer port(Check c) {
        return switch (c) {
            case Check.TcpCheck t -> t.port();
            case Check.SqlCheck q -> q.db().port();
            case Check.HttpCheck h -> {
                try {
                    URI u = URI.create(h.url());
                    yield u.getPort() > 0 ? u.getPort() : "https".equals(u.getScheme()) ? 443 : 80;
                } catch (IllegalArgumentException e) {
                    yield null;
                }
            }
            default -> null;
        };
    }
}
