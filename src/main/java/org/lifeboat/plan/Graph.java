package org.lifeboat.plan;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/** The order of recovery: dependencies, waves, critical path. Systems keep the file's order within a wave. */
public final class Graph {
    private Graph() {}

    /** Every cycle's systems, e.g. [a, b, c, a]; each cycle reported once. */
    static List<List<String>> cycles(Map<String, SystemSpec> systems) {
        List<List<String>> out = new ArrayList<>();
        Map<String, Integer> state = new LinkedHashMap<>(); // 1 = on the stack, 2 = done
        List<String> stack = new ArrayList<>();
        for (String s : systems.keySet()) visit(s, systems, state, stack, out);
        return out;
    }

    private static void visit(String s, Map<String, SystemSpec> systems, Map<String, Integer> state, List<String> stack,
                              List<List<String>> out) {
        Integer st = state.get(s);
        if (st != null && st == 2) return;
        if (st != null && st == 1) {
            List<String> cycle = new ArrayList<>(stack.subList(stack.indexOf(s), stack.size()));
            cycle.add(s);
            out.add(cycle);
            return;
        }
        SystemSpec spec = systems.get(s);
        if (spec == null) return;
        state.put(s, 1);
        stack.add(s);
        for (String d : spec.dependsOn()) if (!d.equals(s)) visit(d, systems, state, stack, out);
        stack.remove(stack.size() - 1);
        state.put(s, 2);
    }

    static boolean hasCycle(Map<String, SystemSpec> systems) {
        return !cycles(systems).isEmpty();
    }

    /** Everything {@code name} needs first, directly or not. */
    public static Set<String> allDependencies(Map<String, SystemSpec> systems, String name) {
        Set<String> out = new LinkedHashSet<>();
        List<String> todo = new ArrayList<>(List.of(name));
        while (!todo.isEmpty()) {
            SystemSpec s = systems.get(todo.remove(0));
            if (s == null) continue;
            for (String d : s.dependsOn()) if (systems.containsKey(d) && out.add(d)) todo.add(d);
        }
        out.remove(name);
        return out;
    }

    /** The chosen systems and everything they depend on, in the file's order. */
    public static List<String> closure(Map<String, SystemSpec> systems, List<String> chosen) {
        Set<String> want = new LinkedHashSet<>();
        for (String c : chosen) {
            want.add(c);
            want.addAll(allDependencies(systems, c));
        }
        return systems.keySet().stream().filter(want::contains).toList();
    }

    /** The systems that depend on {@code name}, directly or not. */
    public static Set<String> dependents(Map<String, SystemSpec> systems, String name) {
        Set<String> out = new LinkedHashSet<>();
        for (String s : systems.keySet()) if (allDependencies(systems, s).contains(name)) out.add(s);
        return out;
    }

    /**
     * Waves: the first holds systems with no dependencies, each next one those whose dependencies are
     * all earlier. Only the selected systems count: a dependency left out is taken as already running
     * (else it would leave an empty wave). Within a wave, the file's order, whatever the selection's.
     *
     * @throws IllegalStateException when the selected systems depend on each other in a cycle
     */
    public static List<List<String>> waves(Map<String, SystemSpec> systems, List<String> selected) {
        Set<String> chosen = new LinkedHashSet<>();
        for (String s : systems.keySet()) if (selected.contains(s)) chosen.add(s);
        chosen.addAll(selected); // names the file lacks go last, in wave 1
        Map<String, Integer> wave = new LinkedHashMap<>();
        for (String s : chosen) waveOf(s, systems, chosen, wave, new LinkedHashSet<>());
        List<List<String>> out = new ArrayList<>();
        for (String s : chosen) {
            int w = wave.get(s);
            while (out.size() <= w) out.add(new ArrayList<>());
            out.get(w).add(s);
        }
        return out;
    }

    private static int waveOf(String s, Map<String, SystemSpec> systems, Set<String> chosen, Map<String, Integer> wave,
                              Set<String> path) {
        Integer w = wave.get(s);
        if (w != null) return w;
        if (!path.add(s)) throw new IllegalStateException("dependency cycle through " + s);
        int max = -1;
        SystemSpec spec = systems.get(s);
        if (spec != null) {
            for (String d : spec.dependsOn()) if (chosen.contains(d)) max = Math.max(max, waveOf(d, systems, chosen, wave, path));
        }
        path.remove(s);
        wave.put(s, max + 1);
        return max + 1;
    }

    /**
     * The chain of dependencies that takes longest when each system takes {@code cost} (its measured
     * recovery time, or its RTO when never measured): the systems to speed up first.
     */
    public static List<String> criticalPath(Map<String, SystemSpec> systems, List<String> selected,
                                            Function<String, Duration> cost) {
        Map<String, Duration> finish = new LinkedHashMap<>();
        Map<String, String> via = new LinkedHashMap<>();
        Map<String, Integer> length = new LinkedHashMap<>();
        for (List<String> wave : waves(systems, selected)) {
            for (String s : wave) {
                Duration start = Duration.ZERO;
                String prev = null;
                SystemSpec spec = systems.get(s);
                for (String d : spec == null ? List.<String>of() : spec.dependsOn()) {
                    Duration f = finish.get(d);
                    // A dependency that finishes at zero (nothing to do) still comes first: on ties, the
                    // first one in the file, but never none.
                    if (f != null && (prev == null || f.compareTo(start) > 0)) {
                        start = f;
                        prev = d;
                    }
                }
                finish.put(s, start.plus(cost.apply(s)));
                length.put(s, prev == null ? 1 : length.get(prev) + 1);
                if (prev != null) via.put(s, prev);
            }
        }
        String end = null;
        for (Map.Entry<String, Duration> e : finish.entrySet()) {
            int c = end == null ? 1 : e.getValue().compareTo(finish.get(end));
            // Equal times: the longer chain shows more of what must wait.
            if (c > 0 || (c == 0 && length.get(e.getKey()) > length.get(end))) end = e.getKey();
        }
        List<String> path = new ArrayList<>();
        for (String s = end; s != null; s = via.get(s)) path.add(0, s);
        return path;
    }
}
