package org.lifeboat.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.lifeboat.mount.GoTimeLayout;
import org.lifeboat.mount.RepositoryMount;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryLock;
import org.lifeboat.repository.Snapshot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code mount}: the repository as a read-only folder (FUSE), laid out as restic's mount lays it
 * out, so that a person browses snapshots with any file manager and copies back what was lost.
 * Runs until Ctrl-C (or SIGTERM), or until someone unmounts the folder; either way the mount is
 * gone when it ends. Holds a shared lock for the whole time, as restic.
 */
@Command(name = "mount", description = "Mount the repository read-only at MOUNTPOINT (FUSE) to browse and copy files from snapshots.",
        footer = {"", "Layout (restic's): snapshots/TIME, snapshots/latest, hosts/HOST/TIME,",
                "tags/TAG/TIME, ids/SHORT-ID.", "", "Examples:", "  mkdir /mnt/backup && lifeboat mount /mnt/backup",
                "  lifeboat mount --host web1 --time-template 2006-01-02_15-04-05 /mnt/backup"})
final class MountCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Mixin
    SnapshotOptions filter;

    @Parameters(index = "0", paramLabel = "MOUNTPOINT", description = "an empty folder to mount the repository at")
    String mountpoint;

    @Option(names = "--owner-root", description = "show every file and folder as owned by root")
    boolean ownerRoot;

    @Option(names = "--allow-other", description = "let other users read the mounted folder (root, or user_allow_other in /etc/fuse.conf)")
    boolean allowOther;

    @Option(names = "--no-default-permissions", description = "with --allow-other: let every user read every file, whatever its stored permissions")
    boolean noDefaultPermissions;

    @Option(names = "--path-template", paramLabel = "TEMPLATE",
            description = "path of each snapshot (repeatable; %%i short ID, %%I long ID, %%u user, %%h host, %%t tags, %%T time); default: ids/%%i, snapshots/%%T, hosts/%%h/%%T, tags/%%t/%%T")
    List<String> pathTemplates = new ArrayList<>();

    @Option(names = {"--time-template", "--snapshot-template"}, paramLabel = "TEMPLATE",
            description = "Go layout of the times in names (default: ${DEFAULT-VALUE})", defaultValue = GoTimeLayout.RFC3339)
    String timeTemplate;

    @Override
    public Integer call() throws Exception {
        Context ctx = new Context(main);
        if (timeTemplate.isEmpty()) throw new UserException("--time-template cannot be empty");
        if (timeTemplate.startsWith("/") || timeTemplate.endsWith("/")) {
            throw new UserException("--time-template cannot start or end with '/' (" + timeTemplate + ")");
        }
        for (String t : pathTemplates) {
            if (t.isEmpty()) throw new UserException("--path-template cannot be empty");
        }
        if (noDefaultPermissions && !allowOther) {
            throw new UserException("--no-default-permissions only applies with --allow-other");
        }
        // what can be checked before the repository is opened (and a password asked for) is checked first, as restic
        String why = RepositoryMount.unavailable();
        Path mp = Path.of(mountpoint);
        Path repoFolder = localFolder(ctx.repositoryLocation());
        if (why == null) why = RepositoryMount.mountpointProblem(mp, repoFolder);
        if (why != null) throw new UserException(why);
        try (Repository repo = ctx.open(); RepositoryLock lock = ctx.lock(repo, false)) {
            ctx.loadIndex(repo);
            List<Snapshot> snapshots = filter.filter().apply(repo.listSnapshots(ctx::warn));
            RepositoryMount.Options o = new RepositoryMount.Options(pathTemplates, timeTemplate, ownerRoot, allowOther,
                    noDefaultPermissions, RepositoryMount.Options.defaults().blobCacheBytes());
            RepositoryMount m;
            try {
                m = RepositoryMount.mount(repo, snapshots, mp, o, repoFolder, ctx::warn);
            } catch (RepositoryMount.MountException e) {
                throw new UserException(e.getMessage());
            }
            try (m) {
                ctx.out.println("Now serving the repository at " + mountpoint);
                ctx.out.println("Use another terminal or tool to browse the contents of this folder.");
                ctx.out.println("When finished, quit with Ctrl-c here or umount the mountpoint.");
                ctx.out.flush();
                CountDownLatch stop = new CountDownLatch(1);
                Runnable undo = ctx.cancel().onCancel(stop::countDown);
                try {
                    // Ctrl-C / SIGTERM cancel the token; an umount from outside shows in the mount table
                    while (m.mounted() && !stop.await(200, TimeUnit.MILLISECONDS)) {
                        // waiting: the FUSE threads serve
                    }
                } finally {
                    undo.run();
                }
            } catch (RepositoryMount.MountException e) {
                throw new UserException(e.getMessage());
            }
        }
        return ExitCodes.OK;
    }

    /** The folder of a local repository location ("/srv/repo", "local:/srv/repo"), null for any other backend. */
    static Path localFolder(String location) {
        if (location == null) return null;
        if (location.startsWith("local:")) return Path.of(location.substring("local:".length()));
        int colon = location.indexOf(':');
        int slash = location.indexOf('/');
        if (colon > 0 && (slash < 0 || colon < slash)) return null; // a scheme: s3:, sftp:, rest:, rclone:
        return Path.of(location);
    }
}
