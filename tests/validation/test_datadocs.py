"""Great Expectations Data Docs, built for a validation run and readable offline."""
import datetime as dt
import re
import shutil
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

from ingest.schema import load_schema
from validation import datadocs
from validation.validate import validate_file

TODAY = dt.date(2021, 10, 23)
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")

needs_assets = pytest.mark.skipif(
    not (datadocs.assets_root() / "bootstrap" / "dist" / "css" / "bootstrap.min.css").exists(),
    reason="run validation/datadocs_assets/install.sh first")


class AssetRefs(HTMLParser):
    """Everything a page would fetch: scripts, stylesheets, icons, images,
    fonts (url() in <style> blocks and style attributes)."""

    def __init__(self):
        super().__init__()
        self.refs, self._in_style = [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.refs.append(attrs["src"])
        elif tag == "link" and attrs.get("href") and re.search(
                r"stylesheet|icon|preload|font", attrs.get("rel", "") + attrs.get("as", "")):
            self.refs.append(attrs["href"])
        elif tag in ("img", "source", "embed", "iframe") and attrs.get("src"):
            self.refs.append(attrs["src"])
        self._in_style = tag == "style"
        if attrs.get("style"):
            self.refs += css_urls(attrs["style"])

    def handle_data(self, data):
        if self._in_style:
            self.refs += css_urls(data)

    def handle_endtag(self, tag):
        self._in_style = False


def css_urls(text):
    return [u for _, u in re.findall(r"""url\(\s*(["']?)([^)"']+)\1\s*\)""", text)
            if not u.startswith("data:")]


def is_remote(url):
    return bool(re.match(r"(?i)(https?:)?//", url))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One site, built from two runs (a bad file and a good one), shared by the tests."""
    from ingest.samples import sample_rows
    from ingest.templates import write_submission

    work = tmp_path_factory.mktemp("datadocs")
    schema = load_schema("epidemic_situation_by_district")
    paths = []
    for name, edit in (("bad.xlsx", True), ("good.xlsx", False)):
        rows = sample_rows(schema.name, "SYT", dt.date(2021, 10, 22), "08:00")
        if edit:
            rows[0]["tests_performed"] = -5
            rows[4]["tests_performed"] = -7
            rows[9]["recovered"] = rows[9]["cumulative_cases"] + 100
        paths.append(write_submission(schema, rows, work / name, "SYT"))
    reports = [validate_file(p, "SYT", today=TODAY) for p in paths]
    assert not reports[0].valid and reports[1].valid
    docs = work / "datadocs"
    index = datadocs.build_datadocs(docs, schema, reports[0].gx_result, run_name="S-bad")
    index2 = datadocs.build_datadocs(docs, schema, reports[1].gx_result, run_name="S-good")
    assert index == index2 == docs / "index.html"
    return docs


def pages(docs):
    return [p for p in docs.rglob("*.html") if datadocs.PROJECT_DIR not in p.relative_to(docs).parts]


@needs_assets
def test_datadocs_site_has_index_suite_and_both_runs(built):
    names = sorted(str(p.relative_to(built)) for p in pages(built))
    assert names[0] == "expectations/epidemic_situation_by_district.html"
    assert names[1] == "index.html"
    assert [n.split("/")[2] for n in names[2:]] == ["S-bad", "S-good"]
    index = (built / "index.html").read_text(encoding="utf-8")
    assert "S-bad" in index and "S-good" in index


@needs_assets
def test_datadocs_no_remote_assets_and_local_ones_exist(built):
    checked = 0
    for page in pages(built):
        parser = AssetRefs()
        parser.feed(page.read_text(encoding="utf-8"))
        assert parser.refs, page
        remote = [u for u in parser.refs if is_remote(u)]
        assert remote == [], f"{page}: {remote}"
        for ref in parser.refs:
            target = (page.parent / ref.split("?")[0].split("#")[0]).resolve()
            assert target.is_file(), f"{page}: {ref} -> {target}"
            checked += 1
    for sheet in built.rglob("*.css"):
        for ref in css_urls(sheet.read_text(encoding="utf-8", errors="replace")):
            assert not is_remote(ref), f"{sheet}: {ref}"
            assert (sheet.parent / ref.split("?")[0].split("#")[0]).resolve().is_file(), f"{sheet}: {ref}"
            checked += 1
    assert checked > 50                         # pages x (scripts + stylesheets) + font files
    assert datadocs.external_references(built) == []
    # The Font Awesome stylesheet found its fonts, and no SRI attribute is left to
    # make Chromium refuse a file:// script.
    assert (built / "static/vendor/@fortawesome/fontawesome-free/webfonts/fa-solid-900.woff2").is_file()
    assert not any("integrity=" in p.read_text(encoding="utf-8") for p in pages(built))


def test_datadocs_rewrite_maps_every_gx_cdn_url():
    """Every CDN URL in GX's templates has a local copy: a GX upgrade that adds
    one fails here, not silently offline."""
    import great_expectations

    templates = Path(great_expectations.__file__).parent / "render" / "view" / "templates"
    urls = set()
    for template in templates.glob("*.j2"):
        for url in re.findall(r"""(?:src|href)=["'](https?://[^"'{}]+)["']""", template.read_text()):
            if re.search(r"\.(js|css)$|/npm/", url):
                urls.add(url)
    assert urls and urls <= set(datadocs.CDN_FILES), urls - set(datadocs.CDN_FILES)


def test_datadocs_missing_assets_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_DATADOCS_ASSETS", str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match="install.sh"):
        datadocs.build_datadocs(tmp_path / "docs", load_schema("epidemic_situation_by_district"), None)


@pytest.fixture(scope="module")
def browser():
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("chromium/chromedriver not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="datadocs-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}",
                 "--window-size=1400,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    # As in the data centre: any request to the network fails, so a page that
    # still depended on a CDN would render unstyled here.
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["http://*", "https://*", "ws://*", "wss://*"]})
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def wait_loaded(driver):
    from selenium.webdriver.support.ui import WebDriverWait
    WebDriverWait(driver, 20).until(
        lambda d: d.execute_script("return document.readyState === 'complete' && document.fonts.status === 'loaded'"))


@needs_assets
def test_datadocs_render_styled_offline_in_chromium(built, browser):
    page = next(p for p in pages(built) if "/S-bad/" in str(p))
    browser.get(page.as_uri())
    wait_loaded(browser)
    style = browser.execute_script("""
        const nav = document.querySelector('nav.navbar');
        const badge = document.querySelector('.badge-secondary');
        const icon = document.querySelector('.fas');
        return {
          navDisplay: getComputedStyle(nav).display,
          navPosition: getComputedStyle(nav).position,
          badgeBackground: getComputedStyle(badge).backgroundColor,
          iconFont: getComputedStyle(icon).fontFamily,
          fontLoaded: document.fonts.check('900 16px "Font Awesome 6 Free"'),
          jquery: typeof window.jQuery, bootstrapTable: typeof jQuery.fn.bootstrapTable,
          vega: typeof window.vega, vegaEmbed: typeof window.vegaEmbed,
          logo: document.querySelector('.navbar-brand img').naturalWidth,
        };""")
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "datadocs-validation-offline.png"))
    # Bootstrap applied: an unstyled <nav> is display:block, position:static.
    assert style["navDisplay"] == "flex" and style["navPosition"] == "sticky"
    assert style["badgeBackground"] == "rgb(108, 117, 125)"      # Bootstrap 4 .badge-secondary
    assert "Font Awesome 6 Free" in style["iconFont"] and style["fontLoaded"]
    assert style == {**style, "jquery": "function", "bootstrapTable": "function",
                     "vega": "object", "vegaEmbed": "function"}
    assert style["logo"] > 0                                       # the local logo loaded

    text = browser.find_element("tag name", "body").text
    assert "tests_performed" in text
    assert "values must be greater than or equal to 0" in text
    assert re.search(r"2 unexpected values? found", text), text[:2000]
    assert "Failed" in text or "failed" in text


@needs_assets
def test_datadocs_index_lists_runs_in_chromium(built, browser):
    browser.get((built / "index.html").as_uri())
    wait_loaded(browser)
    rows = browser.execute_script(
        "return [...document.querySelectorAll('table tbody tr')].map(r => r.innerText)")
    browser.save_screenshot(str(ARTIFACTS / "datadocs-index-offline.png"))
    # bootstrap-table turned the run list into a table (it only renders when its JS ran).
    assert any("S-bad" in r for r in rows) and any("S-good" in r for r in rows), rows
    assert browser.execute_script("return document.querySelectorAll('.bootstrap-table').length") > 0


@needs_assets
def test_datadocs_bad_run_page_shows_the_pipelines_own_failures(built):
    """The page renders the result validation produced (no second GX run):
    the negative test counts of the bad file are listed as unexpected values."""
    bad = next(p for p in pages(built) if "S-bad" in str(p)).read_text(encoding="utf-8")
    good = next(p for p in pages(built) if "S-good" in str(p)).read_text(encoding="utf-8")
    assert "tests_performed" in bad and "-5" in bad and "-7" in bad
    # The overview's status icon: a red cross on the bad run only.
    assert "fa-times" in bad and "fa-times" not in good
