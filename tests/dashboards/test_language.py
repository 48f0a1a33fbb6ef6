"""Superset in Vietnamese: the language pack itself, then the real screens in headless Chromium.

The catalogue source is dashboards/translations/vi/LC_MESSAGES/messages.po;
dashboards/translations/build.py compiles it (Superset environment, Babel) into
the .mo Flask-Babel reads and the messages.json the React front end fetches.
"""
from __future__ import annotations

import gettext
import importlib.util
import json
import os
import re
import subprocess
import tempfile
import unicodedata
from pathlib import Path

import pytest
import requests
import yaml
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from dashboards import server
from dashboards.screenshot import _PAGE_STATE_JS, _driver, _login

REPO_ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = REPO_ROOT / "dashboards" / "translations"
BUILD = TRANSLATIONS / "build.py"
PO = TRANSLATIONS / "vi" / "LC_MESSAGES" / "messages.po"
CONFIG = REPO_ROOT / "dashboards" / "superset_config_language.py"
ASSET_DASHBOARDS = REPO_ROOT / "dashboards" / "assets" / "dashboards"
WAIT = 120

# What a citizen, an agency's staff member and an analyst see first: if any of
# these is missing, some screen they use shows English.
MUST_HAVE = [
    # login page
    "Sign in", "Enter your login and password below:", "Username:", "Password:", "Login", "Logout",
    # navbar and menus
    "Home", "Dashboards", "Charts", "Datasets", "SQL Lab", "SQL query", "Saved queries", "Query History",
    "Data", "Settings", "Languages", "Theme", "Info", "Security", "List Users", "List Roles",
    "Database Connections", "Recents", "Favorite", "Mine", "All", "View All »",
    # lists
    "Name", "Owner", "Owners", "Status", "Published", "Draft", "Modified %s", "Last modified", "Actions",
    "Bulk select", "Type a value", "Search",
    # dashboard header and toolbar
    "Edit dashboard", "Refresh dashboard", "More Options", "Set auto-refresh", "Enter fullscreen",
    "Exit fullscreen", "Save as", "Download", "Share", "Export to PDF", "Download as Image",
    "Copy permalink to clipboard", "Share permalink by email", "Edit properties",
    # native filter bar
    "Filters", "Filters and controls", "Apply filters", "Clear all", "No global filters are currently added",
    "Add or edit filters and controls", "Select values", "No filter", "Filters out of scope (%d)",
    "Applied filters (%d)", "Time range", "Select all", "Deselect all",
    # chart menu
    "Force refresh", "Cached %s", "Fetched %s", "Show chart description", "Edit chart", "View query",
    "View as table", "Drill to detail", "Export to .CSV", "Export to Excel", "Download as image",
    "Share chart by email", "Embed code", "Copy to clipboard", "View in SQL Lab",
    # explore basics
    "Chart Source", "Metrics", "Metric", "Columns", "Query", "Filters", "Customize", "Update chart",
    "Create chart", "Results", "Samples", "Row limit", "Dimensions", "Save",
    # errors and empty states
    "No results", "No Results", "No results found", "No results were returned for this query", "No data",
    "No Data", "No matching records found", "An error occurred", "Unexpected error", "Unknown error",
    "Network error", "Request timed out", "Failed to load chart data",
    "There was an error loading the chart data", "Sorry, an unknown error occurred",
    "You don't have access to this dashboard.", "You don't have access to this chart.",
    "There are no charts added to this dashboard", "Loading...", "Error",
]
MUST_HAVE_PLURAL = [("%s row", "%s rows"), ("%s option", "%s options")]

# Agreed terms: an English word in the msgid must come out as the same Vietnamese term.
TERMS = {
    r"\bdashboards?\b": "bảng điều khiển",
    r"\bcharts?\b": "biểu đồ",
    r"\bdatasets?\b": "tập dữ liệu",
    r"\bfilters?\b": "lọc",
    r"\bdatabases?\b": "cơ sở dữ liệu",
    r"\bmetrics?\b": "chỉ số",
}


def _compile(dest: Path, source: Path = TRANSLATIONS) -> subprocess.CompletedProcess:
    """Run the install step's own compiler (Superset environment) into ``dest``."""
    # The pipeline interpreter's paths must not leak into the Superset one.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    return subprocess.run(
        [str(server.SUPERSET_VENV / "bin" / "python"), str(BUILD), "--dest", str(dest), "--source", str(source)],
        capture_output=True, text=True, env=env,
    )


@pytest.fixture(scope="module")
def compiled(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("language-pack")
    proc = _compile(dest)
    assert proc.returncode == 0, proc.stderr
    return dest / "vi" / "LC_MESSAGES"


@pytest.fixture(scope="module")
def mo(compiled) -> gettext.GNUTranslations:
    with open(compiled / "messages.mo", "rb") as fh:
        return gettext.GNUTranslations(fh)


@pytest.fixture(scope="module")
def pack(compiled) -> dict:
    return json.loads((compiled / "messages.json").read_text(encoding="utf-8"))["locale_data"]["superset"]


# --- the catalogue, without a server ------------------------------------------

def test_language_catalogue_covers_must_have_msgids(mo, pack):
    untranslated = [m for m in MUST_HAVE if mo.gettext(m) == m or not pack.get(m, [""])[0]]
    assert not untranslated, f"msgids without a Vietnamese translation: {untranslated}"
    # Back end (.mo) and front end (.json) say the same thing.
    assert {m: mo.gettext(m) for m in MUST_HAVE} == {m: pack[m][0] for m in MUST_HAVE}
    for singular, plural in MUST_HAVE_PLURAL:
        assert mo.ngettext(singular, plural, 5) not in (singular, plural)
        assert pack[singular] == [mo.ngettext(singular, plural, 5)]  # Vietnamese has one plural form


def test_language_catalogue_header_is_vietnamese(pack):
    header = pack[""]
    assert header["lang"] == "vi"
    assert header["plural_forms"].replace(" ", "").startswith("nplurals=1;plural=0")


def test_language_catalogue_uses_agreed_terms(pack):
    wrong = []
    for msgid, forms in pack.items():
        for pattern, term in TERMS.items():
            if msgid and re.search(pattern, msgid, re.IGNORECASE) and not all(term in f.lower() for f in forms):
                wrong.append((msgid, forms, term))
    assert not wrong, f"translations not using the agreed term: {wrong}"


def test_language_catalogue_text_is_composed_unicode(pack):
    """Precomposed (NFC) diacritics: decomposed ones render badly and break search."""
    forms = [f for msgid, fs in pack.items() if msgid for f in fs]
    assert forms
    assert [f for f in forms if not unicodedata.is_normalized("NFC", f)] == []
    # Every translation is really Vietnamese text, not a copy of the English.
    copied = [m for m, fs in pack.items() if m and fs[0] == m and re.search("[a-z]{3}", m)]
    assert copied == [], copied


def test_language_build_refuses_broken_placeholders(tmp_path):
    source = tmp_path / "src" / "vi" / "LC_MESSAGES"
    source.mkdir(parents=True)
    text = PO.read_text(encoding="utf-8")
    assert 'msgstr "Sửa đổi %s"' in text
    (source / "messages.po").write_text(text.replace('msgstr "Sửa đổi %s"', 'msgstr "Sửa đổi"'), encoding="utf-8")
    proc = _compile(tmp_path / "out", tmp_path / "src")
    assert proc.returncode != 0
    assert "Modified %s" in proc.stderr
    assert not (tmp_path / "out" / "vi" / "LC_MESSAGES" / "messages.mo").exists()


def test_language_installed_pack_matches_source(compiled):
    """What Superset serves is the current .po compiled (bin/portal re-installs on change)."""
    installed = next((server.SUPERSET_VENV / "lib").glob("python*/site-packages/superset/translations"))
    for name in ("messages.mo", "messages.json"):
        assert (installed / "vi" / "LC_MESSAGES" / name).read_bytes() == (compiled / name).read_bytes(), (
            f"installed {name} is stale: run bin/portal (or .venv/superset/bin/python {BUILD.relative_to(REPO_ROOT)})")


def _language_config():
    """dashboards/superset_config_language.py, loaded as Superset loads it (it needs only the stdlib)."""
    spec = importlib.util.spec_from_file_location("superset_config_language", CONFIG)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_language_config_vietnamese_first_english_second():
    config = _language_config()
    assert list(config.LANGUAGES) == ["vi", "en"]
    assert config.LANGUAGES["vi"]["name"] == "Tiếng Việt" and config.LANGUAGES["en"]["name"] == "English"
    assert config.BABEL_DEFAULT_LOCALE == "vi"
    # superset_config.py copies only UPPER-CASE names; the middleware must be among them.
    assert len(config.ADDITIONAL_MIDDLEWARE) == 1


def _call(app, path: str, method: str = "GET") -> tuple[str, bytes]:
    seen = {}

    def start_response(status, headers):
        seen["status"] = status

    body = b"".join(app({"PATH_INFO": path, "REQUEST_METHOD": method}, start_response))
    return seen["status"], body


def test_language_middleware_serves_configured_packs_only(tmp_path):
    config = _language_config()
    for lang in ("vi", "fr"):
        (tmp_path / lang / "LC_MESSAGES").mkdir(parents=True)
        (tmp_path / lang / "LC_MESSAGES" / "messages.json").write_text(json.dumps({"lang": lang}), encoding="utf-8")

    def superset_app(environ, start_response):  # stands in for Superset and its login guard
        start_response("302 FOUND", [])
        return [b"superset"]

    app = config.ADDITIONAL_MIDDLEWARE[0](superset_app, translations=tmp_path)
    assert _call(app, "/superset/language_pack/vi/") == ("200 OK", b'{"lang": "vi"}')
    assert _call(app, "/superset/language_pack/vi/", "HEAD") == ("200 OK", b"")
    # Not a configured language, English (Superset's built-in empty pack), writes, other paths:
    # all left to Superset.
    for path, method in [("/superset/language_pack/fr/", "GET"), ("/superset/language_pack/en/", "GET"),
                         ("/superset/language_pack/vi/", "POST"), ("/superset/language_pack/../vi/", "GET"),
                         ("/superset/welcome/", "GET")]:
        assert _call(app, path, method) == ("302 FOUND", b"superset"), (path, method)


# --- the real Superset, in a browser ------------------------------------------

def _dashboard() -> dict:
    """A dashboard of the project, preferring one with native filters (so the filter bar has content)."""
    docs = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(ASSET_DASHBOARDS.glob("*.yaml"))]
    assert docs, "no dashboard assets"
    with_filters = [d for d in docs if (d.get("metadata") or {}).get("native_filter_configuration")]
    return (with_filters or docs)[0]


def _text(driver, css: str) -> str:
    return "\n".join(e.text for e in driver.find_elements(By.CSS_SELECTOR, css))


def _lines(text: str) -> set[str]:
    return {line.strip() for line in text.splitlines() if line.strip()}


def _wait_text(driver, css: str, expected: str, timeout: float = WAIT) -> str:
    """Wait until the elements matching ``css`` show ``expected``; return their text."""
    try:
        WebDriverWait(driver, timeout).until(lambda d: expected in _text(d, css))
    except TimeoutException:
        pass  # the caller's assertion reports what was there instead
    return _text(driver, css)


@pytest.fixture
def browser():
    profile = tempfile.mkdtemp(prefix="portal-chromium-")
    driver = _driver(profile)
    try:
        yield driver
    finally:
        driver.quit()


def _open_dashboard(driver, url: str, slug: str) -> None:
    """Open a dashboard and wait until no chart is still loading, so screenshots show the real screen."""
    driver.get(f"{url}/superset/dashboard/{slug}/")
    WebDriverWait(driver, WAIT).until(
        EC.presence_of_element_located((By.CSS_SELECTOR, '[data-test="dashboard-header-container"]')))

    def settled(d) -> bool:
        charts = d.execute_script(_PAGE_STATE_JS)["charts"]
        return bool(charts) and all(c["state"] != "loading" for c in charts)

    try:
        WebDriverWait(driver, WAIT, poll_frequency=0.5).until(settled)
    except TimeoutException:
        pass  # a chart that never settles is test_superset_dashboards' concern; the texts are checked here


def test_language_pack_served_to_anonymous_visitors(superset):
    """The login page fetches the pack before anyone is logged in."""
    resp = requests.get(f"{superset.url}/superset/language_pack/vi/", timeout=30, allow_redirects=False)
    assert resp.status_code == 200, resp.text[:300]
    data = resp.json()["locale_data"]["superset"]
    assert data[""]["lang"] == "vi"
    assert data["Dashboards"] == ["Bảng điều khiển"]


def test_language_vietnamese_default_login_navbar_dashboard(superset, browser, artifacts):
    driver, url = browser, superset.url
    # Login page, as a first-time visitor sees it (no language chosen).
    driver.get(f"{url}/login/")
    WebDriverWait(driver, WAIT).until(
        EC.element_to_be_clickable((By.CSS_SELECTOR, 'input[data-test="username-input"]')))
    login_text = _wait_text(driver, "body", "Tên đăng nhập:")
    driver.save_screenshot(str(artifacts / "language_vi_login.png"))
    for vi in ("Đăng nhập", "Nhập tên đăng nhập và mật khẩu của bạn:", "Tên đăng nhập:", "Mật khẩu:"):
        assert vi in login_text
    for en in ("Sign in", "Username:", "Password:", "Enter your login and password below:"):
        assert en not in login_text

    _login(driver, url, superset.username, superset.password, WAIT)
    dashboard = _dashboard()
    _open_dashboard(driver, url, dashboard["slug"])

    nav = _wait_text(driver, "header#main-menu, [data-test='navbar-top']", "Cài đặt")
    assert {"Bảng điều khiển", "Biểu đồ", "Tập dữ liệu", "Cài đặt"} <= _lines(nav), nav
    assert not {"Dashboards", "Charts", "Datasets", "Settings"} & _lines(nav), nav

    header = _wait_text(driver, '[data-test="dashboard-header-container"]', "Sửa bảng điều khiển")
    title = driver.find_element(By.CSS_SELECTOR, '[data-test="editable-title-input"]')
    assert title.get_attribute("value") == dashboard["dashboard_title"]
    assert "Sửa bảng điều khiển" in header and "Edit dashboard" not in header
    if dashboard.get("published"):
        assert "Đã công bố" in _lines(header) and "Published" not in header

    filter_bar = _wait_text(driver, '[data-test="filter-bar"]', "Áp dụng bộ lọc")
    assert {"Bộ lọc và điều khiển", "Áp dụng bộ lọc", "Xóa tất cả"} <= _lines(filter_bar), filter_bar
    assert not {"Filters", "Filters and controls", "Apply filters", "Clear all"} & _lines(filter_bar)
    driver.save_screenshot(str(artifacts / "language_vi_dashboard.png"))

    # Toolbar: the "..." menu of the dashboard header.
    driver.find_element(By.CSS_SELECTOR, '[data-test="actions-trigger"]').click()
    menu = _wait_text(driver, ".ant-dropdown:not(.ant-dropdown-hidden)", "Làm mới bảng điều khiển")
    assert {"Làm mới bảng điều khiển", "Toàn màn hình", "Tải xuống", "Chia sẻ"} <= _lines(menu), menu
    assert not {"Refresh dashboard", "Enter fullscreen", "Download", "Share"} & _lines(menu)
    driver.save_screenshot(str(artifacts / "language_vi_dashboard_menu.png"))
    ActionChains(driver).send_keys("\ue00c").perform()  # Escape closes the menu

    # Chart menu: its trigger is labelled in Vietnamese too (aria-label), so find it by that.
    chart = driver.find_elements(By.CSS_SELECTOR, '[data-test="chart-grid-component"]')[0]
    ActionChains(driver).move_to_element(chart).perform()
    trigger = chart.find_element(By.CSS_SELECTOR, '[data-test="slice-header"] [aria-label="Tùy chọn khác"]')
    driver.execute_script("arguments[0].click();", trigger)
    chart_menu = _wait_text(driver, ".ant-dropdown:not(.ant-dropdown-hidden)", "Buộc làm mới")
    assert {"Buộc làm mới", "Xem truy vấn", "Tải xuống"} <= _lines(chart_menu), chart_menu
    assert not {"Force refresh", "View query", "Download"} & _lines(chart_menu)
    driver.save_screenshot(str(artifacts / "language_vi_chart_menu.png"))


def test_language_switcher_offers_vietnamese_then_english(superset, browser):
    driver, url = browser, superset.url
    _login(driver, url, superset.username, superset.password, WAIT)
    flag = WebDriverWait(driver, WAIT).until(
        EC.presence_of_element_located((By.CSS_SELECTOR, "header#main-menu i.flag")))
    assert "vn" in flag.get_attribute("class").split()  # the current language is Vietnamese
    ActionChains(driver).move_to_element(flag).perform()
    picker = _wait_text(driver, ".language-picker-popup", "English")
    assert [line for line in picker.splitlines() if line.strip()] == ["Tiếng Việt", "English"]

    # The other menu of the navbar's right side, where everyone finds "Logout".
    settings = driver.find_element(By.XPATH, "//header[@id='main-menu']//*[normalize-space(text())='Cài đặt']")
    ActionChains(driver).move_to_element(settings).perform()
    menu = _wait_text(driver, ".ant-menu-submenu-popup:not(.ant-menu-submenu-hidden)", "Đăng xuất")
    assert "Đăng xuất" in _lines(menu) and "Logout" not in menu, menu


def test_language_switch_to_english_and_back(superset, browser, artifacts):
    driver, url = browser, superset.url
    _login(driver, url, superset.username, superset.password, WAIT)
    slug = _dashboard()["slug"]

    driver.get(f"{url}/lang/en")  # what the switcher's "English" links to
    _open_dashboard(driver, url, slug)
    nav = _wait_text(driver, "header#main-menu, [data-test='navbar-top']", "Settings")
    assert {"Dashboards", "Charts", "Datasets", "Settings"} <= _lines(nav), nav
    assert not {"Bảng điều khiển", "Cài đặt"} & _lines(nav)
    filter_bar = _wait_text(driver, '[data-test="filter-bar"]', "Apply filters")
    assert {"Filters and controls", "Apply filters"} <= _lines(filter_bar), filter_bar
    driver.save_screenshot(str(artifacts / "language_en_dashboard.png"))

    driver.get(f"{url}/lang/vi")
    _open_dashboard(driver, url, slug)
    nav = _wait_text(driver, "header#main-menu, [data-test='navbar-top']", "Cài đặt")
    assert {"Bảng điều khiển", "Cài đặt"} <= _lines(nav), nav
