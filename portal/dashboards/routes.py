from datetime import date

from flask import redirect, render_template, url_for
from flask_login import current_user

from ..models import Territory
from ..security import Perm, get_visible_or_404, requires
from . import bp, cache, manager, services


@bp.get("/territories")
@requires(Perm.VIEW_TERRITORIES)
def territories():
    tops = manager.top_nodes(current_user)
    if len(tops) == 1:
        return redirect(url_for("dashboards.territory", territory_id=tops[0].id))
    return render_template("dashboards/territories.html", tops=tops)


@bp.get("/territories/<int:territory_id>")
@requires(Perm.VIEW_TERRITORIES)
def territory(territory_id):
    return cache.page(f"territory-{territory_id}", lambda: _render_territory(territory_id))


def _render_territory(territory_id: int) -> str:
    node = get_visible_or_404(Territory, territory_id)  # a refusal is never kept
    today = date.today()
    ancestors, children = manager.visible_around(current_user, node)
    return render_template(
        "dashboards/territory.html",
        node=node,
        ancestors=ancestors,
        rows=services.territory_rows(current_user, node, today, children),
        quarter=manager.quarter_bounds(today)[0],
        today=today,
    )
