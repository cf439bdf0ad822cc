package org.lifeboat.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import org.lifeboat.plan.Plan;
import org.lifeboat.plan.PlanException;
import org.lifeboat.plan.PlanLoader;
import org.lifeboat.plan.Problem;

/** Loading the plan for a command: the file from --config, warnings shown once. */
final class Plans {
    private Plans() {}

    static Path file(Context ctx) throws PlanException {
        return PlanLoader.locate(ctx.global.config);
    }

    static Plan load(Context ctx, String site, PlanLoader.Generators gen) throws IOException, PlanException {
        Plan p = PlanLoader.load(file(ctx), site, gen);
        for (Problem w : p.warnings()) ctx.err.println(w);
        return p;
    }

    /**
     * The plan's state (the service's: LIFEBOAT_STATE_DB, else the plan's state-db, else the SQLite
     * file in the state folder), opened for a command that keeps something there; null, said to
     * {@code ctx} as a warning naming {@code without}, when it cannot be opened.
     */
    static org.lifeboat.state.StateStore openState(Context ctx, Plan plan, String without) {
        try {
            return org.lifeboat.state.StateStore.open(stateDb(plan, null), org.lifeboat.recovery.StateDir.of(plan));
        } catch (org.lifeboat.state.StateStoreException e) {
            ctx.warn("the state cannot be opened, so " + without + ": " + e.getMessage());
            return null;
        }
    }

    /**
     * Where the plan's state is, as every command finds it (as serve does): {@code flag} (a
     * command's --state-db, null when not given), else LIFEBOAT_STATE_DB when not empty, else the
     * plan's state-db; null or empty means the SQLite file in the state folder.
     */
    static String stateDb(Plan plan, String flag) {
        if (flag != null) return flag;
        String env = System.getenv("LIFEBOAT_STATE_DB");
        return env != null && !env.isBlank() ? env : plan.service().stateDb();
    }

    /** The site a plan was resolved for, for people: plans without sites have one implicit site. */
    static String siteName(Plan p) {
        return p.site() == null ? "(the plan has no sites)" : p.site();
    }

    /** RFC 3339 ({@code 2026-11-20T14:05:00Z}) or local time ({@code 2026-11-20 14:05[:ss]}). */
    static Instant parseTime(String s) {
        if (s == null) return null;
        try {
            // RFC 3339 allows a space for the T.
            return OffsetDateTime.parse(s.length() > 10 && s.charAt(10) == ' ' ? s.substring(0, 10) + "T" + s.substring(11) : s)
                    .toInstant();
        } catch (DateTimeParseException e) {
            // local time below
        }
        for (String f : new String[] {"yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss"}) {
            try {
                return LocalDateTime.parse(s, DateTimeFormatter.ofPattern(f)).atZone(ZoneId.systemDefault()).toInstant();
            } catch (DateTimeParseException e) {
                // next format
            }
        }
        throw new UserException("--at '" + s + "' is not a time: write 2026-11-20T14:05:00Z or 2026-11-20 14:05 (local)");
    }

    static String time(Instant t) {
        return t == null ? "-" : DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault()).format(t);
    }

    static String clock(Instant t) {
        return t == null ? "-" : DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault()).format(t);
    }
}
