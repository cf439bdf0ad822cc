package org.lifeboat.testutil;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A small office's files for ransomware tests: documents, spreadsheets (CSV), logs and a few
 * already-compressed files; a day of ordinary work on them; and an attack (files encrypted with
 * AES, some renamed to {@code .locked}, a ransom note dropped). Deterministic for a given seed.
 */
public final class OfficeTree {
    private static final String[] WORDS = ("invoice customer order report quarterly revenue budget meeting notes project"
            + " plan supplier delivery contract payment schedule review draft final approved pending total tax").split(" ");
    private static final String[] DEPTS = {"sales", "finance", "hr", "ops", "legal", "it"};

    private final Path root;
    private final Random rnd;
    private int made;

    public OfficeTree(Path root, long seed) {
        this.root = root;
        this.rnd = new Random(seed);
    }

    /** Makes {@code files} files under the root (about 60% text, 25% CSV, 10% logs, 5% random "photos"). */
    public OfficeTree create(int files) throws IOException {
        for (int i = 0; i < files; i++) newFile();
        return this;
    }

    /** The regular files under the root, sorted. */
    public List<Path> files() throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }

    /**
     * A day of ordinary work: about {@code share} of the files edited (lines appended or replaced),
     * a few added, one or two deleted, one renamed or moved.
     */
    public void workDay(double share) throws IOException {
        List<Path> all = new ArrayList<>(files());
        int edits = Math.max(1, (int) Math.round(all.size() * share));
        for (int i = 0; i < edits; i++) {
            Path p = all.get(rnd.nextInt(all.size()));
            if (p.toString().endsWith(".jpg")) continue;
            if (rnd.nextBoolean()) {
                Files.writeString(p, text(5 + rnd.nextInt(20)), StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
            } else {
                String t = Files.readString(p, StandardCharsets.ISO_8859_1);
                int cut = t.length() / 2;
                Files.writeString(p, t.substring(0, cut) + text(10) + t.substring(Math.min(t.length(), cut + 200)), StandardCharsets.ISO_8859_1);
            }
        }
        for (int i = 0, n = 1 + rnd.nextInt(3); i < n; i++) newFile();
        if (all.size() > 20) {
            Files.deleteIfExists(all.get(rnd.nextInt(all.size())));
            Path from = all.get(rnd.nextInt(all.size()));
            if (Files.exists(from)) Files.move(from, from.resolveSibling("renamed-" + from.getFileName()));
        }
    }

    /**
     * An attack: {@code share} of the files encrypted in place with AES-CTR under a random key,
     * {@code renamedShare} of those renamed to NAME.locked, and a ransom note in the root when
     * {@code note}. Returns how many files were encrypted.
     */
    public int attack(double share, double renamedShare, boolean note) throws Exception {
        List<Path> all = new ArrayList<>(files());
        java.util.Collections.shuffle(all, rnd);
        int n = (int) Math.round(all.size() * share);
        byte[] key = new byte[32];
        byte[] iv = new byte[16];
        rnd.nextBytes(key);
        int done = 0;
        for (Path p : all.subList(0, n)) {
            rnd.nextBytes(iv);
            Cipher c = Cipher.getInstance("AES/CTR/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(iv));
            byte[] enc = c.doFinal(Files.readAllBytes(p));
            if (rnd.nextDouble() < renamedShare) {
                Files.delete(p);
                p = p.resolveSibling(p.getFileName() + ".locked");
            }
            Files.write(p, enc);
            done++;
        }
        if (note) Files.writeString(root.resolve("HOW_TO_DECRYPT_FILES.txt"), "Your files are encrypted. Pay 1 BTC to ...\n");
        return done;
    }

    private void newFile() throws IOException {
        String dept = DEPTS[rnd.nextInt(DEPTS.length)];
        Path dir = root.resolve(dept).resolve("y202" + rnd.nextInt(7));
        Files.createDirectories(dir);
        int kind = rnd.nextInt(20);
        int id = made++;
        if (kind < 12) {
            Files.writeString(dir.resolve("doc-" + id + ".txt"), text(20 + rnd.nextInt(400)), StandardCharsets.UTF_8);
        } else if (kind < 17) {
            StringBuilder b = new StringBuilder("date,customer,amount,status\n");
            for (int i = 0, rows = 20 + rnd.nextInt(600); i < rows; i++) {
                b.append("2026-").append(1 + rnd.nextInt(12)).append('-').append(1 + rnd.nextInt(28)).append(',')
                        .append(WORDS[rnd.nextInt(WORDS.length)]).append(rnd.nextInt(900)).append(',')
                        .append(rnd.nextInt(100000) / 100.0).append(',').append(WORDS[rnd.nextInt(WORDS.length)]).append('\n');
            }
            Files.writeString(dir.resolve("ledger-" + id + ".csv"), b, StandardCharsets.UTF_8);
        } else if (kind < 19) {
            StringBuilder b = new StringBuilder();
            for (int i = 0, lines = 50 + rnd.nextInt(800); i < lines; i++) {
                b.append("2026-11-").append(10 + rnd.nextInt(20)).append(" INFO service ").append(WORDS[rnd.nextInt(WORDS.length)])
                        .append(" took ").append(rnd.nextInt(500)).append(" ms\n");
            }
            Files.writeString(dir.resolve("app-" + id + ".log"), b, StandardCharsets.UTF_8);
        } else {
            byte[] b = new byte[2048 + rnd.nextInt(60_000)];
            rnd.nextBytes(b); // already compressed data: a photo
            Files.write(dir.resolve("photo-" + id + ".jpg"), b);
        }
    }

    private String text(int words) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < words; i++) {
            b.append(WORDS[rnd.nextInt(WORDS.length)]).append(i % 12 == 11 ? ".\n" : " ");
        }
        return b.append('\n').toString();
    }
}
