"""Superset's own screens in Vietnamese first, English second.

Loaded at the end of superset_config.py, whose loader copies the UPPER-CASE
names below over its own. The Vietnamese pack itself is compiled from
dashboards/translations/vi/LC_MESSAGES/messages.po by
dashboards/translations/build.py (run by bin/portal at install time) into the
installed superset/translations/vi/LC_MESSAGES/, the only place Superset 6.1
reads a language from. Runs inside the Superset environment: no project imports.
"""
from __future__ import annotations

import re
from importlib.util import find_spec
from pathlib import Path

# Order matters: the first is what the language switcher in the navbar lists first.
LANGUAGES = {
    "vi": {"flag": "vn", "name": "Tiếng Việt"},
    "en": {"flag": "us", "name": "English"},
}
# A visitor without a chosen language (every citizen, and the login page) gets Vietnamese.
BABEL_DEFAULT_LOCALE = "vi"


def _translations_dir() -> Path | None:
    spec = find_spec("superset")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "translations"


_PACK_PATH = re.compile(r"^/superset/language_pack/([a-z]{2,3}(?:_[A-Z]{2})?)/?$")


class _PublicLanguagePack:
    """Serve the front end's language pack to anonymous visitors too.

    Superset 6.1 guards /superset/language_pack/<lang>/ with @has_access, so the
    login page (and a public dashboard whose role lacks that permission) gets a
    redirect instead of JSON, and the React app silently falls back to English.
    The pack is Superset's own interface text, nothing private, so it is served
    here before authentication, for the configured languages only.
    """

    def __init__(self, wsgi_app, translations: Path | None = None):
        self.wsgi_app = wsgi_app
        self.translations = translations or _translations_dir()

    def __call__(self, environ, start_response):
        match = _PACK_PATH.match(environ.get("PATH_INFO", ""))
        if match and environ.get("REQUEST_METHOD") in ("GET", "HEAD") and self.translations:
            lang = match.group(1)
            path = self.translations / lang / "LC_MESSAGES" / "messages.json"
            if lang in LANGUAGES and lang != "en" and path.is_file():
                body = path.read_bytes()
                start_response("200 OK", [
                    ("Content-Type", "application/json; charset=utf-8"),
                    ("Content-Length", str(len(body))),
                    ("Cache-Control", "no-cache"),
                ])
                return [b"" if environ["REQUEST_METHOD"] == "HEAD" else body]
        return self.wsgi_app(environ, start_response)


ADDITIONAL_MIDDLEWARE = [_PublicLanguagePack]
