package org.lifeboat.backup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exclude files read as restic reads them (Go's os.Expand, text decoding, line splitting). */
class PatternFilesTest {
    private static final Function<String, String> ENV = Map.of("A", "1", "HOME", "/home/bob", "AB", "2")::get;

    @TempDir
    Path dir;

    @Test
    void variablesExpandAsGoOsExpand() {
        assertThat(PatternFiles.expand("$HOME/.cache", ENV)).isEqualTo("/home/bob/.cache");
        assertThat(PatternFiles.expand("${A}B/$AB", ENV)).isEqualTo("1B/2");
        assertThat(PatternFiles.expand("cost$$5", ENV)).as("$$ is a dollar sign").isEqualTo("cost$5");
        assertThat(PatternFiles.expand("${$}", ENV)).isEqualTo("$");
        assertThat(PatternFiles.expand("$UNSET/x", ENV)).as("unknown: empty").isEqualTo("/x");
        assertThat(PatternFiles.expand("a$", ENV)).as("a trailing $ stays").isEqualTo("a$");
        assertThat(PatternFiles.expand("$.x", ENV)).as("$ before a non-name stays").isEqualTo("$.x");
        assertThat(PatternFiles.expand("$1x a$-b", ENV)).as("one-character special names").isEqualTo("x ab");
        assertThat(PatternFiles.expand("${}x", ENV)).as("${} is eaten").isEqualTo("x");
        assertThat(PatternFiles.expand("${HOME", ENV)).as("an unclosed ${ is eaten").isEqualTo("HOME");
    }

    @Test
    void filesInUtf16AndWithByteOrderMarksAreRead() throws Exception {
        Path utf16 = dir.resolve("utf16");
        Files.write(utf16, "\uFEFF# c\r\n$HOME/a\r\n\r\n  b  \r\n".getBytes(StandardCharsets.UTF_16LE));
        Path bom = dir.resolve("bom");
        Files.write(bom, "\uFEFF*.tmp\nc".getBytes(StandardCharsets.UTF_8));
        assertThat(PatternFiles.read(List.of(utf16.toString(), bom.toString()), ENV))
                .containsExactly("/home/bob/a", "b", "*.tmp", "c");
    }
}
