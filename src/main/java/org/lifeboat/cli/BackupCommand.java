package org.lifeboat.cli;

import org.lifeboat.repository.Plural;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.lifeboat.backend.Cancel;
import org.lifeboat.backup.Archiver;
import org.lifeboat.backup.BackupObserver;
import org.lifeboat.backup.BackupOptions;
import org.lifeboat.backup.BackupResult;
import org.lifeboat.backup.Excludes;
import org.lifeboat.backup.FileEvent;
import org.lifeboat.backup.Progress;
import org.lifeboat.backup.Scanner;
import org.lifeboat.backup.SourceLists;
import org.lifeboat.backup.Targets;
import org.lifeboat.repository.Compression;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Json;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryLock;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.repository.SnapshotFilter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "backup", description = "Create a new snapshot of files and folders (or of standard input).",
        footer = {"", "Examples:", "  lifeboat backup /home /etc --exclude \"*.tmp\" --exclude-caches --tag daily", "  lifeboat backup /srv --one-file-system --exclude-file /etc/lb/excludes", "  pg_dump shop | lifeboat backup --stdin --stdin-filename shop.sql --tag db", "  lifeboat backup /home --dry-run -v", "  lifeboat backup --all    # every system of the recovery plan"})
final class BackupCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(paramLabel = "PATH", arity = "0..*", description = "files and folders to back up")
    List<String> paths = new ArrayList<>();

    @Mixin
    ExcludeOptions exclude = new ExcludeOptions();

    @Option(names = "--exclude-caches", description = "leave out the contents of folders holding a CACHEDIR.TAG (folder and tag are kept)")
    boolean excludeCaches;

    @Option(names = "--exclude-if-present", paramLabel = "FILE[:HEADER]", description = "leave out the contents of folders holding FILE (starting with HEADER, if given); repeatable")
    List<String> excludeIfPresent = new ArrayList<>();

    @Option(names = "--exclude-larger-than", paramLabel = "SIZE", description = "leave out files larger than SIZE (bytes, or with k, m, g, t: 1024-based)")
    String excludeLargerThan;

    @Option(names = "--files-from", paramLabel = "FILE", description = "back up the paths matching the globs in FILE, one a line (- is standard input; repeatable)")
    List<String> filesFrom = new ArrayList<>();

    @Option(names = "--files-from-verbatim", paramLabel = "FILE", description = "back up the paths in FILE, one a line, taken as they stand (repeatable)")
    List<String> filesFromVerbatim = new ArrayList<>();

    @Option(names = "--files-from-raw", paramLabel = "FILE", description = "back up the paths in FILE, each ended by a NUL byte (find -print0; repeatable)")
    List<String> filesFromRaw = new ArrayList<>();

    @Option(names = {"-x", "--one-file-system"}, description = "do not cross file system boundaries")
    boolean oneFileSystem;

    @Option(names = "--tag", paramLabel = "TAG[,TAG]", description = "add tags to the snapshot (repeatable)")
    List<String> tags = new ArrayList<>();

    @Option(names = {"-H", "--host"}, paramLabel = "HOST", description = "host name to record (default: this host)")
    String host;

    @Option(names = "--parent", paramLabel = "SNAPSHOT", description = "snapshot to compare with (default: latest of the same host and paths)")
    String parent;

    @Option(names = {"-f", "--force"}, description = "re-read all files, even unchanged ones")
    boolean force;

    @Option(names = {"-n", "--dry-run"}, description = "do not write anything, only report what would be done")
    boolean dryRun;

    @Option(names = "--compression", paramLabel = "auto|off|max", description = "compression of data (repository v2)")
    String compression;

    @Option(names = "--stdin", description = "read the content to back up from standard input")
    boolean stdin;

    @Option(names = "--stdin-filename", paramLabel = "FILE", description = "file name for --stdin, may hold folders (a/b.sql, /var/db.sql; default: stdin)")
    String stdinFilename;

    @Option(names = "--ignore-ctime", description = "ignore ctime changes when checking for modified files")
    boolean ignoreCtime;

    @Option(names = "--ignore-inode", description = "ignore inode number changes when checking for modified files")
    boolean ignoreInode;

    @Option(names = "--time", paramLabel = "TIME", description = "time of the backup (ex. '2012-11-01 22:08:41') (default: now)")
    String time;

    @Option(names = "--with-atime", description = "store the atime for all files and folders (default: the mtime stands in)")
    boolean withAtime;

    @Option(names = "--threads", defaultValue = "0", hidden = true)
    int threads;

    @Option(names = "--system", split = ",", paramLabel = "NAME", description = "back up these systems of the plan (repeatable)")
    List<String> systems = new ArrayList<>();

    @Option(names = "--all", description = "back up every system of the plan")
    boolean all;

    @Option(names = "--no-forget", description = "with --system/--all: do not apply the systems' retention (keep policy) after the backup")
    boolean noForget;

    @Override
    public Integer call() throws Exception {
        Context ctx = new Context(main);
        boolean lists = !filesFrom.isEmpty() || !filesFromVerbatim.isEmpty() || !filesFromRaw.isEmpty();
        if (all || !systems.isEmpty()) {
            if (!paths.isEmpty()) throw new UserException("--system/--all back up what the plan says; give no paths");
            // The plan defines what each system saves and how; an option that would be dropped is refused
            // before any hook runs, and a dry run is refused because the plan's hooks and dumps cannot be simulated.
            List<String> given = planIgnoredOptions();
            if (!given.isEmpty()) {
                throw new UserException((all ? "--all" : "--system") + " backs up what the plan defines, so "
                        + String.join(", ", given) + (given.size() == 1 ? " is" : " are") + " not allowed with it"
                        + (dryRun ? " (a dry run would still run the plan's hooks and dumps)" : "")
                        + "; set selection and snapshot options in the plan or run a plain backup");
            }
            return SystemBackupRunner.run(ctx, all ? List.of() : distinct(systems), noForget);
        }
        if (noForget) throw new UserException("--no-forget goes with --system/--all (the plan's retention); a plain backup forgets nothing");
        if (compression == null) compression = "auto";
        if (stdinFilename == null) stdinFilename = "stdin";
        if (stdin) {
            try {
                Archiver.stdinPath(stdinFilename);
            } catch (IllegalArgumentException e) {
                throw new UserException(e.getMessage());
            }
        }
        if (stdin && !paths.isEmpty()) throw new UserException("--stdin takes no paths");
        if (stdin && lists) throw new UserException("--stdin cannot be used with --files-from, --files-from-verbatim or --files-from-raw");
        if (!stdin && paths.isEmpty() && !lists) throw new UserException("nothing to back up: give at least one path (or --stdin)");
        Excludes excl = selection(ctx);
        Compression.Mode mode;
        try {
            mode = Compression.Mode.parse(compression);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
        java.time.OffsetDateTime snapshotTime = time == null ? null : parseTime(time);
        String hostname = host != null ? host : Repository.hostname();
        try (Repository repo = ctx.open(); RepositoryLock lock = ctx.lock(repo, false)) {
            repo.setCompression(mode);
            ctx.loadIndex(repo);
            List<String> absPaths = new ArrayList<>();
            for (String p : paths) absPaths.add(Targets.absolute(p));
            if (stdin) absPaths.add(Archiver.stdinPath(stdinFilename));
            absPaths.sort(null);
            Id parentId = null;
            if (!force) {
                List<Snapshot> all = repo.listSnapshots(ctx::warn);
                if (parent != null) {
                    parentId = SnapshotFilter.ALL.resolve(all, parent).id();
                } else {
                    for (Snapshot s : all) {
                        if (hostname.equals(s.hostname()) && s.paths().equals(absPaths)) parentId = s.id();
                    }
                }
            }
            if (parentId != null && !ctx.json()) ctx.info("using parent snapshot " + parentId.shortHex()); // restic prints it by default
            BackupOptions opts = new BackupOptions(paths, excl, oneFileSystem, splitTags(tags), hostname, parentId,
                    force, dryRun, stdin ? stdinFilename : null, threads, List.of(), ignoreCtime, ignoreInode,
                    snapshotTime, withAtime);
            Progress progress = new Progress();
            BackupObserver observer = observer(ctx);
            // restic's verbose_status "scan_finished" (--json -v): printed once, by the scanner or, when the
            // backup ends first, with the backup's own totals, always before the summary.
            java.util.concurrent.atomic.AtomicBoolean scanReported = new java.util.concurrent.atomic.AtomicBoolean();
            boolean reportScan = ctx.json() && ctx.global.verbosity > 0 && !stdin;
            if (reportScan) {
                progress.onScanFinished = () -> scanFinished(ctx, scanReported, progress.totalFiles, progress.totalBytes);
            }
            // The scanner walks the tree a second time only to show totals and an ETA.
            if (!stdin && ProgressLine.shown(ctx)) Scanner.startInBackground(paths, excl, progress);
            long t0 = System.nanoTime();
            BackupResult r;
            try (ProgressLine pl = ProgressLine.start(ctx, () -> ProgressLine.status(t0, progress.filesDone.sum(),
                    progress.scanFinished ? progress.totalFiles : 0, progress.bytesDone.sum(),
                    progress.scanFinished ? progress.totalBytes : 0), () -> progress.currentFile, () -> ProgressLine.statusJson(t0,
                    progress.filesDone.sum(), progress.totalFiles, progress.bytesDone.sum(), progress.totalBytes)
                    .put("error_count", progress.errors.sum()).set("current_files",
                            currentFiles(progress.currentFile)))) {
                r = new Archiver(repo, opts, progress, new org.lifeboat.backup.Warnings() {
                    @Override
                    public void warn(String path, String msg) {
                        warning(ctx, path, msg);
                    }

                    @Override
                    public void notice(String path, String msg) {
                        // Not an error (not counted, exit 0): never restic's JSON error message, which
                        // scripts count; a text line on standard error in both modes.
                        synchronized (ctx) {
                            ctx.err.println("warning: " + msg);
                        }
                    }
                }, observer, ctx.cancel()).run();
            }
            if (reportScan) {
                scanFinished(ctx, scanReported, r.summary().totalFilesProcessed(), r.summary().totalBytesProcessed());
            }
            if (ctx.json()) {
                // restic prints at least one status, also for a backup shorter than the status interval
                long files = r.summary().totalFilesProcessed(), bytes = r.summary().totalBytesProcessed();
                synchronized (ctx) {
                    ctx.printJson(ProgressLine.statusJson(t0, files, files, bytes, bytes).put("percent_done", 1.0)
                            .put("error_count", r.errors()).set("current_files", Json.MAPPER.createArrayNode()));
                }
            }
            report(ctx, r, (System.nanoTime() - t0) / 1e9);
            if (r.errors() > 0) {
                if (!ctx.json()) {
                    ctx.err.println("Warning: " + Plural.of(r.errors(), "source file") + " could not be read; the snapshot is incomplete");
                }
                return ExitCodes.PARTIAL;
            }
        }
        return ExitCodes.OK;
    }

    /** The options given that {@code --all}/{@code --system} cannot apply (the plan defines them), in help order. */
    List<String> planIgnoredOptions() {
        List<String> given = new ArrayList<>();
        if (dryRun) given.add("--dry-run");
        given.addAll(exclude.given());
        if (excludeCaches) given.add("--exclude-caches");
        if (!excludeIfPresent.isEmpty()) given.add("--exclude-if-present");
        if (excludeLargerThan != null) given.add("--exclude-larger-than");
        if (!filesFrom.isEmpty()) given.add("--files-from");
        if (!filesFromVerbatim.isEmpty()) given.add("--files-from-verbatim");
        if (!filesFromRaw.isEmpty()) given.add("--files-from-raw");
        if (oneFileSystem) given.add("--one-file-system");
        if (!tags.isEmpty()) given.add("--tag");
        if (host != null) given.add("--host");
        if (parent != null) given.add("--parent");
        if (force) given.add("--force");
        if (compression != null) given.add("--compression");
        if (stdin) given.add("--stdin");
        if (stdinFilename != null) given.add("--stdin-filename");
        if (ignoreCtime) given.add("--ignore-ctime");
        if (ignoreInode) given.add("--ignore-inode");
        if (time != null) given.add("--time");
        if (withAtime) given.add("--with-atime");
        return given;
    }

    /**
     * restic's "--exclude: invalid pattern(s) provided: [abc" (Go's path.Match syntax), for every
     * command taking patterns.
     *
     * @throws UserException naming the option and the patterns Go would refuse
     */
    static void checkPatterns(String option, List<String> patterns) {
        List<String> bad = org.lifeboat.repository.PathPatterns.invalid(patterns);
        if (!bad.isEmpty()) throw new UserException(option + ": invalid pattern(s) provided: " + String.join(", ", bad));
    }

    /**
     * One sentence naming the file that cannot be read: "cannot read exclude file: F does not exist
     * (no such file or folder)", "cannot read exclude file: F: is a directory".
     */
    static String fileProblem(String what, String file, IOException e) {
        if (e instanceof java.nio.file.FileSystemException f && f.getClass() != java.nio.file.FileSystemException.class) {
            return "cannot read " + what + ": " + Main.fileError(f);
        }
        return "cannot read " + what + ": " + file + ": " + reason(e);
    }

    /**
     * The system's reason for a failed read in restic's (Go's) words, e.g. "is a directory", "no such
     * file or directory", "permission denied"; Java's own exception texts are lower-cased, not shown raw.
     */
    static String reason(IOException e) {
        return switch (e) {
            case java.nio.file.NoSuchFileException _ -> "no such file or directory";
            case java.nio.file.AccessDeniedException _ -> "permission denied";
            case java.nio.file.FileSystemException f when f.getReason() != null && !f.getReason().isBlank() ->
                    lower(f.getReason());
            default -> e.getMessage() == null ? e.getClass().getSimpleName() : lower(e.getMessage());
        };
    }

    private static String lower(String s) {
        return s.isEmpty() ? s : Character.toLowerCase(s.charAt(0)) + s.substring(1);
    }

    /** The names in the order given, each once ({@code --system a,a} backs {@code a} up once). */
    static List<String> distinct(List<String> names) {
        return List.copyOf(new java.util.LinkedHashSet<>(names));
    }

    /**
     * The selection options: reads the exclude files and the lists of paths (which join {@link #paths}),
     * checks every target, and refuses a backup whose folder targets would be saved empty.
     */
    private Excludes selection(Context ctx) {
        ExcludeOptions.Patterns patterns = exclude.read();
        List<String> tagFiles = new ArrayList<>(excludeIfPresent);
        if (excludeCaches) tagFiles.add(Excludes.CACHEDIR_TAG);
        long limit = -1;
        try {
            if (excludeLargerThan != null) limit = Excludes.parseSize(excludeLargerThan);
        } catch (IllegalArgumentException e) {
            throw new UserException("--exclude-larger-than: " + e.getMessage());
        }
        Excludes excl;
        try {
            excl = new Excludes(patterns.caseSensitive(), patterns.caseInsensitive(), tagFiles, limit, (path, msg) -> ctx.err.println("warning: " + path + ": " + msg));
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
        if (!filesFrom.isEmpty() || !filesFromVerbatim.isEmpty() || !filesFromRaw.isEmpty()) {
            List<String> listed;
            try {
                listed = SourceLists.read(filesFrom, filesFromVerbatim, filesFromRaw, System.in,
                        (glob, msg) -> ctx.err.println("warning: " + glob + ": " + msg));
            } catch (SourceLists.ListException e) {
                throw new UserException(e.getMessage());
            } catch (java.nio.file.FileSystemException e) {
                throw new UserException(fileProblem("the list of files to back up", e.getFile(), e));
            } catch (IOException e) {
                throw new UserException("cannot read the list of files to back up: " + reason(e));
            }
            listed.addAll(paths);
            paths = listed;
            if (paths.isEmpty()) {
                throw new UserException("nothing to back up: the lists given with --files-from, --files-from-verbatim"
                        + " or --files-from-raw name no existing file, and no path was given");
            }
        }
        if (stdin) return excl;
        for (String p : paths) {
            try {
                Targets.check(p);
            } catch (java.nio.file.NoSuchFileException e) {
                throw new UserException(e.getReason());
            } catch (IOException e) {
                throw new UserException("cannot read backup target " + p + ": " + e.getMessage());
            }
        }
        try {
            Targets.checkNotAllExcluded(paths, excl);
        } catch (IOException e) {
            throw new UserException(e.getMessage());
        }
        return excl;
    }

    /** restic's {"message_type":"verbose_status","action":"scan_finished",…}, at most once per backup. */
    private static void scanFinished(Context ctx, java.util.concurrent.atomic.AtomicBoolean reported, long files, long bytes) {
        synchronized (ctx) {
            if (!reported.compareAndSet(false, true)) return;
            ctx.printJson(Json.MAPPER.createObjectNode().put("message_type", "verbose_status").put("action", "scan_finished")
                    .put("item", "").put("duration", 0.0).put("data_size", bytes).put("data_size_in_repo", 0)
                    .put("metadata_size", 0).put("metadata_size_in_repo", 0).put("total_files", files));
        }
    }

    /** restic's current_files: the file being read, none before the first. */
    private static com.fasterxml.jackson.databind.node.ArrayNode currentFiles(String current) {
        var a = Json.MAPPER.createArrayNode();
        if (current != null && !current.isEmpty()) a.add(current);
        return a;
    }

    static List<String> splitTags(List<String> tags) {
        List<String> out = new ArrayList<>();
        for (String t : tags) {
            for (String p : t.split(",")) if (!p.isBlank()) out.add(p.strip());
        }
        return out;
    }

    /**
     * restic's {@code --time} format ("2006-01-02 15:04:05", local time); RFC 3339 is accepted too.
     *
     * @throws UserException naming the value when it is neither
     */
    static java.time.OffsetDateTime parseTime(String s) {
        try {
            return java.time.LocalDateTime.parse(s.strip(), java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss"))
                    .atZone(java.time.ZoneId.systemDefault()).toOffsetDateTime();
        } catch (java.time.format.DateTimeParseException e) {
            try {
                return java.time.OffsetDateTime.parse(s.strip());
            } catch (java.time.format.DateTimeParseException e2) {
                throw new UserException("--time '" + s + "' is not a time; write it as 2024-01-02 03:04:05 (local) or in RFC 3339");
            }
        }
    }

    /**
     * A source that could not be read. Text: one "warning: " line. JSON: restic's documented
     * error message on standard error: {"message_type":"error","error":{"message":…},"during":"archival","item":…}.
     */
    static void warning(Context ctx, String path, String msg) {
        if (ctx.json()) {
            ObjectNode o = Json.MAPPER.createObjectNode().put("message_type", "error");
            o.putObject("error").put("message", msg);
            o.put("during", "archival").put("item", path);
            try {
                ctx.err.println(Json.MAPPER.writeValueAsString(o));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        } else {
            ctx.err.println("warning: " + msg);
        }
    }

    /**
     * Per-entry output, as restic's: -v in a dry run lists what would be added ("would add PATH (SIZE)"),
     * -vv lists every file and folder with its status; with --json, -v gives verbose_status messages.
     */
    private BackupObserver observer(Context ctx) {
        int v = ctx.global.verbosity;
        if (v == 0) return BackupObserver.NONE;
        if (ctx.json()) {
            return new BackupObserver() {
                @Override
                public void onFile(FileEvent e) {
                    ObjectNode o = Json.MAPPER.createObjectNode().put("message_type", "verbose_status").put("action", e.status().word())
                            .put("item", e.dir() ? e.path() + "/" : e.path()).put("duration", e.seconds()).put("data_size", e.size())
                            .put("data_size_in_repo", e.storedBytes()).put("metadata_size", 0).put("metadata_size_in_repo", 0)
                            .put("total_files", 0);
                    synchronized (ctx) {
                        ctx.printJson(o);
                    }
                }
            };
        }
        if (v >= 2) {
            return new BackupObserver() {
                @Override
                public void onFile(FileEvent e) {
                    // restic -vv: "new       /path, saved in 0.021s (3 B added)"; Lifeboat adds the file's size.
                    String action = e.status().word();
                    String line = String.format(java.util.Locale.ROOT, "%-9s %s", action, e.dir() ? e.path() + "/" : e.path())
                            + (e.dir() || e.status() == FileEvent.Status.UNCHANGED ? "" : String.format(java.util.Locale.ROOT,
                            " (%s), saved in %.3fs (%s added)", ProgressLine.bytes(e.size()), e.seconds(), ProgressLine.bytes(e.addedBytes())));
                    synchronized (ctx) {
                        ctx.out.println(line);
                    }
                }
            };
        }
        if (!dryRun) return BackupObserver.NONE;
        return new BackupObserver() {
            @Override
            public void onFile(FileEvent e) {
                if (e.dir() || e.status() == FileEvent.Status.UNCHANGED) return;
                synchronized (ctx) {
                    ctx.out.println("would add " + e.path() + " (" + ProgressLine.bytes(e.size()) + ")");
                }
            }
        };
    }

    /**
     * restic's summary message, field for field (names and types of its "Scripting" docs), plus
     * Lifeboat's own: data_added_packed even in restic 0.14's absence, errors.
     */
    static ObjectNode summaryJson(BackupResult r, double secs, boolean dryRun) {
        Snapshot.Summary s = r.summary();
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("message_type", "summary");
        o.put("dry_run", dryRun);
        o.put("files_new", s.filesNew()).put("files_changed", s.filesChanged()).put("files_unmodified", s.filesUnmodified());
        o.put("dirs_new", s.dirsNew()).put("dirs_changed", s.dirsChanged()).put("dirs_unmodified", s.dirsUnmodified());
        o.put("data_blobs", s.dataBlobs()).put("tree_blobs", s.treeBlobs());
        o.put("data_added", s.dataAdded()).put("data_added_packed", s.dataAddedPacked());
        o.put("total_files_processed", s.totalFilesProcessed()).put("total_bytes_processed", s.totalBytesProcessed());
        o.put("backup_start", org.lifeboat.repository.Times.format(s.backupStart()));
        o.put("backup_end", org.lifeboat.repository.Times.format(s.backupEnd()));
        o.put("total_duration", secs);
        if (r.snapshot() != null) o.put("snapshot_id", r.snapshot().id().hex());
        o.put("errors", r.errors());
        return o;
    }

    private void report(Context ctx, BackupResult r, double secs) {
        Snapshot.Summary s = r.summary();
        if (ctx.json()) {
            ctx.printJson(summaryJson(r, secs, dryRun));
            return;
        }
        ctx.info("");
        ctx.info(String.format(java.util.Locale.ROOT, "Files:       %5d new, %5d changed, %5d unmodified",
                s.filesNew(), s.filesChanged(), s.filesUnmodified()));
        ctx.info(String.format(java.util.Locale.ROOT, "Dirs:        %5d new, %5d changed, %5d unmodified",
                s.dirsNew(), s.dirsChanged(), s.dirsUnmodified()));
        if (dryRun) {
            ctx.info("Would add to the repository: " + ProgressLine.bytes(s.dataAdded()));
        } else {
            ctx.info("Added to the repository: " + ProgressLine.bytes(s.dataAdded()) + " ("
                    + ProgressLine.bytes(s.dataAddedPacked()) + " stored)");
        }
        ctx.info("");
        ctx.info(String.format(java.util.Locale.ROOT, "processed %d files, %s in %s", s.totalFilesProcessed(),
                ProgressLine.bytes(s.totalBytesProcessed()), ProgressLine.duration((long) secs)));
        if (r.snapshot() != null) {
            // Printed even with -q: scripts read the ID.
            ctx.out.println("snapshot " + r.snapshot().id().shortHex() + " saved");
        } else {
            ctx.info("dry run: nothing was saved");
        }
    }
}
