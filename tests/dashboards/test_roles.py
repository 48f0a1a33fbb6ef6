"""Roles, row-level security and personal data, proven through Superset's REST API.

Each role logs in for real: the public is an anonymous session, a unit is one
district's UBND account created by `apply_access`, an analyst account is made
here, the admin is the fixture's. A dataset holding the case line list's
personal fields (a virtual dataset over the serving database, as an analyst
could create one in the UI) is planted on a dashboard that is even declared
public, to show that the rules keep it from every role but Admin.
"""
from __future__ import annotations

import ast
import json
import re
import time
from pathlib import Path

import pytest
import requests
import yaml

from dashboards import roles
from dashboards.roles import (ACCESS_FILE, ROLE_ADMIN, ROLE_ANALYST, ROLE_PUBLIC, ROLE_UNIT,
                              add_analyst, apply_access, personal_columns, plan_access, stored_password)
from dashboards.superset import SupersetClient
from ingest.registry import load_registry
from ingest.schema import all_schemas

UNIT = "UBND-NGASON"
PLANTED_SLUG = "ca-benh-noi-bo"
PLANTED_CHART = "Danh sách ca bệnh (nội bộ)"

# What the schemas call personal, read without dashboards.roles: a name
# marked personal and never an ordinary field elsewhere is personal anywhere;
# the line list's grain (case_id) marks a dataset at the row level of people.
_FIELDS = [(s, f) for s in all_schemas().values() for f in s.fields]
PERSONAL = {f.name for _, f in _FIELDS if f.personal}
PERSONAL_ONLY = PERSONAL - {f.name for _, f in _FIELDS if not f.personal}
LINE_LIST_GRAINS = [set(s.grain) for s in all_schemas().values() if s.personal_fields]


def _exposes_personal(columns) -> set[str]:
    names = set(columns)
    found = names & PERSONAL_ONLY
    for grain in LINE_LIST_GRAINS:
        if grain <= names:
            found |= (PERSONAL | grain) & names
    return found


def _declared() -> dict:
    return yaml.safe_load(ACCESS_FILE.read_text(encoding="utf-8"))


# --- without a server ---------------------------------------------------------

def test_personal_columns_flag_line_list_fields_only():
    assert personal_columns(["district_code", "full_name", "birth_year"]) == {"full_name", "birth_year"}
    # commune_name is ordinary where a checkpoint stands, personal beside a case id.
    assert personal_columns(["checkpoint_name", "commune_name", "district_code"]) == set()
    assert personal_columns(["case_id", "commune_name", "status"]) == {"case_id", "commune_name"}
    assert personal_columns(["report_date", "district_code", "source", "status", "cases"]) == set()


def _catalog():
    datasets = {
        1: {"table_name": "mart_district", "columns": ["district_code", "new_cases"], "database_id": 1},
        2: {"table_name": "mart_province", "columns": ["report_date", "new_cases"], "database_id": 1},
        3: {"table_name": "mart_quality", "columns": ["unit_code", "errors"], "database_id": 1},
        4: {"table_name": "cases", "columns": ["case_id", "full_name", "district_code"], "database_id": 2},
    }
    dashboards = [
        {"id": 10, "slug": "public-one", "dataset_ids": [1, 2]},
        {"id": 11, "slug": "quality", "dataset_ids": [3]},
        {"id": 12, "slug": "cases", "dataset_ids": [4]},
        {"id": 13, "slug": "new-one", "dataset_ids": [2]},
        {"id": 14, "slug": "province-only", "dataset_ids": [2, 3]},
    ]
    return datasets, dashboards


def test_plan_access_new_dashboard_is_private():
    datasets, dashboards = _catalog()
    plan = plan_access(datasets, dashboards, {"public": ["public-one"], "unit": []})
    assert plan.dashboard_roles[13] == [ROLE_ANALYST]  # shares a public dataset, still private
    assert plan.dashboard_roles[10] == [ROLE_PUBLIC, ROLE_UNIT, ROLE_ANALYST]
    assert plan.datasets[ROLE_PUBLIC] == {1, 2}


def test_plan_access_refuses_personal_dataset_to_every_role_but_admin():
    datasets, dashboards = _catalog()
    plan = plan_access(datasets, dashboards, {"public": ["public-one", "cases"], "unit": ["cases"]})
    assert "cases" in plan.refused and "cases" not in plan.public_dashboards + plan.unit_dashboards
    assert plan.dashboard_roles[12] == [ROLE_ADMIN]
    assert all(4 not in ids for ids in plan.datasets.values())
    assert plan.sql_lab_databases == {1}  # database 2 holds the personal dataset


def test_plan_access_unit_dashboard_needs_a_filter_column():
    datasets, dashboards = _catalog()
    plan = plan_access(datasets, dashboards, {"public": ["public-one"], "unit": ["quality", "province-only"]})
    # quality: unit_code filters it (not public); province-only: mart_province is
    # public, so units may see it whole; both pass.
    assert plan.unit_dashboards == ["public-one", "quality", "province-only"]
    assert plan.rls_column == {1: "district_code", 3: "unit_code", 4: "district_code"}
    datasets[5] = {"table_name": "mart_private", "columns": ["report_date"], "database_id": 1}
    dashboards.append({"id": 15, "slug": "private-province", "dataset_ids": [5]})
    plan = plan_access(datasets, dashboards, {"public": [], "unit": ["private-province"]})
    assert "private-province" in plan.refused and plan.dashboard_roles[15] == [ROLE_ANALYST]


def test_security_config_public_role_matches_roles_module():
    source = (Path(roles.__file__).with_name("superset_config_security.py")).read_text(encoding="utf-8")
    values = {t.id: n.value.value for n in ast.parse(source).body if isinstance(n, ast.Assign)
              for t in n.targets if isinstance(t, ast.Name) and isinstance(n.value, ast.Constant)}
    assert values["AUTH_ROLE_PUBLIC"] == ROLE_PUBLIC
    assert values["PUBLIC_ROLE_LIKE"] is None


# --- against the real Superset ---------------------------------------------------

def _chart_rows(client: SupersetClient | requests.Session, base_url: str, chart_id: int) -> list[dict]:
    """The chart's rows through its saved query (as the dashboard runs it)."""
    get = client.get_json if isinstance(client, SupersetClient) else (
        lambda path: _anon_json(client, base_url, path))
    chart = get(f"/api/v1/chart/{chart_id}")["result"]
    qc = json.loads(chart["query_context"])
    qc["datasource"] = {"id": chart["datasource_id"], "type": chart["datasource_type"]}
    for query in qc.get("queries", []):
        query.pop("datasource", None)
    if "form_data" in qc:
        qc["form_data"]["datasource"] = f"{chart['datasource_id']}__{chart['datasource_type']}"
    if isinstance(client, SupersetClient):
        result = client.send_json("POST", "/api/v1/chart/data", qc)["result"]
    else:
        resp = client.post(f"{base_url}/api/v1/chart/data", json=qc)
        assert resp.ok, resp.text[:500]
        result = resp.json()["result"]
    assert not result[0].get("error"), result[0]["error"]
    return [row for r in result for row in r["data"]]


def _anon_json(session: requests.Session, base_url: str, path: str):
    resp = session.get(f"{base_url}{path}")
    assert resp.ok, f"{path}: HTTP {resp.status_code} {resp.text[:300]}"
    return resp.json()


def _anonymous(base_url: str, csrf_from: str | None = None) -> requests.Session:
    """A visitor who never logs in (chart data is CSRF-exempt in Superset).

    ``csrf_from``: a page whose CSRF token the session keeps, as a browser
    would, so a refused write is refused for lack of permission, not of token.
    """
    session = requests.Session()
    session.headers["Referer"] = base_url + "/"
    if csrf_from:
        page = session.get(base_url + csrf_from)
        found = re.search(r'id="csrf_token"\s+value="([^"]+)"', page.text)
        assert found, f"no CSRF token on {csrf_from}"
        session.headers["X-CSRFToken"] = found.group(1)
    return session


def _list(client, base_url: str, resource: str) -> list[dict]:
    if isinstance(client, SupersetClient):
        return client.get_all(resource)
    return _anon_json(client, base_url, f"/api/v1/{resource}/?q=(page_size:100)")["result"]


@pytest.fixture(scope="module")
def access(superset, tmp_path_factory):
    """Roles applied with a personal dataset planted (and declared public); removed afterwards."""
    admin = superset.client()
    # The plant lives in a second connection to the serving file, as an analyst
    # could add one: the portal's own database stays free of personal data.
    serving = admin.get_all("database")[0]
    db_id = admin.send_json("POST", "/api/v1/database/", {
        "database_name": "Dữ liệu cá nhân (kiểm thử)",
        "sqlalchemy_uri": f"duckdb:///{superset.settings.serving_path.resolve()}",
        "extra": json.dumps({"engine_params": {"connect_args": {"read_only": True}}}),
        "expose_in_sqllab": True})["id"]
    sql = ("SELECT 'TH-401-0001' AS case_id, 'Nguyễn Văn An' AS full_name, 1985 AS birth_year, "
           "'Nữ' AS sex, 'Xã Nga Yên' AS commune_name, '401' AS district_code")
    ds = admin.send_json("POST", "/api/v1/dataset/", {"database": db_id, "schema": "main",
                                                       "table_name": "ca_benh_ca_nhan", "sql": sql})
    ds_id = ds["id"]
    dash_id = admin.send_json("POST", "/api/v1/dashboard/", {"dashboard_title": "Ca bệnh (nội bộ)",
                                                             "slug": PLANTED_SLUG, "published": True})["id"]
    columns = ["case_id", "full_name", "birth_year", "sex", "commune_name", "district_code"]
    form = {"datasource": f"{ds_id}__table", "viz_type": "table", "query_mode": "raw", "all_columns": columns}
    qc = {"datasource": {"id": ds_id, "type": "table"}, "force": False, "form_data": form,
          "queries": [{"columns": columns, "metrics": [], "row_limit": 100, "filters": [], "extras": {}}],
          "result_format": "json", "result_type": "full"}
    chart_id = admin.send_json("POST", "/api/v1/chart/", {
        "slice_name": PLANTED_CHART, "viz_type": "table", "datasource_id": ds_id, "datasource_type": "table",
        "params": json.dumps(form), "query_context": json.dumps(qc), "dashboards": [dash_id]})["id"]
    declared = _declared()
    declaration = tmp_path_factory.mktemp("access") / "access.yaml"
    declaration.write_text(yaml.safe_dump({"public": [*declared["public"], PLANTED_SLUG],
                                           "unit": declared.get("unit") or []}), encoding="utf-8")
    creds = superset.settings.credentials_path
    summary = apply_access(admin, creds, declaration)
    add_analyst(admin, creds, "phantich", "Nguyễn Thị Bình")
    try:
        yield {"summary": summary, "admin": admin, "planted_dataset": ds_id, "planted_chart": chart_id,
               "planted_dashboard": dash_id, "planted_database": db_id, "serving_database": serving["id"],
               "creds": creds}
    finally:
        admin = superset.client()
        admin.send_json("DELETE", f"/api/v1/chart/{chart_id}")
        admin.send_json("DELETE", f"/api/v1/dashboard/{dash_id}")
        admin.send_json("DELETE", f"/api/v1/dataset/{ds_id}")
        admin.send_json("DELETE", f"/api/v1/database/{db_id}")
        apply_access(admin, creds)


def _login(superset, access, username: str) -> SupersetClient:
    client = SupersetClient(superset.url, username, stored_password(access["creds"], username))
    client.login()
    return client


@pytest.fixture(scope="module")
def catalog(access):
    """Admin's view: every dashboard with its datasets, every dataset's columns."""
    admin = access["admin"]
    dashboards = {d["slug"]: d["id"] for d in admin.get_all("dashboard")}
    used = {slug: {d["id"] for d in admin.get_json(f"/api/v1/dashboard/{i}/datasets")["result"]}
            for slug, i in dashboards.items()}
    columns = {d["id"]: [c["column_name"] for c in admin.get_json(f"/api/v1/dataset/{d['id']}")["result"]["columns"]]
               for d in admin.get_all("dataset")}
    charts = {c["id"]: c for c in admin.get_all("chart")}
    return {"dashboards": dashboards, "used": used, "columns": columns, "charts": charts}


def test_roles_planted_personal_dashboard_refused(access, catalog):
    summary = access["summary"]
    assert PLANTED_SLUG in summary["refused"]
    assert PLANTED_SLUG not in summary["public_dashboards"] + summary["unit_dashboards"]
    # The plant is real: the admin sees its personal columns and rows.
    assert _exposes_personal(catalog["columns"][access["planted_dataset"]]) >= {"full_name", "birth_year", "sex"}
    rows = _chart_rows(access["admin"], "", access["planted_chart"])
    assert rows and rows[0]["full_name"] == "Nguyễn Văn An"


def test_roles_dashboards_listed_per_role(superset, access, catalog):
    declared = _declared()
    present = set(catalog["dashboards"])
    public = set(declared["public"]) & present
    unit_only = set(declared.get("unit") or []) & present
    assert public, "no declared public dashboard exists in Superset"
    seen = {
        "public": {d["slug"] for d in _list(_anonymous(superset.url), superset.url, "dashboard")},
        "unit": {d["slug"] for d in _login(superset, access, UNIT).get_all("dashboard")},
        "analyst": {d["slug"] for d in _login(superset, access, "phantich").get_all("dashboard")},
        "admin": {d["slug"] for d in access["admin"].get_all("dashboard")},
    }
    assert seen["public"] == public
    assert seen["unit"] == public | unit_only
    assert seen["analyst"] == present - {PLANTED_SLUG}
    assert seen["admin"] == present


def test_roles_datasets_listed_per_role(superset, access, catalog):
    declared = _declared()
    used = catalog["used"]
    unit_slugs = (set(declared["public"]) | set(declared.get("unit") or [])) & set(used)
    anon = _anonymous(superset.url)
    assert anon.get(f"{superset.url}/api/v1/dataset/").status_code in (401, 403)
    unit = {d["id"] for d in _login(superset, access, UNIT).get_all("dataset")}
    analyst = {d["id"] for d in _login(superset, access, "phantich").get_all("dataset")}
    admin = {d["id"] for d in access["admin"].get_all("dataset")}
    assert unit == set().union(*(used[s] for s in unit_slugs))
    assert analyst == set(catalog["columns"]) - {access["planted_dataset"]}
    assert admin == set(catalog["columns"])
    for ds_id in analyst:
        assert not _exposes_personal(catalog["columns"][ds_id]), ds_id


def test_roles_charts_listed_per_role(superset, access, catalog):
    charts = catalog["charts"]
    anon = {c["id"] for c in _list(_anonymous(superset.url), superset.url, "chart")}
    unit = {c["id"] for c in _login(superset, access, UNIT).get_all("chart")}
    analyst = {c["id"] for c in _login(superset, access, "phantich").get_all("chart")}
    admin = {c["id"] for c in access["admin"].get_all("chart")}
    public_ds = set().union(*(catalog["used"][s] for s in set(_declared()["public"]) & set(catalog["used"])))
    assert anon and anon == {i for i, c in charts.items() if c["datasource_id"] in public_ds}
    assert access["planted_chart"] in admin
    for listed in (anon, unit, analyst):
        assert access["planted_chart"] not in listed
        assert listed <= admin


def test_roles_public_and_unit_reach_no_personal_column(superset, access, catalog):
    anon = _anonymous(superset.url)
    unit = _login(superset, access, UNIT)
    for who, client in (("public", anon), ("unit", unit)):
        dashboards = _list(client, superset.url, "dashboard")
        assert dashboards
        checked_rows = 0
        for dash in dashboards:
            path = f"/api/v1/dashboard/{dash['id']}/datasets"
            for ds in (client.get_json(path) if who == "unit" else _anon_json(client, superset.url, path))["result"]:
                names = ds.get("column_names") or [c["column_name"] for c in ds.get("columns", [])]
                assert names, f"{who}: dataset {ds['table_name']} shows no columns to check"
                assert not _exposes_personal(names), (who, ds["table_name"])
            charts = (client.get_json(f"/api/v1/dashboard/{dash['id']}/charts") if who == "unit"
                      else _anon_json(client, superset.url, f"/api/v1/dashboard/{dash['id']}/charts"))["result"]
            for chart in charts:
                try:
                    rows = _chart_rows(client, superset.url, chart["id"])
                except (KeyError, TypeError):
                    continue  # no saved query context: nothing the API would return
                checked_rows += len(rows)
                for row in rows:
                    assert not _exposes_personal(row), (who, chart["slice_name"])
        assert checked_rows > 0, f"{who}: no chart returned rows, nothing was checked"
        # The planted chart and dataset stay out of reach even by id.
        if who == "unit":
            for path in (f"/api/v1/chart/{access['planted_chart']}", f"/api/v1/dataset/{access['planted_dataset']}"):
                assert client.session.get(superset.url + path).status_code in (403, 404), path
        else:
            assert client.get(f"{superset.url}/api/v1/chart/{access['planted_chart']}").status_code in (401, 403, 404)


def test_roles_unit_chart_data_only_own_district(superset, access, catalog):
    registry = load_registry()
    me = registry.unit(UNIT)
    own_name = registry.areas[me.district_code].name
    own_units = {u.unit_code for u in registry.units.values() if u.district_code == me.district_code}
    unit = _login(superset, access, UNIT)
    admin = access["admin"]
    unit_filtered = _unit_filtered(access)
    own_rows = 0
    narrowed = 0
    for dash in unit.get_all("dashboard"):
        for chart in unit.get_json(f"/api/v1/dashboard/{dash['id']}/charts")["result"]:
            try:
                rows = _chart_rows(unit, superset.url, chart["id"])
            except (KeyError, TypeError):
                continue
            ds_id = catalog["charts"][chart["id"]]["datasource_id"]
            for row in rows:
                if row.get("district_code") is not None:
                    assert row["district_code"] == me.district_code, (chart["slice_name"], row)
                if row.get("district_name") is not None:
                    assert row["district_name"] == own_name, (chart["slice_name"], row)
                if ds_id in unit_filtered and row.get("unit_code") is not None:
                    assert row["unit_code"] in own_units, (chart["slice_name"], row)
            district_rows = [r for r in rows if r.get("district_code") or r.get("district_name")]
            own_rows += len(district_rows)
            if district_rows:
                everyone = _chart_rows(admin, superset.url, chart["id"])
                seen = {r.get("district_code") or r.get("district_name") for r in everyone} - {None}
                narrowed += len(seen) > 1
    assert own_rows > 0, "no chart showed the unit any row of its district"
    assert narrowed > 0, "no chart had rows of other districts for RLS to remove"


def _unit_filtered(access) -> set[int]:
    names = {n for n, col in access["summary"]["filtered_datasets"].items() if col == "unit_code"}
    return {d["id"] for d in access["admin"].get_all("dataset") if d["table_name"] in names}


def test_roles_anonymous_opens_public_dashboard_not_private(superset, access, catalog):
    public = [s for s in _declared()["public"] if s in catalog["dashboards"]]
    private = sorted(set(catalog["dashboards"]) - set(public))
    assert public and private
    anon = requests.Session()
    for slug in public:
        resp = anon.get(f"{superset.url}/superset/dashboard/{slug}/", allow_redirects=False)
        assert resp.status_code == 200, (slug, resp.status_code, resp.headers.get("Location"))
    for slug in private:
        resp = anon.get(f"{superset.url}/superset/dashboard/{slug}/", allow_redirects=False)
        assert resp.status_code in (302, 403, 404), slug
        if resp.status_code == 302:
            assert "/login/" in resp.headers["Location"], slug
        assert anon.get(f"{superset.url}/api/v1/dashboard/{slug}").status_code in (401, 403, 404), slug


def test_roles_anonymous_dashboard_in_chromium(superset, access, catalog, artifacts):
    from dashboards.screenshot import _PAGE_STATE_JS, _driver

    import shutil
    import tempfile

    slug = next(s for s in _declared()["public"] if s in catalog["dashboards"])
    private = "chat-luong-du-lieu" if "chat-luong-du-lieu" in catalog["dashboards"] else PLANTED_SLUG
    profile = tempfile.mkdtemp(prefix="portal-chromium-")
    driver = _driver(profile)
    try:
        driver.get(f"{superset.url}/superset/dashboard/{slug}/")
        state: dict = {}
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            state = driver.execute_script(_PAGE_STATE_JS)
            if state["charts"] and all(c["state"] != "loading" for c in state["charts"]):
                break
            time.sleep(0.5)
        driver.save_screenshot(str(artifacts / f"roles_anonymous_{slug}.png"))
        assert "/login" not in driver.current_url
        assert state["charts"], "the public dashboard showed no chart to an anonymous visitor"
        assert all(c["state"] == "rendered" for c in state["charts"]), state
        assert not state["errors"], state["errors"]

        driver.get(f"{superset.url}/superset/dashboard/{private}/")
        deadline = time.monotonic() + 60
        while "/login" not in driver.current_url and time.monotonic() < deadline:
            time.sleep(0.5)
        driver.save_screenshot(str(artifacts / f"roles_anonymous_private_{private}.png"))
        assert "/login" in driver.current_url
        assert not driver.execute_script(_PAGE_STATE_JS)["charts"]
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def test_roles_apply_again_changes_nothing(superset, access, tmp_path):
    admin = access["admin"]

    def state() -> dict:
        roles = {r["name"]: r["id"] for r in admin.get_all("security/roles")}
        perms = {name: sorted(p["id"] for p in admin.get_json(f"/api/v1/security/roles/{rid}/permissions/")["result"])
                 for name, rid in roles.items() if name in (ROLE_PUBLIC, ROLE_UNIT, ROLE_ANALYST)}
        rules = sorted((r["name"], r["clause"], tuple(sorted(t["id"] for t in r["tables"])))
                       for r in admin.get_all("rowlevelsecurity"))
        users = sorted((u["username"], tuple(sorted(r["name"] for r in u["roles"])))
                       for u in admin.get_all("security/users"))
        return {"roles": sorted(roles), "perms": perms, "rules": rules, "users": users}

    declared = _declared()
    declaration = tmp_path / "access.yaml"
    declaration.write_text(yaml.safe_dump({"public": [*declared["public"], PLANTED_SLUG],
                                           "unit": declared.get("unit") or []}), encoding="utf-8")
    before = state()
    passwords = json.loads(access["creds"].read_text(encoding="utf-8"))
    summary = apply_access(admin, access["creds"], declaration)
    assert summary["created_users"] == []
    assert state() == before
    assert json.loads(access["creds"].read_text(encoding="utf-8")) == passwords
    # Every district unit of the registry has its account, in its district's role.
    units = {u.unit_code: u.district_code for u in load_registry().units.values() if u.district_code}
    accounts = dict(before["users"])
    for code, district in units.items():
        assert accounts[code] == tuple(sorted((ROLE_UNIT, f"{ROLE_UNIT} {district}"))), code


def test_roles_sql_lab_only_for_analysts_and_never_on_personal_data(superset, access):
    def run(client, database_id: int) -> tuple[int, str]:
        body = {"database_id": database_id, "sql": "SELECT 1 AS n", "runAsync": False, "schema": "main"}
        post = client.session.post if isinstance(client, SupersetClient) else client.post
        resp = post(f"{superset.url}/api/v1/sqllab/execute/", json=body)
        return resp.status_code, resp.text

    def refused(answer: tuple[int, str]) -> bool:
        status, text = answer
        # Superset hides a database the user may not use, then reports the
        # query's database as not found (HTTP 500, its own choice).
        return status in (401, 403, 404) or (status == 500 and "database referenced in this query was not found" in text)

    serving, planted = access["serving_database"], access["planted_database"]
    analyst = _login(superset, access, "phantich")
    status, text = run(analyst, serving)
    assert status == 200 and '"n": 1' in text, text[:300]
    assert refused(run(analyst, planted))
    assert run(access["admin"], planted)[0] == 200
    assert refused(run(_login(superset, access, UNIT), serving))
    public_page = f"/superset/dashboard/{_declared()['public'][0]}/"
    assert refused(run(_anonymous(superset.url, csrf_from=public_page), serving))
