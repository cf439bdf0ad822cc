package org.lifeboat.repository;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Duration;
import java.time.OffsetDateTime;

/** A lock file's content, as restic writes it; {@code id} is its file name (null before it is saved). */
public record Lock(Id id, OffsetDateTime time, boolean exclusive, String hostname, String username, long pid,
                   long uid, long gid) {
    static final Duration STALE_AFTER = Duration.ofMinutes(30);

    /**
     * Parses a lock's JSON as restic writes it: an object with a "time" string; "exclusive" a
     * boolean, "hostname"/"username" strings and "pid"/"uid"/"gid" integers where present.
     *
     * @throws RepositoryException (a sentence saying what is wrong) for anything else
     */
    static Lock parse(Id id, byte[] json) throws RepositoryException {
        JsonNode j;
        try {
            j = Json.MAPPER.readTree(json);
        } catch (IOException | RuntimeException e) {
            throw new RepositoryException("it is not JSON", e);
        }
        if (j == null || !j.isObject()) throw new RepositoryException("it is not a JSON object");
        if (!j.path("time").isTextual()) throw new RepositoryException("it has no \"time\" string");
        OffsetDateTime time;
        try {
            time = Times.parse(j.path("time").asText());
        } catch (RuntimeException e) {
            throw new RepositoryException("its time '" + j.path("time").asText() + "' is not a time", e);
        }
        for (String f : new String[] {"hostname", "username"}) {
            if (j.has(f) && !j.get(f).isTextual()) throw new RepositoryException("its \"" + f + "\" is not a string");
        }
        for (String f : new String[] {"pid", "uid", "gid"}) {
            if (j.has(f) && !(j.get(f).isIntegralNumber() && j.get(f).canConvertToLong())) {
                throw new RepositoryException("its \"" + f + "\" is not an integer");
            }
        }
        if (j.has("exclusive") && !j.get("exclusive").isBoolean()) throw new RepositoryException("its \"exclusive\" is not true or false");
        return new Lock(id, time, j.path("exclusive").asBoolean(), j.path("hostname").asText(""),
                j.path("username").asText(""), j.path("pid").asLong(), j.path("uid").asLong(), j.path("gid").asLong());
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
        return staleReason(thisHost, OffsetDateTime.now()) != null;
    }

    /**
     * Why this lock counts as stale, as a clause for messages ("it was last refreshed 2h 5m ago,
     * …"), or null when it is not stale. As restic: a lock older than 30 minutes is stale whoever
     * holds it (a live holder rewrites it every 5 minutes), and one of this host whose process is
     * gone is stale at once. A lock of another host younger than that cannot be judged from here.
     */
    public String staleReason(String thisHost, OffsetDateTime now) {
        Duration age = Duration.between(time, now);
        if (age.compareTo(STALE_AFTER) > 0) {
            return "it was last refreshed " + age(age) + " ago (at " + Times.format(time) + "), more than "
                    + STALE_AFTER.toMinutes() + " minutes, and a live process refreshes its lock every 5 minutes"
                    + (hostname.equals(thisHost) ? "" : " (PID " + pid + " runs on " + hostname
                    + ", which this host cannot look into)");
        }
        if (hostname.equals(thisHost) && ProcessHandle.of(pid).isEmpty()) {
            return "its process PID " + pid + " no longer runs on this host (" + hostname + ")";
        }
        return null;
    }

    /** When this lock becomes stale if its holder stops refreshing it. */
    public OffsetDateTime staleAt() {
        return time.plus(STALE_AFTER);
    }

    /** An age as "2h 5m", "12m 3s" or "40s". */
    static String age(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s >= 86_400) return s / 86_400 + "d " + s % 86_400 / 3600 + "h";
        if (s >= 3600) return s / 3600 + "h " + s % 3600 / 60 + "m";
        if (s >= 60) return s / 60 + "m " + s % 60 + "s";
        return s + "s";
    }

    /** "exclusive lock 1a2b3c4d held by PID … on HOST by USER since TIME", for messages. */
    public String describe() {
        return (exclusive ? "exclusive" : "non-exclusive") + " lock " + (id == null ? "" : id.shortHex() + " ")
                + "held by PID " + pid + " on " + hostname + " by " + username + " since " + Times.format(time);
    }
}
