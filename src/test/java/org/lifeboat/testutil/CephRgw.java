package org.lifeboat.testutil;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;

/**
 * A throwaway one-node Ceph cluster with its RADOS Gateway (S3 with Object Lock) on 127.0.0.1:
 * one monitor, one memstore OSD (data in memory), authentication off, pool size 1, in a fresh temp
 * folder, and one S3 user with a random access key and secret.
 *
 * <p>Starting it takes about 12 s, so tests share ONE instance per JVM: {@link #shared()} starts it
 * on first use and a shutdown hook stops it. Each test makes its own bucket ({@link #createBucket},
 * {@link #createObjectLockBucket}), so tests never see each other's objects.
 *
 * <pre>{@code
 * CephRgw rgw = CephRgw.shared();
 * String bucket = rgw.createObjectLockBucket("lock");
 * String repo = rgw.location(bucket, "repo");           // s3:http://127.0.0.1:PORT/BUCKET/repo
 * Map<String, String> env = rgw.env();                  // AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, …
 * S3Client raw = rgw.client();                          // the AWS SDK, for checks around Lifeboat
 * }</pre>
 *
 * <p>Start-up follows /work/shared/docs/toolchain-notes.md: the OSD gets its uuid from us, the
 * monitor is polled with {@code ceph mon stat} before the OSD is made, and {@code ceph-osd} is
 * started again when {@code ceph osd dump} does not show it up within 10 s (its first start can
 * race the monitor's map). Every wait polls for readiness with a deadline. The daemons are stopped
 * by their pid files; a folder left by a JVM that died (kill -9) is cleaned up, its daemons
 * stopped, by the next start.
 */
public final class CephRgw implements AutoCloseable {
    private static final String PREFIX = "lifeboat-ceph-";
    private static final Path CEPH = Path.of("/usr/bin/ceph");
    private static final AtomicInteger BUCKETS = new AtomicInteger();
    private static CephRgw shared;

    private final Path dir;
    private final int rgwPort;
    private final String accessKey;
    private final String secretKey;
    private volatile S3Client client;
    private boolean closed;

    private CephRgw(Path dir, int rgwPort, String accessKey, String secretKey) {
        this.dir = dir;
        this.rgwPort = rgwPort;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
    }

    /**
     * The JVM's one gateway, started on first call (about 12 s) and stopped by a shutdown hook:
     * call it from {@code @BeforeAll} or a test, never close it.
     *
     * @throws AssertionError naming the step and the daemon's log tail if Ceph does not come up
     */
    public static synchronized CephRgw shared() {
        if (shared == null) {
            CephRgw c = start();
            Runtime.getRuntime().addShutdownHook(new Thread(c::close, "ceph-rgw-stop"));
            shared = c;
        }
        return shared;
    }

    /**
     * A private gateway (for a test that must stop it); the caller closes it. Prefer {@link #shared()}.
     *
     * @throws AssertionError naming the step and the daemon's log tail if Ceph does not come up
     */
    public static CephRgw start() {
        for (String tool : List.of("ceph-mon", "ceph-osd", "radosgw", "radosgw-admin", "monmaptool")) {
            if (!Files.isExecutable(Path.of("/usr/bin", tool))) {
                throw new AssertionError("/usr/bin/" + tool + " is not installed: run-tests installs it"
                        + " (apt-get install ceph-mon ceph-osd radosgw)");
            }
        }
        reapOrphans();
        AssertionError last = null;
        // A port found free can be taken before the daemon binds it: try again with others.
        for (int attempt = 1; attempt <= 3; attempt++) {
            Path dir;
            try {
                dir = Files.createTempDirectory(PREFIX);
                Files.writeString(dir.resolve("owner.pid"), Long.toString(ProcessHandle.current().pid()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            try {
                return boot(dir);
            } catch (AssertionError e) {
                last = e;
                stopDaemons(dir);
                deleteTree(dir);
            }
        }
        throw last;
    }

    /** The S3 endpoint, {@code http://127.0.0.1:PORT}. */
    public String endpoint() {
        return "http://127.0.0.1:" + rgwPort;
    }

    /** The gateway's TCP port on 127.0.0.1. */
    public int port() {
        return rgwPort;
    }

    /** The S3 user's access key (random, 20 characters). */
    public String accessKey() {
        return accessKey;
    }

    /** The S3 user's secret key (random, 40 characters). */
    public String secretKey() {
        return secretKey;
    }

    /** The region to sign with (the gateway accepts any; this is the SDK's and Lifeboat's default). */
    public String region() {
        return "us-east-1";
    }

    /** The cluster's folder (config, logs in {@code log/}, pid files in {@code run/}). */
    public Path dir() {
        return dir;
    }

    /**
     * The environment a Lifeboat or restic process needs to reach the gateway as the test user:
     * AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_DEFAULT_REGION, with the shared credentials
     * and config files pointed at nothing, so that a developer's own ~/.aws never leaks in.
     */
    public Map<String, String> env() {
        return Map.of("AWS_ACCESS_KEY_ID", accessKey, "AWS_SECRET_ACCESS_KEY", secretKey, "AWS_DEFAULT_REGION", region(),
                "AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials", "AWS_CONFIG_FILE", "/nonexistent/aws-config");
    }

    /**
     * Runs Lifeboat as its own process against {@code location} on this gateway, with the
     * gateway's credentials in the environment and its region as a backend option.
     */
    public Run lifeboat(java.nio.file.Path passwordFile, String location, String... args) {
        java.util.List<String> full = new java.util.ArrayList<>(java.util.List.of("-r", location, "--password-file",
                passwordFile.toString(), "-o", "s3.region=" + region()));
        full.addAll(java.util.List.of(args));
        return Cli.process(env(), null, full.toArray(String[]::new));
    }

    /** {@code s3:http://127.0.0.1:PORT/BUCKET/PREFIX} (just the bucket when prefix is empty). */
    public String location(String bucket, String prefix) {
        return "s3:" + endpoint() + "/" + bucket + (prefix == null || prefix.isEmpty() ? "" : "/" + prefix);
    }

    /**
     * An AWS SDK client for the gateway as the test user (path-style, checksums only when
     * required, as RGW 16.2 needs), shared: do not close it.
     */
    public S3Client client() {
        S3Client c = client;
        if (c == null) {
            synchronized (this) {
                if (client == null) client = newClient(accessKey, secretKey);
                c = client;
            }
        }
        return c;
    }

    /** A new client with other credentials (e.g. a wrong secret); the caller closes it. */
    public S3Client newClient(String access, String secret) {
        return S3Client.builder()
                .endpointOverride(URI.create(endpoint()))
                .region(Region.of(region()))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(access, secret)))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).chunkedEncodingEnabled(false).build())
                // RGW 16.2 does not answer "Expect: 100-continue" on some requests (a 3 s wait each).
                .httpClientBuilder(ApacheHttpClient.builder().maxConnections(16).expectContinueEnabled(false))
                .build();
    }

    /**
     * Creates a new, empty bucket without Object Lock and returns its name ({@code HINT-N-RANDOM},
     * lower case, unique in this gateway).
     */
    public String createBucket(String hint) {
        String name = bucketName(hint);
        client().createBucket(r -> r.bucket(name));
        return name;
    }

    /** Creates a new, empty bucket with Object Lock enabled (and so versioning) and returns its name. */
    public String createObjectLockBucket(String hint) {
        String name = bucketName(hint);
        client().createBucket(r -> r.bucket(name).objectLockEnabledForBucket(true));
        return name;
    }

    /** A fresh bucket name that is not created (for "no such bucket" tests). */
    public String unusedBucketName(String hint) {
        return bucketName(hint);
    }

    private static String bucketName(String hint) {
        String h = hint.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-").replaceAll("^-+|-+$", "");
        if (h.isEmpty()) h = "b";
        if (h.length() > 30) h = h.substring(0, 30);
        return h + "-" + BUCKETS.incrementAndGet() + "-" + HexFormat.of().formatHex(random(4));
    }

    /** Stops the daemons (by their pid files) and removes the folder; a second call does nothing. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        S3Client c = client;
        if (c != null) c.close();
        stopDaemons(dir);
        deleteTree(dir);
    }

    // ------------------------------------------------------------------------------ start-up

    private static final Duration MON_UP = Duration.ofSeconds(30);
    private static final Duration OSD_UP = Duration.ofSeconds(10);
    private static final Duration RGW_UP = Duration.ofSeconds(90);

    private static CephRgw boot(Path dir) {
        int monPort = freePort();
        int rgwPort = freePort();
        while (rgwPort == monPort) rgwPort = freePort();
        String fsid = UUID.randomUUID().toString();
        String osdUuid = UUID.randomUUID().toString();
        try {
            for (String sub : List.of("run", "log", "mon.a", "osd.0", "rgw", "crash")) Files.createDirectories(dir.resolve(sub));
            Files.writeString(dir.resolve("ceph.conf"), config(dir, fsid, monPort, rgwPort));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String conf = dir.resolve("ceph.conf").toString();

        run(dir, "make the monitor map", "monmaptool", "--create", "--fsid", fsid, "--addv", "a", "[v1:127.0.0.1:" + monPort + "]",
                dir.resolve("monmap").toString());
        run(dir, "make the monitor", "ceph-mon", "-c", conf, "--mkfs", "-i", "a", "--monmap", dir.resolve("monmap").toString());
        run(dir, "start the monitor", "ceph-mon", "-c", conf, "-i", "a");
        poll(dir, "the monitor answers 'ceph mon stat'", "mon.a", MON_UP, () -> ceph(dir, "mon", "stat").exit() == 0);

        run(dir, "make the OSD", "ceph-osd", "-c", conf, "-i", "0", "--mkfs", "--osd-uuid", osdUuid);
        run(dir, "register the OSD", CEPH.toString(), "-c", conf, "osd", "new", osdUuid, "0");
        // The OSD checks its uuid against the monitor's map when it starts: wait until the map has it.
        poll(dir, "osd.0 with its uuid is in 'ceph osd dump'", "mon.a", MON_UP,
                () -> ceph(dir, "osd", "dump").out().contains(osdUuid));
        for (int start = 1; ; start++) {
            // Its start can still race the monitor's map ("wrong fsid": it exits at once, or never
            // comes up): stop it and start it again.
            Run started = Proc.run(List.of("ceph-osd", "-c", conf, "-i", "0"), Map.of(), dir, null, 60);
            try {
                if (started.exit() != 0) throw new AssertionError("Ceph test server: cannot start the OSD: " + started);
                poll(dir, "osd.0 is up in 'ceph osd dump'", "osd.0", OSD_UP, () -> osdUp(dir));
                break;
            } catch (AssertionError e) {
                if (start == 5) throw e;
                stop(dir.resolve("run/osd.0.pid"));
            }
        }

        run(dir, "start the gateway", "radosgw", "-c", conf, "-n", "client.rgw");
        int port = rgwPort;
        poll(dir, "the gateway answers HTTP on port " + port, "client.rgw", RGW_UP, () -> httpOk(port));

        HexFormat hex = HexFormat.of();
        String access = "LB" + hex.formatHex(random(9)).toUpperCase(Locale.ROOT);
        String secret = hex.formatHex(random(20));
        run(dir, "create the S3 user", "radosgw-admin", "-c", conf, "user", "create", "--uid=lifeboat", "--display-name=Lifeboat tests",
                "--access-key=" + access, "--secret=" + secret);
        return new CephRgw(dir, rgwPort, access, secret);
    }

    private static String config(Path d, String fsid, int monPort, int rgwPort) {
        return """
                [global]
                fsid = %1$s
                mon host = v1:127.0.0.1:%2$d
                mon initial members = a
                public addr = 127.0.0.1
                ms bind msgr2 = false
                ms bind ipv6 = false
                auth cluster required = none
                auth service required = none
                auth client required = none
                auth supported = none
                osd pool default size = 1
                osd pool default min size = 1
                osd pool default pg num = 8
                osd pool default pgp num = 8
                osd pool default pg autoscale mode = off
                mon allow pool size one = true
                mon max pg per osd = 1000
                mon warn on pool no redundancy = false
                osd objectstore = memstore
                memstore device bytes = 4294967296
                osd mon shutdown timeout = 1
                run dir = %3$s/run
                crash dir = %3$s/crash
                log file = %3$s/log/$name.log
                pid file = %3$s/run/$name.pid
                admin socket = %3$s/run/$name.asok
                mon data = %3$s/mon.$id
                osd data = %3$s/osd.$id
                keyring = %3$s/keyring
                [client.rgw]
                rgw frontends = beast endpoint=127.0.0.1:%4$d tcp_nodelay=1
                rgw data = %3$s/rgw
                """.formatted(fsid, monPort, d, rgwPort);
    }

    private static Run ceph(Path dir, String... args) {
        List<String> cmd = new ArrayList<>(List.of(CEPH.toString(), "-c", dir.resolve("ceph.conf").toString(), "--connect-timeout", "5"));
        cmd.addAll(List.of(args));
        return Proc.run(cmd, Map.of(), dir, null, 30);
    }

    private static boolean osdUp(Path dir) {
        Run r = ceph(dir, "osd", "dump");
        return r.exit() == 0 && r.out().lines().anyMatch(l -> l.startsWith("osd.0 up"));
    }

    private static boolean httpOk(int port) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/").toURL().openConnection();
            c.setConnectTimeout(1000);
            c.setReadTimeout(2000);
            try {
                return c.getResponseCode() == 200;
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            return false;
        }
    }

    /** Runs a set-up step. @throws AssertionError naming the step with its output */
    private static void run(Path dir, String step, String... cmd) {
        Run r = Proc.run(List.of(cmd), Map.of(), dir, null, 60);
        if (r.exit() != 0) throw new AssertionError("Ceph test server: cannot " + step + ": " + r);
    }

    /**
     * Polls {@code ready} until it is true or the deadline passes, with a short pause between
     * polls (each poll is a real readiness check, not a guess at a duration).
     *
     * @throws AssertionError naming what was awaited, with the tail of the daemon's log
     */
    private static void poll(Path dir, String what, String daemon, Duration limit, BooleanSupplier ready) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!ready.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Ceph test server: " + what + " did not happen within " + limit.toSeconds() + " s; "
                        + daemon + " log ends with:\n" + tail(dir.resolve("log/" + daemon + ".log"), 15));
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting until " + what);
            }
        }
    }

    private static String tail(Path log, int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }

    // ------------------------------------------------------------------------------ stopping

    /**
     * Stops the gateway, the OSD and the monitor at once with SIGKILL: the cluster is thrown away
     * with its memory-only data, so a graceful stop (about 2 s per daemon) would buy nothing.
     */
    private static void stopDaemons(Path dir) {
        List<ProcessHandle> all = new ArrayList<>();
        for (String name : List.of("client.rgw", "osd.0", "mon.a")) daemon(dir.resolve("run/" + name + ".pid")).ifPresent(all::add);
        for (ProcessHandle h : all) h.destroyForcibly();
        for (ProcessHandle h : all) awaitExit(h);
    }

    /** Stops the process of a pid file (SIGKILL), only if it is one of this folder's daemons. */
    private static void stop(Path pidFile) {
        daemon(pidFile).ifPresent(h -> {
            h.destroyForcibly();
            awaitExit(h);
        });
    }

    private static void awaitExit(ProcessHandle h) {
        try {
            h.onExit().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            // stuck in the kernel: nothing more to do
        }
    }

    /**
     * The live process of a pid file if it is one of this folder's daemons (its command line
     * names the folder's ceph.conf): a pid reused by another process is never touched.
     */
    private static Optional<ProcessHandle> daemon(Path pidFile) {
        long pid;
        try {
            pid = Long.parseLong(Files.readString(pidFile).strip());
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
        String conf = pidFile.getParent().getParent().resolve("ceph.conf").toString();
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .filter(h -> h.info().arguments().map(a -> List.of(a).contains(conf)).orElse(false));
    }

    /**
     * Cleans up after JVMs that died without their shutdown hook (kill -9): their folders'
     * daemons are stopped by pid file and the folders removed. A folder whose owner still runs
     * (another test JVM) is left alone.
     */
    private static void reapOrphans() {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        try (Stream<Path> s = Files.list(tmp)) {
            for (Path d : s.filter(p -> p.getFileName().toString().startsWith(PREFIX)).toList()) {
                long owner;
                try {
                    owner = Long.parseLong(Files.readString(d.resolve("owner.pid")).strip());
                } catch (IOException | NumberFormatException e) {
                    continue;
                }
                if (ProcessHandle.of(owner).map(ProcessHandle::isAlive).orElse(false)) continue;
                stopDaemons(d);
                deleteTree(d);
            }
        } catch (IOException e) {
            // nothing to clean
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            // a daemon's last write may race the removal; the next start reaps what is left
        }
    }
}
