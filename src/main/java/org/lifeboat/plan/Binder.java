package org.lifeboat.plan;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.lifeboat.plan.YamlTree.Pos;
import org.lifeboat.plan.YamlTree.YEntry;
import org.lifeboat.plan.YamlTree.YList;
import org.lifeboat.plan.YamlTree.YMap;
import org.lifeboat.plan.YamlTree.YNode;
import org.lifeboat.plan.YamlTree.YScalar;

/**
 * Turns the YAML tree into a {@link Plan} for one site, collecting every problem instead of
 * stopping at the first. The keys are a contract with users: renamed keys break their files.
 */
final class Binder {
    record UnknownVar(String name, Pos pos) {}

    static final Duration DEFAULT_STEP_TIMEOUT = Duration.ofHours(1);
    static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofMinutes(10);
    static final Duration DEFAULT_WITHIN = Duration.ofSeconds(30);
    static final Duration DEFAULT_DRILL_EVERY = Duration.ofDays(30);
    /** Most sites a plan may have: each is validated on its own, and a plan recovers into a few places. */
    static final int MAX_SITES = 16;
    static final String TEMP_DIR = "temp-dir";
    static final String FREE_PORT = "free-port";

    private static final Set<String> TOP = Set.of("name", "repositories", "sites", "default-site", "systems",
            "drill-every", "state-dir", "retention", "serve", "alerts", "state-db", "anomaly-threshold");
    private static final Set<String> REPO = Set.of("url", "password-file", "password-env", "copy-to", "retention", "offsite",
            "append-only");
    private static final Set<String> RETENTION = Set.of("mode", "period");
    private static final Set<String> SYSTEM = Set.of("description", "owner", "contact", "contacts", "depends-on",
            "rpo", "rto", "drill-every", "backup", "restore", "verify", "retention", "schedule", "ping",
            "anomaly-threshold");
    /** A system's (or the plan's default) keep policy: restic's forget options without "--". */
    private static final Set<String> KEEP = Set.of("keep-last", "keep-hourly", "keep-daily", "keep-weekly", "keep-monthly",
            "keep-yearly", "keep-within", "keep-within-hourly", "keep-within-daily", "keep-within-weekly", "keep-within-monthly",
            "keep-within-yearly", "keep-tag");
    private static final Set<String> BACKUP = Set.of("repository", "sources", "before", "after", "host");
    private static final List<String> SOURCE_KINDS = List.of("path", "postgres", "mysql", "command");
    private static final List<String> STEP_KINDS = List.of("path", "postgres", "mysql", "command");
    private static final List<String> CHECK_KINDS = List.of("tcp", "http", "sql", "command", "files");
    private static final Set<String> DB = Set.of("host", "port", "user", "password-file", "password-env");
    /** What a variable may be called: also what {@code ${...}} must hold. */
    private static final Pattern VAR_NAME = Pattern.compile("[A-Za-z0-9_.-]+");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    /** Longest duration accepted (100 years): longer ones overflow clocks and mean a typo. */
    static final Duration MAX_DURATION = Duration.ofDays(36500);
    /**
     * Work (character pairs compared) spent on "did you mean" suggestions per binding: enough for
     * every typo of a real plan, and a bound for a file with thousands of unknown names.
     */
    private static final long SUGGEST_BUDGET = 2_000_000;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");

    final List<Problem> problems = new ArrayList<>();
    final List<UnknownVar> unknownVars = new ArrayList<>();
    private final PlanLoader.Parsed parsed;
    private final String file;
    private final String site;
    private final Map<String, Map<String, String>> sites;
    private final PlanLoader.Generators gen;
    private final Map<String, String> resolvedVars = new LinkedHashMap<>();
    /** Scalars holding a variable that could not be replaced: already reported, so their value is not judged. */
    private final Set<Pos> unresolved = new java.util.HashSet<>();
    private final Path base;
    /**
     * Only the parts holding a variable are bound (other sites than the first, when validating): the
     * rest reads the same in every site and was judged once, so validation stays linear in the file.
     */
    private final Map<YNode, Boolean> onlyWithVariables;
    private long suggestBudget = SUGGEST_BUDGET;

    Binder(PlanLoader.Parsed parsed, String site, Map<String, Map<String, String>> sites, PlanLoader.Generators gen) {
        this(parsed, site, sites, gen, null);
    }

    /** onlyWithVariables: null to bind everything; else a cache (by identity) of which nodes hold a variable. */
    Binder(PlanLoader.Parsed parsed, String site, Map<String, Map<String, String>> sites, PlanLoader.Generators gen,
           Map<YNode, Boolean> onlyWithVariables) {
        this.onlyWithVariables = onlyWithVariables;
        this.parsed = parsed;
        this.file = parsed.name();
        this.site = site;
        this.sites = sites;
        this.gen = gen;
        this.base = parsed.file().getParent();
    }

    // ------------------------------------------------------------------------------ sites

    static Map<String, Map<String, String>> siteVariables(PlanLoader.Parsed p, List<Problem> problems) {
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        YEntry e = ((YMap) p.root()).entries().get("sites");
        if (e == null || isNull(e.value())) return out;
        if (!(e.value() instanceof YMap m)) {
            problems.add(Problem.error(p.name(), e.value().pos(), "sites must be a map of site names to variables, not "
                    + e.value().typeName()));
            return out;
        }
        if (m.entries().size() > MAX_SITES) {
            // Every site is validated on its own: the bound keeps validation linear in the file.
            YEntry extra = m.entries().values().stream().skip(MAX_SITES).findFirst().orElseThrow();
            problems.add(Problem.error(p.name(), extra.keyPos(), "more than " + MAX_SITES + " sites (this is site "
                    + (MAX_SITES + 1) + " of " + m.entries().size() + "); a plan recovers into a few places"));
        }
        // Over the bound, the first sites still define their variables: their uses are not errors too.
        for (YEntry s : m.entries().values().stream().limit(MAX_SITES).toList()) {
            Map<String, String> vars = new LinkedHashMap<>();
            out.put(s.key(), vars);
            if (!NAME.matcher(s.key()).matches()) {
                problems.add(Problem.error(p.name(), s.keyPos(), "site name '" + s.key()
                        + "' may hold only letters, digits, '.', '_' and '-'"));
            }
            if (isNull(s.value())) continue;
            if (!(s.value() instanceof YMap vm)) {
                problems.add(Problem.error(p.name(), s.value().pos(), "site '" + s.key()
                        + "' must be a map of variables (e.g. { root: /srv/dr, pg_port: 6432 }), not " + s.value().typeName()));
                continue;
            }
            for (YEntry v : vm.entries().values()) {
                if (!VAR_NAME.matcher(v.key()).matches()) {
                    problems.add(Problem.error(p.name(), v.keyPos(), "site variable name '" + cut(v.key())
                            + "' may hold only letters, digits, '.', '_' and '-' (else ${...} cannot name it)"));
                }
                if (!(v.value() instanceof YScalar sc) || sc.value() == null) {
                    problems.add(Problem.error(p.name(), v.value().pos(), "site variable '" + v.key()
                            + "' must be a single value, not " + v.value().typeName()));
                    continue;
                }
                String val = sc.value();
                List<String> syntax = new ArrayList<>(1);
                for (Ref r : refs(val, syntax)) {
                    String g = r.name();
                    if (g == null) continue;
                    if ((g.equals(TEMP_DIR) || g.equals(FREE_PORT)) && !val.equals("${" + g + "}")) {
                        problems.add(Problem.error(p.name(), sc.pos(), "${" + g + "} must stand as the whole value of '"
                                + v.key() + "'"));
                    } else if (!g.equals(TEMP_DIR) && !g.equals(FREE_PORT)) {
                        String near = distance(g, TEMP_DIR) < 3 ? TEMP_DIR : distance(g, FREE_PORT) < 3 ? FREE_PORT : null;
                        problems.add(Problem.error(p.name(), sc.pos(), near != null
                                ? "unknown generator ${" + g + "} (did you mean ${" + near + "}?)"
                                : "site variables cannot use other variables (${" + cut(g) + "}); only ${temp-dir} and"
                                        + " ${free-port} may stand as a value"));
                    }
                }
                for (String err : syntax) problems.add(Problem.error(p.name(), sc.pos(), err));
                vars.put(v.key(), val);
            }
        }
        return out;
    }

    static String defaultSite(PlanLoader.Parsed p, Map<String, Map<String, String>> sites) {
        YEntry e = ((YMap) p.root()).entries().get("default-site");
        if (e != null && e.value() instanceof YScalar s && s.value() != null) return s.value();
        if (sites.containsKey("primary")) return "primary";
        return sites.isEmpty() ? null : sites.keySet().iterator().next();
    }

    // ------------------------------------------------------------------------------ the plan

    Plan bind() {
        YMap root = (YMap) parsed.root();
        if (onlyWithVariables == null) keys(root, "the plan", TOP);
        // Every variable of the site now, so that generated folders and ports are known to whoever
        // must clean up or compare them (drills), used or not.
        YEntry siteEntry = root.entries().get("sites");
        Pos sitePos = siteEntry == null ? root.pos() : siteEntry.keyPos();
        for (String v : sites.getOrDefault(site, Map.of()).keySet()) variable(v, sitePos);
        String name = nonEmpty(root, "name", "leave it out or name the plan");
        Map<String, Plan.RepositorySpec> repos = repositories(root.entries().get("repositories"));
        Map<String, Plan.Site> siteObjs = new LinkedHashMap<>();
        sites.forEach((k, v) -> siteObjs.put(k, new Plan.Site(k, v)));
        String dflt = defaultSite(parsed, sites);
        YEntry ds = root.entries().get("default-site");
        if (ds != null) {
            String v = scalar(ds.value(), "default-site");
            if (v != null && !sites.containsKey(v)) {
                problems.add(Problem.error(file, ds.value().pos(), "default-site '" + v + "' is not one of the sites"
                        + (sites.isEmpty() ? " (the file has none)" : " (" + String.join(", ", sites.keySet()) + ")")));
            }
        }
        Duration drillEvery = PlanLoader.nonNull(duration(root, "drill-every"), DEFAULT_DRILL_EVERY);
        String stateDir = nonEmptyPath(root, "state-dir");
        defaultKeep = keepPolicy(root.entries().get("retention"), "the plan's retention");
        Integer at = anomalyThreshold(root);
        defaultAnomalyThreshold = at == null ? SystemSpec.DEFAULT_ANOMALY_THRESHOLD : at;
        Map<String, SystemSpec> systems = new LinkedHashMap<>();
        Map<String, YEntry> systemEntries = new LinkedHashMap<>();
        YEntry se = root.entries().get("systems");
        if (se == null || isNull(se.value())) {
            problems.add(Problem.error(file, se == null ? root.pos() : se.value().pos(), "the plan has no systems"));
        } else if (!(se.value() instanceof YMap sm)) {
            problems.add(Problem.error(file, se.value().pos(), "systems must be a map of system names, not " + se.value().typeName()));
        } else {
            for (YEntry s : sm.entries().values()) {
                if (skip(s.value())) continue;
                if (!NAME.matcher(s.key()).matches()) {
                    problems.add(Problem.error(file, s.keyPos(), "system name '" + s.key()
                            + "' may hold only letters, digits, '.', '_' and '-'"));
                }
                systemEntries.put(s.key(), s);
                SystemSpec spec = system(s, repos, drillEvery);
                if (spec != null) systems.put(s.key(), spec);
            }
        }
        if (onlyWithVariables == null) {
            crossChecks(systems, systemEntries, repos);
            keepChecks(systems, systemEntries, root, repos);
            drillChecks(root, dflt, systems);
        }
        ServicePlan service = onlyWithVariables == null ? service(root, systemEntries, systems) : ServicePlan.EMPTY;
        return new Plan(parsed.file(), parsed.hash(), name, repos, siteObjs, dflt, site.isEmpty() ? null : site,
                Map.copyOf(resolvedVars), systems, drillEvery, stateDir, List.of(), service);
    }

    /**
     * A warning when no drill can run at all ({@link DrillSite}): at the default-site that names the
     * sandbox, else at the sandbox site that became the default, else at {@code sites:}, else at
     * {@code systems:}; naming the systems.
     */
    private void drillChecks(YMap root, String dflt, Map<String, SystemSpec> systems) {
        String why = DrillSite.refusal(sites.keySet(), dflt, DrillSite.SANDBOX);
        if (why == null || systems.isEmpty()) return;
        YEntry ds = root.entries().get("default-site");
        YEntry se = root.entries().get("sites");
        YEntry sys = root.entries().get("systems");
        Pos pos;
        if (sites.containsKey(DrillSite.SANDBOX)) {
            YEntry sandbox = se != null && se.value() instanceof YMap sm ? sm.entries().get(DrillSite.SANDBOX) : null;
            pos = ds != null ? ds.value().pos() : sandbox != null ? sandbox.keyPos() : root.pos();
        } else {
            pos = se != null ? se.keyPos() : sys != null ? sys.keyPos() : root.pos();
        }
        problems.add(Problem.warning(file, pos, DrillSite.sentence(List.copyOf(systems.keySet()), why)));
    }

    // ------------------------------------------------------------------------------ serve (issue 13)

    private static final Set<String> SERVE = Set.of("listen", "password-file", "password-env", "tls");
    private static final Set<String> TLS = Set.of("cert", "key");
    private static final List<String> ALERT_KINDS = List.of("webhook", "email", "command");
    private static final Set<String> WEBHOOK = Set.of("url", "format");
    private static final Set<String> EMAIL = Set.of("to", "from", "smtp");
    private static final Set<String> SMTP = Set.of("host", "port", "user", "password-file", "password-env", "starttls");
    private static final Pattern LISTEN = Pattern.compile("(\\[[0-9A-Fa-f:.]+]|[A-Za-z0-9.-]+):([0-9]{1,5})");

    /** {@code serve:}, {@code alerts:}, {@code state-db:} and each system's {@code schedule:} and {@code ping:}. */
    private ServicePlan service(YMap root, Map<String, YEntry> systemEntries, Map<String, SystemSpec> systems) {
        ServicePlan.Serve serve = new ServicePlan.Serve(null, null, null, null, null);
        YEntry se = root.entries().get("serve");
        if (se != null && !isNull(se.value())) {
            YMap m = map(se.value(), "serve");
            if (m != null) {
                keys(m, "serve", SERVE);
                String listen = nonEmpty(m, "listen", "leave it out for 127.0.0.1:8480");
                if (listen != null) {
                    java.util.regex.Matcher lm = LISTEN.matcher(listen);
                    if (!lm.matches() || Integer.parseInt(lm.group(2)) > 65535) {
                        bad(m.entries().get("listen").value(), "serve listen '" + cut(listen)
                                + "' is not HOST:PORT, e.g. 127.0.0.1:8480 (0.0.0.0:8480 for every interface)");
                        listen = null;
                    }
                }
                String[] secret = secret(m);
                String cert = null, key = null;
                YEntry te = m.entries().get("tls");
                if (te != null && !isNull(te.value())) {
                    YMap tm = map(te.value(), "serve tls");
                    if (tm != null) {
                        keys(tm, "serve tls", TLS);
                        cert = nonEmptyPath(tm, "cert");
                        key = nonEmptyPath(tm, "key");
                        if ((cert == null) != (key == null)) {
                            problems.add(Problem.error(file, tm.pos(), "serve tls needs both cert and key (PEM files)"));
                        }
                    }
                }
                serve = new ServicePlan.Serve(listen, secret[0], secret[1], cert, key);
            }
        }
        List<ServicePlan.AlertChannel> alerts = new ArrayList<>();
        YEntry ae = root.entries().get("alerts");
        if (ae != null && !isNull(ae.value())) {
            if (!(ae.value() instanceof YList)) {
                bad(ae.value(), "alerts must be a list of channels (- webhook: …, - email: …, - command: …), not "
                        + ae.value().typeName());
            } else {
                for (YNode n : asList(ae.value())) {
                    ServicePlan.AlertChannel c = alertChannel(n);
                    if (c != null) alerts.add(c);
                }
            }
        }
        String stateDb = nonEmpty(root, "state-db", "leave it out for the SQLite file in the state folder");
        Map<String, ServicePlan.SystemJobs> jobs = new LinkedHashMap<>();
        systemEntries.forEach((name, e) -> {
            if (!(e.value() instanceof YMap m)) return;
            Map<String, Schedule> schedule = new LinkedHashMap<>();
            Map<String, String> ping = new LinkedHashMap<>();
            String what = "system '" + name + "'";
            YEntry sch = m.entries().get("schedule");
            if (sch != null && !isNull(sch.value())) {
                YMap sm = map(sch.value(), what + " schedule");
                if (sm != null) {
                    keys(sm, what + " schedule", new java.util.LinkedHashSet<>(ServicePlan.JOB_KINDS));
                    for (YEntry k : sm.entries().values()) {
                        String text = scalar(k.value(), k.key());
                        if (text == null) continue;
                        try {
                            Schedule s = Schedule.parse(text);
                            if (s instanceof Schedule.Continuous && !k.key().equals("backup")) {
                                bad(k.value(), what + ": only backups run continuously; give " + k.key()
                                        + " an interval (7d) or a cron expression");
                            } else {
                                schedule.put(k.key(), s);
                                SystemSpec spec = systems.get(name);
                                java.time.Duration gap = k.key().equals("backup") ? s.longestGap() : null;
                                if (spec != null && gap != null && spec.rpo() != null && !spec.rpo().isZero()
                                        && gap.compareTo(spec.rpo()) > 0) {
                                    problems.add(Problem.warning(file, k.value().pos(), what + ": backups " + s.text()
                                            + " leave up to " + Durations.format(gap) + " between snapshots, more than its RPO of "
                                            + Durations.format(spec.rpo()) + "; the RPO will be missed before each backup"));
                                }
                            }
                        } catch (IllegalArgumentException ex) {
                            bad(k.value(), what + " schedule " + k.key() + ": " + ex.getMessage());
                        }
                    }
                    SystemSpec spec = systems.get(name);
                    if (spec != null && (spec.backup() == null || spec.backup().sources().isEmpty())
                            && (sm.entries().containsKey("backup") || sm.entries().containsKey("copy"))) {
                        problems.add(Problem.error(file, sch.keyPos(), what + " has a backup schedule but nothing to back up"
                                + " (no backup sources)"));
                    }
                }
            }
            YEntry pe = m.entries().get("ping");
            if (pe != null && !isNull(pe.value())) {
                YMap pm = map(pe.value(), what + " ping");
                if (pm != null) {
                    keys(pm, what + " ping", new java.util.LinkedHashSet<>(ServicePlan.JOB_KINDS));
                    for (YEntry k : pm.entries().values()) {
                        String url = scalar(k.value(), k.key());
                        if (url == null) continue;
                        String why = webUrlProblem(url);
                        if (why != null) {
                            bad(k.value(), what + " ping " + k.key() + " " + why);
                        } else {
                            ping.put(k.key(), url);
                        }
                    }
                }
            }
            if (!schedule.isEmpty() || !ping.isEmpty()) jobs.put(name, new ServicePlan.SystemJobs(Map.copyOf(schedule), Map.copyOf(ping)));
        });
        return new ServicePlan(serve, List.copyOf(alerts), Map.copyOf(jobs), stateDb);
    }

    /** Why {@code url} cannot be a web address to call (null when it can): http or https, a host, RFC 3986 syntax. */
    private static String webUrlProblem(String url) {
        if (!url.startsWith("http://") && !url.startsWith("https://")) return "must be an http:// or https:// URL";
        try {
            java.net.URI u = new java.net.URI(url);
            if (u.getHost() == null || u.getHost().isEmpty()) return "names no host";
            return portProblem(u);
        } catch (java.net.URISyntaxException e) {
            return "is not a URL (" + e.getReason() + " at character " + (e.getIndex() + 1) + ")";
        }
    }

    /**
     * Why the port {@code u} names cannot be connected to (null when it names none, or one from 1
     * to 65535): {@link java.net.URI} takes any digits, and a connection then fails at every call.
     */
    private static String portProblem(java.net.URI u) {
        if (u.getPort() == -1 || u.getPort() >= 1 && u.getPort() <= 65535) return null;
        return "names port " + u.getPort() + ", which is not a port (1 to 65535)";
    }

    /** Why {@code address} is not one mail address (RFC 5322, as Jakarta Mail reads it strictly), or null. */
    private static String mailProblem(String address) {
        if (address.chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f)) return "holds a control character";
        try {
            jakarta.mail.internet.InternetAddress a = new jakarta.mail.internet.InternetAddress(address, true);
            a.validate();
            return null;
        } catch (jakarta.mail.internet.AddressException e) {
            return "is not a mail address (" + e.getMessage() + ")";
        }
    }

    private ServicePlan.AlertChannel alertChannel(YNode n) {
        YMap m = map(n, "an alert channel");
        if (m == null) return null;
        String kind = kindOf(m, ALERT_KINDS, "alert channel");
        if (kind == null) return null;
        keys(m, kind + " alert", Set.of(kind));
        YNode body = m.entries().get(kind).value();
        switch (kind) {
            case "webhook" -> {
                YMap wm = map(body, "webhook alert");
                if (wm == null) return null;
                keys(wm, "webhook alert", WEBHOOK);
                String url = requiredText(wm, "url", "a webhook alert");
                String format = textOr(wm, "format", "json");
                if (!List.of("json", "slack", "ntfy").contains(format)) {
                    bad(wm.entries().get("format").value(), "webhook format '" + cut(format) + "' is not json, slack or ntfy");
                    return null;
                }
                String why = url == null ? null : webUrlProblem(url);
                if (why != null) {
                    bad(wm.entries().get("url").value(), "webhook url " + why);
                    return null;
                }
                return url == null ? null : new ServicePlan.Webhook(url, format);
            }
            case "email" -> {
                YMap em = map(body, "email alert");
                if (em == null) return null;
                keys(em, "email alert", EMAIL);
                List<String> to = nonEmptyList(em, "to", "an empty address");
                if (to.isEmpty()) problems.add(Problem.error(file, em.pos(), "an email alert needs to: (one address or a list)"));
                String from = requiredText(em, "from", "an email alert");
                YEntry smtpE = em.entries().get("smtp");
                if (smtpE == null) {
                    problems.add(Problem.error(file, em.pos(), "an email alert needs smtp: { host, port }"));
                    return null;
                }
                YMap sm = map(smtpE.value(), "email smtp");
                if (sm == null) return null;
                keys(sm, "email smtp", SMTP);
                String host = requiredText(sm, "host", "email smtp");
                Integer port = port(sm, false);
                String user = nonEmpty(sm, "user", "leave it out to send without logging in");
                String[] secret = secret(sm);
                String st = textOr(sm, "starttls", "true");
                if (!st.equals("true") && !st.equals("false")) {
                    bad(sm.entries().get("starttls").value(), "starttls must be true or false");
                }
                for (String a : to) {
                    String why = mailProblem(a);
                    if (why != null) problems.add(Problem.error(file, em.entries().get("to").value().pos(), "email to '" + cut(a) + "' " + why));
                }
                if (from != null && mailProblem(from) != null) {
                    bad(em.entries().get("from").value(), "email from '" + cut(from) + "' " + mailProblem(from));
                    return null;
                }
                if (to.isEmpty() || from == null || host == null || to.stream().anyMatch(a -> mailProblem(a) != null)) return null;
                return new ServicePlan.Email(to, from, host, port == null ? 587 : port, user, secret[0], secret[1],
                        !st.equals("false"));
            }
            default -> {
                String run = scalar(body, "command alert");
                if (run == null || run.isBlank()) {
                    bad(body, "a command alert needs the command to run");
                    return null;
                }
                return new ServicePlan.Command(run);
            }
        }
    }

    private Map<String, Plan.RepositorySpec> repositories(YEntry e) {
        Map<String, Plan.RepositorySpec> out = new LinkedHashMap<>();
        Map<String, YMap> entries = new LinkedHashMap<>();
        if (e == null || isNull(e.value())) return out;
        if (!(e.value() instanceof YMap m)) {
            problems.add(Problem.error(file, e.value().pos(), "repositories must be a map of names to { url, password-file }, not "
                    + e.value().typeName()));
            return out;
        }
        for (YEntry r : m.entries().values()) {
            if (skip(r.value())) {
                out.put(r.key(), new Plan.RepositorySpec(r.key(), null, null, null)); // judged in the first site
                continue;
            }
            YMap rm = map(r.value(), "repository '" + r.key() + "'");
            if (rm == null) continue;
            keys(rm, "repository '" + r.key() + "'", REPO);
            String url = requiredText(rm, "url", "repository '" + r.key() + "'");
            // local:REL is relative to the plan's folder too, as a bare path is
            boolean localScheme = url != null && url.startsWith("local:") && !url.startsWith("local:/");
            if (url != null && (localScheme || !url.matches("^[a-z0-9]+:.*") && !url.startsWith("/"))) {
                try {
                    url = localScheme ? "local:" + base.resolve(url.substring("local:".length())).normalize()
                            : base.resolve(url).normalize().toString();
                } catch (java.nio.file.InvalidPathException bad) {
                    problems.add(Problem.error(file, rm.entries().get("url").value().pos(), "url is not a valid path: " + bad.getReason()));
                }
            }
            String[] secret = secret(rm);
            String what = "repository '" + r.key() + "'";
            List<String> copyTo = nonEmptyList(rm, "copy-to", "an empty name: name a repository of the plan");
            Plan.Retention retention = retention(rm, what, url);
            YEntry oe = rm.entries().get("offsite");
            boolean offsite = oe == null || isNull(oe.value()) ? Plan.RepositorySpec.offsiteByDefault(url) : bool(rm, "offsite", false);
            boolean appendOnly = bool(rm, "append-only", false);
            if (appendOnly && url != null && !url.startsWith("rest:")) {
                // only a REST server can refuse deletes to the client that writes (rest-server --append-only)
                problems.add(Problem.error(file, rm.entries().get("append-only").keyPos(), what + " is append-only, but only a"
                        + " rest: repository's server can refuse deletes (rest-server or lifeboat serve-repository"
                        + " --append-only); its url is " + cut(url)));
                appendOnly = false;
            }
            out.put(r.key(), new Plan.RepositorySpec(r.key(), url, secret[0], secret[1], copyTo, retention, offsite, appendOnly));
            entries.put(r.key(), rm);
        }
        if (onlyWithVariables == null) {
            samePlaceChecks(out, entries);
            copyChecks(out, entries);
        }
        return out;
    }

    /**
     * Two repositories at one place (the same folder however written, the same remote location)
     * would copy snapshots onto themselves and count as two places in the 3-2-1 report: refused at
     * the second one's url.
     */
    private void samePlaceChecks(Map<String, Plan.RepositorySpec> repos, Map<String, YMap> entries) {
        List<Plan.RepositorySpec> seen = new ArrayList<>();
        for (Plan.RepositorySpec r : repos.values()) {
            if (r.url() == null || !entries.containsKey(r.name())) continue;
            for (Plan.RepositorySpec earlier : seen) {
                if (org.lifeboat.copy.Places.same(earlier.url(), r.url(), base)) {
                    problems.add(Problem.error(file, entries.get(r.name()).entries().get("url").value().pos(),
                            "repositories '" + earlier.name() + "' and '" + r.name() + "' are the same place"
                                    // a remote location may carry a password: only folders are shown
                                    + (org.lifeboat.copy.Places.localPath(r.url(), base) == null ? ""
                                    : " (" + cut(org.lifeboat.copy.Places.normalise(r.url(), base)) + ")")
                                    + "; give each repository its own location"));
                    break;
                }
            }
            seen.add(r);
        }
    }

    /** {@code retention: { mode: compliance|governance, period: 30d }}: S3 Object Lock, so only for s3: repositories. */
    private Plan.Retention retention(YMap rm, String what, String url) {
        YEntry e = rm.entries().get("retention");
        if (e == null || isNull(e.value())) return null;
        YMap m = map(e.value(), what + " retention");
        if (m == null) return null;
        keys(m, what + " retention", RETENTION);
        String mode = requiredText(m, "mode", what + " retention");
        if (mode != null && !mode.equals("compliance") && !mode.equals("governance")) {
            bad(m.entries().get("mode").value(), "retention mode must be compliance or governance, not '" + cut(mode) + "'");
            mode = null;
        }
        Duration period = duration(m, "period");
        if (period == null && !m.entries().containsKey("period")) {
            problems.add(Problem.error(file, m.pos(), what + " retention needs period (how long each file stays immutable, e.g. 30d)"));
        }
        if (url != null && !url.startsWith("s3:")) {
            // Object Lock is an S3 feature: a folder or another server cannot keep the promise.
            problems.add(Problem.error(file, e.keyPos(), what + " has a retention, but only an s3: repository can keep files"
                    + " immutable (S3 Object Lock); its url is " + cut(url)));
            return null;
        }
        return mode == null || period == null ? null : new Plan.Retention(mode, period);
    }

    /** copy-to names repositories of the plan, not the repository itself, and copies never come back around. */
    private void copyChecks(Map<String, Plan.RepositorySpec> repos, Map<String, YMap> entries) {
        Map<String, List<String>> edges = new LinkedHashMap<>();
        for (Plan.RepositorySpec r : repos.values()) {
            YMap rm = entries.get(r.name());
            if (rm == null) continue;
            YEntry ce = rm.entries().get("copy-to");
            List<YNode> items = ce == null ? List.of() : asList(ce.value());
            List<String> ok = new ArrayList<>();
            Set<String> seen = new java.util.HashSet<>();
            for (int i = 0; i < r.copyTo().size(); i++) {
                String t = r.copyTo().get(i);
                Pos pos = i < items.size() ? items.get(i).pos() : ce.value().pos();
                if (t.equals(r.name())) {
                    problems.add(Problem.error(file, pos, "repository '" + r.name() + "' copies to itself: name other repositories"));
                } else if (!repos.containsKey(t)) {
                    problems.add(Problem.error(file, pos, "repository '" + r.name() + "' copies to '" + cut(t)
                            + "', which is not a repository of the plan" + suggest(t, repos.keySet())
                            + " (repositories: " + String.join(", ", repos.keySet()) + ")"));
                } else if (!seen.add(t)) {
                    problems.add(Problem.error(file, pos, "repository '" + r.name() + "' names '" + t + "' twice in copy-to"));
                } else {
                    ok.add(t);
                }
            }
            edges.put(r.name(), ok);
        }
        for (List<String> cycle : Graph.namedCycles(edges)) {
            YEntry ce = entries.get(cycle.get(0)).entries().get("copy-to");
            problems.add(Problem.error(file, ce.value().pos(), "copy cycle: " + String.join(" -> ", cycle)
                    + " (every snapshot would be copied back where it came from)"));
        }
    }

    private SystemSpec system(YEntry s, Map<String, Plan.RepositorySpec> repos, Duration drillEvery) {
        String what = "system '" + s.key() + "'";
        YMap m = map(s.value(), what);
        if (m == null) return null;
        keys(m, what, SYSTEM);
        Duration rpo = duration(m, "rpo");
        Duration rto = duration(m, "rto");
        required(m, "rpo", s.keyPos(), what + " has no rpo (how much data it may lose, e.g. rpo: 15m)");
        required(m, "rto", s.keyPos(), what + " has no rto (how fast it must be back, e.g. rto: 1h)");
        List<String> contacts = new ArrayList<>(textList(m, "contact"));
        contacts.addAll(textList(m, "contacts"));
        SystemSpec.Backup backup = backup(m.entries().get("backup"), what, repos);
        String engine = guessEngine(m);
        List<Step> restore = new ArrayList<>();
        for (YNode n : items(m, "restore", what)) {
            Step st = step(n, what);
            if (st != null) restore.add(st);
        }
        List<Check> verify = new ArrayList<>();
        for (YNode n : items(m, "verify", what)) {
            Check c = check(n, what, engine);
            if (c != null) verify.add(c);
        }
        return new SystemSpec(s.key(), optText(m, "description"), optText(m, "owner"), contacts, textList(m, "depends-on"),
                rpo == null ? Duration.ZERO : rpo, rto == null ? Duration.ZERO : rto,
                PlanLoader.nonNull(duration(m, "drill-every"), drillEvery), backup, restore, verify,
                m.entries().containsKey("retention") ? keepPolicy(m.entries().get("retention"), what + " retention") : defaultKeep,
                anomalyThresholdOr(m, defaultAnomalyThreshold));
    }

    private int defaultAnomalyThreshold = SystemSpec.DEFAULT_ANOMALY_THRESHOLD;

    /** {@code anomaly-threshold}: 1..100, or off (0); null when absent or wrong (the problem noted). */
    private Integer anomalyThreshold(YMap m) {
        YEntry e = m.entries().get("anomaly-threshold");
        if (e == null) return null;
        String s = scalar(e.value(), "anomaly-threshold");
        if (s != null && s.trim().equalsIgnoreCase("off")) return 0;
        if (s != null && !s.trim().matches("[0-9]{1,9}")) {
            bad(e.value(), "anomaly-threshold must be a score from 1 to 100, or off, not '" + cut(s) + "'");
            return null;
        }
        return integer(m, "anomaly-threshold", 1, 100);
    }

    private int anomalyThresholdOr(YMap m, int dflt) {
        Integer v = anomalyThreshold(m);
        return v == null ? dflt : v;
    }

    /** The plan's default keep policy (top-level {@code retention:}), null for none. */
    private org.lifeboat.prune.KeepPolicy defaultKeep;

    /**
     * A keep policy: {@code retention: { keep-daily: 7, keep-within: 1y, keep-tag: [important] }},
     * restic's forget options without "--" (counts are numbers or unlimited, spans restic's 1y2m3d4h).
     * Null when the entry is missing or empty ({@code retention:} on a system turns the plan's off).
     */
    private org.lifeboat.prune.KeepPolicy keepPolicy(YEntry e, String what) {
        if (e == null || isNull(e.value())) return null;
        YMap m = map(e.value(), what);
        if (m == null) return null;
        keys(m, what, KEEP);
        org.lifeboat.prune.KeepPolicy p = org.lifeboat.prune.KeepPolicy.NONE;
        for (String c : List.of("last", "hourly", "daily", "weekly", "monthly", "yearly")) {
            YEntry ce = m.entries().get("keep-" + c);
            if (ce == null) continue;
            String v = scalar(ce.value(), "keep-" + c);
            if (v == null) continue;
            v = v.strip();
            int n;
            if (v.equals("unlimited")) {
                n = org.lifeboat.prune.KeepPolicy.UNLIMITED;
            } else {
                try {
                    n = Integer.parseInt(v);
                    if (n < 0) throw new NumberFormatException();
                } catch (NumberFormatException x) {
                    bad(ce.value(), what + " keep-" + c + " must be a number of snapshots (0 or more) or unlimited, not '" + cut(v) + "'");
                    continue;
                }
            }
            p = p.withCount(c, n);
        }
        for (String sp : List.of("", "hourly", "daily", "weekly", "monthly", "yearly")) {
            String key = sp.isEmpty() ? "keep-within" : "keep-within-" + sp;
            YEntry se = m.entries().get(key);
            if (se == null) continue;
            String v = scalar(se.value(), key);
            if (v == null) continue;
            try {
                p = p.withSpan(sp, org.lifeboat.prune.KeepPolicy.Span.parse(v));
            } catch (IllegalArgumentException x) {
                bad(se.value(), what + " " + key + ": " + x.getMessage());
            }
        }
        for (String t : textList(m, "keep-tag")) {
            List<String> l = new ArrayList<>();
            for (String x : t.split(",", -1)) l.add(x.strip());
            p = p.withTags(l);
        }
        if (p.isEmpty()) {
            problems.add(Problem.error(file, m.pos(), what + " keeps nothing: give keep-last, keep-daily, keep-within or"
                    + " another keep- rule (leave retention out to keep every snapshot)"));
            return null;
        }
        return p;
    }

    /**
     * Warnings where a system's keep policy cannot give what the plan promises: a policy that keeps
     * snapshots only by tag (the newest backup would go), one that keeps a single recovery point
     * (a bad newest backup leaves nothing older), and one that removes snapshots sooner than the
     * repository's Object Lock lets them go (they stay until then; forget reports them each time).
     */
    private void keepChecks(Map<String, SystemSpec> systems, Map<String, YEntry> entries, YMap root, Map<String, Plan.RepositorySpec> repos) {
        for (SystemSpec s : systems.values()) {
            org.lifeboat.prune.KeepPolicy p = s.retention();
            if (p == null || s.backup() == null) continue;
            YMap sm = (YMap) entries.get(s.name()).value();
            YEntry own = sm.entries().get("retention");
            Pos pos = own != null ? own.keyPos() : root.entries().get("retention").keyPos();
            String who = "system '" + s.name() + "' retention (" + p + ")";
            Duration history = KeepHistory.span(p, s.rpo());
            if (history == null) {
                problems.add(Problem.warning(file, pos, who + " keeps snapshots only by tag: a plan backup carries no such tag,"
                        + " so forget would refuse to run for it (add keep-last or keep-daily)"));
                continue;
            }
            if (KeepHistory.points(p, s.rpo()) < 2) {
                problems.add(Problem.warning(file, pos, who + " keeps one recovery point: when the newest backup is bad,"
                        + " nothing older is left (keep 2 or more)"));
            }
            Plan.RepositorySpec r = repos.get(s.backup().repository());
            if (r != null && r.retention() != null && history.compareTo(r.retention().period()) < 0) {
                problems.add(Problem.warning(file, pos, who + " keeps about " + Durations.toPlanText(history)
                        + " of backups every " + Durations.toPlanText(s.rpo()) + ", but repository '" + r.name()
                        + "' locks each file for " + Durations.toPlanText(r.retention().period())
                        + ": older snapshots stay until their lock ends (forget reports them each time)"));
            }
        }
    }

    /** An empty value ({@code rpo:}) is as missing as no key: without this it would silently mean zero. */
    private void required(YMap m, String key, Pos systemPos, String message) {
        YEntry e = m.entries().get(key);
        if (e == null) problems.add(Problem.error(file, systemPos, message));
        else if (isNull(e.value())) problems.add(Problem.error(file, e.keyPos(), message));
    }

    /** The database kind an sql check talks to when it does not say: the one the system restores or dumps. */
    private static String guessEngine(YMap m) {
        boolean my = false, pg = false;
        List<YNode> kinds = new ArrayList<>(asList(m.entries().containsKey("restore") ? m.entries().get("restore").value() : null));
        YEntry b = m.entries().get("backup");
        if (b != null && b.value() instanceof YMap bm && bm.entries().containsKey("sources")) {
            kinds.addAll(asList(bm.entries().get("sources").value()));
        }
        for (YNode n : kinds) {
            if (n instanceof YMap im) {
                my |= im.entries().containsKey("mysql");
                pg |= im.entries().containsKey("postgres");
            }
        }
        return my && !pg ? "mysql" : "postgres";
    }

    private SystemSpec.Backup backup(YEntry e, String what, Map<String, Plan.RepositorySpec> repos) {
        if (e == null || isNull(e.value())) return null;
        YMap m = map(e.value(), what + " backup");
        if (m == null) return null;
        keys(m, what + " backup", BACKUP);
        String repo = optText(m, "repository");
        YEntry re = m.entries().get("repository");
        if (repo == null && repos.size() == 1) repo = repos.keySet().iterator().next();
        if (repo == null) {
            problems.add(Problem.error(file, m.pos(), what + " backup names no repository"
                    + (repos.isEmpty() ? " and the file defines none" : " (repositories: " + String.join(", ", repos.keySet()) + ")")));
        } else if (!repos.containsKey(repo)) {
            // repo is only ever unknown when written, so re is there
            bad(re.value(), "unknown repository '" + repo + "'"
                    + (repos.isEmpty() ? " (the file defines none)" : " (repositories: " + String.join(", ", repos.keySet()) + ")"));
        }
        List<Source> sources = new ArrayList<>();
        List<YNode> sourceItems = items(m, "sources", what + " backup");
        for (YNode n : sourceItems) {
            Source s = source(n, what);
            if (s != null) sources.add(s);
        }
        // Sources written but refused are reported each; "no sources" would only repeat them.
        if (sourceItems.isEmpty() && m.entries().containsKey("sources")) {
            problems.add(Problem.error(file, m.entries().get("sources").value().pos(), what + " backup has no sources"));
        }
        List<Step.CommandStep> before = hooks(m, "before", what), after = hooks(m, "after", what);
        String host = optText(m, "host");
        if (host != null && host.isBlank()) {
            bad(m.entries().get("host").value(), "host is empty: name the host its snapshots carry, or leave it out");
            host = null;
        }
        return new SystemSpec.Backup(repo, sources, before, after, host);
    }

    private List<Step.CommandStep> hooks(YMap m, String key, String what) {
        List<Step.CommandStep> out = new ArrayList<>();
        for (YNode n : items(m, key, what + " backup")) {
            Step.CommandStep c = command(n, what + " " + key + " hook", Set.of());
            if (c != null) out.add(c);
        }
        return out;
    }

    // ------------------------------------------------------------------------------ sources

    private Source source(YNode n, String what) {
        YMap m = map(n, what + " source");
        if (m == null) return null;
        String kind = kindOf(m, SOURCE_KINDS, what + " source");
        if (kind == null) return null;
        YNode v = m.entries().get(kind).value();
        switch (kind) {
            case "path" -> {
                keys(m, what + " path source", Set.of("path", "exclude", "one-file-system"));
                String p = path(v, "path");
                if (p != null && p.isEmpty()) {
                    bad(v, "path is empty: name the folder or file to back up");
                    p = null;
                }
                List<String> ex = patterns(m, "exclude");
                return p == null ? null : new Source.PathSource(p, ex, bool(m, "one-file-system", false));
            }
            case "postgres" -> {
                keys(m, what + " postgres source", Set.of("postgres"));
                YMap dm = map(v, "postgres source");
                if (dm == null) return null;
                keys(dm, "postgres source", union(DB, Set.of("databases", "globals")));
                return new Source.PostgresSource(db(dm, 5432, "postgres"), databases(dm), bool(dm, "globals", true));
            }
            case "mysql" -> {
                keys(m, what + " mysql source", Set.of("mysql"));
                YMap dm = map(v, "mysql source");
                if (dm == null) return null;
                keys(dm, "mysql source", union(DB, Set.of("databases")));
                return new Source.MysqlSource(db(dm, 3306, "root"), databases(dm));
            }
            default -> {
                String run, filename;
                Duration timeout;
                if (v instanceof YMap cm) {
                    keys(m, what + " command source", Set.of("command"));
                    keys(cm, "command source", Set.of("run", "filename", "timeout", "allow-empty"));
                    run = requiredText(cm, "run", "command source");
                    filename = optText(cm, "filename");
                    timeout = duration(cm, "timeout");
                } else {
                    keys(m, what + " command source", Set.of("command", "filename", "timeout", "allow-empty"));
                    run = scalar(v, "command");
                    filename = optText(m, "filename");
                    timeout = duration(m, "timeout");
                    if (run != null && run.isBlank()) {
                        bad(v, "command is empty: say which command's output to back up");
                        run = null;
                    }
                }
                if (run == null) return null;
                YEntry fe = (v instanceof YMap cm ? cm : m).entries().get("filename");
                if (filename == null) filename = "command-output";
                if (filename.isEmpty() || filename.contains("/") || filename.contains("\0") || filename.equals(".")
                        || filename.equals("..")) {
                    bad(fe == null ? v : fe.value(), "filename must be a plain file name, not '" + filename + "'");
                }
                boolean allowEmpty = bool(v instanceof YMap cm ? cm : m, "allow-empty", false);
                return new Source.CommandSource(run, filename, PlanLoader.nonNull(timeout, Binder.DEFAULT_STEP_TIMEOUT), allowEmpty);
            }
        }
    }

    // ------------------------------------------------------------------------------ steps

    private Step step(YNode n, String what) {
        YMap m = map(n, what + " restore step");
        if (m == null) return null;
        String kind = kindOf(m, STEP_KINDS, what + " restore step");
        if (kind == null) return null;
        YNode v = m.entries().get(kind).value();
        switch (kind) {
            case "path" -> {
                keys(m, what + " path step", Set.of("path"));
                YMap pm = map(v, "path step");
                if (pm == null) return null;
                keys(pm, "path step", Set.of("from", "to", "include", "exclude", "overwrite", "timeout"));
                String from = requiredPath(pm, "from", "path step");
                String to = requiredPath(pm, "to", "path step");
                String ow = optText(pm, "overwrite");
                if (ow != null && !Set.of("always", "if-changed", "never").contains(ow)) {
                    bad(pm.entries().get("overwrite").value(), "overwrite must be always, if-changed or never, not '" + ow + "'");
                }
                if (from == null || to == null) return null;
                return new Step.PathStep(from, to, patterns(pm, "include"), patterns(pm, "exclude"),
                        ow == null ? "if-changed" : ow, PlanLoader.nonNull(duration(pm, "timeout"), DEFAULT_STEP_TIMEOUT));
            }
            case "postgres", "mysql" -> {
                keys(m, what + " " + kind + " step", Set.of(kind));
                YMap dm = map(v, kind + " step");
                if (dm == null) return null;
                boolean pg = kind.equals("postgres");
                keys(dm, kind + " step", union(DB, pg ? Set.of("databases", "create-server", "globals", "timeout")
                        : Set.of("databases", "create-server", "timeout")));
                String cs = optPath(dm, "create-server");
                return new Step.DatabaseStep(kind, db(dm, pg ? 5432 : 3306, pg ? "postgres" : "root"), databases(dm),
                        cs == null ? "" : cs, pg && bool(dm, "globals", true),
                        PlanLoader.nonNull(duration(dm, "timeout"), DEFAULT_STEP_TIMEOUT));
            }
            default -> {
                return command(m, what + " command step", Set.of("background", "timeout"));
            }
        }
    }

    /** A command: {@code command: "text"} or {@code command: { run, background, timeout }}; also a bare string. */
    private Step.CommandStep command(YNode n, String what, Set<String> siblings) {
        if (n instanceof YScalar) {
            String run = scalar(n, what);
            if (run != null && run.isBlank()) {
                bad(n, what + " is empty: say which command to run");
                return null;
            }
            return run == null ? null : new Step.CommandStep(run, false, DEFAULT_COMMAND_TIMEOUT);
        }
        YMap m = map(n, what);
        if (m == null) return null;
        YEntry c = m.entries().get("command");
        YMap body = m;
        if (c != null && c.value() instanceof YMap cm) {
            keys(m, what, Set.of("command"));
            body = cm;
            keys(body, what, Set.of("run", "background", "timeout"));
        } else if (c != null) {
            Set<String> allowed = new java.util.HashSet<>(siblings);
            allowed.add("command");
            keys(m, what, allowed);
        } else {
            keys(m, what, Set.of("run", "background", "timeout"));
        }
        String run = c != null && !(c.value() instanceof YMap) ? scalar(c.value(), "command") : requiredText(body, "run", what);
        if (run != null && run.isBlank()) {
            bad(c.value(), what + " is empty: say which command to run");
            return null;
        }
        if (run == null) return null;
        return new Step.CommandStep(run, bool(body, "background", false),
                PlanLoader.nonNull(duration(body, "timeout"), DEFAULT_COMMAND_TIMEOUT));
    }

    // ------------------------------------------------------------------------------ checks

    private Check check(YNode n, String what, String engine) {
        YMap m = map(n, what + " check");
        if (m == null) return null;
        String kind = kindOf(m, CHECK_KINDS, what + " check");
        if (kind == null) return null;
        YNode v = m.entries().get(kind).value();
        String w = what + " " + kind + " check";
        switch (kind) {
            case "tcp" -> {
                keys(m, w, Set.of("tcp"));
                YMap cm = map(v, w);
                if (cm == null) return null;
                keys(cm, w, Set.of("host", "port", "within"));
                Integer port = port(cm, true);
                String host = nonEmpty(cm, "host", "leave it out for 127.0.0.1");
                return port == null ? null : new Check.TcpCheck(host == null ? "127.0.0.1" : host, port, within(cm));
            }
            case "http" -> {
                keys(m, w, Set.of("http"));
                YMap cm = map(v, w);
                if (cm == null) return null;
                keys(cm, w, Set.of("url", "status", "body", "within"));
                String url = requiredText(cm, "url", w);
                Integer status = integer(cm, "status", 100, 599);
                if (url != null && !url.startsWith("http://") && !url.startsWith("https://")) {
                    bad(cm.entries().get("url").value(), "url must start with http:// or https://");
                } else if (url != null) {
                    String why;
                    try {
                        why = portProblem(new java.net.URI(url));
                    } catch (java.net.URISyntaxException e) {
                        why = null; // as before: the check itself says what it could not reach
                    }
                    if (why != null) bad(cm.entries().get("url").value(), w + " url " + why);
                }
                String body = nonEmpty(cm, "body", "leave it out to accept any response body");
                return url == null ? null : new Check.HttpCheck(url, status == null ? 200 : status, body, within(cm));
            }
            case "sql" -> {
                keys(m, w, Set.of("sql"));
                YMap cm = map(v, w);
                if (cm == null) return null;
                keys(cm, w, union(DB, Set.of("engine", "database", "query", "expect", "within")));
                String eng = textOr(cm, "engine", engine);
                if (!eng.equals("postgres") && !eng.equals("mysql")) {
                    bad(cm.entries().get("engine").value(), "engine must be postgres or mysql");
                }
                String query = requiredText(cm, "query", w);
                String expect = optText(cm, "expect");
                if (expect != null && SqlExpect.parse(expect) == null) {
                    bad(cm.entries().get("expect").value(), "expect '" + expect
                            + "' is not a comparison (write e.g. \">= 1\", \"= 42\", \"!= 0\" or a value)");
                }
                String database = nonEmpty(cm, "database", "name the database the query runs in");
                boolean pg = eng.equals("postgres");
                return query == null ? null : new Check.SqlCheck(eng, db(cm, pg ? 5432 : 3306, pg ? "postgres" : "root"),
                        database == null ? (pg ? "postgres" : "") : database, query, expect == null ? ">= 1" : expect, within(cm));
            }
            case "command" -> {
                if (v instanceof YMap cm) {
                    keys(m, w, Set.of("command"));
                    keys(cm, w, Set.of("run", "within"));
                    String run = requiredText(cm, "run", w);
                    return run == null ? null : new Check.CommandCheck(run, within(cm));
                }
                keys(m, w, Set.of("command", "within"));
                String run = scalar(v, "command");
                if (run != null && run.isBlank()) {
                    bad(v, w + " is empty: say which command must exit 0");
                    return null;
                }
                return run == null ? null : new Check.CommandCheck(run, within(m));
            }
            default -> {
                keys(m, w, Set.of("files"));
                if (isNull(v) || (v instanceof YScalar s && ("all".equals(s.value()) || "true".equals(s.value())))) {
                    return new Check.FilesCheck(List.of(), 1.0, DEFAULT_WITHIN);
                }
                YMap cm = map(v, w);
                if (cm == null) return null;
                keys(cm, w, Set.of("paths", "sample", "within"));
                List<String> paths = new ArrayList<>();
                YEntry pe = cm.entries().get("paths");
                if (pe != null) for (YNode pn : asList(pe.value())) {
                    String p = path(pn, "paths");
                    if (p != null && p.isEmpty()) bad(pn, "paths holds an empty path: name a restored folder");
                    else if (p != null) paths.add(p);
                }
                double sample = 1.0;
                String sv = optText(cm, "sample");
                if (sv != null) {
                    Double d = percent(sv);
                    if (d == null) bad(cm.entries().get("sample").value(),
                            "sample must be a percentage like 10% (of the files whose content is read), not '" + sv + "'");
                    else sample = d;
                }
                return new Check.FilesCheck(paths, sample, within(cm));
            }
        }
    }

    private static Double percent(String s) {
        try {
            double d = s.endsWith("%") ? Double.parseDouble(s.substring(0, s.length() - 1)) / 100 : Double.parseDouble(s);
            return d > 0 && d <= 1 ? d : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private Duration within(YMap m) {
        return PlanLoader.nonNull(duration(m, "within"), DEFAULT_WITHIN);
    }

    private DbSpec db(YMap m, int defaultPort, String defaultUser) {
        Integer port = port(m, false);
        String host = nonEmpty(m, "host", "leave it out for 127.0.0.1");
        String user = nonEmpty(m, "user", "leave it out for " + defaultUser);
        String[] secret = secret(m);
        return new DbSpec(host == null ? "127.0.0.1" : host, port == null ? defaultPort : port,
                user == null ? defaultUser : user, secret[0], secret[1]);
    }

    /** password-file and password-env: at most one, each naming something. */
    private String[] secret(YMap m) {
        String f = nonEmptyPath(m, "password-file");
        String env = nonEmpty(m, "password-env", "name the environment variable that holds the password");
        if (env != null && !ENV_NAME.matcher(env).matches()) {
            bad(m.entries().get("password-env").value(), "password-env '" + cut(env)
                    + "' is not an environment variable name (letters, digits and '_', not starting with a digit)");
            env = null;
        }
        YEntry fe = m.entries().get("password-file"), ee = m.entries().get("password-env");
        if (fe != null && ee != null && !isNull(fe.value()) && !isNull(ee.value())) {
            YEntry later = fe.keyPos().line() > ee.keyPos().line()
                    || (fe.keyPos().line() == ee.keyPos().line() && fe.keyPos().column() > ee.keyPos().column()) ? fe : ee;
            problems.add(Problem.error(file, later.keyPos(), "both password-file and password-env are given: say where the"
                    + " password is with one of them"));
        }
        return new String[] {f, env};
    }

    /** A database list: left out means all; an empty one, or an empty name, cannot work. */
    private List<String> databases(YMap m) {
        YEntry e = m.entries().get("databases");
        if (e == null || isNull(e.value())) return List.of();
        if (e.value() instanceof YList l && l.items().isEmpty()) {
            bad(e.value(), "databases is empty: name at least one database, or leave databases out for all of them");
        }
        return nonEmptyList(m, "databases", "an empty database name");
    }

    private List<String> patterns(YMap m, String key) {
        List<String> out = nonEmptyList(m, key, "an empty pattern, which matches nothing");
        // Refused here, in restic's words, so no backup hook runs and no restore step matches nothing in silence.
        List<String> bad = out == null ? List.of() : org.lifeboat.repository.PathPatterns.invalid(out);
        if (!bad.isEmpty()) {
            YEntry e = m.entries().get(key);
            problems.add(Problem.error(file, e == null ? m.pos() : e.value().pos(),
                    key + ": invalid pattern(s) provided: " + String.join(", ", bad)));
        }
        return out;
    }

    private Integer port(YMap m, boolean required) {
        if (required && !m.entries().containsKey("port")) {
            problems.add(Problem.error(file, m.pos(), "port is missing"));
            return null;
        }
        return integer(m, "port", 1, 65535);
    }

    // ------------------------------------------------------------------------------ cross checks

    private void crossChecks(Map<String, SystemSpec> systems, Map<String, YEntry> entries, Map<String, Plan.RepositorySpec> repos) {
        for (SystemSpec s : systems.values()) {
            YEntry d = ((YMap) entries.get(s.name()).value()).entries().get("depends-on");
            List<YNode> items = d == null ? List.of() : asList(d.value());
            for (int i = 0; i < s.dependsOn().size(); i++) {
                String dep = s.dependsOn().get(i);
                Pos pos = i < items.size() ? items.get(i).pos() : entries.get(s.name()).keyPos();
                if (dep.equals(s.name())) {
                    problems.add(Problem.error(file, pos, "system '" + s.name() + "' depends on itself"));
                } else if (!entries.containsKey(dep)) {
                    problems.add(Problem.error(file, pos, "system '" + s.name() + "' depends on '" + dep
                            + "', which is not a system" + suggest(dep, entries.keySet())));
                }
            }
        }
        for (List<String> cycle : Graph.cycles(systems)) {
            String first = cycle.get(0);
            YEntry d = ((YMap) entries.get(first).value()).entries().get("depends-on");
            problems.add(Problem.error(file, d == null ? entries.get(first).keyPos() : d.value().pos(),
                    "dependency cycle: " + String.join(" -> ", cycle) + " (no order can restore these)"));
        }
        if (!Graph.hasCycle(systems)) {
            // One warning per direct dependency, naming the slowest system behind it: linear in the
            // plan (a warning for every pair of a long chain would be quadratic and say nothing more).
            Map<String, String> slowest = Graph.costliestInClosure(systems, n -> systems.get(n).rto());
            for (SystemSpec s : systems.values()) {
                for (String d : s.dependsOn()) {
                    String dep = slowest.get(d);
                    SystemSpec ds = dep == null ? null : systems.get(dep);
                    if (ds != null && !dep.equals(s.name()) && s.rto().compareTo(ds.rto()) < 0) {
                        YEntry r = ((YMap) entries.get(s.name()).value()).entries().get("rto");
                        problems.add(Problem.warning(file, r == null ? entries.get(s.name()).keyPos() : r.value().pos(),
                                "system '" + s.name() + "' has rto " + Durations.toPlanText(s.rto()) + " but depends on '" + dep
                                        + "' with rto " + Durations.toPlanText(ds.rto()) + ": it cannot be back before '" + dep
                                        + "', so its RTO cannot be met"));
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------------------ scalars

    private void keys(YMap m, String what, Set<String> allowed) {
        for (YEntry e : m.entries().values()) {
            if (!allowed.contains(e.key())) {
                problems.add(Problem.error(file, e.keyPos(), "unknown key '" + cut(e.key()) + "' in " + what + suggest(e.key(), allowed)));
            }
        }
    }

    private String kindOf(YMap m, List<String> kinds, String what) {
        List<String> found = kinds.stream().filter(m.entries()::containsKey).toList();
        if (found.size() == 1) return found.get(0);
        if (found.isEmpty()) {
            String k = m.entries().isEmpty() ? "" : m.entries().keySet().iterator().next();
            problems.add(Problem.error(file, m.pos(), what + " must be one of " + String.join(", ", kinds)
                    + (k.isEmpty() ? "" : ", not '" + k + "'" + suggest(k, kinds))));
        } else {
            problems.add(Problem.error(file, m.pos(), what + " has more than one kind (" + String.join(", ", found)
                    + "); write each as its own list item"));
        }
        return null;
    }

    /** " (did you mean 'x'?)" for a known name within two edits; "" when none, or the budget is spent. */
    private String suggest(String key, java.util.Collection<String> known) {
        String best = null;
        int bestD = 3;
        for (String k : known) {
            if (--suggestBudget < 0) return "";
            if (Math.abs(k.length() - key.length()) >= bestD) continue; // cannot be nearer
            long cost = (long) (key.length() + 1) * (k.length() + 1);
            if ((suggestBudget -= cost) < 0) return "";
            int d = distance(key, k);
            if (d < bestD) {
                bestD = d;
                best = k;
            }
        }
        return best == null ? "" : " (did you mean '" + best + "'?)";
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /**
     * A value of the wrong form. Not reported when the value holds a variable already reported as
     * unknown: its empty stand-in would otherwise add a second, misleading error (and turn a variable
     * that only some sites lack from a warning into an error).
     */
    private void bad(YNode n, String message) {
        if (!unresolved.contains(n.pos())) problems.add(Problem.error(file, n.pos(), message));
    }

    private YMap map(YNode n, String what) {
        if (n instanceof YMap m) return m;
        problems.add(Problem.error(file, n.pos(), what + " must be a map, not " + n.typeName()
                + (n instanceof YScalar s && s.value() != null ? " ('" + s.value() + "')" : "")));
        return null;
    }

    private List<YNode> items(YMap m, String key, String what) {
        YEntry e = m.entries().get(key);
        if (e == null || isNull(e.value())) return List.of();
        if (e.value() instanceof YList l) return l.items();
        problems.add(Problem.error(file, e.value().pos(), key + " of " + what + " must be a list (items starting with '- '), not "
                + e.value().typeName()));
        return List.of();
    }

    private static List<YNode> asList(YNode n) {
        if (n == null) return List.of();
        if (n instanceof YList l) return l.items();
        return isNull(n) ? List.of() : List.of(n);
    }

    private static boolean isNull(YNode n) {
        return n instanceof YScalar s && s.value() == null;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> s = new java.util.HashSet<>(a);
        s.addAll(b);
        return s;
    }

    /** A scalar's text with variables replaced; null (and a problem) when it is not a scalar. */
    private String scalar(YNode n, String what) {
        if (n instanceof YScalar s) return s.value() == null ? null : substitute(s.value(), s.pos());
        problems.add(Problem.error(file, n.pos(), what + " must be a single value, not " + n.typeName()));
        return null;
    }

    private String optText(YMap m, String key) {
        YEntry e = m.entries().get(key);
        return e == null ? null : scalar(e.value(), key);
    }

    /** An optional value that must not be empty when given (hint: what to write instead); null when left out or empty. */
    private String nonEmpty(YMap m, String key, String hint) {
        YEntry e = m.entries().get(key);
        if (e == null || isNull(e.value())) return null;
        String s = scalar(e.value(), key);
        if (s != null && s.isBlank()) {
            bad(e.value(), key + " is empty: " + hint);
            return null;
        }
        return s;
    }

    /** An optional path that must not be empty when given. */
    private String nonEmptyPath(YMap m, String key) {
        YEntry e = m.entries().get(key);
        if (e == null || isNull(e.value())) return null;
        String s = path(e.value(), key);
        if (s != null && s.isBlank()) {
            bad(e.value(), key + " is empty: name a file or folder, or leave " + key + " out");
            return null;
        }
        return s;
    }

    /** A list of values none of which may be empty (what: what an empty one would be). */
    private List<String> nonEmptyList(YMap m, String key, String what) {
        YEntry e = m.entries().get(key);
        if (e == null) return List.of();
        List<String> out = new ArrayList<>();
        for (YNode n : asList(e.value())) {
            String s = scalar(n, key);
            if (s != null && s.isBlank()) bad(n, key + " holds " + what);
            else if (s != null) out.add(s);
        }
        return List.copyOf(out);
    }

    private String textOr(YMap m, String key, String dflt) {
        String s = optText(m, key);
        return s == null ? dflt : s;
    }

    private String requiredText(YMap m, String key, String what) {
        YEntry e = m.entries().get(key);
        String s = e == null ? null : scalar(e.value(), key);
        if (s == null || s.isBlank()) {
            if (e == null) problems.add(Problem.error(file, m.pos(), what + " needs " + key));
            else bad(e.value(), what + " needs " + key);
            return null;
        }
        return s;
    }

    private List<String> textList(YMap m, String key) {
        YEntry e = m.entries().get(key);
        if (e == null) return List.of();
        List<String> out = new ArrayList<>();
        for (YNode n : asList(e.value())) {
            String s = scalar(n, key);
            if (s != null) out.add(s);
        }
        return List.copyOf(out);
    }

    private String path(YNode n, String what) {
        String s = scalar(n, what);
        if (s == null || s.isEmpty()) return s;
        try {
            return base.resolve(s).normalize().toString();
        } catch (java.nio.file.InvalidPathException e) {
            problems.add(Problem.error(file, n.pos(), what + " is not a valid path: " + e.getReason()));
            return null;
        }
    }

    private String optPath(YMap m, String key) {
        YEntry e = m.entries().get(key);
        return e == null ? null : path(e.value(), key);
    }

    private String requiredPath(YMap m, String key, String what) {
        String s = requiredText(m, key, what);
        if (s == null) return null;
        try {
            return base.resolve(s).normalize().toString();
        } catch (java.nio.file.InvalidPathException e) {
            problems.add(Problem.error(file, m.entries().get(key).value().pos(), key + " is not a valid path: " + e.getReason()));
            return null;
        }
    }

    private boolean bool(YMap m, String key, boolean dflt) {
        YEntry e = m.entries().get(key);
        if (e == null) return dflt;
        String s = scalar(e.value(), key);
        if (s == null) return dflt;
        return switch (s) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> {
                bad(e.value(), key + " must be true or false, not '" + cut(s) + "'");
                yield dflt;
            }
        };
    }

    private Integer integer(YMap m, String key, int min, int max) {
        YEntry e = m.entries().get(key);
        if (e == null) return null;
        String s = scalar(e.value(), key);
        if (s == null) return null;
        try {
            int v = Integer.parseInt(s.trim());
            if (v < min || v > max) throw new NumberFormatException();
            return v;
        } catch (NumberFormatException ex) {
            bad(e.value(), key + " must be a number from " + min + " to " + max + ", not '" + cut(s) + "'");
            return null;
        }
    }

    private Duration duration(YMap m, String key) {
        YEntry e = m.entries().get(key);
        if (e == null) return null;
        String s = scalar(e.value(), key);
        if (s == null) return null;
        Duration d = Durations.parse(s);
        if (d == null) {
            bad(e.value(), key + " must be a duration such as 30s, 15m, 4h or 1d, not '" + cut(s) + "'");
        } else if (d.isZero()) {
            bad(e.value(), key + " must be longer than 0s: " + switch (key) {
                case "timeout" -> "a step with no time cannot run";
                case "within" -> "a check needs time to pass";
                case "drill-every" -> "say how often drills are due, e.g. 30d";
                default -> "no backup or recovery takes no time";
            });
            return null;
        } else if (d.compareTo(MAX_DURATION) > 0) {
            bad(e.value(), key + " must be at most " + Durations.toPlanText(MAX_DURATION) + ", not '" + cut(s) + "'");
            return null;
        }
        return d;
    }

    // ------------------------------------------------------------------------------ variables

    /** {@code ${name}} from start to end (exclusive) in a text; name null for the escape {@code $${}. */
    record Ref(int start, int end, String name) {}

    /**
     * The variables of a text, in one pass: linear however many {@code ${} it holds. A {@code ${}
     * that is not closed, names nothing or holds what no variable can be called is added to
     * {@code errors} (one sentence each), and the scan stops there.
     */
    static List<Ref> refs(String text, List<String> errors) {
        List<Ref> out = new ArrayList<>();
        int n = text.length();
        for (int i = text.indexOf('$'); i >= 0 && i < n; i = text.indexOf('$', i)) {
            if (text.startsWith("$${", i)) {
                out.add(new Ref(i, i + 3, null));
                i += 3;
            } else if (text.startsWith("${", i)) {
                int close = text.indexOf('}', i + 2);
                if (close < 0) {
                    errors.add("'${' at character " + (i + 1) + " of '" + cut(text) + "' is not closed: write ${name}"
                            + " (or $${ for a literal ${)");
                    break;
                }
                String name = text.substring(i + 2, close);
                if (name.isEmpty()) {
                    errors.add("'${}' in '" + cut(text) + "' names no variable: write ${name} (or $${ for a literal ${)");
                    break;
                }
                if (!VAR_NAME.matcher(name).matches()) {
                    errors.add("'${" + cut(name) + "}' is not a variable: a name holds only letters, digits, '.', '_' and '-'"
                            + " (write $${ for a literal ${)");
                    break;
                }
                out.add(new Ref(i, close + 1, name));
                i = close + 1;
            } else {
                i++;
            }
        }
        return out;
    }

    /** Long values quoted in messages are cut: the place is given, the message stays one line. */
    static String cut(String s) {
        String one = s.replace('\n', ' ');
        return one.length() <= 80 ? one : one.substring(0, 77) + "...";
    }

    private String substitute(String text, Pos pos) {
        if (text.indexOf('$') < 0) return text;
        List<String> errors = new ArrayList<>(1);
        List<Ref> refs = refs(text, errors);
        if (!errors.isEmpty()) {
            problems.add(Problem.error(file, pos, errors.get(0)));
            unresolved.add(pos); // reported: its value is not judged again
            return "";
        }
        StringBuilder out = new StringBuilder();
        int last = 0;
        for (Ref r : refs) {
            out.append(text, last, r.start());
            last = r.end();
            if (r.name() == null) {
                out.append("${");
                continue;
            }
            String v = variable(r.name(), pos);
            // ${root}/srv with root "/" is /srv, not //srv.
            if (v.endsWith("/") && last < text.length() && text.charAt(last) == '/') v = v.substring(0, v.length() - 1);
            out.append(v);
        }
        out.append(text, last, text.length());
        return out.toString();
    }

    /** True when binding only the parts with variables and {@code n} holds none. */
    private boolean skip(YNode n) {
        return onlyWithVariables != null && !onlyWithVariables.computeIfAbsent(n, Binder::holdsVariable);
    }

    /** Whether any scalar under n holds {@code ${}; linear, as the tree holds few alias expansions. */
    private static boolean holdsVariable(YNode n) {
        return switch (n) {
            case YScalar s -> s.value() != null && s.value().contains("${");
            case YList l -> l.items().stream().anyMatch(Binder::holdsVariable);
            case YMap m -> m.entries().values().stream().anyMatch(e -> holdsVariable(e.value()));
        };
    }

    private String variable(String name, Pos pos) {
        if (name.equals(TEMP_DIR) || name.equals(FREE_PORT)) {
            problems.add(Problem.error(file, pos, "${" + name + "} may stand only as a site variable's whole value"
                    + " (e.g. sites: { sandbox: { root: \"${temp-dir}\" } }), then use that variable here"));
            unresolved.add(pos);
            return "";
        }
        String done = resolvedVars.get(name);
        if (done != null) return done;
        Map<String, String> vars = sites.getOrDefault(site, Map.of());
        String raw = vars.get(name);
        if (raw == null) {
            unknownVars.add(new UnknownVar(name, pos));
            unresolved.add(pos);
            return "";
        }
        String v = raw;
        try {
            if (raw.equals("${" + TEMP_DIR + "}")) v = gen.tempDir(name);
            else if (raw.equals("${" + FREE_PORT + "}")) v = Integer.toString(gen.freePort(name));
        } catch (IOException e) {
            problems.add(Problem.error(file, pos, "cannot produce ${" + name + "} for site '" + site + "': " + e.getMessage()));
        }
        resolvedVars.put(name, v);
        return v;
    }
}
