package org.lifeboat.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.repository.Id;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.RawRepo;
import org.lifeboat.testutil.Restic;

/**
 * A folder that exists only in the snapshot (it holds a database dump streamed by a plan/system
 * backup; Lifeboat stored such folders with mode 0755 and no ModeDir bit) is a folder in {@code ls -l}: the type letter comes from the
 * node's type, as in restic's own {@code ls -l} of the same repository.
 */
@Tag("restic")
class LsDumpFolderTest {
    @TempDir
    Path dir;

    @Test
    void foldersHoldingDumpsAreListedAsFolders() throws Exception {
        // The shape Archiver gives a folder that exists only in the snapshot (it holds streamed
        // dumps): type "dir", but mode 0755 without Go's ModeDir bit.
        Path repo;
        Cli cli;
        try (RawRepo raw = RawRepo.create(dir.resolve("repo"))) {
            Id dump = raw.data("CREATE TABLE t (x int);\n");
            ObjectNode shop = RawRepo.dir("shop", raw.tree(RawRepo.file("shop.sql", 24, dump)));
            shop.put("mode", 0755);
            ObjectNode dumps = RawRepo.dir("dumps", raw.tree(shop));
            dumps.put("mode", 0755);
            raw.snapshot(raw.tree(dumps), "/dumps");
            repo = raw.dir();
            cli = raw.cli(dir);
        }
        String mine = cli.run("ls", "-l", "latest").ok().out();
        String theirs = new Restic(repo, dir.resolve("cache"), RawRepo.PASSWORD).run("ls", "-l", "latest").ok().out();
        List<String> mineLines = nodeLines(mine);
        assertThat(mineLines).anySatisfy(l -> assertThat(l).startsWith("drwxr-xr-x").endsWith(" /dumps"));
        assertThat(mineLines).anySatisfy(l -> assertThat(l).startsWith("drwxr-xr-x").endsWith(" /dumps/shop"));
        assertThat(mineLines).anySatisfy(l -> assertThat(l).startsWith("-").endsWith(" /dumps/shop/shop.sql"));
        // restic shows the same lines (numeric uid/gid, size, local time, path)
        assertThat(mineLines).isEqualTo(nodeLines(theirs));
    }

    private static List<String> nodeLines(String out) {
        List<String> l = new ArrayList<>();
        for (String s : out.lines().toList()) if (s.contains(" /")) if (!s.startsWith("snapshot ")) l.add(s);
        return l;
    }
}
