from flask import abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from workflows import enqueue

from ..changes import REFUSED, commit_or_show
from ..extensions import db
from ..models import ImportBatch
from ..pagination import paginate
from ..progress import count, progress_response
from ..security import Perm, requires
from . import bp
from .forms import UploadForm
from .services import start_upload_import


@bp.route("/", methods=["GET", "POST"])
@requires(Perm.IMPORT_DATA)
def index():
    form = UploadForm()

    def upload():
        return start_upload_import(
            form.kind.data, form.file.data, dry_run=form.dry_run.data, actor=current_user
        )

    if form.validate_on_submit() and (batch := commit_or_show(upload)) is not REFUSED:
        enqueue.run_task(batch.task_id)
        return redirect(url_for("imports.detail", batch_id=batch.id))
    page = paginate(select(ImportBatch).order_by(ImportBatch.id.desc()), per_page=20)
    return render_template("imports/index.html", form=form, page=page)


@bp.get("/<int:batch_id>")
@requires(Perm.IMPORT_DATA)
def detail(batch_id):
    batch = db.get_or_404(ImportBatch, batch_id)
    return render_template("imports/detail.html", batch=batch)


@bp.get("/<int:batch_id>/status.json")
@requires(Perm.IMPORT_DATA)
def status(batch_id):
    batch = db.get_or_404(ImportBatch, batch_id)
    task = batch.task
    if task is None:
        abort(404)
    return progress_response(
        status=batch.status,
        percent=task.percent,
        finished=batch.status in ("done", "failed"),
        counted=_(
            "%(done)s of %(total)s rows",
            done=count(task.progress_done),
            total=count(task.progress_total),
        ),
        done=task.progress_done,
        total=task.progress_total,
    )
