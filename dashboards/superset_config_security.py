"""Roles and public access: the Superset settings that dashboards/roles.py relies on.

Loaded at the end of superset_config.py; its UPPER-CASE names override the
config. Runs inside the Superset environment, so it imports no project code:
the role names below are repeated in dashboards/roles.py (a test checks that
both agree).
"""
from __future__ import annotations

# The citizen portal opens without login: an anonymous visitor acts with this
# role's permissions. roles.py sets those permissions itself (no
# PUBLIC_ROLE_LIKE), so `superset init` never widens or resets them.
AUTH_ROLE_PUBLIC = "Công chúng"
PUBLIC_ROLE_LIKE = None

# New self-registered accounts would get a role by default; accounts are only
# made by `portal access apply`, so there is no self-registration.
AUTH_USER_REGISTRATION = False

# DASHBOARD_RBAC: a dashboard with roles opens only for those roles. roles.py
# gives every dashboard at least one role, so the fallback "any user who can
# read one of its datasets may open it" never lets a private dashboard through
# a dataset it shares with a public one.
try:  # keep the flags another config section (the language pack) may set
    from superset_config_language import FEATURE_FLAGS as _OTHER_FLAGS  # type: ignore
except ImportError:
    _OTHER_FLAGS = {}
FEATURE_FLAGS = {**_OTHER_FLAGS, "DASHBOARD_RBAC": True}


# FAB's @protect serves an endpoint the public role may use WITHOUT reading
# the request's JWT, so once anonymous visitors can read dashboards, every API
# client (the pipeline's admin, a unit's account) would be served as the
# anonymous public: no row-level security, private dashboards hidden. Reading
# the bearer token first makes the token's user the request's user everywhere.
# An invalid or expired token is refused (401) rather than silently downgraded,
# so clients log in again instead of receiving the public view.
try:
    from superset_config_language import FLASK_APP_MUTATOR as _OTHER_MUTATOR  # type: ignore
except ImportError:
    _OTHER_MUTATOR = None


def FLASK_APP_MUTATOR(app):  # noqa: N802 (Superset's config name)
    if _OTHER_MUTATOR is not None:
        _OTHER_MUTATOR(app)
    from flask import jsonify, request
    from flask_jwt_extended import verify_jwt_in_request

    @app.before_request
    def _portal_bearer_identity():
        if not request.headers.get("Authorization", "").startswith("Bearer "):
            return None
        try:
            verify_jwt_in_request()  # its user loader sets g.user
        except Exception as exc:  # noqa: BLE001 (any token failure means: log in again)
            return jsonify({"msg": f"invalid token: {exc}"}), 401
        return None
