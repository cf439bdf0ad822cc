package org.lifeboat.testutil;

/** The outcome of a command: exit code and captured output. */
public record Run(int exit, String out, String err) {
    public Run ok() {
        if (exit != 0) throw new AssertionError("exit " + exit + "\nstdout:\n" + out + "\nstderr:\n" + err);
        return this;
    }

    @Override
    public String toString() {
        return "exit " + exit + "\nstdout:\n" + out + "\nstderr:\n" + err;
    }
}
