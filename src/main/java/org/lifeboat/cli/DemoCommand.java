package org.lifeboat.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * Lifeboat's main job on embedded defaults: a repository in a local folder, two backups of a
 * sample tree with changes between them, both restored and verified against what was backed up;
 * then a two-system recovery plan backed up, recovered in order into a demo site, its runbook, and
 * a drill into a sandbox with its HTML report; then a ransomware attack on the documents, flagged
 * by the next backup, and the clean point recovered; and the readiness assessment.
 */
@Command(name = "demo", description = "Show Lifeboat's main job on a sample tree in a local folder (no set-up needed).",
        footer = {"", "Examples:", "  lifeboat demo", "  lifeboat demo --dir /tmp/lifeboat-demo"})
final class DemoCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = "--dir", paramLabel = "DIR", description = "working folder (default: a new folder under the temp dir)")
    String dir;

    private Context ctx;

    @Override
    public Integer call() throws Exception {
        ctx = new Context(main);
        Path work = dir != null ? Path.of(dir) : Files.createTempDirectory("lifeboat-demo-");
        Files.createDirectories(work);
        Path data = work.resolve("data");
        Path repo = work.resolve("repo");
        Path pw = work.resolve("password");
        if (Files.exists(repo)) throw new UserException(repo + " already exists; give another --dir");
        byte[] secret = new byte[18];
        new SecureRandom().nextBytes(secret);
        Files.writeString(pw, java.util.Base64.getEncoder().encodeToString(secret) + "\n");
        Files.setPosixFilePermissions(pw, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        this.repoPath = repo;
        this.pwPath = pw;
        long start = System.nanoTime();

        step("1. A sample tree to protect", "in " + data);
        makeSample(data);
        Map<String, String> before = manifest(data);
        ctx.out.println("   " + before.size() + " files and links");

        step("2. Create an encrypted repository", "lifeboat init -r " + repo);
        run("init");

        step("3. First backup", "lifeboat backup " + data);
        run("backup", data.toString());

        step("4. Change a few files, then back up again (unchanged files are not read again)", "");
        Files.writeString(data.resolve("docs/report.txt"), "Quarterly report, revised.\n", StandardCharsets.UTF_8);
        Files.writeString(data.resolve("docs/new-idea.txt"), "A new file.\n", StandardCharsets.UTF_8);
        Files.delete(data.resolve("docs/old-notes.txt"));
        Map<String, String> after = manifest(data);
        run("backup", data.toString());

        step("5. The snapshots", "lifeboat snapshots");
        run("snapshots");

        step("6. What changed between them", "lifeboat diff");
        var snaps = snapshotIds(repo, pw);
        run("diff", snaps[0], snaps[1]);

        step("7. Restore both snapshots and verify every byte", "");
        Path r1 = work.resolve("restore-1");
        Path r2 = work.resolve("restore-2");
        run("restore", snaps[0], "--target", r1.toString(), "--verify");
        run("restore", snaps[1], "--target", r2.toString(), "--verify");
        boolean ok1 = before.equals(manifest(r1.resolve(data.toString().substring(1))));
        boolean ok2 = after.equals(manifest(r2.resolve(data.toString().substring(1))));
        ctx.out.println("   snapshot " + snaps[0] + " restored " + (ok1 ? "identical to the first backup" : "WITH DIFFERENCES"));
        ctx.out.println("   snapshot " + snaps[1] + " restored " + (ok2 ? "identical to the second backup" : "WITH DIFFERENCES"));

        step("8. Check the repository, reading all data", "lifeboat check --read-data");
        int check = run("check", "--read-data");

        step("9. A recovery plan: two systems, the website needs the documents first", "lifeboat plan show");
        Path plan = writePlan(work, data);
        ctx.out.println("   written to " + plan);
        runPlan(plan, "plan", "validate");
        runPlan(plan, "plan", "show");

        step("10. Back up every system as the plan says (one tagged snapshot each)", "lifeboat backup --all");
        runPlan(plan, "-q", "backup", "--all");

        step("11. Disaster: recover both systems into the demo site, in order, with their checks",
                "lifeboat recover --site demo --yes");
        int recovered = Main.run("--config", plan.toString(), "recover", "--site", "demo", "--yes");

        step("12. The runbook for people, generated from the same plan", "lifeboat runbook");
        runPlan(plan, "-q", "runbook", "--site", "demo", "--output", work.resolve("runbook.md").toString());
        ctx.out.println("   written to " + work.resolve("runbook.md"));

        step("13. A drill: recover into a throwaway sandbox, check, measure RTO and RPO, tear down", "lifeboat drill");
        Path drillReport = work.resolve("drill-report.html");
        int drilled = Main.run("--config", plan.toString(), "drill", "--report", drillReport.toString());

        step("14. Ransomware: 40% of the documents encrypted, some renamed .locked, a note dropped; the next backup",
                "lifeboat backup --all");
        Path docs = data.resolve("docs");
        Map<String, String> cleanDocs = manifest(docs);
        int encrypted = encrypt(docs, 0.4);
        ctx.out.println("   " + encrypted + " files encrypted");
        runPlan(plan, "backup", "--all");
        runPlan(plan, "anomalies", "documents", "--last", "3");

        step("15. Recover the last clean point: each system's newest snapshot from before the attack",
                "lifeboat recover --clean --site demo --yes");
        int cleaned = Main.run("--config", plan.toString(), "recover", "--clean", "--site", "demo", "--yes");
        boolean clean = cleanDocs.equals(manifest(work.resolve("recovered/docs")));
        ctx.out.println("   the recovered documents are " + (clean ? "identical to those before the attack" : "NOT THOSE BEFORE THE ATTACK"));

        step("16. How ready is the business? The readiness assessment lists what to fix", "lifeboat assess");
        int assessed = Main.run("--config", plan.toString(), "assess");

        double secs = (System.nanoTime() - start) / 1e9;
        ctx.out.println();
        boolean ok = ok1 && ok2 && check == 0 && recovered == 0 && drilled == 0 && cleaned == 0 && clean && assessed == 0;
        ctx.out.printf("Demo %s in %.1f s. Everything is in %s%n", ok ? "succeeded" : "FAILED", secs, work);
        ctx.out.println("Try it yourself:  export LIFEBOAT_REPOSITORY=" + repo + " LIFEBOAT_PASSWORD_FILE=" + pw);
        ctx.out.println("                  ./lifeboat snapshots; ./lifeboat ls latest");
        ctx.out.println("The plan:         ./lifeboat --config " + plan + " plan show   (also: recover --dry-run, runbook)");
        ctx.out.println("The drill report: " + drillReport + "   (open it in a browser; also: drill history, forecast)");
        ctx.out.println("The attack:       ./lifeboat --config " + plan + " anomalies   (scores and signals of every backup)");
        ctx.out.println("Readiness:        ./lifeboat --config " + plan + " assess --format html -o readiness.html");
        ctx.out.println("The dashboard:    ./lifeboat --config " + plan + " serve");
        ctx.out.println("                  then open http://127.0.0.1:8480/ as admin with the password in " + work.resolve("dashboard-password"));
        ctx.out.println("                  (backups on schedule, RPO alerts, /metrics; ./lifeboat --config " + plan + " status in a terminal)");
        return ok ? ExitCodes.OK : ExitCodes.FATAL;
    }

    private Path repoPath;
    private Path pwPath;

    private void step(String title, String cmd) {
        ctx.out.println();
        ctx.out.println("== " + title + (cmd.isEmpty() ? "" : "  (" + cmd + ")"));
    }

    private int run(String... args) {
        String[] full = new String[args.length + 5];
        full[0] = "-r";
        full[1] = repoPath.toString();
        full[2] = "--password-file";
        full[3] = pwPath.toString();
        full[4] = "-q";
        System.arraycopy(args, 0, full, 5, args.length);
        if (args[0].equals("snapshots") || args[0].equals("diff")) {
            full[4] = "-v";
        }
        int code = Main.run(full);
        if (code != 0) throw new UserException("demo step 'lifeboat " + String.join(" ", args) + "' failed with exit code " + code);
        return code;
    }

    private void runPlan(Path plan, String... args) {
        String[] full = new String[args.length + 2];
        full[0] = "--config";
        full[1] = plan.toString();
        System.arraycopy(args, 0, full, 2, args.length);
        int code = Main.run(full);
        if (code != 0) throw new UserException("demo step 'lifeboat " + String.join(" ", args) + "' failed with exit code " + code);
    }

    /** The demo's plan: documents, and a website published from them; the demo site is a folder. */
    private static Path writePlan(Path work, Path data) throws IOException {
        Path site = data.resolve("website");
        Files.createDirectories(site);
        Files.writeString(site.resolve("publish.sh"), """
                #!/bin/sh
                # publish.sh DOCS OUT: builds the public pages from the documents
                mkdir -p "$2"
                { echo "<h1>Reports</h1>"; cat "$1/report.txt"; } > "$2/index.html"
                """);
        // The dashboard's password: random, readable by the owner only, never printed.
        Path dash = work.resolve("dashboard-password");
        byte[] rnd = new byte[12];
        new java.security.SecureRandom().nextBytes(rnd);
        Files.writeString(dash, java.util.HexFormat.of().formatHex(rnd) + "\n");
        if (Files.getFileStore(dash).supportsFileAttributeView("posix")) {
            Files.setPosixFilePermissions(dash, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        }
        Path plan = work.resolve("lifeboat.yaml");
        Files.writeString(plan, """
                # A recovery plan: what the business runs, how it is backed up, restored and checked.
                name: demo
                repositories:
                  demo: { url: repo, password-file: password }
                sites:
                  production: { root: data }
                  demo: { root: recovered }
                  sandbox: { root: "${temp-dir}" }
                default-site: production
                state-dir: state
                # lifeboat serve: the dashboard (user admin) on this machine only
                serve:
                  listen: 127.0.0.1:8480
                  password-file: dashboard-password
                systems:
                  documents:
                    description: the team's documents
                    owner: Ann (office manager)
                    rpo: 1h
                    rto: 15m
                    backup: { repository: demo, sources: [ { path: data/docs } ] }
                    schedule: { backup: 30m, check: "0 3 * * *" }
                    restore:
                      - path: { from: data/docs, to: "${root}/docs" }
                    verify:
                      - files: {}
                      - command: "test -s ${root}/docs/report.txt"
                  website:
                    description: the public website, built from the documents
                    owner: Bo (web)
                    depends-on: [documents]
                    rpo: 1d
                    rto: 30m
                    backup:
                      repository: demo
                      sources:
                        - path: data/website
                        - command: { run: "date -u", filename: build-info.txt }
                    restore:
                      - path: { from: data/website, to: "${root}/website" }
                      - command: "sh ${root}/website/publish.sh ${root}/docs ${root}/website/public"
                    verify:
                      - command: "grep -q 'Quarterly report' ${root}/website/public/index.html"
                """);
        return plan;
    }

    private String[] snapshotIds(Path repo, Path pw) throws Exception {
        try (var r = org.lifeboat.repository.Repository.open(Context.backendFor(repo.toString()),
                Context.readPasswordFile(pw.toString()))) {
            var all = r.listSnapshots(ctx::warn);
            return new String[] {all.get(0).id().shortHex(), all.get(all.size() - 1).id().shortHex()};
        }
    }

    private void makeSample(Path data) throws IOException {
        Path docs = data.resolve("docs");
        Path photos = data.resolve("photos/2026");
        Files.createDirectories(docs);
        Files.createDirectories(photos);
        Files.createDirectories(data.resolve("empty-folder"));
        Files.writeString(docs.resolve("report.txt"), "Quarterly report.\n", StandardCharsets.UTF_8);
        Files.writeString(docs.resolve("old-notes.txt"), "Notes to be deleted.\n", StandardCharsets.UTF_8);
        Files.writeString(docs.resolve("unicode – ünïcödé.txt"), "names with spaces and accents\n", StandardCharsets.UTF_8);
        Files.write(docs.resolve("empty.txt"), new byte[0]);
        Random rnd = new Random(42);
        // a year of letters: what an office keeps, and what ransomware goes for
        Path letters = docs.resolve("letters");
        Files.createDirectories(letters);
        String[] words = "dear customer invoice order delivery payment thank you for your quarterly report kind regards".split(" ");
        for (int i = 1; i <= 40; i++) {
            StringBuilder b = new StringBuilder("Letter " + i + "\n\n");
            for (int w = 0, n = 300 + rnd.nextInt(900); w < n; w++) b.append(words[rnd.nextInt(words.length)]).append(w % 14 == 13 ? ".\n" : " ");
            Files.writeString(letters.resolve(String.format("letter-%02d.txt", i)), b, StandardCharsets.UTF_8);
        }
        for (int i = 0; i < 3; i++) {
            byte[] b = new byte[(i + 1) * 1_500_000];
            rnd.nextBytes(b);
            Files.write(photos.resolve("photo-" + i + ".raw"), b);
        }
        StringBuilder log = new StringBuilder();
        for (int i = 0; i < 200_000; i++) log.append("line ").append(i).append(": all systems nominal\n");
        Files.writeString(data.resolve("server.log"), log, StandardCharsets.UTF_8);
        Files.createSymbolicLink(data.resolve("latest-report"), Path.of("docs/report.txt"));
    }

    /**
     * The demo's attack: {@code share} of the regular files under {@code dir} encrypted with AES
     * under a key nobody keeps, every other one of them renamed to NAME.locked, and a ransom note.
     */
    private static int encrypt(Path dir, double share) throws Exception {
        java.util.List<Path> files;
        try (var s = Files.walk(dir)) {
            files = s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).sorted().toList();
        }
        SecureRandom rnd = new SecureRandom();
        byte[] key = new byte[32];
        rnd.nextBytes(key);
        int n = (int) Math.ceil(files.size() * share);
        for (int i = 0; i < n; i++) {
            Path p = files.get(i * files.size() / n);
            byte[] iv = new byte[16];
            rnd.nextBytes(iv);
            javax.crypto.Cipher c = javax.crypto.Cipher.getInstance("AES/CTR/NoPadding");
            c.init(javax.crypto.Cipher.ENCRYPT_MODE, new javax.crypto.spec.SecretKeySpec(key, "AES"),
                    new javax.crypto.spec.IvParameterSpec(iv));
            byte[] enc = c.doFinal(Files.readAllBytes(p));
            if (i % 2 == 1) {
                Files.delete(p);
                p = p.resolveSibling(p.getFileName() + ".locked");
            }
            Files.write(p, enc);
        }
        Files.writeString(dir.resolve("HOW_TO_DECRYPT_FILES.txt"), "Your files are encrypted. Pay 1 BTC to ...\n");
        return n;
    }

    /** Relative path → SHA-256 of content (or link target). */
    static Map<String, String> manifest(Path root) throws IOException {
        Map<String, String> m = new TreeMap<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String rel = root.relativize(file).toString();
                if (Files.isSymbolicLink(file)) {
                    m.put(rel, "-> " + Files.readSymbolicLink(file));
                } else if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                    try {
                        MessageDigest md = MessageDigest.getInstance("SHA-256");
                        m.put(rel, HexFormat.of().formatHex(md.digest(Files.readAllBytes(file))));
                    } catch (java.security.NoSuchAlgorithmException e) {
                        throw new IllegalStateException(e);
                    }
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return m;
    }
}
