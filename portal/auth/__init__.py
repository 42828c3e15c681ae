from flask import Blueprint

bp = Blueprint("auth", __name__)

# A user's own security (password, sessions) is never held behind a gate (agreement, application).
ACCOUNT_ENDPOINTS = frozenset(
    {"auth.account", "auth.password", "auth.revoke", "auth.sign_out_everywhere"}
)

from . import account, recovery, routes, sso_routes  # noqa: E402, F401
