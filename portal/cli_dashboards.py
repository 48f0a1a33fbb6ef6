"""The `portal` CLI's dashboard commands: exporting and importing the Superset assets.

A thin click layer over the functions the DAG tasks call; each command's
docstring is its --help, with an example."""
from __future__ import annotations

import sys
from pathlib import Path

import click


def _client():
    from dashboards.superset import SupersetClient
    from ingest.settings import load_settings
    from portal.stack import ensure_credentials

    settings = load_settings()
    creds = ensure_credentials(settings)
    return settings, SupersetClient(settings.superset_url, creds["superset_admin_user"],
                                    creds["superset_admin_password"])


@click.group()
def dashboards() -> None:
    """Dashboard dưới dạng mã: xuất từ Superset vào git và nhập lại.

    Example: portal dashboards export
    """


@dashboards.command("export")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Thư mục đích (mặc định: dashboards/assets/ của kho mã).")
def export_cmd(out: Path | None) -> None:
    """Export every dashboard, chart, dataset and database from the running
    Superset into the dashboards/assets/ layout, ready to commit.

    Ids of this server become 0 and the serving file's path becomes the
    placeholder again, so exporting unchanged assets leaves git unchanged.

    Example: PORTAL_SUPERSET_URL=http://127.0.0.1:8088 portal dashboards export --out /tmp/assets
    """
    from dashboards.superset import ASSETS_DIR, SupersetError

    _, client = _client()
    try:
        written = client.export_assets(out or ASSETS_DIR)
    except (SupersetError, OSError) as exc:
        click.echo(f"Lỗi: {exc}", err=True)
        sys.exit(1)
    click.echo(f"Đã xuất {len(written)} tệp vào {out or ASSETS_DIR}.")


@dashboards.command("import")
def import_cmd() -> None:
    """Import (create or overwrite) dashboards/assets/ into the running Superset.

    Deploying runs the same import, so YAML changed in git replaces what is on
    the server.

    Example: PORTAL_SUPERSET_URL=http://127.0.0.1:8088 portal dashboards import
    """
    from dashboards.superset import SupersetError

    settings, client = _client()
    try:
        client.import_assets(settings.serving_path)
    except (SupersetError, OSError) as exc:
        click.echo(f"Lỗi: {exc}", err=True)
        sys.exit(1)
    click.echo("Đã nhập dashboard vào Superset.")


def register(main: click.Group) -> None:
    """Add this module's commands to the `portal` group."""
    main.add_command(dashboards)
