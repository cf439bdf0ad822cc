package org.lifeboat.prune;

import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Repository;

/**
 * The used-blob set, as one byte per blob of the loaded index, addressed by the index's own entry
 * numbers ({@link Repository#indexedBlobNumber}): 1 byte per blob (a HashSet of Id objects costs
 * about 100; restic's set about 40). Blobs the index does not know have no number: they are missing,
 * which the walk reports instead of storing.
 *
 * <p>Values: 0 not used; 1 used, no copy counted yet; 1 + n used with n copies in the index (saturating
 * at 255, as restic's uint8 counter). After pack selection every used blob holds {@link #TO_COPY}
 * until a kept pack or the repacking takes care of it, then {@link #DONE}.
 */
final class BlobMarks {
    static final byte UNUSED = 0;
    /** Used and handled: in a kept pack, or copied into a new one. */
    static final byte DONE = 1;
    /** Used, one copy chosen, still to be copied into a new pack. */
    static final byte TO_COPY = 2;

    private final byte[] data;
    private final byte[] trees;

    BlobMarks(Repository repo) {
        data = new byte[repo.indexedBlobCount(BlobType.DATA)];
        trees = new byte[repo.indexedBlobCount(BlobType.TREE)];
    }

    private byte[] of(BlobType t) {
        return t == BlobType.DATA ? data : trees;
    }

    /** Marks a blob used; returns true the first time (false when it was marked already). */
    synchronized boolean markUsed(BlobType t, int number) {
        byte[] a = of(t);
        if (a[number] != UNUSED) return false;
        a[number] = 1;
        return true;
    }

    /** The value for a blob (see the class comment), 0 to 255. */
    int get(BlobType t, int number) {
        return of(t)[number] & 0xff;
    }

    void set(BlobType t, int number, int value) {
        of(t)[number] = (byte) value;
    }

    /** Takes a blob still to be copied (TO_COPY → DONE); false when another copy took it, or none is needed. */
    synchronized boolean claim(BlobType t, int number) {
        byte[] a = of(t);
        if (a[number] != TO_COPY) return false;
        a[number] = DONE;
        return true;
    }

    /** Counts the blobs still holding {@code value} (both types). */
    long count(int value) {
        long n = 0;
        for (byte b : data) if ((b & 0xff) == value) n++;
        for (byte b : trees) if ((b & 0xff) == value) n++;
        return n;
    }

    /** Some blob still holding {@code value}, as "data blob 1a2b3c4d", or null (for messages). */
    String example(Repository repo, int value) {
        for (BlobType t : new BlobType[] {BlobType.DATA, BlobType.TREE}) {
            byte[] a = of(t);
            for (int i = 0; i < a.length; i++) {
                if ((a[i] & 0xff) == value) {
                    int n = i;
                    Id[] found = new Id[1];
                    repo.forEachIndexEntry((b, num) -> {
                        if (found[0] == null && num == n && b.type() == t) found[0] = b.id();
                    });
                    return t.json() + " blob " + (found[0] == null ? "#" + i : found[0].shortHex());
                }
            }
        }
        return null;
    }
}
