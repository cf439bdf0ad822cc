package org.lifeboat.repository;

/**
 * A blob is not in the index as the type asked for. When the index holds the ID as the other type
 * (a tree ID that names file contents, or the reverse: only a damaged or hostile tree does that) the
 * message says so, since "not in the index" alone would send the user looking for a lost pack.
 */
public final class BlobNotFoundException extends RepositoryException {
    /** A blob of {@code type} the index does not hold under any type. */
    public BlobNotFoundException(BlobType type, Id id) {
        this(type, id, false);
    }

    /**
     * @param asOtherType whether the index holds {@code id} as the other blob type
     */
    public BlobNotFoundException(BlobType type, Id id, boolean asOtherType) {
        super(asOtherType
                ? type.json() + " blob " + id.shortHex() + " is not in the index as " + (type == BlobType.TREE ? "a tree" : "data") + ": that ID names a "
                        + (type == BlobType.TREE ? BlobType.DATA : BlobType.TREE).json() + " blob"
                : type.json() + " blob " + id.shortHex() + " is not in the index");
    }
}
