package org.lifeboat.repository;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lifeboat.repository.tree.TreeCodec;

/**
 * Seeded mutation fuzzing of every parser that reads repository files: pack headers, index files,
 * trees, snapshots, keys, locks, config and zstd-compressed unpacked files. Mutations of valid
 * inputs (bit flips, truncation, insertions, huge and negative numbers, deep nesting, values of the
 * wrong type) may only be refused with an IOException (RepositoryException, CryptoException for a
 * key) carrying a message; any other Throwable (NPE, ClassCast, NumberFormat, Arithmetic, OOM,
 * StackOverflow) or a hang fails, printing the seed, the mutation and the input. Fixed seeds plus
 * one time-based seed; about 0.3 s per parser and seed (-Dfuzz.nanos=… in the test JVM for longer runs).
 */
class RepositoryParserFuzzTest {
    private static final long TIME_SEED = System.currentTimeMillis();
    private static final long[] SEEDS = {1, 2, 3, TIME_SEED};
    private static final long BUDGET_NANOS = Long.getLong("fuzz.nanos", 300_000_000L);
    private static final int MAX_INPUTS = 20_000;

    /** A parser under test; may throw IOException or CryptoException, nothing else. */
    @FunctionalInterface
    interface Parser {
        void parse(byte[] input) throws IOException, CryptoException;
    }

    private static final Id ID_A = Id.hash("a".getBytes(StandardCharsets.UTF_8));
    private static final Id ID_B = Id.hash("b".getBytes(StandardCharsets.UTF_8));

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] validIndex() {
        return new IndexFile(List.of(ID_B), List.of(new PackedBlob(ID_A, BlobType.DATA, ID_B, 0, 1000, 2000),
                new PackedBlob(ID_B, BlobType.TREE, ID_B, 1000, 300, 0))).toJson();
    }

    static byte[] validTree() {
        return utf8("{\"nodes\":[{\"name\":\"a\\nb\",\"type\":\"file\",\"mode\":420,\"mtime\":\"2024-01-02T03:04:05.000000006Z\","
                + "\"atime\":\"2024-01-02T03:04:05Z\",\"ctime\":\"2024-01-02T03:04:05+01:00\",\"uid\":1000,\"gid\":100,"
                + "\"user\":\"ann\",\"group\":\"users\",\"inode\":1234,\"device_id\":2049,\"size\":6,\"links\":1,"
                + "\"extended_attributes\":[{\"name\":\"user.x\",\"value\":\"AAEC\"}],\"content\":[\"" + ID_A.hex() + "\"]},"
                + "{\"name\":\"d\",\"type\":\"dir\",\"mode\":2147484141,\"mtime\":\"2024-01-02T03:04:05Z\",\"subtree\":\"" + ID_B.hex() + "\"},"
                + "{\"name\":\"l\",\"type\":\"symlink\",\"mode\":134218239,\"linktarget\":\"/etc/\\ufffd\",\"linktarget_raw\":\"L2V0Yw==\"},"
                + "{\"name\":\"c\",\"type\":\"chardev\",\"mode\":69206432,\"device\":259}]}\n");
    }

    static byte[] validSnapshot() {
        OffsetDateTime t = OffsetDateTime.of(2024, 1, 2, 3, 4, 5, 6, ZoneOffset.UTC);
        return new Snapshot(null, t, ID_A, ID_B, List.of("/home", "/etc"), "host", "user", 1000, 100, List.of("*.tmp"),
                List.of("daily"), ID_A, "lifeboat", new Snapshot.Summary(t, t, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0))
                .toJson();
    }

    static byte[] validLock() {
        return new Lock(null, OffsetDateTime.of(2024, 1, 2, 3, 4, 5, 0, ZoneOffset.UTC), true, "host", "user", 42, 1000, 100)
                .toJson();
    }

    static byte[] validConfig() {
        return new Config(2, "0123abcd", 0x3DA3358B4DC173L).toJson();
    }

    static byte[] validKey() {
        return KeyFile.create(Crypto.random(), "pw", "user", "host", 16, 1, 1).toJson();
    }

    static byte[] validPackHeader() {
        return Pack.encodeHeader(List.of(new Pack.Entry(BlobType.DATA, 100, 0, ID_A),
                new Pack.Entry(BlobType.TREE, 200, 500, ID_B), new Pack.Entry(BlobType.DATA, 64, 40, ID_B)));
    }

    // ---------------------------------------------------------------- mutations

    private static final String[] NUMBERS = {"-1", "0", "2147483647", "2147483648", "-2147483649", "4294967296",
        "9223372036854775807", "9223372036854775808", "18446744073709551616", "-9223372036854775809", "1e999", "1.5",
        "-0", "99999999999999999999999999999999999999", "NaN"};
    private static final String[] VALUES = {"null", "true", "{}", "[]", "\"\"", "\"x\"", "0", "-1", "[null]", "{\"a\":1}",
        "\"\\u0000\"", "\"\\ud800\""};

    /** One mutation of {@code in}, described in {@code what[0]}. */
    static byte[] mutate(byte[] in, Random rnd, String[] what) {
        byte[] b = in.clone();
        switch (rnd.nextInt(9)) {
            case 0 -> {
                int flips = 1 + rnd.nextInt(8);
                for (int i = 0; i < flips && b.length > 0; i++) b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
                what[0] = flips + " bit flips";
            }
            case 1 -> {
                int n = b.length == 0 ? 0 : rnd.nextInt(b.length);
                b = java.util.Arrays.copyOf(b, n);
                what[0] = "truncated to " + n;
            }
            case 2 -> {
                byte[] ins = new byte[1 + rnd.nextInt(16)];
                rnd.nextBytes(ins);
                b = splice(b, rnd.nextInt(b.length + 1), 0, ins);
                what[0] = "inserted random bytes";
            }
            case 3 -> {
                String num = NUMBERS[rnd.nextInt(NUMBERS.length)];
                b = replaceToken(b, rnd, true, num);
                what[0] = "number replaced by " + num;
            }
            case 4 -> {
                String v = VALUES[rnd.nextInt(VALUES.length)];
                b = replaceToken(b, rnd, rnd.nextBoolean(), v);
                what[0] = "value replaced by " + v;
            }
            case 5 -> {
                int depth = new int[] {10, 1000, 5000, 100_000}[rnd.nextInt(4)];
                String nest = rnd.nextBoolean() ? "[".repeat(depth) + "]".repeat(depth)
                        : "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
                b = replaceToken(b, rnd, rnd.nextBoolean(), nest);
                what[0] = "nested " + depth + " deep";
            }
            case 6 -> {
                if (b.length > 1) {
                    int from = rnd.nextInt(b.length);
                    int len = 1 + rnd.nextInt(Math.min(64, b.length - from));
                    b = splice(b, rnd.nextInt(b.length), 0, java.util.Arrays.copyOfRange(b, from, from + len));
                }
                what[0] = "duplicated a slice";
            }
            case 7 -> {
                // binary fields: a little-endian uint32 set to an extreme
                int[] extremes = {0, -1, 0x7fffffff, 0x80000000, 31, 33};
                int v = extremes[rnd.nextInt(extremes.length)];
                if (b.length >= 4) {
                    int at = rnd.nextInt(b.length - 3);
                    for (int i = 0; i < 4; i++) b[at + i] = (byte) (v >>> (8 * i));
                }
                what[0] = "uint32 set to " + Integer.toUnsignedString(v);
            }
            default -> {
                b = new byte[rnd.nextInt(64)];
                rnd.nextBytes(b);
                what[0] = "random bytes";
            }
        }
        return b;
    }

    private static byte[] splice(byte[] b, int at, int remove, byte[] insert) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(b.length + insert.length);
        out.write(b, 0, at);
        out.writeBytes(insert);
        out.write(b, at + remove, b.length - at - remove);
        return out.toByteArray();
    }

    /** Replaces a random JSON number (or string, or any token start) by {@code value}. */
    private static byte[] replaceToken(byte[] b, Random rnd, boolean number, String value) {
        List<int[]> spans = new ArrayList<>();
        for (int i = 0; i < b.length; i++) {
            if (number && (Character.isDigit(b[i]) || b[i] == '-') && (i == 0 || !Character.isLetterOrDigit(b[i - 1]))) {
                int j = i + 1;
                while (j < b.length && (Character.isDigit(b[j]) || b[j] == '.' || b[j] == 'e')) j++;
                spans.add(new int[] {i, j});
                i = j;
            } else if (!number && b[i] == '"') {
                int j = i + 1;
                while (j < b.length && b[j] != '"') j += b[j] == '\\' ? 2 : 1;
                if (j < b.length && j + 1 < b.length && b[j + 1] != ':') spans.add(new int[] {i, j + 1});
                i = j;
            }
        }
        if (spans.isEmpty()) return splice(b, b.length == 0 ? 0 : rnd.nextInt(b.length), 0, utf8(value));
        int[] s = spans.get(rnd.nextInt(spans.size()));
        return splice(b, s[0], s[1] - s[0], utf8(value));
    }

    // ---------------------------------------------------------------- driver

    private static void fuzz(String name, byte[] valid, Parser parser) {
        for (long seed : SEEDS) {
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> batch(name, valid, parser, seed),
                    () -> name + ": a batch hung (seed " + seed + ")");
        }
    }

    private static void batch(String name, byte[] valid, Parser parser, long seed) {
        Random rnd = new Random(seed);
        long end = System.nanoTime() + BUDGET_NANOS;
        check(name, seed, "valid input", valid, parser);
        byte[] current = valid;
        String[] what = new String[1];
        for (int i = 0; i < MAX_INPUTS && System.nanoTime() < end; i++) {
            // mostly single mutations of the valid input, sometimes stacked ones
            byte[] input = mutate(rnd.nextInt(4) == 0 ? current : valid, rnd, what);
            current = input.length > 1 << 20 ? valid : input;
            check(name, seed, what[0], input, parser);
        }
    }

    private static void check(String name, long seed, String what, byte[] input, Parser parser) {
        try {
            parser.parse(input);
        } catch (IOException | CryptoException e) {
            if (e.getMessage() == null || e.getMessage().isBlank()) {
                fail(report(name, seed, what, input) + ": refused without a message: " + e);
            }
        } catch (Throwable t) {
            fail(report(name, seed, what, input) + ": " + t, t);
        }
    }

    private static String report(String name, long seed, String what, byte[] input) {
        String b64 = Base64.getEncoder().encodeToString(input.length > 3000 ? java.util.Arrays.copyOf(input, 3000) : input);
        return name + " (seed " + seed + (seed == TIME_SEED ? ", time-based" : "") + ", " + what + ", " + input.length
                + " bytes, base64 " + b64 + ")";
    }

    // ---------------------------------------------------------------- one test per parser

    @Test
    void packHeader() {
        fuzz("pack header", validPackHeader(), Pack::decodeHeader);
    }

    @Test
    void index() {
        fuzz("index", validIndex(), IndexFile::parse);
    }

    @Test
    void tree() {
        fuzz("tree", validTree(), TreeCodec::decode);
    }

    @Test
    void snapshot() {
        fuzz("snapshot", validSnapshot(), in -> Snapshot.parse(ID_A, in));
    }

    @Test
    void lock() {
        fuzz("lock", validLock(), in -> Lock.parse(ID_A, in));
    }

    @Test
    void config() {
        fuzz("config", validConfig(), Config::parse);
    }

    /** Parsing, and opening when the parameters are cheap (the expensive ones are KeyParamsTest's). */
    @Test
    void key() {
        fuzz("key", validKey(), in -> {
            KeyFile k = KeyFile.parse(in);
            if ((long) k.n() * k.r() * k.p() <= 1 << 12) k.open("pw");
        });
    }

    /** Compressed unpacked files: zstd frames mutated, decoded with a 1 MiB limit. */
    @Test
    void compressedUnpackedFile() {
        byte[] json = validSnapshot();
        fuzz("zstd", Compression.compress(json, 0, json.length, 3), in -> Compression.decompressStream(in, 0, in.length, 1 << 20));
    }

    /** Inputs fuzzing (or review) found crashing a parser, kept so they stay fixed. */
    @Test
    void knownFindings() {
        String tree = new String(validTree(), StandardCharsets.UTF_8);
        // a zone offset beyond ±18:00: DateTimeException escaped TreeCodec.decode
        check("tree", 0, "zone offset +81:00", utf8(tree.replace("2024-01-02T03:04:05+01:00", "2024-01-02T03:04:05+81:00")),
                TreeCodec::decode);
        // 32·r·N overflowed an int inside scrypt (an empty V array, then ArrayIndexOutOfBounds)
        String key = new String(validKey(), StandardCharsets.UTF_8).replaceFirst("\"N\":16", "\"N\":1048576")
                .replaceFirst("\"r\":1", "\"r\":1024");
        check("key", 0, "N=2^20 r=2^10", utf8(key), in -> KeyFile.parse(in).open("pw"));
    }
}
