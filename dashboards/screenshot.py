"""Look at a dashboard the way a user does: headless Chromium, real login, PNG.

Used by tests and health checks to prove that the published dashboard renders
every chart without error panels, which the REST API alone cannot show
(front-end plugins, formats, CSP).
"""
from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WIDTH = 1600

# One pass over the page: the state of every chart and the text of every error
# panel. Superset 6.1 marks each chart with data-test="chart-grid-component"
# (plus its name and viz type); a chart errors as an antd error alert, shows a
# spinner while its query runs, and renders into data-test="slice-container".
_PAGE_STATE_JS = r"""
const charts = [...document.querySelectorAll('[data-test="chart-grid-component"]')].map(el => {
  const alert = el.querySelector('[role="alert"], .ant-alert-error');
  const loading = el.querySelector('.loading, [data-test="loading-indicator"], [aria-label="Loading"]');
  const body = el.querySelector('[data-test="slice-container"]');
  let state = 'loading';
  if (alert) state = 'error';
  else if (!loading && body && (body.querySelector('svg, canvas, table') || body.innerText.trim())) state = 'rendered';
  return {name: el.getAttribute('data-test-chart-name'), viz_type: el.getAttribute('data-test-viz-type'), state};
});
const errors = [...document.querySelectorAll('[role="alert"], .ant-alert-error, .ant-message-error, [data-test="toast-container"] [class*="toast--danger"]')]
  .map(e => e.innerText.trim()).filter(t => t);
return {charts, errors: [...new Set(errors)], height: document.documentElement.scrollHeight};
"""


def _driver(profile_dir: str) -> webdriver.Chrome:
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
        f"--user-data-dir={profile_dir}", f"--window-size={WIDTH},1400", "--lang=vi-VN",
    ):
        opts.add_argument(arg)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)


def _login(driver: webdriver.Chrome, base_url: str, username: str, password: str, timeout: float,
           attempts: int = 3) -> None:
    """Log in through the React form. A form typed into before React attached
    its handlers submits nothing, and a busy server can drop the first POST:
    the login is retried from a fresh page, each try with a share of ``timeout``."""
    for attempt in range(1, attempts + 1):
        driver.get(f"{base_url}/login/")
        # The login page is a React form: wait for it to render instead of a fixed sleep.
        wait = WebDriverWait(driver, timeout / attempts)
        user = wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, 'input[data-test="username-input"]')))
        user.clear()
        user.send_keys(username)
        pw = driver.find_element(By.CSS_SELECTOR, 'input[data-test="password-input"]')
        pw.clear()
        pw.send_keys(password, Keys.ENTER)
        try:
            wait.until(lambda d: "/login" not in d.current_url)
            return
        except TimeoutException:
            alerts = [e.text for e in driver.find_elements(By.CSS_SELECTOR, '[role="alert"]') if e.text]
            if alerts or attempt == attempts:
                raise RuntimeError(f"Superset login as {username!r} failed: "
                                   f"{alerts or 'still on the login page'}") from None


def screenshot_dashboard(
    base_url: str,
    username: str,
    password: str,
    slug: str,
    out_png: Path | str,
    timeout: float = 120.0,
) -> dict:
    """Log in, open /superset/dashboard/<slug>/, wait for every chart, save a PNG.

    Returns ``{"url", "png", "charts_total", "charts_rendered", "charts": [{name,
    viz_type, state}], "errors": [texts of error panels/alerts]}``; ``errors`` is
    empty when the dashboard is healthy. Raises TimeoutError (after saving the
    PNG, for diagnosis) if charts are still loading after ``timeout`` seconds.
    """
    base_url = base_url.rstrip("/")
    out_png = Path(out_png)
    out_png.parent.mkdir(parents=True, exist_ok=True)
    url = f"{base_url}/superset/dashboard/{slug}/"
    profile = tempfile.mkdtemp(prefix="portal-chromium-")
    driver = None
    try:
        driver = _driver(profile)
        deadline = time.monotonic() + timeout
        _login(driver, base_url, username, password, timeout)
        driver.get(url)

        state: dict = {}
        settled_polls = 0
        while time.monotonic() < deadline:
            state = driver.execute_script(_PAGE_STATE_JS)
            charts = state["charts"]
            done = bool(charts) and all(c["state"] != "loading" for c in charts)
            # Off-screen charts are rendered lazily: make the window as tall as the page.
            if state["height"] > driver.get_window_size()["height"]:
                driver.set_window_size(WIDTH, state["height"] + 100)
                settled_polls = 0
                continue
            # Require two consecutive finished polls: a chart can sit briefly
            # between mounting and starting its query.
            settled_polls = settled_polls + 1 if done else 0
            if settled_polls >= 2:
                break
            time.sleep(0.5)

        driver.save_screenshot(str(out_png))
        charts = state.get("charts", [])
        result = {
            "url": url,
            "png": str(out_png),
            "charts_total": len(charts),
            "charts_rendered": sum(c["state"] == "rendered" for c in charts),
            "charts": charts,
            "errors": state.get("errors", []),
        }
        if settled_polls < 2:
            raise TimeoutError(f"dashboard {slug!r} still loading after {timeout:.0f} s: {result}")
        return result
    except WebDriverException as exc:
        raise RuntimeError(f"headless Chromium failed on {url}: {exc.msg}") from exc
    finally:
        if driver is not None:
            driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
