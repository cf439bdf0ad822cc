package org.lifeboat.backend;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The ssh options Lifeboat's own SSH client understands, read from restic's {@code -o sftp.args}
 * (or from an {@code -o sftp.command} of the form {@code ssh [OPTIONS] [user@]host -s sftp}):
 * {@code -i FILE}, {@code -p PORT}, {@code -l USER}, {@code -F CONFIG} and {@code -o NAME=VALUE} for {@code
 * IdentityFile}, {@code Port}, {@code User}, {@code UserKnownHostsFile}, {@code
 * StrictHostKeyChecking}, {@code IdentitiesOnly} and {@code BatchMode} (always on). Anything else is
 * refused naming it, never ignored.
 *
 * @param identities     the -i files, in order (tried before the default keys)
 * @param port           -p, or 0
 * @param user           -l, or null
 * @param knownHosts     the UserKnownHostsFile files, or empty for ~/.ssh/known_hosts
 * @param strict         StrictHostKeyChecking: "yes" (default) or "accept-new" ("no" reads as accept-new:
 *                       a changed key is always refused)
 * @param identitiesOnly IdentitiesOnly=yes: only the -i files (no default keys, no agent)
 * @param destination    the [user@]host of an ssh command line, or null (sftp.args has none)
 * @param config         -F: the ssh config file read instead of ~/.ssh/config, or null
 * @param connectTimeout ConnectTimeout in seconds (TCP connect and the server's SSH greeting), or 0 for
 *                       Lifeboat's default (30 s)
 */
record SftpSshArgs(List<Path> identities, int port, String user, List<Path> knownHosts, String strict,
        boolean identitiesOnly, String destination, Path config, int connectTimeout) {

    static final SftpSshArgs NONE = new SftpSshArgs(List.of(), 0, null, List.of(), "yes", false, null, null, 0);

    private static final String SUPPORTED = "-i FILE, -p PORT, -l USER, -F CONFIG, -o IdentityFile=, -o Port=, -o User=, "
            + "-o UserKnownHostsFile=, -o StrictHostKeyChecking=yes|accept-new, -o IdentitiesOnly=, -o BatchMode=, -o ConnectTimeout=";

    /**
     * Parses {@code -o sftp.args}.
     *
     * @throws IllegalArgumentException with one sentence naming the option that is not supported
     */
    static SftpSshArgs parseArgs(String args) {
        return parse("sftp.args", split("sftp.args", args), false);
    }

    /**
     * Parses an {@code -o sftp.command} of the form {@code ssh [OPTIONS] [user@]host -s sftp}, as
     * restic users write it.
     *
     * @throws IllegalArgumentException with one sentence saying that Lifeboat runs no ssh program
     *     and what replaces it, when the command is anything else
     */
    static SftpSshArgs parseCommand(String command) {
        List<String> words = split("sftp.command", command);
        String program = words.isEmpty() ? "" : words.get(0);
        if (!(program.equals("ssh") || program.endsWith("/ssh"))) {
            throw new IllegalArgumentException("-o sftp.command=" + command + ": Lifeboat connects with its own SSH client and runs no "
                    + "program; it reads an sftp.command only of the form 'ssh [OPTIONS] [user@]host -s sftp', otherwise give the "
                    + "options with -o sftp.args (" + SUPPORTED + ") or in ~/.ssh/config");
        }
        SftpSshArgs a = parse("sftp.command", words.subList(1, words.size()), true);
        if (a.destination == null) {
            throw new IllegalArgumentException("-o sftp.command=" + command + " names no host ([user@]host before -s sftp)");
        }
        return a;
    }

    private static SftpSshArgs parse(String key, List<String> words, boolean command) {
        List<Path> ids = new ArrayList<>();
        List<Path> known = new ArrayList<>();
        int port = 0;
        String user = null;
        String strict = "yes";
        boolean only = false;
        String destination = null;
        Path config = null;
        boolean subsystem = false;
        int timeout = 0;
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            String opt = null;
            String value = null;
            if (w.length() >= 2 && w.charAt(0) == '-' && "ipolsF".indexOf(w.charAt(1)) >= 0) {
                opt = w.substring(0, 2);
                if (w.length() > 2) {
                    value = w.substring(2);
                } else {
                    if (i + 1 >= words.size()) throw new IllegalArgumentException("-o " + key + ": " + opt + " needs a value");
                    value = words.get(++i);
                }
            } else if (command && !w.startsWith("-") && destination == null) {
                destination = w;
                continue;
            } else if (command && subsystem && w.equals("sftp")) {
                continue;
            } else {
                throw unsupported(key, w);
            }
            switch (opt) {
                case "-i" -> ids.add(Path.of(expand(value)));
                case "-p" -> port = port(key, value);
                case "-l" -> user = value;
                case "-F" -> config = Path.of(expand(value));
                case "-s" -> {
                    if (!command || !value.equals("sftp")) throw unsupported(key, "-s " + value);
                    subsystem = true;
                }
                case "-o" -> {
                    int eq = value.indexOf('=');
                    int sp = value.indexOf(' ');
                    int cut = eq >= 0 && (sp < 0 || eq < sp) ? eq : sp;
                    if (cut < 0) throw new IllegalArgumentException("-o " + key + ": -o " + value + " is not of the form Name=value");
                    String name = value.substring(0, cut).strip().toLowerCase(Locale.ROOT);
                    String v = value.substring(cut + 1).strip();
                    switch (name) {
                        case "identityfile" -> ids.add(Path.of(expand(v)));
                        case "port" -> port = port(key, v);
                        case "user" -> user = v;
                        case "userknownhostsfile" -> {
                            for (String f : v.split("\\s+")) known.add(Path.of(expand(f)));
                        }
                        case "stricthostkeychecking" -> {
                            String s = v.toLowerCase(Locale.ROOT);
                            strict = switch (s) {
                                case "yes", "true" -> "yes";
                                case "accept-new", "no", "off", "false" -> "accept-new";
                                default -> throw new IllegalArgumentException("-o " + key + ": StrictHostKeyChecking=" + v
                                        + " is not supported (yes or accept-new)");
                            };
                        }
                        case "identitiesonly" -> only = v.equalsIgnoreCase("yes") || v.equalsIgnoreCase("true");
                        case "connecttimeout" -> timeout = seconds(key, v);
                        case "batchmode" -> {
                            // Lifeboat never prompts: always batch mode.
                        }
                        default -> throw unsupported(key, "-o " + value);
                    }
                }
                default -> throw unsupported(key, w);
            }
        }
        return new SftpSshArgs(List.copyOf(ids), port, user, List.copyOf(known), strict, only, destination, config, timeout);
    }

    private static IllegalArgumentException unsupported(String key, String what) {
        return new IllegalArgumentException("-o " + key + ": the ssh option '" + what + "' is not supported by Lifeboat's SSH client "
                + "(it knows " + SUPPORTED + "; other settings go into ~/.ssh/config)");
    }

    private static int port(String key, String v) {
        try {
            int p = Integer.parseInt(v);
            if (p >= 1 && p <= 65535) return p;
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException("-o " + key + ": the port '" + v + "' is not a number from 1 to 65535");
    }

    private static int seconds(String key, String v) {
        try {
            int t = Integer.parseInt(v);
            if (t >= 1) return t;
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException("-o " + key + ": ConnectTimeout=" + v + " is not a whole number of seconds (1 or more)");
    }

    /** ~/ at the start of a file name is the home folder, as ssh reads it. */
    static String expand(String f) {
        if (f.equals("~") || f.startsWith("~/")) return System.getProperty("user.home") + f.substring(1);
        return f;
    }

    /**
     * Splits a command line into words as restic's SplitShellStrings does: white space separates,
     * '…' and "…" quote, a backslash escapes the next character.
     *
     * @throws IllegalArgumentException for an unclosed quote
     */
    static List<String> split(String key, String s) {
        List<String> out = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else if (c == '\\' && quote == '"' && i + 1 < s.length()) {
                    w.append(s.charAt(++i));
                } else {
                    w.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (c == '\\' && i + 1 < s.length()) {
                w.append(s.charAt(++i));
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) out.add(w.toString());
                w.setLength(0);
                inWord = false;
            } else {
                w.append(c);
                inWord = true;
            }
        }
        if (quote != 0) throw new IllegalArgumentException("-o " + key + " has an unclosed " + quote + " quote");
        if (inWord) out.add(w.toString());
        return out;
    }
}
