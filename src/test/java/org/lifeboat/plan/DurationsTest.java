package org.lifeboat.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {
    @Test
    void parsesEachUnit() {
        assertThat(Durations.parse("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Durations.parse("15m")).isEqualTo(Duration.ofMinutes(15));
        assertThat(Durations.parse("4h")).isEqualTo(Duration.ofHours(4));
        assertThat(Durations.parse("1d")).isEqualTo(Duration.ofDays(1));
        assertThat(Durations.parse("2w")).isEqualTo(Duration.ofDays(14));
        assertThat(Durations.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(Durations.parse("0s")).isEqualTo(Duration.ZERO);
    }

    @Test
    void parsesCombinationsAndSurroundingBlanks() {
        assertThat(Durations.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Durations.parse("1d2h3m4s")).isEqualTo(Duration.ofDays(1).plusHours(2).plusMinutes(3).plusSeconds(4));
        assertThat(Durations.parse(" 15m ")).isEqualTo(Duration.ofMinutes(15));
    }

    @Test
    void refusesWhatIsNotADuration() {
        for (String s : new String[] {null, "", "  ", "15", "m", "15 m", "15M", "1.5h", "-5m", "15m ago", "h15",
                "1h 30m", "99999999999999999999s", "99999999999999999d", "9999999999999999w"}) {
            assertThat(Durations.parse(s)).as("'%s'", s).isNull();
        }
    }

    @Test
    void formatsForTables() {
        assertThat(Durations.format(null)).isEqualTo("-");
        assertThat(Durations.format(Duration.ofMillis(250))).isEqualTo("250ms");
        assertThat(Durations.format(Duration.ZERO)).isEqualTo("0s");
        assertThat(Durations.format(Duration.ofSeconds(45))).isEqualTo("45s");
        assertThat(Durations.format(Duration.ofSeconds(725))).isEqualTo("12m 5s");
        assertThat(Durations.format(Duration.ofMinutes(15))).isEqualTo("15m");
        assertThat(Durations.format(Duration.ofMinutes(200))).isEqualTo("3h 20m");
        assertThat(Durations.format(Duration.ofHours(4))).isEqualTo("4h");
        assertThat(Durations.format(Duration.ofHours(52))).isEqualTo("2d 4h");
        assertThat(Durations.format(Duration.ofMinutes(-90))).isEqualTo("-1h 30m");
    }

    @Test
    void planTextRoundTrips() {
        for (String s : new String[] {"0s", "30s", "15m", "4h", "1d", "1h30m", "1d2h3m4s", "1s500ms", "250ms"}) {
            assertThat(Durations.toPlanText(Durations.parse(s))).isEqualTo(s);
        }
        assertThat(Durations.toPlanText(Duration.ofMinutes(90))).isEqualTo("1h30m");
        assertThat(Durations.toPlanText(Duration.ofDays(14))).isEqualTo("14d");
    }
}
