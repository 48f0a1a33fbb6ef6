"""The `portal` CLI's access commands: Superset roles and the units' accounts.

A thin click layer over the functions the DAG tasks call; each command's
docstring is its --help, with an example."""
from __future__ import annotations

import json
import sys

import click


def _admin_client():
    from dashboards.superset import SupersetClient
    from ingest.settings import load_settings
    from portal.stack import ensure_credentials

    settings = load_settings()
    creds = ensure_credentials(settings)
    client = SupersetClient(settings.superset_url, creds["superset_admin_user"], creds["superset_admin_password"])
    return settings, client


def _fail(exc: Exception) -> None:
    click.echo(f"Lỗi: {exc}", err=True)
    sys.exit(1)


@click.group()
def access() -> None:
    """Quyền truy cập Superset: vai trò, bảo mật theo dòng, tài khoản đơn vị.

    Example: portal access apply
    """


@access.command()
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
def apply(as_json: bool) -> None:
    """Create or update roles, dashboard access, row-level security and unit accounts.

    Idempotent; run after dashboards change (portal up runs it). Public
    dashboards are those listed in dashboards/access.yaml; passwords of new
    accounts are stored in PORTAL_HOME/credentials.json.

    Example: PORTAL_SUPERSET_URL=http://127.0.0.1:8088 portal access apply
    """
    from dashboards.roles import AccessError, apply_access
    from dashboards.superset import SupersetError

    settings, client = _admin_client()
    try:
        summary = apply_access(client, settings.credentials_path)
    except (AccessError, SupersetError) as exc:
        _fail(exc)
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
        return
    click.echo(f"Bảng điều khiển công khai (không cần đăng nhập): {', '.join(summary['public_dashboards']) or 'không có'}")
    click.echo(f"Bảng điều khiển cho đơn vị huyện: {', '.join(summary['unit_dashboards']) or 'không có'}")
    click.echo(f"Tập dữ liệu lọc theo huyện: {len(summary['filtered_datasets'])}")
    for slug, why in summary["refused"].items():
        click.echo(f"Cảnh báo: '{slug}' {why}.")
    for slug in summary["declared_but_missing"]:
        click.echo(f"Cảnh báo: '{slug}' có trong dashboards/access.yaml nhưng không có trên Superset.")
    if summary["created_users"]:
        click.echo(f"Đã tạo {len(summary['created_users'])} tài khoản; xem mật khẩu: portal access users")


@access.command()
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON (có mật khẩu).")
def users(as_json: bool) -> None:
    """List Superset accounts with their roles (and generated passwords with --json).

    Example: portal access users --json
    """
    from dashboards.roles import list_users
    from dashboards.superset import SupersetError

    settings, client = _admin_client()
    try:
        rows = list_users(client, settings.credentials_path)
    except SupersetError as exc:
        _fail(exc)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        state = "" if row["active"] else " (đã khóa)"
        click.echo(f"{row['username']:<18} {', '.join(row['roles']):<40} {row['name']}{state}")


@access.command("add-analyst")
@click.argument("username")
@click.option("--name", "full_name", required=True, help="Họ và tên người dùng.")
def add_analyst_cmd(username: str, full_name: str) -> None:
    """Create an analyst account (role Phân tích); the password goes to credentials.json.

    Example: portal access add-analyst phantich1 --name "Nguyễn Thị Bình"
    """
    from dashboards.roles import add_analyst, stored_password
    from dashboards.superset import SupersetError

    settings, client = _admin_client()
    try:
        created = add_analyst(client, settings.credentials_path, username, full_name)
    except SupersetError as exc:
        _fail(exc)
    verb = "Đã tạo" if created else "Đã cập nhật"
    click.echo(f"{verb} tài khoản {username}; mật khẩu: {stored_password(settings.credentials_path, username)}")


def register(main: click.Group) -> None:
    """Add this module's commands to the `portal` group."""
    main.add_command(access)
