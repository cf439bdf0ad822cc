package org.lifeboat.assess;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.lifeboat.drill.DrillSystem;
import org.lifeboat.drill.SystemRun;
import org.lifeboat.plan.DrillSite;
import org.lifeboat.plan.Durations;
import org.lifeboat.plan.Plan;
import org.lifeboat.plan.ServicePlan;
import org.lifeboat.plan.SystemSpec;
import org.lifeboat.recovery.SystemCopies;
import org.lifeboat.state.FleetStatus;
import org.lifeboat.state.Incident;
import org.lifeboat.state.JobRun;
import org.lifeboat.state.Runbooks;
import org.lifeboat.status.SystemStatus;

/**
 * Judges {@link Evidence} against the readiness checklist ({@link Check}): every check yields a
 * finding per system, or one for the plan, ok or a gap, with the evidence and what to do. Pure:
 * it reads nothing but the evidence.
 */
public final class Assessor {
    private Assessor() {}

    /** How far back RPO misses and verification runs are looked for. */
    static final Duration WINDOW = Duration.ofDays(30);
    /** A service that published no look for this long is taken as not running (it looks every minute). */
    static final Duration SERVICE_SILENT = Duration.ofMinutes(10);
    /** An alert open this long either reached nobody or nobody acted on it. */
    static final Duration ALERT_UNANSWERED = Duration.ofDays(1);

    private static final String ENCRYPTION = "Encryption: a restic-format repository is always encrypted (AES-256-CTR"
            + " with a Poly1305 MAC; there is no unencrypted mode), so there is no encryption gap.";
    private static final Pattern SLICE = Pattern.compile("packs (\\d+)/(\\d+)");

    /**
     * The assessment of {@code e}: the findings in checklist order, each system's then the
     * plan-wide one, and the scores ({@link Assessment}).
     */
    public static Assessment assess(Evidence e) {
        List<Finding> out = new ArrayList<>();
        List<SystemSpec> systems = List.copyOf(e.plan().systems().values());
        for (Check c : Check.values()) {
            if (!c.perSystem()) {
                out.add(switch (c) {
                    case MONITORING -> monitoring(e);
                    case RUNBOOK -> runbook(e);
                    default -> throw new IllegalStateException(c + " is judged per system");
                });
                continue;
            }
            for (SystemSpec s : systems) {
                out.add(switch (c) {
                    case OFFSITE -> offsite(e, s);
                    case IMMUTABLE -> immutable(e, s);
                    case DRILL -> drill(e, s);
                    case RTO -> rto(e, s);
                    case RPO -> rpo(e, s);
                    case OWNER -> owner(s);
                    case VERIFICATION -> verification(e, s);
                    case SEPARATION -> separation(e, s);
                    case MONITORING, RUNBOOK -> throw new IllegalStateException(c + " is judged for the plan");
                });
            }
        }
        String name = e.plan().name() != null ? e.plan().name()
                : e.plan().file() == null ? "plan" : e.plan().file().getFileName().toString();
        return Assessment.of(name, e.now(), systems.stream().map(SystemSpec::name).toList(), out);
    }

    // ------------------------------------------------------------------------------ 3-2-1

    private static Finding offsite(Evidence e, SystemSpec s) {
        // brk14a B12: a system with targets but no backup is not "not applicable": nothing of it has a copy
        if (s.backup() == null) {
            return gap(Check.OFFSITE, s, "the plan backs nothing of " + s.name() + " up (it has no backup:), so nothing of it is"
                    + " kept anywhere, off-site least of all", "add backup: with its sources and copy-to an off-site repository;"
                    + " if it truly keeps no data, its restore steps must rebuild it from elsewhere (say where in its description)");
        }
        SystemCopies.Report r = e.copies().get(s.name());
        OwnNewest own = own(e, s);
        SystemCopies.Place best = null;
        for (SystemCopies.Place p : r.places()) {
            if (p.offsite() && p.newest() != null && (best == null || p.newest().time().isAfter(best.newest().time()))) best = p;
        }
        if (best == null) {
            return gap(Check.OFFSITE, s, "no off-site repository holds a snapshot of " + s.name() + ": " + placesSaid(r, true)
                            + gapMessages(r, "no_offsite"),
                    "add a repository outside the site (s3:, sftp:, rest: or rclone:, or one marked offsite: true) to"
                            + " copy-to of '" + s.backup().repository() + "', then run lifeboat backup --system " + s.name());
        }
        Duration age = best.age(e.now());
        String held = "off-site repository '" + best.repository() + "' holds snapshot " + best.newest().id().shortHex()
                + " of " + time(best.newest().time().toInstant()) + " (" + Durations.format(age) + " old)";
        if (s.rpo() != null && age.compareTo(s.rpo()) > 0 && own.newest != null && own.newest.isAfter(best.newest().time().toInstant())) {
            return gap(Check.OFFSITE, s, held + ", older than the RPO " + Durations.toPlanText(s.rpo()) + " while '"
                            + s.backup().repository() + "' has a snapshot of " + time(own.newest) + ": the off-site copy lags"
                            + gapMessages(r, "stale_copy"),
                    "find why the copy to '" + best.repository() + "' fails (lifeboat status, the service's copy jobs) and catch"
                            + " it up: lifeboat backup --system " + s.name() + " copies what is missing");
        }
        return ok(Check.OFFSITE, s, held);
    }

    private static Finding immutable(Evidence e, SystemSpec s) {
        if (s.backup() == null) return gap(Check.IMMUTABLE, s, nothingBackedUp(s), ADD_BACKUP);
        SystemCopies.Report r = e.copies().get(s.name());
        List<String> held = new ArrayList<>();
        for (SystemCopies.Place p : r.places()) {
            if (p.newest() == null) continue;
            Plan.RepositorySpec spec = e.plan().repositories().get(p.repository());
            if (p.retention() != null) {
                held.add("'" + p.repository() + "' keeps it under S3 Object Lock (" + p.retention().describe() + "), newest snapshot "
                        + p.newest().id().shortHex() + " of " + time(p.newest().time().toInstant()));
            } else if (spec != null && spec.appendOnly()) {
                held.add("'" + p.repository() + "' is declared append-only (its server refuses deletes; the plan says so,"
                        + " Lifeboat cannot verify it without trying a delete), newest snapshot " + p.newest().id().shortHex()
                        + " of " + time(p.newest().time().toInstant()));
            }
        }
        if (!held.isEmpty()) return ok(Check.IMMUTABLE, s, String.join("; ", held));
        List<String> planned = new ArrayList<>();
        for (SystemCopies.Place p : r.places()) {
            Plan.RepositorySpec spec = e.plan().repositories().get(p.repository());
            if (p.planned() && (p.retention() != null || spec != null && spec.appendOnly())) {
                planned.add("'" + p.repository() + "'" + (p.error() != null ? " could not be read (" + p.error() + ")" : " holds no snapshot of it yet"));
            }
        }
        String evidence = "no repository that refuses deletes holds a snapshot of " + s.name()
                + (planned.isEmpty() ? ": none of its repositories has an Object Lock retention or is append-only ("
                + placesSaid(r, false) + ")" : ": the planned immutable " + String.join(", ", planned))
                + "; ransomware with the backup host's credentials can delete every copy";
        return gap(Check.IMMUTABLE, s, evidence, planned.isEmpty()
                ? "add an S3 repository with Object Lock (retention: { mode: compliance, period: 30d }, created by lifeboat"
                + " init --retention-mode compliance --retention-period 30d) or a rest: one served append-only (append-only:"
                + " true) to copy-to of '" + s.backup().repository() + "'"
                : "run lifeboat backup --system " + s.name() + " and check that the copy reaches it (lifeboat status)");
    }

    // ------------------------------------------------------------------------------ drills and recovery time

    private static Finding drill(Evidence e, SystemSpec s) {
        SystemRun last = lastDrill(e, s.name());
        String cannot = DrillSite.refusal(e.plan(), s.name());
        String howTo = cannot != null ? "first make a drill possible: " + cannot + "; then run lifeboat drill --systems " + s.name()
                : "run lifeboat drill --systems " + s.name() + ", and schedule one (schedule: { drill: "
                + Durations.toPlanText(s.drillEvery()) + " } under the system) so lifeboat serve keeps it current";
        if (e.state().availability() == Evidence.Availability.UNREACHABLE) {
            return gap(Check.DRILL, s, "the drill records cannot be read: " + e.state().error(), "make the state readable, then " + howTo);
        }
        if (last == null) {
            return gap(Check.DRILL, s, s.name() + "'s restore has never been tested: no drill of it is recorded in " + e.state().where(), howTo);
        }
        Duration age = Duration.between(last.started(), e.now());
        String when = "the last drill (" + last.drillId() + ", " + time(last.started()) + ", " + Durations.format(age) + " ago)";
        if (last.result() != DrillSystem.Outcome.PASSED) {
            List<String> why = e.state().lastDrillReasons().getOrDefault(s.name(), List.of());
            return gap(Check.DRILL, s, when + " " + last.result().json() + (why.isEmpty() ? "" : ": " + String.join("; ", why)),
                    "fix what the drill found (lifeboat drill report " + last.drillId() + "), then run lifeboat drill --systems "
                            + s.name() + " again");
        }
        if (age.compareTo(s.drillEvery()) > 0) {
            return gap(Check.DRILL, s, when + " passed, but that is longer ago than drill-every " + Durations.toPlanText(s.drillEvery()),
                    howTo);
        }
        return ok(Check.DRILL, s, when + " passed, within drill-every " + Durations.toPlanText(s.drillEvery()));
    }

    private static Finding rto(Evidence e, SystemSpec s) {
        SystemStatus st = e.status(s.name());
        SystemRun last = lastDrill(e, s.name());
        Duration measured = st == null ? null : st.rtoMeasured();
        Duration forecast = st == null ? null : st.forecast();
        String target = "RTO " + Durations.toPlanText(s.rto());
        String m = measured == null ? null : "the drill of " + time(last == null ? st.lastDrill() : last.started()) + " measured "
                + Durations.format(measured);
        String f = forecast == null ? null : "today's forecast is " + Durations.format(forecast);
        if (measured == null && last != null && last.result() != DrillSystem.Outcome.PASSED) {
            // brk14a B14: a forecast from older drills is no evidence while the latest one failed
            return gap(Check.RTO, s, "the last drill (" + time(last.started()) + ") " + last.result().json() + " for " + s.name()
                            + " (restore, start or checks), so it measured no recovery time that counts"
                    + (f == null ? "" : "; " + f + ", from earlier drills")
                            + " (" + target + ")",
                    "mend what made the drill fail (lifeboat drill report latest) and drill again: lifeboat drill --systems " + s.name());
        }
        if (measured == null && forecast == null) {
            String why = last == null ? "never drilled, so there is neither a measured recovery time nor a forecast"
                    : "the last drill (" + time(last.started()) + ") " + last.result().json() + " before " + s.name()
                    + " was back, so it measured no recovery time, and there is no forecast";
            return gap(Check.RTO, s, "recovery time unknown: " + why + " (" + target + ")",
                    "run lifeboat drill --systems " + s.name() + " until it passes; lifeboat forecast then estimates it");
        }
        List<String> over = new ArrayList<>();
        if (measured != null && measured.compareTo(s.rto()) > 0) over.add(m + ", over the " + target);
        if (forecast != null && st.forecastExceedsRto()) over.add(f + ", over the " + target);
        if (!over.isEmpty()) {
            return gap(Check.RTO, s, String.join("; ", over),
                    "make the recovery faster (a nearer or faster repository, smaller restore steps, fewer dependencies first)"
                            + " or agree a longer RTO; lifeboat forecast shows the basis");
        }
        List<String> known = new ArrayList<>();
        if (m != null) known.add(m);
        if (f != null) known.add(f);
        return ok(Check.RTO, s, String.join(", ", known) + ": within the " + target);
    }

    // ------------------------------------------------------------------------------ RPO

    private static Finding rpo(Evidence e, SystemSpec s) {
        if (s.backup() == null) {
            return gap(Check.RPO, s, "RPO " + Durations.toPlanText(s.rpo()) + " is its target, but the plan backs nothing of "
                    + s.name() + " up (it has no backup:): all its data since it was set up would be lost",
                    "add backup: with its sources (files, a database dump, a command's output) to the system in the plan");
        }
        Instant now = e.now();
        Instant since = now.minus(WINDOW);
        String target = "RPO " + Durations.toPlanText(s.rpo());
        List<String> misses = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        SystemStatus st = e.status(s.name());
        Evidence.Snapshots snaps = e.snapshots().get(s.name());
        // now
        if (snaps.times() == null) {
            misses.add("whether it is met now cannot be seen: " + snaps.error());
        } else if (st == null || st.lastSnapshot() == null) {
            misses.add("there is no snapshot of " + s.name() + " at all");
        } else if (st.snapshotAge() == null) {
            misses.add(st.problem() != null ? st.problem() : "its newest snapshot is dated in the future");
        } else if (st.snapshotAge().compareTo(s.rpo()) > 0) {
            misses.add("the newest snapshot (" + time(st.lastSnapshot()) + ") is " + Durations.format(st.snapshotAge())
                    + " old now, over the " + target);
        } else {
            notes.add("the newest snapshot is " + Durations.format(st.snapshotAge()) + " old");
        }
        // the service's alerts
        List<Incident> breaches = new ArrayList<>();
        for (Incident i : e.state().incidents()) {
            if (i.system().equals(s.name()) && i.kind().equals("rpo_breached") && (i.resolved() == null || i.resolved().isAfter(since))) {
                breaches.add(i);
            }
        }
        if (!breaches.isEmpty()) {
            Incident i = breaches.getFirst();
            misses.add("the service raised rpo_breached " + breaches.size() + " time" + (breaches.size() == 1 ? "" : "s")
                    + " in the last 30 days, the latest on " + time(i.since())
                    + (i.resolved() == null ? " (still open)" : " (resolved " + time(i.resolved()) + ")"));
        }
        // the gaps between backups: snapshots, and the service's successful backups (a snapshot
        // removed by the keep policy was still a backup made in time)
        List<Instant> points = new ArrayList<>();
        if (snaps.times() != null) points.addAll(snaps.times());
        int runs = 0;
        for (JobRun r : e.state().jobs()) {
            if (r.system().equals(s.name()) && r.kind().equals("backup") && r.ok() && r.finished() != null) {
                points.add(r.finished());
                if (r.finished().isAfter(since)) runs++;
            }
        }
        points.sort(null);
        points.removeIf(t -> t.isAfter(now));
        if (!points.isEmpty()) {
            Instant start = points.getFirst().isAfter(since) ? points.getFirst() : since;
            Duration worst = Duration.ZERO;
            Instant from = null, to = null;
            Instant prev = null;
            for (Instant t : points) {
                if (prev != null && t.isAfter(start)) {
                    Instant a = prev.isBefore(start) ? start : prev;
                    Duration g = Duration.between(a, t);
                    if (g.compareTo(worst) > 0) {
                        worst = g;
                        from = a;
                        to = t;
                    }
                }
                prev = t;
            }
            int inWindow = snaps.times() == null ? 0 : (int) snaps.times().stream().filter(t -> t.isAfter(since) && !t.isAfter(now)).count();
            String basis = "judged from " + inWindow + " snapshot" + (inWindow == 1 ? "" : "s") + " and " + runs
                    + " recorded backup run" + (runs == 1 ? "" : "s") + " since " + time(start)
                    + (start.isAfter(since) ? " (the first backup known; nothing earlier to judge)" : "");
            if (from != null && worst.compareTo(s.rpo()) > 0) {
                String gapText = "between " + time(from) + " and " + time(to) + " no backup was made for " + Durations.format(worst)
                        + ", over the " + target;
                if (s.retention() != null && runs == 0) {
                    // without the service's records, a snapshot the keep policy removed looks like a missed backup
                    notes.add("the snapshots kept show a gap: " + gapText + "; its keep policy may have removed snapshots"
                            + " in between and no service recorded the backups, so this is not counted as a miss");
                } else {
                    misses.add(gapText);
                }
            }
            notes.add(basis);
        } else if (snaps.times() != null) {
            notes.add("no backup is recorded in the last 30 days");
        }
        if (e.state().availability() != Evidence.Availability.OK) {
            notes.add("the service's records (backup runs, alerts) could not be used: " + stateSaid(e));
        }
        if (!misses.isEmpty()) {
            return gap(Check.RPO, s, String.join("; ", misses) + (notes.isEmpty() ? "" : " (" + String.join("; ", notes) + ")"),
                    "back up at least every " + Durations.toPlanText(s.rpo().dividedBy(2)) + " (lifeboat serve does by default;"
                            + " schedule: { backup: … }), and find why backups stopped (lifeboat status, the service's job log)");
        }
        return ok(Check.RPO, s, "no RPO miss in the last 30 days (" + target + "): " + String.join("; ", notes));
    }

    // ------------------------------------------------------------------------------ monitoring, runbook, owner

    private static Finding monitoring(Evidence e) {
        ServicePlan sp = e.plan().service();
        List<String> gaps = new ArrayList<>();
        List<String> fine = new ArrayList<>();
        List<String> advice = new ArrayList<>();
        ServicePlan.Serve serve = sp.serve();
        boolean configured = serve != null && (serve.passwordFile() != null || serve.passwordEnv() != null);
        if (e.serviceHere()) {
            fine.add("lifeboat serve runs this plan on " + e.host() + " (this dashboard)");
        } else {
            if (!configured) {
                gaps.add("the plan has no serve: section with a dashboard password, so lifeboat serve (schedules, RPO watch,"
                        + " alerts) refuses to start");
                advice.add("add serve: { password-file: … } and run lifeboat serve (lifeboat generate --systemd writes its unit)");
            }
            Instant looked = null;
            String lookedHost = null;
            for (FleetStatus.Row r : e.state().fleet()) {
                if (e.plan().systems().containsKey(r.system()) && (looked == null || r.updated().isAfter(looked))) {
                    looked = r.updated();
                    lookedHost = r.host();
                }
            }
            if (e.state().availability() == Evidence.Availability.UNREACHABLE) {
                gaps.add("whether a service watches the plan cannot be seen: " + stateSaid(e));
            } else if (looked == null) {
                gaps.add("no service has ever published a look at these systems"
                        + (e.state().availability() == Evidence.Availability.NONE ? " (" + stateSaid(e) + ")" : " in " + e.state().where()));
                if (configured) advice.add("start lifeboat serve (systemctl enable --now lifeboat)");
            } else if (Duration.between(looked, e.now()).compareTo(SERVICE_SILENT) > 0) {
                gaps.add("the service last looked at the systems on " + time(looked) + " (host " + lookedHost + ", "
                        + Durations.format(Duration.between(looked, e.now())) + " ago): it is not running");
                advice.add("start lifeboat serve again and find why it stopped (journalctl -u lifeboat)");
            } else {
                fine.add("a service (host " + lookedHost + ") looked at the systems " + Durations.format(Duration.between(looked, e.now()))
                        + " ago");
            }
        }
        if (sp.alerts().isEmpty()) {
            gaps.add("no alert channel is configured: a missed RPO or a failed job is seen only by whoever opens the dashboard");
            advice.add("add alerts: (a webhook, email or command) to the plan");
        } else {
            fine.add(sp.alerts().size() + " alert channel" + (sp.alerts().size() == 1 ? "" : "s") + " ("
                    + String.join(", ", sp.alerts().stream().map(Assessor::channelKind).toList()) + ")");
        }
        List<String> stale = new ArrayList<>();
        for (Incident i : e.state().incidents()) {
            if (i.open() && Duration.between(i.since(), e.now()).compareTo(ALERT_UNANSWERED) > 0) {
                stale.add(i.kind() + " of " + i.system() + " since " + time(i.since()));
            }
        }
        if (!stale.isEmpty()) {
            gaps.add(stale.size() + " alert" + (stale.size() == 1 ? " has" : "s have") + " been open for more than a day ("
                    + String.join(", ", stale.subList(0, Math.min(5, stale.size()))) + (stale.size() > 5 ? ", …" : "")
                    + "): either it reached nobody or nobody acted on it");
            advice.add("check that the alert channels deliver (the service's log names each failed delivery) and deal with"
                    + " the open alerts (lifeboat status)");
        }
        String note = "alert deliveries that fail are written to the service's log only, not to the state, so they cannot be seen here";
        if (!gaps.isEmpty()) {
            return Finding.gap(Check.MONITORING, null, String.join("; ", gaps) + (fine.isEmpty() ? "" : " (" + String.join("; ", fine) + ")")
                    + "; " + note, advice.isEmpty() ? "see above" : String.join("; ", advice));
        }
        return Finding.ok(Check.MONITORING, null, String.join("; ", fine) + "; no alert open for more than a day; " + note);
    }

    private static String channelKind(ServicePlan.AlertChannel c) {
        return switch (c) {
            case ServicePlan.Webhook w -> "webhook " + w.format();
            case ServicePlan.Email m -> "email to " + String.join(", ", m.to());
            case ServicePlan.Command x -> "command";
        };
    }

    private static Finding runbook(Evidence e) {
        String advice = "run lifeboat runbook --format html -o runbook.html and give it to the people who recover"
                + " (print it: the runbook must be there when the systems are not)";
        if (e.state().availability() == Evidence.Availability.UNREACHABLE) {
            return Finding.gap(Check.RUNBOOK, null, "whether a runbook of this plan was generated cannot be seen: " + stateSaid(e), advice);
        }
        List<Runbooks.Generated> all = e.state().runbooks();
        String hash = e.plan().hash();
        for (Runbooks.Generated g : all) {
            if (g.planHash().equals(hash)) {
                return Finding.ok(Check.RUNBOOK, null, "a runbook (" + g.format() + (g.output() == null ? ", to standard output" : ", " + g.output())
                        + ") was generated from the plan as it is now on " + time(g.generated()) + " on " + g.host());
            }
        }
        if (all.isEmpty()) {
            return Finding.gap(Check.RUNBOOK, null, "no runbook generation is recorded"
                    + (e.state().availability() == Evidence.Availability.NONE ? " (" + stateSaid(e) + ")" : " in " + e.state().where())
                    + "; lifeboat runbook records each one: people may not know the procedure", advice);
        }
        Runbooks.Generated g = all.getFirst();
        return Finding.gap(Check.RUNBOOK, null, "the newest runbook (" + time(g.generated()) + ") was generated from another version of"
                + " the plan (hash " + shortHash(g.planHash()) + ", now " + shortHash(hash) + "): the plan changed since, so the"
                + " runbook people hold is out of date", advice);
    }

    private static Finding owner(SystemSpec s) {
        boolean owner = s.owner() != null && !s.owner().isBlank();
        boolean contact = s.contacts() != null && s.contacts().stream().anyMatch(c -> c != null && !c.isBlank());
        if (owner && contact) {
            return ok(Check.OWNER, s, "owner " + s.owner() + ", contact " + String.join(", ", s.contacts()));
        }
        List<String> missing = new ArrayList<>();
        if (!owner) missing.add("no owner");
        if (!contact) missing.add("no contact");
        return gap(Check.OWNER, s, s.name() + " has " + String.join(" and ", missing)
                        + (owner ? " (owner " + s.owner() + ")" : "") + ": in a disaster nobody knows who decides or whom to call",
                "add owner: and contact: [email, phone] to the system in the plan");
    }

    // ------------------------------------------------------------------------------ verification, separation

    private static Finding verification(Evidence e, SystemSpec s) {
        if (s.backup() == null) return gap(Check.VERIFICATION, s, nothingBackedUp(s), ADD_BACKUP);
        String repo = s.backup().repository();
        Instant since = e.now().minus(WINDOW);
        Set<String> sharing = new LinkedHashSet<>();
        for (SystemSpec o : e.plan().systems().values()) {
            if (o.backup() != null && o.backup().repository().equals(repo)) sharing.add(o.name());
        }
        List<JobRun> checks = new ArrayList<>();
        for (JobRun r : e.state().jobs()) {
            if (r.kind().equals("check") && sharing.contains(r.system()) && r.finished() != null && r.started().isAfter(since)) {
                checks.add(r);
            }
        }
        String unseen = "a check --read-data run by hand or by cron is not recorded in the state, so it cannot be seen here";
        String copies = copiesUnchecked(e, s);
        boolean scheduled = sharing.stream().anyMatch(n -> e.plan().service().jobs(n).schedule().containsKey("check"));
        String advice = scheduled ? "find why the scheduled check does not run or fails (is lifeboat serve running? lifeboat status"
                + " shows its jobs)"
                : "schedule it: schedule: { check: \"0 3 * * *\" } under " + s.name() + " (lifeboat serve reads one slice of"
                + " seven a night, every pack within a week), or run lifeboat check --read-data";
        if (e.state().availability() == Evidence.Availability.UNREACHABLE) {
            return gap(Check.VERIFICATION, s, "the service's check runs cannot be seen: " + stateSaid(e) + "; " + unseen + ". "
                    + ENCRYPTION, advice);
        }
        if (checks.isEmpty()) {
            return gap(Check.VERIFICATION, s, "no check reading the data of '" + repo + "' is recorded in the last 30 days"
                    + (scheduled ? " although one is scheduled" : " and none is scheduled")
                    + (e.state().availability() == Evidence.Availability.NONE ? " (" + stateSaid(e) + ")" : "") + "; " + unseen
                    + ". " + ENCRYPTION, advice);
        }
        JobRun newest = checks.getFirst();
        if (!newest.ok()) {
            return gap(Check.VERIFICATION, s, "the last check of '" + repo + "' (" + time(newest.started()) + ") " + newest.result()
                    + (newest.message() == null ? "" : ": " + newest.message()) + ". " + ENCRYPTION,
                    "repair the repository (lifeboat check --read-data, then lifeboat repair) before you need it");
        }
        Set<Integer> slices = new TreeSet<>();
        int of = 0;
        int good = 0;
        for (JobRun r : checks) {
            if (!r.ok()) continue;
            good++;
            Matcher m = r.message() == null ? null : SLICE.matcher(r.message());
            if (m != null && m.find()) {
                slices.add(Integer.parseInt(m.group(1)));
                of = Integer.parseInt(m.group(2));
            }
        }
        String coverage = of == 0 ? "" : slices.size() == of ? "; every pack was read (slices 1 to " + of + " of " + of + ")"
                : "; slices " + slices + " of " + of + " were read, not yet every pack";
        return ok(Check.VERIFICATION, s, good + " successful check" + (good == 1 ? "" : "s") + " of '" + repo
                + "' reading data in the last 30 days, the newest on " + time(newest.started()) + coverage
                + (copies.isEmpty() ? "" : "; " + copies) + ". " + ENCRYPTION);
    }

    /** The copies the service's check jobs do not read (they check the system's own repository). */
    private static String copiesUnchecked(Evidence e, SystemSpec s) {
        List<String> other = new ArrayList<>();
        for (String r : e.plan().copyTargets(s.backup().repository()).keySet()) other.add("'" + r + "'");
        return other.isEmpty() ? "" : "the copies in " + String.join(", ", other) + " are not read by the service's checks";
    }

    private static Finding separation(Evidence e, SystemSpec s) {
        if (s.backup() == null) return gap(Check.SEPARATION, s, nothingBackedUp(s), ADD_BACKUP);
        List<String> gaps = new ArrayList<>();
        List<String> fine = new ArrayList<>();
        List<String> advice = new ArrayList<>();
        List<String> protectedPlaces = new ArrayList<>();
        for (SystemCopies.Place p : e.copies().get(s.name()).places()) {
            Plan.RepositorySpec spec = e.plan().repositories().get(p.repository());
            if (p.newest() == null) continue;
            if (p.retention() != null) protectedPlaces.add("'" + p.repository() + "' (Object Lock)");
            else if (spec != null && spec.appendOnly()) protectedPlaces.add("'" + p.repository() + "' (append-only)");
        }
        if (protectedPlaces.isEmpty()) {
            gaps.add("the backup host can delete every copy of " + s.name() + ": it holds the password and credentials of each"
                    + " repository and none refuses deletes (no Object Lock, none append-only)");
            advice.add("copy to a repository the backup host cannot delete from (S3 Object Lock, or a rest: server run with"
                    + " --append-only and marked append-only: true)");
        } else {
            fine.add("the backup host cannot delete the copies in " + String.join(", ", protectedPlaces));
        }
        Set<String> backupHosts = new TreeSet<>();
        Set<String> pruneHosts = new TreeSet<>();
        for (JobRun r : e.state().jobs()) {
            if (!r.system().equals(s.name())) continue;
            if (r.kind().equals("backup")) backupHosts.add(r.host());
            if (r.kind().equals("prune")) pruneHosts.add(r.host());
        }
        Set<String> both = new TreeSet<>(pruneHosts);
        both.retainAll(backupHosts);
        if (!both.isEmpty()) {
            gaps.add("prune ran on " + String.join(", ", both) + ", which also backs " + s.name() + " up (the service's job log)");
        } else if (e.plan().service().jobs(s.name()).schedule().containsKey("prune")) {
            gaps.add("the plan schedules prune for " + s.name() + " in the same service that runs its backups");
        }
        if (s.retention() != null) {
            gaps.add("the backup host removes snapshots itself: the keep policy (retention:) is applied after each backup");
        }
        if (!both.isEmpty() || s.retention() != null || e.plan().service().jobs(s.name()).schedule().containsKey("prune")) {
            advice.add("run forget and prune from another host (the storage server, an admin machine) with credentials the"
                    + " backup host does not have, and take prune: and retention: out of this system's plan on the backup host");
        } else {
            fine.add("no prune or forget runs on the backup host" + (pruneHosts.isEmpty() ? "" : " (prune ran on " + String.join(", ", pruneHosts) + ")"));
        }
        if (!gaps.isEmpty()) {
            return gap(Check.SEPARATION, s, String.join("; ", gaps) + (fine.isEmpty() ? "" : " (" + String.join("; ", fine) + ")"),
                    String.join("; ", advice));
        }
        return ok(Check.SEPARATION, s, String.join("; ", fine));
    }

    // ------------------------------------------------------------------------------ helpers

    /** The newest snapshot of the system in its own repository (from the listing), if any. */
    private record OwnNewest(Instant newest) {}

    private static OwnNewest own(Evidence e, SystemSpec s) {
        Evidence.Snapshots snaps = e.snapshots().get(s.name());
        if (snaps == null || snaps.times() == null || snaps.times().isEmpty()) return new OwnNewest(null);
        Instant newest = null;
        for (Instant t : snaps.times()) if (!t.isAfter(e.now()) && (newest == null || t.isAfter(newest))) newest = t;
        return new OwnNewest(newest);
    }

    private static SystemRun lastDrill(Evidence e, String system) {
        SystemRun last = null;
        for (SystemRun r : e.state().drills()) {
            if (r.name().equals(system) && (last == null || !r.started().isBefore(last.started()))) last = r;
        }
        return last;
    }

    /** Where the system's snapshots are and what could not be read, for a gap's evidence. */
    private static String placesSaid(SystemCopies.Report r, boolean offsite) {
        List<String> out = new ArrayList<>();
        for (SystemCopies.Place p : r.places()) {
            if (!p.planned() && p.newest() == null && p.error() == null) continue;
            String what = "'" + p.repository() + "' (" + (p.offsite() ? "off-site" : "on-site")
                    + (p.primary() ? ", its own" : p.planned() ? ", copy-to" : "") + ")";
            if (p.error() != null) what += " could not be read: " + p.error();
            else if (p.newest() == null) what += " holds none";
            else what += " holds snapshot " + p.newest().id().shortHex();
            out.add(what);
        }
        return out.isEmpty() ? "it has no repository" : String.join("; ", out);
    }

    /** The 3-2-1 report's own message of {@code code}, after a "; ", or nothing. */
    private static String gapMessages(SystemCopies.Report r, String code) {
        for (SystemCopies.Gap g : r.gaps()) if (g.code().equals(code)) return " (" + g.message() + ")";
        return "";
    }

    /**
     * A system the plan keeps no data of fails every data check (brk14b C5: "not applicable" passes
     * made a system score more without its backup than with it).
     */
    private static String nothingBackedUp(SystemSpec s) {
        return "the plan backs nothing of " + s.name() + " up (it has no backup:), so no data of it is kept, checked or protected";
    }

    private static final String ADD_BACKUP = "add backup: with its sources to the system in the plan; if it truly keeps no data,"
            + " its restore steps must rebuild it from elsewhere (say where in its description)";

    private static String stateSaid(Evidence e) {
        return e.state().availability() == Evidence.Availability.NONE
                ? "there is no state at " + e.state().where() + " yet (lifeboat serve, drill and runbook write it)"
                : "the state " + e.state().where() + " cannot be read: " + e.state().error();
    }

    private static String shortHash(String h) {
        return h == null ? "unknown" : h.length() > 12 ? h.substring(0, 12) : h;
    }

    /** An instant as evidence shows it: RFC 3339 UTC to the second. */
    static String time(Instant t) {
        return t == null ? "-" : t.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static Finding ok(Check c, SystemSpec s, String evidence) {
        return Finding.ok(c, s.name(), evidence);
    }

    private static Finding gap(Check c, SystemSpec s, String evidence, String advice) {
        return Finding.gap(c, s.name(), evidence, advice);
    }

}
