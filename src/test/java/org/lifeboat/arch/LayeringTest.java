package org.lifeboat.arch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Each package uses only what is below it: backend/fs → repository → engines → plan → recovery → drill → faces. */
class LayeringTest {
    private static final Map<String, Integer> LAYER = Map.ofEntries(
            Map.entry("backend", 0), Map.entry("fs", 0),
            Map.entry("repository", 1),
            Map.entry("backup", 2), Map.entry("restore", 2), Map.entry("check", 2),
            Map.entry("apps", 2),
            Map.entry("plan", 3), Map.entry("recovery", 4), Map.entry("drill", 5),
            Map.entry("server", 6), Map.entry("cli", 6));

    @Test
    void noPackageUsesOneAboveItOrBesideIt() throws IOException {
        Path src = Path.of("src/main/java/org/lifeboat");
        Pattern ref = Pattern.compile("org\\.lifeboat\\.([a-z]+)");
        List<String> violations = new ArrayList<>();
        try (Stream<Path> files = Files.walk(src)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String own = src.relativize(f).getName(0).toString();
                Integer ownLayer = LAYER.get(own);
                assertThat(ownLayer).as("package %s has a layer", own).isNotNull();
                Matcher m = ref.matcher(Files.readString(f));
                while (m.find()) {
                    String used = m.group(1);
                    if (used.equals(own)) continue;
                    Integer usedLayer = LAYER.get(used);
                    if (usedLayer == null) continue;
                    // Same-layer packages are peers and stay independent (backup does not use restore).
                    if (usedLayer >= ownLayer) violations.add(f + " uses org.lifeboat." + used);
                }
            }
        }
        assertThat(violations).isEmpty();
    }
}
