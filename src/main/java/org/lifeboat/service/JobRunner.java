package org.lifeboat.service;

import java.util.function.Consumer;
import org.lifeboat.backend.Cancel;
import org.lifeboat.plan.Plan;

/** Runs one job to its end ({@link PlanJobs}; tests give the scheduler their own). */
public interface JobRunner {
    /**
     * Runs {@code job} of {@code plan}.
     *
     * @param progress one line at a time about what it does now ("1,204 files, 310 MiB")
     * @return how it ended; a job that fails may return {@link JobOutcome#failed} or throw
     * @throws Exception when it fails: the message is recorded as the job's error
     */
    JobOutcome run(Plan plan, JobRequest job, Cancel cancel, Consumer<String> progress) throws Exception;

    /** The plan's repositories a job uses. */
    java.util.Set<String> repositories(Plan plan, JobRequest job);

    /**
     * Whether a job needs its repositories alone (restic's exclusive lock: check, prune); the
     * others share them with each other.
     */
    default boolean exclusive(JobRequest job) {
        return job.kind() == JobKind.CHECK || job.kind() == JobKind.PRUNE;
    }
}
