package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.lifeboat.cli.Failures.fatal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.luben.zstd.Zstd;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.FileType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Json;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.RawRepo;
import org.lifeboat.testutil.Run;

/**
 * Unpacked files that expand into gigabytes (a 2.5 GiB zstd bomb of ~100 KB in a snapshot, index or
 * lock) or are simply huge (key, config) are refused in bounded time and memory with one sentence
 * naming the file, instead of an OutOfMemoryError.
 */
class DecompressionBombTest {
    /** 80 zstd frames of 32 MiB of zeros each: 2.5 GiB once decompressed, about 100 KB stored. */
    private static byte[] bomb() {
        byte[] frame = Zstd.compress(new byte[32 << 20], 3);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(2); // format 2: compressed
        for (int i = 0; i < 80; i++) out.writeBytes(frame);
        return out.toByteArray();
    }

    @TempDir
    Path dir;

    RawRepo raw;
    Cli cli;

    @BeforeEach
    void setUp() throws Exception {
        raw = RawRepo.create(dir.resolve("repo"));
        raw.snapshot(raw.tree(RawRepo.file("a", 1, raw.data("a"))));
        cli = raw.cli(dir);
    }

    private Run run(String... args) {
        return assertTimeoutPreemptively(Duration.ofSeconds(60), () -> cli.run(args));
    }

    @Test
    void snapshotBomb() throws Exception {
        Id bomb = raw.rawUnpacked(FileType.SNAPSHOT, bomb());
        raw.close();
        String sentence = "snapshots/" + bomb.hex() + " decompresses to more than 16 MiB, more than a snapshot file may be";
        Run check = run("check");
        assertThat(fatal(check, ExitCodes.FATAL)).containsPattern("repository contains \\d+ errors?");
        assertThat(check.err()).contains("error: " + sentence);
        Run list = run("snapshots");
        Failures.assertNoStackTrace(list);
        assertThat(list.err()).contains(sentence);
    }

    @Test
    void indexBomb() throws Exception {
        Id bomb = raw.rawUnpacked(FileType.INDEX, bomb());
        raw.close();
        assertThat(fatal(run("--no-lock", "cat", "index", bomb.hex()), ExitCodes.FATAL))
                .isEqualTo("Fatal: index/" + bomb.hex() + " decompresses to more than 128 MiB, more than an index file may be"
                        + " (a compression bomb?); refusing to read it");
        Run check = run("check");
        fatal(check, ExitCodes.FATAL);
        assertThat(check.err()).contains("error: index " + bomb.shortHex() + ": index/" + bomb.hex() + " decompresses to more than 128 MiB");
    }

    @Test
    void lockBomb() throws Exception {
        Id bomb = raw.rawUnpacked(FileType.LOCK, bomb());
        raw.close();
        assertThat(fatal(run("--no-lock", "cat", "lock", bomb.hex()), ExitCodes.FATAL))
                .contains("locks/" + bomb.hex() + " decompresses to more than 1 MiB, more than a lock file may be");
    }

    /** The repository's only key, with 2 MiB of padding: valid JSON, but no key file is that large. */
    @Test
    void hugeKeyFile() throws Exception {
        raw.close();
        Path keys = dir.resolve("repo/keys");
        Path key;
        try (Stream<Path> s = Files.list(keys)) {
            key = s.toList().getFirst();
        }
        ObjectNode k = (ObjectNode) Json.MAPPER.readTree(Files.readAllBytes(key));
        k.put("padding", "x".repeat(2 << 20));
        byte[] json = Json.MAPPER.writeValueAsBytes(k);
        Path big = keys.resolve(Id.hash(json).hex());
        Files.write(big, json);
        Files.delete(key);
        assertThat(fatal(run("snapshots"), ExitCodes.FATAL)).isEqualTo("Fatal: key file keys/" + big.getFileName()
                + " was refused: it is " + json.length + " bytes, more than the 1 MiB such a file may be; refusing to read it");
    }

    /** A config padded to 2 MiB (configs are never compressed, so "bomb" means size). */
    @Test
    void hugeConfig() throws Exception {
        byte[] plain = raw.repository().crypto().decrypt(Files.readAllBytes(dir.resolve("repo/config")));
        ObjectNode c = (ObjectNode) Json.MAPPER.readTree(plain);
        c.put("padding", "x".repeat(2 << 20));
        byte[] stored = raw.repository().crypto().encrypt(Json.MAPPER.writeValueAsBytes(c));
        raw.close();
        Path config = dir.resolve("repo/config");
        Files.delete(config);
        Files.write(config, stored);
        assertThat(fatal(run("snapshots"), ExitCodes.FATAL)).isEqualTo("Fatal: the config file is " + stored.length
                + " bytes, more than the 1 MiB such a file may be; refusing to read it");
    }
}
