package org.lifeboat.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile and huge plan files are refused quickly, in little memory, at a line and column. The
 * timeouts are hang guards (today's code ran for minutes or ran out of memory), not benchmarks.
 */
class PlanLimitsTest {
    /** Generous for a loaded 2-core CI machine; the work itself takes well under a second. */
    private static final Duration GUARD = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private Path write(String yaml) throws Exception {
        Path f = dir.resolve(PlanLoader.FILE_NAME);
        Files.writeString(f, yaml);
        return f;
    }

    private List<Problem> validate(String yaml) throws Exception {
        Path f = write(yaml);
        return assertTimeoutPreemptively(GUARD, () -> PlanLoader.validate(f));
    }

    private static List<Problem> errors(List<Problem> ps) {
        return ps.stream().filter(Problem::isError).toList();
    }

    private static Problem only(List<Problem> ps) {
        assertThat(errors(ps)).as("errors of %s", ps).hasSize(1);
        return errors(ps).get(0);
    }

    @Test
    void billionLaughsOfListsIsRefusedAtTheAliasBeyondTheLimit() throws Exception {
        // 24 levels of two aliases each (48 aliases in about 600 bytes): 2^25 values expanded.
        StringBuilder b = new StringBuilder("repositories: { local: { url: /b } }\nx0: &a0 [lol, lol]\n");
        for (int i = 1; i <= 24; i++) b.append("x").append(i).append(": &a").append(i).append(" [*a").append(i - 1)
                .append(", *a").append(i - 1).append("]\n");
        b.append("systems:\n  db: { rpo: 1h, rto: 1h, contact: *a24 }\n");
        Problem p = only(validate(b.toString()));
        // The 21st alias of a list: line 13 ("x11: &a11 [*a10, *a10]"), its first alias.
        assertThat(p.line()).isEqualTo(13);
        assertThat(p.column()).isEqualTo(12);
        assertThat(p.message()).isEqualTo("more than " + YamlTree.MAX_COLLECTION_ALIASES + " aliases of lists or maps; a plan needs few");
    }

    @Test
    void aliasesExpandingBeyondTheBudgetAreRefusedEvenWhenFew() throws Exception {
        // 20 aliases (within the count), but together they stand for over 10000 values.
        StringBuilder b = new StringBuilder("x0: &a0 [");
        for (int i = 0; i < 100; i++) b.append(i == 0 ? "" : ", ").append("v");
        b.append("]\nx1: &a1 [").append("*a0, ".repeat(9)).append("*a0]\nx2: [").append("*a1, ".repeat(9)).append("*a1]\n");
        Problem p = only(validate(b.toString()));
        assertThat(p.line()).isEqualTo(3);
        assertThat(p.message()).startsWith("aliases expand to more than " + YamlTree.MAX_ALIAS_VALUES + " values (alias *a1 alone stands for 1011)");
    }

    @Test
    void billionLaughsOfMapsIsRefused() throws Exception {
        StringBuilder b = new StringBuilder("repositories: { local: { url: /b } }\nsystems:\n  s0: &m0 { rpo: 1h, rto: 1h }\n");
        for (int i = 1; i <= 24; i++) b.append("  s").append(i).append(": &m").append(i).append(" { a: *m").append(i - 1)
                .append(", b: *m").append(i - 1).append(" }\n");
        Problem p = only(validate(b.toString()));
        assertThat(p.message()).startsWith("aliases expand to more than");
        assertThat(p.line()).isBetween(4, 27);
    }

    @Test
    void deepNestingIsRefusedWhereItGoesTooDeep() throws Exception {
        Problem p = only(validate("a: " + "[ ".repeat(50_000) + "]".repeat(50_000) + "\n"));
        // The map is level 0; the 32nd '[' would be level 32.
        assertAt(p, 1, 4 + 2 * (YamlTree.MAX_DEPTH - 1));
        assertThat(p.message()).contains("nested more than " + YamlTree.MAX_DEPTH + " levels deep");
    }

    @Test
    void aliasThatWouldNestTooDeepIsRefused() throws Exception {
        String deep = "[".repeat(20) + "]".repeat(20);
        Problem p = only(validate("a: &d " + deep + "\nb: " + "[".repeat(20) + "*d" + "]".repeat(20) + "\n"));
        assertAt(p, 2, 24);
        assertThat(p.message()).isEqualTo("alias *d nests lists and maps more than " + YamlTree.MAX_DEPTH
                + " levels deep; a plan needs far fewer");
    }

    @Test
    void aliasToItsOwnAnchorAndUndefinedAliasAreRefused() throws Exception {
        Problem loop = only(validate("a: &x [1, *x]\n"));
        assertAt(loop, 1, 11);
        assertThat(loop.message()).isEqualTo("alias *x stands inside its own anchor &x: it would never end");
        Problem none = only(validate("a: *nope\n"));
        assertAt(none, 1, 4);
        assertThat(none.message()).isEqualTo("alias *nope has no anchor &nope before it");
    }

    @Test
    void fileLargerThanOneMebibyteIsRefusedUnread() throws Exception {
        StringBuilder b = new StringBuilder("systems:\n");
        for (int i = 0; b.length() <= PlanLoader.MAX_BYTES; i++) b.append("  s").append(i).append(": { rpo: 1h, rto: 1h }\n");
        Problem p = only(validate(b.toString()));
        assertThat(p.line()).isZero();
        assertThat(p.message()).startsWith("the plan file is larger than 1048576 bytes (1 MiB)");
        assertThat(p.toString()).startsWith(dir.resolve(PlanLoader.FILE_NAME) + ": error: ");
    }

    @Test
    void veryLongValueIsRefusedBeforeTheParserStrugglesWithIt() throws Exception {
        Problem p = only(validate("systems:\n  a: { rpo: 1h, rto: 1h, owner: \"" + "x".repeat(900_000) + "\" }\n"));
        assertAt(p, 2, 33);
        assertThat(p.message()).contains("runs for more than " + YamlTree.MAX_WORD + " characters");
    }

    @Test
    void secondDocumentIsRefused() throws Exception {
        Problem p = only(validate("systems:\n  a: { rpo: 1h, rto: 1h }\n---\nsystems: {}\n"));
        assertAt(p, 3, 1);
        assertThat(p.message()).isEqualTo("a plan is one YAML document; a second one starts here");
    }

    /**
     * About 1 MiB: a chain of ~15000 systems, each with a shorter RTO than the one it depends on and
     * one more unknown dependency, in 16 sites that all use a variable. Today's code spends minutes
     * (suggestions against every system, every site binding everything) and runs out of memory on
     * a warning for every pair of the chain.
     */
    @Test
    void bigPlanIsValidatedInLinearTimeWithOneWarningPerDependency() throws Exception {
        StringBuilder b = new StringBuilder("repositories: { local: { url: /b } }\nsites:\n");
        for (int i = 0; i < Binder.MAX_SITES; i++) b.append("  site").append(i).append(": { root: /r").append(i).append(" }\n");
        b.append("systems:\n");
        int n = 0;
        while (b.length() < PlanLoader.MAX_BYTES - 200) {
            b.append("  s").append(n).append(": { rpo: 1h, rto: ").append(1_000_000 - n).append("m, owner: \"${root}\"")
                    .append(n > 0 ? ", depends-on: [s" + (n - 1) + ", x" + n + "]" : "").append(" }\n");
            n++;
        }
        List<Problem> all = validate(b.toString());
        assertThat(errors(all)).hasSize(n - 1).allSatisfy(p -> assertThat(p.message()).contains("which is not a system"));
        List<Problem> warnings = all.stream().filter(p -> !p.isError()).toList();
        // and one that no drill can run (no sandbox site), naming five systems and how many more
        assertThat(warnings).filteredOn(p -> p.message().startsWith("no drill of")).singleElement().extracting(Problem::message)
                .asString().startsWith("no drill of systems s0, s1, s2, s3, s4 and " + (n - 5) + " more can run");
        assertThat(warnings.size() - 1).as("one RTO warning per dependency").isEqualTo(n - 1);

        // The chain's waves are computed without overflowing the stack.
        Path f = dir.resolve(PlanLoader.FILE_NAME);
        Files.writeString(f, b.toString().replaceAll(", x\\d+]", "]"));
        Plan plan = assertTimeoutPreemptively(GUARD, () -> PlanLoader.load(f, null, PlanLoader.Generators.placeholders()));
        List<List<String>> waves = assertTimeoutPreemptively(GUARD,
                () -> Graph.waves(plan.systems(), List.copyOf(plan.systems().keySet())));
        assertThat(waves).hasSize(n);
        assertThat(Graph.dependents(plan.systems(), "s0")).hasSize(n - 1);
    }

    @Test
    void moreThanSixteenSitesAreRefusedAtTheFirstOneTooMany() throws Exception {
        StringBuilder b = new StringBuilder("repositories: { local: { url: /b } }\nsites:\n");
        for (int i = 0; i < 40; i++) b.append("  site").append(i).append(": { root: /r").append(i).append(" }\n");
        b.append("systems:\n  a: { rpo: 1h, rto: 1h, owner: \"${root}\" }\n");
        Problem p = only(validate(b.toString()));
        assertAt(p, 3 + Binder.MAX_SITES, 3);
        assertThat(p.message()).isEqualTo("more than 16 sites (this is site 17 of 40); a plan recovers into a few places");
    }

    private static void assertAt(Problem p, int line, int column) {
        assertThat(p.line()).as("line of %s", p).isEqualTo(line);
        assertThat(p.column()).as("column of %s", p).isEqualTo(column);
    }
}
