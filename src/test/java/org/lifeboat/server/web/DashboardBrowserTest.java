package org.lifeboat.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * The {@code lifeboat serve} dashboard in a real headless Chromium (Debian's chromium and
 * chromedriver, driven by Selenium) against a real service and web server in this JVM
 * ({@link ServeFixture}): bad logins are refused, the overview colours a fresh system green and a
 * never backed-up one red, the system page lists snapshots, the snapshot browser walks down to a
 * nested file whose download is byte-identical, "Back up now" adds a snapshot, logout ends the
 * session; downloads (file, tar) arrive whole also for clients that accept gzip, as browsers do.
 * Screenshots of each page go to BUILD_DIR/screenshots/ (the buildDir property, else target/).
 */
@Tag("browser")
class DashboardBrowserTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium"), CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Duration WAIT = Duration.ofSeconds(40), DOWNLOAD_WAIT = Duration.ofSeconds(8);

    @TempDir
    static Path dir;
    static ServeFixture fixture;
    static ChromeDriver driver;
    static byte[] hello, notes;
    static org.lifeboat.testutil.OfficeTree office;
    static Path downloads;
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    static void start() throws Exception {
        // Never skipped: a missing browser is a broken test machine, not a reason to pass.
        assertThat(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER))
                .as("%s and %s are needed (Debian packages chromium and chromium-driver; ./run-tests installs them)",
                        CHROMIUM, CHROMEDRIVER)
                .isTrue();
        Path plan = dir.resolve("plan");
        Files.createDirectories(plan.resolve("src/files/docs"));
        hello = new byte[100 * 1024 + 17];
        new Random(20261122L).nextBytes(hello);
        Files.write(plan.resolve("src/files/docs/hello.txt"), hello);
        notes = "a line of text that compresses well\n".repeat(6000).getBytes(StandardCharsets.UTF_8);
        Files.write(plan.resolve("src/files/docs/notes.txt"), notes);
        Files.writeString(plan.resolve("src/files/readme.txt"), "a file next to the docs folder\n");
        ServeFixture.repository(plan, "main");
        office = new org.lifeboat.testutil.OfficeTree(plan.resolve("src/office"), 77).create(60);
        String text = "state-dir: ${DIR}/state\n"
                + "repositories:\n" + ServeFixture.repositoryLine(plan, "main")
                + """
                systems:
                  files:
                    rpo: 1h
                    rto: 30m
                    backup: { repository: main, sources: [ { path: ${DIR}/src/files } ] }
                    schedule: { backup: 1h }
                  office:
                    rpo: 1h
                    rto: 30m
                    backup: { repository: main, sources: [ { path: ${DIR}/src/office } ] }
                    schedule: { backup: 12h }
                  late:
                    rpo: 1h
                    rto: 30m
                    # its folder does not exist: every backup fails, so it never has a snapshot (red)
                    backup: { repository: main, sources: [ { path: ${DIR}/src/late } ] }
                    schedule: { backup: 12h }
                """;
        fixture = new ServeFixture(plan, text, null, "dash-host");

        downloads = Files.createDirectories(dir.resolve("downloads"));
        driver = org.lifeboat.testutil.Chromium.start(dir, 1280, Map.of("download.default_directory", downloads.toString(),
                "download.prompt_for_download", false, "safebrowsing.enabled", false));
        // Headless Chromium saves downloads only when told where (the prefs above are for headful runs).
        driver.executeCdpCommand("Browser.setDownloadBehavior", Map.of("behavior", "allow", "downloadPath", downloads.toString(),
                "eventsEnabled", true));
    }

    @AfterAll
    static void stop() {
        try {
            if (driver != null) driver.quit();
        } finally {
            if (fixture != null) fixture.close();
        }
    }

    @BeforeEach
    void loggedOut() {
        driver.manage().deleteAllCookies();
    }

    @Test
    void badLoginsAndAnonymousApiCallsAreRefused() throws Exception {
        driver.get(fixture.url);
        until("the redirect to /login", () -> driver.getCurrentUrl().endsWith("/login"));
        assertThat(driver.findElement(By.id("username")).getDomProperty("value")).isEqualTo("admin");
        assertThat(driver.findElement(By.id("login-error")).getText()).isEmpty();

        driver.findElement(By.id("password")).sendKeys("not-" + ServeFixture.PASSWORD);
        driver.findElement(By.id("login-submit")).click();
        String error = until("the login error", () -> {
            String t = driver.findElement(By.id("login-error")).getText();
            return t.isBlank() ? null : t;
        });
        assertThat(error).containsIgnoringCase("wrong");
        assertThat(driver.getCurrentUrl()).endsWith("/login");
        assertThat(driver.findElement(By.id("password")).isDisplayed()).isTrue();
        assertThat(driver.manage().getCookieNamed(WebServer.SESSION_COOKIE)).isNull();
        screenshot("login-error.png");

        // Nothing behind the login without credentials: the API says 401, pages send the browser to /login.
        HttpResponse<String> api = http.send(HttpRequest.newBuilder(URI.create(fixture.url + "api/systems")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(api.statusCode()).as(api.body()).isEqualTo(401);
        assertThat(api.headers().firstValue("WWW-Authenticate")).get().asString().startsWith("Basic");
        assertThat(api.body()).contains("\"error\"");
        driver.get(fixture.url + "systems/files");
        until("the redirect of a system page to /login", () -> driver.getCurrentUrl().endsWith("/login"));
    }

    @Test
    void overviewSystemPageSnapshotBrowserBackupNowAndLogout() throws Exception {
        // 2. Log in: the overview, files green (backed up at start), late red (its backups fail: no snapshot).
        login();
        until("the overview's row of files", () -> driver.findElement(By.cssSelector("#systems tr.system-row[data-system='files']")));
        WebElement filesBadge = until("files to be ok on the overview", () -> {
            WebElement row = driver.findElement(By.cssSelector("#systems tr.system-row[data-system='files']"));
            WebElement badge = row.findElement(By.cssSelector(".rpo-badge"));
            return "ok".equals(row.getDomAttribute("data-status")) && classes(badge).contains("rpo-ok") ? badge : null;
        });
        int[] green = rgb(filesBadge.getCssValue("background-color"));
        assertThat(green[1]).as("files' badge %s", Arrays.toString(green)).isGreaterThan(green[0] + 40).isGreaterThan(green[2] + 40);
        assertThat(filesBadge.getText()).contains("RPO 1h");
        WebElement lateBadge = until("late to be breached on the overview", () -> {
            WebElement row = driver.findElement(By.cssSelector("#systems tr.system-row[data-system='late']"));
            WebElement badge = row.findElement(By.cssSelector(".rpo-badge"));
            return "breached".equals(row.getDomAttribute("data-status")) && classes(badge).contains("rpo-breached") ? badge : null;
        });
        int[] red = rgb(lateBadge.getCssValue("background-color"));
        assertThat(red[0]).as("late's badge %s", Arrays.toString(red)).isGreaterThan(red[1] + 60).isGreaterThan(red[2] + 60);
        assertThat(lateBadge.getText()).contains("no snapshot");
        assertThat(until("#recovery-time", () -> {
            String t = driver.findElement(By.id("recovery-time")).getText();
            return t.isBlank() ? null : t;
        })).isNotBlank();
        assertThat(driver.findElement(By.id("data-loss")).getText()).isNotBlank();
        screenshot("overview.png");

        // 3. The system page of files and its snapshot.
        until("a click on files' link", () -> {
            driver.findElement(By.cssSelector("#systems tr.system-row[data-system='files'] a.system-link")).click();
            return true;
        });
        until("the system page of files", () -> driver.getCurrentUrl().endsWith("/systems/files"));
        until("the heading files", () -> "files".equals(driver.findElement(By.id("system-name")).getText()));
        until("a snapshot row", () -> !driver.findElements(By.cssSelector("#snapshots tr.snapshot-row")).isEmpty());
        until("the facts", () -> !driver.findElement(By.id("facts")).getText().isBlank());
        // the plan has no sandbox site: "Run drill now" is off and says why (its title, and the note under it)
        WebElement drillNow = until("the drill button off", () -> {
            WebElement b = driver.findElement(By.id("drill-now"));
            return b.isEnabled() ? null : b;
        });
        String noDrill = "No drill of system 'files' can run: the plan has no site 'sandbox' to drill in; add one whose folders and"
                + " ports are generated, e.g. sandbox: { root: \"${temp-dir}\" }.";
        assertThat(drillNow.getDomAttribute("title")).isEqualTo(noDrill);
        assertThat(driver.findElement(By.id("drill-unavailable")).getText()).isEqualTo(noDrill);
        screenshot("system-files.png");
        String snapshotId = until("the first snapshot's ID", () ->
                driver.findElement(By.cssSelector("#snapshots tr.snapshot-row")).getDomAttribute("data-id"));
        assertThat(snapshotId).matches("[0-9a-f]{64}");
        until("a click on browse", () -> {
            driver.findElement(By.cssSelector("#snapshots tr.snapshot-row a.browse")).click();
            return true;
        });
        until("the snapshot browser", () -> driver.getCurrentUrl().contains("/snapshots/" + snapshotId));
        until("#snapshot-id", () -> snapshotId.startsWith(driver.findElement(By.id("snapshot-id")).getText()));

        // Down the folders of the source's absolute path to docs/, each by its link.
        Path docs = fixture.dir.resolve("src/files/docs").toAbsolutePath();
        for (Path part : docs) {
            String name = part.toString();
            until("the folder " + name + " in the snapshot browser (at " + driver.getCurrentUrl() + ")", () -> {
                WebElement row = driver.findElement(By.cssSelector("#entries tr.entry[data-name='" + name + "']"));
                assertThat(row.getDomAttribute("data-type")).isEqualTo("dir");
                row.findElement(By.cssSelector("a.entry-link")).click();
                return true;
            });
            until("the browser inside " + name, () -> name.equals(driver.findElement(By.cssSelector("#breadcrumbs .crumb.current")).getText()));
        }
        WebElement download = until("hello.txt's download link", () ->
                driver.findElement(By.cssSelector("#entries tr.entry[data-name='hello.txt'][data-type='file'] a.download")));
        List<String> crumbs = new ArrayList<>();
        for (WebElement c : driver.findElements(By.cssSelector("#breadcrumbs .crumb"))) crumbs.add(c.getText());
        assertThat(crumbs).endsWith("files", "docs");
        String href = download.getDomAttribute("href");
        assertThat(href).startsWith("/api/snapshots/" + snapshotId + "/file?path=");
        screenshot("snapshot-browser.png");

        // The download with the browser's own session (the link is a plain GET with the cookie).
        Cookie session = driver.manage().getCookieNamed(WebServer.SESSION_COOKIE);
        assertThat(session).isNotNull();
        assertThat(session.isHttpOnly()).isTrue();
        HttpResponse<byte[]> file = http.send(HttpRequest.newBuilder(URI.create(fixture.url + href.substring(1)))
                .header("Cookie", session.getName() + "=" + session.getValue()).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(file.statusCode()).as(new String(file.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        assertThat(file.headers().firstValue("Content-Disposition")).get().asString().contains("attachment").contains("hello.txt");
        assertThat(file.body()).hasSize(hello.length);
        assertThat(Arrays.equals(file.body(), hello)).as("the downloaded hello.txt is the original").isTrue();
        // The folder as a zip (#download-zip): hello.txt in it, byte-identical.
        String zipHref = driver.findElement(By.id("download-zip")).getDomAttribute("href");
        HttpResponse<byte[]> zip = http.send(HttpRequest.newBuilder(URI.create(fixture.url + zipHref.substring(1)))
                .header("Cookie", session.getName() + "=" + session.getValue()).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(zip.statusCode()).isEqualTo(200);
        Map<String, byte[]> members = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip.body()))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) members.put(e.getName(), in.readAllBytes());
        }
        assertThat(members.keySet()).anyMatch(n -> n.endsWith("hello.txt"));
        members.forEach((n, b) -> {
            if (n.endsWith("hello.txt")) assertThat(b).as(n).isEqualTo(hello);
        });
        // Without the cookie, the same link is refused.
        HttpResponse<byte[]> anonymous = http.send(HttpRequest.newBuilder(URI.create(fixture.url + href.substring(1))).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(anonymous.statusCode()).isEqualTo(401);

        // 4. Back on the system page: "Back up now" adds a snapshot.
        driver.get(fixture.url + "systems/files");
        until("the snapshot rows", () -> !driver.findElements(By.cssSelector("#snapshots tr.snapshot-row")).isEmpty());
        // No job of files may run (the first backup is over: it made the snapshot above), and the button is on.
        until("an idle files", () -> fixture.json("/api/systems/files").get("running_job").isNull()
                && driver.findElement(By.id("backup-now")).isEnabled());
        int before = driver.findElements(By.cssSelector("#snapshots tr.snapshot-row")).size();
        assertThat(before).isEqualTo(fixture.json("/api/systems/files/snapshots").size());
        String shownJob = driver.findElement(By.id("job-status")).getDomAttribute("data-job");
        driver.findElement(By.id("backup-now")).click();
        String result = until("the job started by Back up now to end", () -> {
            WebElement status = driver.findElement(By.id("job-status"));
            String job = status.getDomAttribute("data-job"), r = status.getDomAttribute("data-result");
            if (job == null || job.equals(shownJob) || r == null || r.equals("running") || r.equals("queued")) return null;
            return r;
        });
        assertThat(result).as(driver.findElement(By.id("job-status")).getText()).isIn("succeeded", "partial");
        until("one more snapshot row (" + before + " before)",
                () -> driver.findElements(By.cssSelector("#snapshots tr.snapshot-row")).size() == before + 1);
        until("the manual backup in the jobs table", () -> !driver.findElements(
                By.cssSelector("#jobs tr.job-row[data-kind='backup'][data-result='" + result + "']")).isEmpty());
        assertThat(driver.findElement(By.id("backup-now")).isEnabled()).isTrue();
        screenshot("system-files-after-backup.png");

        // 6. Logout: back at /login, the old session is dead, and / sends the browser to /login again.
        driver.findElement(By.id("logout")).click();
        until("/login after logout", () -> driver.getCurrentUrl().endsWith("/login"));
        until("the login form", () -> driver.findElement(By.id("password")).isDisplayed());
        assertThat(driver.manage().getCookieNamed(WebServer.SESSION_COOKIE)).isNull();
        HttpResponse<String> old = http.send(HttpRequest.newBuilder(URI.create(fixture.url + "api/systems"))
                .header("Cookie", session.getName() + "=" + session.getValue()).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(old.statusCode()).as("the session after logout").isEqualTo(401);
        driver.get(fixture.url);
        until("the redirect to /login after logout", () -> driver.getCurrentUrl().endsWith("/login"));
    }

    /** The readiness assessment: the main page's "Readiness" link opens it, with its score and a row per check. */
    @Test
    void theReadinessLinkOpensTheAssessment() throws Exception {
        login();
        until("a click on the Readiness link", () -> {
            driver.findElement(By.id("nav-assess")).click();
            return driver.getCurrentUrl().equals(fixture.url + "assess");
        });
        String score = until("the score", () -> driver.findElement(By.id("score")).getText());
        assertThat(Integer.parseInt(score)).isBetween(0, 100);
        assertThat(driver.getTitle()).startsWith("Readiness of");
        assertThat(driver.findElements(By.cssSelector("tr[data-check='offsite'] td.gap, tr[data-check='offsite'] td.ok"))).isNotEmpty();
        assertThat(driver.findElement(By.cssSelector("tr[data-check='monitoring'] td.evidence")).getText())
                .contains("lifeboat serve runs this plan");
        screenshot("readiness.png");
        driver.findElement(By.linkText("Overview")).click();
        until("the overview again", () -> !driver.findElements(By.id("summary")).isEmpty());
    }

    /** A backup that looks like ransomware: marked on the overview, said with its clean point on the system page. */
    @Test
    void aSuspiciousBackupIsMarkedOnTheOverviewAndTheSystemPage() throws Exception {
        fixture.await("office's first backup", Duration.ofSeconds(60), () -> {
            try {
                return fixture.json("/api/systems/office/snapshots").size() > 0;
            } catch (Exception e) {
                return false;
            }
        });
        office.attack(0.5, 0.5, true);
        org.lifeboat.testutil.Run r = org.lifeboat.testutil.PlanRuns.lifeboat(fixture.plan, "backup", "--system", "office");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.err()).contains("is tagged suspicious");
        fixture.service.look();
        login();
        WebElement tag = until("the suspicious tag on office's row", () -> {
            driver.navigate().refresh();
            var t = driver.findElements(By.cssSelector("#systems tr.system-row[data-system='office'] .suspicious-tag"));
            return t.isEmpty() ? null : t.getFirst();
        });
        assertThat(tag.getText()).isEqualTo("suspicious");
        int[] red = rgb(tag.getCssValue("background-color"));
        assertThat(red[0]).as("the tag %s", Arrays.toString(red)).isGreaterThan(red[1] + 60);
        assertThat(driver.findElements(By.cssSelector("#systems tr.system-row[data-system='files'] .suspicious-tag"))).isEmpty();
        driver.get(fixture.url + "systems/office");
        String said = until("the ransomware fact", () -> {
            var f = driver.findElements(By.id("suspicious"));
            return f.isEmpty() ? null : f.getFirst().getText();
        });
        assertThat(said).contains("looks like ransomware").contains("clean point").contains("lifeboat recover --clean");
        screenshot("system-office-suspicious.png");
        driver.get(fixture.url);
    }

    /** The page of a system that is not in the plan: a 404 saying so, with no buttons to press. */
    @Test
    void anUnknownSystemsPageSaysItIsNotInThePlan() throws Exception {
        login();
        driver.get(fixture.url + "systems/nope");
        String said = until("the not-found page", () -> driver.findElement(By.id("not-found")).getText());
        assertThat(said).isEqualTo("There is no system 'nope' in the plan.");
        assertThat(driver.findElements(By.id("drill-now"))).isEmpty();
        assertThat(driver.findElements(By.id("backup-now"))).isEmpty();
        assertThat(driver.getTitle()).startsWith("Not found");
        screenshot("system-not-found.png");
    }

    /**
     * Downloads as browsers make them: Chromium (like every browser) sends {@code Accept-Encoding:
     * gzip}, so the server may compress; whatever it does, the bytes that arrive (decoded) are the
     * file's. Both files of docs/ (random bytes, and text that compresses well) by java.net.http with
     * {@code Accept-Encoding: gzip} and the session cookie, and by a click on their links into
     * Chromium's download folder.
     */
    @Test
    void downloadsArriveWholeWhenTheClientAcceptsGzip() throws Exception {
        login();
        fixture.await("a snapshot of files", WAIT, () -> {
            try {
                return fixture.json("/api/systems/files/snapshots").size() > 0;
            } catch (Exception e) {
                return false;
            }
        });
        String id = fixture.json("/api/systems/files/snapshots").get(0).get("id").asText();
        String docs = fixture.dir.resolve("src/files/docs").toAbsolutePath().toString();
        driver.get(fixture.url + "snapshots/" + id + "?path=" + URLEncoder.encode(docs, StandardCharsets.UTF_8));
        Cookie session = driver.manage().getCookieNamed(WebServer.SESSION_COOKIE);
        List<String> problems = new ArrayList<>();
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("hello.txt", hello);
        files.put("notes.txt", notes);
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            String name = f.getKey();
            byte[] want = f.getValue();
            WebElement link = until(name + "'s download link", () ->
                    driver.findElement(By.cssSelector("#entries tr.entry[data-name='" + name + "'][data-type='file'] a.download")));
            String href = link.getDomAttribute("href");
            try {
                HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(fixture.url + href.substring(1)))
                        .header("Cookie", session.getName() + "=" + session.getValue()).header("Accept-Encoding", "gzip")
                        .GET().build(), HttpResponse.BodyHandlers.ofByteArray());
                byte[] body = r.body();
                String encoding = r.headers().firstValue("Content-Encoding").orElse("no");
                if (encoding.equals("gzip")) body = new GZIPInputStream(new ByteArrayInputStream(body)).readAllBytes();
                if (r.statusCode() != 200 || !Arrays.equals(body, want)) {
                    problems.add("GET " + name + " with Accept-Encoding gzip: HTTP " + r.statusCode() + ", Content-Length "
                            + r.headers().firstValue("Content-Length").orElse("none") + ", " + encoding + " Content-Encoding, "
                            + body.length + " bytes (decoded) instead of the file's " + want.length);
                }
            } catch (IOException e) {
                problems.add("GET " + name + " with Accept-Encoding gzip: " + e.getMessage());
            }
            link.click();
            Path saved = downloads.resolve(name);
            try {
                until(name + " in Chromium's download folder", DOWNLOAD_WAIT, () -> Files.isRegularFile(saved)
                        && !Files.exists(downloads.resolve(name + ".crdownload")) && Files.size(saved) == want.length);
                if (!Arrays.equals(Files.readAllBytes(saved), want)) problems.add("Chromium saved another " + name);
            } catch (AssertionError e) {
                problems.add("Chromium did not save " + name + " (" + want.length + " bytes) in time; its download folder: "
                        + listing(downloads));
            }
        }
        // The folder as tar (not a compressed type, so the server may gzip it): hello.txt whole in it.
        WebElement tarLink = driver.findElement(By.id("download-tar"));
        String tarHref = tarLink.getDomAttribute("href");
        try {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(fixture.url + tarHref.substring(1)))
                    .header("Cookie", session.getName() + "=" + session.getValue()).header("Accept-Encoding", "gzip")
                    .GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            byte[] body = r.body();
            if (r.headers().firstValue("Content-Encoding").orElse("").equals("gzip")) {
                body = new GZIPInputStream(new ByteArrayInputStream(body)).readAllBytes();
            }
            Map<String, byte[]> members = tar(body);
            if (r.statusCode() != 200 || members.entrySet().stream().noneMatch(e -> e.getKey().endsWith("hello.txt")
                    && Arrays.equals(e.getValue(), hello))) {
                problems.add("GET docs as tar with Accept-Encoding gzip: HTTP " + r.statusCode() + ", members " + members.keySet());
            }
        } catch (IOException e) {
            problems.add("GET docs as tar with Accept-Encoding gzip: " + e.getMessage());
        }
        tarLink.click();
        Path savedTar = downloads.resolve("docs.tar");
        try {
            until("docs.tar in Chromium's download folder", DOWNLOAD_WAIT, () -> Files.isRegularFile(savedTar)
                    && !Files.exists(downloads.resolve("docs.tar.crdownload")));
            Map<String, byte[]> members = tar(Files.readAllBytes(savedTar));
            if (members.entrySet().stream().noneMatch(e -> e.getKey().endsWith("hello.txt") && Arrays.equals(e.getValue(), hello))) {
                problems.add("Chromium's docs.tar lacks hello.txt: " + members.keySet());
            }
        } catch (AssertionError e) {
            problems.add("Chromium did not save docs.tar in time; its download folder: " + listing(downloads));
        }
        assertThat(problems).isEmpty();
    }

    /** The members of a tar (ustar/pax; pax and GNU long-name records are skipped) by name. */
    private static Map<String, byte[]> tar(byte[] t) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (int at = 0; at + 512 <= t.length; ) {
            if (t[at] == 0) break;
            String name = new String(t, at, 100, StandardCharsets.UTF_8).replaceAll("\\x00.*", "");
            String prefix = new String(t, at + 345, 155, StandardCharsets.UTF_8).replaceAll("\\x00.*", "");
            if (!prefix.isEmpty()) name = prefix + "/" + name;
            String octal = new String(t, at + 124, 12, StandardCharsets.US_ASCII).replaceAll("[^0-7]", "");
            int size = octal.isEmpty() ? 0 : Integer.parseInt(octal, 8);
            char type = (char) t[at + 156];
            if (at + 512 + size > t.length) break;
            if (type == '0' || type == 0) out.put(name, Arrays.copyOfRange(t, at + 512, at + 512 + size));
            at += 512 + (size + 511) / 512 * 512;
        }
        return out;
    }

    private static List<String> listing(Path folder) {
        List<String> there = new ArrayList<>();
        try (Stream<Path> all = Files.list(folder)) {
            for (Path x : all.toList()) there.add(x.getFileName() + " (" + Files.size(x) + " bytes)");
        } catch (IOException e) {
            there.add(e.toString());
        }
        return there;
    }

    private static void login() {
        driver.get(fixture.url + "login");
        until("the login form", () -> driver.findElement(By.id("password")).isDisplayed());
        driver.findElement(By.id("password")).sendKeys(ServeFixture.PASSWORD);
        driver.findElement(By.id("login-submit")).click();
        until("the overview after login", () -> {
            String u = driver.getCurrentUrl();
            return u.equals(fixture.url) && !driver.findElements(By.id("summary")).isEmpty();
        });
    }

    private static List<String> classes(WebElement e) {
        String c = e.getDomAttribute("class");
        return c == null ? List.of() : List.of(c.trim().split("\\s+"));
    }

    /** "rgb(26, 127, 55)" or "rgba(26, 127, 55, 1)" as {r, g, b}. */
    private static int[] rgb(String css) {
        Matcher m = Pattern.compile("rgba?\\((\\d+),\\s*(\\d+),\\s*(\\d+)").matcher(css);
        assertThat(m.find()).as("a colour: %s", css).isTrue();
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))};
    }

    /**
     * Polls {@code what} (every 100 ms, at most {@link #WAIT} or {@code wait}) until it gives true or a non-null,
     * non-false value, which it returns. Elements that are missing or were re-rendered in between
     * (the pages refresh every 5 s), clicks that do not land yet and failed assertions count as "not yet". (Selenium's
     * WebDriverWait is in selenium-support, which the pom does not have.)
     */
    private static <T> T until(String what, ThrowingSupplier<T> condition) {
        return until(what, WAIT, condition);
    }

    private static <T> T until(String what, Duration wait, ThrowingSupplier<T> condition) {
        long end = System.nanoTime() + wait.toNanos();
        Throwable last = null;
        while (true) {
            try {
                T v = condition.get();
                if (v != null && !Boolean.FALSE.equals(v)) return v;
            } catch (Exception | AssertionError e) {
                last = e;
            }
            if (System.nanoTime() > end) {
                String message = "";
                try {
                    message = driver.findElement(By.id("message")).getText();
                } catch (WebDriverException e) {
                    // not on a dashboard page
                }
                throw new AssertionError("waited " + wait.toSeconds() + "s for " + what + " at " + driver.getCurrentUrl()
                        + (message.isBlank() ? "" : "; #message: " + message)
                        + (last == null ? "" : "; last: " + last) + "; the service said:\n" + String.join("\n", List.copyOf(fixture.said)), last);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            }
        }
    }

    @FunctionalInterface
    private interface ThrowingSupplier<T> {
        T get() throws Exception;
    }

    /** The viewport as PNG under BUILD_DIR/screenshots/, checked to be a real, non-blank image. */
    private static Path screenshot(String name) throws Exception {
        byte[] png = driver.getScreenshotAs(OutputType.BYTES);
        assertThat(Arrays.copyOf(png, 8)).containsExactly(0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n');
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        assertThat(img.getWidth()).isGreaterThan(800);
        // not a blank page: more than one colour on it
        int first = img.getRGB(0, 0);
        boolean varied = false;
        for (int y = 0; y < img.getHeight() && !varied; y += 7) {
            for (int x = 0; x < img.getWidth() && !varied; x += 7) varied = img.getRGB(x, y) != first;
        }
        assertThat(varied).as("%s shows something", name).isTrue();
        Path out = Path.of(System.getProperty("buildDir", "target"), "screenshots", name);
        Files.createDirectories(out.getParent());
        Files.write(out, png);
        assertThat(Files.size(out)).isPositive();
        assertThat(ImageIO.read(out.toFile())).isNotNull();
        return out;
    }
}
