package org.lifeboat.repository;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;
import org.bouncycastle.crypto.generators.SCrypt;
import org.junit.jupiter.api.Test;

class ScryptTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void rfc7914Vectors() {
        assertThat(HexFormat.of().formatHex(Scrypt.derive(b(""), b(""), 16, 1, 1, 64))).isEqualTo(
                "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442"
                + "fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906");
        assertThat(HexFormat.of().formatHex(Scrypt.derive(b("password"), b("NaCl"), 1024, 8, 16, 64))).isEqualTo(
                "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
                + "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640");
    }

    /** Random scrypt inputs, small enough for a test; {@link #expected()} is BouncyCastle's key. */
    private record Params(byte[] pw, byte[] salt, int n, int r, int p) {
        static Params random(Random rnd) {
            byte[] pw = new byte[rnd.nextInt(40)];
            byte[] salt = new byte[rnd.nextInt(70)];
            rnd.nextBytes(pw);
            rnd.nextBytes(salt);
            return new Params(pw, salt, 1 << (1 + rnd.nextInt(8)), 1 + rnd.nextInt(8), 1 + rnd.nextInt(7));
        }

        byte[] expected() {
            return SCrypt.generate(pw, salt, n, r, p, 64);
        }

        @Override
        public String toString() {
            return "N=" + n + " r=" + r + " p=" + p;
        }
    }

    @Test
    void agreesWithAnIndependentImplementation() {
        Random rnd = new Random(5);
        for (int i = 0; i < 20; i++) {
            Params q = Params.random(rnd);
            assertThat(Scrypt.derive(q.pw(), q.salt(), q.n(), q.r(), q.p(), 64)).as("%s", q).isEqualTo(q.expected());
        }
    }

    @Test
    void everyStrideAndThreadCountGivesTheSameKey() {
        // RFC 7914's second vector, with V holding every block, every 2nd, 4th, 1024th (one block)
        String want = "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
                + "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640";
        for (int threads : new int[] {1, 3}) {
            for (int stride : new int[] {1, 2, 4, 1024}) {
                assertThat(HexFormat.of().formatHex(Scrypt.derive(b("password"), b("NaCl"), 1024, 8, 16, 64, threads, stride)))
                        .as("threads %d, stride %d", threads, stride).isEqualTo(want);
            }
        }
        Random rnd = new Random(9);
        for (int i = 0; i < 10; i++) {
            Params q = Params.random(rnd);
            int stride = 1 << rnd.nextInt(Integer.numberOfTrailingZeros(q.n()) + 1);
            assertThat(Scrypt.derive(q.pw(), q.salt(), q.n(), q.r(), q.p(), 64, 2, stride)).as("%s, stride %d", q, stride)
                    .isEqualTo(q.expected());
        }
    }

    @Test
    void restic014sKeyParametersGiveGoScryptsKey() {
        // restic's usual parameters (N = 2^15, r = 8, p = 6), value from BouncyCastle's scrypt
        byte[] salt = new byte[64];
        new Random(3).nextBytes(salt);
        assertThat(Scrypt.derive(b("lifeboat-bench-password"), salt, 1 << 15, 8, 6, 64))
                .isEqualTo(SCrypt.generate(b("lifeboat-bench-password"), salt, 1 << 15, 8, 6, 64));
    }
}
