package org.lifeboat.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.OpenSshServer;

/**
 * forget --prune, tag, rewrite --forget, prune, repair index and migrate on one repository on the
 * real OpenSSH sftp server (Lifeboat through its own sftp client, restic through ssh), each step
 * judged by restic: check --read-data clean, every remaining snapshot restored byte-identically.
 */
@Tag("restic")
class MaintenanceOverSftpTest {
    @TempDir
    Path dir;

    @Test
    void everyMaintenanceCommandLeavesARepositoryResticChecksAndRestores() throws Exception {
        OpenSshServer ssh = OpenSshServer.shared();
        Path folder = Files.createDirectories(ssh.dir().resolve("maintenance")).resolve("repo-" + System.nanoTime());
        var place = new MaintenanceScenario.Place(ssh.location(folder), List.of("-o", "sftp.args=" + ssh.sftpArgs()),
                List.of("-o", "sftp.command=" + ssh.sshCommand()), Map.of(), new MaintenanceScenario.Folder(folder));
        new MaintenanceScenario(dir, place).runAll();
    }
}
