package org.lifeboat.check;

import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;

/**
 * A blob as restic's index knows it: by type and ID. The same 32 bytes may name a tree in one
 * place and a data blob in another (a hostile tree can say so); they are two blobs, and damage to
 * one must not be blamed on users of the other.
 */
record BlobKey(BlobType type, Id id) {
    static BlobKey tree(Id id) {
        return new BlobKey(BlobType.TREE, id);
    }

    static BlobKey data(Id id) {
        return new BlobKey(BlobType.DATA, id);
    }
}
