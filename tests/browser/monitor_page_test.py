#!/usr/bin/python3
"""The monitor page in a real browser (issue "A live monitor page", item 5).

Headless Chromium, driven by selenium through chromedriver (Debian's chromium, chromium-driver and
python3-selenium), opens the page that `asor solve --serve` prints:

1. a solve that converges: the page shows the curves, a verification dot and the status
   `converged`; the tool lingers, then exits 0;
2. a long solve: the page shows the status `running`, the chart drawing and the numbers updating,
   then a click on `cancel` stops it: the tool exits with status `cancelled` and exit code 3, and
   the page shows `cancelled`.

No console errors (a Content-Security-Policy violation, a failed request) are allowed while the
solves run. Timing is printed; only generous liveness bounds are asserted. With --screenshot-dir
the two screenshots of docs/monitor.md are written there.

  /usr/bin/python3 tests/browser/monitor_page_test.py --asor build/dev/bin/asor \
      [--chromium /usr/bin/chromium] [--chromedriver /usr/bin/chromedriver] [--screenshot-dir D]
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError as e:  # a missing package fails the test with its name, never skips it
    sys.exit(f"monitor_page_test: python3-selenium is missing ({e}); "
             "apt-get install python3-selenium (scripts/setup.sh deps installs it)")

URL = re.compile(r"asor: monitor page: (http://127\.0\.0\.1:\d+/\?token=[0-9a-f]{32})\n")
LIVENESS = 120  # seconds: a generous bound for anything to happen on a loaded 2-core machine


def fail(message):
    print(f"FAIL: {message}", flush=True)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)
    print(f"ok: {message}", flush=True)


def start_browser(chromium, chromedriver, profile):
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--disable-dev-shm-usage", "--disable-extensions", "--mute-audio",
              "--window-size=1200,1500", "--force-device-scale-factor=1",
              f"--user-data-dir={profile}"):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(chromedriver), options=opts)


class Tool:
    """`asor ...` in the background; stderr goes to a file that is read for the URL."""

    def __init__(self, args, workdir, name):
        self.err_path = os.path.join(workdir, name + ".stderr")
        self.err_file = open(self.err_path, "w")
        env = dict(os.environ, OMP_NUM_THREADS="2")
        env.pop("SPDLOG_LEVEL", None)
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.err_file, text=True,
                                     env=env)

    def stderr(self):
        with open(self.err_path) as f:
            return f.read()

    def url(self):
        deadline = time.monotonic() + LIVENESS
        while time.monotonic() < deadline:
            m = URL.search(self.stderr())
            if m:
                return m.group(1)
            if self.proc.poll() is not None:
                fail(f"asor exited ({self.proc.returncode}) before printing the URL:\n{self.stderr()}")
            time.sleep(0.02)
        fail("no URL on stderr")

    def wait(self, timeout):
        try:
            out, _ = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            fail(f"asor still running after {timeout} s")
        return self.proc.returncode, out

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.err_file.close()


def status(driver):
    return driver.find_element(By.ID, "status").text


def drawn_pixels(driver, canvas_id):
    """How many pixels of the canvas are not transparent: the chart is drawn, not just present."""
    return driver.execute_script(
        "const c = document.getElementById(arguments[0]);"
        "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        "let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) ++n; return n;", canvas_id)


def severe_console_errors(driver):
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


def wait_for(driver, what, condition, timeout=LIVENESS):
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.05).until(lambda d: condition(d))
    except Exception:  # selenium's TimeoutException, or the page went away
        fail(f"{what} (status shown: {status(driver)!r})")


def screenshot(driver, directory, name):
    if directory:
        path = os.path.join(directory, name)
        driver.save_screenshot(path)
        print(f"screenshot: {path}", flush=True)


def converging_solve(driver, asor, work, shots):
    matrix = os.path.join(work, "poisson_160.mtx")
    subprocess.run([asor, "generate", "poisson2d", "--n", "160", "-o", matrix], check=True)
    tool = Tool([asor, "solve", matrix, "--threads", "2", "--omega", "auto", "--tol", "1e-10",
                 "--serve", "127.0.0.1:0", "--serve-linger", "60", "--no-progress"], work,
                "converging")
    try:
        driver.get(tool.url())
        wait_for(driver, "the status reaches 'converged'", lambda d: status(d) == "converged")
        check(status(driver) == "converged", "the page shows the status 'converged'")
        points = int(driver.find_element(By.ID, "residual-chart").get_attribute("data-points"))
        check(points >= 2, f"the residual chart has {points} points")
        wait_for(driver, "the chart is drawn", lambda d: drawn_pixels(d, "residual-chart") > 2000)
        verified = driver.execute_script(
            "return document.getElementById('verifications').textContent")
        check(verified.split(",")[0].strip() not in ("0", "n/a"),
              f"the verification is shown ({verified!r})")
        check(driver.find_element(By.ID, "true-residual").text not in ("", "n/a"),
              "the true residual is shown")
        check(not driver.find_element(By.ID, "cancel").is_enabled(),
              "Cancel is disabled once the solve has ended")
        errors = severe_console_errors(driver)
        check(not errors, f"no console errors ({errors})")
        screenshot(driver, shots, "monitor_converged.png")
        tool.proc.send_signal(signal.SIGINT)  # ends the linger
        code, out = tool.wait(LIVENESS)
        check(code == 0, f"asor exits 0 after converging (got {code})")
        check("status     converged" in out, "the summary says converged")
    finally:
        tool.kill()


def cancelled_solve(driver, asor, work, shots):
    matrix = os.path.join(work, "poisson_300.mtx")
    subprocess.run([asor, "generate", "poisson2d", "--n", "300", "-o", matrix], check=True)
    # Asynchronous SOR with omega 1 (not the default, auto, which converges in seconds) needs
    # some 10^5 sweeps to reach 1e-6 on this grid: it runs until cancelled.
    tool = Tool([asor, "solve", matrix, "--threads", "2", "--omega", "1", "--tol", "1e-6",
                 "--max-sweeps", "1000000000", "--time-limit", "600", "--serve", "127.0.0.1:0",
                 "--no-progress"],
                work, "cancelled")
    try:
        driver.get(tool.url())
        wait_for(driver, "the status reaches 'running'", lambda d: status(d) == "running")
        check(status(driver) == "running", "the page shows the status 'running'")
        wait_for(driver, "the residual chart gets points",
                 lambda d: int(d.find_element(By.ID, "residual-chart").get_attribute("data-points"))
                 >= 5)
        wait_for(driver, "the residual chart is drawn",
                 lambda d: drawn_pixels(d, "residual-chart") > 2000)
        wait_for(driver, "the sweeps chart shows every block",
                 lambda d: int(d.find_element(By.ID, "sweeps-chart").get_attribute("data-blocks"))
                 >= 2)
        check(drawn_pixels(driver, "sweeps-chart") > 500, "the sweeps chart is drawn")
        first = driver.find_element(By.ID, "elapsed").text
        wait_for(driver, "the numbers update", lambda d: d.find_element(By.ID, "elapsed").text != first)
        check(True, "the elapsed time updates live")
        time.sleep(2.0)  # let the curves grow for the screenshot
        errors = severe_console_errors(driver)
        check(not errors, f"no console errors ({errors})")
        screenshot(driver, shots, "monitor_running.png")

        button = driver.find_element(By.ID, "cancel")
        check(button.is_enabled(), "Cancel is enabled while the solve runs")
        clicked = time.monotonic()
        button.click()
        code, out = tool.wait(LIVENESS)
        exited = time.monotonic() - clicked
        print(f"timing: click on Cancel to the end of asor: {exited:.3f} s (issue target: 1 s)",
              flush=True)
        check(code == 3, f"asor exits 3 after a cancel (got {code})")
        check("status     cancelled" in out, "the summary says cancelled")
        latency = re.search(r"cancel latency ([^\n]+)", out)
        print(f"engine: cancel latency {latency.group(1) if latency else 'n/a'}", flush=True)
        check(exited < 30, f"asor ended {exited:.2f} s after the click (liveness bound 30 s)")
        wait_for(driver, "the page shows 'cancelled'", lambda d: status(d) == "cancelled", 30)
        check(status(driver) == "cancelled", "the page shows the status 'cancelled'")
        screenshot(driver, shots, "monitor_cancelled.png")
    finally:
        tool.kill()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--asor", required=True)
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    parser.add_argument("--chromedriver",
                        default=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    parser.add_argument("--screenshot-dir", default=os.environ.get("ASOR_SCREENSHOT_DIR", ""))
    args = parser.parse_args()
    for what, path, package in (("chromium", args.chromium, "chromium"),
                                ("chromedriver", args.chromedriver, "chromium-driver")):
        if not os.access(path, os.X_OK):
            fail(f"{what} not found at {path}: apt-get install {package} "
                 "(scripts/setup.sh deps installs it)")
    work = tempfile.mkdtemp(prefix="asor-browser-")
    driver = None
    try:
        started = time.monotonic()
        driver = start_browser(args.chromium, args.chromedriver, os.path.join(work, "profile"))
        print(f"browser started in {time.monotonic() - started:.1f} s", flush=True)
        converging_solve(driver, args.asor, work, args.screenshot_dir)
        cancelled_solve(driver, args.asor, work, args.screenshot_dir)
        print("PASS", flush=True)
    finally:
        if driver is not None:
            driver.quit()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
