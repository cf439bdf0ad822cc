package org.lifeboat.rewrite;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.Cancel;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Json;
import org.lifeboat.repository.PathPatterns;
import org.lifeboat.repository.tree.TreeCodec;
import org.lifeboat.testutil.RawRepo;

/** TreeFilter without patterns, with includes, and the bound on what it remembers. */
class TreeFilterTest {
    @TempDir
    Path dir;

    /** A tree in Lifeboat's (restic's) own encoding, which a rewrite writes back unchanged. */
    private static Id tree(RawRepo raw, ObjectNode... nodes) throws Exception {
        ObjectNode t = Json.MAPPER.createObjectNode();
        t.putArray("nodes").addAll(List.of(nodes));
        byte[] json = Json.MAPPER.writeValueAsBytes(t);
        return raw.rawTree(TreeCodec.encode(TreeCodec.decode(Id.hash(json), json)));
    }

    /** A root of ten folders d0..d9, each with one distinct file of 5 bytes: eleven distinct trees. */
    private static Id tenFolders(RawRepo raw) throws Exception {
        List<ObjectNode> dirs = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Id data = raw.data("abcd" + i);
            dirs.add(RawRepo.dir("d" + i, tree(raw, RawRepo.file("f" + i + ".txt", 5, data))));
        }
        Id root = tree(raw, dirs.toArray(ObjectNode[]::new));
        raw.repository().flush();
        return root;
    }

    @Test
    void noPatternsRemoveNothingAndStillCountTheFiles() throws Exception {
        try (RawRepo raw = RawRepo.create(dir.resolve("repo"))) {
            Id root = tenFolders(raw);
            TreeFilter f = new TreeFilter(raw.repository(), new PathPatterns(List.of()), true, Cancel.NEVER);
            TreeFilter.Result r = f.filter(root);
            assertThat(r.tree()).isEqualTo(root);
            assertThat(r.removed()).isEmpty();
            assertThat(r.files()).isEqualTo(10);
            assertThat(r.bytes()).isEqualTo(50);
            assertThat(f.cached()).isEqualTo(11);
        }
    }

    @Test
    void whatIsRememberedIsBoundedAndTheLeastRecentlyUsedGoesFirst() throws Exception {
        try (RawRepo raw = RawRepo.create(dir.resolve("repo"))) {
            Id root = tenFolders(raw);
            TreeFilter f = new TreeFilter(raw.repository(), new PathPatterns(List.of("/d3")), false, false, Cancel.NEVER, 4);
            TreeFilter.Result r = f.filter(root);
            assertThat(f.cached()).isEqualTo(4);
            assertThat(r.removed()).containsExactly("/d3/");
            assertThat(r.files()).isEqualTo(9);
            // the same root again: the root's result is the most recent, so it answers from memory
            assertThat(f.filter(root)).isEqualTo(r);
            assertThat(f.cached()).isEqualTo(4);
        }
    }

    @Test
    void includesKeepTheMatchesAndTheFoldersOnTheirWay() throws Exception {
        try (RawRepo raw = RawRepo.create(dir.resolve("repo"))) {
            Id root = tenFolders(raw);
            TreeFilter f = new TreeFilter(raw.repository(), new PathPatterns(List.of("f2.txt", "/d7")), true, false, Cancel.NEVER);
            TreeFilter.Result r = f.filter(root);
            assertThat(r.files()).isEqualTo(2);
            assertThat(r.removed()).hasSize(8).contains("/d0/", "/d9/").doesNotContain("/d2/", "/d7/");
            TreeFilter none = new TreeFilter(raw.repository(), new PathPatterns(List.of("/nowhere")), true, false, Cancel.NEVER);
            assertThat(none.filter(root).tree()).as("nothing kept: the root goes (the snapshot is left as it is)").isNull();
        }
    }
}
