package org.lifeboat.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Cron schedules across clock changes (cronie's rules) and the longest gap validate warns of. */
class ScheduleTest {
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    private static Instant berlin(String localTime) {
        return LocalDateTime.parse(localTime).atZone(BERLIN).toInstant();
    }

    private static List<Instant> runs(String cron, Instant last, int n) {
        Schedule s = Schedule.parse(cron);
        List<Instant> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            last = s.next(last, last, BERLIN);
            out.add(last);
        }
        return out;
    }

    @Test
    void aFixedTimeInTheSkippedSpringHourRunsAtTheJumpOnce() {
        // 2026-03-29: Berlin's clocks go from 02:00 CET to 03:00 CEST (01:00Z).
        assertThat(runs("30 2 * * *", berlin("2026-03-28T02:30"), 2)).containsExactly(
                Instant.parse("2026-03-29T01:00:00Z"), Instant.parse("2026-03-30T00:30:00Z"));
        // Several fixed times in the skipped hour make one run at the jump.
        assertThat(runs("0,20,40 2 * * *", berlin("2026-03-28T02:40"), 2)).containsExactly(
                Instant.parse("2026-03-29T01:00:00Z"), Instant.parse("2026-03-30T00:00:00Z"));
    }

    @Test
    void aFixedTimeInTheRepeatedAutumnHourRunsOnce() {
        // 2026-10-25: 03:00 CEST goes back to 02:00 CET (01:00Z); 02:00-03:00 comes twice.
        assertThat(runs("0 2 * * *", berlin("2026-10-24T02:00"), 2)).containsExactly(
                Instant.parse("2026-10-25T00:00:00Z"), Instant.parse("2026-10-26T01:00:00Z"));
        // A run that started late, in the second pass, is not followed by another that day.
        Schedule s = Schedule.parse("45 2 * * *");
        Instant late = Instant.parse("2026-10-25T01:10:00Z"); // 02:10 CET, second pass
        assertThat(s.next(late, late, BERLIN)).isEqualTo(Instant.parse("2026-10-26T01:45:00Z"));
    }

    @Test
    void jobsWhoseMinuteOrHourIsAWildcardFollowTheClock() {
        // Hourly runs in both passes of the repeated hour, every hour of real time.
        assertThat(runs("0 * * * *", berlin("2026-10-25T01:00"), 3)).containsExactly(
                Instant.parse("2026-10-25T00:00:00Z"), Instant.parse("2026-10-25T01:00:00Z"),
                Instant.parse("2026-10-25T02:00:00Z"));
        // In spring no real time passes in the skipped hour: 01:45 CET, then 03:00 CEST, 15 minutes later.
        assertThat(runs("*/15 * * * *", berlin("2026-03-29T01:30"), 2)).containsExactly(
                Instant.parse("2026-03-29T00:45:00Z"), Instant.parse("2026-03-29T01:00:00Z"));
    }

    @Test
    void theLongestGapCountsClockChanges() {
        Instant from = Instant.parse("2026-12-02T12:00:00Z");
        assertThat(Schedule.parse("0 3 * * *").longestGap(ZoneOffset.UTC, from)).isEqualTo(Duration.ofDays(1));
        // The autumn day has 25 hours.
        assertThat(Schedule.parse("0 3 * * *").longestGap(BERLIN, from)).isEqualTo(Duration.ofHours(25));
        assertThat(Schedule.parse("30 2 * * *").longestGap(BERLIN, from)).isEqualTo(Duration.ofHours(25));
        assertThat(Schedule.parse("* * * * *").longestGap(BERLIN, from)).isEqualTo(Duration.ofMinutes(1));
        assertThat(Schedule.parse("0 9-17 * * 1-5").longestGap(ZoneOffset.UTC, from))
                .isEqualTo(Duration.ofHours(64)); // Friday 17:00 to Monday 09:00
    }

    @Test
    void theLongestGapLooksPastDenseTimesToTheWholeYear() {
        Instant from = Instant.parse("2026-12-02T12:00:00Z");
        // Every minute of January 1st: 1,440 times, then nothing for a year.
        Duration yearly = Schedule.parse("*/1 * 1 1 *").longestGap(BERLIN, from);
        assertThat(yearly).isGreaterThan(Duration.ofDays(364)).isLessThan(Duration.ofDays(366));
        // February 29th only: four years.
        assertThat(Schedule.parse("0 0 29 2 *").longestGap(ZoneOffset.UTC, from))
                .isEqualTo(Duration.ofDays(4 * 365 + 1));
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
        "*/0 * * * *  | its minute field '*/0' has a step of 0; a step is 1 or more",
        "61 * * * *   | its minute field '61' has 61, outside 0-59",
        "0 24 * * *   | its hour field '24' has 24, outside 0-23",
        "0 0 0 * *    | its day-of-month field '0' has 0, outside 1-31",
        "0 0 * 13 *   | its month field '13' has 13, outside 1-12",
        "0 0 * * 5-1  | its day-of-week field '5-1' has the range 5-1, which runs backwards",
        "0 0 * foo *  | its month field 'foo' has 'foo', which is neither a number nor a name such as feb; write a value (5), a range (1-5), a list (1,3), a step (*/2) or *",
        "0 0 * * 1/x  | its day-of-week field '1/x' has a step 'x' that is not a number",
        "0 1#2 * * *  | its hour field '1#2' has '1#2', which is not a number; write a value (5), a range (1-5), a list (1,3), a step (*/2) or *",
        "0 0 * * ,    | its day-of-week field ',' is not a value (5), a range (1-5), a list (1,3), a step (*/2) or *",
    })
    void cronMistakesAreSaidInCrontabsTerms(String cron, String expected) {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Schedule.parse(cron.strip()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cron expression '" + cron.strip() + "' is not valid: " + expected);
    }

    @Test
    void namesOfMonthsAndDaysAreTaken() {
        assertThat(Schedule.parse("0 3 * jan-mar mon-fri")).isInstanceOf(Schedule.Cron.class);
        assertThat(Schedule.parse("0 3 1,15 */2 SUN")).isInstanceOf(Schedule.Cron.class);
    }
}
