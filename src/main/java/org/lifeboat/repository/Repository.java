package org.lifeboat.repository;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.NoSuchFileException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.lifeboat.backend.Backend;
import org.lifeboat.backend.Cancel;
import org.lifeboat.backend.FileInfo;
import org.lifeboat.backend.FileType;
import org.lifeboat.backend.Handle;

/**
 * An open repository: the master key, config and index, blob storage in packs, and the unpacked
 * files (snapshots, index, locks). Blob saving is thread-safe; packs are written before the index
 * that names them, and the index before any snapshot that needs it.
 */
public final class Repository implements AutoCloseable {
    public static final int MAX_KEY_TRIES = 20;
    public static final int DEFAULT_PACK_SIZE = 16 * 1024 * 1024;
    /**
     * The most workers a read or upload stage starts, whatever a backend asks for
     * ({@code -o local.connections} goes up to 2^31-1): more threads and buffers than this gain
     * nothing on any store and only cost memory.
     */
    public static final int MAX_CONNECTIONS = 32;
    /** An index file is written once this many new blobs are pending, bounding loss on a crash. */
    static final int INDEX_FLUSH_BLOBS = 50_000;

    private final Backend backend;
    private final Crypto crypto;
    private final Config config;
    private final Id keyId;
    private final MasterIndex index = new MasterIndex();
    private final Set<Id> reserved = ConcurrentHashMap.newKeySet();
    private final Object packLock = new Object();
    private final Packer[] packers = new Packer[2];
    private final List<PackedBlob> unsaved = new ArrayList<>();
    private volatile Compression.Mode compression = Compression.Mode.AUTO;
    private volatile int packSize = DEFAULT_PACK_SIZE;
    private boolean indexLoaded;
    /** The index files the master index holds: loaded, or written by this repository. */
    private final java.util.Set<Id> indexFilesKnown = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** The upload stage: full packs are stored off the threads that filled them. */
    private final Uploads uploads;

    /**
     * What one {@link #saveBlob} call did: {@code stored} is false when the repository already had
     * the blob (or another thread is storing it); then both sizes are 0. {@code plainBytes} is the
     * blob's plain length, {@code packedBytes} its length in the pack (compressed and encrypted).
     * Callers add these up per operation: a repository object serves several backups in turn, so
     * it keeps no counters of its own.
     */
    public record SavedBlob(boolean stored, long plainBytes, long packedBytes) {
        /** The answer for a blob that was already there. */
        public static final SavedBlob ALREADY_THERE = new SavedBlob(false, 0, 0);
    }

    private Repository(Backend backend, Crypto crypto, Config config, Id keyId) {
        // every write of this repository (packs too) gets the config's retention, lock files never
        this.backend = RetainingBackend.wrap(backend, config.retention());
        this.crypto = crypto;
        this.config = config;
        this.keyId = keyId;
        this.uploads = new Uploads(this.backend, crypto, this::packStored, this::packDropped);
    }

    // ---------------------------------------------------------------- open / init

    /** Creates a new repository without retention; {@code polynomial} must be irreducible of degree 53. */
    public static Repository init(Backend backend, String password, int version, long polynomial) throws IOException {
        return init(backend, password, version, polynomial, null);
    }

    /**
     * Creates a new repository; {@code polynomial} must be irreducible of degree 53. With a
     * {@code retention}, the setting goes into the config and every file the repository writes
     * (this key and config first) but lock files is stored under it.
     *
     * @param retention the Object Lock setting, or null for none
     * @throws RepositoryException if a repository (or a lost one's files) is there, or the storage
     *     keeps no retention while one is asked for: then nothing is written
     */
    public static Repository init(Backend backend, String password, int version, long polynomial, Retention retention)
            throws IOException {
        if (version < Config.MIN_VERSION || version > Config.MAX_VERSION) {
            throw new RepositoryException("repository version must be 1 or 2, not " + version);
        }
        if (backend.exists(Handle.CONFIG)) {
            throw new RepositoryException("a repository already exists at " + backend.location());
        }
        refuseLostConfig(backend);
        if (retention != null) requireRetention(backend, retention);
        backend.create();
        Backend store = RetainingBackend.wrap(backend, retention);
        Crypto master = Crypto.random();
        KeyFile key = KeyFile.create(master, password, System.getProperty("user.name", ""), hostname(),
                KeyFile.DEFAULT_N, KeyFile.DEFAULT_R, KeyFile.DEFAULT_P);
        byte[] keyJson = key.toJson();
        Id keyId = Id.hash(keyJson);
        Handle keyHandle = new Handle(FileType.KEY, keyId.hex());
        store.save(keyHandle, keyJson);
        if (retention != null && backend.stat(keyHandle).retainUntil() == null) {
            // A storage that took the retention without keeping it (nothing is locked): no repository.
            backend.remove(keyHandle);
            throw new RepositoryException(noRetention(backend, retention, "it stored a file without the retention asked for"));
        }
        byte[] rid = new byte[32];
        new SecureRandom().nextBytes(rid);
        Config config = new Config(version, HexFormat.of().formatHex(rid), polynomial, retention);
        // The config is written last: a repository without it is not a repository yet.
        store.save(Handle.CONFIG, master.encrypt(config.toJson()));
        Repository r = new Repository(backend, master, config, keyId);
        r.indexLoaded = true;
        return r;
    }

    /**
     * For init with a retention: refuses a storage that keeps none, without writing anything (init
     * calls it too; a command calls it first to refuse before asking for a password). It asks to extend the
     * retention of the config file, which is not there yet. A storage that keeps retentions (S3
     * with Object Lock) says the file is missing; every other one refuses the request.
     *
     * @throws RepositoryException one sentence naming the location when it keeps no retention
     */
    public static void requireRetention(Backend backend, Retention retention) throws IOException {
        if (isS3(backend) && !backend.containerExists()) {
            // Not "keeps no retention": the bucket is missing, and init would make one without Object Lock.
            throw new RepositoryException("refusing to create a repository with " + retention + " at " + backend.location()
                    + ": the bucket does not exist; init creates a bucket only without Object Lock, which keeps no retention,"
                    + " so create the bucket with Object Lock enabled first (e.g. 'aws s3api create-bucket"
                    + " --object-lock-enabled-for-bucket'); nothing was written");
        }
        try {
            backend.retain(Handle.CONFIG, RetainingBackend.putOptions(retention).retention(),
                    java.time.Instant.now().plusSeconds(60));
        } catch (NoSuchFileException e) {
            return; // it keeps retentions; the config is just not there yet
        } catch (java.nio.file.AccessDeniedException e) {
            throw new RepositoryException(noRetention(backend, retention, null), e);
        } catch (java.io.InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            throw new RepositoryException(noRetention(backend, retention, e.getMessage()), e);
        }
        throw new RepositoryException(noRetention(backend, retention, "it claims to hold a config file that is not there"));
    }

    private static String noRetention(Backend backend, Retention retention, String why) {
        return "refusing to create a repository with " + retention + " at " + backend.location() + ": this storage keeps no retention"
                + (why == null ? "" : " (" + why + ")") + "; only an S3 bucket with Object Lock does, and nothing was written";
    }

    /** Opens a repository with a password; tries at most 20 key files as restic does. */
    public static Repository open(Backend backend, String password) throws IOException, WrongPasswordException {
        requireConfig(backend);
        List<FileInfo> keys = backend.list(FileType.KEY);
        if (keys.isEmpty()) throw new RepositoryException("repository at " + backend.location() + " has no key files");
        int tries = 0;
        // Hostile or damaged key files are skipped (the next one may open); named if none does.
        List<String> refused = new ArrayList<>();
        for (FileInfo k : keys) {
            if (++tries > MAX_KEY_TRIES) break;
            Handle kh = new Handle(FileType.KEY, k.name());
            KeyFile kf;
            Crypto master;
            try {
                kf = KeyFile.parse(loadSmall(backend, kh, KeyFile.MAX_SIZE, "it"));
                master = kf.open(password);
            } catch (CryptoException e) {
                continue;
            } catch (RepositoryException | org.lifeboat.backend.StorageError.NotAFile e) {
                refused.add("key file " + kh + " was refused: " + e.getMessage());
                continue;
            }
            byte[] cfg;
            try {
                cfg = master.decrypt(loadSmall(backend, Handle.CONFIG, Config.MAX_SIZE, "the config file"));
            } catch (CryptoException e) {
                throw new RepositoryException("the config file is damaged (its MAC does not verify)");
            }
            return new Repository(backend, master, Config.parse(cfg), Id.parse(k.name()));
        }
        if (!refused.isEmpty() && refused.size() == Math.min(MAX_KEY_TRIES, keys.size())) {
            // no key was even tried with the password: not a wrong password
            throw new RepositoryException(String.join("; ", refused));
        }
        throw new WrongPasswordException("wrong password or no key found"
                + (refused.isEmpty() ? "" : " (" + String.join("; ", refused) + ")"));
    }

    /** Loads a file that must be small (keys, config), refusing larger ones unread. */
    private static byte[] loadSmall(Backend backend, Handle h, int max, String what) throws IOException {
        long size = backend.size(h);
        if (size > max + Crypto.OVERHEAD) {
            throw new RepositoryException(what + " is " + size + " bytes, more than the " + Compression.sizeText(max)
                    + " such a file may be; refusing to read it");
        }
        return backend.load(h);
    }

    /**
     * Checks that {@code backend} holds a repository (its config file), before a password is asked for.
     *
     * @throws RepositoryNotFoundException if the config file is missing; the message says whether
     *     repository files (keys/, data/, …) are there, i.e. whether the config file was lost
     */
    public static void requireConfig(Backend backend) throws IOException {
        if (backend.exists(Handle.CONFIG)) return;
        if (!backend.containerExists()) {
            throw new RepositoryNotFoundException("there is no repository at " + backend.location()
                    + " (the " + container(backend) + " does not exist); create one with 'lifeboat init'");
        }
        List<String> found = repositoryFiles(backend);
        if (!found.isEmpty()) throw new RepositoryNotFoundException(lostConfig(backend, found, false));
        throw new RepositoryNotFoundException("there is no repository at " + backend.location()
                + " (no config file); create one with 'lifeboat init'");
    }

    /** True for an {@code s3:} location (the storage's container is a bucket). */
    private static boolean isS3(Backend backend) {
        return backend.location().startsWith("s3:");
    }

    /** What holds the repository, for messages: "bucket" for s3:, else "folder". */
    private static String container(Backend backend) {
        return isS3(backend) ? "bucket" : "folder";
    }

    /**
     * The folders among keys/, snapshots/, index/ and data/ that hold files of a repository (or
     * cannot be listed): a location without a config file but with these is a repository whose
     * config was lost, not an empty place. restic's init refuses keys and snapshots; Lifeboat
     * also counts index and pack files, which are just as much somebody's backups.
     */
    public static List<String> repositoryFiles(Backend backend) {
        List<String> found = new ArrayList<>();
        for (FileType t : new FileType[] {FileType.KEY, FileType.SNAPSHOT, FileType.INDEX, FileType.DATA}) {
            try {
                if (!backend.list(t).isEmpty()) found.add(t.folder() + "/");
            } catch (IOException e) {
                found.add(t.folder() + "/");
            }
        }
        return found;
    }

    /**
     * For init: refuses a location that holds keys, snapshots, index or pack files without a config
     * file (a repository whose config was lost); a folder with other files is fine, as with restic.
     *
     * @throws RepositoryException saying so and what to do instead
     */
    public static void refuseLostConfig(Backend backend) throws RepositoryException {
        List<String> found = repositoryFiles(backend);
        if (!found.isEmpty()) throw new RepositoryException(lostConfig(backend, found, true));
    }

    /** The message for a location whose config file is missing while {@code found} folders hold repository files. */
    static String lostConfig(Backend backend, List<String> found, boolean init) {
        String what = String.join(", ", found) + " exist";
        // Only a key: what an 'init' that crashed before writing the config leaves (it writes the config last).
        String todo = found.equals(List.of("keys/"))
                ? "if it never held backups (an 'init' that did not finish leaves this), remove the folder and run 'init' again;"
                        + " otherwise restore the config file from a copy of this repository"
                : "restore the config file from a copy of this repository (the other files are untouched)";
        if (init) {
            return "refusing to create a repository at " + backend.location() + ": its config file is missing but " + what
                    + ", so it is a repository whose config file was lost; " + todo + " instead";
        }
        return "there is no repository at " + backend.location() + " that can be opened: its config file is missing but "
                + what + "; " + todo + ", and do not run 'init' there";
    }

    /**
     * The repository's backend, for the callers not yet moved; issue 10 removes it (use the verbs
     * at the end of this class).
     */
    @Deprecated(forRemoval = true)
    public Backend backend() {
        return backend;
    }

    public Config config() {
        return config;
    }

    public Id keyId() {
        return keyId;
    }

    /**
     * The repository's master key, for the callers not yet moved; issue 10 removes it (use the verbs
     * at the end of this class).
     */
    @Deprecated(forRemoval = true)
    public Crypto crypto() {
        return crypto;
    }

    /**
     * The repository's master index, for the callers not yet moved; issue 10 removes it (use the verbs
     * at the end of this class).
     */
    @Deprecated(forRemoval = true)
    public MasterIndex index() {
        return index;
    }

    public void setCompression(Compression.Mode mode) {
        this.compression = mode;
    }

    public void setPackSize(int bytes) {
        this.packSize = bytes;
    }

    /** {@link #lock(boolean, java.util.function.Consumer)} with warnings on standard error. */
    public RepositoryLock lock(boolean exclusive) throws IOException {
        return lock(exclusive, w -> System.err.println("warning: " + w));
    }

    /**
     * Locks the repository as restic does (shared, or exclusive); damaged lock files are reported
     * to {@code warn} and ignored.
     *
     * @throws LockException if another live process holds a conflicting lock
     * @throws IOException if the lock cannot be written or the locks/ folder cannot be listed
     */
    public RepositoryLock lock(boolean exclusive, java.util.function.Consumer<String> warn) throws IOException {
        return RepositoryLock.acquire(this, exclusive, warn);
    }

    // ---------------------------------------------------------------- unpacked files

    /** Encrypts (and in v2 compresses) a JSON document and stores it under its hash. */
    public Id saveUnpacked(FileType type, byte[] json) throws IOException {
        byte[] plain;
        if (config.version() >= 2) {
            byte[] z = Compression.compress(json, 0, json.length, 3);
            plain = new byte[z.length + 1];
            plain[0] = 2;
            System.arraycopy(z, 0, plain, 1, z.length);
        } else {
            plain = json;
        }
        byte[] stored = crypto.encrypt(plain);
        Id id = Id.hash(stored);
        backend.save(new Handle(type, id.hex()), stored);
        return id;
    }

    /** Decoded snapshot files larger than this are refused, in bytes: restic's are a few KiB (paths, tags, summary). */
    static final int MAX_SNAPSHOT = 16 * 1024 * 1024;
    /** Decoded lock files larger than this are refused, in bytes: restic's are about 200 bytes. */
    static final int MAX_LOCK = 1024 * 1024;
    /**
     * Decoded index files larger than this are refused, in bytes: restic starts a new index file
     * at 50,000 blobs (150,000 in format 2), under 30 MiB of JSON, so 128 MiB leaves room for
     * other writers while keeping a zstd bomb (and the memory it takes to refuse it) finite.
     */
    static final int MAX_INDEX = 128 * 1024 * 1024;

    /** How large an unpacked file of this type may become once decoded, in bytes. */
    static int maxUnpacked(FileType type) {
        return switch (type) {
            case INDEX -> MAX_INDEX;
            case SNAPSHOT -> MAX_SNAPSHOT;
            case KEY -> KeyFile.MAX_SIZE;
            case CONFIG -> Config.MAX_SIZE;
            default -> MAX_LOCK;
        };
    }

    /**
     * Loads, authenticates and decodes an unpacked file; checks that its hash matches its name.
     * Files larger than their type allows (before or after decompression, see {@link #maxUnpacked})
     * are refused with a RepositoryException naming the file, so memory stays bounded.
     */
    public byte[] loadUnpacked(FileType type, Id id) throws IOException {
        Handle h = new Handle(type, id.hex());
        int max = maxUnpacked(type);
        // a stored file may exceed the decoded limit by zstd's worst-case growth and the IV and MAC
        long maxStored = max + max / 128L + 1024 + Crypto.OVERHEAD;
        long size = backend.size(h);
        if (size > maxStored) {
            throw new RepositoryException(h + " is " + size + " bytes, more than " + kind(type)
                    + " file may be (" + Compression.sizeText(max) + "); refusing to read it");
        }
        byte[] stored = backend.load(h);
        if (!Id.hash(stored).equals(id)) {
            throw new RepositoryException(h + " is damaged: its content does not match its name");
        }
        byte[] plain;
        try {
            plain = crypto.decrypt(stored);
        } catch (CryptoException e) {
            throw new RepositoryException(h + " is damaged: " + e.getMessage());
        }
        return decodeUnpacked(plain, h, max);
    }

    /** "a snapshot", "an index", … for messages. */
    private static String kind(FileType type) {
        String k = type.folder().replaceAll("s$", "");
        return (k.startsWith("i") ? "an " : "a ") + k;
    }

    private byte[] decodeUnpacked(byte[] plain, Handle h, int max) throws RepositoryException {
        if (plain.length == 0) return plain;
        if (plain[0] == '{' || plain[0] == '[') return plain;
        if (plain[0] == 2 && config.version() >= 2) {
            try {
                return Compression.decompressStream(plain, 1, plain.length - 1, max);
            } catch (Compression.TooLargeException e) {
                throw new RepositoryException(h + " " + e.getMessage() + ", more than " + kind(h.type())
                        + " file may be (a compression bomb?); refusing to read it");
            } catch (RepositoryException e) {
                throw new RepositoryException(h + " does not decompress: " + e.getMessage());
            }
        }
        throw new RepositoryException(h + " has an unknown encoding byte " + (plain[0] & 0xff));
    }

    /**
     * The IDs of the files of a type, each once (a pack with a second file of its name in another
     * data/ folder too), in no particular order.
     *
     * @throws IOException if the folder cannot be listed
     */
    public List<Id> list(FileType type) throws IOException {
        java.util.LinkedHashSet<Id> out = new java.util.LinkedHashSet<>();
        for (FileInfo f : backend.list(type)) out.add(Id.parse(f.name()));
        return new ArrayList<>(out);
    }

    // ---------------------------------------------------------------- snapshots & locks

    /**
     * The snapshot stored as snapshots/ID.
     *
     * @throws RepositoryException if the file is damaged (not decryptable, not a snapshot's JSON,
     *     content not matching its name) or is a folder or special file, not a file
     * @throws IOException if the storage fails to read it (missing, permission denied, gone)
     */
    public Snapshot loadSnapshot(Id id) throws IOException {
        byte[] json;
        try {
            json = loadUnpacked(FileType.SNAPSHOT, id);
        } catch (org.lifeboat.backend.StorageError.NotAFile e) {
            // a hostile layout is damage like any other: the listing goes on without it, and
            // 'repair snapshots --forget ID' removes it, but never what a folder holds
            throw new RepositoryException(e.getMessage() + (e.getMessage().contains("is a folder")
                    ? " (if it holds anything, move that out of the repository first)" : ""));
        }
        return Snapshot.parse(id, json);
    }

    public Snapshot saveSnapshot(Snapshot s) throws IOException {
        Id id = saveUnpacked(FileType.SNAPSHOT, s.toJson());
        return s.withId(id);
    }

    /**
     * All snapshots, oldest first. Unreadable ones (damaged, or a folder in place of the file)
     * are reported to {@code warn} and skipped.
     *
     * @throws IOException if snapshots/ cannot be listed, or a listed file cannot be read for a
     *     reason of the storage's (gone since the listing, permission denied, a server gone): prune
     *     must never take such a snapshot as absent
     */
    public List<Snapshot> listSnapshots(java.util.function.Consumer<String> warn) throws IOException {
        return listSnapshotsNamingUnreadable((id, message) -> warn.accept(message));
    }

    /**
     * {@link #listSnapshots(java.util.function.Consumer)}, telling {@code unreadable} the ID of each
     * snapshot file that cannot be read with the sentence that says why (check advises removing
     * exactly those).
     */
    public List<Snapshot> listSnapshotsNamingUnreadable(java.util.function.BiConsumer<Id, String> unreadable) throws IOException {
        List<Snapshot> out = new ArrayList<>();
        for (Id id : list(FileType.SNAPSHOT)) {
            try {
                out.add(loadSnapshot(id));
            } catch (RepositoryException e) {
                // a damaged file, or a folder where the file belongs: the others are still
                // listed, as restic does
                unreadable.accept(id, e.getMessage());
            }
        }
        out.sort((a, b) -> a.time().compareTo(b.time()));
        // A backup elsewhere may have saved one of these since the index was loaded; its index was
        // written first, so reading the new index files now covers every snapshot listed (restic
        // finds its snapshot before it loads the index, to the same end).
        refreshIndex();
        return out;
    }

    /** {@link #listLocks(java.util.function.Consumer)} with warnings on standard error. */
    public List<Lock> listLocks() throws IOException {
        return listLocks(w -> System.err.println("warning: " + w));
    }

    /**
     * The readable lock files. A damaged one (not decryptable with this repository's key, not
     * JSON, wrong fields, too large when decompressed, unreadable) is reported to {@code warn} and
     * skipped: whoever wrote it cannot be using this repository as restic and Lifeboat do (they
     * write sealed, well-formed locks), and one bad file must not stop every command, 'unlock'
     * included. 'unlock --remove-all' removes it. Empty files are skipped silently, as restic does
     * (some backends leave them after an interrupted upload).
     *
     * @throws IOException if the locks/ folder cannot be listed, or a lock file cannot be read for a
     *     transient reason of the storage's that outlasted the retries (a server that is gone):
     *     that is no damaged lock
     */
    public List<Lock> listLocks(java.util.function.Consumer<String> warn) throws IOException {
        List<Lock> out = new ArrayList<>();
        for (FileInfo f : backend.list(FileType.LOCK)) {
            if (f.size() == 0) continue;
            Id id = Id.parse(f.name());
            try {
                out.add(loadLock(id));
            } catch (NoSuchFileException e) {
                // released meanwhile
            } catch (org.lifeboat.backend.StorageError.Transient | java.io.InterruptedIOException e) {
                // the storage's failure (a server gone, a connection dropped through every retry),
                // not the lock file's: it ends the command instead of calling the lock damaged
                throw e;
            } catch (IOException e) {
                warn.accept(damagedLock(id, e));
            }
        }
        return out;
    }

    /** The warning for a lock file that cannot be used. */
    static String damagedLock(Id id, IOException e) {
        String why = e instanceof java.nio.file.AccessDeniedException || e instanceof org.lifeboat.backend.StorageError.Denied
                ? "cannot be read (permission denied)" : "is damaged ("
                + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")";
        return "lock file locks/" + id.hex() + " " + why + " and is ignored; if no other process uses the repository,"
                + " 'lifeboat unlock --remove-all' removes it";
    }

    /** A lock JSON is ~200 bytes; anything that decompresses beyond this is not a lock (a zstd bomb). */
    static final int MAX_LOCK_SIZE = 64 * 1024;

    /** Loads one lock file, reading at most {@link #MAX_LOCK_SIZE} bytes of it and of its decompressed content. */
    public Lock loadLock(Id id) throws IOException {
        Handle h = new Handle(FileType.LOCK, id.hex());
        if (backend.size(h) > MAX_LOCK_SIZE) throw new RepositoryException("it is larger than " + MAX_LOCK_SIZE + " bytes");
        byte[] stored = backend.load(h);
        if (!Id.hash(stored).equals(id)) throw new RepositoryException("its content does not match its name");
        byte[] plain;
        try {
            plain = crypto.decrypt(stored);
        } catch (CryptoException e) {
            throw new RepositoryException("it cannot be decrypted with this repository's key: " + e.getMessage());
        }
        if (plain.length > 0 && plain[0] == 2 && config.version() >= 2) {
            try (java.io.InputStream in = new com.github.luben.zstd.ZstdInputStream(
                    new java.io.ByteArrayInputStream(plain, 1, plain.length - 1))) {
                plain = in.readNBytes(MAX_LOCK_SIZE + 1);
            } catch (IOException e) {
                throw new RepositoryException("zstd: " + e.getMessage(), e);
            }
            if (plain.length > MAX_LOCK_SIZE) throw new RepositoryException("it decompresses to more than " + MAX_LOCK_SIZE + " bytes");
        } else if (plain.length > 0 && plain[0] != '{') {
            throw new RepositoryException("unknown encoding byte " + (plain[0] & 0xff));
        }
        return Lock.parse(id, plain);
    }

    // ---------------------------------------------------------------- keys

    public Id addKey(String password, String username, String hostname) throws IOException {
        KeyFile k = KeyFile.create(crypto, password, username, hostname, KeyFile.DEFAULT_N, KeyFile.DEFAULT_R,
                KeyFile.DEFAULT_P);
        byte[] json = k.toJson();
        Id id = Id.hash(json);
        backend.save(new Handle(FileType.KEY, id.hex()), json);
        return id;
    }

    // ---------------------------------------------------------------- index

    private final List<String> indexErrors = java.util.Collections.synchronizedList(new ArrayList<>());

    private final Set<Id> packsWithRefusedEntries = ConcurrentHashMap.newKeySet();

    /**
     * Packs for which {@link #loadIndex()} refused an index entry (an impossible location): the
     * index's view of them is incomplete, so their size cannot be judged from it.
     */
    public Set<Id> packsWithRefusedIndexEntries() {
        return Set.copyOf(packsWithRefusedEntries);
    }

    /** Index files that could not be read by {@link #loadIndex()} (their blobs are unknown). */
    public List<String> indexErrors() {
        return List.copyOf(indexErrors);
    }

    /**
     * Loads every readable index file (skipping superseded ones) into the master index; damaged
     * ones are listed in {@link #indexErrors()}. Files are added in the order of their IDs (so the
     * first copy of a blob stored twice is the same on every run), each one as soon as it is
     * parsed: memory holds the compact index plus a few files in flight, not every file's entries.
     * A file superseded by another (old restic's index rewrites) is taken out afterwards by
     * loading the others again, which only a repository with such leftovers pays.
     */
    public synchronized void loadIndex() throws IOException {
        if (indexLoaded) return;
        List<Id> ids = new ArrayList<>(list(FileType.INDEX));
        java.util.Collections.sort(ids);
        indexFilesKnown.addAll(ids);
        Map<Id, IndexFacts> facts = addIndexFiles(ids);
        java.util.Set<Id> superseded = new java.util.HashSet<>();
        for (IndexFacts f : facts.values()) superseded.addAll(f.supersedes());
        superseded.retainAll(facts.keySet());
        if (!superseded.isEmpty()) {
            index.clear();
            List<Id> keep = new ArrayList<>();
            for (Id id : facts.keySet()) if (!superseded.contains(id)) keep.add(id);
            facts = addIndexFiles(keep);
        }
        for (Map.Entry<Id, IndexFacts> e : facts.entrySet()) {
            // entries refused (impossible locations): named, the file's other entries kept
            for (String r : e.getValue().refused()) indexErrors.add("index " + e.getKey().shortHex() + ": " + r);
            packsWithRefusedEntries.addAll(e.getValue().refusedPacks());
        }
        indexLoaded = true;
    }

    /**
     * Adds the index files written since the index was loaded (by another process's backup, which
     * writes its index before its snapshot): a snapshot listed after the index was loaded then has
     * its trees in it. Call it after listing snapshots. Nothing happens before {@link #loadIndex()}.
     * Files a new one supersedes stay (old restic's index rewrites; reading is unaffected).
     *
     * @throws IOException when the index folder cannot be listed or a new file read fails to load
     *     (a damaged one is named in {@link #indexErrors()} as at loading)
     */
    public synchronized void refreshIndex() throws IOException {
        if (!indexLoaded) return;
        List<Id> fresh = new ArrayList<>();
        for (Id id : list(FileType.INDEX)) if (indexFilesKnown.add(id)) fresh.add(id);
        if (fresh.isEmpty()) return;
        java.util.Collections.sort(fresh);
        for (Map.Entry<Id, IndexFacts> e : addIndexFiles(fresh).entrySet()) {
            for (String r : e.getValue().refused()) indexErrors.add("index " + e.getKey().shortHex() + ": " + r);
            packsWithRefusedEntries.addAll(e.getValue().refusedPacks());
        }
    }

    /**
     * Reads one index file as {@link #loadUnpacked} does (size limit, hash, MAC) and parses it
     * into {@code reuse} (or a new one when null); a compressed file is parsed while it is
     * decompressed, so its JSON is never held whole (it is ~5 times the stored size).
     */
    private IndexFile.Loaded loadIndexFile(Id id, IndexFile.Loaded reuse) throws IOException {
        Handle h = new Handle(FileType.INDEX, id.hex());
        int max = maxUnpacked(FileType.INDEX);
        long maxStored = max + max / 128L + 1024 + Crypto.OVERHEAD;
        long size = backend.size(h);
        if (size > maxStored) {
            throw new RepositoryException(h + " is " + size + " bytes, more than " + kind(FileType.INDEX)
                    + " file may be (" + Compression.sizeText(max) + "); refusing to read it");
        }
        byte[] stored = backend.load(h);
        if (!Id.hash(stored).equals(id)) {
            throw new RepositoryException(h + " is damaged: its content does not match its name");
        }
        byte[] plain;
        try {
            plain = crypto.decrypt(stored);
        } catch (CryptoException e) {
            throw new RepositoryException(h + " is damaged: " + e.getMessage());
        }
        transientBytes(2L * stored.length);
        stored = null;
        IndexFile.Loaded out = reuse != null ? reuse : IndexFile.newLoaded(plain.length / 48); // ~40 bytes a blob compressed
        if (plain.length > 0 && plain[0] == 2 && config.version() >= 2) {
            Unzstd in = new Unzstd(plain, h, max);
            try {
                return IndexFile.load(in, out);
            } catch (RepositoryException e) {
                // as when the file was decompressed before parsing: a bomb or a broken zstd frame
                // is said as such, not as the JSON error the parser met first
                byte[] skip = new byte[64 * 1024];
                while (in.read(skip, 0, skip.length) > 0) {
                    // counted and checked by the stream
                }
                throw e;
            } finally {
                in.end();
            }
        }
        return IndexFile.load(new java.io.ByteArrayInputStream(decodeUnpacked(plain, h, max)), out);
    }

    /**
     * An index file's zstd payload (after its encoding byte) as a stream, refusing to produce more
     * than {@code max} bytes; its failures are RepositoryExceptions naming the file, as
     * {@link #decodeUnpacked} words them.
     */
    private static final class Unzstd extends java.io.InputStream {
        private final com.github.luben.zstd.ZstdInputStream in;
        private final Handle h;
        private final int max;
        private long produced;

        Unzstd(byte[] plain, Handle h, int max) throws RepositoryException {
            this.h = h;
            this.max = max;
            try {
                in = new com.github.luben.zstd.ZstdInputStream(new java.io.ByteArrayInputStream(plain, 1, plain.length - 1));
            } catch (IOException | RuntimeException e) {
                throw new RepositoryException(h + " does not decompress: zstd: " + e.getMessage());
            }
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) <= 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n;
            try {
                do n = in.read(b, off, len); while (n == 0 && len > 0); // the parser takes 0 for an error
            } catch (IOException | RuntimeException e) {
                throw new RepositoryException(h + " does not decompress: zstd: " + e.getMessage());
            }
            if (n > 0) {
                produced += n;
                if (produced > max) {
                    throw new RepositoryException(h + " decompresses to more than " + Compression.sizeText(max) + ", more than "
                            + kind(FileType.INDEX) + " file may be (a compression bomb?); refusing to read it");
                }
            }
            return n;
        }

        /** Left open for the caller, who may read on after the parser is done (see {@link #end}). */
        @Override
        public void close() {}

        /** Frees the decompressor. */
        void end() throws IOException {
            in.close();
        }
    }

    /** Bytes of short-lived large arrays since the last collection (see {@link #transientBytes}). */
    private static final java.util.concurrent.atomic.AtomicLong TRANSIENT = new java.util.concurrent.atomic.AtomicLong();
    /** A collection after this many bytes of them, in bytes. */
    static final long TRANSIENT_LIMIT = 16L << 20;

    /**
     * Says that {@code bytes} of large arrays were made and dropped (index files, tree blobs read
     * by a walk over millions of blobs); after every {@link #TRANSIENT_LIMIT} of them the heap is
     * collected in full. Why: the launcher's serial collector promotes whatever is live at a young
     * collection, and then grows the old generation rather than collect it, so such garbage would
     * stay and the process would grow by hundreds of bytes per blob; a full collection of a heap
     * that is mostly the compact index's few large arrays takes milliseconds.
     */
    public static void transientBytes(long bytes) {
        if (TRANSIENT.addAndGet(bytes) < TRANSIENT_LIMIT) return;
        synchronized (TRANSIENT) {
            if (TRANSIENT.get() < TRANSIENT_LIMIT) return;
            TRANSIENT.set(0);
            System.gc();
        }
    }

    /** What loading keeps of one index file besides its entries. */
    private record IndexFacts(List<Id> supersedes, List<String> refused, Set<Id> refusedPacks) {}

    /**
     * Reads and parses {@code ids} on up to four threads and adds each file's entries to the master
     * index in the order given, a bounded window of parsed files waiting for their turn.
     *
     * @return the facts of each file read, in the order given; a file that cannot be read is listed
     *     in {@link #indexErrors()} and left out
     */
    private Map<Id, IndexFacts> addIndexFiles(List<Id> ids) throws IOException {
        Map<Id, IndexFacts> facts = new java.util.LinkedHashMap<>();
        if (ids.isEmpty()) return facts;
        int threads = Math.max(1, Math.min(4, ids.size()));
        int window = threads + 1;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        // parsed files' arrays, reused once their entries are in the index: a few files' worth of
        // memory instead of garbage that the old generation would grow for
        java.util.concurrent.BlockingQueue<IndexFile.Loaded> spare = new java.util.concurrent.ArrayBlockingQueue<>(window + 1);
        try {
            List<Future<IndexFile.Loaded>> fs = new ArrayList<>(java.util.Collections.nCopies(ids.size(), null));
            for (int i = 0; i < Math.min(window, ids.size()); i++) {
                Id id = ids.get(i);
                fs.set(i, pool.submit(() -> loadIndexFile(id, spare.poll())));
            }
            for (int i = 0; i < ids.size(); i++) {
                IndexFile.Loaded f = null;
                try {
                    f = fs.get(i).get();
                } catch (java.util.concurrent.ExecutionException e) {
                    // One damaged index file must not hide the others: keep going, report it.
                    indexErrors.add("index " + ids.get(i).shortHex() + ": " + e.getCause().getMessage());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while loading the index");
                }
                fs.set(i, null);
                int next = i + window;
                if (next < ids.size()) {
                    Id id = ids.get(next);
                    fs.set(next, pool.submit(() -> loadIndexFile(id, spare.poll())));
                }
                if (f == null) continue;
                index.addLoaded(f, ids.get(i));
                facts.put(ids.get(i), new IndexFacts(List.copyOf(f.supersedes()), List.copyOf(f.refused()),
                        Set.copyOf(f.refusedPacks())));
                spare.offer(f);
            }
        } finally {
            pool.shutdownNow();
        }
        return facts;
    }

    /** Writes an index file naming the given blobs; returns its ID. */
    public Id saveIndex(List<PackedBlob> blobs, List<Id> supersedes) throws IOException {
        Id id = saveUnpacked(FileType.INDEX, new IndexFile(supersedes, blobs).toJson());
        indexFilesKnown.add(id);
        return id;
    }

    // ---------------------------------------------------------------- blobs

    /**
     * The error for a blob of {@code type} the index lacks: it says when the index holds the ID as the
     * other type (a damaged or hostile tree naming file contents as a folder, or the reverse).
     */
    public BlobNotFoundException notFound(BlobType type, Id id) {
        BlobType other = type == BlobType.TREE ? BlobType.DATA : BlobType.TREE;
        return new BlobNotFoundException(type, id, !index.lookupAll(other, id).isEmpty());
    }

    /**
     * True if the repository has the blob, or this repository object is storing it (in a pack being
     * filled or uploaded): a backup finds the blobs it stored itself before they reach the index.
     */
    public boolean hasBlob(BlobType t, Id id) {
        return indexed(t, id) || reserved.contains(reservationKey(t, id));
    }

    /**
     * Packs whose blobs this repository object no longer counts as stored when deciding what to
     * save (see {@link #distrustCopiesOf}); usually empty.
     */
    private final Set<Id> distrusted = ConcurrentHashMap.newKeySet();

    /** The index lists a copy of the blob in a pack not distrusted. */
    private boolean indexed(BlobType t, Id id) {
        if (!index.has(t, id)) return false;
        if (distrusted.isEmpty()) return true;
        for (PackedBlob pb : index.lookupAll(t, id)) if (!distrusted.contains(pb.pack())) return true;
        return false;
    }

    /**
     * Says that no copy of this blob could be read (its pack missing or damaged): the packs
     * holding its copies are no longer trusted when deciding what to save, so a later save of any
     * blob whose copies all lie in them stores it again instead of pointing a new snapshot at data
     * that cannot be read. (A backup calls it when a tree of its parent fails to load: the same
     * folder, unchanged, makes the same tree again, which must then be stored anew.) The packs
     * themselves are left as they are, for {@code check} to report.
     */
    public void distrustCopiesOf(BlobType type, Id id) {
        for (PackedBlob pb : index.lookupAll(type, id)) distrusted.add(pb.pack());
    }

    /**
     * Stores a blob unless the repository already has it or another thread is storing it, with
     * buffers allocated for this call (fine for trees and tools; workers that store many blobs use
     * their own {@link #newBlobWriter}). Thread-safe; never cancelled.
     *
     * @return what was stored
     * @throws IOException when an upload of a full pack failed (the message names the pack)
     */
    public SavedBlob saveBlob(BlobType type, Id id, byte[] plain, int off, int len) throws IOException {
        return new BlobWriter(Cancel.NEVER).save(type, id, plain, off, len);
    }

    /**
     * A blob writer for one worker, which creates it with itself and keeps it: its scratch buffers
     * (compression, encryption) are reused for every blob the worker stores. Its waits for room in
     * the upload stage end when {@code cancel} is cancelled.
     */
    public BlobWriter newBlobWriter(Cancel cancel) {
        return new BlobWriter(cancel);
    }

    /**
     * Stores blobs for one worker (not thread-safe; several writers may work at once). Blobs go
     * into the repository's shared packs; a full pack is handed to the upload stage, waiting while
     * {@code backend.connections() + 1} packs are already pending.
     */
    public final class BlobWriter {
        private final Cancel cancel;
        private byte[] compressed = new byte[0];
        private byte[] encrypted = new byte[0];

        private BlobWriter(Cancel cancel) {
            this.cancel = cancel;
        }

        /**
         * Stores {@code len} bytes at {@code off} of {@code plain} as blob {@code id} of {@code type},
         * unless the repository has it or another thread is storing it.
         *
         * @return stored or already there, with the plain and packed bytes this call added
         * @throws Cancel.Cancelled when the writer's token is cancelled
         * @throws IOException when an upload failed (naming the pack): the blob may not be stored
         */
        public SavedBlob save(BlobType type, Id id, byte[] plain, int off, int len) throws IOException {
            return save(type, id, plain, off, len, false);
        }

        /**
         * Stores the blob again although the index already lists it (once per repository object:
         * a second call for one blob is ALREADY_THERE): prune's repacking, whose new packs must
         * hold the blobs it keeps from packs about to be removed. Compressed as {@link #save} does.
         *
         * @throws IOException as {@link #save}
         */
        public SavedBlob saveAgain(BlobType type, Id id, byte[] plain, int off, int len) throws IOException {
            return save(type, id, plain, off, len, true);
        }

        /**
         * Stores a blob's stored bytes (encrypted with this repository's key, maybe compressed) as
         * they are into a new pack, once per repository object, although the index lists it: prune
         * copies blobs without decrypting, decompressing and compressing them again. The MAC is
         * checked first, so only what this key wrote unchanged is copied.
         *
         * @param from   where the blob is stored now (type, ID, length, uncompressed length)
         * @param stored its stored bytes, {@code from.length()} of them from offset 0
         * @throws RepositoryException naming the blob and pack when the MAC does not verify (nothing stored)
         * @throws IOException as {@link #save}
         */
        public SavedBlob saveStoredAgain(PackedBlob from, byte[] stored) throws IOException {
            cancel.check();
            try {
                crypto.authenticate(stored, 0, from.length());
            } catch (CryptoException e) {
                throw new RepositoryException(describe(from) + " is damaged: " + e.getMessage());
            }
            Id key = reservationKey(from.type(), from.id());
            if (!reserved.add(key)) return SavedBlob.ALREADY_THERE;
            pack(key, new Pack.Entry(from.type(), from.length(), from.uncompressedLength(), from.id()), stored);
            return new SavedBlob(true, from.plainLength(), from.length());
        }

        /**
         * Adds a reserved blob's stored bytes (the first {@code entry.length()} of {@code stored})
         * to its type's pack and hands the pack over when full; when the blob could not be added,
         * its reservation {@code key} is given back.
         */
        private void pack(Id key, Pack.Entry entry, byte[] stored) throws IOException {
            int slot = entry.type() == BlobType.DATA ? 0 : 1;
            Packer full = null;
            try {
                synchronized (packLock) {
                    if (packers[slot] == null) {
                        packers[slot] = new Packer(slot == 0 ? uploads.takeBuffer(packSize) : new byte[1 << 20]);
                    }
                    packers[slot].add(entry, stored, entry.length());
                    if (packers[slot].size() >= packSize) {
                        full = packers[slot];
                        packers[slot] = null;
                    }
                }
            } catch (RuntimeException e) {
                reserved.remove(key);
                throw e;
            }
            if (full != null) handOver(full, slot == 0, cancel);
        }

        private SavedBlob save(BlobType type, Id id, byte[] plain, int off, int len, boolean again) throws IOException {
            cancel.check();
            Id key = reservationKey(type, id);
            if ((!again && indexed(type, id)) || !reserved.add(key)) return SavedBlob.ALREADY_THERE;
            int encLen;
            boolean compress;
            try {
                compress = config.version() >= 2 && (type == BlobType.TREE || compression != Compression.Mode.OFF);
                byte[] payload = plain;
                int pOff = off;
                int pLen = len;
                if (compress) {
                    int level = type == BlobType.TREE ? Compression.TREE_LEVEL : compression.level;
                    int need = Compression.bound(len);
                    if (compressed.length < need) compressed = new byte[Math.max(need, 64 * 1024)];
                    payload = compressed;
                    pLen = Compression.compressInto(plain, off, len, payload, level);
                    pOff = 0;
                }
                if (encrypted.length < pLen + Crypto.OVERHEAD) encrypted = new byte[Math.max(pLen + Crypto.OVERHEAD, 64 * 1024)];
                encLen = crypto.encryptInto(payload, pOff, pLen, encrypted, 0);
            } catch (RuntimeException e) {
                reserved.remove(key);
                throw e;
            }
            pack(key, new Pack.Entry(type, encLen, compress ? len : 0, id), encrypted);
            return new SavedBlob(true, len, encLen);
        }
    }

    /** Hands a full pack to the upload stage; a pack it did not take gives its blobs back. */
    private void handOver(Packer p, boolean recycle, Cancel cancel) throws IOException {
        try {
            uploads.handOver(p, recycle, cancel);
        } catch (IOException | RuntimeException e) {
            packDropped(p.entries());
            throw e;
        }
    }

    /** On an uploader, once a pack is stored: its blobs join the index (and an index file every 50,000). */
    private void packStored(List<PackedBlob> written) throws IOException {
        List<PackedBlob> toIndex = null;
        synchronized (unsaved) {
            unsaved.addAll(written);
            if (unsaved.size() >= INDEX_FLUSH_BLOBS) {
                toIndex = new ArrayList<>(unsaved);
                unsaved.clear();
            }
        }
        index.addAll(written);
        if (toIndex != null) saveIndex(toIndex, List.of());
    }

    /** A pack that will never be stored: its blobs are free to be stored again by a later save. */
    private void packDropped(List<Pack.Entry> entries) {
        for (Pack.Entry e : entries) {
            if (!indexed(e.type(), e.id())) reserved.remove(reservationKey(e.type(), e.id()));
        }
    }

    private static Id reservationKey(BlobType type, Id id) {
        // Trees and data live in separate ID spaces; a tiny tweak keeps one reservation set.
        if (type == BlobType.DATA) return id;
        byte[] b = id.bytes();
        b[0] ^= 0x5a;
        b[31] ^= 0x5a;
        return Id.of(b);
    }

    /** {@link #flush(Cancel)} that cannot be cancelled. */
    public void flush() throws IOException {
        flush(Cancel.NEVER);
    }

    /**
     * Hands over every partly filled pack, waits until every pack is stored, then writes an index
     * file for all blobs not yet indexed: packs before the index that names them (a snapshot, saved
     * after this returns, comes last).
     *
     * @throws IOException the first failed upload, naming its pack (no index is written for it)
     * @throws Cancel.Cancelled when {@code cancel} is cancelled while waiting
     */
    public void flush(Cancel cancel) throws IOException {
        Packer[] pending;
        synchronized (packLock) {
            pending = packers.clone();
            packers[0] = null;
            packers[1] = null;
        }
        for (int i = 0; i < pending.length; i++) {
            Packer p = pending[i];
            if (p == null || p.count() == 0) continue;
            try {
                handOver(p, i == 0, cancel);
            } catch (IOException | RuntimeException e) {
                for (int j = i + 1; j < pending.length; j++) if (pending[j] != null) packDropped(pending[j].entries());
                // an earlier upload's failure, now reported: the stage is reset for later saves
                if (!(e instanceof Cancel.Cancelled)) uploads.settle();
                throw e;
            }
        }
        uploads.awaitStored(cancel);
        List<PackedBlob> toIndex;
        synchronized (unsaved) {
            toIndex = new ArrayList<>(unsaved);
            unsaved.clear();
        }
        if (!toIndex.isEmpty()) saveIndex(toIndex, List.of());
    }

    /**
     * Waits, not cancellable, until no pack upload runs (each one stored or dropped), and forgets
     * an upload failure: for the end of a failed or cancelled operation, so nothing is written to
     * the repository after it returns (its caller then removes the lock). Packs still being
     * filled are kept for a later {@link #flush}.
     */
    public void settleUploads() {
        uploads.settle();
    }

    /** Packs handed to the upload stage so far (tests, monitoring). */
    long packsHandedOver() {
        return uploads.handedOver();
    }

    /** The most packs that were handed over and not yet stored at once (tests: the memory bound). */
    int maxPacksPending() {
        return uploads.maxPending();
    }

    /** Threads waiting for room in the upload stage (tests: chunking is held back by the bound). */
    int threadsWaitingForUploads() {
        return uploads.waiting();
    }

    /** How many packs may be pending at once: {@code backend.connections() + 1}. */
    int maxPacksInFlight() {
        return uploads.maxPacks();
    }

    /**
     * Loads, decrypts, decompresses and verifies a blob, trying every copy the index lists.
     *
     * @throws BlobNotFoundException if the index lists no copy
     * @throws RepositoryException if no copy can be read or verified: the message names the blob
     *     and what is wrong with each copy's pack (missing, damaged, too short, not a file)
     * @throws StorageError.Transient if the storage keeps failing (after the retry layer's attempts)
     * @throws java.io.InterruptedIOException if interrupted or cancelled
     */
    public byte[] loadBlob(BlobType type, Id id) throws IOException {
        List<PackedBlob> copies = index.lookupAll(type, id);
        if (copies.isEmpty()) throw notFound(type, id);
        List<RepositoryException> errors = new ArrayList<>();
        for (PackedBlob pb : copies) {
            try {
                String problem = PackedBlob.problem(pb.type(), pb.offset(), pb.length(), pb.uncompressedLength());
                if (problem != null) throw new RepositoryException(describe(pb) + " " + problem + indexSource(pb));
                byte[] stored = backend.load(new Handle(FileType.DATA, pb.pack().hex()), pb.offset(), pb.length());
                return decodeBlob(pb, stored, 0);
            } catch (java.io.EOFException e) {
                errors.add(new RepositoryException(describe(pb) + " is said to lie at bytes " + pb.offset() + "–"
                        + (pb.offset() + pb.length()) + ", past the pack's end" + indexSource(pb), e));
            } catch (RepositoryException e) {
                errors.add(e);
            } catch (java.io.InterruptedIOException | org.lifeboat.backend.StorageError.Transient e) {
                throw e; // the job stops, or the storage is down: no other copy would do better
            } catch (IOException e) {
                // missing pack, a folder where the pack should be, permission denied: this copy only
                errors.add(new RepositoryException(describe(pb) + ": " + e.getMessage(), e));
            }
        }
        if (errors.size() == 1) throw errors.getFirst();
        StringBuilder all = new StringBuilder("no copy of " + type.json() + " blob " + id.shortHex() + " could be read ("
                + errors.size() + " copies): ");
        for (int i = 0; i < errors.size(); i++) all.append(i == 0 ? "" : "; ").append(errors.get(i).getMessage());
        throw new RepositoryException(all.toString(), errors.getFirst());
    }

    private static String describe(PackedBlob pb) {
        return pb.type().json() + " blob " + pb.id().shortHex() + " in pack " + pb.pack().shortHex();
    }

    /** "(listed in index file …)" for messages about a location, when the index file is known. */
    private String indexSource(PackedBlob pb) {
        Id src = index.sourceOf(pb.pack());
        return src == null ? "" : " (as listed in index file " + new Handle(FileType.INDEX, src.hex()) + ")";
    }

    /**
     * Decodes a blob's stored bytes (at {@code off} in {@code buf}) and checks its hash.
     * RepositoryException when the location is impossible (see {@link PackedBlob#problem}), the
     * MAC does not verify, it does not decompress to its stated length, or its hash differs.
     */
    public byte[] decodeBlob(PackedBlob pb, byte[] buf, int off) throws RepositoryException {
        return decodeBlob(pb, buf, off, buf.length);
    }

    /**
     * As {@link #decodeBlob(PackedBlob, byte[], int)} for a buffer whose valid bytes end at
     * {@code end} (exclusive): a worker's reused read buffer is larger than the range it holds.
     */
    public byte[] decodeBlob(PackedBlob pb, byte[] buf, int off, int end) throws RepositoryException {
        String problem = PackedBlob.problem(pb.type(), pb.offset(), pb.length(), pb.uncompressedLength());
        if (problem != null) throw new RepositoryException(describe(pb) + " " + problem + indexSource(pb));
        if (off < 0 || (long) off + pb.length() > Math.min(end, buf.length)) {
            throw new RepositoryException(describe(pb) + " lies past the pack's end" + indexSource(pb));
        }
        byte[] plain;
        try {
            plain = crypto.decrypt(buf, off, pb.length());
        } catch (CryptoException e) {
            throw new RepositoryException(pb.type().json() + " blob " + pb.id().shortHex() + " in pack "
                    + pb.pack().shortHex() + " is damaged: " + e.getMessage());
        }
        if (pb.compressed()) {
            try {
                plain = Compression.decompress(plain, 0, plain.length, pb.uncompressedLength());
            } catch (RepositoryException e) {
                throw new RepositoryException(pb.type().json() + " blob " + pb.id().shortHex() + " in pack "
                        + pb.pack().shortHex() + " does not decompress: " + e.getMessage());
            }
        }
        if (!Id.hash(plain).equals(pb.id())) {
            throw new RepositoryException(pb.type().json() + " blob " + pb.id().shortHex() + " in pack "
                    + pb.pack().shortHex() + " is damaged: its content does not match its ID");
        }
        return plain;
    }

    /** Reads and decrypts a pack's header. */
    public List<Pack.Entry> loadPackHeader(Id pack) throws IOException {
        Handle h = new Handle(FileType.DATA, pack.hex());
        long size = backend.size(h);
        if (size < 4 + Crypto.OVERHEAD) throw new RepositoryException("pack " + pack.shortHex() + " is too short (" + size + " bytes)");
        int hlen = Pack.readInt(backend.load(h, size - 4, 4), 0);
        if (hlen < Crypto.OVERHEAD || hlen > Pack.MAX_HEADER_SIZE || hlen > size - 4) {
            throw new RepositoryException("pack " + pack.shortHex() + " has " + invalidHeaderLength(hlen, size));
        }
        return decodePackHeader(pack, backend.load(h, size - 4 - hlen, hlen));
    }

    /**
     * The entries of a pack's encrypted header (restic's design doc, "Pack Format").
     *
     * @throws RepositoryException naming the pack ("pack 1a2b3c4d header is damaged: …", "pack
     *     1a2b3c4d: pack header is truncated") if the header does not decrypt or decode
     */
    public List<Pack.Entry> decodePackHeader(Id pack, byte[] encHeader) throws RepositoryException {
        byte[] plain;
        try {
            plain = crypto.decrypt(encHeader);
        } catch (CryptoException e) {
            throw new RepositoryException("pack " + pack.shortHex() + " header is damaged: " + e.getMessage());
        }
        try {
            return Pack.decodeHeader(plain);
        } catch (RepositoryException e) {
            throw new RepositoryException("pack " + pack.shortHex() + ": " + e.getMessage());
        }
    }

    /** "an invalid header length 3044789135 (the pack is 3000 bytes)": the length as the unsigned uint32 it is stored as. */
    public static String invalidHeaderLength(int hlen, long packSize) {
        return "an invalid header length " + Integer.toUnsignedString(hlen) + " (the pack is " + Plural.of(packSize, "byte") + ")";
    }

    // ---------------------------------------------------------------- misc

    public static String hostname() {
        String h = System.getenv("HOSTNAME");
        if (h != null && !h.isBlank()) return h;
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    static long uid() {
        return org.lifeboat.fs.Posix.processUid();
    }

    static long gid() {
        return org.lifeboat.fs.Posix.processGid();
    }

    @Override
    public void close() throws IOException {
        uploads.settle();
        uploads.close();
        backend.close();
    }

    // ---------------------------------------------------------------- the door (issue 10)
    // Verbs for callers outside this package, so that none of them reaches past the repository
    // into its backend, key or index: storage, packs and crypto stay behind this class.

    /** The kinds of stored file a caller may name by ID (the config has no ID: see {@link #config()}). */
    public enum FileKind {
        KEY(FileType.KEY),
        LOCK(FileType.LOCK),
        INDEX(FileType.INDEX),
        SNAPSHOT(FileType.SNAPSHOT),
        PACK(FileType.DATA);

        private final FileType type;

        FileKind(FileType type) {
            this.type = type;
        }

        /** restic's folder name for these files: "keys", "locks", "index", "snapshots", "data". */
        public String folder() {
            return type.folder();
        }
    }

    /** A pack file as stored: its ID (its name) and its size in bytes. */
    public record PackFile(Id id, long size) {}

    /**
     * One key file, as {@code key list} shows it: its ID, whether this repository was opened with
     * it, and the user, host and creation time (RFC 3339 text, as stored; may be null) it names.
     */
    public record KeyInfo(Id id, boolean current, String username, String hostname, String created) {}

    /**
     * What a set of blobs takes in the repository (restic's {@code stats --mode raw-data}), in
     * bytes. {@code storedBytes}: their stored (encrypted, maybe compressed) lengths;
     * {@code uncompressedBytes}: what they would take stored without compression (0 in a version
     * 1 repository, which has none); {@code compressedStoredBytes} and
     * {@code compressedUncompressedBytes}: the same two sums over the compressed blobs only.
     */
    public record StoredSizes(long blobs, long storedBytes, long uncompressedBytes, long compressedStoredBytes,
                              long compressedUncompressedBytes) {}

    /** Largest pack file {@link #loadFile} reads into memory, in bytes: restic's packs are at most 128 MiB plus one blob. */
    static final long MAX_PACK_FILE = 256L * 1024 * 1024;

    /**
     * Whether {@code backend} holds a repository (a config file), for init: without reading it
     * or asking for a password.
     *
     * @throws IOException if that cannot be told (e.g. the location cannot be read)
     */
    public static boolean existsAt(Backend backend) throws IOException {
        return backend.exists(Handle.CONFIG);
    }

    /**
     * The config file as stored (encrypted with the master key), for a copy kept while it is
     * replaced ({@code migrate upgrade_repo_v2}).
     *
     * @throws IOException if it cannot be read
     */
    public byte[] storedConfig() throws IOException {
        return backend.load(Handle.CONFIG);
    }

    /** How {@link #replaceConfig} failed: what the repository holds afterwards. */
    public enum ConfigReplaceFailure {
        /** the old config could not be removed: nothing changed */
        NOT_REMOVED,
        /** the new config could not be written; the old one was written back: nothing changed */
        RESTORED,
        /** neither the new nor the old config could be written: the repository has no config */
        LOST
    }

    /** {@link #replaceConfig} failed; {@link #failure()} says what the repository holds now. */
    public static final class ConfigReplaceException extends IOException {
        private final ConfigReplaceFailure failure;

        ConfigReplaceException(ConfigReplaceFailure failure, String message, Throwable cause) {
            super(message, cause);
            this.failure = failure;
        }

        public ConfigReplaceFailure failure() {
            return failure;
        }
    }

    /**
     * Replaces the config file with {@code plainJson} (restic's config JSON, e.g. version 2 for
     * restic's upgrade_repo_v2 migration), encrypted with the master key and not compressed (restic
     * never compresses the config). Storage writes a file once, so the old one is removed first;
     * when the new one cannot be written, {@code oldStored} (from {@link #storedConfig}) is written
     * back. The caller holds an exclusive lock, keeps its own copy of {@code oldStored}, and opens
     * the repository again to use the new config.
     *
     * @throws ConfigReplaceException naming the failed step and what the repository holds now
     */
    public void replaceConfig(byte[] plainJson, byte[] oldStored) throws IOException {
        Config.parse(plainJson); // never store a config this code could not read back
        byte[] stored = crypto.encrypt(plainJson);
        try {
            backend.remove(Handle.CONFIG);
        } catch (IOException e) {
            throw new ConfigReplaceException(ConfigReplaceFailure.NOT_REMOVED,
                    "cannot remove the old config file (" + e.getMessage() + ")", e);
        }
        try {
            backend.save(Handle.CONFIG, stored);
        } catch (IOException e) {
            try {
                try {
                    backend.remove(Handle.CONFIG);
                } catch (IOException ignored) {
                    // a partial file may not be there; the save below says whether the place is free
                }
                backend.save(Handle.CONFIG, oldStored);
            } catch (IOException again) {
                throw new ConfigReplaceException(ConfigReplaceFailure.LOST, "cannot write the new config file ("
                        + e.getMessage() + "); writing the old config file back failed too (" + again.getMessage() + ")", e);
            }
            throw new ConfigReplaceException(ConfigReplaceFailure.RESTORED, "cannot write the new config file ("
                    + e.getMessage() + "); the old config file was written back, so the repository is as it was", e);
        }
    }

    /** The storage as this repository writes to it (retention applied), for this package's helpers. */
    Backend storage() {
        return backend;
    }

    /** A human-readable location of the repository (its folder or URL), for messages. */
    public String location() {
        return backend.location();
    }

    /**
     * The IDs of the stored files of one kind, in no particular order; names that are not IDs are
     * not listed (as restic).
     *
     * @throws IOException if the folder cannot be listed (it is a file, a broken link, unreadable)
     */
    public List<Id> listFiles(FileKind kind) throws IOException {
        return list(kind.type);
    }

    /**
     * The pack files in data/ with their sizes in bytes, in no particular order.
     *
     * @throws IOException if data/ cannot be listed
     */
    public List<PackFile> listPacks() throws IOException {
        return listPacks(s -> { });
    }

    /**
     * A file in data/ with a pack's name that cannot be read as that pack: it lies outside the
     * folder its name places it in (data/00/f3… rather than data/f3/f3…), or it is not a file
     * (a folder).
     *
     * @param id   the pack's ID (its name)
     * @param path where it is, relative to the repository (data/00/f3…)
     * @param file false when it is not a regular file (a folder)
     * @param homeTaken    true when something that is not a file (a folder) is where the pack belongs
     * @param filesOutside how many files with this pack's name lie outside its folder (this one among them)
     */
    public record StrayPack(Id id, String path, boolean file, boolean homeTaken, int filesOutside) {

        /** Where the repository reads this pack from: data/f3/f3…. */
        public String home() {
            return "data/" + id.hex().substring(0, 2) + "/" + id.hex();
        }

        /**
         * How to put a file outside its folder back, as one phrase: "move it back to data/f3/f3…",
         * or, when one move would go wrong (a folder in its place would take the pack inside it;
         * a second file moved there would replace the first), what to do move by move.
         */
        public String moveBack() {
            String clear = homeTaken ? "move " + home() + " (a folder or other entry, not the pack) out of the repository, then " : "";
            if (filesOutside > 1) {
                return clear + "move the one of the " + filesOutside + " files named " + id.shortHex() + "… outside " + home().substring(0, 8)
                        + " for which 'sha256sum FILE' prints " + id.hex() + " to " + home() + " and the others out of the repository"
                        + " (if none does, any one: keep the others, they may hold blobs it lost)";
            }
            return clear + (homeTaken ? "move it to " : "move it back to ") + home();
        }

        /**
         * What to do with a second file of a damaged pack that is not an intact copy: it may still
         * hold blobs the pack lost, so it is kept aside and brought back once the pack is repaired
         * (repair index then indexes what it holds, and the next check's repair packs salvages it).
         */
        public static String damagedCopy(Id pack) {
            return "otherwise move it out of the repository (keep it: it may hold blobs the pack lost), run 'lifeboat repair"
                    + " packs " + pack.hex() + "', and if that reports blobs lost, move it to data/" + pack.hex().substring(0, 2) + "/"
                    + pack.hex() + " and run 'lifeboat repair index': the next check names what it can still salvage";
        }

        /** One phrase saying what is wrong: "is at data/00/f3…, outside its folder data/f3/" or "is a folder, not a file". */
        public String problem() {
            if (!file) return path + " is a folder (or another kind of entry), not a pack file";
            return "pack " + id.shortHex() + " is at " + path + ", outside its folder data/" + id.hex().substring(0, 2)
                    + "/ where the repository reads it";
        }
    }

    /**
     * The pack files in data/ that can be read by their name, with their sizes in bytes, in no
     * particular order; every other file with a pack's name (see {@link StrayPack}) goes to
     * {@code strays} instead (not listed here: loading it by name would fail).
     *
     * @throws IOException if data/ cannot be listed
     */
    public List<PackFile> listPacks(java.util.function.Consumer<StrayPack> strays) throws IOException {
        List<PackFile> out = new ArrayList<>();
        List<FileInfo> all = backend.list(FileType.DATA);
        Set<String> homeTaken = new HashSet<>();
        Map<String, Integer> outside = new HashMap<>();
        for (FileInfo f : all) {
            if (!f.misplaced() && !f.file()) homeTaken.add(f.name());
            if (f.misplaced() && f.file()) outside.merge(f.name(), 1, Integer::sum);
        }
        for (FileInfo f : all) {
            Id id = Id.parse(f.name());
            if (!f.file() || f.misplaced()) {
                strays.accept(new StrayPack(id, f.misplaced() ? f.foundAt() : "data/" + f.name().substring(0, 2) + "/" + f.name(),
                        f.file(), homeTaken.contains(f.name()), outside.getOrDefault(f.name(), 0)));
                continue;
            }
            out.add(new PackFile(id, f.size()));
        }
        return out;
    }

    /**
     * A stored file as {@code restic cat} shows it: for a snapshot, index or lock its decrypted
     * and decompressed JSON (checked against its name, bounded as {@link #loadUnpacked}); for a
     * key its JSON as stored (key files are not encrypted); for a pack its bytes as stored.
     *
     * @throws java.nio.file.NoSuchFileException if there is no such file
     * @throws RepositoryException naming the file when it is damaged, or larger than its kind may
     *     be (a key over {@link KeyFile#MAX_SIZE}, a pack over 256 MiB): such files are not read
     * @throws IOException if it cannot be read
     */
    public byte[] loadFile(FileKind kind, Id id) throws IOException {
        Handle h = new Handle(kind.type, id.hex());
        return switch (kind) {
            case SNAPSHOT, INDEX, LOCK -> loadUnpacked(kind.type, id);
            case KEY, PACK -> {
                long size = backend.size(h);
                long max = kind == FileKind.KEY ? KeyFile.MAX_SIZE : MAX_PACK_FILE;
                if (size > max) {
                    throw new RepositoryException(h + " is " + size + " bytes, more than a "
                            + (kind == FileKind.KEY ? "key" : "pack") + " file may be; refusing to read it");
                }
                yield backend.load(h);
            }
        };
    }

    /**
     * The decrypted master key as restic's {@code cat masterkey} prints it (Go's indented JSON:
     * "mac" with "k" and "r", and "encrypt", base64). Whoever can open the repository can read it.
     */
    public String masterKeyJson() {
        return crypto.masterKeyJson();
    }

    /**
     * Every key file that can be read, parsed, in the order listed (no particular order); each
     * other one (damaged, larger than a key file may be, not a file) goes to {@code unreadable} as
     * one sentence naming it, as restic's {@code key list} warns and goes on.
     *
     * @throws IOException if keys/ cannot be listed or a key file cannot be read
     */
    public List<KeyInfo> listKeys(java.util.function.Consumer<String> unreadable) throws IOException {
        List<KeyInfo> out = new ArrayList<>();
        for (Id id : list(FileType.KEY)) {
            Handle h = new Handle(FileType.KEY, id.hex());
            KeyFile k;
            try {
                k = KeyFile.parse(loadSmall(backend, h, KeyFile.MAX_SIZE, "key file " + h));
            } catch (RepositoryException | org.lifeboat.backend.StorageError.NotAFile e) {
                // the parser says what is wrong ("it is not a JSON object"); this says which file
                unreadable.accept(e.getMessage().startsWith("key file ") ? e.getMessage() : "key file " + h + ": " + e.getMessage());
                continue;
            }
            out.add(new KeyInfo(id, id.equals(keyId), k.username(), k.hostname(), k.created()));
        }
        return out;
    }

    /**
     * Removes a key file (a password stops opening the repository). A key that is not there is
     * not an error. The caller holds an exclusive lock.
     *
     * @throws RepositoryException if it is the key this repository was opened with (see
     *     {@link #changePassword} to replace that one)
     * @throws IOException if it cannot be removed
     */
    public void removeKey(Id id) throws IOException {
        if (id.equals(keyId)) throw new RepositoryException("refusing to remove the key currently in use (" + id.shortHex() + ")");
        remove(new Handle(FileType.KEY, id.hex()), "");
    }

    /**
     * Replaces the key this repository was opened with: writes a new key file for {@code password}
     * (naming {@code username} and {@code hostname}), then removes the old one, so that a failure
     * leaves at least one key that opens it. Returns the new key's ID; {@link #keyId()} still names
     * the old one. The caller holds an exclusive lock.
     *
     * @throws IOException if the new key cannot be written (the old one is kept) or the old one
     *     cannot be removed (both then open the repository)
     */
    public Id changePassword(String password, String username, String hostname) throws IOException {
        Id id = addKey(password, username, hostname);
        remove(new Handle(FileType.KEY, keyId.hex()), "; the new key " + id.shortHex()
                + " was saved, so both the old and the new password open the repository until then");
        return id;
    }

    /**
     * Removes the entry locks/{@code id}, without reading it (so a damaged lock goes too). A link
     * is removed itself, never its target; a lock that is gone already is not an error.
     *
     * @throws java.nio.file.DirectoryNotEmptyException if the entry is a folder that is not empty
     *     (nothing in it is removed)
     * @throws IOException if it cannot be removed (e.g. permission denied)
     */
    public void removeLock(Id id) throws IOException {
        remove(new Handle(FileType.LOCK, id.hex()), "");
    }

    // ---------------------------------------------------------------- retention (S3 Object Lock)

    /** The repository's retention setting (from its config), or null when it has none. */
    public Retention retention() {
        return config.retention();
    }

    /**
     * Until when the storage keeps this file from being removed or overwritten (its Object Lock
     * retention): for prune and forget, which must leave such files alone. One request.
     *
     * @return the end of the retention as the storage keeps it (a time already past when it ended;
     *     the storage's clock decides), or null when it keeps none for the file
     * @throws java.nio.file.NoSuchFileException if there is no such file
     * @throws IOException if it cannot be asked
     */
    public java.time.Instant lockedUntil(FileKind kind, Id id) throws IOException {
        return lockedUntil(new Handle(kind.type, id.hex()));
    }

    /** {@link #lockedUntil(FileKind, Id)} for the config file. */
    public java.time.Instant configLockedUntil() throws IOException {
        return lockedUntil(Handle.CONFIG);
    }

    private java.time.Instant lockedUntil(Handle h) throws IOException {
        return backend.stat(h).retainUntil();
    }

    /**
     * Removes a stored file (forget's snapshots, prune's packs and index files); one that is not
     * there is not an error. The caller holds the lock the operation needs.
     *
     * @throws RetainedException if the storage keeps the file under retention: it names the file
     *     and until when, and nothing was removed
     * @throws IOException if it cannot be removed for another reason
     */
    public void removeFile(FileKind kind, Id id) throws IOException {
        remove(new Handle(kind.type, id.hex()), "");
    }

    /**
     * Fails when the storage refuses every removal of files of this kind (an append-only REST
     * server), so a command that writes first and removes after stops before it writes; changes nothing.
     *
     * @throws java.nio.file.AccessDeniedException naming the kind's folder and why
     */
    public void checkRemovals(FileKind kind) throws IOException {
        backend.checkRemovals(kind.type);
    }

    /** A remove whose refusal by a retention is said as such ({@code more} ends the sentence). */
    private void remove(Handle h, String more) throws IOException {
        try {
            backend.remove(h);
        } catch (java.nio.file.AccessDeniedException e) {
            java.time.Instant until;
            try {
                until = lockedUntil(h);
            } catch (IOException statFailed) {
                throw e;
            }
            if (until == null) throw e;
            throw new RetainedException(h.toString(), until, location(), more);
        }
    }

    /**
     * Where the index places a blob (pack, offset, stored and uncompressed length; its plaintext
     * size is {@link PackedBlob#plainLength()}): the first copy when it is stored more than once;
     * empty when the index does not know it. Knows only what {@link #loadIndex()} loaded and this
     * session wrote.
     */
    public java.util.Optional<PackedBlob> findBlob(BlobType type, Id id) {
        return java.util.Optional.ofNullable(index.lookup(type, id));
    }

    /** Every copy of a blob the index knows (usually one, none when unknown), first copy first. See {@link #findBlob}. */
    public List<PackedBlob> findBlobCopies(BlobType type, Id id) {
        return index.lookupAll(type, id);
    }

    /** The packs the loaded index names (a new set; whether the files exist is not checked). */
    public Set<Id> indexedPacks() {
        return index.packs();
    }

    /**
     * Pack ID → the blobs the loaded index places in it (duplicates included), ordered by offset:
     * a new map, built over the whole index (so callers build it once).
     */
    public Map<Id, List<PackedBlob>> blobsByPack() {
        return index.byPack();
    }

    /** Every blob of one type the loaded index knows (duplicates included), in no set order: a new list. */
    public List<PackedBlob> indexedBlobs(BlobType type) {
        List<PackedBlob> out = new ArrayList<>();
        for (PackedBlob b : index.blobs(type)) out.add(b);
        return out;
    }

    /**
     * A blob's number in the loaded index (0 to {@link #indexedBlobCount}−1 per type; every copy
     * of a blob shares it), or -1 when the index does not know it: for marks kept in plain arrays,
     * a bit or a byte per blob, instead of sets of IDs.
     */
    public int indexedBlobNumber(BlobType type, Id id) {
        return index.number(type, id);
    }

    /**
     * The first copy of the blob numbered {@code number} (see {@link #indexedBlobNumber}).
     *
     * @throws IndexOutOfBoundsException when no blob of this type has that number
     */
    public PackedBlob indexedBlob(BlobType type, int number) {
        return index.entry(type, number);
    }

    /** How many distinct blobs of this type the loaded index knows (see {@link #indexedBlobNumber}). */
    public int indexedBlobCount(BlobType type) {
        return index.count(type);
    }

    /**
     * Visits every entry of the loaded index (and of the packs this object wrote), each copy of a
     * blob once, with the blob's number ({@link #indexedBlobNumber}); one entry made at a time.
     */
    public void forEachIndexEntry(MasterIndex.EntryVisitor visitor) {
        index.forEachEntry(visitor);
    }

    /**
     * {@link #forEachIndexEntry(MasterIndex.EntryVisitor)} for the entries in {@code packs} only;
     * entries elsewhere cost no object, so a pass for a batch of packs is cheap.
     */
    public void forEachIndexEntry(Set<Id> packs, MasterIndex.EntryVisitor visitor) {
        index.forEachEntry(packs, visitor);
    }

    /**
     * The packs one index file names (read and parsed now; superseded or not): prune keeps every
     * pack that an index file it could not remove still names.
     *
     * @throws RepositoryException when the file is damaged
     * @throws IOException when it cannot be read
     */
    public Set<Id> packsNamedBy(Id indexFile) throws IOException {
        IndexFile f = IndexFile.parse(loadUnpacked(FileType.INDEX, indexFile));
        Set<Id> out = new java.util.HashSet<>(f.refusedPacks());
        for (PackedBlob b : f.blobs()) out.add(b.pack());
        return out;
    }

    /** The target size of the packs this object writes, in bytes (see {@link #setPackSize}). */
    public int packSize() {
        return packSize;
    }

    /**
     * What these blobs take in the repository (restic's {@code stats --mode raw-data}); each blob
     * is looked up as a data blob, then as a tree blob; blobs the index does not know are left
     * out (not counted). See {@link StoredSizes}.
     */
    public StoredSizes storedSizes(java.util.Collection<Id> blobs) {
        long count = 0;
        long size = 0;
        long uncompressed = 0;
        long compressedSize = 0;
        long compressedUncompressed = 0;
        for (Id id : blobs) {
            PackedBlob pb = index.lookup(BlobType.DATA, id);
            if (pb == null) pb = index.lookup(BlobType.TREE, id);
            if (pb == null) continue;
            count++;
            size += pb.length();
            // restic's "uncompressed": what the blob would be stored as uncompressed (plaintext + IV and MAC)
            long unc = pb.compressed() ? pb.uncompressedLength() + (long) Crypto.OVERHEAD : pb.length();
            if (config.version() >= 2) uncompressed += unc;
            if (pb.compressed()) {
                compressedSize += pb.length();
                compressedUncompressed += unc;
            }
        }
        return new StoredSizes(count, size, uncompressed, compressedSize, compressedUncompressed);
    }

    /**
     * The packs holding a tree (the root itself, every subtree and every file's data blobs), as
     * the loaded index places them; blobs it does not know are skipped. Each distinct tree is read
     * once; trees are taken as stored (no {@link org.lifeboat.repository.tree.TreeRules} check).
     *
     * @throws RepositoryException naming the folder when a tree cannot be read, or
     *     {@link org.lifeboat.repository.tree.TreeWalker.TooDeepException} below
     *     {@link org.lifeboat.repository.tree.TreeRules#MAX_DEPTH} folders
     * @throws IOException if a tree cannot be loaded
     */
    public Set<Id> packsOfTree(Id root) throws IOException {
        Set<Id> packs = new java.util.HashSet<>();
        Set<Id> seen = new java.util.HashSet<>();
        PackedBlob rb = index.lookup(BlobType.TREE, root);
        if (rb != null) packs.add(rb.pack());
        seen.add(root);
        org.lifeboat.repository.tree.TreeWalker.walk(this, root, "", (path, n) -> {
            if (n.type() == org.lifeboat.repository.tree.NodeType.FILE && n.content() != null) {
                for (Id c : n.content()) {
                    PackedBlob pb = index.lookup(BlobType.DATA, c);
                    if (pb != null) packs.add(pb.pack());
                }
            }
            if (n.type() == org.lifeboat.repository.tree.NodeType.DIR && n.subtree() != null) {
                PackedBlob pb = index.lookup(BlobType.TREE, n.subtree());
                if (pb != null) packs.add(pb.pack());
                return seen.add(n.subtree());
            }
            return true;
        });
        return packs;
    }

    // ---------------------------------------------------------------- pack-by-pack reads

    /**
     * Wanted blobs of one pack further apart than this (in bytes) are read with two requests
     * instead of one covering both: as restic's streamPack, skipping 4 MiB costs about what a
     * new request does.
     */
    public static final int MAX_READ_GAP = 4 * 1024 * 1024;

    /**
     * One read request covers at most this many bytes (unless one blob alone is larger), so a
     * worker's read buffer stays bounded whatever the pack size (restic allows 128 MiB packs).
     */
    public static final int MAX_READ_RANGE = 32 * 1024 * 1024;

    /**
     * Told about each blob {@link #loadBlobsFromPack} was asked for, once, in pack order, on the
     * calling thread.
     */
    @FunctionalInterface
    public interface BlobSink {
        /**
         * @param blob  where the blob is stored
         * @param plain its verified plaintext, or null when {@code error} is set
         * @param error why this blob could not be read (damaged, missing pack, past the pack's end;
         *              the message names the blob and pack), or null
         * @throws IOException to stop reading the pack (the caller's own failure, e.g. cancelled)
         */
        void blob(PackedBlob blob, byte[] plain, IOException error) throws IOException;
    }

    /**
     * A read buffer owned by one worker and reused for every blob or pack it reads, so that
     * memory is bounded by the workers, not by the packs. Not thread-safe: one per worker.
     */
    public static final class ReadBuffer {
        private byte[] bytes = new byte[0];
        private int length;

        /** The buffer; valid bytes are [0, {@link #length()}). */
        public byte[] bytes() {
            return bytes;
        }

        /** How many bytes the last read put in {@link #bytes()}. */
        public int length() {
            return length;
        }

        /**
         * Makes the buffer hold at least {@code size} bytes at once: a worker that knows the largest
         * blob it will read allocates once, instead of a larger array for each larger blob (each
         * a garbage array of up to 8 MiB in the old generation).
         */
        public void reserve(int size) {
            if (bytes.length < size) bytes = new byte[size];
        }

        /** Drops the buffer (a worker that read a huge pack gives it back to the heap). */
        public void release() {
            bytes = new byte[0];
            length = 0;
        }
    }

    /** Blobs grouped by the pack that holds them, and the blobs the index does not know. */
    public record PackPlan(Map<Id, List<PackedBlob>> packs, List<Id> missing) {
        /** How many blobs the plan reads. */
        public int blobCount() {
            int n = 0;
            for (List<PackedBlob> l : packs.values()) n += l.size();
            return n;
        }
    }

    /** How many read requests to keep in flight: the backend's {@link Backend#connections()}, at least 1. */
    public int connections() {
        return workers(backend);
    }

    /** The workers a stage starts for {@code b}: its connections, 1 to {@link #MAX_CONNECTIONS}. */
    static int workers(Backend b) {
        return Math.clamp(b.connections(), 1, MAX_CONNECTIONS);
    }

    /**
     * Groups blobs by the pack holding them (the index's first copy), each blob once, packs in the
     * order their first blob appears in {@code blobs} (so a reader that follows the plan serves the
     * first files first). Blobs the index does not know are listed in {@link PackPlan#missing()}.
     */
    public PackPlan planByPack(BlobType type, Iterable<Id> blobs) {
        Map<Id, List<PackedBlob>> packs = new java.util.LinkedHashMap<>();
        Set<Id> seen = new java.util.HashSet<>();
        List<Id> missing = new ArrayList<>();
        for (Id id : blobs) {
            if (!seen.add(id)) continue;
            PackedBlob pb = index.lookup(type, id);
            if (pb == null) missing.add(id);
            else packs.computeIfAbsent(pb.pack(), k -> new ArrayList<>()).add(pb);
        }
        return new PackPlan(packs, missing);
    }

    /**
     * Splits the blobs of one pack, sorted by offset, into covering ranges: a new range starts
     * where the gap to the previous blob exceeds {@link #MAX_READ_GAP} or the range would exceed
     * {@link #MAX_READ_RANGE}. Blobs with impossible locations form ranges of their own (they
     * are reported, never read). Package-private for tests.
     */
    static List<List<PackedBlob>> coveringRanges(List<PackedBlob> sorted) {
        List<List<PackedBlob>> out = new ArrayList<>();
        List<PackedBlob> cur = null;
        long start = 0, end = 0;
        for (PackedBlob b : sorted) {
            boolean bad = PackedBlob.problem(b.type(), b.offset(), b.length(), b.uncompressedLength()) != null;
            long bEnd = b.offset() + b.length();
            if (cur != null && !bad && b.offset() - end <= MAX_READ_GAP && Math.max(end, bEnd) - start <= MAX_READ_RANGE) {
                cur.add(b);
                end = Math.max(end, bEnd);
                continue;
            }
            cur = new ArrayList<>();
            cur.add(b);
            out.add(cur);
            start = b.offset();
            end = bEnd;
            if (bad) cur = null; // never extended
        }
        return out;
    }

    /**
     * {@link #loadBlobsFromPack(Id, List, ReadBuffer, BlobSink, Cancel)} with a buffer of its own.
     */
    public void loadBlobsFromPack(Id pack, List<PackedBlob> blobs, BlobSink sink, Cancel cancel) throws IOException {
        loadBlobsFromPack(pack, blobs, new ReadBuffer(), sink, cancel);
    }

    /**
     * Reads the given blobs of one pack with as few requests as possible (restic's
     * LoadBlobsFromPack): sorted by offset and merged into covering ranges (see
     * {@link #MAX_READ_GAP}, {@link #MAX_READ_RANGE}), each range read with ONE backend request
     * into {@code buffer}, then each blob decrypted, decompressed and checked against its ID and
     * given to {@code sink}. A blob that fails (damaged, past the pack's end, pack missing) is
     * tried in the other packs that hold a copy, then reported to the sink as an error for that
     * blob only; the other blobs are still delivered.
     *
     * @param blobs blobs that lie in {@code pack} (any order, no duplicates)
     * @throws Cancel.Cancelled if {@code cancel} is cancelled (checked before each request)
     * @throws java.io.InterruptedIOException if the thread is interrupted
     * @throws IOException what the sink throws
     */
    public void loadBlobsFromPack(Id pack, List<PackedBlob> blobs, ReadBuffer buffer, BlobSink sink, Cancel cancel)
            throws IOException {
        forEachRange(pack, blobs, buffer, cancel, new RangeHandler() {
            @Override
            public void impossible(PackedBlob blob, RepositoryException why) throws IOException {
                otherCopies(blob, why, sink);
            }

            @Override
            public void failed(List<PackedBlob> range, IOException why) throws IOException {
                if (why instanceof NoSuchFileException) {
                    for (PackedBlob b : range) {
                        otherCopies(b, new RepositoryException(describe(b) + ": " + why.getMessage(), why), sink);
                    }
                    return;
                }
                // A short pack (or a failed request): each blob on its own, so that those that
                // lie inside are still read and the others get their own message.
                for (PackedBlob b : range) {
                    cancel.check();
                    deliverAlone(b, sink);
                }
            }

            @Override
            public RepositoryException stored(PackedBlob b, byte[] bytes) throws IOException {
                byte[] plain;
                try {
                    plain = decodeBlob(b, bytes, 0, b.length());
                } catch (RepositoryException e) {
                    return e; // its other copies are read once the range's request has ended
                }
                // per blob, not per range: one range may hold thousands of files' data
                cancel.check();
                sink.blob(b, plain, null);
                return null;
            }

            @Override
            public void damaged(PackedBlob blob, RepositoryException why) throws IOException {
                otherCopies(blob, why, sink);
            }
        });
    }

    /** What {@link #forEachRange} found for each covering range of a pack. */
    private interface RangeHandler {
        /** A blob whose index entry is impossible (see {@link PackedBlob#problem}): never read. */
        void impossible(PackedBlob blob, RepositoryException why) throws IOException;

        /** These blobs of a range could not be read (missing pack, too short, a failed request). */
        void failed(List<PackedBlob> blobs, IOException why) throws IOException;

        /**
         * One blob's stored bytes, {@code bytes[0, blob.length())} (the worker's buffer: valid only
         * during the call), while its range's request is still open: so no backend request here
         * (a connection limit could be exhausted by the open ones).
         *
         * @return why the blob is damaged, to be handled by {@link #damaged} after the request,
         *     or null
         */
        RepositoryException stored(PackedBlob blob, byte[] bytes) throws IOException;

        /** A blob {@link #stored} found damaged, after its range's request has ended. */
        void damaged(PackedBlob blob, RepositoryException why) throws IOException;
    }

    /** A failure of a {@link RangeHandler} (the caller's own, e.g. a full disk): not a read failure. */
    private static final class HandlerFailure extends IOException {
        private static final long serialVersionUID = 1L;

        HandlerFailure(IOException cause) {
            super(cause);
        }

        IOException unwrap() {
            return (IOException) getCause();
        }
    }

    /**
     * The read loop of {@link #loadBlobsFromPack} and {@link #loadStoredBlobsFromPack}: sorts the
     * blobs by offset, merges them into covering ranges ({@link #coveringRanges}) and reads each
     * with one backend request, checking the cancel and the interrupt before each request. The
     * range is streamed, as restic's StreamPack does: each blob is read into {@code buffer} and
     * handed over while the request goes on, so a worker holds one blob, not a whole range (up
     * to {@link #MAX_READ_RANGE}); blobs handed over before a retried request failed are skipped
     * when it is read again, and those after a final failure are reported as failed.
     */
    private void forEachRange(Id pack, List<PackedBlob> blobs, ReadBuffer buffer, Cancel cancel, RangeHandler handler)
            throws IOException {
        List<PackedBlob> sorted = new ArrayList<>(blobs);
        sorted.sort(java.util.Comparator.comparingLong(PackedBlob::offset));
        Handle h = new Handle(FileType.DATA, pack.hex());
        for (List<PackedBlob> range : coveringRanges(sorted)) {
            cancel.check();
            if (Thread.currentThread().isInterrupted()) throw new java.io.InterruptedIOException("interrupted while reading pack " + pack.shortHex());
            PackedBlob first = range.getFirst();
            String problem = PackedBlob.problem(first.type(), first.offset(), first.length(), first.uncompressedLength());
            if (problem != null) {
                handler.impossible(first, new RepositoryException(describe(first) + " " + problem + indexSource(first)));
                continue;
            }
            long start = first.offset();
            long end = start;
            for (PackedBlob b : range) end = Math.max(end, b.offset() + b.length());
            int[] done = {0}; // blobs of the range handled, in order; kept across the backend's retries
            List<PackedBlob> overlapping = new ArrayList<>();
            List<Map.Entry<PackedBlob, RepositoryException>> damaged = new ArrayList<>();
            IOException failure = null;
            try {
                backend.load(h, start, (int) (end - start), in -> {
                    // A retry reads the range again from its start: skip what was handed over.
                    long pos = start;
                    for (int i = 0; i < range.size(); i++) {
                        PackedBlob b = range.get(i);
                        if (b.offset() < pos) {
                            // overlaps the blob before it (only a damaged index does that): a
                            // stream cannot go back, so it is read on its own afterwards
                            if (i >= done[0]) {
                                overlapping.add(b);
                                done[0] = i + 1;
                            }
                            continue;
                        }
                        in.skipNBytes(b.offset() - pos);
                        pos = b.offset();
                        if (i < done[0]) continue; // handed over before the retry
                        if (buffer.bytes.length < b.length()) buffer.bytes = new byte[b.length()];
                        int n = in.readNBytes(buffer.bytes, 0, b.length());
                        if (n < b.length()) throw new java.io.EOFException(h + " ends before byte " + (b.offset() + b.length()));
                        pos += n;
                        buffer.length = n;
                        RepositoryException bad;
                        try {
                            bad = handler.stored(b, buffer.bytes);
                        } catch (IOException e) {
                            throw new HandlerFailure(e);
                        }
                        if (bad != null) damaged.add(Map.entry(b, bad));
                        done[0] = i + 1;
                    }
                });
            } catch (HandlerFailure e) {
                throw e.unwrap();
            } catch (java.io.InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                failure = e;
            }
            for (Map.Entry<PackedBlob, RepositoryException> d : damaged) handler.damaged(d.getKey(), d.getValue());
            if (!overlapping.isEmpty()) {
                handler.failed(overlapping, new RepositoryException(describe(overlapping.getFirst()) + " overlaps the blob before it" + indexSource(overlapping.getFirst())));
            }
            if (failure != null && done[0] < range.size()) handler.failed(range.subList(done[0], range.size()), failure);
        }
    }

    /** Told about each blob {@link #loadStoredBlobsFromPack} was asked for, once, in pack order. */
    @FunctionalInterface
    public interface StoredSink {
        /**
         * @param blob   where the blob is stored
         * @param stored its bytes as stored in the pack (encrypted, maybe compressed; not yet
         *               verified: {@link #decodeBlob(PackedBlob, byte[], int)} checks them), a new
         *               array of {@code blob.length()} bytes, or null when {@code error} is set
         * @param error  why the range holding it could not be read (missing pack, past the pack's
         *               end, impossible location), or null
         * @throws IOException to stop reading the pack (the caller's own failure)
         */
        void blob(PackedBlob blob, byte[] stored, IOException error) throws IOException;
    }

    /**
     * Reads the given blobs of one pack as {@link #loadBlobsFromPack} does (the same covering
     * ranges, one request each) but hands over each blob's stored bytes undecoded: a cache of
     * trees keeps them at their stored size (zstd-compressed JSON, ~5× smaller than plaintext) and
     * decodes a tree when it is used. A failed range is reported for each of its blobs; the
     * caller reads those again with {@link #loadBlob}, which tries every copy.
     *
     * @param blobs blobs that lie in {@code pack} (any order, no duplicates)
     * @throws Cancel.Cancelled if {@code cancel} is cancelled (checked before each request)
     * @throws java.io.InterruptedIOException if the thread is interrupted
     * @throws IOException what the sink throws
     */
    public void loadStoredBlobsFromPack(Id pack, List<PackedBlob> blobs, ReadBuffer buffer, StoredSink sink, Cancel cancel)
            throws IOException {
        storedBlobsFromPack(pack, blobs, buffer, sink, cancel, true);
    }

    /**
     * As {@link #loadStoredBlobsFromPack}, but {@code stored} is {@code buffer}'s array itself
     * (the blob's bytes are its first {@code blob.length()}), valid only during the call: prune's
     * repacking copies each blob into a new pack at once, and a copy per blob would be garbage of
     * up to 8 MiB each (larger than the launcher's young generation, so straight into the old one).
     *
     * @throws IOException as {@link #loadStoredBlobsFromPack}
     */
    public void streamStoredBlobsFromPack(Id pack, List<PackedBlob> blobs, ReadBuffer buffer, StoredSink sink, Cancel cancel)
            throws IOException {
        storedBlobsFromPack(pack, blobs, buffer, sink, cancel, false);
    }

    private void storedBlobsFromPack(Id pack, List<PackedBlob> blobs, ReadBuffer buffer, StoredSink sink, Cancel cancel,
                                     boolean copy) throws IOException {
        forEachRange(pack, blobs, buffer, cancel, new RangeHandler() {
            @Override
            public void impossible(PackedBlob blob, RepositoryException why) throws IOException {
                sink.blob(blob, null, why);
            }

            @Override
            public void failed(List<PackedBlob> range, IOException why) throws IOException {
                for (PackedBlob b : range) sink.blob(b, null, new RepositoryException(describe(b) + ": " + why.getMessage(), why));
            }

            @Override
            public RepositoryException stored(PackedBlob b, byte[] bytes) throws IOException {
                sink.blob(b, copy ? java.util.Arrays.copyOf(bytes, b.length()) : bytes, null);
                return null;
            }

            @Override
            public void damaged(PackedBlob blob, RepositoryException why) {
                throw new IllegalStateException("stored blobs are not decoded"); // stored() never returns one
            }
        });
    }

    /** A blob whose copy in its pack failed: the other copies (if any) are tried, else the error is reported. */
    private void otherCopies(PackedBlob b, IOException error, BlobSink sink) throws IOException {
        if (index.lookupAll(b.type(), b.id()).size() > 1) {
            deliverAlone(b, sink);
            return;
        }
        sink.blob(b, null, error);
    }

    /** Reads one blob by itself (every copy, as {@link #loadBlob} does) and gives it to the sink. */
    private void deliverAlone(PackedBlob b, BlobSink sink) throws IOException {
        byte[] plain;
        try {
            plain = loadBlob(b.type(), b.id());
        } catch (java.io.InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            sink.blob(b, null, e);
            return;
        }
        sink.blob(b, plain, null);
    }

    /**
     * Reads a whole pack file with one backend request into the worker's {@code buffer} (grown
     * when the pack is larger; never shrunk, so call {@link ReadBuffer#release()} after an
     * outsized one). For {@code check --read-data}.
     *
     * @return the pack's length in bytes (also {@link ReadBuffer#length()})
     * @throws Cancel.Cancelled if {@code cancel} is cancelled
     * @throws NoSuchFileException if the pack is missing
     * @throws IOException if it cannot be read
     */
    public int readPack(Id pack, ReadBuffer buffer, Cancel cancel) throws IOException {
        cancel.check();
        Handle h = new Handle(FileType.DATA, pack.hex());
        if (buffer.bytes.length == 0) buffer.bytes = new byte[packSize + (1 << 20)];
        int size = backend.loadInto(h, buffer.bytes);
        if (size < 0) {
            buffer.bytes = new byte[-size];
            size = backend.loadInto(h, buffer.bytes);
            if (size < 0) throw new IOException(h + " grew while it was read");
        }
        buffer.length = size;
        return size;
    }
}
