package org.lifeboat.plan;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/** The order of recovery: dependencies, waves, critical path. Systems keep the file's order within a wave. */
public final class Graph {
    private Graph() {}

    /** Cycles reported at most: each needs fixing by hand, and listing thousands helps nobody. */
    static final int MAX_CYCLES = 20;

    /**
     * Cycles' systems, e.g. [a, b, c, a]; each cycle reported once, at most {@link #MAX_CYCLES}.
     * Iterative (a chain of thousands of systems must not overflow the stack) and linear.
     */
    static List<List<String>> cycles(Map<String, SystemSpec> systems) {
        Map<String, List<String>> edges = new LinkedHashMap<>();
        systems.forEach((k, v) -> edges.put(k, v.dependsOn()));
        return namedCycles(edges);
    }

    /**
     * As {@link #cycles(Map)} over any named graph ({@code systems}: each name to the names it
     * points at; names not in the map are ignored), e.g. repositories and their copy-to.
     */
    static List<List<String>> namedCycles(Map<String, List<String>> systems) {
        List<List<String>> out = new ArrayList<>();
        Map<String, Integer> onStack = new HashMap<>(); // name -> index in stack
        Set<String> done = new HashSet<>();
        List<String> stack = new ArrayList<>();
        List<Integer> next = new ArrayList<>(); // per stack entry: the next dependency to visit
        for (String root : systems.keySet()) {
            if (done.contains(root)) continue;
            onStack.put(root, 0);
            stack.add(root);
            next.add(0);
            while (!stack.isEmpty()) {
                int top = stack.size() - 1;
                String s = stack.get(top);
                List<String> deps = systems.get(s);
                int i = next.get(top);
                if (i < deps.size()) {
                    next.set(top, i + 1);
                    String d = deps.get(i);
                    if (d.equals(s) || done.contains(d) || !systems.containsKey(d)) continue;
                    Integer at = onStack.get(d);
                    if (at != null) {
                        if (out.size() < MAX_CYCLES) {
                            List<String> cycle = new ArrayList<>(stack.subList(at, stack.size()));
                            cycle.add(d);
                            out.add(cycle);
                        }
                        continue;
                    }
                    onStack.put(d, stack.size());
                    stack.add(d);
                    next.add(0);
                } else {
                    stack.remove(top);
                    next.remove(top);
                    onStack.remove(s);
                    done.add(s);
                }
            }
        }
        return out;
    }

    static boolean hasCycle(Map<String, SystemSpec> systems) {
        return !cycles(systems).isEmpty();
    }

    /** Everything {@code name} needs first, directly or not. */
    public static Set<String> allDependencies(Map<String, SystemSpec> systems, String name) {
        Set<String> out = reach(systems, List.of(name));
        out.remove(name);
        return out;
    }

    /** Breadth first from {@code from} along depends-on, over systems the plan has; the starts only when reached again. */
    private static Set<String> reach(Map<String, SystemSpec> systems, List<String> from) {
        Set<String> out = new LinkedHashSet<>();
        ArrayDeque<String> todo = new ArrayDeque<>(from);
        while (!todo.isEmpty()) {
            SystemSpec s = systems.get(todo.poll());
            if (s == null) continue;
            for (String d : s.dependsOn()) if (systems.containsKey(d) && out.add(d)) todo.add(d);
        }
        return out;
    }

    /** The chosen systems and everything they depend on, in the file's order. */
    public static List<String> closure(Map<String, SystemSpec> systems, List<String> chosen) {
        Set<String> want = reach(systems, chosen);
        want.addAll(chosen);
        return systems.keySet().stream().filter(want::contains).toList();
    }

    /** The systems that depend on {@code name}, directly or not, in the file's order. */
    public static Set<String> dependents(Map<String, SystemSpec> systems, String name) {
        Map<String, List<String>> needers = new HashMap<>();
        for (SystemSpec s : systems.values()) {
            for (String d : s.dependsOn()) if (systems.containsKey(d)) needers.computeIfAbsent(d, k -> new ArrayList<>()).add(s.name());
        }
        Set<String> found = new HashSet<>();
        ArrayDeque<String> todo = new ArrayDeque<>(List.of(name));
        while (!todo.isEmpty()) {
            for (String n : needers.getOrDefault(todo.poll(), List.of())) if (found.add(n)) todo.add(n);
        }
        Set<String> out = new LinkedHashSet<>();
        for (String s : systems.keySet()) if (found.contains(s) && !s.equals(name)) out.add(s);
        return out;
    }

    /**
     * For each system, the one in its closure (itself included) with the largest {@code cost}; the
     * first in depends-on order on ties. Linear: each system's answer is computed once.
     *
     * @throws IllegalStateException when the systems depend on each other in a cycle
     */
    static Map<String, String> costliestInClosure(Map<String, SystemSpec> systems, Function<String, Duration> cost) {
        Map<String, String> best = new HashMap<>();
        for (String s : postOrder(systems, systems.keySet())) {
            String b = s;
            for (String d : systems.get(s).dependsOn()) {
                String db = best.get(d);
                if (db != null && cost.apply(db).compareTo(cost.apply(b)) > 0) b = db;
            }
            best.put(s, b);
        }
        return best;
    }

    /**
     * The systems of {@code from} and what they depend on (within {@code within}), each after its
     * dependencies. Iterative: a long chain must not overflow the stack.
     *
     * @throws IllegalStateException on a cycle
     */
    private static List<String> postOrder(Map<String, SystemSpec> systems, Set<String> within) {
        List<String> out = new ArrayList<>();
        Set<String> done = new HashSet<>(), active = new HashSet<>();
        List<String> stack = new ArrayList<>();
        List<Integer> next = new ArrayList<>();
        for (String root : within) {
            if (done.contains(root)) continue;
            stack.add(root);
            next.add(0);
            active.add(root);
            while (!stack.isEmpty()) {
                int top = stack.size() - 1;
                String s = stack.get(top);
                SystemSpec spec = systems.get(s);
                List<String> deps = spec == null ? List.of() : spec.dependsOn();
                int i = next.get(top);
                if (i < deps.size()) {
                    next.set(top, i + 1);
                    String d = deps.get(i);
                    if (d.equals(s) || !within.contains(d) || done.contains(d)) continue; // itself: reported apart
                    if (!active.add(d)) throw new IllegalStateException("dependency cycle through " + d);
                    stack.add(d);
                    next.add(0);
                } else {
                    stack.remove(top);
                    next.remove(top);
                    active.remove(s);
                    done.add(s);
                    out.add(s);
                }
            }
        }
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
        Set<String> sel = new HashSet<>(selected);
        Set<String> chosen = new LinkedHashSet<>();
        for (String s : systems.keySet()) if (sel.contains(s)) chosen.add(s);
        chosen.addAll(selected); // names the file lacks go last, in wave 1
        Map<String, Integer> wave = new HashMap<>();
        for (String s : postOrder(systems, chosen)) {
            int max = -1;
            SystemSpec spec = systems.get(s);
            if (spec != null) for (String d : spec.dependsOn()) if (chosen.contains(d)) max = Math.max(max, wave.get(d));
            wave.put(s, max + 1);
        }
        List<List<String>> out = new ArrayList<>();
        for (String s : chosen) {
            int w = wave.get(s);
            while (out.size() <= w) out.add(new ArrayList<>());
            out.get(w).add(s);
        }
        return out;
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
