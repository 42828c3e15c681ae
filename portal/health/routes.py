from flask import jsonify, render_template

from ..security import Perm, requires
from . import bp
from .services import overall


@bp.get("/ping")
def ping():
    """The cheapest page the app serves (no database, no Redis): the baseline for load tests."""
    return "pong", 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.get("/live")
def live():
    """Liveness for load balancers: reveals only up or down."""
    checks = overall()
    ok = checks["database"].ok and checks["redis"].ok
    return jsonify(status="ok" if ok else "degraded"), 200 if ok else 503


@bp.get("/")
@requires(Perm.VIEW_HEALTH)
def index():
    return render_template("health/index.html", checks=overall())
