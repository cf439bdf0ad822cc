package org.lifeboat.fs;

/** The file type from the S_IFMT bits of st_mode. */
public enum FileKind {
    REGULAR, DIRECTORY, SYMLINK, BLOCK_DEVICE, CHAR_DEVICE, FIFO, SOCKET, OTHER;

    public static final int S_IFMT = 0170000;
    public static final int S_IFSOCK = 0140000;
    public static final int S_IFLNK = 0120000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFBLK = 0060000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFCHR = 0020000;
    public static final int S_IFIFO = 0010000;

    public static FileKind fromMode(int stMode) {
        return switch (stMode & S_IFMT) {
            case S_IFREG -> REGULAR;
            case S_IFDIR -> DIRECTORY;
            case S_IFLNK -> SYMLINK;
            case S_IFBLK -> BLOCK_DEVICE;
            case S_IFCHR -> CHAR_DEVICE;
            case S_IFIFO -> FIFO;
            case S_IFSOCK -> SOCKET;
            default -> OTHER;
        };
    }
}
