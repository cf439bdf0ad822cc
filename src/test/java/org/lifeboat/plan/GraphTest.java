package org.lifeboat.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GraphTest {
    static SystemSpec sys(String name, String rto, String... dependsOn) {
        return new SystemSpec(name, null, null, List.of(), List.of(dependsOn), Duration.ofHours(1), Durations.parse(rto),
                Duration.ofDays(30), null, List.of(), List.of());
    }

    /** Systems in the order a file lists them. */
    static Map<String, SystemSpec> systems(SystemSpec... specs) {
        Map<String, SystemSpec> m = new LinkedHashMap<>();
        for (SystemSpec s : specs) m.put(s.name(), s);
        return m;
    }

    // The file lists dependents before what they need, so file order and dependency order differ.
    private final Map<String, SystemSpec> shop = systems(
            sys("webapp", "10m", "database", "files"),
            sys("reports", "4h", "database"),
            sys("files", "30m"),
            sys("database", "20m"),
            sys("proxy", "5m", "webapp"),
            sys("mail", "1h"));
    private final List<String> all = List.copyOf(shop.keySet());

    @Test
    void wavesKeepTheFilesOrderWithinAWave() {
        assertThat(Graph.waves(shop, all)).containsExactly(
                List.of("files", "database", "mail"),
                List.of("webapp", "reports"),
                List.of("proxy"));
    }

    @Test
    void wavesFollowTheFileNotTheOrderOfTheSelection() {
        assertThat(Graph.waves(shop, List.of("mail", "database", "files"))).containsExactly(List.of("files", "database", "mail"));
    }

    @Test
    void wavesOfASelectionHaveNoEmptyWaves() {
        // database and files are not being recovered (already up): webapp can start at once.
        assertThat(Graph.waves(shop, List.of("proxy", "webapp"))).containsExactly(List.of("webapp"), List.of("proxy"));
        assertThat(Graph.waves(shop, List.of("proxy"))).containsExactly(List.of("proxy"));
        assertThat(Graph.waves(shop, List.of())).isEmpty();
    }

    @Test
    void wavesRefuseACycle() {
        Map<String, SystemSpec> loop = systems(sys("a", "1h", "b"), sys("b", "1h", "a"));
        assertThatThrownBy(() -> Graph.waves(loop, List.of("a", "b"))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cycle");
    }

    @Test
    void closureAddsEverythingNeededInFileOrder() {
        assertThat(Graph.closure(shop, List.of("proxy"))).containsExactly("webapp", "files", "database", "proxy");
        assertThat(Graph.closure(shop, List.of("mail", "reports"))).containsExactly("reports", "database", "mail");
        assertThat(Graph.closure(shop, List.of("database"))).containsExactly("database");
        assertThat(Graph.closure(shop, List.of())).isEmpty();
    }

    @Test
    void allDependenciesAreTransitive() {
        assertThat(Graph.allDependencies(shop, "proxy")).containsExactlyInAnyOrder("webapp", "database", "files");
        assertThat(Graph.allDependencies(shop, "mail")).isEmpty();
        assertThat(Graph.allDependencies(shop, "nope")).isEmpty();
    }

    @Test
    void dependentsAreTransitiveInFileOrder() {
        assertThat(Graph.dependents(shop, "database")).containsExactly("webapp", "reports", "proxy");
        assertThat(Graph.dependents(shop, "files")).containsExactly("webapp", "proxy");
        assertThat(Graph.dependents(shop, "proxy")).isEmpty();
    }

    @Test
    void cyclesAreNamedOnceEach() {
        Map<String, SystemSpec> g = systems(sys("a", "1h", "b"), sys("b", "1h", "c"), sys("c", "1h", "a"),
                sys("x", "1h", "y"), sys("y", "1h", "x"), sys("ok", "1h", "a"), sys("self", "1h", "self"));
        assertThat(Graph.cycles(g)).containsExactly(List.of("a", "b", "c", "a"), List.of("x", "y", "x"));
        assertThat(Graph.hasCycle(g)).isTrue();
        assertThat(Graph.hasCycle(shop)).isFalse();
    }

    @Test
    void criticalPathIsTheLongestChainByCost() {
        Map<String, Duration> cost = Map.of("webapp", Duration.ofMinutes(5), "reports", Duration.ofMinutes(1),
                "files", Duration.ofMinutes(30), "database", Duration.ofMinutes(12), "proxy", Duration.ofMinutes(1),
                "mail", Duration.ofMinutes(20));
        assertThat(Graph.criticalPath(shop, all, cost::get)).containsExactly("files", "webapp", "proxy");

        Map<String, Duration> slowDb = new LinkedHashMap<>(cost);
        slowDb.put("database", Duration.ofMinutes(50));
        assertThat(Graph.criticalPath(shop, all, slowDb::get)).containsExactly("database", "webapp", "proxy");

        slowDb.put("reports", Duration.ofMinutes(10));
        assertThat(Graph.criticalPath(shop, all, slowDb::get)).containsExactly("database", "reports");

        slowDb.put("mail", Duration.ofHours(2));
        assertThat(Graph.criticalPath(shop, all, slowDb::get)).containsExactly("mail");
    }

    @Test
    void criticalPathByRtoWhenNothingIsMeasured() {
        assertThat(Graph.criticalPath(shop, all, s -> shop.get(s).rto())).containsExactly("database", "reports");
    }

    @Test
    void criticalPathKeepsInstantDependencies() {
        // A dependency that takes no time is still on the chain: the path must not start mid-way.
        Map<String, SystemSpec> g = systems(sys("dns", "1m"), sys("app", "1h", "dns"));
        assertThat(Graph.criticalPath(g, List.of("dns", "app"), s -> Duration.ZERO)).containsExactly("dns", "app");
    }

    @Test
    void criticalPathOfASelectionIgnoresTheRest() {
        Map<String, Duration> cost = Map.of("webapp", Duration.ofMinutes(5), "proxy", Duration.ofMinutes(1));
        assertThat(Graph.criticalPath(shop, List.of("webapp", "proxy"), cost::get)).containsExactly("webapp", "proxy");
        assertThat(Graph.criticalPath(shop, List.of(), cost::get)).isEmpty();
    }
}
