package org.lifeboat.repository;

/**
 * Counts in messages: "1 blob", "2 blobs", "0 packs", "1 index entry", "3 index entries". One
 * helper so that no message says "1 blobs".
 */
public final class Plural {
    private Plural() {}

    /** {@code n} and the word, with an "s" unless {@code n} is 1 ("1 blob", "2 blobs"). */
    public static String of(long n, String one) {
        return n + " " + (n == 1 ? one : one + "s");
    }

    /** {@code n} and the word in its singular or the given plural form ("1 entry", "2 entries"). */
    public static String of(long n, String one, String many) {
        return n + " " + (n == 1 ? one : many);
    }
}
