"""Superset configuration for the Thanh Hóa COVID-19 portal.

Loaded by Superset through ``SUPERSET_CONFIG_PATH`` (see ``dashboards/server.py``).
It runs inside the Superset environment, so it must not import project code:
everything it needs comes from environment variables set by ``superset_env()``.

Two modes:
- embedded (default): SQLite metadata and file-system caches under
  ``$PORTAL_HOME/superset``; one machine, a few gunicorn workers.
- scaled out: ``PORTAL_SUPERSET_DATABASE_URI`` (PostgreSQL) and
  ``PORTAL_REDIS_URL`` both set; metadata in PostgreSQL, caches in Redis.
"""
from __future__ import annotations

import os
from pathlib import Path

_REPO_ROOT = Path(__file__).resolve().parent.parent
# Same default as ingest/settings.py, so a bare `superset` command finds the same portal.
PORTAL_HOME = Path(os.environ.get("PORTAL_HOME", _REPO_ROOT / "var")).resolve()
SUPERSET_STATE = PORTAL_HOME / "superset"

# Sessions and encrypted DB credentials depend on it; a default key would be a
# publicly known key, so refuse to start without one.
SECRET_KEY = os.environ.get("PORTAL_SUPERSET_SECRET_KEY", "")
if not SECRET_KEY:
    raise RuntimeError(
        "PORTAL_SUPERSET_SECRET_KEY is not set; start Superset through dashboards/server.py"
    )

_database_uri = os.environ.get("PORTAL_SUPERSET_DATABASE_URI", "")
_redis_url = os.environ.get("PORTAL_REDIS_URL", "")
SCALED_OUT = bool(_database_uri and _redis_url)

if SCALED_OUT:
    SQLALCHEMY_DATABASE_URI = _database_uri

    def _cache(prefix: str, timeout: int) -> dict:
        return {
            "CACHE_TYPE": "RedisCache",
            "CACHE_REDIS_URL": _redis_url,
            "CACHE_KEY_PREFIX": prefix,
            "CACHE_DEFAULT_TIMEOUT": timeout,
        }
else:
    # `timeout`: with 2+ gunicorn workers writing logs/keys, SQLite must wait for
    # the write lock instead of failing at once with "database is locked".
    SQLALCHEMY_DATABASE_URI = (
        f"sqlite:///{SUPERSET_STATE / 'superset.db'}?check_same_thread=false&timeout=30"
    )

    def _cache(prefix: str, timeout: int) -> dict:
        # A file cache (not SimpleCache) so every gunicorn worker sees the same
        # entries, and an invalidation in one worker holds for all.
        return {
            "CACHE_TYPE": "FileSystemCache",
            "CACHE_DIR": str(SUPERSET_STATE / "cache" / prefix.strip("_")),
            "CACHE_KEY_PREFIX": prefix,
            "CACHE_DEFAULT_TIMEOUT": timeout,
            "CACHE_THRESHOLD": 5000,
        }


_DAY = 24 * 3600
# POST /api/v1/cachekey/invalidate deletes the recorded keys from the DEFAULT
# cache, while chart results live in the DATA cache. Pointing both at the same
# store (same dir/prefix) is what makes that endpoint actually drop chart data.
CACHE_CONFIG = _cache("portal_data_", _DAY)
DATA_CACHE_CONFIG = _cache("portal_data_", _DAY)
FILTER_STATE_CACHE_CONFIG = {**_cache("portal_filter_", 90 * _DAY), "REFRESH_TIMEOUT_ON_RETRIEVAL": True}
EXPLORE_FORM_DATA_CACHE_CONFIG = {**_cache("portal_explore_", 7 * _DAY), "REFRESH_TIMEOUT_ON_RETRIEVAL": True}
# Record which cache keys belong to which dataset, so a publish can invalidate
# exactly the charts of the tables it replaced.
STORE_CACHE_KEYS_IN_METADATA_DB = True

# REST clients authenticate with a JWT but Flask-WTF still checks CSRF on
# writes; the client fetches /api/v1/security/csrf_token/. Keep it on for browsers.
WTF_CSRF_ENABLED = True
WTF_CSRF_TIME_LIMIT = None  # a token lives as long as the session

# Offline machine: nothing may reach the internet (no tiles, no CDN fonts, no
# telemetry pixel). The CSP below is Superset's default minus every external host,
# so a browser would refuse such requests even if some bundle tried.
MAPBOX_API_KEY = ""
DECKGL_BASE_MAP = None
THEME_FONT_URL_ALLOWED_DOMAINS: list[str] = []
TALISMAN_ENABLED = True
TALISMAN_CONFIG = {
    "content_security_policy": {
        "base-uri": ["'self'"],
        "default-src": ["'self'"],
        "img-src": ["'self'", "blob:", "data:"],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": "'none'",
        "style-src": ["'self'", "'unsafe-inline'"],
        "font-src": ["'self'", "data:"],
        "script-src": ["'self'", "'strict-dynamic'"],
    },
    "content_security_policy_nonce_in": ["script-src"],
    "force_https": False,
    "session_cookie_secure": False,
}

APP_NAME = "Cổng dữ liệu COVID-19 Thanh Hóa"
# English UI until the Vietnamese language pack (superset_config_language.py) sets its own.
BABEL_DEFAULT_LOCALE = "en"
# Vietnamese number/date conventions for charts: 1.234.567 and dd/mm/yyyy.
D3_FORMAT = {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", " ₫"]}
D3_TIME_FORMAT = {
    "dateTime": "%H:%M:%S %d/%m/%Y",
    "date": "%d/%m/%Y",
    "time": "%H:%M:%S",
    "periods": ["SA", "CH"],
    "days": ["Chủ nhật", "Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy"],
    "shortDays": ["CN", "T2", "T3", "T4", "T5", "T6", "T7"],
    "months": [f"Tháng {m}" for m in range(1, 13)],
    "shortMonths": [f"Th{m}" for m in range(1, 13)],
}

# Sections kept beside the files they configure, each its own module in this
# folder: the language pack (superset_config_language.py) and the roles and
# public access (superset_config_security.py). Loaded last, so they win.
import sys as _sys  # noqa: E402

_sys.path.insert(0, str(Path(__file__).resolve().parent))
for _section in ("superset_config_language", "superset_config_security"):
    if Path(__file__).with_name(_section + ".py").exists():
        _module = __import__(_section)
        globals().update({k: v for k, v in vars(_module).items() if k.isupper()})
