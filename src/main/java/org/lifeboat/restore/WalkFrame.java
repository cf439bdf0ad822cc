package org.lifeboat.restore;

import java.util.List;
import org.lifeboat.repository.tree.Node;

/**
 * One folder on the explicit stack of restore's and verify's walks (no recursion: a hostile tree
 * may nest thousands of folders): its nodes, the next one to visit ({@code i}), where it lies in
 * the target and in the snapshot, whether include patterns already matched above it, and its depth
 * in folders below the walk's root.
 */
final class WalkFrame {
    final List<Node> nodes;
    final Folders.Ref dir;
    final String sn;
    final boolean included;
    final int depth;
    int i;

    WalkFrame(List<Node> nodes, Folders.Ref dir, String sn, boolean included, int depth) {
        this.nodes = nodes;
        this.dir = dir;
        this.sn = sn;
        this.included = included;
        this.depth = depth;
    }
}
