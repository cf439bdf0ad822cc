package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.lifeboat.fs.TestDirs;

/**
 * The Mount*Test fixture, registered with {@code @RegisterExtension}: before each test a fresh work
 * folder with an empty mountpoint {@code mnt} in it; after each, the mount process (if any) is
 * ended, a mount it left is detached, the test fails if a mount is still there, and the work
 * folder is deleted, so that no failed test leaves a mount on the machine.
 */
final class MountFixture implements BeforeEachCallback, AfterEachCallback {
    private final String prefix;
    Path work;
    Path mp;
    MountProcess mount;

    MountFixture(String prefix) {
        this.prefix = prefix;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        work = TestDirs.create(prefix);
        mp = Files.createDirectories(work.resolve("mnt"));
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        try {
            if (mount != null) mount.close();
            MountProcess.detach(mp);
            assertThat(MountProcess.mounted(mp)).as("no mount is left behind").isFalse();
        } finally {
            mount = null;
            TestDirs.delete(work);
        }
    }

    /** Starts {@code lifeboat mount extra… mnt} on {@code repo} and waits until it serves; the fixture ends it. */
    MountProcess start(Path repo, Path pw, String... extra) throws Exception {
        mount = MountProcess.start(work, repo, pw, mp, extra).awaitMounted();
        return mount;
    }

    /** The names in a folder, sorted. */
    static Set<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return new TreeSet<>(s.map(p -> p.getFileName().toString()).toList());
        }
    }
}
