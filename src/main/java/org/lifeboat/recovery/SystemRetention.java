package org.lifeboat.recovery;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.lifeboat.plan.SystemSpec;
import org.lifeboat.prune.Forget;
import org.lifeboat.prune.ForgetDecision;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Plural;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RetainedException;
import org.lifeboat.repository.Snapshot;

/**
 * A system's keep policy applied to its snapshots in its own repository (restic's {@code forget}
 * with the plan's {@code retention:}), as {@code backup --all} and the service's jobs do after a
 * backup. The caller holds the repository's exclusive lock ({@code new Repositories(plan, true)}).
 */
public final class SystemRetention {
    private SystemRetention() {}

    /** A snapshot the storage keeps (S3 Object Lock) until {@code until}. */
    public record Retained(Id id, Instant until) {}

    /**
     * What was done.
     *
     * @param refused  why nothing was removed (snapshot files that could not be read, or a policy
     *                 that keeps none), or null when the policy was applied
     * @param failed   the snapshot files that could not be removed, each with the reason
     * @param cleanPoint the system's clean point, kept although the policy would remove it (see
     *                 {@link #apply}), or null
     */
    public record Result(int kept, int removed, List<Retained> retained, List<String> failed, String refused, Snapshot cleanPoint) {
        public Result(int kept, int removed, List<Retained> retained, List<String> failed, String refused) {
            this(kept, removed, retained, failed, refused, null);
        }

        /** True when everything the policy removes is removed or kept by Object Lock. */
        public boolean ok() {
            return refused == null && failed.isEmpty();
        }
    }

    /**
     * Applies {@code s.retention()} (which must not be null) at {@code now}. While the system has
     * snapshots tagged suspicious, each run's first suspicious snapshot (the evidence, which keeps
     * what came before it a clean point) and the snapshot before it ({@link Anomalies#kept}) are
     * kept whatever the policy says: hourly backups of encrypted files would otherwise push the last
     * good copy out of {@code keep-last} within hours, before anyone looked. Removing the tag
     * (the snapshot judged harmless) lets the policy have them.
     *
     * @param warn each snapshot file that cannot be read (then nothing is removed)
     * @throws IOException when the repository cannot be opened or listed, or the work is interrupted
     */
    public static Result apply(SystemSpec s, Repositories repos, Instant now, Consumer<String> warn) throws Exception {
        Repository repo = repos.get(s.backup().repository());
        List<String> unreadable = new ArrayList<>();
        List<Snapshot> all = repo.listSnapshots(w -> {
            warn.accept(w);
            unreadable.add(w);
        });
        if (!unreadable.isEmpty()) {
            return new Result(0, 0, List.of(), List.of(), Plural.of(unreadable.size(), "snapshot file")
                    + " could not be read (named above), nothing was removed");
        }
        ForgetDecision d = Forget.apply(SystemSnapshots.of(s, all), s.retention(), now);
        if (d.keep().isEmpty()) {
            return new Result(0, 0, List.of(), List.of(), "retention (" + s.retention() + ") keeps none of its "
                    + d.remove().size() + " snapshots; nothing was removed");
        }
        // Each run of suspicious snapshots: its first one and the clean point before it.
        List<Snapshot> tagKept = new ArrayList<>(Anomalies.kept(SystemSnapshots.of(s, all)));
        tagKept.retainAll(d.remove());
        Anomalies.Clean point = Anomalies.cleanPoint(SystemSnapshots.of(s, all));
        Snapshot clean = point.firstSuspicious() == null || !tagKept.contains(point.snapshot()) ? null : point.snapshot();
        int removed = 0;
        List<Retained> retained = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        for (Snapshot x : d.remove()) {
            if (tagKept.contains(x)) continue;
            try {
                repo.removeFile(Repository.FileKind.SNAPSHOT, x.id());
                removed++;
            } catch (RetainedException e) {
                retained.add(new Retained(x.id(), e.until()));
            } catch (java.io.InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                failed.add("unable to remove snapshots/" + x.id().hex() + ": " + e.getMessage());
            }
        }
        return new Result(d.keep().size() + tagKept.size(), removed, List.copyOf(retained), List.copyOf(failed), null, clean);
    }
}
