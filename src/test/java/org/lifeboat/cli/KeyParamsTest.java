package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.lifeboat.cli.Failures.fatal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Json;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.RawRepo;
import org.lifeboat.testutil.Run;
import org.junit.jupiter.api.io.TempDir;

/**
 * Key files whose scrypt parameters are hostile (N beyond 64 bits, N not a power of two, r·p
 * beyond 2^30, a terabyte of memory, minutes of work) are refused within seconds by a sentence
 * naming the key file; the next key is tried, so a good key still opens the repository.
 */
class KeyParamsTest {
    @TempDir
    Path dir;

    Path keys;
    Path goodKey;
    ObjectNode good;
    Cli cli;

    @BeforeEach
    void setUp() throws Exception {
        try (RawRepo r = RawRepo.create(dir.resolve("repo"))) {
            r.snapshot(r.tree(RawRepo.file("a", 1, r.data("a"))));
            cli = r.cli(dir);
        }
        keys = dir.resolve("repo/keys");
        try (Stream<Path> s = Files.list(keys)) {
            goodKey = s.toList().getFirst();
        }
        good = (ObjectNode) Json.MAPPER.readTree(Files.readAllBytes(goodKey));
    }

    /** The good key's file with changed parameters, stored under its hash; returns its ID. */
    private String hostileKey(Consumer<ObjectNode> change) throws Exception {
        ObjectNode k = good.deepCopy();
        change.accept(k);
        byte[] json = Json.MAPPER.writeValueAsBytes(k);
        String id = Id.hash(json).hex();
        Files.write(keys.resolve(id), json);
        return id;
    }

    static Stream<Arguments> hostile() {
        return Stream.of(
                Arguments.of("N beyond 64 bits", (Consumer<ObjectNode>) k -> k.put("N", BigInteger.TWO.pow(64)),
                        "its scrypt parameter N is not a usable integer (18446744073709551616)"),
                Arguments.of("N beyond 32 bits", (Consumer<ObjectNode>) k -> k.put("N", 1L << 40),
                        "its scrypt parameter N is not a usable integer (1099511627776)"),
                Arguments.of("N not a power of two", (Consumer<ObjectNode>) k -> k.put("N", 1000),
                        "its scrypt parameter N must be a power of two above 1 (N=1000 r=8 p=1)"),
                Arguments.of("r·p too large", (Consumer<ObjectNode>) k -> k.put("r", 1 << 20).put("p", 1 << 20),
                        "its scrypt parameters r·p must be below 2^30 (N=32768 r=1048576 p=1048576)"),
                Arguments.of("1 TiB of memory", (Consumer<ObjectNode>) k -> k.put("N", 1 << 30),
                        "its scrypt parameters would need 1048576 MiB of memory, more than the 1 GiB allowed (N=1073741824 r=8 p=1)"),
                Arguments.of("minutes of work", (Consumer<ObjectNode>) k -> k.put("N", 1 << 16).put("p", 1024),
                        "its scrypt parameters would take minutes to compute (N·r·p above 2^26; N=65536 r=8 p=1024)"));
    }

    private Run run(Cli c, String... args) {
        // bounded time: a hostile key must not keep a command busy
        return assertTimeoutPreemptively(Duration.ofSeconds(30), () -> c.run(args));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void theOnlyKeyIsRefusedByName(String what, Consumer<ObjectNode> change, String problem) throws Exception {
        String id = hostileKey(change);
        Files.delete(goodKey);
        assertThat(fatal(run(cli, "snapshots"), ExitCodes.FATAL))
                .isEqualTo("Fatal: key file keys/" + id + " was refused: " + problem);
    }

    @Test
    void theNextKeyIsTried() throws Exception {
        for (Arguments a : hostile().toList()) {
            @SuppressWarnings("unchecked")
            Consumer<ObjectNode> change = (Consumer<ObjectNode>) a.get()[1];
            hostileKey(change);
        }
        run(cli, "snapshots").ok();
    }

    @Test
    void aWrongPasswordStillSaysSoAndNamesTheRefusedKey() throws Exception {
        String id = hostileKey(k -> k.put("N", 1000));
        Path wrong = dir.resolve("wrong-password");
        Files.writeString(wrong, "not the password\n");
        Run r = run(new Cli(dir.resolve("repo"), wrong), "snapshots");
        assertThat(fatal(r, ExitCodes.WRONG_PASSWORD)).isEqualTo("Fatal: wrong password or no key found (key file keys/"
                + id + " was refused: its scrypt parameter N must be a power of two above 1 (N=1000 r=8 p=1))");
    }
}
