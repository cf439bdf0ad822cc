package org.lifeboat.plan;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.DocumentStartEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.MappingEndEvent;
import org.yaml.snakeyaml.events.NodeEvent;
import org.yaml.snakeyaml.events.ScalarEvent;
import org.yaml.snakeyaml.events.SequenceEndEvent;
import org.yaml.snakeyaml.events.SequenceStartEvent;
import org.yaml.snakeyaml.events.StreamEndEvent;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.reader.ReaderException;

/**
 * The plan file as a tree of maps, lists and scalars, each with its line and column, so that
 * every error can point at the place to fix. SnakeYAML parses; the tree is composed here from its
 * events, within fixed limits of depth and aliases; nothing is constructed from tags (no arbitrary
 * types from a configuration file).
 */
final class YamlTree {
    private YamlTree() {}

    /** 1-based line and column. */
    record Pos(int line, int column) {
        static Pos of(Mark m) {
            return m == null ? new Pos(0, 0) : new Pos(m.getLine() + 1, m.getColumn() + 1);
        }
    }

    sealed interface YNode permits YMap, YList, YScalar {
        Pos pos();

        String typeName();
    }

    record YEntry(String key, Pos keyPos, YNode value) {}

    record YMap(Map<String, YEntry> entries, Pos pos) implements YNode {
        public String typeName() {
            return "a map";
        }
    }

    record YList(List<YNode> items, Pos pos) implements YNode {
        public String typeName() {
            return "a list";
        }
    }

    /** value is null for YAML's null (an empty value). */
    record YScalar(String value, Pos pos) implements YNode {
        public String typeName() {
            return value == null ? "empty" : "a value";
        }
    }

    /** Deepest nesting of lists and maps, aliases expanded; a plan needs about 7. */
    static final int MAX_DEPTH = 32;
    /** Aliases that stand for a list or a map; a plan needs few (scalar aliases are cheap and not counted). */
    static final int MAX_COLLECTION_ALIASES = 20;
    /** Values all aliases together may stand for: what keeps "billion laughs" files small. */
    static final int MAX_ALIAS_VALUES = 10_000;

    /**
     * Longest run of characters without a blank or line break. SnakeYAML's reader copies its window
     * for every step of look-ahead through one token, which grows with the square of a very long
     * token (1 MiB: seconds and hundreds of MB); plan values are short.
     */
    static final int MAX_WORD = 65_536;

    /** Where the first run longer than {@link #MAX_WORD} begins; null when there is none. Linear. */
    private static Pos longWord(String text) {
        int line = 1, lineStart = 0, runStart = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                if (c == '\n') {
                    line++;
                    lineStart = i + 1;
                }
                runStart = i + 1;
            } else if (i - runStart >= MAX_WORD) {
                return new Pos(line, runStart - lineStart + 1);
            }
        }
        return null;
    }

    /** The file cannot be read as a plan at pos: stops the composition. */
    private static final class Refused extends RuntimeException {
        final Pos pos;

        Refused(Pos pos, String message) {
            super(message, null, false, false);
            this.pos = pos;
        }
    }

    /**
     * The tree of one YAML document. Built here from SnakeYAML's events rather than its composer so
     * that every alias is counted where it stands: an alias shares its anchor's tree (nothing is
     * copied), and the values it stands for count against {@link #MAX_ALIAS_VALUES}, so aliases of
     * aliases can never expand to more than a small, fixed amount of work for whoever walks the tree.
     */
    static YNode parse(String text, String file, List<Problem> problems) {
        LoaderOptions lo = new LoaderOptions();
        lo.setAllowDuplicateKeys(true); // reported below, with both places
        lo.setMaxAliasesForCollections(MAX_COLLECTION_ALIASES);
        lo.setNestingDepthLimit(MAX_DEPTH);
        lo.setCodePointLimit(PlanLoader.MAX_BYTES);
        lo.setAllowRecursiveKeys(false);
        Pos longWord = longWord(text);
        if (longWord != null) {
            problems.add(Problem.error(file, longWord, "a value here runs for more than " + MAX_WORD
                    + " characters without a space or line break; no value of a plan is that long"));
            return null;
        }
        try {
            Iterator<Event> events = new Yaml(lo).parse(new StringReader(text)).iterator();
            return new Composer(events, file, problems).document();
        } catch (Refused e) {
            problems.add(Problem.error(file, e.pos, e.getMessage()));
            return null;
        } catch (MarkedYAMLException e) {
            problems.add(Problem.error(file, Pos.of(e.getProblemMark()), "not valid YAML: " + explain(e, text)));
            return null;
        } catch (ReaderException e) {
            problems.add(Problem.error(file, posOfCodePoint(text, e.getPosition()), "not valid YAML: the character "
                    + String.format("U+%04X", e.getCodePoint()) + " may not stand in a YAML file"));
            return null;
        } catch (YAMLException e) {
            problems.add(Problem.error(file, new Pos(1, 1), "not valid YAML: " + e.getMessage()));
            return null;
        }
    }

    /** Line and column of the code point at {@code index} (as SnakeYAML's reader counts them). */
    private static Pos posOfCodePoint(String text, int index) {
        int line = 1, col = 1, cp = 0;
        for (int i = 0; i < text.length() && cp < index; i += Character.charCount(text.codePointAt(i)), cp++) {
            if (text.charAt(i) == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        return new Pos(line, col);
    }

    /** A composed value: its tree, how many values it holds (itself included) and how deep it goes. */
    private record Built(YNode node, int size, int height) {}

    private static final class Composer {
        private final Iterator<Event> events;
        private final String file;
        private final List<Problem> problems;
        private final Map<String, Built> anchors = new HashMap<>();
        /** Anchors of the lists and maps being composed: an alias to one of them is a loop. */
        private final Set<String> open = new HashSet<>();
        private int collectionAliases;
        private long aliasValues;

        Composer(Iterator<Event> events, String file, List<Problem> problems) {
            this.events = events;
            this.file = file;
            this.problems = problems;
        }

        YNode document() {
            next(); // stream start
            Event e = next();
            if (e instanceof StreamEndEvent) return new YMap(new LinkedHashMap<>(), new Pos(1, 1));
            // e is the document start
            YNode root = compose(next(), 0).node();
            next(); // document end
            Event after = next();
            if (after instanceof DocumentStartEvent) {
                throw new Refused(Pos.of(after.getStartMark()), "a plan is one YAML document; a second one starts here");
            }
            return root;
        }

        private Event next() {
            return events.next();
        }

        private Built compose(Event e, int depth) {
            Pos pos = Pos.of(e.getStartMark());
            if (e instanceof AliasEvent a) return alias(a, pos, depth);
            Built b;
            String anchor = ((NodeEvent) e).getAnchor();
            if (e instanceof ScalarEvent s) {
                b = new Built(new YScalar(isNull(s) ? null : s.getValue(), pos), 1, 0);
            } else {
                if (depth >= MAX_DEPTH) {
                    throw new Refused(pos, "lists and maps are nested more than " + MAX_DEPTH + " levels deep here;"
                            + " a plan needs far fewer");
                }
                if (anchor != null) open.add(anchor);
                b = e instanceof SequenceStartEvent ? list(pos, depth) : map(pos, depth);
                if (anchor != null) open.remove(anchor);
            }
            if (anchor != null) anchors.put(anchor, b);
            return b;
        }

        /**
         * As SnakeYAML's composer resolves a scalar without an explicit tag (only a plain ~, null,
         * Null, NULL or nothing is null), without running its resolver's regular expressions on
         * every value.
         */
        private static boolean isNull(ScalarEvent s) {
            String tag = s.getTag();
            if (tag != null && !tag.equals("!")) return new Tag(tag).equals(Tag.NULL);
            if (!s.getImplicit().canOmitTagInPlainScalar()) return false;
            return switch (s.getValue()) {
                case "", "~", "null", "Null", "NULL" -> true;
                default -> false;
            };
        }

        private Built alias(AliasEvent a, Pos pos, int depth) {
            String name = a.getAnchor();
            Built b = anchors.get(name);
            if (b == null) {
                throw new Refused(pos, open.contains(name) ? "alias *" + name + " stands inside its own anchor &" + name
                        + ": it would never end" : "alias *" + name + " has no anchor &" + name + " before it");
            }
            if (!(b.node() instanceof YScalar) && ++collectionAliases > MAX_COLLECTION_ALIASES) {
                throw new Refused(pos, "more than " + MAX_COLLECTION_ALIASES + " aliases of lists or maps; a plan needs few");
            }
            aliasValues += b.size();
            if (aliasValues > MAX_ALIAS_VALUES) {
                throw new Refused(pos, "aliases expand to more than " + MAX_ALIAS_VALUES + " values (alias *" + name
                        + " alone stands for " + b.size() + "); a plan needs few");
            }
            if (depth + b.height() > MAX_DEPTH) {
                throw new Refused(pos, "alias *" + name + " nests lists and maps more than " + MAX_DEPTH
                        + " levels deep; a plan needs far fewer");
            }
            return b;
        }

        private Built list(Pos pos, int depth) {
            List<YNode> items = new ArrayList<>();
            int size = 1, height = 0;
            for (Event e = next(); !(e instanceof SequenceEndEvent); e = next()) {
                Built c = compose(e, depth + 1);
                items.add(c.node());
                size = saturated(size, c.size());
                height = Math.max(height, c.height() + 1);
            }
            return new Built(new YList(items, pos), size, height);
        }

        private Built map(Pos pos, int depth) {
            Map<String, YEntry> entries = new LinkedHashMap<>();
            int size = 1, height = 0;
            for (Event ke = next(); !(ke instanceof MappingEndEvent); ke = next()) {
                Pos kp = Pos.of(ke.getStartMark());
                Built k = compose(ke, depth + 1);
                Built v = compose(next(), depth + 1);
                size = saturated(saturated(size, k.size()), v.size());
                height = Math.max(height, Math.max(k.height(), v.height()) + 1);
                String key = ke instanceof ScalarEvent s ? s.getValue()
                        : k.node() instanceof YScalar ks ? (ks.value() == null ? "" : ks.value()) : null;
                if (key == null) {
                    problems.add(Problem.error(file, kp, "a key must be a plain name"));
                    continue;
                }
                YEntry prev = entries.get(key);
                if (prev != null) {
                    problems.add(Problem.error(file, kp, "duplicate key '" + key + "' (first at line "
                            + prev.keyPos().line() + ")"));
                    continue;
                }
                entries.put(key, new YEntry(key, kp, v.node()));
            }
            return new Built(new YMap(entries, pos), size, height);
        }

        private static int saturated(int a, int b) {
            long s = (long) a + b;
            return s > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) s;
        }
    }

    /**
     * SnakeYAML's wording ("expected <block end>, but found '<block mapping start>'") speaks of its
     * parser; the usual mistakes are said in the file's terms, with the place where the unclosed
     * bracket or misaligned block began, which is often lines above where the parser noticed.
     */
    static String explain(MarkedYAMLException e, String text) {
        String problem = e.getProblem() == null ? e.getMessage() : e.getProblem();
        String context = e.getContext();
        Mark cm = e.getContextMark();
        String at = cm == null ? "" : " at line " + (cm.getLine() + 1) + ", column " + (cm.getColumn() + 1);
        if (problem.contains("(TAB)")) return "a tab indents this line; YAML indents with spaces only";
        if (context != null && cm != null) {
            if (context.contains("flow sequence") && problem.startsWith("expected ','")) {
                return "the '[' opened" + at + " is not closed (" + problem + ")";
            }
            if (context.contains("flow mapping") && problem.startsWith("expected ','")) {
                return "the '{' opened" + at + " is not closed (" + problem + ")";
            }
            Mark pm = e.getProblemMark();
            if (context.contains("block") && problem.contains("expected <block end>") && pm != null) {
                int before = indentBefore(text, pm.getLine());
                return "this line is indented to column " + (pm.getColumn() + 1) + ", which lines up with no block above it"
                        + (before > 0 ? " (the line before starts in column " + before + ")" : "");
            }
        }
        return problem + (context == null ? "" : " (" + context + at + ")");
    }

    /** The 1-based column where the nearest content line before {@code line} (0-based) starts; 0 if none. */
    private static int indentBefore(String text, int line) {
        List<String> lines = text.lines().toList();
        for (int i = Math.min(line, lines.size()) - 1; i >= 0; i--) {
            String l = lines.get(i);
            String t = l.stripLeading();
            if (!t.isEmpty() && !t.startsWith("#")) return l.length() - t.length() + 1;
        }
        return 0;
    }
}
