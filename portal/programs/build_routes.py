"""The program builder's pages: the structured form, its simulation, and saving a simulated
draft. Every path ends in `services.save_program` or `services.parse_program`, like the YAML
editor's."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from workflows import enqueue
from workflows.calc.simulation import request_simulation
from workflows.engine import PeriodError, Problem, SpecError, parse_period, spec_from_dict
from workflows.engine.loading import DocumentError, load_document
from workflows.engine.spec import spec_to_dict

from ..changes import refusal_message
from ..extensions import db
from ..forms import ConfirmForm
from ..inputs import query_int
from ..models import Program
from ..progress import count, progress_response
from ..security import Perm, requires
from . import bp, services
from .builder import (
    BuilderForm,
    document_from_form,
    form_data_from_spec,
    yaml_source,
)
from .field_errors import errors_by_field
from .simulations import simulation

NEW_PROGRAM = {"kind": "rebate", "measure": "revenue", "payee": "partner", "mode": "retroactive"}


def _draft_data(task_id: int | None) -> dict | None:
    """Form values from a simulated draft (?draft=<task id>), or None."""
    found = simulation(task_id) if task_id is not None else None
    if found is None:
        return None
    try:
        return form_data_from_spec(spec_to_dict(spec_from_dict(load_document(found.source))))
    except (DocumentError, SpecError):
        return None


def _initial(program: Program | None) -> dict:
    draft = _draft_data(query_int("draft"))
    if draft is not None:
        return draft
    if program is not None:
        return form_data_from_spec(services.current_version(program).spec)
    return {**NEW_PROGRAM, "currency": current_app.config["BASE_CURRENCY"]}


def _simulate(form: BuilderForm, source: str, program: Program | None):
    """Validate the draft and the period, record the task; a redirect, or field errors."""
    period_text = (form.simulate_period.data or "").strip()
    if not period_text:
        return None, {"simulate_period": [_("Give a period to simulate on.")]}
    try:
        period = parse_period(period_text)
    except PeriodError as exc:
        return None, {"simulate_period": [refusal_message(exc)]}
    spec = services.parse_program(source, "yaml")
    services.refuse_code_change(spec, program)
    task = request_simulation(spec, source, period, actor=current_user, program=program)
    db.session.commit()
    enqueue.run_task(task.id)
    return redirect(url_for("programs.simulation_detail", task_id=task.id)), {}


def _save(source: str, program: Program | None):
    saved, version, created = services.save_program(
        source, actor=current_user, fmt="yaml", program=program
    )
    db.session.commit()
    if created:
        flash(_("Saved as version %(version)s.", version=version.version), "success")
    else:
        flash(_("Nothing changed: the definition equals the current version."), "info")
    return redirect(url_for("programs.detail", program_id=saved.id))


def _builder(program: Program | None):
    form = BuilderForm(data=_initial(program))
    form.fill_pickers()
    errors: dict[str, list[str]] = {}
    general: list[tuple[str, str]] = []
    if form.validate_on_submit():
        doc, band_rows = document_from_form(form)
        source = yaml_source(doc)
        try:
            if form.simulate.data:
                done, errors = _simulate(form, source, program)
            else:
                done = _save(source, program)
            if done is not None:
                return done
        except SpecError as exc:
            db.session.rollback()
            errors, general = errors_by_field(exc.problems, band_rows, _)
    form.pad_bands()
    status = 422 if errors or general or form.errors else 200
    return render_template(
        "programs/build.html", form=form, errors=errors, general=general, program=program
    ), status


@bp.route("/build", methods=["GET", "POST"])
@requires(Perm.MANAGE_PROGRAMS)
def build():
    return _builder(None)


@bp.route("/<int:program_id>/build", methods=["GET", "POST"])
@requires(Perm.MANAGE_PROGRAMS)
def rebuild(program_id):
    return _builder(db.get_or_404(Program, program_id))


@bp.get("/simulations/<int:task_id>")
@requires(Perm.MANAGE_PROGRAMS)
def simulation_detail(task_id):
    found = simulation(task_id) or abort(404)
    return render_template("programs/simulation.html", sim=found, form=ConfirmForm())


@bp.get("/simulations/<int:task_id>/status.json")
@requires(Perm.MANAGE_PROGRAMS)
def simulation_status(task_id):
    task = (simulation(task_id) or abort(404)).task
    return progress_response(
        status=task.status,
        percent=task.percent,
        finished=task.finished,
        counted=_(
            "%(done)s of %(total)s calculations done",
            done=count(task.progress_done),
            total=count(task.progress_total or 2),
        ),
    )


@bp.post("/simulations/<int:task_id>/save")
@requires(Perm.MANAGE_PROGRAMS)
def simulation_save(task_id):
    found = simulation(task_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        return _save(found.source, found.program)
    except SpecError as exc:
        db.session.rollback()
        for problem in exc.problems:
            flash(_problem_text(problem), "danger")
        return redirect(url_for("programs.simulation_detail", task_id=task_id))


def _problem_text(problem: Problem) -> str:
    message = problem.render(_, format_date)
    return f"{problem.path}: {message}" if problem.path else message
