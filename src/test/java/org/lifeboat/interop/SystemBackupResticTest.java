package org.lifeboat.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/**
 * A system's snapshot holds streamed files (command output, dumps) beside its folders: restic must
 * accept it and return the same bytes; a failing producer must not leave a snapshot behind.
 */
@Tag("restic")
class SystemBackupResticTest {
    @TempDir
    Path dir;

    private Run lifeboat(Path plan, String... args) {
        String[] full = new String[args.length + 2];
        full[0] = "--config";
        full[1] = plan.toString();
        System.arraycopy(args, 0, full, 2, args.length);
        return Cli.raw(null, full);
    }

    @Test
    void streamedFilesPassResticCheckAndDumpIdentically() throws Exception {
        Path pw = Cli.passwordFile(dir);
        new Cli(dir.resolve("repo"), pw).run("init").ok();
        Random rnd = new Random(7);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 60_000; i++) b.append("row ").append(i).append(' ').append(Long.toHexString(rnd.nextLong())).append('\n');
        Files.writeString(dir.resolve("export.csv"), b);
        Files.createDirectories(dir.resolve("app/conf"));
        Files.writeString(dir.resolve("app/conf/app.ini"), "[app]\nport=8080\n");
        Path plan = dir.resolve("lifeboat.yaml");
        Files.writeString(plan, """
                repositories: { local: { url: repo, password-file: password } }
                systems:
                  app:
                    rpo: 1h
                    rto: 1h
                    backup:
                      sources:
                        - path: app
                        - command: { run: "cat export.csv", filename: export.csv }
                      before: [ "echo quiesced > hook.txt" ]
                      after: [ "echo resumed >> hook.txt" ]
                  broken:
                    rpo: 1h
                    rto: 1h
                    backup:
                      sources:
                        - path: app
                        - command: { run: "echo partial; echo dump failed >&2; exit 3", filename: broken.out }
                """);
        lifeboat(plan, "backup", "--system", "app").ok();
        assertThat(Files.readAllLines(dir.resolve("hook.txt"))).isEqualTo(List.of("quiesced", "resumed"));

        Restic restic = new Restic(dir.resolve("repo"), dir.resolve("cache"));
        Run check = restic.run("check", "--read-data");
        assertThat(check.exit()).as(check.toString()).isZero();
        Run dump = restic.run("dump", "--tag", "system=app", "latest", "/lifeboat/command/export.csv");
        assertThat(dump.exit()).as(dump.err()).isZero();
        assertThat(dump.out()).isEqualTo(b.toString());
        Run ini = restic.run("dump", "latest", dir.resolve("app/conf/app.ini").toString());
        assertThat(ini.out()).isEqualTo("[app]\nport=8080\n");

        Run broken = lifeboat(plan, "backup", "--system", "broken");
        assertThat(broken.exit()).isEqualTo(1);
        assertThat(broken.err()).contains("broken").contains("exit").contains("dump failed");
        Run snaps = restic.run("snapshots", "--json", "--tag", "system=broken");
        assertThat(snaps.out().strip()).isEqualTo("[]");
        assertThat(restic.run("check").exit()).isZero();
    }
}
