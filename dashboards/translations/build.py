"""Compile the portal's Superset language packs and install them where Superset reads them.

Runs in the Superset environment (it needs Babel, which Superset already depends
on). Superset 6.1 reads a language from two places, both fixed inside its own
package: Flask-Babel loads ``superset/translations/<lang>/LC_MESSAGES/messages.mo``
(menus, server-rendered text) and the React front end fetches
``/superset/language_pack/<lang>/``, which serves ``messages.json`` from the same
folder. So the install step writes both files into the installed ``superset``
package; the ``.po`` under ``dashboards/translations/<lang>/`` stays the source.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import sys
import tempfile
from importlib.util import find_spec
from pathlib import Path

import click
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

SOURCE_DIR = Path(__file__).resolve().parent
DOMAIN = "superset"


def superset_translations_dir() -> Path:
    """``superset/translations`` of the interpreter running this script (no import of superset)."""
    spec = find_spec("superset")
    if spec is None or not spec.submodule_search_locations:
        raise click.ClickException("superset is not installed in this Python environment")
    return Path(next(iter(spec.submodule_search_locations))) / "translations"


def load_catalog(po_path: Path):
    """Parse a .po; refuse fuzzy or placeholder-breaking entries instead of shipping them."""
    with po_path.open("rb") as fh:
        catalog = read_po(fh, abort_invalid=True)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        if message.fuzzy:
            problems.append(f"{po_path}:{message.lineno}: fuzzy entry {message.id!r}")
        for err in message.check(catalog):
            problems.append(f"{po_path}:{message.lineno}: {message.id!r}: {err}")
    if problems:
        raise click.ClickException("invalid catalogue:\n" + "\n".join(problems))
    return catalog


def to_mo(catalog) -> bytes:
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    return buf.getvalue()


def to_json(catalog, lang: str) -> bytes:
    """The Jed-style pack Superset's front end expects (same shape as its own messages.json).

    Untranslated entries are left out so the front end falls back to the English msgid.
    """
    data: dict = {"": {"domain": DOMAIN, "plural_forms": catalog.plural_forms, "lang": lang}}
    for message in catalog:
        if not message.id or not message.string:
            continue
        if message.pluralizable:
            forms = [s for s in message.string if s]
            if len(forms) != catalog.num_plurals:
                continue
            data[message.id[0]] = forms
        else:
            data[message.id] = [message.string]
    pack = {"domain": DOMAIN, "locale_data": {DOMAIN: data}}
    return (json.dumps(pack, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def _write_if_changed(path: Path, content: bytes) -> bool:
    """Atomic write; a new inode, so a hard-linked file from the package cache is never edited in place."""
    if path.exists() and path.read_bytes() == content:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as fh:
        fh.write(content)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    return True


def build(lang: str, dest: Path, source: Path = SOURCE_DIR) -> dict:
    """Compile ``<source>/<lang>/LC_MESSAGES/messages.po`` into ``dest/<lang>/LC_MESSAGES``.

    Returns ``{"lang", "messages", "mo", "json", "sha256", "changed"}``.
    """
    po_path = source / lang / "LC_MESSAGES" / "messages.po"
    catalog = load_catalog(po_path)
    out = dest / lang / "LC_MESSAGES"
    mo, js = to_mo(catalog), to_json(catalog, lang)
    changed = [name for name, content in (("messages.mo", mo), ("messages.json", js))
               if _write_if_changed(out / name, content)]
    return {
        "lang": lang,
        "messages": sum(1 for m in catalog if m.id and m.string),
        "mo": str(out / "messages.mo"),
        "json": str(out / "messages.json"),
        "sha256": hashlib.sha256(po_path.read_bytes()).hexdigest(),
        "changed": changed,
    }


def source_languages(source: Path = SOURCE_DIR) -> list[str]:
    return sorted(p.parent.parent.name for p in source.glob("*/LC_MESSAGES/messages.po"))


@click.command()
@click.option("--dest", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder holding <lang>/LC_MESSAGES (default: the installed superset/translations).")
@click.option("--source", type=click.Path(file_okay=False, exists=True, path_type=Path), default=SOURCE_DIR,
              show_default=True, help="Folder holding <lang>/LC_MESSAGES/messages.po.")
@click.option("--lang", "langs", multiple=True, help="Only these languages (default: every .po in --source).")
def main(dest: Path | None, source: Path, langs: tuple[str, ...]) -> None:
    """Compile the language packs (.po -> .mo + messages.json) and install them into Superset.

    Idempotent: files whose content is already current are left untouched.

    Example:

        .venv/superset/bin/python dashboards/translations/build.py
    """
    dest = dest or superset_translations_dir()
    for lang in langs or source_languages(source):
        result = build(lang, dest, source)
        click.echo(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    sys.exit(main())
