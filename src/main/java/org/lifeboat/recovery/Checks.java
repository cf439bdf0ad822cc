package org.lifeboat.recovery;

import org.lifeboat.repository.Plural;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.lifeboat.apps.DbConnection;
import org.lifeboat.apps.MySql;
import org.lifeboat.apps.Postgres;
import org.lifeboat.plan.Check;
import org.lifeboat.plan.SqlExpect;
import org.lifeboat.plan.Step;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.repository.tree.TreeWalker;
import org.lifeboat.restore.Verifier;

/**
 * Runs a system's checks. Each is tried until it passes or its {@code within} deadline passes:
 * a service just started needs a moment before it answers, and how long it took is part of the
 * measured recovery time.
 */
final class Checks {
    private static final Duration FIRST_PAUSE = Duration.ofMillis(200);
    private static final Duration MAX_PAUSE = Duration.ofSeconds(2);

    /** One attempt: null when the check passed, else why not. */
    private interface Attempt {
        String run(Duration remaining) throws Exception;
    }

    private Checks() {}

    static CheckResult run(Check check, List<Step> steps, Repository repo, Snapshot snap, Map<String, String> env) {
        return run(check, steps, repo, snap, env, () -> null, org.lifeboat.backend.Cancel.NEVER);
    }

    /**
     * As above; {@code stop} is asked before every attempt and ends the check as failed with its
     * answer when that is not null (a service the system started has died: waiting is pointless and
     * a pass would be someone else's).
     */
    static CheckResult run(Check check, List<Step> steps, Repository repo, Snapshot snap, Map<String, String> env,
                           java.util.function.Supplier<String> stop, org.lifeboat.backend.Cancel cancel) {
        Instant start = Instant.now();
        Attempt a = attempt(check, steps, repo, snap, env, cancel);
        Instant deadline = start.plus(check.within());
        int attempts = 0;
        String why;
        Duration pause = FIRST_PAUSE;
        while (true) {
            // A cancelled job starts no more attempts (their commands would be orphans).
            String stopped = cancel.cancelled() ? "not run: " + cancel.reason() : stop.get();
            if (stopped != null) {
                return new CheckResult(check.kind(), check.describe(), false, stopped, attempts, start, Instant.now());
            }
            attempts++;
            Duration remaining = Duration.between(Instant.now(), deadline);
            try {
                why = a.run(remaining.isNegative() || remaining.isZero() ? Duration.ofSeconds(1) : remaining);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                why = "interrupted";
                break;
            } catch (Exception e) {
                why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            }
            if (why == null) return new CheckResult(check.kind(), check.describe(), true, attempts == 1 ? "passed"
                    : "passed after " + attempts + " attempts", attempts, start, Instant.now());
            // Content checks do not change by waiting; others get one last try at the deadline.
            Duration left = Duration.between(Instant.now(), deadline);
            if (check instanceof Check.FilesCheck || left.isNegative() || left.isZero()) break;
            try {
                // The pause ends early on a cancel: a cancelled job waits for nothing.
                java.util.concurrent.CountDownLatch woken = new java.util.concurrent.CountDownLatch(1);
                Runnable unregister = cancel.onCancel(woken::countDown);
                try {
                    woken.await((pause.compareTo(left) < 0 ? pause : left).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                } finally {
                    unregister.run();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            pause = pause.multipliedBy(2).compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : pause.multipliedBy(2);
        }
        return new CheckResult(check.kind(), check.describe(), false, why + (attempts > 1 ? " (" + attempts
                + " attempts in " + org.lifeboat.plan.Durations.format(check.within()) + ")" : ""), attempts, start, Instant.now());
    }

    private static Attempt attempt(Check check, List<Step> steps, Repository repo, Snapshot snap, Map<String, String> env,
                                   org.lifeboat.backend.Cancel cancel) {
        return switch (check) {
            case Check.TcpCheck t -> remaining -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(t.host(), t.port()), (int) Math.min(remaining.toMillis(), 5000));
                    return null;
                } catch (IOException e) {
                    return t.host() + ":" + t.port() + " does not accept connections (" + e.getMessage() + ")";
                }
            };
            case Check.HttpCheck h -> remaining -> http(h, remaining);
            case Check.SqlCheck q -> remaining -> sql(q, remaining);
            case Check.CommandCheck c -> remaining -> {
                Shell.Result r = Shell.run(c.run(), env, remaining, cancel);
                if (r.ok()) return null;
                return (r.timedOut() ? "did not finish in time" : "exit code " + r.exitCode())
                        + (r.tail().isEmpty() ? "" : ": " + r.tail());
            };
            case Check.FilesCheck f -> remaining -> files(f, steps, repo, snap);
        };
    }

    private static String http(Check.HttpCheck h, Duration remaining) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(min(remaining, Duration.ofSeconds(5)))
                .followRedirects(HttpClient.Redirect.NEVER).build();
        try (client) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(h.url())).timeout(min(remaining, Duration.ofSeconds(10)))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != h.status()) return h.url() + " answered " + r.statusCode() + ", expected " + h.status();
            if (h.body() != null && !r.body().contains(h.body())) return h.url() + " answered without \"" + h.body() + "\"";
            return null;
        } catch (IOException e) {
            return h.url() + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        }
    }

    private static String sql(Check.SqlCheck q, Duration remaining) throws Exception {
        DbConnection c = SystemBackup.connection(q.db());
        Duration t = min(remaining, Duration.ofSeconds(30));
        String v = q.engine().equals("mysql") ? MySql.locate().query(c, q.database(), q.query(), t)
                : Postgres.locate().query(c, q.database(), q.query(), t);
        SqlExpect e = SqlExpect.parse(q.expect());
        if (e.test(v)) return null;
        return "`" + q.query() + "` gave " + (v.isEmpty() ? "no rows" : "'" + v + "'") + ", expected " + e;
    }

    private static String files(Check.FilesCheck f, List<Step> steps, Repository repo, Snapshot snap) throws Exception {
        if (repo == null || snap == null) return "no snapshot to compare with";
        List<Step.PathStep> targets = new ArrayList<>();
        for (Step s : steps) {
            if (s instanceof Step.PathStep p && (f.paths().isEmpty() || f.paths().contains(p.to()))) targets.add(p);
        }
        if (targets.isEmpty()) return "no restored folders to compare (the system has no path steps"
                + (f.paths().isEmpty() ? ")" : " to " + String.join(", ", f.paths()) + ")");
        List<String> problems = new ArrayList<>();

        for (Step.PathStep p : targets) {
            Id tree = TreeWalker.subtree(repo, snap.tree(), p.from());
            Verifier.Report r = Verifier.verify(repo, tree, p.from(), Path.of(p.to()), f.sample(), p.include(), p.exclude());


            if (!r.ok()) {
                problems.add(Plural.of(r.problemCount(), "difference") + " under " + p.to() + ": "
                        + String.join("; ", r.problems().subList(0, Math.min(5, r.problems().size()))));
            }
        }
        if (!problems.isEmpty()) return String.join(" | ", problems);
        return null;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) < 0 ? (a.isZero() || a.isNegative() ? Duration.ofMillis(100) : a) : b;
    }
}
