package org.lifeboat.plan;

/** One finding in a plan file, with the place to fix it. */
public record Problem(String file, int line, int column, Severity severity, String message) {
    public enum Severity { ERROR, WARNING }

    static Problem error(String file, YamlTree.Pos p, String message) {
        return new Problem(file, p.line(), p.column(), Severity.ERROR, message);
    }

    static Problem warning(String file, YamlTree.Pos p, String message) {
        return new Problem(file, p.line(), p.column(), Severity.WARNING, message);
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    /** As compilers print it: {@code file:line:column: error: message}. */
    @Override
    public String toString() {
        String where = line > 0 ? file + ":" + line + ":" + column : file;
        return where + ": " + (isError() ? "error" : "warning") + ": " + message;
    }
}
