package org.lifeboat.plan;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * The plan file as a tree of maps, lists and scalars, each with its line and column, so that
 * every error can point at the place to fix. SnakeYAML composes the tree; nothing is constructed
 * from tags (no arbitrary types from a configuration file).
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

    static YNode parse(String text, String file, List<Problem> problems) {
        LoaderOptions lo = new LoaderOptions();
        lo.setAllowDuplicateKeys(true); // reported below, with both places
        lo.setMaxAliasesForCollections(50);
        try {
            Node root = new Yaml(lo).compose(new StringReader(text));
            if (root == null) return new YMap(new LinkedHashMap<>(), new Pos(1, 1));
            return convert(root, file, problems, 0);
        } catch (MarkedYAMLException e) {
            problems.add(Problem.error(file, Pos.of(e.getProblemMark()), "not valid YAML: " + explain(e, text)));
            return null;
        } catch (YAMLException e) {
            problems.add(Problem.error(file, new Pos(1, 1), "not valid YAML: " + e.getMessage()));
            return null;
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

    private static YNode convert(Node n, String file, List<Problem> problems, int depth) {
        Pos pos = Pos.of(n.getStartMark());
        if (depth > 64) {
            problems.add(Problem.error(file, pos, "nested too deeply"));
            return new YScalar(null, pos);
        }
        if (n instanceof ScalarNode s) {
            boolean isNull = s.getTag().equals(Tag.NULL);
            return new YScalar(isNull ? null : s.getValue(), pos);
        }
        if (n instanceof SequenceNode s) {
            List<YNode> items = new ArrayList<>();
            for (Node c : s.getValue()) items.add(convert(c, file, problems, depth + 1));
            return new YList(items, pos);
        }
        MappingNode m = (MappingNode) n;
        Map<String, YEntry> entries = new LinkedHashMap<>();
        for (NodeTuple t : m.getValue()) {
            Node k = t.getKeyNode();
            Pos kp = Pos.of(k.getStartMark());
            if (!(k instanceof ScalarNode ks)) {
                problems.add(Problem.error(file, kp, "a key must be a plain name"));
                continue;
            }
            String key = ks.getValue();
            YEntry prev = entries.get(key);
            if (prev != null) {
                problems.add(Problem.error(file, kp, "duplicate key '" + key + "' (first at line "
                        + prev.keyPos().line() + ")"));
                continue;
            }
            entries.put(key, new YEntry(key, kp, convert(t.getValueNode(), file, problems, depth + 1)));
        }
        return new YMap(entries, pos);
    }

}
