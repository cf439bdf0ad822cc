package org.lifeboat.plan;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Whether a drill of a system can run with a plan, and if not, why (issue 13, brk13 #20): the one
 * place {@code plan validate}, the service's API (its "Run drill now") and the service's drill job
 * ask. A drill recovers into the site {@value #SANDBOX} ({@code lifeboat drill}'s default, the
 * only one the service drills in), never into the plan's default site, which is production.
 *
 * <p>What is not known before a drill starts (its generated folders and ports against production's,
 * the snapshots it would restore) is judged by the drill itself.
 */
public final class DrillSite {
    /** The site a drill recovers into unless told otherwise. */
    public static final String SANDBOX = "sandbox";

    /** How many system names a sentence lists before "and N more". */
    private static final int NAMES_SHOWN = 5;

    /** The sandbox resolution's outcome by plan file, for the content it was judged on. */
    private static final Map<Path, Judged> RESOLVED = new ConcurrentHashMap<>();

    private record Judged(String sha256, String refusal) {}

    private DrillSite() {}

    /**
     * Why no drill can run into {@code site} of a plan with these sites and this default site (null
     * when one can); reads nothing.
     *
     * @param sites       the plan's site names
     * @param defaultSite the site the plan resolves to when none is named (its {@code default-site},
     *                    else "primary", else its first site), null when it has no sites
     * @param site        the site the drill recovers into
     * @return a clause without a capital or final stop, e.g. "the plan has no site 'sandbox' to drill in; …"
     */
    static String refusal(Set<String> sites, String defaultSite, String site) {
        if (!sites.contains(site)) {
            return "the plan has no site '" + site + "' to drill in; add one whose folders and ports are generated, e.g. "
                    + site + ": { root: \"${temp-dir}\" }";
        }
        if (site.equals(defaultSite)) {
            return "site '" + site + "' is the plan's default site, where a recovery runs for real, and a drill never runs"
                    + " in production; " + (sites.size() == 1 ? "add a site for production and name it in default-site"
                    : "name the production site in default-site");
        }
        return null;
    }

    /**
     * Why no drill can run into {@code site} of {@code plan} (null when one can): the plan has no
     * such site, or it is the plan's default site; nothing read. What {@code lifeboat drill --site}
     * refuses before it starts.
     *
     * @param plan the plan as loaded for its default site
     * @return a clause as {@link #sentence} takes it, or null
     */
    public static String siteRefusal(Plan plan, String site) {
        return refusal(plan.sites().keySet(), plan.defaultSite(), site);
    }

    /**
     * Why no drill can run into the sandbox site of {@code plan} (null when one can): its sites
     * alone, nothing read.
     *
     * @return a clause as {@link #sentence} takes it, or null
     */
    public static String refusal(Plan plan) {
        return siteRefusal(plan, SANDBOX);
    }

    /**
     * Why a drill of {@code system} cannot run now (null when it can): the system is not in the
     * plan; or the plan has no sandbox site, or it is the default site; or the plan file, as it is
     * on disk now (what a drill reads), cannot be resolved for the sandbox site (a variable the
     * sandbox does not define, say). The file is read and hashed each call and resolved again only
     * when its content changed.
     *
     * @return one sentence naming the system and the reason (no final stop), or null
     */
    public static String refusal(Plan plan, String system) {
        if (plan.system(system) == null) {
            return "there is no system '" + system + "' in " + plan.file();
        }
        String why = refusal(plan);
        if (why == null) why = resolved(plan.file());
        return why == null ? null : sentence(List.of(system), why);
    }

    /**
     * "no drill of system 'a' can run: WHY", or "no drill of systems a, b can run: WHY" (at most
     * five names, then "and N more").
     */
    public static String sentence(List<String> systems, String why) {
        String names;
        if (systems.size() == 1) {
            names = "system '" + systems.getFirst() + "'";
        } else {
            names = "systems " + String.join(", ", systems.subList(0, Math.min(NAMES_SHOWN, systems.size())))
                    + (systems.size() > NAMES_SHOWN ? " and " + (systems.size() - NAMES_SHOWN) + " more" : "");
        }
        return "no drill of " + names + " can run: " + why;
    }

    /** Why the file cannot be resolved for the sandbox site (its first error), or null. */
    private static String resolved(Path file) {
        byte[] bytes;
        try (java.io.InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(PlanLoader.MAX_BYTES + 1); // the loader's bound: a file grown huge is its to refuse
        } catch (java.nio.file.NoSuchFileException e) {
            return "the plan file " + file + " does not exist now";
        } catch (IOException e) {
            return "the plan file " + file + " cannot be read (" + e.getMessage() + ")";
        }
        String sha = sha256(bytes);
        Judged j = RESOLVED.get(file);
        if (j != null && j.sha256().equals(sha)) return j.refusal();
        String why;
        try {
            PlanLoader.load(file, SANDBOX, PlanLoader.Generators.placeholders());
            why = null;
        } catch (PlanException e) {
            Problem first = e.problems().stream().filter(Problem::isError).findFirst().orElse(null);
            why = "the plan cannot be resolved for site '" + SANDBOX + "': " + (first != null ? first.toString() : e.getMessage());
        } catch (IOException e) {
            why = "the plan file " + file + " cannot be read (" + e.getMessage() + ")";
        }
        if (RESOLVED.size() > 100) RESOLVED.clear();
        RESOLVED.put(file, new Judged(sha, why));
        return why;
    }

    private static String sha256(byte[] b) {
        try {
            return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
