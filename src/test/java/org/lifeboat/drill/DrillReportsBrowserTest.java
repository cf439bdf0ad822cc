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
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

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
        // Selenium would otherwise phone home with usage statistics.
        System.setProperty("SE_AVOID_STATS", "true");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage",
                "--user-data-dir=" + dir.resolve("profile"), "--window-size=1100,1000", "--force-device-scale-factor=1",
                "--hide-scrollbars");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .withEnvironment(Map.of("SE_AVOID_STATS", "true"))
                .withLogFile(dir.resolve("chromedriver.log").toFile())
                .build();
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
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
