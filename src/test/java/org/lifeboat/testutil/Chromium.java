package org.lifeboat.testutil;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/** Debian's headless Chromium driven by Selenium, as the browser tests use it (toolchain notes' flags). */
public final class Chromium {
    public static final Path BINARY = Path.of("/usr/bin/chromium");
    public static final Path DRIVER = Path.of("/usr/bin/chromedriver");

    private Chromium() {}

    /**
     * A new headless Chromium with its profile and driver log in {@code dir}, a window
     * {@code width} × 1000 pixels at scale 1, and {@code prefs} as Chromium preferences (may be empty).
     */
    public static ChromeDriver start(Path dir, int width, Map<String, Object> prefs) {
        // Selenium would otherwise phone home with usage statistics.
        System.setProperty("SE_AVOID_STATS", "true");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(BINARY.toFile());
        if (!prefs.isEmpty()) options.setExperimentalOption("prefs", prefs);
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage",
                "--user-data-dir=" + dir.resolve("profile"), "--window-size=" + width + ",1000", "--force-device-scale-factor=1",
                "--hide-scrollbars");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort()
                .withEnvironment(Map.of("SE_AVOID_STATS", "true"))
                .withLogFile(dir.resolve("chromedriver.log").toFile())
                .build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
        return driver;
    }
}
