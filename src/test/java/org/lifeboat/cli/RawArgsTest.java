package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.lifeboat.fs.RawNames;

/** Raw command-line bytes for snapshot names, and globs over RawNames strings. */
class RawArgsTest {
    private static byte[] cmdline(byte[]... entries) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] e : entries) {
            out.writeBytes(e);
            out.write(0);
        }
        return out.toByteArray();
    }

    private static byte[] b(String latin1) {
        return latin1.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void argumentsWithReplacedBytesGetTheirRawForm() {
        String[] args = {"find", "caf\uFFFD.txt", "--include=d\uFFFDr/*", "caf\u00e9"};
        byte[] cmd = cmdline(b("java"), b("-cp"), b("x"), b("org.lifeboat.cli.Main"), b("find"), b("caf\u00e9.txt"),
                b("--include=d\u00e9r/*"), "caf\u00e9".getBytes(StandardCharsets.UTF_8));
        Map<String, String> m = RawArgs.map(args, cmd);
        assertThat(m).containsEntry("caf\uFFFD.txt", "caf\uDCE9.txt").containsEntry("d\uFFFDr/*", "d\uDCE9r/*")
                .containsEntry("--include=d\uFFFDr/*", "--include=d\uDCE9r/*").hasSize(3);
        // An ASCII-locale JVM: each byte of a UTF-8 character became U+FFFD.
        assertThat(RawArgs.onlyReplaced("\uFFFD\uFFFDt\uFFFD\uFFFD", "\u00e9t\u00e9")).isTrue();
        // Not the same argument: nothing is taken.
        assertThat(RawArgs.onlyReplaced("caf\uFFFD.txt", "cafX.txt")).isFalse();
        assertThat(RawArgs.onlyReplaced("caf\uFFFD.txt", "caf\u00e9.txt.x")).isFalse();
        // Misaligned (an ASCII argument differs): nothing at all.
        assertThat(RawArgs.map(new String[] {"a", "caf\uFFFD"}, cmdline(b("b"), b("caf\u00e9")))).isEmpty();
        assertThat(RawArgs.map(new String[] {"a", "b"}, cmdline(b("b")))).isEmpty();
    }

    @Test
    void globsMatchRawBytesAsOneCharacterAndLiterally() {
        String name = RawNames.decode(b("caf\u00e9.txt"));
        assertThat(name).isEqualTo("caf\uDCE9.txt");
        for (String glob : new String[] {"caf\uDCE9.txt", "*\uDCE9*", "caf?.txt", "c*", "*.txt"}) {
            assertThat(Pattern.compile(FindCommand.globRegex(glob), Pattern.DOTALL).matcher(name).matches()).as(glob).isTrue();
            assertThat(Pattern.compile(FindCommand.globRegex(glob), Pattern.DOTALL | Pattern.CASE_INSENSITIVE
                    | Pattern.UNICODE_CASE).matcher(name).matches()).as(glob).isTrue();
        }
        assertThat(Pattern.compile(FindCommand.globRegex("caf\uDCE8.txt")).matcher(name).matches()).isFalse();
        assertThat(Pattern.compile(FindCommand.globRegex("caf??.txt")).matcher(name).matches()).isFalse();
        // A surrogate pair stays one character for '?'.
        assertThat(Pattern.compile(FindCommand.globRegex("?x"), Pattern.DOTALL).matcher("\uD83D\uDE00x").matches()).isTrue();
        assertThat(Pattern.compile(FindCommand.globRegex("\uD83D\uDE00?"), Pattern.DOTALL).matcher("\uD83D\uDE00x").matches()).isTrue();
    }
}
