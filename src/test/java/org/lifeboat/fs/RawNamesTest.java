package org.lifeboat.fs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class RawNamesTest {
    private static byte[] hex(String h) {
        return HexFormat.of().parseHex(h);
    }

    @Test
    void validUtf8DecodesNormally() {
        String s = "a é ～ 😀 \u2028";
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        assertThat(RawNames.decode(b)).isEqualTo(s);
        assertThat(RawNames.encode(s)).isEqualTo(b);
    }

    @Test
    void invalidBytesBecomeEscapesAndSurviveTheRoundTrip() {
        String[][] cases = {
            {"62ff6e", "b\uDCFFn"},                      // stray byte
            {"eda080", "\uDCED\uDCA0\uDC80"},            // encoded surrogate: three invalid bytes, as in Go
            {"c080", "\uDCC0\uDC80"},                    // overlong NUL
            {"e282", "\uDCE2\uDC82"},                    // truncated 3-byte sequence
            {"e28241", "\uDCE2\uDC82A"},                 // truncated then ASCII
            {"f4908080", "\uDCF4\uDC90\uDC80\uDC80"},    // above U+10FFFF
            {"efbfbd", "\uFFFD"},                        // a real U+FFFD is valid
            {"f09f9880ff", "😀\uDCFF"},
        };
        for (String[] c : cases) {
            byte[] raw = hex(c[0]);
            assertThat(RawNames.decode(raw)).as(c[0]).isEqualTo(c[1]);
            assertThat(RawNames.encode(c[1])).as(c[0]).isEqualTo(raw);
        }
    }

    @Test
    void otherLoneSurrogatesEncodeAsReplacementCharacter() {
        assertThat(RawNames.encode("a\uD800")).isEqualTo(hex("61efbfbd"));
    }
}
