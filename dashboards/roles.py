"""Who sees what in Superset: roles, dashboard access, row-level security, unit accounts.

Four kinds of reader (Quy chế 4168, Điều 6; issue 4 item 4):

- ``Công chúng`` (public): the citizen portal, WITHOUT login (Superset's
  AUTH_ROLE_PUBLIC, see superset_config_security.py). Only the dashboards
  declared public in ``dashboards/access.yaml``, and the datasets they use.
- ``Phân tích`` (analyst): every dashboard and dataset, SQL Lab on the serving
  database; never a dataset that carries a personal field.
- ``Đơn vị huyện`` (unit): the public dashboards plus those declared for units;
  each district unit account (UBND-<KEY>, TTYT-<KEY>) also holds the role
  ``Đơn vị huyện <code>``, whose row-level-security rules narrow every dataset
  with a district column to its own district.
- ``Admin``: Superset's own.

Everything is discovered by asking Superset (datasets, their columns,
dashboards and the datasets they use), so dashboards added later are covered
on the next ``apply_access``; a dashboard not declared is private. The plan is
computed by a pure function (``plan_access``) and then applied over REST,
idempotently.
"""
from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml

from dashboards.superset import SupersetClient

ACCESS_FILE = Path(__file__).with_name("access.yaml")

# Must equal AUTH_ROLE_PUBLIC in superset_config_security.py.
ROLE_PUBLIC = "Công chúng"
ROLE_ANALYST = "Phân tích"
ROLE_UNIT = "Đơn vị huyện"
ROLE_ADMIN = "Admin"
UNIT_EMAIL_DOMAIN = "portal.localhost"

# Columns row-level security filters on, in order of preference: a dataset with
# a district column is narrowed by district (whoever reported the row); a
# non-public one with only a unit column by the district's own units.
DISTRICT_COLUMNS = ("district_code",)
UNIT_COLUMNS = ("unit_code",)

# Superset 6.1's PUBLIC_ROLE_PERMISSIONS (what an anonymous viewer needs to
# render a dashboard), kept here so `superset init` never has a say.
PUBLIC_PERMISSIONS = {
    ("can_read", "Dashboard"), ("can_read", "Chart"),
    ("can_dashboard", "Superset"), ("can_slice", "Superset"), ("can_explore_json", "Superset"),
    ("can_dashboard_permalink", "Superset"), ("can_read", "DashboardPermalinkRestApi"),
    ("can_read", "DashboardFilterStateRestApi"), ("can_write", "DashboardFilterStateRestApi"),
    ("can_time_range", "Api"), ("can_query_form_data", "Api"), ("can_query", "Api"),
    ("can_read", "CssTemplate"), ("can_read", "Theme"),
    ("can_read", "EmbeddedDashboard"), ("can_read", "CurrentUserRestApi"),
    ("can_get", "Datasource"), ("can_external_metadata", "Datasource"),
    ("can_read", "Annotation"), ("can_read", "AnnotationLayerRestApi"),
    ("can_read", "ExplorePermalinkRestApi"),
    # Beyond Superset's set: the UI language pack (Vietnamese is the default)
    # and the frontend's event log, both asked for by every dashboard page.
    ("can_language_pack", "Superset"), ("can_log", "Superset"),
}
# A unit's staff also browse the lists and explore (and export) their own rows.
UNIT_PERMISSIONS = PUBLIC_PERMISSIONS | {
    ("can_read", "Dataset"), ("can_explore", "Superset"), ("can_read", "Explore"),
    ("can_read", "ExploreFormDataRestApi"), ("can_write", "ExploreFormDataRestApi"),
    ("can_csv", "Superset"), ("can_export", "Chart"), ("can_share_chart", "Superset"),
    ("can_share_dashboard", "Superset"), ("can_userinfo", "UserDBModelView"),
    ("can_read", "Tag"), ("can_list", "DynamicPlugin"),
    ("menu_access", "Dashboards"), ("menu_access", "Charts"), ("menu_access", "Datasets"),
    ("menu_access", "Home"), ("can_get", "MenuApi"), ("can_recent_activity", "Log"),
    ("can_read", "SecurityRestApi"),  # the CSRF token an API client needs for chart-data POSTs
    ("can_write", "CurrentUserRestApi"), ("can_read", "AvailableDomains"),
    ("can_this_form_get", "ResetMyPasswordView"), ("can_this_form_post", "ResetMyPasswordView"),
    ("resetmypassword", "UserDBModelView"),
    ("can_drill", "Dashboard"), ("can_view_chart_as_table", "Dashboard"),
}
# Analysts get what Superset's own Gamma and sql_lab roles get, read from the
# server so a Superset upgrade keeps them complete.
ANALYST_TEMPLATE_ROLES = ("Gamma", "sql_lab")
DATA_ACCESS_PERMISSIONS = {"database_access", "schema_access", "datasource_access", "catalog_access",
                           "all_datasource_access", "all_database_access", "all_query_access"}


class AccessError(RuntimeError):
    """The declaration or Superset's state does not allow a safe plan."""


# --- personal data -------------------------------------------------------------

def _schemas():
    from ingest.schema import all_schemas

    return all_schemas().values()


def personal_columns(columns: Iterable[str], schemas: Iterable | None = None) -> set[str]:
    """The columns of one dataset that are personal data, judged by the schemas.

    A name marked ``personal: true`` in a schema and never used as an ordinary
    field elsewhere (full_name, birth_year, sex) is personal wherever it shows.
    A name that is personal in one schema but ordinary in another
    (commune_name: where a patient lives, or where a checkpoint stands) is
    personal only beside that schema's grain (case_id), i.e. when the dataset
    is at the line list's row level; the grain itself then counts too, since
    a case id leads to the person.

    >>> sorted(personal_columns(["district_code", "full_name"]))
    ['full_name']
    """
    schemas = list(_schemas() if schemas is None else schemas)
    columns = {c.lower() for c in columns}
    ordinary = {f.name for s in schemas for f in s.fields if not f.personal}
    found: set[str] = set()
    for schema in schemas:
        personal = set(schema.personal_fields)
        if not personal:
            continue
        found |= (personal - ordinary) & columns
        if set(schema.grain) <= columns:
            found |= (personal | set(schema.grain)) & columns
    return found


# --- the plan --------------------------------------------------------------------

@dataclass
class Plan:
    """What each role may reach; computed from Superset's state, applied by apply_access."""

    personal: dict[int, list[str]] = field(default_factory=dict)     # dataset id -> personal columns
    rls_column: dict[int, str] = field(default_factory=dict)         # dataset id -> filtered column
    public_dashboards: list[str] = field(default_factory=list)      # slugs
    unit_dashboards: list[str] = field(default_factory=list)        # slugs (public ones included)
    refused: dict[str, str] = field(default_factory=dict)           # slug -> why it stays private
    undeclared_missing: list[str] = field(default_factory=list)     # declared slugs Superset lacks
    dashboard_roles: dict[int, list[str]] = field(default_factory=dict)
    datasets: dict[str, set[int]] = field(default_factory=dict)     # role -> dataset ids
    sql_lab_databases: set[int] = field(default_factory=set)


def load_declaration(path: Path = ACCESS_FILE) -> dict[str, list[str]]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    unknown = set(doc) - {"public", "unit"}
    if unknown:
        raise AccessError(f"{path.name}: khóa không hợp lệ {sorted(unknown)}; chỉ dùng 'public' và 'unit'.")
    return {"public": list(doc.get("public") or []), "unit": list(doc.get("unit") or [])}


def rls_column_of(columns: Iterable[str], public: bool = False) -> str | None:
    """The column a unit's rows are selected by, if any.

    A district column always. A unit column only on a dataset the public does
    not see: there it says whose rows they are (data quality by unit), while
    on a public dataset it is mere lineage (the department that issued a
    directive) and filtering by it would hide public figures from units.
    """
    names = set(columns)
    candidates = DISTRICT_COLUMNS if public else (*DISTRICT_COLUMNS, *UNIT_COLUMNS)
    return next((c for c in candidates if c in names), None)


def plan_access(datasets: dict[int, dict], dashboards: list[dict], declared: dict[str, list[str]],
                schemas: Iterable | None = None) -> Plan:
    """Decide every role's dashboards and datasets. Pure: no Superset needed.

    ``datasets``: id -> {"table_name", "columns": [names], "database_id"};
    ``dashboards``: [{"id", "slug", "dataset_ids"}].
    """
    schemas = list(_schemas() if schemas is None else schemas)
    plan = Plan()
    for ds_id, ds in datasets.items():
        if found := personal_columns(ds["columns"], schemas):
            plan.personal[ds_id] = sorted(found)
    by_slug = {d["slug"]: d for d in dashboards if d.get("slug")}
    plan.undeclared_missing = [s for s in (*declared["public"], *declared["unit"]) if s not in by_slug]

    def personal_in(dash: dict) -> list[str]:
        return sorted({c for i in dash["dataset_ids"] for c in plan.personal.get(i, [])})

    for slug in declared["public"]:
        if (dash := by_slug.get(slug)) is None:
            continue
        if cols := personal_in(dash):
            plan.refused[slug] = f"dùng trường thông tin cá nhân {', '.join(cols)}: không công khai"
            continue
        plan.public_dashboards.append(slug)
    public_ds = {i for s in plan.public_dashboards for i in by_slug[s]["dataset_ids"]}
    for ds_id, ds in datasets.items():
        if column := rls_column_of(ds["columns"], public=ds_id in public_ds):
            plan.rls_column[ds_id] = column
    plan.unit_dashboards = list(plan.public_dashboards)
    for slug in declared["unit"]:
        if (dash := by_slug.get(slug)) is None or slug in plan.unit_dashboards:
            continue
        if cols := personal_in(dash):
            plan.refused[slug] = f"dùng trường thông tin cá nhân {', '.join(cols)}: đơn vị không được xem"
            continue
        # Dashboard RBAC lets a role query every chart of a dashboard it may open;
        # a dataset with no district column would show units every district.
        unfiltered = sorted(datasets[i]["table_name"] for i in dash["dataset_ids"]
                            if i not in plan.rls_column and i not in public_ds)
        if unfiltered:
            plan.refused[slug] = (f"tập dữ liệu {', '.join(unfiltered)} không có cột huyện hay đơn vị "
                                  "để lọc theo huyện: đơn vị không được xem")
            continue
        plan.unit_dashboards.append(slug)

    for dash in dashboards:
        if personal_in(dash):
            # Non-empty roles keep DASHBOARD_RBAC from falling back to dataset access.
            roles = [ROLE_ADMIN]
        elif dash.get("slug") in plan.public_dashboards:
            roles = [ROLE_PUBLIC, ROLE_UNIT, ROLE_ANALYST]
        elif dash.get("slug") in plan.unit_dashboards:
            roles = [ROLE_UNIT, ROLE_ANALYST]
        else:
            roles = [ROLE_ANALYST]
        plan.dashboard_roles[dash["id"]] = roles

    unit_ds = {i for s in plan.unit_dashboards for i in by_slug[s]["dataset_ids"]}
    plan.datasets = {
        ROLE_PUBLIC: public_ds,
        ROLE_UNIT: unit_ds,
        ROLE_ANALYST: {i for i in datasets if i not in plan.personal},
    }
    # SQL Lab's database access reaches every table of the database, so only
    # databases holding no personal dataset are opened to analysts.
    tainted = {datasets[i]["database_id"] for i in plan.personal}
    plan.sql_lab_databases = {ds["database_id"] for ds in datasets.values()} - tainted
    return plan


# --- reading Superset ---------------------------------------------------------------

def read_catalog(client: SupersetClient) -> tuple[dict[int, dict], list[dict]]:
    """Every dataset with its column names, and every dashboard with its dataset ids."""
    datasets = {}
    for row in client.get_all("dataset"):
        detail = client.get_json(f"/api/v1/dataset/{row['id']}")["result"]
        datasets[row["id"]] = {
            "table_name": detail["table_name"],
            "columns": [c["column_name"] for c in detail.get("columns", [])],
            "database_id": detail["database"]["id"],
        }
    dashboards = []
    for row in client.get_all("dashboard"):
        used = client.get_json(f"/api/v1/dashboard/{row['id']}/datasets")["result"]
        dashboards.append({"id": row["id"], "slug": row.get("slug"), "title": row["dashboard_title"],
                           "dataset_ids": sorted({d["id"] for d in used})})
    return datasets, dashboards


# --- credentials ---------------------------------------------------------------------

def _read_credentials(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _write_credentials(path: Path, creds: dict) -> None:
    """Atomically, mode 0600, like portal.stack.ensure_credentials."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(creds, fh, indent=2, ensure_ascii=False)
    os.replace(tmp, path)


PASSWORDS_KEY = "superset_user_passwords"


def stored_password(credentials_path: Path, username: str) -> str | None:
    return _read_credentials(credentials_path).get(PASSWORDS_KEY, {}).get(username)


# --- applying -------------------------------------------------------------------------

def district_role(district_code: str) -> str:
    return f"{ROLE_UNIT} {district_code}"


def district_units() -> list:
    """UBND-<KEY> and TTYT-<KEY> of every district, from ingest/registry/units.csv."""
    from ingest.registry import load_registry

    return sorted((u for u in load_registry().units.values() if u.district_code),
                  key=lambda u: (u.district_code, u.unit_code))


class _Superset:
    """The few security endpoints apply_access needs, over one admin client."""

    def __init__(self, client: SupersetClient):
        self.client = client
        self.pvms = {(p["permission"]["name"], p["view_menu"]["name"]): p["id"]
                     for p in client.get_all("security/permissions-resources")}
        self.roles = {r["name"]: r["id"] for r in client.get_all("security/roles")}

    def role_id(self, name: str) -> int:
        if name not in self.roles:
            self.roles[name] = self.client.send_json("POST", "/api/v1/security/roles/", {"name": name})["id"]
        return self.roles[name]

    def role_permissions(self, name: str) -> set[tuple[str, str]]:
        if name not in self.roles:
            return set()
        rows = self.client.get_json(f"/api/v1/security/roles/{self.roles[name]}/permissions/")["result"]
        return {(r["permission_name"], r["view_menu_name"]) for r in rows}

    def data_pvms(self, permission: str, object_ids: set[int]) -> set[int]:
        """Ids of `permission` on the datasets/databases whose perm ends in (id:N)."""
        pattern = re.compile(r"\(id:(\d+)\)$")
        return {pid for (perm, view), pid in self.pvms.items()
                if perm == permission and (m := pattern.search(view)) and int(m.group(1)) in object_ids}

    def set_permissions(self, role: str, wanted: set[tuple[str, str]], extra_ids: set[int]) -> None:
        ids = {self.pvms[p] for p in wanted if p in self.pvms} | extra_ids
        self.client.send_json("POST", f"/api/v1/security/roles/{self.role_id(role)}/permissions",
                              {"permission_view_menu_ids": sorted(ids)})


def apply_access(client: SupersetClient, credentials_path: Path,
                 declaration_path: Path = ACCESS_FILE) -> dict[str, Any]:
    """Create or update roles, dashboard roles, RLS rules and unit accounts. Idempotent.

    Returns a summary: the plan's public/unit dashboards, refusals, the
    accounts created. Passwords of new accounts go to ``credentials_path``.
    """
    declared = load_declaration(declaration_path)
    datasets, dashboards = read_catalog(client)
    plan = plan_access(datasets, dashboards, declared)
    sup = _Superset(client)

    analyst_base = set().union(*(sup.role_permissions(r) for r in ANALYST_TEMPLATE_ROLES))
    analyst_base = {p for p in analyst_base if p[0] not in DATA_ACCESS_PERMISSIONS}
    sup.set_permissions(ROLE_PUBLIC, PUBLIC_PERMISSIONS,
                        sup.data_pvms("datasource_access", plan.datasets[ROLE_PUBLIC]))
    sup.set_permissions(ROLE_UNIT, UNIT_PERMISSIONS,
                        sup.data_pvms("datasource_access", plan.datasets[ROLE_UNIT]))
    sup.set_permissions(ROLE_ANALYST, analyst_base,
                        sup.data_pvms("datasource_access", plan.datasets[ROLE_ANALYST])
                        | sup.data_pvms("database_access", plan.sql_lab_databases))

    for dash in dashboards:
        body: dict[str, Any] = {"roles": [sup.role_id(r) for r in plan.dashboard_roles[dash["id"]]]}
        if dash["slug"] in plan.unit_dashboards:
            body["published"] = True  # DASHBOARD_RBAC opens only published dashboards
        client.send_json("PUT", f"/api/v1/dashboard/{dash['id']}", body)

    units = district_units()
    districts = sorted({u.district_code for u in units})
    for code in districts:
        # District roles carry no permission: they only select RLS rules.
        sup.set_permissions(district_role(code), set(), set())
    _apply_rls(client, sup, plan, districts, units)
    created = _apply_unit_users(client, sup, units, credentials_path)
    return {
        "public_dashboards": plan.public_dashboards,
        "unit_dashboards": plan.unit_dashboards,
        "refused": plan.refused,
        "declared_but_missing": plan.undeclared_missing,
        "personal_datasets": {datasets[i]["table_name"]: cols for i, cols in plan.personal.items()},
        "filtered_datasets": {datasets[i]["table_name"]: col for i, col in plan.rls_column.items()},
        "created_users": created,
    }


def _rls_clause(column: str, district_code: str, units: list) -> str:
    if column in DISTRICT_COLUMNS:
        return f"{column} = '{district_code}'"
    own = ", ".join(f"'{u.unit_code}'" for u in units if u.district_code == district_code)
    return f"{column} IN ({own})"


def _apply_rls(client: SupersetClient, sup: _Superset, plan: Plan, districts: list[str], units: list) -> None:
    existing = {r["name"]: r["id"] for r in client.get_all("rowlevelsecurity")}
    wanted: dict[str, dict] = {}
    for column in sorted(set(plan.rls_column.values())):
        tables = sorted(i for i, c in plan.rls_column.items() if c == column)
        for code in districts:
            name = f"{district_role(code)}: {column}"
            wanted[name] = {
                "name": name,
                "description": f"Đơn vị của huyện {code} chỉ thấy dòng của huyện mình (cột {column}).",
                "filter_type": "Regular",
                "tables": tables,
                "roles": [sup.role_id(district_role(code))],
                "group_key": "",
                "clause": _rls_clause(column, code, units),
            }
    for name, body in wanted.items():
        if name in existing:
            client.send_json("PUT", f"/api/v1/rowlevelsecurity/{existing[name]}", body)
        else:
            client.send_json("POST", "/api/v1/rowlevelsecurity/", body)
    # Rules of ours that no longer apply (a column gone from every dataset).
    for name, rule_id in existing.items():
        if name.startswith(ROLE_UNIT + " ") and name not in wanted:
            client.send_json("DELETE", f"/api/v1/rowlevelsecurity/{rule_id}")


def _users_by_name(client: SupersetClient) -> dict[str, dict]:
    return {u["username"]: u for u in client.get_all("security/users")}


def ensure_user(client: SupersetClient, credentials_path: Path, username: str, first_name: str,
                last_name: str, role_ids: list[int], existing: dict[str, dict] | None = None) -> bool:
    """Create the account (password generated and stored) or set its roles. True if created.

    An existing account keeps its password; a missing stored password gets a new one.
    """
    existing = _users_by_name(client) if existing is None else existing
    creds = _read_credentials(credentials_path)
    passwords = creds.setdefault(PASSWORDS_KEY, {})
    body: dict[str, Any] = {"first_name": first_name, "last_name": last_name or "-",
                            "email": f"{username.lower()}@{UNIT_EMAIL_DOMAIN}",
                            "roles": role_ids, "active": True}
    new_password = None
    if username not in passwords:
        new_password = passwords[username] = secrets.token_urlsafe(12)
        body["password"] = new_password
    if username in existing:
        client.send_json("PUT", f"/api/v1/security/users/{existing[username]['id']}", body)
        created = False
    else:
        if new_password is None:
            body["password"] = passwords[username]
        client.send_json("POST", "/api/v1/security/users/", {**body, "username": username})
        created = True
    if new_password is not None:
        _write_credentials(credentials_path, creds)
    return created


def _apply_unit_users(client: SupersetClient, sup: _Superset, units: list, credentials_path: Path) -> list[str]:
    existing = _users_by_name(client)
    created = []
    for unit in units:
        roles = [sup.role_id(ROLE_UNIT), sup.role_id(district_role(unit.district_code))]
        if ensure_user(client, credentials_path, unit.unit_code, unit.name, f"Huyện {unit.district_code}",
                       roles, existing):
            created.append(unit.unit_code)
    return created


def add_analyst(client: SupersetClient, credentials_path: Path, username: str, full_name: str) -> bool:
    """An analyst's account (role Phân tích); True if it was created."""
    sup = _Superset(client)
    first, _, last = full_name.rpartition(" ")
    return ensure_user(client, credentials_path, username, first or full_name, last,
                       [sup.role_id(ROLE_ANALYST)])


def list_users(client: SupersetClient, credentials_path: Path) -> list[dict]:
    """Every Superset account with its roles, and its password if this portal generated it."""
    passwords = _read_credentials(credentials_path).get(PASSWORDS_KEY, {})
    rows = []
    for user in sorted(_users_by_name(client).values(), key=lambda u: u["username"]):
        rows.append({"username": user["username"],
                     "name": f"{user['first_name']} {user['last_name']}".strip(),
                     "roles": sorted(r["name"] for r in user["roles"]),
                     "active": user["active"],
                     "password": passwords.get(user["username"])})
    return rows

