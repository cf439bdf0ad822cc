package org.lifeboat.recovery;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.lifeboat.backend.Cancel;
import org.lifeboat.backup.Progress;
import org.lifeboat.plan.Plan;
import org.lifeboat.plan.SystemSpec;

/**
 * {@code backup --system/--all}: each system into its own tagged snapshot, then its copy-to copies,
 * then (for those backed up without errors) its retention under an exclusive lock taken after the
 * backups' locks are released. One system failing does not stop the others. What happens is told to
 * a {@link Listener}: the command line prints it, the service records it.
 */
public final class PlanBackup {
    private PlanBackup() {}

    /** What a plan backup reports as it goes; every method has a default that ignores it. */
    public interface Listener {
        /** {@code system}'s backup begins, into {@code repository}. */
        default void started(String system, String repository) {}

        /** Something went wrong around a saved snapshot, or a file could not be read. */
        default void warning(String system, String warning) {}

        /** The snapshot is saved. */
        default void saved(SystemBackup.Outcome outcome) {}

        /** One copy along copy-to ended (copied, already there, or failed). */
        default void copied(String system, SystemCopies.Copy copy) {}

        /** The backup failed (the snapshot was not saved). */
        default void failed(String system, Exception error) {}

        /** A system named explicitly has no backup sources. */
        default void noSources(String system) {}

        /** A snapshot file that cannot be read as the retention lists the snapshots (nothing is removed then). */
        default void retentionWarning(String system, String warning) {
            warning(system, warning);
        }

        /** The retention of a system was applied (or refused, see {@link SystemRetention.Result#refused}). */
        default void retention(SystemSpec system, SystemRetention.Result result) {}

        /** The retention pass could not run at all (the repositories could not be opened exclusively). */
        default void retentionFailed(Exception error) {}

        /**
         * The counters {@code system}'s backup advances as it goes (files and bytes done), for a
         * face that shows live progress; a fresh one unless overridden.
         */
        default Progress progress(String system) {
            return new Progress();
        }
    }

    /**
     * The counts that decide the exit code.
     *
     * @param skipped systems without backup sources left out of {@code --all}
     */
    public record Result(int chosen, int failed, int partial, int copyFailures, int forgetFailures, List<String> skipped) {}

    /**
     * Backs up {@code names} (all systems when empty) of {@code plan}.
     *
     * @param open     opens the plan's repositories: shared (false) for the backups, exclusive (true) for retention
     * @param forget   whether to apply each system's retention after its backup
     * @param cancel   cancelling it stops after the running system (its backup is cancelled)
     * @throws RecoveryException when a name is not a system of the plan (nothing is backed up then)
     */
    public static Result run(Plan plan, List<String> names, Function<Boolean, Repositories> open, boolean forget, Listener l,
                             Cancel cancel) throws RecoveryException {
        return run(plan, names, open, forget, l, cancel, null);
    }

    /**
     * {@link #run(Plan, List, Function, boolean, Listener, Cancel)} keeping each snapshot's anomaly
     * score in {@code anomalies} and reading the systems' baselines from it (null: no state).
     */
    public static Result run(Plan plan, List<String> names, Function<Boolean, Repositories> open, boolean forget, Listener l,
                             Cancel cancel, org.lifeboat.state.AnomalyLog anomalies) throws RecoveryException {
        List<String> chosen = names.isEmpty() ? List.copyOf(plan.systems().keySet()) : names;
        for (String n : chosen) {
            if (!plan.systems().containsKey(n)) {
                throw new RecoveryException("there is no system '" + n + "' in " + plan.file() + " (systems: "
                        + String.join(", ", plan.systems().keySet()) + ")");
            }
        }
        int failed = 0, partial = 0, copyFailures = 0, forgetFailures = 0;
        List<String> forgettable = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        try (Repositories repos = open.apply(false)) {
            for (String n : chosen) {
                SystemSpec s = plan.system(n);
                if (s.backup() == null || s.backup().sources().isEmpty()) {
                    if (!names.isEmpty()) {
                        l.noSources(n);
                        failed++;
                    } else {
                        skipped.add(n);
                    }
                    continue;
                }
                l.started(n, s.backup().repository());
                try {
                    SystemBackup.Outcome o = SystemBackup.run(plan, s, repos, l.progress(n), w -> l.warning(n, w), cancel, anomalies);
                    if (o.result().errors() > 0 || !o.warnings().isEmpty()) partial++;
                    if (o.result().errors() == 0 && s.retention() != null) forgettable.add(n);
                    l.saved(o);
                    // The plan's copy-to (3-2-1): a failed copy leaves the saved snapshot as it is.
                    for (SystemCopies.Copy c : SystemCopies.afterBackup(plan, s, repos, o.snapshot(), SystemCopies.DEFAULT, cancel)) {
                        if (c.failed()) copyFailures++;
                        l.copied(n, c);
                    }
                } catch (Exception e) {
                    failed++;
                    if (cancel.cancelled()) break; // the interrupt's line says it all
                    l.failed(n, e);
                }
            }
        } catch (java.io.IOException e) {
            // closing the repositories (releasing locks) failed: the snapshots are saved
            l.warning("", "releasing the repositories' locks failed: " + e.getMessage());
        }
        if (forget && !forgettable.isEmpty() && !cancel.cancelled()) {
            try (Repositories repos = open.apply(true)) {
                for (String n : forgettable) {
                    SystemRetention.Result r = SystemRetention.apply(plan.system(n), repos, Instant.now(), w -> l.retentionWarning(n, w));
                    if (!r.ok()) forgetFailures++;
                    l.retention(plan.system(n), r);
                }
            } catch (Exception e) {
                if (!cancel.cancelled()) l.retentionFailed(e); // a cancel's own line says it all
                forgetFailures++;
            }
        }
        return new Result(chosen.size(), failed, partial, copyFailures, forgetFailures, List.copyOf(skipped));
    }
}
