package org.lifeboat.restore;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.tree.Node;

/** A file of a snapshot as a stream, at most a read-ahead window in memory: dumps go straight into a loader. */
public final class FileContent extends InputStream {
    private final BlobWindow window;
    private final List<Id> blobs;
    private int next;
    private byte[] cur = new byte[0];
    private int pos;

    private FileContent(Repository repo, List<Id> blobs) {
        // blobs read pack by pack with a bounded read-ahead (see BlobWindow)
        this.window = new BlobWindow(repo, blobs, org.lifeboat.backend.Cancel.NEVER);
        this.blobs = blobs;
    }

    public static InputStream open(Repository repo, Node file) {
        return new FileContent(repo, file.content() == null ? List.of() : file.content());
    }

    private boolean fill() throws IOException {
        while (pos >= cur.length) {
            if (next >= blobs.size()) return false;
            cur = window.blob(blobs.get(next++));
            pos = 0;
        }
        return true;
    }

    @Override
    public int read() throws IOException {
        return fill() ? cur[pos++] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) return 0;
        if (!fill()) return -1;
        int n = Math.min(len, cur.length - pos);
        System.arraycopy(cur, pos, b, off, n);
        pos += n;
        return n;
    }
}
