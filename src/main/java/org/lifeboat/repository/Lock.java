package org.lifeboat.repository;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Duration;
import java.time.OffsetDateTime;

/** A lock file's content, as restic writes it. */
public record Lock(Id id, OffsetDateTime time, boolean exclusive, String hostname, String username, long pid,
                   long uid, long gid) {
    static final Duration STALE_AFTER = Duration.ofMinutes(30);

    static Lock parse(Id id, byte[] json) throws RepositoryException {
        try {
            JsonNode j = Json.MAPPER.readTree(json);
            return new Lock(id, Times.parse(j.path("time").asText()), j.path("exclusive").asBoolean(),
                    j.path("hostname").asText(""), j.path("username").asText(""), j.path("pid").asLong(),
                    j.path("uid").asLong(), j.path("gid").asLong());
        } catch (IOException | RuntimeException e) {
            throw new RepositoryException("lock " + id.shortHex() + " is malformed: " + e.getMessage(), e);
        }
    }

    byte[] toJson() {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("time", Times.format(time));
        o.put("exclusive", exclusive);
        o.put("hostname", hostname);
        o.put("username", username);
        o.put("pid", pid);
        o.put("uid", uid);
        o.put("gid", gid);
        try {
            return Json.MAPPER.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stale: older than 30 minutes, or taken on this host by a process that is gone. */
    public boolean stale(String thisHost) {
        if (time.isBefore(OffsetDateTime.now().minus(STALE_AFTER))) return true;
        return hostname.equals(thisHost) && ProcessHandle.of(pid).isEmpty();
    }

    public String describe() {
        return (exclusive ? "exclusive" : "non-exclusive") + " lock " + (id == null ? "" : id.shortHex() + " ")
                + "held by PID " + pid + " on " + hostname + " by " + username + " since " + Times.format(time);
    }
}
