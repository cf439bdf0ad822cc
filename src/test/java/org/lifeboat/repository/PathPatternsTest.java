package org.lifeboat.repository;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class PathPatternsTest {
    @Test
    void globsMatchLikeRestic() {
        PathPatterns p = new PathPatterns(List.of("*.tmp", "/var/cache", "**/node_modules", "sec?et", "[ab].log"));
        assertThat(p.matches("/home/a/x.tmp")).isTrue();
        assertThat(p.matches("/home/a/x.tmpl")).isFalse();
        assertThat(p.matches("/var/cache/apt/pkg.deb")).as("below an excluded folder").isTrue();
        assertThat(p.matches("/srv/var/cache")).as("anchored").isFalse();
        assertThat(p.matches("/src/app/node_modules/x/y.js")).isTrue();
        assertThat(p.matches("/a/secret")).isTrue();
        assertThat(p.matches("/a/seccret")).isFalse();
        assertThat(p.matches("/x/a.log")).isTrue();
        assertThat(p.matches("/x/c.log")).isFalse();
    }

    @Test
    void caseInsensitiveVariant() {
        PathPatterns p = new PathPatterns(List.of(), List.of("*.JPG"));
        assertThat(p.matches("/photos/a.jpg")).isTrue();
        assertThat(new PathPatterns(List.of("*.JPG")).matches("/photos/a.jpg")).isFalse();
    }

    @Test
    void anAstralCharacterIsOneCodePointNextToAQuestionMark() {
        String grin = "\uD83D\uDE00"; // U+1F600, two Java chars
        PathPatterns before = new PathPatterns(List.of("?" + grin));
        assertThat(before.matches("/home/a" + grin)).isTrue();
        assertThat(before.matches("/home/" + grin + grin)).as("? takes the whole first emoji").isTrue();
        assertThat(before.matches("/home/ab" + grin)).isFalse();
        PathPatterns after = new PathPatterns(List.of(grin + "?.txt"));
        assertThat(after.matches("/home/" + grin + "b.txt")).isTrue();
        assertThat(after.matches("/home/" + grin + grin + ".txt")).isTrue();
        assertThat(new PathPatterns(List.of("x\\" + grin)).matches("/home/x" + grin)).as("escaped").isTrue();
        assertThat(new PathPatterns(List.of(), List.of("?" + grin + "A")).matches("/h/z" + grin + "a")).isTrue();
    }

    @Test
    void classesFollowGosFilepathMatch() {
        // a reversed range matches nothing (Java's regex refused it: the backup failed)
        assertThat(new PathPatterns(List.of("[z-a]x")).matches("/d/zx")).isFalse();
        assertThat(new PathPatterns(List.of("[z-ac]x")).matches("/d/cx")).isTrue();
        // '!' is an ordinary character in Go's classes; '^' negates
        assertThat(new PathPatterns(List.of("[!a]")).matches("/d/!")).isTrue();
        assertThat(new PathPatterns(List.of("[!a]")).matches("/d/b")).isFalse();
        assertThat(new PathPatterns(List.of("[^a]")).matches("/d/b")).isTrue();
        assertThat(new PathPatterns(List.of("a[^x]b")).matches("/a/b")).as("a class never matches /").isFalse();
        assertThat(new PathPatterns(List.of("[\\]]x")).matches("/d/]x")).isTrue();
    }
}
