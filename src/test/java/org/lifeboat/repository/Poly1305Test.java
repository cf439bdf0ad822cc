package org.lifeboat.repository;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import java.util.Random;
import org.bouncycastle.crypto.macs.Poly1305;
import org.bouncycastle.crypto.params.KeyParameter;
import org.junit.jupiter.api.Test;

class Poly1305Test {
    @Test
    void rfc8439Vector() {
        HexFormat hex = HexFormat.of();
        byte[] key = hex.parseHex("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b");
        byte[] msg = "Cryptographic Forum Research Group".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] out = new byte[16];
        org.lifeboat.repository.Poly1305.mac(java.util.Arrays.copyOfRange(key, 0, 16),
                java.util.Arrays.copyOfRange(key, 16, 32), msg, 0, msg.length, out, 0);
        assertThat(hex.formatHex(out)).isEqualTo("a8061dc1305136c6c22b8baf0c0127a9");
    }

    @Test
    void agreesWithBouncyCastleOnRandomKeysAndLengths() {
        Random rnd = new Random(8);
        for (int i = 0; i < 2000; i++) {
            byte[] key = new byte[32];
            rnd.nextBytes(key);
            if (i % 7 == 0) java.util.Arrays.fill(key, 0, 16, (byte) 0xff); // extreme r
            if (i % 11 == 0) java.util.Arrays.fill(key, 16, 32, (byte) 0xff); // extreme s
            byte[] msg = new byte[rnd.nextInt(300) + (i % 50 == 0 ? 100_000 : 0)];
            rnd.nextBytes(msg);
            if (i % 13 == 0) java.util.Arrays.fill(msg, (byte) 0xff);
            int off = msg.length > 0 ? rnd.nextInt(Math.min(5, msg.length + 1)) : 0;
            int len = msg.length - off;
            Poly1305 bc = new Poly1305();
            bc.init(new KeyParameter(key));
            bc.update(msg, off, len);
            byte[] expected = new byte[16];
            bc.doFinal(expected, 0);
            byte[] ours = new byte[16];
            org.lifeboat.repository.Poly1305.mac(java.util.Arrays.copyOfRange(key, 0, 16),
                    java.util.Arrays.copyOfRange(key, 16, 32), msg, off, len, ours, 0);
            assertThat(ours).as("case %d, length %d", i, len).isEqualTo(expected);
        }
    }
}
