package org.lifeboat.service.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.lifeboat.repository.Json;

/** The alert's JSON form and subject, which scripts and people read. */
class AlertTest {

    static Alert sample(Alert.Event event) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("rpo_hours", 24);
        details.put("last_snapshot", Instant.parse("2025-02-28T01:59:30.750Z"));
        details.put("repository", "s3:https://s3.example.com/bucket");
        return new Alert(event, Alert.Kind.RPO_BREACHED, "files", "backup1.example.com",
                "The last backup is 26 hours old; the RPO is 24 hours.", Instant.parse("2025-03-01T02:00:00.123Z"),
                details);
    }

    @Test
    void jsonHasExactlyTheContractFieldsInOrder() throws Exception {
        JsonNode j = Json.MAPPER.readTree(Json.MAPPER.writeValueAsString(sample(Alert.Event.ALERT).toJson()));
        List<String> names = new ArrayList<>();
        j.fieldNames().forEachRemaining(names::add);
        assertThat(names).containsExactly("event", "kind", "system", "host", "message", "since", "details");
        assertThat(j.get("event").asText()).isEqualTo("alert");
        assertThat(j.get("kind").asText()).isEqualTo("rpo_breached");
        assertThat(j.get("system").asText()).isEqualTo("files");
        assertThat(j.get("host").asText()).isEqualTo("backup1.example.com");
        assertThat(j.get("message").asText()).isEqualTo("The last backup is 26 hours old; the RPO is 24 hours.");
        assertThat(j.get("since").asText()).isEqualTo("2025-03-01T02:00:00Z");
        JsonNode d = j.get("details");
        List<String> keys = new ArrayList<>();
        d.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).containsExactly("rpo_hours", "last_snapshot", "repository");
        assertThat(d.get("rpo_hours").isInt()).isTrue();
        assertThat(d.get("rpo_hours").asInt()).isEqualTo(24);
        assertThat(d.get("last_snapshot").asText()).isEqualTo("2025-02-28T01:59:30Z");
        assertThat(d.get("repository").asText()).isEqualTo("s3:https://s3.example.com/bucket");
    }

    @Test
    void resolvedAndEveryKindHaveTheirJsonNames() {
        assertThat(sample(Alert.Event.RESOLVED).toJson().get("event").asText()).isEqualTo("resolved");
        assertThat(List.of(Alert.Kind.values()).stream().map(Alert.Kind::json).toList()).containsExactly(
                "rpo_breached", "job_failed", "drill_failed", "drill_overdue", "rto_at_risk", "suspicious_backup");
        assertThat(List.of(Alert.Event.values()).stream().map(Alert.Event::json).toList())
                .containsExactly("alert", "resolved");
    }

    @Test
    void noDetailsIsAnEmptyObjectAndOtherTimesAreText() {
        Alert none = new Alert(Alert.Event.ALERT, Alert.Kind.JOB_FAILED, "db", "h", "m", Instant.EPOCH, null);
        assertThat(none.toJson().get("details").isObject()).isTrue();
        assertThat(none.toJson().get("details").size()).isZero();
        assertThat(none.toJson().get("since").asText()).isEqualTo("1970-01-01T00:00:00Z");
        Alert withDuration = new Alert(Alert.Event.ALERT, Alert.Kind.RTO_AT_RISK, "db", "h", "m", Instant.EPOCH,
                Map.of("measured_rto", Duration.ofMinutes(90)));
        assertThat(withDuration.toJson().get("details").get("measured_rto").asText()).isEqualTo("PT1H30M");
    }

    @Test
    void subjectIsOneLineForPeople() {
        assertThat(sample(Alert.Event.ALERT).subject()).isEqualTo("[Lifeboat] ALERT files: RPO breached");
        assertThat(sample(Alert.Event.RESOLVED).subject()).isEqualTo("[Lifeboat] RESOLVED files: RPO breached");
        Alert odd = new Alert(Alert.Event.ALERT, Alert.Kind.DRILL_OVERDUE, "a\r\nBcc: x@example.com", "h", "m",
                Instant.EPOCH, Map.of());
        assertThat(odd.subject()).isEqualTo("[Lifeboat] ALERT a  Bcc: x@example.com: drill overdue").doesNotContain("\n");
    }

    @Test
    void requiredFieldsAreChecked() {
        assertThatThrownBy(() -> new Alert(Alert.Event.ALERT, Alert.Kind.JOB_FAILED, null, "h", "m", Instant.EPOCH, null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("system");
    }
}
