package org.lifeboat.repository.tree;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.Test;

class GoTimeParseTest {
    @Test
    void fastParserAgreesWithTheGeneralOne() {
        for (String s : new String[] {"2026-11-22T03:04:08.803433445Z", "2026-11-22T03:04:08Z",
                "2025-06-01T10:00:00.1+02:00", "1999-12-31T23:59:59.000000001-03:30", "2026-02-28T00:00:00.5-00:00"}) {
            assertThat(GoTime.parseFast(s)).as(s).isEqualTo(OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        }
    }

    @Test
    void otherShapesFallBack() {
        assertThat(GoTime.parseFast("2026-11-22T03:04:08.1234567891Z")).isNull();
        assertThat(GoTime.parseFast("2026-13-22T03:04:08Z")).isNull();
        assertThat(GoTime.parseFast("2026-11-22 03:04:08Z")).isNull();
        assertThat(GoTime.parse("2026-11-22T03:04:08+05:30").getOffset().getTotalSeconds()).isEqualTo(19800);
    }
}
