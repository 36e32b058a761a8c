package io.poolkeeper.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.VmSpec;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.member.MemberState;
import io.poolkeeper.member.RatisPoolMember;
import io.poolkeeper.testing.TestingPool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The status page in a real browser (Debian's headless Chromium through its chromedriver): it loads and shows the
 * pool's hosts and master, a master kill shows the new master, and a host that pool HA fenced shows as fenced on a
 * survivor's page (and on its own). Skipped when Chromium or chromedriver is missing, unless
 * {@code POOLKEEPER_BROWSER_REQUIRED=1} (CI), which makes it fail instead. A screenshot of the fenced pool is left in
 * {@code /tmp/status-page.png} (or {@code poolkeeper.statusPage.screenshot}).
 */
@Timeout(120)
class StatusPageBrowserTest {
    private static final Path CHROMIUM = Path.of(System.getProperty("poolkeeper.chromium", "/usr/bin/chromium"));
    private static final Path CHROMEDRIVER =
            Path.of(System.getProperty("poolkeeper.chromedriver", "/usr/bin/chromedriver"));
    private static final Path SCREENSHOT =
            Path.of(System.getProperty("poolkeeper.statusPage.screenshot", "/tmp/status-page.png"));
    private static final Duration HA_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final List<StatusPage> pages = new ArrayList<>();
    private ChromeDriverService service;
    private ChromeDriver browser;

    @BeforeEach
    void startBrowser() throws IOException {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        String missing = "Chromium (" + CHROMIUM + ") or chromedriver (" + CHROMEDRIVER + ") is missing:"
                + " apt-get install chromium chromium-driver; POOLKEEPER_BROWSER_REQUIRED=1 makes this a failure";
        if ("1".equals(System.getenv("POOLKEEPER_BROWSER_REQUIRED"))) {
            assertTrue(present, missing);
        } else {
            Assumptions.assumeTrue(present, missing);
        }
        // An explicit driver and binary: Selenium Manager never looks for (or downloads) a browser.
        service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // Without the background-networking switches Chromium keeps calling home on a machine without internet.
        options.addArguments(
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--window-size=1400,1000",
                "--user-data-dir=" + Files.createDirectory(dir.resolve("chromium-profile")));
        browser = new ChromeDriver(service, options);
    }

    @AfterEach
    void stop() {
        pages.forEach(StatusPage::close);
        if (browser != null) {
            browser.quit();
        }
        if (service != null) {
            service.stop();
        }
    }

    private String serve(RatisPoolMember member) {
        StatusPage page = StatusPage.start(member, "127.0.0.1:0");
        pages.add(page);
        return "http://" + page.address() + "/";
    }

    /**
     * What the page's row of {@code host} says: {@code status} (its data-status) or {@code text}; "" without a row.
     * Read in one script, as the page replaces its rows every second (a WebElement held across would go stale).
     */
    private String row(String selector, String what) {
        Object value = browser.executeScript(
                "const r = document.querySelector(arguments[0]);"
                        + " return r === null ? '' : arguments[1] === 'text' ? r.textContent : r.dataset[arguments[1]];",
                selector,
                what);
        return value == null ? "" : value.toString();
    }

    private String hostStatus(TestingPool pool, int host) {
        return row("tr[data-host='" + pool.host(host) + "']", "status");
    }

    private String name(int host) {
        return "host" + (host + 1);
    }

    private void screenshot() throws IOException {
        Path png = browser.getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(png, SCREENSHOT, StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void thePageShowsThePoolAndANewMasterAfterTheMasterIsKilled() {
        try (TestingPool pool = TestingPool.start(dir.resolve("pool"), 3)) {
            int master = pool.awaitMaster();
            int viewer = pool.others(master).get(0);
            browser.get(serve(pool.member(viewer)));

            await().atMost(WAIT)
                    .until(() -> browser.findElements(By.cssSelector("#hosts tbody tr[data-host]"))
                                    .size()
                            == 3);
            await().atMost(WAIT)
                    .until(() -> browser.findElement(By.id("master")).getText().equals(name(master)));
            assertEquals("MASTER", hostStatus(pool, master));
            assertEquals("SLAVE", browser.findElement(By.id("served-by-role")).getText());
            assertTrue(browser.findElement(By.id("served-by")).getText().startsWith(name(viewer)));

            pool.kill(master);
            int next = pool.awaitMaster();
            await().atMost(WAIT)
                    .until(() -> browser.findElement(By.id("master")).getText().equals(name(next))
                            && hostStatus(pool, next).equals("MASTER"));
            // The old master is declared dead after host-dead-after (2 s), and the page shows it.
            await().atMost(WAIT).until(() -> hostStatus(pool, master).equals("DEAD"));
            assertTrue(browser.findElements(By.cssSelector("#events li")).size() > 0, "the event list is filled");
        }
    }

    @Test
    void aHostFencedByHaShowsAsFencedOnASurvivorsPage() throws IOException {
        try (TestingPool pool = TestingPool.start(dir.resolve("pool"), 3)) {
            int master = pool.awaitMaster();
            pool.pool(master).enableHa(Optional.of(HA_TIMEOUT));
            await().atMost(WAIT).until(() -> pool.members().stream().allMatch(RatisPoolMember::haArmed));
            int cutOff = pool.others(master).get(0);
            int survivor = pool.others(master).get(1);
            VmId vm = pool.pool(master).createVm(VmSpec.of("protected-web", 1L << 30, 1));
            pool.pool(master).setVmParam(vm, "ha-restart-priority", "restart");
            pool.pool(master).startVm(vm, Optional.of(pool.host(cutOff)), false);
            String survivorPage = serve(pool.member(survivor));
            String cutOffPage = serve(pool.member(cutOff));
            browser.get(survivorPage);
            await().atMost(WAIT).until(() -> hostStatus(pool, cutOff).equals("SLAVE"));

            pool.isolate(cutOff);
            await().atMost(WAIT).until(() -> pool.member(cutOff).state() == MemberState.FENCED);
            await().atMost(WAIT).until(() -> hostStatus(pool, cutOff).equals("FENCED"));
            // The protected VM was restarted on a survivor, and the page follows.
            String vmRow = "tr[data-vm='" + vm + "']";
            await().atMost(WAIT)
                    .until(() -> row(vmRow, "powerState").equals("RUNNING")
                            && !row(vmRow, "text").contains(name(cutOff)));
            screenshot();

            // The fenced member's own page says so too.
            browser.get(cutOffPage);
            await().atMost(WAIT).until(() -> browser.findElement(By.id("served-by-role"))
                    .getText()
                    .equals("FENCED"));
            assertTrue(browser.findElement(By.id("banner")).getText().contains("FENCED"));
        }
    }
}
