"""Sales lines in bulk, through the same importer as the CSV files."""

from flask_login import current_user

from ...extensions import db
from ...security import Perm
from .. import serializers, services
from ..errors import ApiError
from ..registry import operation


@operation(
    "POST",
    "/sales-lines/bulk",
    "createSaleLines",
    summary="Create or restate sales lines, all or nothing",
    description="Each line is checked exactly like a row of the sales CSV import; one bad line "
    "rejects the request (422, every problem listed by line index) and nothing is written. "
    "`external_id` identifies a line: sending it again with the same content changes nothing, "
    "with different content restates it. Up to 50,000 lines per request.",
    tag="sales",
    perm=Perm.IMPORT_DATA,
    body="SalesBulkRequest",
    response="SalesBulkResult",
)
def create_sale_lines(body):
    dry_run = body.get("dry_run", False)
    result = services.import_sale_lines(body["lines"], actor=current_user, dry_run=dry_run)
    db.session.commit()  # the import's audit event, refused or not; its rows only when ok
    if not result.ok:
        raise ApiError(
            422,
            "import_rejected",
            f"{result.error_count} problem(s) found; nothing was written.",
            services.import_problems(result),
        )
    return serializers.shown("SalesBulkResult", result, dry_run=dry_run)
