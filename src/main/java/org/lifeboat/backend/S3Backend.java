package org.lifeboat.backend;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.BucketLocationConstraint;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.ObjectLockEnabled;
import software.amazon.awssdk.services.s3.model.ObjectLockMode;
import software.amazon.awssdk.services.s3.model.ObjectLockRetentionMode;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The {@code s3:} backend: Amazon S3 and S3-compatible object stores (Ceph RGW, MinIO, Wasabi,
 * Backblaze B2's S3 API), laid out as restic lays out an S3 repository ({@code PREFIX/config},
 * {@code keys/}, {@code locks/}, {@code snapshots/}, {@code index/}, {@code data/XX/ID} with XX
 * the ID's first two hex digits: restic's default layout, which its s3 backend uses), so that
 * restic and Lifeboat share a bucket.
 *
 * <p>Choices, and why:
 * <ul>
 * <li>The AWS SDK's own retries are off: {@link RetryBackend} above retries transient faults with
 *     backoff, honours a cancel and counts retries in the metrics; two retry loops would multiply
 *     the attempts and hide them.</li>
 * <li>Checksums are computed and validated only when an operation requires them (RGW 16.2 refuses
 *     the SDK's default trailing checksums), and every upload carries a Content-MD5 instead (as
 *     restic's), which every S3 server checks and which Object Lock uploads require.</li>
 * <li>A name is written once: an upload carries {@code If-None-Match: *}, so the server refuses a
 *     name that is taken (412, reported as {@link StorageError.AlreadyExists}). Ceph RGW 16.2
 *     ignores that condition on versioned buckets (and so on every Object Lock bucket) and on the
 *     completion of a multipart upload; there the name is looked up (HEAD) first. That leaves a
 *     race between two writers of one name in the milliseconds between the HEAD and the upload;
 *     Lifeboat's names are content hashes (two writers write the same bytes) or random (locks),
 *     and on a versioned bucket the loser's upload only adds a version.</li>
 * <li>Files above {@link #MULTIPART_THRESHOLD} go up in parts of {@link #PART_SIZE}; the object
 *     appears under its name only when the upload is completed, and a failed one is aborted. A
 *     retention is asked for when the upload starts and checked when it is complete: Ceph RGW
 *     16.2 drops it there, so it is then set with PutObjectRetention (the file is unprotected
 *     for that one request).</li>
 * <li>A stat is one HEAD: size, time, and the Object Lock retention from its headers (so no
 *     GetObjectRetention per stat).</li>
 * </ul>
 */
final class S3Backend implements Backend {
    /** Files larger than this many bytes are uploaded in parts: default 16 MiB packs (up to ~24 MiB) stay one PUT. */
    static final int MULTIPART_THRESHOLD = 32 << 20;
    /** The size of each part of a multipart upload, in bytes (S3's minimum is 5 MiB). */
    static final int PART_SIZE = 16 << 20;

    private final String location;
    private final S3Location where;
    private final S3Client s3;
    private final AutoCloseable credentials;
    private final int connections;
    private final String storageClass;
    private final int multipartThreshold;
    private final int partSize;
    /** How many keys one listing request asks for (S3's most is 1,000; tests ask for fewer to page). */
    private final int pageSize;
    /** Whether listings use ListObjects v1 (-o s3.list-objects-v1=true, for servers without v2). */
    private final boolean listV1;
    /** Whether the bucket has Object Lock / versioning: asked once, when first needed (null until then). */
    private volatile Boolean objectLock;
    private volatile Boolean versioned;

    private S3Backend(String location, S3Location where, S3Client s3, AutoCloseable credentials, int connections,
            String storageClass, int multipartThreshold, int partSize, int pageSize, boolean listV1) {
        this.location = Backends.redact(location);
        this.where = where;
        this.s3 = s3;
        this.credentials = credentials;
        this.connections = connections;
        this.storageClass = storageClass;
        this.multipartThreshold = multipartThreshold;
        this.partSize = partSize;
        this.pageSize = pageSize;
        this.listV1 = listV1;
    }

    /**
     * Opens {@code s3:SPEC} with credentials from the AWS default chain (AWS_ACCESS_KEY_ID,
     * AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN; AWS_PROFILE with AWS_SHARED_CREDENTIALS_FILE or
     * ~/.aws/credentials; a container or EC2 instance role).
     *
     * @param location the whole location, for messages (redact it with {@link Backends#redact})
     * @param spec     what follows {@code s3:}
     * @throws IllegalArgumentException with one sentence naming the location when it cannot be
     *     opened: a malformed location, bad -o s3.* values, no credentials found
     */
    static Backend open(String location, String spec, BackendOptions options) {
        S3Location where = S3Location.parse(location, spec);
        checkCredentialVariables(location, System.getenv());
        DefaultCredentialsProvider chain = DefaultCredentialsProvider.builder().build();
        try {
            chain.resolveCredentials();
        } catch (SdkException e) {
            chain.close();
            String profile = nonEmpty(System.getenv("AWS_PROFILE"));
            if (profile != null && nonEmpty(System.getenv("AWS_ACCESS_KEY_ID")) == null) {
                throw new IllegalArgumentException(noProfile(location, profile, System.getenv()));
            }
            throw new IllegalArgumentException("no S3 credentials found for repository location '" + Backends.redact(location)
                    + "': set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary ones), or"
                    + " AWS_PROFILE naming a profile in ~/.aws/credentials (or in AWS_SHARED_CREDENTIALS_FILE)");
        }
        return open(location, where, options, chain, chain, System.getenv());
    }

    /** The sentence for AWS_PROFILE naming a profile the credentials (and config) file does not have. */
    static String noProfile(String location, String profile, Map<String, String> env) {
        String file = nonEmpty(env.get("AWS_SHARED_CREDENTIALS_FILE"));
        if (file == null) file = java.nio.file.Path.of(System.getProperty("user.home"), ".aws", "credentials").toString();
        String config = nonEmpty(env.get("AWS_CONFIG_FILE"));
        if (config == null) config = java.nio.file.Path.of(System.getProperty("user.home"), ".aws", "config").toString();
        return "no S3 credentials found for repository location '" + Backends.redact(location) + "': AWS_PROFILE names the profile '"
                + profile + "', which has no credentials in " + file + (java.nio.file.Files.exists(java.nio.file.Path.of(file)) ? "" : " (no such file)")
                + " nor in " + config + "; name a profile that is there, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY";
    }

    /** restic's two checks of half-set variables, which the chain would otherwise pass over silently. */
    static void checkCredentialVariables(String location, Map<String, String> env) {
        boolean key = !env.getOrDefault("AWS_ACCESS_KEY_ID", "").isEmpty();
        boolean secret = !env.getOrDefault("AWS_SECRET_ACCESS_KEY", "").isEmpty();
        if (key != secret) {
            throw new IllegalArgumentException("no S3 credentials for repository location '" + Backends.redact(location) + "': "
                    + (key ? "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is empty"
                            : "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is empty"));
        }
    }

    /**
     * Opens a location with given credentials (tests; {@link #open(String, String, BackendOptions)} uses the default chain).
     *
     * @param closeWith closed with the backend (the credentials provider, if it holds resources), or null
     * @param env       where AWS_DEFAULT_REGION / AWS_REGION are read
     */
    static S3Backend open(String location, S3Location where, BackendOptions options, AwsCredentialsProvider creds,
            AutoCloseable closeWith, Map<String, String> env) {
        return open(location, where, options, creds, closeWith, env, MULTIPART_THRESHOLD, PART_SIZE, 1000);
    }

    /** As above with other multipart sizes and listing pages (tests make small multipart uploads and short pages). */
    static S3Backend open(String location, S3Location where, BackendOptions options, AwsCredentialsProvider creds,
            AutoCloseable closeWith, Map<String, String> env, int multipartThreshold, int partSize, int pageSize) {
        boolean listV1 = bool(location, options, "s3.list-objects-v1");
        String region = options.value("s3.region");
        boolean regionGiven = region != null;
        if (region == null) region = nonEmpty(env.get("AWS_DEFAULT_REGION"));
        if (region == null) region = nonEmpty(env.get("AWS_REGION"));
        if (region == null) region = where.regionInHost();
        if (region == null) region = "us-east-1";
        else regionGiven = true;
        int connections = options.connections("s3", 5);
        var b = S3Client.builder()
                .region(Region.of(region))
                .credentialsProvider(creds)
                .httpClientBuilder(ApacheHttpClient.builder()
                        // Lock files bypass the connection limit, and a listing runs beside the uploads.
                        .maxConnections(connections + 8)
                        // RGW 16.2 never answers "Expect: 100-continue" on PutObjectRetention: the
                        // client waited its 3 s for each. Bodies go without it (as restic's do).
                        .expectContinueEnabled(false)
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(Duration.ofSeconds(60)))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .serviceConfiguration(S3Configuration.builder()
                        .pathStyleAccessEnabled(where.pathStyle(options.value("s3.bucket-lookup")))
                        // Plain uploads with a Content-MD5: aws-chunked bodies would be stored as
                        // "Content-Encoding: aws-chunked" by some servers (RGW) and shown to restic.
                        .chunkedEncodingEnabled(false)
                        .build())
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()));
        if (!where.aws() || !where.https()) b.endpointOverride(where.endpoint());
        // On Amazon without a region given, find the bucket's region (restic asks minio-go to do the same).
        if (where.aws() && !regionGiven) b.crossRegionAccessEnabled(true);
        S3Client client = b.build();
        return new S3Backend(location, where, client, closeWith, connections, options.value("s3.storage-class"),
                multipartThreshold, partSize, pageSize, listV1);
    }

    /** A true/false -o value as restic reads it (Go's ParseBool); false when not given. */
    private static boolean bool(String location, BackendOptions options, String key) {
        String v = options.value(key);
        if (v == null) return false;
        return switch (v) {
            case "1", "t", "T", "true", "TRUE", "True" -> true;
            case "0", "f", "F", "false", "FALSE", "False" -> false;
            default -> throw new IllegalArgumentException("-o " + key + "=" + v + ": the value must be true or false (repository location '"
                    + Backends.redact(location) + "')");
        };
    }

    private static String nonEmpty(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    @Override
    public String location() {
        return location;
    }

    @Override
    public int connections() {
        return connections;
    }

    /** The object key of a file: PREFIX/data/XX/ID, PREFIX/keys/ID, PREFIX/config, … */
    String key(Handle h) {
        String p = where.prefix();
        return p.isEmpty() ? relative(h) : p + "/" + relative(h);
    }

    private static String relative(Handle h) {
        return switch (h.type()) {
            case CONFIG -> "config";
            case DATA -> h.name().length() >= 2 ? "data/" + h.name().substring(0, 2) + "/" + h.name() : "data/" + h.name();
            default -> h.type().folder() + "/" + h.name();
        };
    }

    /** The file as messages name it: the location and the file's path in it. */
    private String file(Handle h) {
        return location + "/" + relative(h);
    }

    /** The bucket as messages name it. */
    private String bucketName() {
        return "bucket '" + where.bucket() + "'";
    }

    // ------------------------------------------------------------------------------ primitives

    @Override
    public void create() throws IOException {
        if (exists(Handle.CONFIG)) throw new StorageError.AlreadyExists(file(Handle.CONFIG), "a repository already exists here");
        if (containerExists()) return;
        try {
            s3.createBucket(r -> {
                r.bucket(where.bucket());
                // Outside us-east-1, Amazon wants the bucket's region said; other servers do not need it.
                String region = s3.serviceClientConfiguration().region().id();
                if (where.aws() && !region.equals("us-east-1")) {
                    r.createBucketConfiguration(c -> c.locationConstraint(BucketLocationConstraint.fromValue(region)));
                }
            });
        } catch (S3Exception e) {
            notS3(e);
            if (code(e).equals("BucketAlreadyOwnedByYou")) return; // made meanwhile by this account
            if (code(e).equals("BucketAlreadyExists")) {
                throw new StorageError.Denied(location, "the " + bucketName()
                        + " belongs to another account (bucket names are global); choose another name");
            }
            throw failure(location, "create the " + bucketName(), e);
        } catch (SdkException e) {
            throw failure(location, "create the " + bucketName(), e);
        }
    }

    /** {@inheritDoc} A 403 counts as there: the credentials may be allowed the objects but not the bucket. */
    @Override
    public boolean containerExists() throws IOException {
        try {
            s3.headBucket(r -> r.bucket(where.bucket()));
            return true;
        } catch (S3Exception e) {
            notS3(e);
            if (e.statusCode() == 404) return false;
            if (e.statusCode() == 403 || e.statusCode() == 301) return true;
            throw failure(location, "look up the " + bucketName(), e);
        } catch (SdkException e) {
            throw failure(location, "look up the " + bucketName(), e);
        } catch (IllegalArgumentException e) {
            throw new IOException("cannot look up the " + bucketName() + " of " + location + ": the AWS SDK refused the request ("
                    + e.getMessage() + ")", e);
        }
    }

    @Override
    public FileStat stat(Handle h) throws IOException {
        HeadObjectResponse r = head(h);
        return new FileStat(r.contentLength(), r.lastModified(), r.objectLockRetainUntilDate(), mode(r));
    }

    private HeadObjectResponse head(Handle h) throws IOException {
        return call(file(h), "stat", () -> s3.headObject(r -> r.bucket(where.bucket()).key(key(h))),
                e -> e.statusCode() == 403 && code(e).isEmpty() ? whyDenied(h, e) : null);
    }

    /** The Object Lock mode in a HEAD's x-amz-object-lock-mode header (any case; none or unknown: NONE). */
    private static PutOptions.Retention mode(HeadObjectResponse r) {
        String m = r.objectLockModeAsString();
        return switch (m == null ? "" : m.toUpperCase(Locale.ROOT)) {
            case "COMPLIANCE" -> PutOptions.Retention.COMPLIANCE;
            case "GOVERNANCE" -> PutOptions.Retention.GOVERNANCE;
            default -> PutOptions.Retention.NONE;
        };
    }

    /**
     * A HEAD's refusal has no body, so no reason (a wrong secret, an unknown key, a policy): a
     * one-byte GET of the same key, made only on this failure path, gets the server's reason.
     */
    private IOException whyDenied(Handle h, S3Exception head) {
        try {
            s3.getObject(r -> r.bucket(where.bucket()).key(key(h)).range("bytes=0-0")).abort();
        } catch (S3Exception e) {
            if (e.statusCode() == 403 && !code(e).isEmpty()) return failure(file(h), "stat", e);
        } catch (SdkException e) {
            // no better reason to be had
        }
        return failure(file(h), "stat", head);
    }

    @Override
    public boolean exists(Handle h) throws IOException {
        try {
            head(h);
            return true;
        } catch (StorageError.NotFound e) {
            return false;
        }
    }

    @Override
    public void load(Handle h, long offset, int length, Reader consumer) throws IOException {
        Backend.checkRange(offset, length);
        GetObjectRequest.Builder req = GetObjectRequest.builder().bucket(where.bucket()).key(key(h));
        if (length > 0) {
            req.range("bytes=" + offset + "-" + (offset + length - 1));
        } else if (offset > 0) {
            req.range("bytes=" + offset + "-");
        }
        ResponseInputStream<GetObjectResponse> in;
        try {
            in = s3.getObject(req.build());
        } catch (S3Exception e) {
            notS3(e);
            if (e.statusCode() != 416) throw failure(file(h), "read", e);
            // The range starts at or past the end: only "from the very end, to the end" is fine.
            long size = stat(h).size();
            if (length == 0 && offset == size) {
                consumer.read(InputStream.nullInputStream());
                return;
            }
            throw badRange(h, offset, length, size);
        } catch (SdkException e) {
            throw failure(file(h), "read", e);
        }
        long expected;
        try {
            GetObjectResponse r = in.response();
            long total = totalSize(r);
            if (length > 0 && offset + length > total) throw badRange(h, offset, length, total);
            expected = length > 0 ? length : r.contentLength();
        } catch (IOException | RuntimeException e) {
            in.abort();
            throw e;
        }
        Counting counted = new Counting(in, h, expected);
        boolean done = false;
        try {
            consumer.read(counted);
            done = true;
        } finally {
            // A stream not read to its end is aborted, not drained (a pack can be 128 MiB).
            if (!done || counted.read < expected) {
                in.abort();
            } else {
                try {
                    in.close();
                } catch (IOException | SdkException e) {
                    // read whole: the connection's fate is no concern of the caller
                }
            }
        }
    }

    /** The object's whole size: from Content-Range for a range, else the length. */
    private static long totalSize(GetObjectResponse r) {
        String cr = r.contentRange();
        if (cr != null) {
            int slash = cr.lastIndexOf('/');
            if (slash >= 0 && !cr.endsWith("*")) return Long.parseLong(cr.substring(slash + 1).strip());
        }
        return r.contentLength();
    }

    private StorageError.BadRange badRange(Handle h, long offset, int length, long size) {
        long end = length == 0 ? offset : offset + length;
        return new StorageError.BadRange(file(h) + ": file ends before offset " + end + " (it has " + size + " bytes)");
    }

    /** The response stream, counted; a failure of the connection is a transient fault. */
    private final class Counting extends FilterInputStream {
        private final Handle h;
        private final long expected;
        long read;

        Counting(InputStream in, Handle h, long expected) {
            super(in);
            this.h = h;
            this.expected = expected;
        }

        @Override
        public int read() throws IOException {
            return RangeStream.readOne(this);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n;
            try {
                n = super.read(b, off, len);
            } catch (InterruptedIOException e) {
                throw e;
            } catch (IOException | SdkException e) {
                if (Thread.currentThread().isInterrupted()) throw new InterruptedIOException("interrupted while reading " + file(h));
                throw new StorageError.Transient("reading " + file(h) + " from S3 failed after " + read + " of " + expected
                        + " bytes: " + e.getMessage(), e);
            }
            if (n < 0 && read < expected) {
                throw new StorageError.Transient("reading " + file(h) + " from S3 failed: the connection ended after " + read
                        + " of " + expected + " bytes", null);
            }
            if (n > 0) read += n;
            return n;
        }

        @Override
        public void close() {
            // closed (or aborted) by load, which knows whether it was read to the end
        }
    }

    @Override
    public void save(Handle h, byte[] data, int offset, int length, PutOptions options) throws IOException {
        java.util.Objects.checkFromIndexSize(offset, length, data.length);
        // A killed writer leaves nothing: interrupted before it starts, it does not start.
        if (Thread.currentThread().isInterrupted()) throw new InterruptedIOException("interrupted before writing " + file(h));
        if (options.retention() != PutOptions.Retention.NONE && !objectLock()) {
            throw new StorageError.Denied(file(h), "the " + bucketName() + " has no Object Lock, so it cannot keep a file under "
                    + options.retention() + " retention; use a bucket created with Object Lock enabled");
        }
        WriteStop.enter();
        try {
            // RGW ignores If-None-Match on versioned buckets: look first there (see the class comment).
            if (versioned() && exists(h)) throw exists(h, null);
            if (length > multipartThreshold) {
                multipart(h, data, offset, length, options);
            } else {
                put(h, data, offset, length, options);
            }
        } finally {
            WriteStop.leave();
        }
    }

    private StorageError.AlreadyExists exists(Handle h, Throwable cause) {
        StorageError.AlreadyExists e = new StorageError.AlreadyExists(file(h), "the file already exists; repository files are written once");
        if (cause != null) e.initCause(cause);
        return e;
    }

    private void put(Handle h, byte[] data, int offset, int length, PutOptions options) throws IOException {
        Instant until = until(options);
        RequestBody body = RequestBody.fromContentProvider(() -> new ByteArrayInputStream(data, offset, length), length,
                "application/octet-stream");
        call(file(h), "write", () -> s3.putObject(r -> {
            r.bucket(where.bucket()).key(key(h)).contentLength((long) length).contentType("application/octet-stream")
                    .contentMD5(md5(data, offset, length)).ifNoneMatch("*");
            if (storageClass(h) != null) r.storageClass(storageClass(h));
            if (until != null) r.objectLockMode(ObjectLockMode.fromValue(options.retention().name())).objectLockRetainUntilDate(until);
        }, body), e -> e.statusCode() == 412 ? exists(h, e) : null);
    }

    private void multipart(Handle h, byte[] data, int offset, int length, PutOptions options) throws IOException {
        // No upload of many MiB for a name that is taken.
        if (exists(h)) throw exists(h, null);
        Instant until = until(options);
        String uploadId = call(file(h), "start the upload of", () -> s3.createMultipartUpload(r -> {
            r.bucket(where.bucket()).key(key(h)).contentType("application/octet-stream");
            if (storageClass(h) != null) r.storageClass(storageClass(h));
            if (until != null) r.objectLockMode(ObjectLockMode.fromValue(options.retention().name())).objectLockRetainUntilDate(until);
        }), null).uploadId();
        String version = null;
        boolean completed = false;
        try {
            List<CompletedPart> parts = new ArrayList<>();
            for (int at = offset, n = 1; at < offset + length; at += partSize, n++) {
                if (Thread.currentThread().isInterrupted()) throw new InterruptedIOException("interrupted while writing " + file(h));
                int from = at;
                int size = Math.min(partSize, offset + length - at);
                int number = n;
                String etag = call(file(h), "write part " + n + " of", () -> s3.uploadPart(r -> r.bucket(where.bucket()).key(key(h))
                        .uploadId(uploadId).partNumber(number).contentLength((long) size).contentMD5(md5(data, from, size)),
                        RequestBody.fromContentProvider(() -> new ByteArrayInputStream(data, from, size), size,
                                "application/octet-stream")), null).eTag();
                parts.add(CompletedPart.builder().partNumber(n).eTag(etag).build());
            }
            // RGW 16.2 ignores If-None-Match on completion: look again just before (see the class comment).
            if (exists(h)) throw exists(h, null);
            version = call(file(h), "complete the upload of", () -> s3.completeMultipartUpload(r -> r.bucket(where.bucket()).key(key(h))
                    .uploadId(uploadId).ifNoneMatch("*").multipartUpload(m -> m.parts(parts))),
                    e -> e.statusCode() == 412 ? exists(h, e) : null).versionId();
            completed = true;
        } finally {
            if (!completed) abort(h, uploadId);
        }
        if (until != null) lockAfterMultipart(h, version, options.retention(), until);
    }

    /**
     * Ceph RGW 16.2 drops the retention given when a multipart upload starts: checks the completed
     * object and sets the retention (mode and date) where it is missing or weaker. Failing that,
     * the save fails with a permanent error (not a transient one: a retry would find the file
     * there with the same bytes and count it written, unlocked).
     */
    private void lockAfterMultipart(Handle h, String version, PutOptions.Retention mode, Instant until) throws IOException {
        IOException last = null;
        for (int attempt = 1; attempt <= 3; attempt++) {
            try {
                HeadObjectResponse r = head(h);
                Instant kept = r.objectLockRetainUntilDate();
                if (kept != null && !kept.isBefore(until) && mode(r).compareTo(mode) >= 0) return;
                retain(h, mode, until);
                r = head(h);
                kept = r.objectLockRetainUntilDate();
                if (kept != null && !kept.isBefore(until) && mode(r).compareTo(mode) >= 0) return;
                last = new IOException("the S3 server did not keep the retention set");
            } catch (InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                last = e;
            }
        }
        // The unprotected upload is removed (it has no lock, so S3 allows it): a later backup
        // writes the file again, and no unlocked copy is left where a locked one is expected.
        String left = "; the uploaded file could not be removed: prune removes it";
        if (version != null) {
            try {
                call(file(h), "remove the unprotected upload of", () -> s3.deleteObject(r -> r.bucket(where.bucket()).key(key(h))
                        .versionId(version)), null);
                left = "; the uploaded file was removed";
            } catch (InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                // keep the message above: the save fails either way
            }
        }
        throw new IOException("cannot store " + file(h) + " under " + mode + " retention until " + until
                + ": the multipart upload completed but its retention could not be set (" + last.getMessage()
                + ")" + left + ", and the save fails", last);
    }

    /** Aborts a multipart upload (best effort; also on an interrupted thread), so its parts are not kept and billed. */
    private void abort(Handle h, String uploadId) {
        boolean interrupted = Thread.interrupted();
        try {
            s3.abortMultipartUpload(r -> r.bucket(where.bucket()).key(key(h)).uploadId(uploadId));
        } catch (SdkException e) {
            // the bucket's lifecycle rule for incomplete uploads (if any) cleans up
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    private static Instant until(PutOptions options) {
        return options.retention() == PutOptions.Retention.NONE ? null : Instant.now().plus(options.period());
    }

    /**
     * The -o s3.storage-class for this file: archive classes (GLACIER, DEEP_ARCHIVE) only for
     * pack files, as restic does, so that metadata stays readable at once.
     */
    private String storageClass(Handle h) {
        if (storageClass == null) return null;
        String c = storageClass.toUpperCase(Locale.ROOT);
        boolean archive = c.equals("GLACIER") || c.equals("DEEP_ARCHIVE");
        return archive && h.type() != FileType.DATA ? null : storageClass;
    }

    private static String md5(byte[] data, int offset, int length) {
        try {
            MessageDigest md = MessageDigest.getInstance("MD5");
            md.update(data, offset, length);
            return Base64.getEncoder().encodeToString(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no MD5", e);
        }
    }

    @Override
    public void retain(Handle h, PutOptions.Retention mode, Instant until) throws IOException {
        if (mode == null || mode == PutOptions.Retention.NONE) throw new IllegalArgumentException("retain needs GOVERNANCE or COMPLIANCE, not " + mode);
        if (!objectLock()) {
            throw new StorageError.Denied(file(h), "the " + bucketName() + " has no Object Lock, so it keeps no retention");
        }
        HeadObjectResponse now = head(h);
        PutOptions.Retention current = mode(now);
        // Never shortened, never weakened: the longer date and the stronger mode win.
        Instant keep = now.objectLockRetainUntilDate();
        Instant newUntil = keep != null && keep.isAfter(until) ? keep : until;
        PutOptions.Retention newMode = current.compareTo(mode) > 0 ? current : mode;
        if (newMode == current && newUntil.equals(keep)) return;
        // Leaving GOVERNANCE (for COMPLIANCE) needs the bypass header and s3:BypassGovernanceRetention
        // (Amazon and Ceph RGW alike); without that permission the refusal names the file.
        boolean leaveGovernance = current == PutOptions.Retention.GOVERNANCE && newMode != current;
        call(file(h), "extend the retention of", () -> s3.putObjectRetention(r -> r.bucket(where.bucket()).key(key(h))
                .versionId(now.versionId()).bypassGovernanceRetention(leaveGovernance ? Boolean.TRUE : null)
                .retention(x -> x.mode(ObjectLockRetentionMode.fromValue(newMode.name())).retainUntilDate(newUntil))), null);
    }

    /**
     * {@inheritDoc} On a bucket with Object Lock a file under retention is refused with {@link
     * StorageError.Denied} naming its retention (a plain delete there would only hide it behind a
     * delete marker); the request is made also on an interrupted thread, so a lock is released.
     */
    @Override
    public void remove(Handle h) throws IOException {
        boolean interrupted = Thread.interrupted();
        try {
            if (objectLock()) {
                HeadObjectResponse r;
                try {
                    r = head(h);
                } catch (StorageError.NotFound e) {
                    return;
                }
                Instant until = r.objectLockRetainUntilDate();
                if (until != null && until.isAfter(Instant.now())) {
                    throw new StorageError.Denied(file(h), "it is under " + r.objectLockModeAsString() + " retention until " + until
                            + " (S3 Object Lock)");
                }
            }
            call(file(h), "remove", () -> s3.deleteObject(r -> r.bucket(where.bucket()).key(key(h))),
                    e -> e.statusCode() == 404 && "NoSuchKey".equals(code(e)) ? new Gone() : null);
        } catch (Gone e) {
            // missing is not an error
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    /** A delete of a missing object (servers answer 204; some 404). */
    private static final class Gone extends IOException {
        private static final long serialVersionUID = 1L;
    }

    @Override
    public void list(FileType type, Consumer<FileInfo> fn) throws IOException {
        if (ConfigListing.listed(this, type, fn)) return;
        String dir = (where.prefix().isEmpty() ? "" : where.prefix() + "/") + type.folder() + "/";
        String token = null;
        do {
            String t = token;
            List<S3Object> contents;
            int status;
            String id;
            try {
                if (listV1) {
                    // ListObjects v1 pages by the last key seen (the marker), for servers without v2.
                    ListObjectsResponse page = s3.listObjects(r -> {
                        r.bucket(where.bucket()).prefix(dir).marker(t).maxKeys(pageSize);
                        if (type != FileType.DATA) r.delimiter("/");
                    });
                    contents = page.contents();
                    status = page.sdkHttpResponse().statusCode();
                    id = page.responseMetadata().requestId();
                    String last = page.nextMarker() != null ? page.nextMarker()
                            : contents.isEmpty() ? null : contents.get(contents.size() - 1).key();
                    token = Boolean.TRUE.equals(page.isTruncated()) ? last : null;
                } else {
                    ListObjectsV2Response page = s3.listObjectsV2(r -> {
                        r.bucket(where.bucket()).prefix(dir).continuationToken(t).maxKeys(pageSize);
                        // restic lists data/ recursively (data/XX/ID), the other folders flat.
                        if (type != FileType.DATA) r.delimiter("/");
                    });
                    contents = page.contents();
                    status = page.sdkHttpResponse().statusCode();
                    id = page.responseMetadata().requestId();
                    token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
                }
            } catch (S3Exception e) {
                notS3(e);
                if (e.statusCode() == 404 && "NoSuchBucket".equals(code(e))) return; // a missing folder lists nothing
                throw failure(location + "/" + type.folder() + "/", "list", e);
            } catch (SdkException e) {
                throw failure(location + "/" + type.folder() + "/", "list", e);
            } catch (IllegalArgumentException e) {
                throw new IOException("cannot list " + location + "/" + type.folder() + "/: the AWS SDK refused the request ("
                        + e.getMessage() + ")", e);
            }
            // A web server's 200 page (an HTML index) parses as an empty listing: not S3's ListBucketResult.
            if (id == null || id.isBlank() || id.equals("UNKNOWN")) throw notS3(status, null);
            for (S3Object o : contents) {
                String rel = o.key().substring(dir.length());
                String name = rel.substring(rel.lastIndexOf('/') + 1);
                if (!Backend.isId(name)) continue;
                // a pack is read from data/<its first two hex digits>/<ID>: a key elsewhere is listed as such
                String foundAt = type == FileType.DATA && !rel.equals(name.substring(0, 2) + "/" + name) ? type.folder() + "/" + rel : null;
                fn.accept(new FileInfo(name, o.size(), true, foundAt));
            }
        } while (token != null);
    }

    @Override
    public void close() throws IOException {
        s3.close();
        if (credentials != null) {
            try {
                credentials.close();
            } catch (Exception e) {
                // nothing held that matters
            }
        }
    }

    // ------------------------------------------------------------------------------ bucket facts

    /** Whether the bucket has Object Lock enabled (asked once; an error or a server without it counts as no). */
    boolean objectLock() throws IOException {
        Boolean b = objectLock;
        if (b != null) return b;
        try {
            var r = s3.getObjectLockConfiguration(x -> x.bucket(where.bucket()));
            b = r.objectLockConfiguration() != null && r.objectLockConfiguration().objectLockEnabled() == ObjectLockEnabled.ENABLED;
        } catch (S3Exception e) {
            notS3(e);
            if (transientStatus(e)) throw failure(location, "read the Object Lock setting of the " + bucketName(), e);
            if (e.statusCode() == 404 && "NoSuchBucket".equals(code(e))) return false; // not cached: it may be created
            b = false; // none (404), not implemented (501, 400) or not allowed to ask (403)
        } catch (SdkException e) {
            throw failure(location, "read the Object Lock setting of the " + bucketName(), e);
        }
        objectLock = b;
        return b;
    }

    /** Whether the bucket keeps versions (enabled or suspended; asked once, an error counts as no). */
    private boolean versioned() throws IOException {
        Boolean b = versioned;
        if (b != null) return b;
        try {
            var r = s3.getBucketVersioning(x -> x.bucket(where.bucket()));
            b = r.status() != null;
        } catch (S3Exception e) {
            notS3(e);
            if (transientStatus(e)) throw failure(location, "read the versioning setting of the " + bucketName(), e);
            if (e.statusCode() == 404 && "NoSuchBucket".equals(code(e))) return false;
            b = false;
        } catch (SdkException e) {
            throw failure(location, "read the versioning setting of the " + bucketName(), e);
        }
        versioned = b;
        return b;
    }

    // ------------------------------------------------------------------------------ errors

    /** A special case of an S3 error: a failure to throw, null for "this is no special case". */
    @FunctionalInterface
    private interface Special {
        IOException of(S3Exception e);
    }

    /** Runs one request, mapping its failure to a {@link StorageError} (or a special one). */
    private <T> T call(String file, String what, Supplier<T> request, Special special) throws IOException {
        try {
            return request.get();
        } catch (S3Exception e) {
            notS3(e);
            if (special != null) {
                IOException s = special.of(e);
                if (s != null) throw s;
            }
            throw failure(file, what, e);
        } catch (SdkException e) {
            throw failure(file, what, e);
        } catch (IllegalArgumentException e) {
            // The SDK's own checks of a request (a key or value it refuses): one sentence, not an internal error.
            throw new IOException("cannot " + what + " " + file + ": the AWS SDK refused the request (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Throws when an error answer is not an S3 server's: no request ID (every S3 server, Amazon,
     * Ceph RGW, MinIO, sends x-amz-request-id, also on a HEAD's 404, which has no body; the SDK
     * makes up an error code such as NoSuchBucket for a bodiless 404, so the code proves nothing). A web server answering 404 to everything would otherwise read as "no
     * such file" and "no such bucket".
     *
     * @throws IOException one sentence naming the endpoint and the HTTP status
     */
    private void notS3(S3Exception e) throws IOException {
        // A gateway's 5xx / 429 / 408 in front of a real S3 server has no request ID either: still transient.
        int status = e.statusCode();
        if (status == 0 || status >= 500 || status == 429 || status == 408) return;
        String id = e.requestId();
        if (id != null && !id.isBlank()) return;
        if (e.extendedRequestId() != null && !e.extendedRequestId().isBlank()) return;
        throw notS3(e.statusCode(), e);
    }

    private IOException notS3(int status, Exception cause) {
        String reason = switch (status) {
            case 0 -> "";
            case 200 -> " OK";
            case 301 -> " Moved Permanently";
            case 400 -> " Bad Request";
            case 403 -> " Forbidden";
            case 404 -> " Not Found";
            case 405 -> " Method Not Allowed";
            case 501 -> " Not Implemented";
            default -> "";
        };
        return new IOException("the endpoint " + where.endpoint() + " of repository location '" + location
                + "' does not answer as an S3 server (HTTP " + status + reason
                + " without an S3 request ID); check the host and port", cause);
    }

    private static String code(S3Exception e) {
        return e.awsErrorDetails() == null || e.awsErrorDetails().errorCode() == null ? "" : e.awsErrorDetails().errorCode();
    }

    private static boolean transientStatus(S3Exception e) {
        int s = e.statusCode();
        String c = code(e);
        return s >= 500 || s == 429 || s == 408 || c.equals("RequestTimeout") || c.equals("SlowDown") || c.equals("Throttling")
                || c.equals("ThrottlingException")
                || c.equals("ConditionalRequestConflict") || c.equals("OperationAborted") || c.equals("InternalError");
    }

    /**
     * Maps an SDK failure to Lifeboat's kinds: 404 → NotFound, 403 → Denied, 416 → BadRange,
     * 5xx / throttling / timeouts / network faults → Transient, an interrupt → InterruptedIOException,
     * anything else → a permanent IOException; each one sentence naming the file (never a credential).
     */
    private IOException failure(String file, String what, SdkException e) {
        if (e instanceof AbortedException || Thread.currentThread().isInterrupted() && e instanceof SdkClientException) {
            InterruptedIOException x = new InterruptedIOException("interrupted: S3 request to " + what + " " + file + " stopped");
            x.initCause(e);
            return x;
        }
        if (e instanceof S3Exception s) {
            int status = s.statusCode();
            String c = code(s);
            String detail = c.isEmpty() ? "HTTP " + status : c + " (HTTP " + status + ")";
            if (status == 404) {
                if (c.equals("NoSuchBucket")) {
                    StorageError.NotFound nf = new StorageError.NotFound(file + " (the " + bucketName() + " does not exist)");
                    nf.initCause(e);
                    return nf;
                }
                StorageError.NotFound nf = new StorageError.NotFound(file);
                nf.initCause(e);
                return nf;
            }
            if (status == 403 || c.equals("InvalidAccessKeyId") || c.equals("SignatureDoesNotMatch")) {
                String why = switch (c) {
                    case "SignatureDoesNotMatch" -> "the S3 server refused the request signature: the secret key (AWS_SECRET_ACCESS_KEY) is wrong for this access key";
                    case "InvalidAccessKeyId" -> "the S3 server does not know the access key (AWS_ACCESS_KEY_ID)";
                    case "AccessDenied" -> "access denied by the S3 server" + message(s);
                    case "" -> "access denied by the S3 server (HTTP 403): the credentials are wrong or not allowed to "
                            + what + " in the " + bucketName();
                    default -> "the S3 server refused to " + what + " it: " + detail + message(s);
                };
                StorageError.Denied d = new StorageError.Denied(file, why);
                d.initCause(e);
                return d;
            }
            if (status == 416) return new StorageError.BadRange(file + ": the range asked for is past the file's end");
            if (transientStatus(s)) {
                return new StorageError.Transient("cannot " + what + " " + file + ": the S3 server answered " + detail + message(s), e);
            }
            if (c.equals("ExpiredToken") || c.equals("TokenRefreshRequired")) {
                StorageError.Denied d = new StorageError.Denied(file, "the S3 credentials have expired (" + c + "); renew AWS_SESSION_TOKEN or the profile's");
                d.initCause(e);
                return d;
            }
            return new IOException("cannot " + what + " " + file + ": the S3 server answered " + detail + message(s), e);
        }
        // No answer: the connection failed, timed out or was reset; the request may be retried.
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return new StorageError.Transient("cannot " + what + " " + file + ": " + m, e);
    }

    private static String message(S3Exception e) {
        String m = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorMessage();
        return m == null || m.isBlank() ? "" : ": " + m;
    }
}
