package org.lifeboat.backend;

/** {@link MemoryBackend} passes the backend contract. */
class MemoryBackendContractTest extends BackendContract {
    @Override
    Backend newBackend() {
        return new MemoryBackend("memory:contract");
    }
}
