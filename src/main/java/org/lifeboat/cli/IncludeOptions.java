package org.lifeboat.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * --include, --iinclude, --include-file and --iinclude-file as restic 0.19's {@code rewrite} takes
 * them (its IncludePatternOptions): read and checked as {@link ExcludeOptions}.
 */
final class IncludeOptions {
    @Option(names = {"-i", "--include"}, paramLabel = "PATTERN", description = "keep only matching paths (repeatable)")
    List<String> includes = new ArrayList<>();

    @Option(names = "--iinclude", paramLabel = "PATTERN", description = "like --include, ignoring case")
    List<String> iincludes = new ArrayList<>();

    @Option(names = "--include-file", paramLabel = "FILE", description = "read include patterns from FILE")
    List<String> includeFiles = new ArrayList<>();

    @Option(names = "--iinclude-file", paramLabel = "FILE", description = "like --include-file, ignoring case")
    List<String> iincludeFiles = new ArrayList<>();

    /** True when none of the four options was given (restic counts options, not patterns). */
    boolean none() {
        return includes.isEmpty() && iincludes.isEmpty() && includeFiles.isEmpty() && iincludeFiles.isEmpty();
    }

    /**
     * The patterns of the options and files, checked in restic's order.
     *
     * @throws UserException naming the file that cannot be read, or the option with bad patterns
     */
    ExcludeOptions.Patterns read() {
        return ExcludeOptions.read("include", includes, iincludes, includeFiles, iincludeFiles);
    }
}
