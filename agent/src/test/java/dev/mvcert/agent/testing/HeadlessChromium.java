package dev.mvcert.agent.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.json.Json;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * Debian's headless Chromium driven through its chromedriver (packages chromium and
 * chromium-driver, installed by install/prereqs.sh). Tests that need it are skipped, naming
 * what is missing, where the two are not installed. Keeps the browser's console and network
 * logs so a test can fail on any console error, failed request or request that leaves the page's
 * own origin.
 */
public final class HeadlessChromium implements AutoCloseable {

    private final ChromeDriver driver;
    private final Path profile;

    private HeadlessChromium(ChromeDriver driver, Path profile) {
        this.driver = driver;
        this.profile = profile;
    }

    /** Starts a fresh browser (new profile), with JavaScript on or off. Skips the test when Chromium is missing. */
    public static HeadlessChromium start(boolean javascript) throws IOException {
        Path browser = onPath("chromium");
        Path chromedriver = onPath("chromedriver");
        assumeTrue(browser != null && chromedriver != null, "headless browser test skipped: "
                + (browser == null ? "chromium (Debian package chromium) " : "")
                + (chromedriver == null ? "chromedriver (Debian package chromium-driver) " : "")
                + "not found on PATH; install/prereqs.sh installs them");
        Path profile = Files.createTempDirectory("mvcert-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(browser.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-dev-shm-usage",
                "--user-data-dir=" + profile, "--window-size=1440,1000", "--hide-scrollbars");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        logs.enable(LogType.PERFORMANCE, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        options.setExperimentalOption("perfLoggingPrefs", Map.of("enableNetwork", true, "enablePage", false));
        if (!javascript) {
            options.setExperimentalOption("prefs", Map.of("profile.managed_default_content_settings.javascript", 2));
        }
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(chromedriver.toFile())
                .usingAnyFreePort().withLogOutput(java.io.OutputStream.nullOutputStream()).build();
        return new HeadlessChromium(new ChromeDriver(service, options), profile);
    }

    public WebDriver driver() {
        return driver;
    }

    /** Navigates to {@code url}; what the browser logged before (its own start page) is dropped first. */
    public void open(String url) {
        driver.manage().logs().get(LogType.BROWSER);
        driver.manage().logs().get(LogType.PERFORMANCE);
        driver.get(url);
    }

    /** Console messages at level SEVERE (errors, including CSP violations and failed loads). */
    public List<String> consoleErrors() {
        List<String> errors = new ArrayList<>();
        for (LogEntry e : driver.manage().logs().get(LogType.BROWSER)) {
            if (e.getLevel().intValue() >= Level.SEVERE.intValue()) {
                errors.add(e.getMessage());
            }
        }
        return errors;
    }

    /**
     * Every problem with the requests of pages from {@code origin} since the last call: a request
     * that failed, an HTTP error, or a request to anything but {@code origin} (data: URLs aside).
     */
    @SuppressWarnings("unchecked")
    public List<String> requestProblems(String origin) {
        List<String> problems = new ArrayList<>();
        Json json = new Json();
        Map<String, String> urls = new HashMap<>();
        for (LogEntry e : driver.manage().logs().get(LogType.PERFORMANCE)) {
            Map<String, Object> entry = json.toType(e.getMessage(), Map.class);
            Map<String, Object> message = (Map<String, Object>) entry.get("message");
            String method = String.valueOf(message.get("method"));
            Map<String, Object> params = (Map<String, Object>) message.get("params");
            switch (method) {
                case "Network.requestWillBeSent" -> {
                    String url = String.valueOf(((Map<String, Object>) params.get("request")).get("url"));
                    if (!String.valueOf(params.get("documentURL")).startsWith(origin)) {
                        continue; // the browser's own pages, not ours
                    }
                    urls.put(String.valueOf(params.get("requestId")), url);
                    if (!url.startsWith(origin) && !url.startsWith("data:")) {
                        problems.add("request outside the page's origin: " + url);
                    }
                }
                case "Network.loadingFailed" -> {
                    String url = urls.get(String.valueOf(params.get("requestId")));
                    if (url != null) {
                        problems.add("request failed: " + url + " (" + params.get("errorText") + ")");
                    }
                }
                case "Network.responseReceived" -> {
                    Map<String, Object> response = (Map<String, Object>) params.get("response");
                    if (urls.containsKey(String.valueOf(params.get("requestId"))) && ((Number) response.get("status")).intValue() >= 400) {
                        problems.add("HTTP " + response.get("status") + " for " + response.get("url"));
                    }
                }
                default -> {
                }
            }
        }
        return problems;
    }

    /** A PNG of the whole page, not only the window. */
    @SuppressWarnings("unchecked")
    public void screenshotFullPage(Path file) throws IOException {
        Map<String, Object> metrics = driver.executeCdpCommand("Page.getLayoutMetrics", Map.of());
        Map<String, Object> size = (Map<String, Object>) metrics.get("cssContentSize");
        double width = ((Number) size.get("width")).doubleValue();
        double height = ((Number) size.get("height")).doubleValue();
        Map<String, Object> shot = driver.executeCdpCommand("Page.captureScreenshot", Map.of("format", "png",
                "captureBeyondViewport", true, "clip", Map.of("x", 0, "y", 0, "width", width, "height", height, "scale", 1)));
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, Base64.getDecoder().decode((String) shot.get("data")));
    }

    private static Path onPath(String program) {
        String path = System.getenv("PATH");
        for (String dir : (path == null ? "/usr/bin" : path + File.pathSeparator + "/usr/bin").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, program);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    /** The origin (scheme://host:port/) of a URL. */
    public static String origin(String url) {
        URI u = URI.create(url);
        return u.getScheme() + "://" + u.getAuthority() + "/";
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // a temporary profile left behind is harmless
            }
        }
    }
}
