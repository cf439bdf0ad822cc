package org.lifeboat.repository;

/** A blob is not in the index. */
public final class BlobNotFoundException extends RepositoryException {
    public BlobNotFoundException(BlobType type, Id id) {
        super(type.json() + " blob " + id.shortHex() + " is not in the index");
    }
}
