package org.lifeboat.repository;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * How a pack's wanted blobs become read requests: adjacent blobs and small gaps share one covering
 * range; a gap over {@link Repository#MAX_READ_GAP} or a range over {@link Repository#MAX_READ_RANGE}
 * starts a new one; a blob with an impossible location is never merged (it is reported, not read).
 */
class CoveringRangesTest {
    private static final Id PACK = Id.hash(new byte[] {1});
    private int n;

    private PackedBlob blob(long offset, int length) {
        return new PackedBlob(Id.hash(new byte[] {(byte) n, (byte) (n++ >> 8), 7}), BlobType.DATA, PACK, offset, length, 0);
    }

    @Test
    void twoThousandAdjacentSmallBlobsAreOneRange() {
        List<PackedBlob> blobs = new ArrayList<>();
        for (int i = 0; i < 2000; i++) blobs.add(blob(i * 1000L, 1000));
        assertThat(Repository.coveringRanges(blobs)).hasSize(1).first().asList().hasSize(2000);
    }

    @Test
    void aLargeGapSplitsAndASmallOneDoesNot() {
        List<PackedBlob> blobs = List.of(blob(0, 100), blob(100 + 1_000_000, 100),
                blob(100 + 1_000_000 + 100 + Repository.MAX_READ_GAP + 1, 100));
        List<List<PackedBlob>> ranges = Repository.coveringRanges(blobs);
        assertThat(ranges).hasSize(2);
        assertThat(ranges.get(0)).hasSize(2);
    }

    @Test
    void aRangeNeverExceedsTheCap() {
        List<PackedBlob> blobs = new ArrayList<>();
        int len = 1 << 20;
        for (int i = 0; i < 100; i++) blobs.add(blob((long) i * len, len));
        List<List<PackedBlob>> ranges = Repository.coveringRanges(blobs);
        for (List<PackedBlob> r : ranges) {
            long span = r.getLast().offset() + r.getLast().length() - r.getFirst().offset();
            assertThat(span).isLessThanOrEqualTo(Repository.MAX_READ_RANGE);
        }
        assertThat(ranges).hasSize((100 + 31) / 32);
    }

    @Test
    void aBlobWithAnImpossibleLocationStandsAlone() {
        List<PackedBlob> blobs = List.of(blob(0, 100), blob(100, 5), blob(105, 100));
        List<List<PackedBlob>> ranges = Repository.coveringRanges(blobs);
        assertThat(ranges).hasSize(3);
    }
}
