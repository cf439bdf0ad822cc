package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lifeboat.fs.Terminal;
import org.lifeboat.testutil.Proc;
import org.lifeboat.testutil.Run;

/** The status line never fills the terminal's last column: a line that does wraps on every redraw. */
class ProgressLineTest {
    private static final String STATUS = "[1:23] 45.6%  1234 / 5678 files  1.234 GiB / 9.876 GiB  12.345 MiB/s  ETA 2:34";

    @Test
    void an84CharacterLineIsCutToFit80Columns() {
        String line = STATUS + " (xyz)"; // 84 columns
        assertThat(line).hasSize(84);
        String fitted = ProgressLine.fit(line, 80);
        assertThat(ProgressLine.width(fitted)).isEqualTo(79);
        assertThat(fitted).startsWith("[1:23] 45.6%").endsWith(ProgressLine.ELLIPSIS);
        assertThat(ProgressLine.fit(line, 120)).isEqualTo(line);
    }

    @Test
    void theCurrentFileIsShortenedInTheMiddleKeepingItsStartAndName() {
        String file = "/home/ann/projects/lifeboat/src/main/java/org/lifeboat/cli/very/deep/folder/ProgressLine.java";
        String fitted = ProgressLine.fit("[0:05] 12 files  1.000 MiB", file, 80);
        assertThat(ProgressLine.width(fitted)).isEqualTo(79);
        assertThat(fitted).startsWith("[0:05] 12 files  1.000 MiB  /home/ann/")
                .contains(ProgressLine.ELLIPSIS).endsWith("folder/ProgressLine.java");
        // Wide enough: the whole name is shown.
        assertThat(ProgressLine.fit("[0:05] 12 files", file, 200)).isEqualTo("[0:05] 12 files  " + file);
        // Too narrow for a useful part of the name: the counters alone.
        assertThat(ProgressLine.fit(STATUS, file, 88)).isEqualTo(STATUS);
    }

    @Test
    void controlCharactersInANameCannotBreakTheRedraw() {
        String fitted = ProgressLine.fit("[0:01] 1 files", "/tmp/evil\nname\r\u001b[2J", 80);
        assertThat(fitted).doesNotContain("\n").doesNotContain("\r").doesNotContain("\u001b")
                .endsWith("/tmp/evil?name??[2J");
    }

    @Test
    void wideCharactersCountTwoColumns() {
        String file = "/srv/" + "写真".repeat(40) + "/終わり.jpg";
        String fitted = ProgressLine.fit("[0:01] 1 files", file, 60);
        assertThat(ProgressLine.width(fitted)).isLessThanOrEqualTo(59);
        assertThat(fitted).endsWith("終わり.jpg");
    }

    /** Every width from 1 to 200 columns, random lines and names (seeded): never wider than width-1. */
    @Test
    void neverWiderThanTheTerminalMinusOne() {
        Random rnd = new Random(42);
        List<String> alphabet = List.of("a", "B", "/", " ", "é", "e\u0301", "字", "😀", "\t", "-");
        for (int columns = 1; columns <= 200; columns++) {
            for (int k = 0; k < 20; k++) {
                String status = random(rnd, alphabet, rnd.nextInt(150));
                String file = rnd.nextBoolean() ? null : random(rnd, alphabet, rnd.nextInt(300));
                String fitted = ProgressLine.fit(status, file, columns);
                assertThat(ProgressLine.width(fitted)).as("columns %d: %s | %s", columns, status, file)
                        .isLessThanOrEqualTo(Math.max(1, columns - 1));
            }
        }
    }

    private static String random(Random rnd, List<String> alphabet, int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) b.append(alphabet.get(rnd.nextInt(alphabet.size())));
        return b.toString();
    }

    @Test
    void widthComesFromColumnsThenTheTerminalThen80() {
        assertThat(ProgressLine.columns(Map.of("COLUMNS", "132"), () -> 57)).isEqualTo(132);
        assertThat(ProgressLine.columns(Map.of(), () -> 57)).isEqualTo(57);
        assertThat(ProgressLine.columns(Map.of("COLUMNS", "wide"), () -> 57)).isEqualTo(57);
        assertThat(ProgressLine.columns(Map.of("COLUMNS", "0"), () -> -1)).isEqualTo(80);
        assertThat(ProgressLine.columns(Map.of(), () -> -1)).isEqualTo(80);
    }

    @Test
    void aDescriptorThatIsNoTerminalHasNoWidth() {
        assertThat(Terminal.columns(-1)).isEqualTo(-1);
    }

    /** The real ioctl on a real pseudo-terminal (util-linux script), sized with stty. */
    @ParameterizedTest
    @ValueSource(ints = {57, 211})
    void theTerminalsWidthIsReadWithIoctl(int cols) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String probe = java + " --enable-native-access=ALL-UNNAMED -cp '" + System.getProperty("java.class.path")
                + "' '" + TerminalProbe.class.getName() + "'";
        Run r = Proc.run(List.of("script", "-qec", "stty cols " + cols + " rows 24; " + probe, "/dev/null"),
                Map.of(), null, new byte[0], 60);
        assertThat(r.out()).as("%s", r).contains("columns=" + cols);
    }

    /**
     * A message written while the status line is drawn (on standard output or standard error)
     * starts on a line of its own: the status line is cleared first, and on close. Checked on a
     * real pseudo-terminal, whose output is replayed as a terminal shows it.
     */
    @Test
    void messagesWhileALineIsDrawnStartOnACleanLine() {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String probe = java + " --enable-native-access=ALL-UNNAMED -cp '" + System.getProperty("java.class.path")
                + "' '" + ClearProbe.class.getName() + "'";
        Run r = Proc.run(List.of("script", "-qec", "stty cols 120 rows 24; " + probe, "/dev/null"),
                Map.of(), null, new byte[0], 60);
        assertThat(r.exit()).as("%s", r).isZero();
        assertThat(screen(r.out())).as("what the terminal shows of:%n%s", r.out().replace("\r", "^M"))
                .containsExactly("restoring 3 files, 1.000 KiB", "warning: a message on standard error", "restored 3 files");
    }

    /**
     * The lines a terminal shows for {@code raw}: a carriage return goes back to the line's
     * start, later characters overwrite earlier ones, ESC[2K clears the line; blank lines are left out.
     */
    static List<String> screen(String raw) {
        List<String> lines = new java.util.ArrayList<>();
        StringBuilder line = new StringBuilder();
        int col = 0;
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '\r') {
                col = 0;
            } else if (c == '\n') {
                if (!line.toString().isBlank()) lines.add(line.toString().stripTrailing());
                line.setLength(0);
                col = 0;
            } else if (c == '\u001b' && raw.startsWith("[2K", i + 1)) {
                line.setLength(0);
                i += 3;
            } else {
                if (col < line.length()) line.setCharAt(col, c);
                else line.append(c);
                col++;
            }
        }
        if (!line.toString().isBlank()) lines.add(line.toString().stripTrailing());
        return lines;
    }

    /** Draws a status line and writes messages while it is drawn, then after it is closed. */
    static final class ClearProbe {
        public static void main(String[] args) throws Exception {
            ProgressLine.guardStandardStreams();
            Context ctx = new Context(new Main());
            try (ProgressLine _ = ProgressLine.start(ctx, () -> "[0:00] 0 files  0 B  0 B/s", null)) {
                long seen = ProgressLine.awaitDraw(0, 30_000);
                ctx.info("restoring 3 files, 1.000 KiB");
                seen = ProgressLine.awaitDraw(seen, 30_000);
                ctx.err.println("warning: a message on standard error");
                ProgressLine.awaitDraw(seen, 30_000);
            }
            ctx.info("restored 3 files");
        }
    }

    /** Prints the width of the terminal on standard output. */
    static final class TerminalProbe {
        public static void main(String[] args) {
            System.out.println("columns=" + Terminal.columns(1));
        }
    }
}
