package org.lifeboat.repository.chunker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Vectors from restic/chunker's polynomials_test.go, plus algebraic properties and a brute-force check. */
final class PolynomialTest {

    private static Polynomial p(long v) {
        return new Polynomial(v);
    }

    private static long bin(String s) {
        return Long.parseUnsignedLong(s, 2);
    }

    @Test
    void add() {
        long[][] vectors = {
            {23, 16, 23 ^ 16},
            {0x9a7e30d1e855e0a0L, 0x670102a1f4bcd414L, 0xfd7f32701ce934b4L},
            {0x9a7e30d1e855e0a0L, 0x9a7e30d1e855e0a0L, 0},
        };
        for (long[] v : vectors) {
            assertThat(p(v[0]).add(p(v[1]))).isEqualTo(p(v[2]));
            assertThat(p(v[1]).add(p(v[0]))).isEqualTo(p(v[2]));
        }
    }

    @Test
    void mul() {
        long[][] vectors = {
            {1, 2, 2},
            {bin("1101"), bin("10"), bin("11010")},
            {bin("1101"), bin("11"), bin("10111")},
            {0x40000000L, 0x40000000L, 0x1000000000000000L},
            {bin("1010"), bin("100100"), bin("101101000")},
            {bin("100"), bin("11"), bin("1100")},
            {bin("11"), bin("110101"), bin("1011111")},
            {bin("10011"), bin("110101"), bin("1100001111")},
        };
        for (long[] v : vectors) {
            assertThat(p(v[0]).mul(p(v[1]))).as("%x * %x", v[0], v[1]).isEqualTo(p(v[2]));
            assertThat(p(v[1]).mul(p(v[0]))).as("%x * %x", v[1], v[0]).isEqualTo(p(v[2]));
        }
    }

    @Test
    void mulOverflowThrows() {
        assertThatThrownBy(() -> p(1L << 63).mul(p(2)))
                .isInstanceOf(ArithmeticException.class)
                .hasMessage("multiplication would overflow uint64");
        assertThatThrownBy(() -> p(1L << 32).mul(p(1L << 32))).isInstanceOf(ArithmeticException.class);
        // Exactly 64 bits still fit, and 0 and 1 never overflow.
        assertThat(p(1L << 31).mul(p(1L << 32))).isEqualTo(p(1L << 63));
        assertThat(p(-1L).mul(p(1))).isEqualTo(p(-1L));
        assertThat(p(-1L).mul(p(0))).isEqualTo(p(0));
    }

    @Test
    void div() {
        long[][] vectors = {
            {10, 50, 0},
            {0, 1, 0},
            {bin("101101000"), bin("1010"), bin("100100")},
            {2, 2, 1},
            {0x8000000000000000L, 0x8000000000000000L, 1},
            {bin("1100"), bin("100"), bin("11")},
            {bin("1100001111"), bin("10011"), bin("110101")},
        };
        for (long[] v : vectors) {
            assertThat(p(v[0]).div(p(v[1]))).as("%x / %x", v[0], v[1]).isEqualTo(p(v[2]));
            assertThat(p(v[0]).divMod(p(v[1])).quotient()).isEqualTo(p(v[2]));
        }
    }

    @Test
    void mod() {
        long[][] vectors = {
            {10, 50, 10},
            {0, 1, 0},
            {bin("101101001"), bin("1010"), bin("1")},
            {2, 2, 0},
            {0x8000000000000000L, 0x8000000000000000L, 0},
            {bin("1100"), bin("100"), bin("0")},
            {bin("1100001111"), bin("10011"), bin("0")},
        };
        for (long[] v : vectors) {
            assertThat(p(v[0]).mod(p(v[1]))).as("%x mod %x", v[0], v[1]).isEqualTo(p(v[2]));
            assertThat(p(v[0]).divMod(p(v[1])).remainder()).isEqualTo(p(v[2]));
        }
    }

    @Test
    void divisionByZero() {
        assertThatThrownBy(() -> p(5).mod(p(0))).isInstanceOf(ArithmeticException.class);
        assertThatThrownBy(() -> p(5).div(p(0))).isInstanceOf(ArithmeticException.class);
        // restic returns (0, 0) for a zero dividend before looking at the divisor.
        assertThat(p(0).divMod(p(0))).isEqualTo(new Polynomial.DivMod(p(0), p(0)));
    }

    @Test
    void divModReconstructsDividend() {
        SplittableRandom rnd = new SplittableRandom(1);
        for (int i = 0; i < 10_000; i++) {
            long x = rnd.nextLong() >>> rnd.nextInt(64);
            long d = (rnd.nextLong() >>> rnd.nextInt(64)) | 1;
            Polynomial.DivMod qr = p(x).divMod(p(d));
            assertThat(qr.remainder().deg()).isLessThan(p(d).deg());
            // q * d fits: its degree is at most deg(x).
            assertThat(qr.quotient().mul(p(d)).add(qr.remainder())).isEqualTo(p(x));
        }
    }

    @Test
    void deg() {
        assertThat(p(0).deg()).isEqualTo(-1);
        assertThat(p(1).deg()).isZero();
        assertThat(p(0x3af4b284899L).deg()).isEqualTo(41);
        assertThat(p(0x3DA3358B4DC173L).deg()).isEqualTo(53);
        assertThat(p(1L << 63).deg()).isEqualTo(63);
        assertThat(p(-1L).deg()).isEqualTo(63);
    }

    @Test
    void termsOfTestPolynomial() {
        // restic's Expand() of 0x3DA3358B4DC173.
        int[] exponents = {53, 52, 51, 50, 48, 47, 45, 41, 40, 37, 36, 34, 32, 31, 27, 25, 24, 22, 19, 18, 16, 15,
            14, 8, 6, 5, 4, 1, 0};
        long v = 0;
        for (int e : exponents) {
            v |= 1L << e;
        }
        assertThat(v).isEqualTo(0x3DA3358B4DC173L);
    }

    @Test
    void irreducibleVectors() {
        long[] irreducible = {0x3DA3358B4DC173L, 0x2482734cacca49L};
        long[] reducible = {
            0x38f1e565e288dfL, 0x30a8295b9d5c91L, 0x255f4350b962cbL, 0x267f776110a235L, 0x2f4dae10d41227L,
            0x312daf4b284899L, 0x29dfb6553d01d1L, 0x3548245eb26257L, 0x3199e7ef4211b3L, 0x362f39017dae8bL,
            0x200d57aa6fdacbL, 0x35e0a4efa1d275L, 0x2ced55b026577fL, 0x260b012010893dL, 0x2df29cbcd59e9dL,
            0x3f2ac7488bd429L, 0x3e5cb1711669fbL, 0x226d8de57a9959L, 0x3c8de80aaf5835L, 0x2026a59efb219bL,
            0x39dfa4d13fb231L, 0x3143d0464b3299L,
        };
        for (long v : irreducible) {
            assertThat(p(v).irreducible()).as("%x", v).isTrue();
        }
        for (long v : reducible) {
            assertThat(p(v).irreducible()).as("%x", v).isFalse();
        }
    }

    @Test
    void irreducibleAgreesWithTrialDivision() {
        // Known counts of irreducible polynomials over GF(2) of degree 1..12 (OEIS A001037).
        int[] expected = {0, 2, 1, 2, 3, 6, 9, 18, 30, 56, 99, 186, 335};
        for (int n = 1; n <= 12; n++) {
            int count = 0;
            for (long f = 1L << n; f < 1L << (n + 1); f++) {
                boolean irreducible = p(f).irreducible();
                assertThat(irreducible).as("%s", Long.toBinaryString(f)).isEqualTo(hasNoFactor(f));
                if (irreducible) {
                    count++;
                }
            }
            assertThat(count).as("degree %d", n).isEqualTo(expected[n]);
        }
    }

    private static boolean hasNoFactor(long f) {
        int n = p(f).deg();
        for (long g = 2; p(g).deg() <= n / 2; g++) {
            if (p(f).mod(p(g)).value() == 0) {
                return false;
            }
        }
        return true;
    }

    @Test
    void gcd() {
        long[][] vectors = {
            {10, 50, 2},
            {0, 1, 1},
            {bin("101101001"), bin("1010"), bin("1")},
            {2, 2, 2},
            {bin("1010"), bin("11"), bin("11")},
            {0x8000000000000000L, 0x8000000000000000L, 0x8000000000000000L},
            {bin("1100"), bin("101"), bin("11")},
            {bin("1100001111"), bin("10011"), bin("10011")},
            {0x3DA3358B4DC173L, 0x3DA3358B4DC173L, 0x3DA3358B4DC173L},
            {0x3DA3358B4DC173L, 0x230d2259defdL, 1},
            {0x230d2259defdL, 0x51b492b3eff2L, bin("10011")},
        };
        for (long[] v : vectors) {
            assertThat(p(v[0]).gcd(p(v[1]))).as("gcd(%x, %x)", v[0], v[1]).isEqualTo(p(v[2]));
            assertThat(p(v[1]).gcd(p(v[0]))).as("gcd(%x, %x)", v[1], v[0]).isEqualTo(p(v[2]));
        }
        assertThat(p(0).gcd(p(0))).isEqualTo(p(0));
    }

    @Test
    void mulMod() {
        long[][] vectors = {
            {0x1230, 0x230, 0x55, 0x22},
            {0x0eae8c07dbbb3026L, 0xd5d6db9de04771deL, 0xdd2bda3b77c9L, 0x425ae8595b7aL},
        };
        for (long[] v : vectors) {
            assertThat(p(v[0]).mulMod(p(v[1]), p(v[2]))).as("%x * %x mod %x", v[0], v[1], v[2])
                    .isEqualTo(p(v[3]));
        }
    }

    @Test
    void mulModAgreesWithMulThenMod() {
        SplittableRandom rnd = new SplittableRandom(2);
        long g = 0x3DA3358B4DC173L;
        for (int i = 0; i < 2_000; i++) {
            long x = rnd.nextLong() >>> 32;
            long f = rnd.nextLong() >>> 33;
            assertThat(p(x).mulMod(p(f), p(g))).isEqualTo(p(x).mul(p(f)).mod(p(g)));
        }
        assertThat(p(0).mulMod(p(7), p(0))).isEqualTo(p(0));
        assertThat(p(7).mulMod(p(0), p(0))).isEqualTo(p(0));
    }

    @Test
    void mulModOverflowsLikeRestic() {
        // restic doubles the unreduced first factor; with the top bit set that overflows.
        assertThatThrownBy(() -> p(1L << 63).mulMod(p(2), p(0x3DA3358B4DC173L)))
                .isInstanceOf(ArithmeticException.class);
        // Only the constant term of f: no doubling, just a reduction.
        assertThat(p(1L << 63).mulMod(p(1), p(0x3DA3358B4DC173L)))
                .isEqualTo(p(1L << 63).mod(p(0x3DA3358B4DC173L)));
    }

    @Test
    void hexIsWhatResticWrites() {
        Polynomial pol = p(0x3DA3358B4DC173L);
        assertThat(pol.hex()).isEqualTo("3da3358b4dc173");
        assertThat(pol.toString()).isEqualTo("0x3da3358b4dc173");
        assertThat(p(0).hex()).isEqualTo("0");
        assertThat(p(-1L).hex()).isEqualTo("ffffffffffffffff");
    }

    @Test
    void parseHex() {
        assertThat(Polynomial.parseHex("3da3358b4dc173")).isEqualTo(p(0x3DA3358B4DC173L));
        assertThat(Polynomial.parseHex("3DA3358B4DC173")).isEqualTo(p(0x3DA3358B4DC173L));
        assertThat(Polynomial.parseHex("ffffffffffffffff")).isEqualTo(p(-1L));
        assertThat(Polynomial.parseHex("0")).isEqualTo(p(0));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "0x3da3358b4dc173", "+3da3358b4dc173", "-1", "3da3358b4dc17g", "10000000000000000",
        " 3da3358b4dc173"})
    void parseHexRejects(String s) {
        assertThatThrownBy(() -> Polynomial.parseHex(s)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void randomIsIrreducibleOfDegree53() {
        RandomGenerator rnd = new SecureRandom();
        for (int i = 0; i < 5; i++) {
            Polynomial pol = Polynomial.random(rnd);
            assertThat(pol.deg()).isEqualTo(53);
            assertThat(pol.value() & 1).isEqualTo(1);
            assertThat(pol.irreducible()).isTrue();
            assertThat(Polynomial.parseHex(pol.hex())).isEqualTo(pol);
        }
    }

    @Test
    void randomDrawsLikeRestic() {
        // Same seed, same draws: the result is the first masked draw that passes the test.
        SplittableRandom rnd = new SplittableRandom(3);
        Polynomial pol = Polynomial.random(new SplittableRandom(3));
        long f;
        do {
            f = (rnd.nextLong() & ((1L << 54) - 1)) | (1L << 53) | 1;
        } while (!p(f).irreducible());
        assertThat(pol).isEqualTo(p(f));
    }

    @Test
    void randomGivesUpOnABrokenGenerator() {
        // Always x^53 + 1 = (x + 1)(...): reducible, so every try fails.
        RandomGenerator zeros = () -> 0L;
        assertThatThrownBy(() -> Polynomial.random(zeros)).isInstanceOf(IllegalStateException.class);
    }
}
