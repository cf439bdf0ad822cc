package org.lifeboat.repository.chunker;

import java.util.random.RandomGenerator;

/**
 * A polynomial over GF(2), coefficient i in bit i of an unsigned 64-bit value, as restic's chunker uses it.
 * The repository config stores the chunker's polynomial (degree 53, irreducible) as lowercase hex.
 *
 * <p>The arithmetic mirrors restic/chunker exactly, including its edge cases (0 / d, gcd with 0, overflow), so
 * that polynomials and tables agree bit for bit. Static {@code long} variants avoid allocation where tables are
 * built.
 */
public record Polynomial(long value) {

    /** Quotient and remainder of a polynomial division. */
    public record DivMod(Polynomial quotient, Polynomial remainder) {}

    /** Degree of the polynomials restic draws: 53 is the largest prime below 64 - 8, leaving room for a byte. */
    public static final int RANDOM_DEGREE = 53;

    // Same bound as restic: failing a million times in a row means the generator is broken.
    private static final int RANDOM_MAX_TRIES = 1_000_000;
    private static final long X = 2; // the polynomial "x"

    /**
     * Draws random polynomials of degree 53 with constant term 1 until one is irreducible, as restic does for a
     * new repository. Callers pass a {@link java.security.SecureRandom}.
     */
    public static Polynomial random(RandomGenerator rnd) {
        for (int i = 0; i < RANDOM_MAX_TRIES; i++) {
            long f = rnd.nextLong() & ((1L << 54) - 1);
            f |= (1L << RANDOM_DEGREE) | 1L;
            if (irreducible(f)) {
                return new Polynomial(f);
            }
        }
        throw new IllegalStateException("no irreducible polynomial found in " + RANDOM_MAX_TRIES + " tries");
    }

    /** Parses hex digits without prefix or sign, as restic's config JSON holds them (either case accepted). */
    public static Polynomial parseHex(String hex) {
        // Long.parseUnsignedLong accepts a leading '+', Go's ParseUint does not.
        if (hex == null || hex.isEmpty() || hex.charAt(0) == '+') {
            throw new IllegalArgumentException("not a hex polynomial: " + hex);
        }
        try {
            return new Polynomial(Long.parseUnsignedLong(hex, 16));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a hex polynomial: " + hex, e);
        }
    }

    /** Lowercase hex without prefix, e.g. "3da3358b4dc173": what restic writes into the config. */
    public String hex() {
        return Long.toHexString(value);
    }

    /** Degree; -1 for the zero polynomial. */
    public int deg() {
        return deg(value);
    }

    public Polynomial add(Polynomial y) {
        return new Polynomial(value ^ y.value);
    }

    /** Carry-less product; throws ArithmeticException if it does not fit in 64 bits (restic panics). */
    public Polynomial mul(Polynomial y) {
        return new Polynomial(mul(value, y.value));
    }

    /** Throws ArithmeticException for division by zero, except that 0 / 0 = (0, 0) as in restic. */
    public DivMod divMod(Polynomial d) {
        long q = div(value, d.value);
        return new DivMod(new Polynomial(q), new Polynomial(mod(value, d.value)));
    }

    public Polynomial div(Polynomial d) {
        return new Polynomial(div(value, d.value));
    }

    public Polynomial mod(Polynomial d) {
        return new Polynomial(mod(value, d.value));
    }

    public Polynomial gcd(Polynomial f) {
        return new Polynomial(gcd(value, f.value));
    }

    /** this * f mod g. */
    public Polynomial mulMod(Polynomial f, Polynomial g) {
        return new Polynomial(mulMod(value, f.value, g.value));
    }

    /** Ben-Or's irreducibility test over GF(2), as restic applies it. */
    public boolean irreducible() {
        return irreducible(value);
    }

    /** Go's formatting of restic's Pol: "0x" and lowercase hex. */
    @Override
    public String toString() {
        return "0x" + hex();
    }

    static int deg(long x) {
        return 63 - Long.numberOfLeadingZeros(x);
    }

    static long mul(long x, long y) {
        // restic multiplies, divides back and compares; that fails exactly when a bit is shifted out,
        // i.e. when deg(x) + deg(y) > 63 for x, y > 1.
        boolean trivial = x == 0 || x == 1 || y == 0 || y == 1;
        if (!trivial && deg(x) + deg(y) > 63) {
            throw new ArithmeticException("multiplication would overflow uint64");
        }
        long res = 0;
        for (long rest = y; rest != 0; rest &= rest - 1) {
            res ^= x << Long.numberOfTrailingZeros(rest);
        }
        return res;
    }

    static long div(long x, long d) {
        if (x == 0) {
            return 0;
        }
        int dd = checkedDeg(d);
        long q = 0;
        for (int diff = deg(x) - dd; diff >= 0; diff = deg(x) - dd) {
            q |= 1L << diff;
            x ^= d << diff;
        }
        return q;
    }

    static long mod(long x, long d) {
        if (x == 0) {
            return 0;
        }
        int dd = checkedDeg(d);
        for (int diff = deg(x) - dd; diff >= 0; diff = deg(x) - dd) {
            x ^= d << diff;
        }
        return x;
    }

    private static int checkedDeg(long d) {
        if (d == 0) {
            throw new ArithmeticException("division by zero");
        }
        return deg(d);
    }

    static long gcd(long x, long f) {
        while (f != 0) {
            if (x == 0) {
                return f;
            }
            if (deg(x) < deg(f)) {
                long t = x;
                x = f;
                f = t;
            }
            long r = mod(x, f);
            x = f;
            f = r;
        }
        return x;
    }

    static long mulMod(long x, long f, long g) {
        if (x == 0 || f == 0) {
            return 0;
        }
        // Shift-and-add with a running x * x^i mod g. restic recomputes x * x^i from scratch for every set bit
        // of f; the values are the same, and the first doubling sees the unreduced x, so overflow surfaces alike.
        long res = 0;
        long a = x;
        int top = deg(f);
        for (int i = 0; ; i++) {
            if ((f & (1L << i)) != 0) {
                res = mod(res ^ a, g);
            }
            if (i == top) {
                return res;
            }
            a = mod(mul(a, X), g);
        }
    }

    static boolean irreducible(long x) {
        for (int i = 1; i <= deg(x) / 2; i++) {
            if (gcd(x, qp(i, x)) != 1) {
                return false;
            }
        }
        return true;
    }

    /** (x^(2^p) - x) mod g, by p squarings of x. */
    private static long qp(int p, long g) {
        long res = X;
        for (int i = 0; i < p; i++) {
            res = mulMod(res, res, g);
        }
        return mod(res ^ X, g);
    }
}
