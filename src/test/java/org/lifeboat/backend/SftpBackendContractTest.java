package org.lifeboat.backend;

import java.io.IOException;
import java.util.Map;
import org.lifeboat.testutil.OpenSshServer;

/** {@link SftpBackend} passes the backend contract against Debian's real OpenSSH server. */
class SftpBackendContractTest extends BackendContract {
    private static int n;

    @Override
    Backend newBackend() throws IOException {
        OpenSshServer s = OpenSshServer.shared();
        Backend b = Backends.raw(s.location(s.dir().resolve("contract/repo" + n++)),
                new BackendOptions(Map.of("sftp.args", s.sftpArgs())));
        b.create();
        return b;
    }
}
