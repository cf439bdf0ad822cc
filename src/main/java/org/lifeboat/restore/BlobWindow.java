package org.lifeboat.restore;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lifeboat.backend.Cancel;
import org.lifeboat.repository.BlobNotFoundException;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.PackedBlob;
import org.lifeboat.repository.Repository;

/**
 * Data blobs read in stream order (dump, database dumps fed to a loader) with a bounded
 * read-ahead: a blob not yet read is fetched together with the blobs that follow it in its pack,
 * up to {@link #WINDOW} bytes, with one request ({@link Repository#loadBlobsFromPack}), and kept
 * until used (at most two windows: the oldest blobs read ahead are dropped first). Files are usually stored in the order they are walked, so a folder of small files
 * that share a pack is read with one request per window instead of one per file. Memory is
 * bounded by two windows. Not thread-safe: one per stream.
 */
public final class BlobWindow {
    /** Bytes (stored, and plain) one read-ahead covers and the window keeps at most. */
    static final int WINDOW = 8 * 1024 * 1024;

    private final Repository repo;
    private final Cancel cancel;
    private final Repository.ReadBuffer buffer = new Repository.ReadBuffer();
    /** Blobs read ahead, not used yet, in read order; their plain bytes are {@link #held}. */
    private final LinkedHashMap<Id, byte[]> ahead = new LinkedHashMap<>();
    private final Map<Id, IOException> failedAhead = new HashMap<>();
    private long held;
    private Map<Id, List<PackedBlob>> byPack;

    /**
     * A window over any blobs of the repository (dump walks many files): what may be read ahead is
     * every data blob of the pack, from a map of the whole index built at the first read.
     *
     * @param cancel checked before each request; a cancelled stream ends with {@link Cancel.Cancelled}
     */
    public BlobWindow(Repository repo, Cancel cancel) {
        this.repo = repo;
        this.cancel = cancel;
    }

    /**
     * A window over one stream's blobs (a single file): only they are read ahead, and the map of
     * packs covers only them, so a small file costs no walk over the whole index.
     */
    public BlobWindow(Repository repo, List<Id> stream, Cancel cancel) {
        this(repo, cancel);
        byPack = repo.planByPack(BlobType.DATA, stream).packs();
        for (List<PackedBlob> l : byPack.values()) l.sort(java.util.Comparator.comparingLong(PackedBlob::offset));
    }

    /**
     * A data blob's verified plaintext.
     *
     * @throws BlobNotFoundException if the index does not know it
     * @throws org.lifeboat.repository.RepositoryException if it is damaged in every copy
     * @throws Cancel.Cancelled if cancelled
     */
    public byte[] blob(Id id) throws IOException {
        byte[] b = ahead.remove(id);
        if (b != null) {
            held -= b.length;
            return b;
        }
        IOException e = failedAhead.remove(id);
        if (e != null) throw e;
        PackedBlob pb = repo.findBlob(BlobType.DATA, id).orElse(null);
        if (pb == null) throw new BlobNotFoundException(BlobType.DATA, id);
        // Not read ahead: a new window starts here. What was read ahead stays (a file may alternate
        // between packs) until the oldest is dropped to keep at most two windows.
        failedAhead.clear();
        List<PackedBlob> window = new ArrayList<>();
        window.add(pb);
        long stored = pb.length();
        long plain = pb.plainLength();
        for (PackedBlob next : following(pb)) {
            if (stored + next.length() > WINDOW || plain + next.plainLength() > WINDOW) break;
            if (next.offset() - (pb.offset() + stored) > Repository.MAX_READ_GAP) break;
            window.add(next);
            stored = next.offset() + next.length() - pb.offset();
            plain += next.plainLength();
        }
        byte[][] wanted = new byte[1][];
        IOException[] error = new IOException[1];
        repo.loadBlobsFromPack(pb.pack(), window, buffer, (x, data, err) -> {
            if (x.id().equals(id)) {
                wanted[0] = data;
                error[0] = err;
            } else if (data != null) {
                ahead.put(x.id(), data);
                held += data.length;
            } else {
                failedAhead.put(x.id(), err);
            }
        }, cancel);
        var it = ahead.entrySet().iterator();
        while (held > 2L * WINDOW && it.hasNext()) {
            held -= it.next().getValue().length;
            it.remove();
        }
        if (error[0] != null) throw error[0];
        return wanted[0];
    }

    /** The data blobs stored after {@code pb} in its pack, by offset. */
    private List<PackedBlob> following(PackedBlob pb) {
        if (byPack == null) byPack = repo.blobsByPack();
        List<PackedBlob> all = byPack.getOrDefault(pb.pack(), List.of());
        List<PackedBlob> out = new ArrayList<>();
        for (PackedBlob b : all) {
            if (b.offset() > pb.offset() && b.type() == BlobType.DATA && !ahead.containsKey(b.id())) out.add(b);
        }
        return out;
    }

    /** Writes a file's blobs in order; returns how many bytes they held. */
    public long write(List<Id> content, OutputStream out) throws IOException {
        if (content == null) return 0;
        long total = 0;
        for (Id id : content) {
            byte[] b = blob(id);
            out.write(b);
            total += b.length;
        }
        return total;
    }
}
