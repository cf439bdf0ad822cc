package org.lifeboat.testutil;

import java.io.IOException;

/**
 * Starts the test servers bench/remote measures against (the same fixtures the tests use), prints
 * what a client needs as KEY=VALUE lines, then "ready", and stops them when its standard input
 * closes (bench/remote holds it open while it runs).
 *
 * <p>Usage: {@code java -cp TEST_CLASSPATH org.lifeboat.testutil.BenchServers s3}: prints
 * S3_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_DEFAULT_REGION of a one-node
 * Ceph RADOS Gateway ({@link CephRgw}), and LOCK_BUCKET_1 and LOCK_BUCKET_2: two buckets created with
 * Object Lock.
 */
public final class BenchServers {
    private BenchServers() {}

    public static void main(String[] args) throws IOException {
        CephRgw rgw = null;
        try {
            for (String a : args) {
                if (a.equals("s3")) {
                    rgw = CephRgw.start();
                    CephRgw started = rgw;
                    // A SIGTERM skips the finally below: stop Ceph's daemons then too (close is idempotent).
                    Runtime.getRuntime().addShutdownHook(new Thread(started::close));
                    System.out.println("S3_ENDPOINT=" + rgw.endpoint());
                    System.out.println("AWS_ACCESS_KEY_ID=" + rgw.accessKey());
                    System.out.println("AWS_SECRET_ACCESS_KEY=" + rgw.secretKey());
                    System.out.println("AWS_DEFAULT_REGION=" + rgw.region());
                    // Two buckets with Object Lock for trying immutable repositories by hand.
                    System.out.println("LOCK_BUCKET_1=" + rgw.createObjectLockBucket("lock"));
                    System.out.println("LOCK_BUCKET_2=" + rgw.createObjectLockBucket("lock"));
                }
            }
            System.out.println("ready");
            System.out.flush();
            while (System.in.read() >= 0) {
                // wait for end of input
            }
        } finally {
            if (rgw != null) rgw.close();
        }
    }
}
