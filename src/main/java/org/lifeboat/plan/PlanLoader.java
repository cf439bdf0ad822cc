package org.lifeboat.plan;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.lifeboat.plan.YamlTree.YMap;
import org.lifeboat.plan.YamlTree.YNode;

/**
 * Reads {@code lifeboat.yaml}: finds every error (file, line, column), and resolves the plan for
 * one site. Relative paths in the file are relative to the file's folder.
 */
public final class PlanLoader {
    public static final String FILE_NAME = "lifeboat.yaml";
    /**
     * Largest plan file, in bytes (1 MiB). Plans describe a few dozen systems in a few kilobytes;
     * the bound keeps a wrong or hostile file from costing more than a moment to refuse.
     */
    public static final int MAX_BYTES = 1 << 20;

    private PlanLoader() {}

    /** Produces the values of the generators {@code ${temp-dir}} and {@code ${free-port}}. */
    public interface Generators {
        String tempDir(String variable) throws IOException;

        int freePort(String variable) throws IOException;

        /** Fresh folders under {@code root} and ports free on 127.0.0.1 right now. */
        static Generators real(Path root) {
            return new Generators() {
                // The OS may offer a port it just offered again once the probe is closed: two
                // variables must never get the same one.
                private final Set<Integer> given = new java.util.HashSet<>();

                public String tempDir(String variable) throws IOException {
                    Files.createDirectories(root);
                    return Files.createTempDirectory(root, variable.replaceAll("[^A-Za-z0-9_-]", "_") + "-").toString();
                }

                public synchronized int freePort(String variable) throws IOException {
                    for (int attempt = 0; attempt < 100; attempt++) {
                        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                            if (given.add(s.getLocalPort())) return s.getLocalPort();
                        }
                    }
                    throw new IOException("no free port on 127.0.0.1 that was not already given out");
                }
            };
        }

        /** Stand-ins that touch nothing: for validation, dry runs and documents. */
        static Generators placeholders() {
            return new Generators() {
                public String tempDir(String variable) {
                    return "/tmp/lifeboat-" + variable;
                }

                public int freePort(String variable) {
                    return 1;
                }
            };
        }
    }

    /** The plan file: {@code --config}, else $LIFEBOAT_CONFIG, else ./lifeboat.yaml, else /etc/lifeboat/lifeboat.yaml. */
    public static Path locate(String option) throws PlanException {
        if (option != null && !option.isBlank()) return Path.of(option);
        String env = System.getenv("LIFEBOAT_CONFIG");
        if (env != null && !env.isBlank()) return Path.of(env);
        Path here = Path.of(FILE_NAME);
        if (Files.exists(here)) return here;
        Path etc = Path.of("/etc/lifeboat", FILE_NAME);
        if (Files.exists(etc)) return etc;
        throw new PlanException("no plan file: there is no ./" + FILE_NAME + " or " + etc
                + "; give one with --config FILE or LIFEBOAT_CONFIG");
    }

    /** Every error and warning of the file, for every site. */
    public static List<Problem> validate(Path file) throws IOException, PlanException {
        Parsed p = parse(file);
        if (p.root == null) return p.problems;
        List<Problem> all = new ArrayList<>(p.problems);
        Map<String, Map<String, String>> sites = Binder.siteVariables(p, all);
        Map<String, List<YamlTree.Pos>> unknown = new LinkedHashMap<>();
        Map<String, Set<String>> missingIn = new LinkedHashMap<>();
        List<String> siteNames = sites.isEmpty() ? List.of("") : new ArrayList<>(sites.keySet());
        // The first site is bound whole; the others only where a variable can make them differ.
        Map<YNode, Boolean> withVariables = new java.util.IdentityHashMap<>();
        for (String s : siteNames) {
            Binder b = new Binder(p, s, sites, Generators.placeholders(), s.equals(siteNames.get(0)) ? null : withVariables);
            b.bind();
            all.addAll(b.problems);
            for (Binder.UnknownVar u : b.unknownVars) {
                unknown.computeIfAbsent(u.name(), k -> new ArrayList<>()).add(u.pos());
                missingIn.computeIfAbsent(u.name() + "@" + u.pos(), k -> new TreeSet<>()).add(s);
            }
        }
        for (Map.Entry<String, List<YamlTree.Pos>> e : unknown.entrySet()) {
            String name = e.getKey();
            boolean definedSomewhere = sites.values().stream().anyMatch(v -> v.containsKey(name));
            for (YamlTree.Pos pos : new LinkedHashSet<>(e.getValue())) {
                if (!definedSomewhere) {
                    all.add(Problem.error(p.name, pos, "unknown variable ${" + name + "}: no site defines it"
                            + (sites.isEmpty() ? " (the file has no sites)" : " (sites: " + String.join(", ", sites.keySet()) + ")")));
                } else {
                    Set<String> in = missingIn.get(name + "@" + pos);
                    all.add(Problem.warning(p.name, pos, "site" + (in.size() > 1 ? "s " : " ") + String.join(", ", in)
                            + (in.size() > 1 ? " do" : " does") + " not define ${" + name + "}: recovering into "
                            + (in.size() > 1 ? "them" : "it") + " fails"));
                }
            }
        }
        return sorted(dedupe(all));
    }

    /** The plan resolved for {@code site} (null: the default site); PlanException lists every error. */
    public static Plan load(Path file, String site, Generators gen) throws IOException, PlanException {
        Parsed p = parse(file);
        if (p.root == null) throw new PlanException(p.problems);
        List<Problem> all = new ArrayList<>(p.problems);
        Map<String, Map<String, String>> sites = Binder.siteVariables(p, all);
        String chosen = site;
        if (chosen == null) chosen = Binder.defaultSite(p, sites);
        if (chosen != null && !sites.isEmpty() && !sites.containsKey(chosen)) {
            throw new PlanException(p.name + ": there is no site '" + chosen + "' (sites: " + String.join(", ", sites.keySet()) + ")");
        }
        if (chosen != null && sites.isEmpty() && site != null) {
            throw new PlanException(p.name + ": there is no site '" + chosen + "': the file defines no sites");
        }
        Binder b = new Binder(p, chosen == null ? "" : chosen, sites, gen);
        Plan plan = b.bind();
        all.addAll(b.problems);
        for (Binder.UnknownVar u : b.unknownVars) {
            all.add(Problem.error(p.name, u.pos(), (chosen == null || chosen.isEmpty() ? "unknown variable ${" + u.name() + "}"
                    : "site '" + chosen + "' has no variable ${" + u.name() + "}")));
        }
        all = sorted(dedupe(all));
        if (all.stream().anyMatch(Problem::isError)) throw new PlanException(all);
        return new Plan(plan.file(), plan.hash(), plan.name(), plan.repositories(), plan.sites(), plan.defaultSite(),
                plan.site(), plan.variables(), plan.systems(), plan.drillEvery(), plan.stateDir(),
                all.stream().filter(x -> !x.isError()).toList(), plan.service());
    }

    record Parsed(Path file, String name, String text, String hash, YNode root, List<Problem> problems) {}

    private static Parsed parse(Path file) throws IOException, PlanException {
        byte[] bytes;
        // Read at most one byte more than allowed: a huge file or a device such as /dev/zero is
        // refused without being read to its end.
        try (java.io.InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        } catch (NoSuchFileException e) {
            throw new PlanException("plan file " + file + " does not exist");
        } catch (IOException e) {
            throw new PlanException("cannot read the plan file " + file + ": "
                    + (Files.isDirectory(file) ? "it is a folder" : e.getMessage()));
        }
        if (bytes.length > MAX_BYTES) {
            List<Problem> big = List.of(new Problem(file.toString(), 0, 0, Problem.Severity.ERROR, "the plan file is larger than "
                    + MAX_BYTES + " bytes (1 MiB), the most a plan may be; a plan of a few dozen systems takes a few kilobytes"));
            return new Parsed(file.toAbsolutePath().normalize(), file.toString(), "", "", null, big);
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        List<Problem> problems = new ArrayList<>();
        String name = file.toString();
        YNode root = YamlTree.parse(text, name, problems);
        if (root != null && !(root instanceof YMap)) {
            problems.add(Problem.error(name, root.pos(), "the plan must be a map with repositories, sites and systems, not "
                    + root.typeName()));
            root = null;
        }
        return new Parsed(file.toAbsolutePath().normalize(), name, text, sha256(bytes), root, problems);
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Problem> dedupe(List<Problem> l) {
        return new ArrayList<>(new LinkedHashSet<>(l));
    }

    private static List<Problem> sorted(List<Problem> l) {
        l.sort(Comparator.comparingInt(Problem::line).thenComparingInt(Problem::column));
        return l;
    }

    static Duration nonNull(Duration d, Duration dflt) {
        return d == null ? dflt : d;
    }
}
