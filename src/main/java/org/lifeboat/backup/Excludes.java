package org.lifeboat.backup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import org.lifeboat.fs.Dir;
import org.lifeboat.fs.FileKind;
import org.lifeboat.fs.FileMeta;
import org.lifeboat.fs.Posix;
import org.lifeboat.fs.RawFile;
import org.lifeboat.repository.PathPatterns;

/**
 * What a backup leaves out, as restic decides it: path patterns ({@code --exclude},
 * {@code --iexclude} and the files of both), tag files ({@code --exclude-if-present NAME[:HEADER]},
 * {@code --exclude-caches}) and a size limit ({@code --exclude-larger-than}).
 *
 * <p>A tag file leaves out the <em>contents</em> of its folder but keeps the folder and the tag
 * file itself, as restic, GNU tar and borg do, so that a restore shows what was left out and why.
 * Explicitly given backup targets are never excluded (the archiver does not ask about them).
 */
public final class Excludes {
    public static final Excludes NONE = new Excludes(List.of(), List.of(), false);

    /** The Cache Directory Tagging spec's tag: https://bford.info/cachedir/ */
    public static final String CACHEDIR_TAG = "CACHEDIR.TAG:Signature: 8a477f597d28d172789f06886806bc55";

    /** A tag file: its name, and the bytes it must start with (empty: any content). */
    record Tag(String name, String header) {
        /**
         * Parses restic's {@code NAME[:HEADER]}; the header is what follows the first colon.
         *
         * @throws IllegalArgumentException naming the problem when NAME is empty or holds a slash
         */
        static Tag parse(String spec) {
            int colon = spec.indexOf(':');
            String name = colon < 0 ? spec : spec.substring(0, colon);
            if (name.isEmpty()) {
                throw new IllegalArgumentException("--exclude-if-present \"" + spec + "\" names no file (the form is NAME[:HEADER])");
            }
            if (name.contains("/") || name.equals(".") || name.equals("..")) {
                throw new IllegalArgumentException("--exclude-if-present \"" + spec + "\": " + name
                        + " is not a file name (no folders or wildcards; the form is NAME[:HEADER])");
            }
            return new Tag(name, colon < 0 ? "" : spec.substring(colon + 1));
        }
    }

    private final PathPatterns patterns;
    private final List<String> caseSensitive;
    private final List<String> caseInsensitive;
    private final List<Tag> tags;
    private final long largerThan;
    private final BiConsumer<String, String> warn;
    // folder + '\0' + tag index -> tagged; folders are asked about once per entry, so remember them
    private final Map<String, Boolean> tagged = new ConcurrentHashMap<>();

    /** Patterns only, plus the cache tag when {@code excludeCaches}; no size limit, no warnings. */
    public Excludes(List<String> caseSensitive, List<String> caseInsensitive, boolean excludeCaches) {
        this(caseSensitive, caseInsensitive, excludeCaches ? List.of(CACHEDIR_TAG) : List.of(), -1, (p, m) -> {});
    }

    /**
     * @param caseSensitive   restic patterns matched against absolute paths
     * @param caseInsensitive the same, ignoring case
     * @param ifPresent       tag files, restic's {@code NAME[:HEADER]} (add {@link #CACHEDIR_TAG} for --exclude-caches)
     * @param largerThan      files (not folders) bigger than this many bytes are left out; -1: no limit
     * @param warn            gets (path, message) for a tag file that is there but cannot be used
     * @throws IllegalArgumentException with one sentence when a tag spec or a pattern is malformed
     */
    public Excludes(List<String> caseSensitive, List<String> caseInsensitive, List<String> ifPresent, long largerThan,
                    BiConsumer<String, String> warn) {
        List<String> bad = PathPatterns.invalid(caseSensitive);
        bad.addAll(PathPatterns.invalid(caseInsensitive));
        if (!bad.isEmpty()) throw new IllegalArgumentException("invalid exclude pattern(s) provided: " + String.join(", ", bad));
        this.patterns = new PathPatterns(caseSensitive, caseInsensitive);
        this.caseSensitive = List.copyOf(caseSensitive);
        this.caseInsensitive = List.copyOf(caseInsensitive);
        List<Tag> t = new ArrayList<>();
        for (String spec : ifPresent) t.add(Tag.parse(spec));
        this.tags = List.copyOf(t);
        this.largerThan = largerThan;
        this.warn = warn;
    }

    /**
     * True if the entry at this absolute path (RawNames form) is left out: a pattern matches it (or a
     * folder above it), its folder holds a tag file (the tag itself stays), or it is a file larger
     * than the limit.
     */
    public boolean excluded(String absolutePath) {
        return check(absolutePath, false) != null;
    }

    /**
     * Why the entry is left out, for messages ("pattern \"tmp\" (--iexclude)"), or null if it is not.
     */
    public String reason(String absolutePath) {
        return check(absolutePath, true);
    }

    /** Non-null when excluded: the reason if {@code explain}, else any marker (the walk asks per entry). */
    private String check(String absolutePath, boolean explain) {
        if (!patterns.isEmpty() && patterns.matches(absolutePath)) return explain ? matchingPattern(absolutePath) : "";
        if (!tags.isEmpty()) {
            int slash = absolutePath.lastIndexOf('/');
            String folder = slash <= 0 ? "/" : absolutePath.substring(0, slash);
            String name = absolutePath.substring(slash + 1);
            for (int i = 0; i < tags.size(); i++) {
                Tag t = tags.get(i);
                if (name.equals(t.name())) continue; // the tag file itself is kept
                final int idx = i;
                if (tagged.size() > 100_000) tagged.clear(); // a bound, not a correctness matter
                if (tagged.computeIfAbsent(folder + '\0' + i, k -> isTagged(folder, tags.get(idx)))) {
                    if (!explain) return "";
                    boolean cache = CACHEDIR_TAG.equals(t.name() + ":" + t.header());
                    return "tag file " + t.name() + " in " + folder + (cache ? " (--exclude-caches)" : " (--exclude-if-present)");
                }
            }
        }
        if (largerThan >= 0) {
            try {
                FileMeta m = Posix.lstat(absolutePath);
                if (m.kind() != FileKind.DIRECTORY && m.size() > largerThan) {
                    return !explain ? "" : "larger than " + largerThan + " bytes (--exclude-larger-than)";
                }
            } catch (IOException e) {
                // the archiver reports an entry it cannot read
            }
        }
        return null;
    }

    private String matchingPattern(String absolutePath) {
        for (String p : caseSensitive) {
            if (new PathPatterns(List.of(p)).matches(absolutePath)) return "pattern \"" + p + "\" (--exclude)";
        }
        for (String p : caseInsensitive) {
            if (new PathPatterns(List.of(), List.of(p)).matches(absolutePath)) return "pattern \"" + p + "\" (--iexclude)";
        }
        return "an exclude pattern";
    }

    /** True if the path (or a folder above it) matches a pattern; tag files and sizes are not asked. */
    public boolean matchesPattern(String absolutePath) {
        return !patterns.isEmpty() && patterns.matches(absolutePath);
    }

    /** The patterns, case-sensitive first, as recorded in the snapshot. */
    public List<String> patterns() {
        return patterns.sources();
    }

    /**
     * True if {@code folder} holds the tag file (a symlink there is followed, as restic) and it starts with
     * the header. A tag that is there but unreadable, too short or with another header is reported
     * through the warning sink and does not exclude anything, as in restic.
     */
    private boolean isTagged(String folder, Tag tag) {
        try (Dir d = Dir.open(folder)) {
            FileMeta m = d.statOrNull(tag.name());
            if (m == null) return false;
            if (tag.header().isEmpty()) return true;
            String tf = d.display(tag.name());
            if (m.kind() == FileKind.SYMLINK) return taggedThroughLink(java.nio.file.Path.of(tf), tag, tf);
            if (m.kind() != FileKind.REGULAR) {
                warn.accept(tf, "exclusion tag file is not a regular file; the folder is backed up");
                return false;
            }
            byte[] want = tag.header().getBytes(StandardCharsets.UTF_8);
            byte[] got = new byte[want.length];
            try (RawFile f = d.openForRead(tag.name())) {
                int n = 0;
                while (n < got.length) {
                    int r = f.read(got, n, got.length - n, n);
                    if (r <= 0) break;
                    n += r;
                }
                if (n < got.length) got = java.util.Arrays.copyOf(got, n);
            }
            return startsWithHeader(got, want, tf);
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            warn.accept(folder + "/" + tag.name(), "cannot read exclusion tag file: " + e.getMessage());
            return false;
        }
    }

    /**
     * A tag file that is a symbolic link is followed, as restic does (it opens the tag with os.Open);
     * only read, never written. A link to anything but a readable regular file tags nothing.
     */
    private boolean taggedThroughLink(java.nio.file.Path link, Tag tag, String tf) {
        byte[] want = tag.header().getBytes(StandardCharsets.UTF_8);
        try {
            if (!java.nio.file.Files.isRegularFile(link)) {
                warn.accept(tf, "exclusion tag file is a link to no regular file; the folder is backed up");
                return false;
            }
            byte[] got;
            try (var in = java.nio.file.Files.newInputStream(link)) {
                got = in.readNBytes(want.length);
            }
            return startsWithHeader(got, want, tf);
        } catch (IOException | java.nio.file.InvalidPathException e) {
            warn.accept(tf, "cannot read exclusion tag file: " + e.getMessage());
            return false;
        }
    }

    /**
     * Whether the first bytes read from tag file {@code tf} (at most the header's length) are the
     * header; a short or other start is reported and tags nothing, as in restic.
     */
    private boolean startsWithHeader(byte[] got, byte[] want, String tf) {
        if (got.length < want.length) {
            warn.accept(tf, "exclusion tag file is too short for its signature; the folder is backed up");
            return false;
        }
        if (!java.util.Arrays.equals(got, want)) {
            warn.accept(tf, "exclusion tag file has another signature; the folder is backed up");
            return false;
        }
        return true;
    }

    /**
     * Parses restic's size syntax: a whole number of bytes, optionally followed by b, k, m, g or t
     * (either case; binary units, so 1k is 1024 bytes).
     *
     * @return the size in bytes
     * @throws IllegalArgumentException with one sentence naming the value when it is not a size
     */
    public static long parseSize(String s) {
        String num = s;
        long unit = 1;
        if (!s.isEmpty()) {
            switch (s.charAt(s.length() - 1)) {
                case 'b', 'B' -> unit = 1;
                case 'k', 'K' -> unit = 1L << 10;
                case 'm', 'M' -> unit = 1L << 20;
                case 'g', 'G' -> unit = 1L << 30;
                case 't', 'T' -> unit = 1L << 40;
                default -> unit = 0;
            }
            if (unit != 0) num = s.substring(0, s.length() - 1);
            else unit = 1;
        }
        String why = "\"" + s + "\" is not a size (a whole number of bytes, optionally followed by k, m, g or t for"
                + " KiB, MiB, GiB or TiB, as in 500k or 2G)";
        if (!num.matches("\\+?[0-9]+")) throw new IllegalArgumentException(why);
        try {
            return Math.multiplyExact(Long.parseLong(num), unit);
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("\"" + s + "\" is too large a size");
        }
    }
}
