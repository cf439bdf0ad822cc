package org.lifeboat.repository;

/** The two kinds of blob: file content and directory trees. */
public enum BlobType {
    DATA("data"),
    TREE("tree");

    private final String json;

    BlobType(String json) {
        this.json = json;
    }

    public String json() {
        return json;
    }

    public static BlobType fromJson(String s) throws RepositoryException {
        return switch (s) {
            case "data" -> DATA;
            case "tree" -> TREE;
            default -> throw new RepositoryException("unknown blob type '" + s + "'");
        };
    }
}
