package org.lifeboat.drill;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.Rectangle;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * The HTML drill report in a real headless Chromium (Debian's chromium and chromedriver, driven by
 * Selenium): the Gantt chart's bars are on screen in timeline and wave order, and a screenshot
 * (target/drill-report.png) shows them in colour.
 */
@Tag("browser")
class DrillReportsBrowserTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium"), CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static Path dir;
    static ChromeDriver driver;

    @BeforeAll
    static void start() throws Exception {
        // Never skipped: a missing browser is a broken test machine, not a reason to pass.
        assertThat(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER))
                .as("%s and %s are needed (Debian packages chromium and chromium-driver; ./run-tests installs them)",
                        CHROMIUM, CHROMEDRIVER)
                .isTrue();
        dir = Files.createTempDirectory("lifeboat-browser-test-");
        driver = org.lifeboat.testutil.Chromium.start(dir, 1100, Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (driver != null) driver.quit();
        } finally {
            if (dir != null) {
                try (Stream<Path> all = Files.walk(dir)) {
                    all.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
                }
            }
        }
    }

    @Test
    void timelineBarsAreOnScreenInOrderAndTheScreenshotShowsThem() throws Exception {
        load(DrillReportsTest.passing(), "passed.html");
        Map<String, WebElement> bars = bars();
        assertThat(bars).containsOnlyKeys("database", "files", "webapp");
        for (WebElement e : bars.values()) assertThat(e.isDisplayed()).as(e.getDomAttribute("data-system")).isTrue();
        Rectangle db = bars.get("database").getRect(), files = bars.get("files").getRect(), web = bars.get("webapp").getRect();
        assertThat(db.getWidth()).isPositive();
        // Timeline: webapp starts where both of its dependencies have ended (a pixel of rounding).
        assertThat(web.getX()).isGreaterThanOrEqualTo(db.getX() + db.getWidth() - 1)
                .isGreaterThanOrEqualTo(files.getX() + files.getWidth() - 1);
        // Lanes in wave order: wave 1 (database, files) above wave 2.
        assertThat(db.getY()).isLessThan(files.getY());
        assertThat(files.getY()).isLessThan(web.getY());
        assertThat(driver.findElements(By.cssSelector("line.rto-line"))).hasSize(3).allSatisfy(l -> assertThat(l.isDisplayed()).isTrue());
        assertThat(driver.findElements(By.cssSelector("rect.step-bar"))).hasSize(4);

        Path png = screenshot("drill-report.png");
        BufferedImage img = ImageIO.read(png.toFile());
        for (Rectangle r : List.of(db, files, web)) {
            int rgb = img.getRGB(r.getX() + r.getWidth() / 2, r.getY() + r.getHeight() / 2);
            int red = rgb >> 16 & 0xff, green = rgb >> 8 & 0xff, blue = rgb & 0xff;
            // The passed colour (#1a7f37): not the white of an empty page, clearly green.
            assertThat(green).as("pixel %06x", rgb & 0xffffff).isGreaterThan(red + 40).isGreaterThan(blue + 40);
        }
    }

    @Test
    void failedDrillShowsRedBarsAndTheBlockedSystem() throws Exception {
        load(DrillReportsTest.failing(), "failed.html");
        Map<String, WebElement> bars = bars();
        assertThat(bars).containsOnlyKeys("database", "files");
        WebElement blocked = driver.findElement(By.cssSelector("rect.blocked-marker[data-system='webapp']"));
        assertThat(blocked.isDisplayed()).isTrue();
        Rectangle db = bars.get("database").getRect();
        assertThat(blocked.getRect().getY()).isGreaterThan(db.getY());
        Path png = screenshot("drill-report-failed.png");
        BufferedImage img = ImageIO.read(png.toFile());
        int rgb = img.getRGB(db.getX() + db.getWidth() / 2, db.getY() + db.getHeight() / 2);
        assertThat(rgb >> 16 & 0xff).as("pixel %06x", rgb & 0xffffff).isGreaterThan((rgb >> 8 & 0xff) + 60); // red
        assertThat(driver.findElement(By.tagName("body")).getText()).contains("not attempted: database is not back");
    }

    /**
     * A failed drill of twelve systems in three waves with long names, failures, blocked systems
     * whose dependencies ended late, RTO targets on and beyond the axis: no two texts of the chart
     * overlap, no text lies on a bar (but a bar's own label), and the page does not run off its
     * right edge. Each box is the one Chromium laid out (getBoundingClientRect).
     */
    @Test
    void aFailedDrillWithLongNamesAndManySystemsLaysOutWithoutOverlaps() throws Exception {
        String crm = "customer-relationship-management-database-cluster";
        DrillReport r = TestDrills.drill("20261122-060000-ab12", java.time.Instant.parse("2026-11-22T06:00:00Z"))
                .lasting(Duration.ofMinutes(12)).site("sandbox-with-a-rather-long-site-name")
                .with(TestDrills.system("warehouse-inventory-replication-primary-eu-west-1").rto(Duration.ofMinutes(3), Duration.ofMinutes(30)),
                        TestDrills.system(crm).failed("step 1 (postgres) failed: pg_restore: error: could not connect to the server "
                                + "at 127.0.0.1:54321 after 3 attempts", Duration.ofSeconds(690)),
                        TestDrills.system("billing-ledger").rto(Duration.ofSeconds(700), Duration.ofMinutes(10)),
                        TestDrills.system("shared-files-for-the-accounting-department-WWWWWWWWWWMMMMMMMM")
                                .failed("measured RTO 11m 45s exceeds the target 10m", Duration.ofSeconds(705)),
                        TestDrills.system("order-fulfilment-web-frontend-with-a-long-name").wave(2).blocked(crm),
                        TestDrills.system("reporting").wave(2).blocked(crm),
                        TestDrills.system("search-index-rebuilder-for-the-catalogue").wave(2).rto(Duration.ofSeconds(715), Duration.ofMinutes(40)),
                        TestDrills.system("mail").wave(2).rto(Duration.ofSeconds(716), Duration.ofMinutes(11)),
                        TestDrills.system("customer-portal-single-sign-on-gateway").wave(3).blocked("order-fulfilment-web-frontend-with-a-long-name"),
                        TestDrills.system("x").wave(3).blocked("reporting"),
                        TestDrills.system("metrics-and-alerting-stack-prometheus-grafana").wave(3).blocked("search-index-rebuilder-for-the-catalogue"),
                        TestDrills.system("backup-of-the-backup-offsite-mirror-synchroniser").wave(3).blocked(crm))
                .build();
        assertThat(r.passed()).isFalse();
        load(r, "failed-long.html");
        @SuppressWarnings("unchecked")
        List<String> overlaps = (List<String>) driver.executeScript("""
                const svg = document.querySelector('svg.gantt');
                const box = e => { const b = e.getBoundingClientRect(); return {l: b.left, r: b.right, t: b.top, b: b.bottom}; };
                const hit = (a, b) => a.l < b.r - 0.5 && b.l < a.r - 0.5 && a.t < b.b - 0.5 && b.t < a.b - 0.5;
                const own = e => [...e.childNodes].filter(n => n.nodeType === 3).map(n => n.data).join('');
                const texts = [...svg.querySelectorAll('text')].filter(t => own(t).trim() !== '');
                const bars = [...svg.querySelectorAll('rect.system-bar, rect.step-bar, rect.check-bar, rect.blocked-marker')];
                const out = [];
                for (let i = 0; i < texts.length; i++) {
                  for (let j = i + 1; j < texts.length; j++) {
                    if (hit(box(texts[i]), box(texts[j]))) out.push('"' + own(texts[i]) + '" overlaps "' + own(texts[j]) + '"');
                  }
                  if (texts[i].classList.contains('in-bar')) continue;
                  for (const bar of bars) {
                    if (hit(box(texts[i]), box(bar))) out.push('"' + own(texts[i]) + '" lies on the ' + bar.getAttribute('class')
                        + ' of ' + bar.dataset.system);
                  }
                }
                const svgBox = box(svg);
                for (const t of texts) {
                  const b = box(t);
                  if (b.l < svgBox.l - 0.5 || b.r > svgBox.r + 0.5) out.push('"' + own(t) + '" runs out of the chart');
                }
                if (document.documentElement.scrollWidth > document.documentElement.clientWidth) {
                  out.push('the page is ' + document.documentElement.scrollWidth + 'px wide in a '
                      + document.documentElement.clientWidth + 'px window');
                }
                return out;
                """);
        screenshot("drill-report-failed-long.png");
        assertThat(overlaps).isEmpty();
        // Cut names are whole where people look for them: in the tables and the tooltips.
        String body = driver.findElement(By.tagName("body")).getText();
        assertThat(body).contains("shared-files-for-the-accounting-department-WWWWWWWWWWMMMMMMMM", "depends on " + crm);
        assertThat(driver.findElements(By.cssSelector("rect.blocked-marker"))).hasSize(6);
    }

    /**
     * Eight systems with names far wider than the page (one a single 120-letter word): the short
     * cells of both tables (wave, result, snapshot ID, times) and every header stay on one line
     * (never "fail/ed" or "Wa/ve"), only the long names and reasons wrap, and no cell or table runs
     * out sideways. Lines are counted as Chromium laid them out: the distinct line tops of a range
     * over the cell's text (getClientRects).
     */
    @Test
    void shortCellsNeverBreakWhenNamesAreLong() throws Exception {
        String x = "x".repeat(120);
        TestDrills.Report b = TestDrills.drill("20261122-070000-cd34", java.time.Instant.parse("2026-11-22T07:00:00Z"))
                .lasting(Duration.ofMinutes(12));
        List<TestDrills.Sys> systems = new java.util.ArrayList<>();
        for (int i = 1; i <= 7; i++) {
            String name = "a-really-really-long-system-name-that-goes-on-and-on-forever-" + i;
            TestDrills.Sys s = TestDrills.system(name).wave(i <= 3 ? 1 : 2);
            if (i == 2) s.failed("step 1 (postgres) failed: pg_restore: error: could not connect to the server at 127.0.0.1:54321",
                    Duration.ofSeconds(690));
            else if (i >= 5) s.blocked("a-really-really-long-system-name-that-goes-on-and-on-forever-2");
            systems.add(s);
        }
        systems.add(TestDrills.system(x).wave(2).blocked("a-really-really-long-system-name-that-goes-on-and-on-forever-2"));
        DrillReport r = b.with(systems.toArray(TestDrills.Sys[]::new)).build();
        load(r, "long-names.html");
        @SuppressWarnings("unchecked")
        List<String> broken = (List<String>) driver.executeScript("""
                const lines = e => {
                  const range = document.createRange();
                  range.selectNodeContents(e);
                  return new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top))).size;
                };
                const out = [];
                const check = (cell, what) => {
                  if (cell.textContent.trim() === '') return;
                  const n = lines(cell);
                  if (n !== 1) out.push(what + ' "' + cell.textContent + '" on ' + n + ' lines');
                };
                for (const table of document.querySelectorAll('table')) {
                  const short = table.classList.contains('systems') ? [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] : [0, 2, 3, 4, 5];
                  for (const th of table.querySelectorAll('th')) check(th, 'header');
                  for (const tr of table.querySelectorAll('tbody tr')) {
                    for (const i of short) if (tr.cells[i]) check(tr.cells[i], table.className + ' column ' + i);
                  }
                  for (const cell of table.querySelectorAll('td, th')) {
                    if (cell.scrollWidth > cell.clientWidth + 1) out.push('"' + cell.textContent.slice(0, 40) + '" overflows its cell');
                  }
                  if (table.getBoundingClientRect().right > document.body.getBoundingClientRect().right + 0.5) {
                    out.push('table ' + table.className + ' runs out of the page');
                  }
                }
                if (document.documentElement.scrollWidth > document.documentElement.clientWidth) {
                  out.push('the page is ' + document.documentElement.scrollWidth + 'px wide in a '
                      + document.documentElement.clientWidth + 'px window');
                }
                return out;
                """);
        screenshot("drill-report-long-names.png");
        assertThat(broken).isEmpty();
        // The long names themselves are whole in the text (they may wrap, but nothing is cut).
        String body = (String) driver.executeScript("return document.querySelector('table.systems').textContent");
        assertThat(body).contains(x, "a-really-really-long-system-name-that-goes-on-and-on-forever-7");
    }

    /**
     * The runbook's commands on a narrow screen and on paper (print media emulated): no code block
     * is cut at the right edge or needs scrolling; long commands wrap.
     */
    @Test
    void runbookCommandsWrapOnScreenAndInPrint() throws Exception {
        Path file = dir.resolve("lifeboat.yaml");
        Files.writeString(file, """
                repositories: { local: { url: /var/backups/a-rather-long-folder-name-for-the-backups/lifeboat-repository, password-file: /etc/lifeboat/password } }
                systems:
                  files:
                    rpo: 1h
                    rto: 30m
                    backup: { repository: local, sources: [ { path: /srv/share/departments/accounting/quarterly-reports/archive } ] }
                    restore:
                      - path: { from: /srv/share/departments/accounting/quarterly-reports/archive, to: /srv/dr/share/departments/accounting/quarterly-reports/archive }
                      - command: "/opt/webapp/bin/start-the-application-server --port 8080 --config /etc/webapp/application-settings-for-production.yaml"
                """);
        org.lifeboat.plan.Plan plan = org.lifeboat.plan.PlanLoader.load(file, null, org.lifeboat.plan.PlanLoader.Generators.placeholders());
        Path html = dir.resolve("runbook.html");
        Files.writeString(html, org.lifeboat.recovery.Runbook.html(plan, Map.of(), java.time.Instant.now()));
        driver.manage().window().setSize(new org.openqa.selenium.Dimension(700, 900));
        try {
            driver.get(html.toUri().toString());
            String cut = """
                    return [...document.querySelectorAll('pre')].filter(p => p.scrollWidth > p.clientWidth + 1)
                        .map(p => p.textContent.split('\\n')[0] + ' (' + p.scrollWidth + ' > ' + p.clientWidth + 'px)');
                    """;
            assertThat(driver.findElements(By.tagName("pre"))).hasSizeGreaterThan(2);
            assertThat((List<?>) driver.executeScript(cut)).as("on screen").isEmpty();
            driver.executeCdpCommand("Emulation.setEmulatedMedia", Map.of("media", "print"));
            assertThat((List<?>) driver.executeScript(cut)).as("printed").isEmpty();
            assertThat(driver.findElement(By.tagName("body")).getText())
                    .contains("application-settings-for-production.yaml");
        } finally {
            driver.executeCdpCommand("Emulation.setEmulatedMedia", Map.of("media", ""));
            driver.manage().window().setSize(new org.openqa.selenium.Dimension(1100, 1000));
        }
    }

    private static void load(DrillReport r, String name) throws Exception {
        Path html = dir.resolve(name);
        Files.writeString(html, DrillReports.html(r));
        driver.get(html.toUri().toString());
        assertThat(driver.getTitle()).startsWith("Lifeboat drill " + r.id());
    }

    private static Map<String, WebElement> bars() {
        Map<String, WebElement> out = new LinkedHashMap<>();
        for (WebElement e : driver.findElements(By.cssSelector("rect.system-bar"))) out.put(e.getDomAttribute("data-system"), e);
        return out;
    }

    /** The viewport as PNG under target/, checked to be a real image of the page and not a blank one. */
    private static Path screenshot(String name) throws Exception {
        byte[] png = driver.getScreenshotAs(OutputType.BYTES);
        assertThat(png).hasSizeGreaterThan(10_000);
        assertThat(java.util.Arrays.copyOf(png, 8)).containsExactly(0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n');
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        assertThat(img.getWidth()).isGreaterThan(800);
        Path out = Path.of("target").resolve(name);
        Files.createDirectories(out.getParent());
        Files.write(out, png);
        return out;
    }
}
