"""Thin REST client for the portal's Superset (used by the pipeline and tests).

Runs in the pipeline environment and talks HTTP only; it never imports superset.
Every failure raises ``SupersetError`` carrying the server's own message.
"""
from __future__ import annotations

import io
import json
import re
import unicodedata
import zipfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

import requests
import yaml

ASSETS_DIR = Path(__file__).resolve().parent / "assets"
# Written in databases/*.yaml instead of a machine path; see import_assets().
SERVING_URI_PLACEHOLDER = "__PORTAL_SERVING_URI__"


class SupersetError(RuntimeError):
    """Superset refused or failed a request; the message is the server's."""


def _rison(value: Any) -> str:
    """Encode the small subset of Rison that FAB's ``?q=`` needs."""
    if value is None:
        return "!n"
    if value is True:
        return "!t"
    if value is False:
        return "!f"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return "'" + value.replace("!", "!!").replace("'", "!'") + "'"
    if isinstance(value, dict):
        return "(" + ",".join(f"{k}:{_rison(v)}" for k, v in value.items()) + ")"
    if isinstance(value, (list, tuple)):
        return "!(" + ",".join(_rison(v) for v in value) + ")"
    raise TypeError(f"cannot rison-encode {type(value).__name__}")


def _substitute(node: Any, placeholder: str, value: str) -> Any:
    if isinstance(node, str):
        return node.replace(placeholder, value)
    if isinstance(node, dict):
        return {k: _substitute(v, placeholder, value) for k, v in node.items()}
    if isinstance(node, list):
        return [_substitute(v, placeholder, value) for v in node]
    return node


def build_bundle(serving_path: Path | str, assets_dir: Path = ASSETS_DIR) -> bytes:
    """The asset tree as an import zip, with the serving DuckDB URI filled in.

    Files are parsed and re-dumped rather than text-replaced so that any path
    (quotes, spaces, non-ASCII) still yields valid YAML.
    """
    uri = f"duckdb:///{Path(serving_path).resolve()}"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(assets_dir.rglob("*.yaml")):
            rel = path.relative_to(assets_dir).as_posix()
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
            if rel == "metadata.yaml":
                doc["timestamp"] = datetime.now(timezone.utc).isoformat()
            doc = _substitute(doc, SERVING_URI_PLACEHOLDER, uri)
            text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
            zf.writestr(f"portal_assets/{rel}", text.encode("utf-8"))
    return buf.getvalue()


def _asset_database_uuids(assets_dir: Path = ASSETS_DIR) -> set[str]:
    return {
        str(yaml.safe_load(p.read_text(encoding="utf-8"))["uuid"])
        for p in (assets_dir / "databases").glob("*.yaml")
    }


# Written in metadata.yaml instead of the export time, so an export of
# unchanged assets leaves git unchanged.
ASSETS_TIMESTAMP = "2026-11-25T00:00:00+00:00"


class _AssetDumper(yaml.SafeDumper):
    """YAML as the asset files are written: multi-line strings (query_context)
    as literal blocks, so a diff of an exported chart stays readable."""


def _str_presenter(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data and not any(l != l.rstrip() for l in data.splitlines()) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_AssetDumper.add_representer(str, _str_presenter)


def dump_asset(doc: dict) -> str:
    return yaml.dump(doc, Dumper=_AssetDumper, allow_unicode=True, sort_keys=False, width=1000)


def _leading_comment(path: Path) -> str:
    """The comment block at the top of an asset file (kept across exports)."""
    if not path.exists():
        return ""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line + "\n")
    return "".join(lines)


def normalise_asset(kind: str, doc: dict, database_uuids: set[str]) -> dict:
    """Turn one exported asset back into its form in git: ids of this server
    become 0 (the importer rewrites them), the serving path becomes the
    placeholder, and the export time becomes a fixed one."""
    doc = dict(doc)
    if kind == "metadata":
        doc["timestamp"] = ASSETS_TIMESTAMP
    elif kind == "databases":
        if str(doc.get("uuid")) in database_uuids:
            doc["sqlalchemy_uri"] = SERVING_URI_PLACEHOLDER
    elif kind == "charts":
        params = dict(doc.get("params") or {})
        if "datasource" in params:
            params["datasource"] = "0__table"
        params.pop("slice_id", None)
        doc["params"] = params
        if doc.get("query_context"):
            qc = json.loads(doc["query_context"])
            if isinstance(qc.get("datasource"), dict):
                qc["datasource"]["id"] = 0
            if isinstance(qc.get("form_data"), dict):
                qc["form_data"]["datasource"] = "0__table"
                qc["form_data"].pop("slice_id", None)
            doc["query_context"] = json.dumps(qc, ensure_ascii=False, indent=2) + "\n"
    elif kind == "dashboards":
        position = {k: dict(v) if isinstance(v, dict) else v for k, v in (doc.get("position") or {}).items()}
        for node in position.values():
            if isinstance(node, dict) and node.get("type") == "CHART":
                node["meta"] = {**node["meta"], "chartId": 0}
        doc["position"] = position
        metadata = dict(doc.get("metadata") or {})
        filters = []
        for native in metadata.get("native_filter_configuration", []):
            # chart ids of this server; the dashboard recomputes them from the scope.
            filters.append({k: v for k, v in native.items() if k != "chartsInScope"})
        if "native_filter_configuration" in metadata:
            metadata["native_filter_configuration"] = filters
        doc["metadata"] = metadata
    return doc


def _asset_file_name(kind: str, doc: dict) -> str:
    name = doc.get("slice_name") or doc.get("dashboard_title") or doc.get("table_name") or doc.get("database_name")
    key = unicodedata.normalize("NFKD", str(name).replace("đ", "d").replace("Đ", "D"))
    key = re.sub(r"[^a-z0-9]+", "_", key.encode("ascii", "ignore").decode().lower()).strip("_")
    return f"{key or doc['uuid']}.yaml"


def write_export(bundle: bytes, out_dir: Path, assets_dir: Path = ASSETS_DIR) -> list[Path]:
    """Write an export zip into ``out_dir`` in the layout of dashboards/assets.

    A file keeps the name and leading comment it has in ``assets_dir`` (matched
    by uuid); a new asset gets a name from its title. When ``out_dir`` is the
    assets folder itself, YAML files of assets no longer on the server are removed.
    """
    out_dir = Path(out_dir)
    known: dict[str, Path] = {}
    for path in assets_dir.rglob("*.yaml"):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if "uuid" in doc:
            known[str(doc["uuid"])] = path.relative_to(assets_dir)
    database_uuids = _asset_database_uuids(assets_dir)
    written: list[Path] = []
    with zipfile.ZipFile(io.BytesIO(bundle)) as zf:
        for member in sorted(zf.namelist()):
            if not member.endswith(".yaml"):
                continue
            rel = Path(*Path(member).parts[1:])  # drop the export's root folder
            kind = rel.parts[0] if len(rel.parts) > 1 else "metadata"
            doc = normalise_asset(kind, yaml.safe_load(zf.read(member)), database_uuids)
            if kind != "metadata":
                rel = known.get(str(doc.get("uuid"))) or rel.parent / _asset_file_name(kind, doc)
            target = out_dir / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(_leading_comment(assets_dir / rel) + dump_asset(doc), encoding="utf-8")
            written.append(target)
    if out_dir.resolve() == assets_dir.resolve():
        for path in out_dir.rglob("*.yaml"):
            if path not in written:
                path.unlink()
    return written


class SupersetClient:
    def __init__(self, base_url: str, username: str, password: str, timeout: float = 120.0):
        self.base_url = base_url.rstrip("/")
        self.username = username
        self.password = password
        self.timeout = timeout
        self.session = requests.Session()
        self._logged_in = False

    # --- plumbing ---------------------------------------------------------
    def login(self) -> None:
        """JWT for the API, plus the session cookie + CSRF token Flask-WTF wants on writes."""
        self.session = requests.Session()
        resp = self.session.post(
            f"{self.base_url}/api/v1/security/login",
            json={"username": self.username, "password": self.password, "provider": "db", "refresh": True},
            timeout=self.timeout,
        )
        self._check(resp, "login")
        token = resp.json()["access_token"]
        self.session.headers["Authorization"] = f"Bearer {token}"
        resp = self.session.get(f"{self.base_url}/api/v1/security/csrf_token/", timeout=self.timeout)
        self._check(resp, "CSRF token")
        self.session.headers["X-CSRFToken"] = resp.json()["result"]
        # Flask-WTF compares the Referer with the host on HTTPS; harmless on HTTP.
        self.session.headers["Referer"] = self.base_url + "/"
        self._logged_in = True

    @staticmethod
    def _check(resp: requests.Response, what: str) -> None:
        if resp.ok:
            return
        try:
            body = resp.json()
            detail = body.get("message") or body.get("errors") or body
            if not isinstance(detail, str):
                detail = json.dumps(detail, ensure_ascii=False)
        except ValueError:
            # Unhandled server errors come back as Superset's HTML error page;
            # its <title> is the useful part.
            text = resp.text
            start, end = text.find("<title>"), text.find("</title>")
            detail = text[start + 7:end] if 0 <= start < end else text[:2000]
        raise SupersetError(f"{what}: HTTP {resp.status_code} {resp.request.method} {resp.url}: {detail}")

    def _request(self, method: str, path: str, what: str, **kwargs: Any) -> requests.Response:
        if not self._logged_in:
            self.login()
        url = f"{self.base_url}{path}"
        resp = self.session.request(method, url, timeout=self.timeout, **kwargs)
        if resp.status_code == 401:
            # Access tokens expire (FAB default 15 min); a long-lived pipeline
            # client logs in again once rather than failing a publish.
            self.login()
            resp = self.session.request(method, url, timeout=self.timeout, **kwargs)
        self._check(resp, what)
        return resp

    def get_json(self, path: str) -> Any:
        """GET any API path (e.g. ``/api/v1/dashboard/<slug>/charts``) and decode it."""
        return self._request("GET", path, f"GET {path}").json()

    def send_json(self, method: str, path: str, body: Any = None) -> Any:
        """POST/PUT/DELETE any API path with a JSON body; the decoded answer (None if empty)."""
        resp = self._request(method, path, f"{method} {path}", json=body)
        return resp.json() if resp.content else None

    def get_all(self, resource: str, **query: Any) -> list[dict]:
        """Every row of a list endpoint (``dataset``, ``security/users``...), page by page."""
        rows: list[dict] = []
        page = 0
        while True:
            q = _rison({**query, "page": page, "page_size": 100})
            batch = self.get_json(f"/api/v1/{resource}/?q={q}")["result"]
            rows += batch
            if len(batch) < 100:
                return rows
            page += 1

    def _list(self, resource: str, filters: list[dict], what: str) -> list[dict]:
        q = _rison({"filters": filters, "page_size": 100})
        return self._request("GET", f"/api/v1/{resource}/?q={q}", what).json()["result"]

    # --- assets -----------------------------------------------------------
    def import_assets(self, serving_path: Path | str, assets_dir: Path = ASSETS_DIR) -> None:
        """Import (create or overwrite) the database, datasets, charts and dashboard."""
        bundle = build_bundle(serving_path, assets_dir)
        try:
            resp = self._request(
                "POST",
                "/api/v1/assets/import/",
                "import assets",
                files={"bundle": ("portal_assets.zip", bundle, "application/zip")},
                data={"overwrite": "true"},
            )
        except SupersetError as exc:
            if "HTTP 500" not in str(exc):
                raise
            # Superset 6.1's assets endpoint turns every validation error into a
            # bare 500 page; the per-file reasons only reach the server log.
            raise SupersetError(
                f"{exc}. The bundle was rejected; Superset logs the reason "
                "(CommandInvalidError / ImportFailedError) in its server log."
            ) from exc
        if resp.json().get("message") != "OK":
            raise SupersetError(f"import assets: unexpected answer {resp.text[:2000]}")

    def export_assets(self, out_dir: Path | str = ASSETS_DIR, assets_dir: Path = ASSETS_DIR) -> list[Path]:
        """Export every database, dataset, chart and dashboard of this Superset
        into ``out_dir`` in the form kept in git (see write_export)."""
        resp = self._request("GET", "/api/v1/assets/export/", "export assets")
        return write_export(resp.content, Path(out_dir), assets_dir)

    def datasets(self, table_names: Iterable[str]) -> dict[str, int]:
        """table name -> dataset id, for the portal's database only."""
        db_uuids = _asset_database_uuids()
        found: dict[str, int] = {}
        for name in table_names:
            for ds in self._list("dataset", [{"col": "table_name", "opr": "eq", "value": name}], f"find dataset {name}"):
                if str(ds["database"]["uuid"]) in db_uuids:
                    found[name] = ds["id"]
        return found

    def refresh_datasets(self, table_names: Iterable[str]) -> list[str]:
        """After a publish: re-read the tables' columns and drop their cached results.

        Returns the table names that have a dataset and were refreshed; names
        without a dataset are not an error (not every table is charted).
        """
        ids = self.datasets(table_names)
        for name, ds_id in ids.items():
            self._request("PUT", f"/api/v1/dataset/{ds_id}/refresh", f"refresh dataset {name}")
        if ids:
            self.invalidate_cache(ids.values())
        return sorted(ids)

    def invalidate_cache(self, dataset_ids: Iterable[int]) -> None:
        uids = [f"{i}__table" for i in dataset_ids]
        self._request("POST", "/api/v1/cachekey/invalidate", "invalidate cache", json={"datasource_uids": uids})

    # --- charts and dashboards ---------------------------------------------
    def chart(self, slice_name: str) -> dict:
        hits = self._list("chart", [{"col": "slice_name", "opr": "eq", "value": slice_name}], f"find chart {slice_name}")
        hits = [c for c in hits if c["slice_name"] == slice_name]
        if len(hits) != 1:
            raise SupersetError(f"expected one chart named {slice_name!r}, found {len(hits)}")
        return self._request("GET", f"/api/v1/chart/{hits[0]['id']}", f"get chart {slice_name}").json()["result"]

    def chart_data(self, slice_name: str) -> list[dict]:
        """The rows the chart shows (first query's data, after post-processing).

        Uses the chart's saved query_context. If that context points at another
        datasource than the chart's (an import that did not rewrite it), it is
        rewritten and POSTed instead of trusting GET /chart/<id>/data/.
        """
        chart = self.chart(slice_name)
        if not chart.get("query_context"):
            raise SupersetError(f"chart {slice_name!r} has no saved query_context")
        qc = json.loads(chart["query_context"])
        actual = {"id": chart["datasource_id"], "type": chart["datasource_type"]}
        if qc.get("datasource") == actual:
            resp = self._request("GET", f"/api/v1/chart/{chart['id']}/data/", f"data of chart {slice_name}")
        else:
            qc["datasource"] = actual
            for query in qc.get("queries", []):
                query.pop("datasource", None)
            if "form_data" in qc:
                qc["form_data"]["datasource"] = f"{actual['id']}__{actual['type']}"
            resp = self._request("POST", "/api/v1/chart/data", f"data of chart {slice_name}", json=qc)
        results = resp.json()["result"]
        for result in results:
            if result.get("error"):
                raise SupersetError(f"data of chart {slice_name}: {result['error']}")
        return results[0]["data"]

    def dashboard_url(self, slug: str) -> str:
        return f"{self.base_url}/superset/dashboard/{slug}/"
