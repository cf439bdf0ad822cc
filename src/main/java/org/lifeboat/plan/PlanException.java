package org.lifeboat.plan;

import java.util.List;
import java.util.stream.Collectors;

/** The plan file cannot be used: every error found, each with file, line and column. */
public final class PlanException extends Exception {
    private final List<Problem> problems;

    public PlanException(List<Problem> problems) {
        super(problems.stream().filter(Problem::isError).map(Problem::toString).collect(Collectors.joining("\n")));
        this.problems = List.copyOf(problems);
    }

    public PlanException(String message) {
        super(message);
        this.problems = List.of();
    }

    public List<Problem> problems() {
        return problems;
    }
}
