package org.lifeboat.repository;

/**
 * Runs one job on several platform threads and waits for all of them, for the engines that read
 * packs with the repository's connections (copy, prune). An interrupt while waiting is passed to
 * {@code onInterrupt} (which makes the workers stop, e.g. by recording a failure they check at
 * their next item), the wait goes on until every worker has ended (nothing may write after the
 * caller returns), and the interrupt status is set again at the end.
 */
public final class Workers {
    private Workers() {}

    /**
     * Runs {@code work} on {@code count} threads named {@code name-0…}; with one, on the calling thread.
     *
     * @param count       how many threads (at least 1)
     * @param onInterrupt called (possibly more than once) when the waiting thread is interrupted
     */
    public static void runAll(String name, int count, Runnable work, Runnable onInterrupt) {
        if (count <= 1) {
            work.run();
            return;
        }
        runOnThreads(name, count, work, onInterrupt);
    }

    /**
     * As {@link #runAll}, but always on new threads, also for one: the calling thread stays free
     * to see an interrupt (Ctrl-C) while it waits.
     */
    public static void runOnThreads(String name, int count, Runnable work, Runnable onInterrupt) {
        java.util.List<Thread> threads = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) threads.add(Thread.ofPlatform().name(name + "-" + i).start(work));
        boolean interrupted = false;
        for (Thread t : threads) {
            while (true) {
                try {
                    t.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                    onInterrupt.run();
                }
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }
}
