package org.lifeboat.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class SqlExpectTest {
    @Test
    void parsesComparisons() {
        assertThat(SqlExpect.parse(">= 1")).isEqualTo(new SqlExpect(">=", "1"));
        assertThat(SqlExpect.parse("=3")).isEqualTo(new SqlExpect("=", "3"));
        assertThat(SqlExpect.parse("== 3")).isEqualTo(new SqlExpect("=", "3"));
        assertThat(SqlExpect.parse("!= 0")).isEqualTo(new SqlExpect("!=", "0"));
        assertThat(SqlExpect.parse("<> 0")).isEqualTo(new SqlExpect("!=", "0"));
        assertThat(SqlExpect.parse(" < 10 ")).isEqualTo(new SqlExpect("<", "10"));
        assertThat(SqlExpect.parse("<= 2.5")).isEqualTo(new SqlExpect("<=", "2.5"));
        assertThat(SqlExpect.parse("> -1")).isEqualTo(new SqlExpect(">", "-1"));
        assertThat(SqlExpect.parse(">= 1").toString()).isEqualTo(">= 1");
    }

    @Test
    void aBareValueMeansEqual() {
        assertThat(SqlExpect.parse("ok")).isEqualTo(new SqlExpect("=", "ok"));
        assertThat(SqlExpect.parse("  42 ")).isEqualTo(new SqlExpect("=", "42"));
        assertThat(SqlExpect.parse("= on line")).isEqualTo(new SqlExpect("=", "on line"));
    }

    @Test
    void refusesWhatCannotBeChecked() {
        assertThat(SqlExpect.parse(null)).isNull();
        assertThat(SqlExpect.parse("  ")).isNull();
        assertThat(SqlExpect.parse(">=")).isNull();
        assertThat(SqlExpect.parse(">= lots")).as("ordering needs a number").isNull();
        assertThat(SqlExpect.parse("< ten")).isNull();
    }

    @Test
    void numbersCompareNumerically() {
        assertThat(SqlExpect.parse(">= 9").test("10")).as("10 >= 9, although \"10\" < \"9\" as text").isTrue();
        assertThat(SqlExpect.parse("< 10").test("9")).isTrue();
        assertThat(SqlExpect.parse("> 9").test("10")).isTrue();
        assertThat(SqlExpect.parse("<= 9").test("10")).isFalse();
        assertThat(SqlExpect.parse(">= 1").test("1")).isTrue();
        assertThat(SqlExpect.parse(">= 1").test("0")).isFalse();
        assertThat(SqlExpect.parse(">= 1").test(" 12 ")).isTrue();
        assertThat(SqlExpect.parse("= 3").test("3.0")).isTrue();
        assertThat(SqlExpect.parse("= 3").test("4")).isFalse();
        assertThat(SqlExpect.parse("!= 0").test("0.00")).isFalse();
        assertThat(SqlExpect.parse("!= 0").test("7")).isTrue();
        assertThat(SqlExpect.parse("< 10").test("-3")).isTrue();
    }

    @Test
    void textComparesForEqualityOnly() {
        assertThat(SqlExpect.parse("ok").test("ok")).isTrue();
        assertThat(SqlExpect.parse("ok").test(" ok\n")).isTrue();
        assertThat(SqlExpect.parse("ok").test("OK")).isFalse();
        assertThat(SqlExpect.parse("= on line").test("on line")).isTrue();
        assertThat(SqlExpect.parse("!= broken").test("ok")).isTrue();
        assertThat(SqlExpect.parse("!= broken").test("broken")).isFalse();
        // An ordering against text that is not a number fails rather than comparing letters.
        assertThat(SqlExpect.parse(">= 1").test("many")).isFalse();
        assertThat(SqlExpect.parse("< 10").test("")).isFalse();
        assertThat(SqlExpect.parse(">= 1").test(null)).isFalse();
        assertThat(SqlExpect.parse("!= 0").test(null)).as("no value is not 0").isTrue();
    }

    /** A hang guard: the old pattern backtracked over every blank, quadratic in a long expect. */
    @Test
    void longRunOfBlanksIsParsedInLinearTime() {
        String text = "= a" + " ".repeat(300_000) + "b   ";
        SqlExpect e = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> SqlExpect.parse(text));
        assertThat(e.op()).isEqualTo("=");
        assertThat(e.value()).startsWith("a ").endsWith(" b").hasSize(300_002);
    }
}
