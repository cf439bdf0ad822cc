package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.repository.Json;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/**
 * {@code lifeboat scan}: a snapshot restored into a private folder and scanned with the real
 * clamscan (with a signature database of our own: the machine has no network for freshclam) and
 * yara; the verdict recorded as tags restic sees.
 */
class ScanCommandTest {
    @TempDir
    Path dir;

    private Cli cli;
    private Path src;
    private Path db;
    private Path rules;
    private final byte[] sample = "LIFEBOAT-TEST-MALWARE-SAMPLE: not a virus, a file the test's signature names\n".getBytes();

    @BeforeEach
    void setUp() throws Exception {
        // Never skipped: the scanners are Debian packages ./run-tests installs.
        assertThat(Files.isExecutable(Path.of("/usr/bin/clamscan")) && Files.isExecutable(Path.of("/usr/bin/yara")))
                .as("clamscan and yara are needed (Debian packages clamav and yara; ./run-tests installs them)").isTrue();
        src = dir.resolve("src");
        Files.createDirectories(src.resolve("docs"));
        Files.writeString(src.resolve("docs/letter.txt"), "Dear customer, thank you.\n".repeat(50));
        cli = new Cli(dir.resolve("repo"), Cli.passwordFile(dir));
        cli.run("init").ok();
        db = dir.resolve("test.hdb");
        Files.writeString(db, HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(sample)) + ":" + sample.length
                + ":Lifeboat.Test.Sample\n");
        rules = dir.resolve("notes.yar");
        Files.writeString(rules, "rule Ransom_Note { strings: $a = \"Pay 1 BTC\" condition: $a }\n");
    }

    private List<String> tags(String id) throws Exception {
        JsonNode all = new Restic(cli.repo(), dir.resolve("restic-cache")).json("snapshots", "--json");
        for (JsonNode s : all) {
            if (s.get("id").asText().startsWith(id)) {
                List<String> t = new ArrayList<>();
                s.path("tags").forEach(x -> t.add(x.asText()));
                return t;
            }
        }
        throw new AssertionError("no snapshot " + id + " in " + all);
    }

    @Test
    void aCleanSnapshotIsTaggedCleanAndAnInfectedOneInfectedAndSuspicious() throws Exception {
        cli.run("backup", src.toString()).ok();
        Run clean = cli.run("--json", "scan", "latest", "--clamav-db", db.toString());
        assertThat(clean.exit()).as(clean.toString()).isZero();
        JsonNode c = Json.MAPPER.readTree(clean.out());
        assertThat(c.get("infected").asBoolean()).isFalse();
        assertThat(c.get("files").asLong()).isEqualTo(1);
        assertThat(tags(c.get("tagged_snapshot").asText())).containsExactly("scan=clean");

        Files.write(src.resolve("docs/invoice.pdf.exe"), sample);
        Files.writeString(src.resolve("HOW_TO_DECRYPT.txt"), "Pay 1 BTC to get your files back\n");
        cli.run("backup", src.toString()).ok();
        Run bad = cli.run("scan", "latest", "--clamav-db", db.toString(), "--yara", rules.toString());
        assertThat(bad.exit()).as(bad.toString()).isEqualTo(ExitCodes.FATAL);
        assertThat(bad.out()).contains("INFECTED: 2 findings")
                .contains(src + "/docs/invoice.pdf.exe: Lifeboat.Test.Sample.UNOFFICIAL (clamav)")
                .contains(src + "/HOW_TO_DECRYPT.txt: Ransom_Note (yara)")
                .contains("tagged scan=infected,suspicious: it is now snapshot");
        String newId = bad.out().replaceAll("(?s).*it is now snapshot ([0-9a-f]{8}).*", "$1");
        assertThat(tags(newId)).containsExactly("scan=infected", "suspicious");
        new Restic(cli.repo(), dir.resolve("restic-cache")).run("check", "--read-data").ok();
        assertThat(Files.list(Path.of(System.getProperty("java.io.tmpdir"))).filter(p -> p.getFileName().toString()
                .startsWith("lifeboat-scan-")).toList()).as("the sandbox is removed").isEmpty();

        // a folder of it, report only
        Run folder = cli.run("scan", newId + ":" + src + "/docs", "--yara", rules.toString(), "--no-tag");
        assertThat(folder.exit()).as(folder.toString()).isZero();
        assertThat(folder.out()).contains(": clean (2 files").doesNotContain("tagged");
        // brk14a B13: a folder found clean does not tag the whole snapshot clean
        Run part = cli.run("scan", newId + ":" + src + "/docs", "--yara", rules.toString());
        assertThat(part.out()).contains("so the snapshot is not tagged scan=clean").doesNotContain("it is now snapshot");
        assertThat(tags(newId)).containsExactly("scan=infected", "suspicious");
    }

    @Test
    @org.junit.jupiter.api.Timeout(120) // a scanner that opened /dev/zero or the FIFO would never end
    void linksFifosAndDevicesInASnapshotAreNeverOpened() throws Exception {
        // A hostile snapshot: a link to /etc and to a file the rule would match, and a FIFO (a read blocks for ever).
        Files.writeString(dir.resolve("outside.txt"), "Pay 1 BTC\n");
        Files.createSymbolicLink(src.resolve("etc"), Path.of("/etc"));
        Files.createSymbolicLink(src.resolve("outside"), dir.resolve("outside.txt"));
        assertThat(new ProcessBuilder("mkfifo", src.resolve("pipe").toString()).start().waitFor()).isZero();
        // a character device like /dev/zero (the tests run as root, as restore does when it makes devices)
        assertThat(new ProcessBuilder("mknod", src.resolve("zero").toString(), "c", "1", "5").start().waitFor()).isZero();
        cli.run("backup", src.toString()).ok();
        Files.writeString(rules, "rule Root { strings: $a = \"root:x:0:0\" $b = \"Pay 1 BTC\" condition: any of them }\n");
        Run r = cli.run("scan", "latest", "--yara", rules.toString(), "--clamav-db", db.toString(), "--clamav");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains(": clean (1 files");
    }

    @Test
    void aScannerThatCannotWorkIsAClearErrorAndNothingIsTagged() throws Exception {
        cli.run("backup", src.toString()).ok();
        Path empty = Files.createDirectories(dir.resolve("no-db"));
        Run r = cli.run("scan", "latest", "--clamav-db", empty.toString());
        assertThat(r.exit()).isEqualTo(ExitCodes.FATAL);
        assertThat(r.err()).contains("clamscan failed (exit 2)").doesNotContain("Exception");
        assertThat(cli.run("scan", "latest", "--yara", dir.resolve("missing.yar").toString()).err())
                .contains("the YARA rules file " + dir.resolve("missing.yar") + " does not exist");
        Files.writeString(rules, "rule { this is not yara");
        assertThat(cli.run("scan", "latest", "--yara", rules.toString()).err()).contains("yara failed (exit 1)");
        assertThat(tags(cli.run("--json", "snapshots").out().replaceAll("(?s).*\"id\":\"([0-9a-f]{8}).*", "$1"))).isEmpty();
    }
}
