package org.lifeboat.backend;

/**
 * The whole decorator stack over a {@link MemoryBackend}, with 20% of requests failing
 * transiently below the retry and 1 ms of latency each: it still passes the contract.
 */
class StackedMemoryBackendContractTest extends BackendContract {
    private int n;

    @Override
    Backend newBackend() {
        n++;
        return Backends.stack(new MemoryBackend("memory:stacked", 4),
                BackendOptions.DEFAULT.retry(FAST).faults("latency=1ms,transient=0.2,seed=" + n));
    }
}
