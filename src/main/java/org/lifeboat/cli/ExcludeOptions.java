package org.lifeboat.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.lifeboat.backup.PatternFiles;
import org.lifeboat.repository.PathPatterns;
import picocli.CommandLine.Option;

/**
 * --exclude, --iexclude, --exclude-file and --iexclude-file (restic's exclude pattern options),
 * shared by {@code backup} and {@code rewrite}: one declaration, so both show the same names and
 * help, and read and check the patterns the same way.
 */
final class ExcludeOptions {
    @Option(names = {"-e", "--exclude"}, paramLabel = "PATTERN", description = "exclude matching paths (repeatable)")
    List<String> excludes = new ArrayList<>();

    @Option(names = "--iexclude", paramLabel = "PATTERN", description = "like --exclude, ignoring case")
    List<String> iexcludes = new ArrayList<>();

    @Option(names = "--exclude-file", paramLabel = "FILE", description = "read exclude patterns from FILE")
    List<String> excludeFiles = new ArrayList<>();

    @Option(names = "--iexclude-file", paramLabel = "FILE", description = "like --exclude-file, ignoring case")
    List<String> iexcludeFiles = new ArrayList<>();

    /**
     * The patterns of the options and files, checked ({@link PathPatterns} skips empty ones, as restic).
     *
     * @param caseSensitive   --exclude's (or --include's) and its files' patterns
     * @param caseInsensitive --iexclude's (or --iinclude's) and its files' patterns
     */
    record Patterns(List<String> caseSensitive, List<String> caseInsensitive) {
        PathPatterns pathPatterns() {
            return new PathPatterns(caseSensitive, caseInsensitive);
        }
    }

    /** True when none of the four options was given (restic counts options, not patterns). */
    boolean none() {
        return excludes.isEmpty() && iexcludes.isEmpty() && excludeFiles.isEmpty() && iexcludeFiles.isEmpty();
    }

    /** The options given, in help order (for commands that refuse them in some mode). */
    List<String> given() {
        List<String> out = new ArrayList<>();
        if (!excludes.isEmpty()) out.add("--exclude");
        if (!iexcludes.isEmpty()) out.add("--iexclude");
        if (!excludeFiles.isEmpty()) out.add("--exclude-file");
        if (!iexcludeFiles.isEmpty()) out.add("--iexclude-file");
        return out;
    }

    /**
     * Reads the pattern files and checks every pattern, in restic's order: the files' patterns,
     * then --iexclude, then --exclude.
     *
     * @throws UserException naming the file that cannot be read, or the option (and file) with
     *     patterns Go's path.Match would refuse
     */
    Patterns read() {
        return read("exclude", excludes, iexcludes, excludeFiles, iexcludeFiles);
    }

    /**
     * restic's CollectPatterns for {@code --NAME}, {@code --iNAME}, {@code --NAME-file} and
     * {@code --iNAME-file} (NAME is exclude or include): the files' patterns, then --iNAME's, then
     * --NAME's, each checked in that order.
     */
    static Patterns read(String name, List<String> plain, List<String> insensitive, List<String> files,
                         List<String> insensitiveFiles) {
        List<String> cs = new ArrayList<>(plain);
        List<String> ci = new ArrayList<>(insensitive);
        cs.addAll(patternFile(name, "--" + name + "-file", files));
        ci.addAll(patternFile("i" + name, "--i" + name + "-file", insensitiveFiles));
        BackupCommand.checkPatterns("--i" + name, insensitive);
        BackupCommand.checkPatterns("--" + name, plain);
        return new Patterns(cs, ci);
    }

    /** The patterns of each file; a file that cannot be read, or a bad pattern in it, is named. */
    private static List<String> patternFile(String name, String option, List<String> files) {
        List<String> out = new ArrayList<>();
        for (String f : files) {
            List<String> got;
            try {
                got = PatternFiles.read(List.of(f), System::getenv);
            } catch (IOException e) {
                throw new UserException(BackupCommand.fileProblem(name + " file", f, e));
            }
            List<String> bad = PathPatterns.invalid(got);
            if (!bad.isEmpty()) {
                throw new UserException(option + ": invalid pattern(s) provided: " + String.join(", ", bad) + " (in " + f + ")");
            }
            out.addAll(got);
        }
        return out;
    }
}
