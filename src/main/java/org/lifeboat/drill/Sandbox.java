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

    /** Why the sandbox would touch production; empty when it would not. */
    static List<String> conflicts(Plan sandbox, Plan production, List<String> systems) {
        Map<Path, String> prodPaths = new LinkedHashMap<>();
        Map<Integer, String> prodPorts = new LinkedHashMap<>();
        for (SystemSpec s : production.systems().values()) {
            String where = "system '" + s.name() + "' in site '" + production.site() + "'";
            if (s.backup() != null) {
                for (Source src : s.backup().sources()) {
                    switch (src) {
                        case Source.PathSource p -> prodPaths.putIfAbsent(Path.of(p.path()), "backed-up path of " + where);
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
            if (v.getValue().matches("\\d{1,5}")) {
                int port = Integer.parseInt(v.getValue());
                if (port > 0 && port < 65536) prodPorts.putIfAbsent(port, "site '" + production.site() + "' variable " + v.getKey());
            }
        }
        List<String> out = new ArrayList<>();
        for (String name : systems) {
            SystemSpec s = sandbox.system(name);
            String who = "system '" + name + "' in site '" + sandbox.site() + "'";
            for (Step st : s.restore()) {
                for (Path p : paths(st)) {
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
            }
        }
        return out.stream().distinct().toList();
    }

    private static List<Path> paths(Step st) {
        return switch (st) {
            case Step.PathStep p -> List.of(Path.of(p.to()).normalize());
            case Step.DatabaseStep d -> d.createServer().isEmpty() ? List.of() : List.of(Path.of(d.createServer()).normalize());
            case Step.CommandStep c -> List.of();
        };
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
