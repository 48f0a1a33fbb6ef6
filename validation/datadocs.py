"""Great Expectations Data Docs for the portal's validation runs, readable offline.

GX 1.24.1 renders Data Docs pages that load Bootstrap, bootstrap-table,
jQuery, popper, Font Awesome, Vega and a datepicker from public CDNs, and a
logo from an S3 bucket. The data centre is air-gapped, so after GX has
written the pages every external asset reference is rewritten to a local copy
of the same library, installed from the npm registry at install time
(validation/datadocs_assets/install.sh) and copied next to the pages here, so
the site folder is self-contained (it can be zipped or served as is).

The GX project (suites and validation results as JSON) lives in
``<docs_dir>/_gx`` so successive runs accumulate: the index lists every run.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import re
import shutil
from pathlib import Path

from ingest.registry import Registry, load_registry
from ingest.schema import DatasetSchema
from ingest.settings import REPO_ROOT

# GX phones home unless told not to; the data centre has no network.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

log = logging.getLogger(__name__)

SITE_NAME = "portal"
PROJECT_DIR = "_gx"
VENDOR_DIR = "static/vendor"
DEFAULT_ASSETS = REPO_ROOT / ".venv" / "datadocs-assets" / "node_modules"

# CDN URL (without query string) -> (npm package, file inside the package).
# Versions are those in GX's templates; package.json pins the same ones.
# The filter-control stylesheet is named at 1.19.0 by GX while everything else
# of bootstrap-table is 1.19.1: one copy (1.19.1) serves both.
CDN_FILES = {
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css":
        ("bootstrap-table", "dist/bootstrap-table.min.css"),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js":
        ("bootstrap-table", "dist/bootstrap-table.min.js"),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css":
        ("bootstrap-table", "dist/extensions/filter-control/bootstrap-table-filter-control.min.css"),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css":
        ("bootstrap-table", "dist/extensions/filter-control/bootstrap-table-filter-control.css"),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js":
        ("bootstrap-table", "dist/extensions/filter-control/bootstrap-table-filter-control.min.js"),
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css":
        ("bootstrap", "dist/css/bootstrap.min.css"),
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js":
        ("bootstrap", "dist/js/bootstrap.min.js"),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css":
        ("bootstrap-datepicker", "dist/css/bootstrap-datepicker.min.css"),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js":
        ("bootstrap-datepicker", "dist/js/bootstrap-datepicker.min.js"),
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css":
        ("@forevolve/bootstrap-dark", "dist/css/bootstrap-prefers-dark.css"),
    "https://cdn.jsdelivr.net/npm/vega@5": ("vega", "build/vega.min.js"),
    "https://cdn.jsdelivr.net/npm/vega-lite@5": ("vega-lite", "build/vega-lite.min.js"),
    "https://cdn.jsdelivr.net/npm/vega-embed@6": ("vega-embed", "build/vega-embed.min.js"),
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css":
        ("@fortawesome/fontawesome-free", "css/all.min.css"),
    "https://code.jquery.com/jquery-3.7.1.min.js": ("jquery", "dist/jquery.min.js"),
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js":
        ("popper.js", "dist/umd/popper.min.js"),
}
# Whole folders a copied file refers to relatively (Font Awesome's ../webfonts/).
EXTRA_DIRS = {"@fortawesome/fontawesome-free": ["webfonts"]}
S3_ASSETS = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"
LOCAL_LOGO = "static/images/logo-long.png"      # shipped by GX itself

_ASSET_TAG = re.compile(r"<(script|link|img)\b[^>]*>(?:\s*</script>)?", re.IGNORECASE | re.DOTALL)
_ASSET_ATTR = re.compile(r"""\b(src|href)\s*=\s*(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)
# SRI and crossorigin make Chromium refuse a script read from file:// (treated
# as a CORS request), and the hashes are of the CDN copies anyway.
_CORS_ATTRS = re.compile(r"""\s+(integrity|crossorigin)(\s*=\s*(["']).*?\3)?""", re.IGNORECASE | re.DOTALL)
# The "newsletter" footer is an advert whose only content is an external link.
_NEWSLETTER = re.compile(r"<footer>\s*<p>[^<]*newsletter.*?</footer>", re.IGNORECASE | re.DOTALL)
_CSS_URL = re.compile(r"""url\(\s*(["']?)(https?://[^)"']*)\1\s*\)""", re.IGNORECASE)


def assets_root() -> Path:
    return Path(os.environ.get("PORTAL_DATADOCS_ASSETS", DEFAULT_ASSETS))


def _check_assets(root: Path) -> None:
    missing = sorted({f"{pkg}/{rel}" for pkg, rel in CDN_FILES.values() if not (root / pkg / rel).is_file()})
    if missing:
        raise FileNotFoundError(
            f"Data Docs assets missing under {root} ({', '.join(missing[:3])}...); "
            "run validation/datadocs_assets/install.sh at install time "
            "(or set PORTAL_DATADOCS_ASSETS to its node_modules folder)")


def _context(docs_dir: Path):
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="file", project_root_dir=str(docs_dir / PROJECT_DIR))
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    site = {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,        # "how to" links point at greatexpectations.io
        "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                          "base_directory": str(docs_dir.resolve())},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }
    sites = context.list_data_docs_sites()
    for name in [n for n in sites if n != SITE_NAME]:
        context.delete_data_docs_site(name)   # the default local_site would be a second copy
    if SITE_NAME in sites:
        context.update_data_docs_site(SITE_NAME, site)
    else:
        context.add_data_docs_site(SITE_NAME, site)
    return context


# Pages stay small on a 1,000,000-row batch: counts and a sample of
# unexpected values, not every failing row (those are in the JSON reports).
MAX_LISTED = 20
_ROW_LISTS = ("unexpected_list", "unexpected_index_list", "partial_unexpected_index_list")


def _for_docs(result):
    """A copy of a COMPLETE validation result trimmed to what a page shows."""
    from great_expectations.core import ExpectationSuiteValidationResult

    data = result.to_json_dict()
    for outcome in data["results"]:
        details = outcome.get("result") or {}
        for name in _ROW_LISTS:
            if isinstance(details.get(name), list):
                details[name] = details[name][:MAX_LISTED]
        details.pop("unexpected_index_query", None)
    return ExpectationSuiteValidationResult(**data)


PENDING_DIR = "_pending"


def save_pending(docs_dir: Path, schema: DatasetSchema, result, run_name: str) -> Path:
    """Keep a batch's GX result (trimmed as a page shows it) for the Data Docs
    step, which renders it after the load: pages are for people, and a
    million-row load should not wait two seconds for GX's renderer."""
    import json

    pending = Path(docs_dir) / PENDING_DIR
    pending.mkdir(parents=True, exist_ok=True)
    path = pending / f"{run_name}__{schema.name}.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"dataset": schema.name, "run_name": run_name,
                               "result": _for_docs(result).to_json_dict()}), encoding="utf-8")
    tmp.replace(path)
    return path


def build_pending(docs_dir: Path, registry: Registry | None = None) -> list[Path]:
    """Render every kept result into the site, oldest first; each is removed
    once rendered. Returns the index pages written (empty when none pending)."""
    import json

    from great_expectations.core import ExpectationSuiteValidationResult

    from ingest.schema import load_schema

    built = []
    for path in sorted((Path(docs_dir) / PENDING_DIR).glob("*.json")):
        saved = json.loads(path.read_text(encoding="utf-8"))
        result = ExpectationSuiteValidationResult(**saved["result"])
        built.append(build_datadocs(docs_dir, load_schema(saved["dataset"]), result,
                                    registry=registry, run_name=saved["run_name"]))
        path.unlink()
    return built


def store_result(docs_dir: Path, schema: DatasetSchema, result, *,
                 registry: Registry | None = None, run_name: str | None = None):
    """Keep GX's result of the pipeline's own validation (no second run) in the
    file-based context; returns (context, [resource identifiers to render])."""
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier, ValidationResultIdentifier)

    from validation.gx_suite import build_suite

    context = _context(docs_dir)
    context.suites.add_or_update(build_suite(schema, registry or load_registry()))
    now = dt.datetime.now(dt.timezone.utc)
    run_id = RunIdentifier(run_name=run_name or f"{schema.name}-{now:%Y%m%dT%H%M%S}", run_time=now)
    identifier = ValidationResultIdentifier(ExpectationSuiteIdentifier(schema.name), run_id,
                                            batch_identifier=schema.name)
    context.validation_results_store.set(identifier, _for_docs(result))
    return context, [identifier]


def build_datadocs(docs_dir: Path, schema: DatasetSchema, result, *,
                   registry: Registry | None = None, run_name: str | None = None) -> Path:
    """Add GX's validation ``result`` for a batch of ``schema``'s dataset (as
    kept in ``Report.gx_result``) to the Data Docs site in ``docs_dir`` and make
    the whole site readable offline. Returns index.html.

    Only the new validation page, its suite page and the index are rendered,
    so the cost does not grow with the number of past runs."""
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

    docs_dir = Path(docs_dir)
    root = assets_root()
    _check_assets(root)
    docs_dir.mkdir(parents=True, exist_ok=True)
    context, identifiers = store_result(docs_dir, schema, result, registry=registry, run_name=run_name)
    context.build_data_docs(site_names=[SITE_NAME], build_index=True,
                            resource_identifiers=[*identifiers, ExpectationSuiteIdentifier(schema.name)])
    make_offline(docs_dir, root)
    return docs_dir / "index.html"


# --- offline rewriting ----------------------------------------------------

def _vendor(docs_dir: Path, root: Path) -> None:
    """Copy the library files next to the pages (idempotent, cheap: ~2 MB)."""
    target = docs_dir / VENDOR_DIR
    for pkg, rel in CDN_FILES.values():
        dest = target / pkg / rel
        if not dest.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / pkg / rel, dest)
    for pkg, folders in EXTRA_DIRS.items():
        for folder in folders:
            if not (target / pkg / folder).exists():
                shutil.copytree(root / pkg / folder, target / pkg / folder)


def _relative(page: Path, docs_dir: Path, path: str) -> str:
    return os.path.relpath(docs_dir / path, page.parent).replace(os.sep, "/")


def _rewrite_tag(tag: str, page: Path, docs_dir: Path) -> str:
    attr = _ASSET_ATTR.search(tag)
    if attr is None:
        return tag
    url = attr.group(3)
    if not re.match(r"(?i)(https?:)?//", url):
        return _fix_local(tag, attr, page, docs_dir)
    bare = ("https:" + url if url.startswith("//") else url).split("?")[0].split("#")[0]
    if bare in CDN_FILES:
        pkg, rel = CDN_FILES[bare]
        local = _relative(page, docs_dir, f"{VENDOR_DIR}/{pkg}/{rel}")
    elif bare.startswith(S3_ASSETS):
        local = _relative(page, docs_dir, LOCAL_LOGO)
    elif tag.lower().startswith("<link") and not re.search(r"""rel\s*=\s*["']?(stylesheet|icon|preload)""",
                                                           tag, re.IGNORECASE):
        return tag                         # a plain link (canonical, etc.) loads nothing
    else:
        log.warning("Data Docs: dropped external asset %s from %s", url, page.name)
        return ""                          # unknown external asset: better absent than fetched
    tag = tag[:attr.start(3)] + local + tag[attr.end(3):]
    return _CORS_ATTRS.sub("", tag)


def _fix_local(tag: str, attr: re.Match, page: Path, docs_dir: Path) -> str:
    """GX counts one "../" too few for the favicon of validation pages; a
    static/ reference that does not resolve is re-anchored at the site root."""
    url = attr.group(3)
    if url.startswith(("#", "data:")) or "static/" not in url:
        return tag
    path = url.split("?")[0].split("#")[0]
    if (page.parent / path).exists():
        return tag
    inside = path[path.index("static/"):]
    if not (docs_dir / inside).exists():
        return tag
    return tag[:attr.start(3)] + _relative(page, docs_dir, inside) + tag[attr.end(3):]


def rewrite_html(text: str, page: Path, docs_dir: Path) -> str:
    text = _NEWSLETTER.sub("", text)
    text = rewrite_css(text)               # GX inlines its stylesheet in a <style> block
    return _ASSET_TAG.sub(lambda m: _rewrite_tag(m.group(0), page, docs_dir), text)


def rewrite_css(text: str) -> str:
    """GX's stylesheet paints the navbar logo from S3 (dark mode); the local
    <img> logo is enough, so the background image goes."""
    return _CSS_URL.sub("none", text)


def make_offline(docs_dir: Path, root: Path | None = None) -> None:
    docs_dir = Path(docs_dir)
    _vendor(docs_dir, root or assets_root())
    for page in docs_dir.rglob("*.html"):
        if PROJECT_DIR in page.relative_to(docs_dir).parts:
            continue
        text = page.read_text(encoding="utf-8")
        new = rewrite_html(text, page, docs_dir)
        if new != text:
            page.write_text(new, encoding="utf-8")
    for sheet in (docs_dir / "static" / "styles").glob("*.css"):
        text = sheet.read_text(encoding="utf-8")
        new = rewrite_css(text)
        if new != text:
            sheet.write_text(new, encoding="utf-8")


def external_references(docs_dir: Path) -> list[tuple[str, str]]:
    """(file, url) for every asset a page or stylesheet would fetch from the
    network: what the tests and an operator's check look for."""
    found = []
    docs_dir = Path(docs_dir)
    for page in docs_dir.rglob("*.html"):
        if PROJECT_DIR in page.relative_to(docs_dir).parts:
            continue
        text = page.read_text(encoding="utf-8")
        found += [(str(page), m.group(2)) for m in _CSS_URL.finditer(text)]
        for tag in _ASSET_TAG.finditer(text):
            attr = _ASSET_ATTR.search(tag.group(0))
            if attr and re.match(r"(?i)(https?:)?//", attr.group(3)):
                if tag.group(1).lower() == "link" and not re.search(
                        r"""rel\s*=\s*["']?(stylesheet|icon|preload)""", tag.group(0), re.IGNORECASE):
                    continue
                found.append((str(page), attr.group(3)))
    for sheet in docs_dir.rglob("*.css"):
        for match in _CSS_URL.finditer(sheet.read_text(encoding="utf-8", errors="replace")):
            found.append((str(sheet), match.group(2)))
    return found
