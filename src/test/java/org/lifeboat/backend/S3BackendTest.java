package org.lifeboat.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.lifeboat.testutil.CephRgw;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/** What the S3 backend does beyond the contract: restic's locations and layout, multipart uploads, buckets, errors. */
class S3BackendTest {

    // ------------------------------------------------------------------ locations (no server)

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "null", value = {
            "s3:https://s3.example.com/bucket/some/prefix | true  | s3.example.com       | bucket | some/prefix",
            "s3:http://127.0.0.1:7480/bucket/repo         | false | 127.0.0.1:7480       | bucket | repo",
            "s3:http://127.0.0.1:7480/bucket              | false | 127.0.0.1:7480       | bucket | ''",
            "s3:http://127.0.0.1:7480/bucket/             | false | 127.0.0.1:7480       | bucket | ''",
            "s3:s3.amazonaws.com/bucket/prefix            | true  | s3.amazonaws.com     | bucket | prefix",
            "s3://minio.local:9000/bucket/a//b/./c/       | true  | minio.local:9000     | bucket | a/b/c",
            "s3:s3.eu-west-1.amazonaws.com/bkt            | true  | s3.eu-west-1.amazonaws.com | bkt | ''",
            "s3:HTTPS://[::1]:9000/bkt/p                  | true  | [::1]:9000           | bkt    | p"})
    void locationsAreReadAsResticReadsThem(String location, boolean https, String host, String bucket, String prefix) {
        S3Location l = S3Location.parse(location, location.substring(3));
        assertThat(l).isEqualTo(new S3Location(https, host, bucket, prefix));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "s3:https://s3.example.com         | names no bucket",
            "s3:https://s3.example.com/        | names no bucket",
            "s3:s3.example.com                 | names no bucket",
            "s3:/bucket/prefix                 | names no host",
            "s3:https://key:secret@host/b/p    | holds credentials",
            "s3:key:secret@host/b/p            | holds credentials",
            "s3:https://host/b/../p            | '..'",
            "s3:https://ho st/b                | not a valid URL",
            "s3:https://host/UPPER/p           | not a valid S3 bucket name: it has upper-case letters",
            "s3:https://host/Bad_Bucket        | not a valid S3 bucket name",
            "s3:https://host/a                 | not a valid S3 bucket name: it is 1 characters long",
            "s3:https://host/b..c              | not a valid S3 bucket name: it has '..'",
            "s3:https://host/x%20y             | not a valid S3 bucket name: it has the character ' '",
            "s3:https://host/-lead             | not a valid S3 bucket name: it does not start",
            "s3:https://host/10.0.0.1          | not a valid S3 bucket name: it is an IP address",
            "s3:ftp://host/bucket              | the scheme must be http or https"})
    void badLocationsAreRefusedInOneSentenceNeverShowingASecret(String location, String why) {
        assertThatThrownBy(() -> S3Location.parse(location, location.substring(3)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(why)
                .hasMessageNotContaining("secret")
                .satisfies(e -> assertThat(e.getMessage().lines().count()).isEqualTo(1));
    }

    @Test
    void bucketLookupIsPathStyleForCustomEndpointsAndVirtualHostsForAmazonAsMinioGoDecides() {
        S3Location custom = S3Location.parse("s3:http://127.0.0.1:7480/bkt", "http://127.0.0.1:7480/bkt");
        S3Location aws = S3Location.parse("s3:s3.amazonaws.com/bkt", "s3.amazonaws.com/bkt");
        S3Location dotted = S3Location.parse("s3:s3.amazonaws.com/my.bucket", "s3.amazonaws.com/my.bucket");
        assertThat(custom.pathStyle(null)).isTrue();
        assertThat(custom.pathStyle("auto")).isTrue();
        assertThat(custom.pathStyle("dns")).isFalse();
        assertThat(aws.pathStyle("auto")).isFalse();
        assertThat(aws.pathStyle("path")).isTrue();
        assertThat(dotted.pathStyle("auto")).as("dots break the TLS wildcard of virtual hosts").isTrue();
        assertThat(aws.aws()).isTrue();
        assertThat(custom.aws()).isFalse();
        assertThat(S3Location.parse("s3:s3.eu-west-1.amazonaws.com/bkt", "s3.eu-west-1.amazonaws.com/bkt").regionInHost()).isEqualTo("eu-west-1");
        assertThat(S3Location.parse("s3:s3-us-west-2.amazonaws.com/bkt", "s3-us-west-2.amazonaws.com/bkt").regionInHost()).isEqualTo("us-west-2");
        assertThat(aws.regionInHost()).isNull();
    }

    @Test
    void halfSetCredentialVariablesAreNamedAsResticNamesThem() {
        assertThatThrownBy(() -> S3Backend.checkCredentialVariables("s3:h/b", Map.of("AWS_ACCESS_KEY_ID", "AK")))
                .hasMessageContaining("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is empty");
        assertThatThrownBy(() -> S3Backend.checkCredentialVariables("s3:h/b", Map.of("AWS_SECRET_ACCESS_KEY", "topsecret")))
                .hasMessageContaining("AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is empty")
                .hasMessageNotContaining("topsecret");
        S3Backend.checkCredentialVariables("s3:h/b", Map.of("AWS_ACCESS_KEY_ID", "AK", "AWS_SECRET_ACCESS_KEY", "S"));
        S3Backend.checkCredentialVariables("s3:h/b", Map.of());
    }

    // ------------------------------------------------------------------ against the gateway

    /** The tests below use the JVM's one gateway (started by the first of them), each with its own bucket. */
    @org.junit.jupiter.api.Nested
    @Tag("slow")
    class OnCeph {
        private final CephRgw rgw = CephRgw.shared();

        private static String id(int i) {
            return BackendContract.id(i);
        }

        private List<String> keys(String bucket) {
            return rgw.client().listObjectsV2Paginator(r -> r.bucket(bucket)).contents().stream().map(S3Object::key).sorted().toList();
        }

        @Test
        void filesLieWhereResticPutsThemUnderThePrefix() throws IOException {
            String bucket = rgw.createBucket("layout");
            try (S3Backend b = S3BackendContractTest.open(rgw, bucket, "backups/host1", BackendOptions.DEFAULT)) {
                b.create();
                b.save(Handle.CONFIG, new byte[] {1});
                for (FileType t : List.of(FileType.DATA, FileType.KEY, FileType.LOCK, FileType.SNAPSHOT, FileType.INDEX)) {
                    b.save(new Handle(t, id(t.ordinal())), new byte[] {2});
                }
                assertThat(keys(bucket)).containsExactlyInAnyOrder(
                        "backups/host1/config",
                        "backups/host1/data/" + id(FileType.DATA.ordinal()).substring(0, 2) + "/" + id(FileType.DATA.ordinal()),
                        "backups/host1/keys/" + id(FileType.KEY.ordinal()),
                        "backups/host1/locks/" + id(FileType.LOCK.ordinal()),
                        "backups/host1/snapshots/" + id(FileType.SNAPSHOT.ordinal()),
                        "backups/host1/index/" + id(FileType.INDEX.ordinal()));
            }
            // Without a prefix, the repository is the bucket's top level (restic since 0.9).
            String top = rgw.createBucket("top");
            try (S3Backend b = S3BackendContractTest.open(rgw, top, "", BackendOptions.DEFAULT)) {
                b.save(Handle.CONFIG, new byte[] {1});
                b.save(new Handle(FileType.DATA, id(9)), new byte[] {2});
                assertThat(keys(top)).containsExactlyInAnyOrder("config", "data/" + id(9).substring(0, 2) + "/" + id(9));
                assertThat(b.location()).isEqualTo(rgw.location(top, ""));
            }
        }

        @Test
        void listingPagesThroughManyPagesAndSkipsOtherFoldersAndPrefixes() throws IOException {
            String bucket = rgw.createBucket("pages");
            // Pages of 100 keys (1,000 in use): the listing follows the continuation tokens.
            try (S3Backend b = S3BackendContractTest.open(rgw, bucket, "repo", BackendOptions.DEFAULT, 32 << 20, 16 << 20, 100)) {
                java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
                try {
                    List<java.util.concurrent.Future<?>> fs = new java.util.ArrayList<>();
                    for (int i = 0; i < 250; i++) {
                        int k = i;
                        fs.add(pool.submit(() -> {
                            b.save(new Handle(FileType.INDEX, id(10_000 + k)), new byte[k % 5]);
                            return null;
                        }));
                    }
                    for (var f : fs) f.get();
                } catch (Exception e) {
                    throw new AssertionError(e);
                } finally {
                    pool.shutdownNow();
                }
                // Files of another repository beside it, and one in a subfolder of index/, are not its.
                S3Client raw = rgw.client();
                raw.putObject(r -> r.bucket(bucket).key("repo2/index/" + id(1)), software.amazon.awssdk.core.sync.RequestBody.empty());
                raw.putObject(r -> r.bucket(bucket).key("repo/index/sub/" + id(2)), software.amazon.awssdk.core.sync.RequestBody.empty());
                List<FileInfo> all = b.list(FileType.INDEX);
                assertThat(all).hasSize(250).doesNotHaveDuplicates();
                assertThat(all).contains(new FileInfo(id(10_003), 3));
            }
        }

        @Test
        void largeFilesGoUpInPartsAndAppearOnlyWhenComplete() throws IOException {
            String bucket = rgw.createBucket("multipart");
            // 5 MiB parts (S3's smallest) above 6 MiB, so that 12 MiB make three parts.
            try (S3Backend b = S3BackendContractTest.open(rgw, bucket, "repo", BackendOptions.DEFAULT, 6 << 20, 5 << 20, 1000)) {
                byte[] big = new byte[12 << 20];
                new Random(5).nextBytes(big);
                Handle h = new Handle(FileType.DATA, id(1));
                b.save(h, big, 0, big.length);
                assertThat(b.load(h)).isEqualTo(big);
                assertThat(b.load(h, (11 << 20) + 5, 1000)).isEqualTo(java.util.Arrays.copyOfRange(big, (11 << 20) + 5, (11 << 20) + 1005));
                String etag = rgw.client().headObject(r -> r.bucket(bucket).key(b.key(h))).eTag();
                assertThat(etag).as("a multipart ETag ends with the number of parts").endsWith("-3\"");
                // The name is written once, also for large files.
                assertThatThrownBy(() -> b.save(h, big, 0, big.length)).isInstanceOf(StorageError.AlreadyExists.class);
                assertThat(rgw.client().listMultipartUploads(r -> r.bucket(bucket)).uploads()).isEmpty();
            }
            // Parts smaller than S3 allows: every part goes up, the completion is refused. Nothing
            // appears under the name, and the upload is aborted (no parts left to be billed).
            try (S3Backend b = S3BackendContractTest.open(rgw, bucket, "repo", BackendOptions.DEFAULT, 2 << 20, 1 << 20, 1000)) {
                byte[] data = new byte[3 << 20];
                Handle h = new Handle(FileType.DATA, id(2));
                assertThatThrownBy(() -> b.save(h, data, 0, data.length)).isInstanceOf(IOException.class)
                        .hasMessageContaining(h.name()).hasMessageContaining("complete the upload");
                assertThat(b.exists(h)).isFalse();
                assertThat(b.list(FileType.DATA)).extracting(FileInfo::name).containsExactly(id(1));
                assertThat(rgw.client().listMultipartUploads(r -> r.bucket(bucket)).uploads()).isEmpty();
            }
        }

        @Test
        void aMissingBucketIsNoContainerListsNothingAndIsMadeByCreate() throws IOException {
            String bucket = rgw.unusedBucketName("missing");
            try (S3Backend b = S3BackendContractTest.open(rgw, bucket, "repo", BackendOptions.DEFAULT)) {
                assertThat(b.containerExists()).isFalse();
                assertThat(b.list(FileType.SNAPSHOT)).isEmpty();
                assertThat(b.list(FileType.CONFIG)).isEmpty();
                assertThat(b.exists(Handle.CONFIG)).isFalse();
                assertThatThrownBy(() -> b.load(Handle.CONFIG)).isInstanceOf(StorageError.NotFound.class)
                        .hasMessageContaining(bucket + "/repo/config");
                b.create();
                assertThat(b.containerExists()).isTrue();
                assertThat(rgw.client().headBucket(r -> r.bucket(bucket)).sdkHttpResponse().isSuccessful()).isTrue();
                b.save(Handle.CONFIG, new byte[] {1});
                assertThatThrownBy(b::create).isInstanceOf(StorageError.AlreadyExists.class).hasMessageContaining(bucket + "/repo/config");
            }
        }

        @Test
        void wrongCredentialsAreDeniedInOneSentenceWithoutTheSecret() throws IOException {
            String bucket = rgw.createBucket("creds");
            String wrong = "WRONGsecretWRONGsecretWRONGsecret0123456";
            String location = rgw.location(bucket, "repo");
            for (var creds : List.of(AwsBasicCredentials.create(rgw.accessKey(), wrong), AwsBasicCredentials.create("NOSUCHKEY", wrong))) {
                try (S3Backend b = S3Backend.open(location, S3Location.parse(location, location.substring(3)), BackendOptions.DEFAULT,
                        StaticCredentialsProvider.create(creds), null, Map.of())) {
                    for (ThrowingCall c : List.<ThrowingCall>of(() -> b.stat(Handle.CONFIG), () -> b.load(Handle.CONFIG),
                            () -> b.save(new Handle(FileType.KEY, id(1)), new byte[1]), () -> b.list(FileType.KEY))) {
                        assertThatThrownBy(c::run).isInstanceOf(StorageError.Denied.class)
                                .hasMessageContaining(bucket)
                                .hasMessageNotContaining(wrong).hasMessageNotContaining(rgw.secretKey())
                                .satisfies(e -> assertThat(e.getMessage().lines().count()).isEqualTo(1));
                    }
                }
            }
        }

        @Test
        void theConnectionsOptionSizesTheBackendAsResticsDefaultOfFive() throws IOException {
            String bucket = rgw.createBucket("conns");
            try (S3Backend b = S3BackendContractTest.open(rgw, bucket, "", BackendOptions.DEFAULT)) {
                assertThat(b.connections()).isEqualTo(5);
            }
            try (S3Backend b = S3BackendContractTest.open(rgw, bucket, "", BackendOptions.parse(List.of("s3.connections=12")))) {
                assertThat(b.connections()).isEqualTo(12);
            }
        }

        @Test
        void theStorageClassOptionIsSentWithEveryUpload() throws IOException {
            String bucket = rgw.createBucket("class");
            // STANDARD is the one class a fresh RGW zone has; the request carries it.
            try (S3Backend b = S3BackendContractTest.open(rgw, bucket, "", BackendOptions.parse(List.of("s3.storage-class=STANDARD")))) {
                Handle h = new Handle(FileType.SNAPSHOT, id(3));
                b.save(h, new byte[10]);
                assertThat(rgw.client().listObjectsV2(r -> r.bucket(bucket)).contents()).singleElement()
                        .satisfies(o -> assertThat(o.storageClassAsString()).isEqualTo("STANDARD"));
            }
            try (S3Backend b = S3BackendContractTest.open(rgw, bucket, "x", BackendOptions.parse(List.of("s3.storage-class=NO_SUCH_CLASS")))) {
                assertThatThrownBy(() -> b.save(new Handle(FileType.SNAPSHOT, id(4)), new byte[10])).isInstanceOf(IOException.class)
                        .hasMessageContaining("snapshots/" + id(4)).hasMessageContaining("HTTP 400");
            }
        }
    }

    @FunctionalInterface
    interface ThrowingCall {
        void run() throws Exception;
    }
}
