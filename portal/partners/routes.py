from datetime import date

from flask import render_template, request
from flask_login import current_user

from ..csv_export import csv_response
from ..extensions import db
from ..models import Partner, SaleLine
from ..pagination import paginate
from ..security import Perm, get_visible_or_404, requires
from . import bp, services

EXPORT_BATCH = 5000


def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _sales_filters() -> dict:
    partner_id = request.args.get("partner", type=int)
    if partner_id:
        get_visible_or_404(Partner, partner_id)
    return {"partner_id": partner_id, "start": _date_arg("start"), "end": _date_arg("end")}


@bp.get("/partners")
@requires(Perm.VIEW_PARTNERS)
def index():
    search = request.args.get("q", "").strip()[:100]
    page = paginate(services.partners_query(current_user, search))
    assignments = services.current_assignments([p.id for p in page.items])
    return render_template("partners/index.html", page=page, q=search, assignments=assignments)


@bp.get("/partners/<int:partner_id>")
@requires(Perm.VIEW_PARTNERS)
def detail(partner_id):
    partner = get_visible_or_404(Partner, partner_id)
    totals = services.sales_totals_for_partner(current_user, partner.id)
    return render_template(
        "partners/detail.html", partner=partner, totals=totals, today=date.today()
    )


@bp.get("/sales")
@requires(Perm.VIEW_SALES)
def sales():
    filters = _sales_filters()
    page = paginate(services.sales_query(current_user, **filters))
    return render_template("partners/sales.html", page=page, filters=filters, args=request.args)


@bp.get("/sales/export.csv")
@requires(Perm.EXPORT_SALES)
def sales_export():
    stmt = services.sales_query(current_user, **_sales_filters())
    header = [
        "external_id",
        "partner_code",
        "sku",
        "sold_on",
        "quantity",
        "amount",
        "currency",
        "deal_ref",
    ]
    stmt = stmt.execution_options(yield_per=EXPORT_BATCH)

    def rows():  # runs while the file is sent, in the download's own session
        return (
            (
                line.external_id,
                line.partner.code,
                line.product.sku,
                line.sold_on.isoformat(),
                line.quantity,
                line.amount,
                line.currency,
                line.deal_ref or "",
            )
            for line in db.session.scalars(stmt)
        )

    return csv_response("sales.csv", header, rows)


@bp.get("/sales/<int:line_id>")
@requires(Perm.VIEW_SALES)
def sale(line_id):
    line = get_visible_or_404(SaleLine, line_id)
    return render_template("partners/sale.html", line=line)


@bp.get("/territories")
@requires(Perm.VIEW_TERRITORIES)
def territories():
    tree = services.territory_tree(current_user)
    counts = services.partner_counts_by_territory([t.id for t in tree])
    return render_template("partners/territories.html", tree=tree, counts=counts)
