from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from workflows import enqueue
from workflows.calc import runs, settlement
from workflows.engine import PeriodError, parse_period
from workflows.rewards import contest_awards

from ..changes import commit_or_refuse, confirmed, refuse
from ..csv_export import csv_response
from ..extensions import db
from ..formatting import points as points_text
from ..forms import ConfirmForm
from ..inputs import query_int
from ..models import CalcResult, CalcRun, ClosedPeriod, Program
from ..pagination import paginate
from ..progress import count, progress_response
from ..security import Perm, get_unscoped_or_404, get_visible_or_404, requires
from . import bp, presenters, queries
from . import history as history_service
from .forms import ClosePeriodForm, StartRunForm
from .road import recent_approved_settlements, road_for, roads_for


@bp.post("/programs/<int:program_id>/runs")
@requires(Perm.RUN_CALCULATIONS)
def start(program_id):
    program = get_unscoped_or_404(Program, program_id)
    form = confirmed(StartRunForm())
    run = commit_or_refuse(
        lambda: runs.start_run(
            program, parse_period(form.period.data), kind=form.kind.data, actor=current_user
        ),
        back=url_for("programs.detail", program_id=program.id),
    )
    enqueue.calc_run(run.id, run.shards_total)
    return redirect(url_for("calc.run", run_id=run.id))


@bp.get("/runs")
@requires(Perm.RUN_CALCULATIONS)
def run_list():
    history = request.args.get("history") == "1"
    page = paginate(queries.runs_query(history), per_page=25)
    return render_template(
        "calc/runs.html",
        page=page,
        history=history,
        replaced_by=history_service.successors(run.id for run in page.items) if history else {},
    )


@bp.get("/runs/<int:run_id>")
@requires(Perm.RUN_CALCULATIONS)
def run(run_id):
    run = get_unscoped_or_404(CalcRun, run_id)
    page = paginate(queries.results_query(run, current_user)) if run.status == "done" else None
    return render_template(
        "calc/run.html",
        run=run,
        page=page,
        unusable=queries.unusable_lines(run) if run.unusable_count else [],
        per_unit=queries.per_unit(run),
        replaced_by=history_service.successor(run) if run.status == "done" else None,
        replaced=history_service.predecessor(run) if run.status == "done" else None,
        road=road_for(run, current_user),
        coop=run.program.kind == "coop",
        earned=queries.earned_rows(run, current_user) if run.approved_at else [],
        approval=presenters.run_approval(run, current_user),
        form=ConfirmForm(),
    )


@bp.get("/runs/<int:run_id>/compare")
@requires(Perm.RUN_CALCULATIONS)
def compare(run_id):
    run = get_unscoped_or_404(CalcRun, run_id)
    earlier = history_service.predecessor(run) if run.status == "done" else None
    if earlier is None:
        abort(404)
    changes = history_service.compare(run, earlier, current_user)
    return render_template(
        "calc/compare.html",
        run=run,
        earlier=earlier,
        page=queries.page_of(changes, per_page=50),
        total=len(changes),
        per_unit=queries.per_unit(run),
        reasons=presenters.change_reasons,
    )


@bp.get("/runs/<int:run_id>/status.json")
@requires(Perm.RUN_CALCULATIONS)
def status(run_id):
    run = get_unscoped_or_404(CalcRun, run_id)
    return progress_response(
        status=run.status,
        percent=run.percent,
        finished=run.finished,
        counted=_(
            "%(done)s of %(total)s shards",
            done=count(run.shards_done),
            total=count(run.shards_total),
        ),
    )


@bp.post("/runs/<int:run_id>/approve")
@requires(Perm.APPROVE_CALCULATIONS)
def approve(run_id):
    run = get_unscoped_or_404(CalcRun, run_id)
    confirmed(ConfirmForm())
    back = url_for("calc.run", run_id=run_id)
    lines = commit_or_refuse(lambda: settlement.approve_run(run, actor=current_user), back)
    enqueue.pending_mail()  # a contest's winners
    if run.program.kind == "coop":
        flash(_("Approved: %(count)s earned rows posted to the fund.", count=len(lines)), "success")
    else:
        flash(_("Approved: %(count)s payout lines written.", count=len(lines)), "success")
    entries, points = contest_awards.posted_by(run_id)
    if entries:
        flash(
            _(
                "Contest awards: %(points)s posted to the partners' points ledgers.",
                points=points_text(points),
            ),
            "success",
        )
    return redirect(back)


@bp.get("/runs/<int:run_id>/results.csv")
@requires(Perm.RUN_CALCULATIONS)
def results_csv(run_id):
    run = get_unscoped_or_404(CalcRun, run_id)
    if run.status != "done":
        abort(404)
    rows = settlement.result_rows(run, current_user)
    db.session.commit()
    return csv_response(f"run-{run.id}.csv", settlement.RESULT_COLUMNS, rows)


@bp.get("/rewards")
@requires(Perm.VIEW_CALC_RESULTS)
def rewards():
    history = request.args.get("history") == "1"
    page = paginate(queries.rewards_query(current_user, history))
    replaced_by = history_service.successors({r.run_id for r in page.items}) if history else {}
    return render_template("calc/rewards.html", page=page, history=history, replaced_by=replaced_by)


@bp.get("/results/<int:result_id>")
@requires(Perm.VIEW_CALC_RESULTS)
def result(result_id):
    result = get_visible_or_404(CalcResult, result_id)
    if result.run.status != "done":
        abort(404)
    return render_template(
        "calc/result.html",
        result=result,
        run=result.run,
        superseded=queries.current_result(result, current_user),
        sentences=queries.explanation(result),
        **(
            {"entries": queries.contributing_entries(result.run, result)}
            if queries.counts_points(result.run)
            else {"page": queries.contributing_lines(result.run, result)}
        ),
    )


@bp.route("/periods", methods=["GET", "POST"])
@requires(Perm.CLOSE_PERIODS)
def periods():
    form = ClosePeriodForm()
    form.program_id.choices = queries.program_choices()
    if form.validate_on_submit():
        program = get_unscoped_or_404(Program, form.program_id.data)
        commit_or_refuse(
            lambda: settlement.close_period(
                program, parse_period(form.period.data), actor=current_user
            ),
            back=url_for("calc.periods"),
        )
        flash(_("Period closed."), "success")
        return redirect(url_for("calc.periods"))
    page = paginate(queries.closures_query(), per_page=25)
    roads = roads_for(recent_approved_settlements(), current_user)
    return render_template(
        "calc/periods.html", form=form, page=page, confirm=ConfirmForm(), roads=roads.values()
    )


@bp.post("/periods/<int:closure_id>/reopen")
@requires(Perm.CLOSE_PERIODS)
def reopen(closure_id):
    closure = get_unscoped_or_404(ClosedPeriod, closure_id)
    confirmed(ConfirmForm())
    period = parse_period(f"{closure.period_start}..{closure.period_end}")
    back = url_for("calc.periods")
    commit_or_refuse(
        lambda: settlement.reopen_period(closure.program, period, actor=current_user), back
    )
    flash(_("Period reopened."), "success")
    return redirect(back)


@bp.get("/payouts")
@requires(Perm.EXPORT_PAYOUTS)
def payouts():
    program_id = query_int("program")
    page = paginate(queries.payouts_query(current_user, program_id))
    return render_template(
        "calc/payouts.html", page=page, programs=queries.program_choices(), program_id=program_id
    )


@bp.get("/payouts/export.csv")
@requires(Perm.EXPORT_PAYOUTS)
def payouts_csv():
    try:
        period = parse_period(request.args.get("period", ""))
    except PeriodError as exc:
        refuse(exc, back=url_for("calc.payouts"))
    program_id = query_int("program")
    program = get_unscoped_or_404(Program, program_id) if program_id else None
    rows = settlement.payout_rows(period, current_user, program)
    db.session.commit()
    return csv_response(f"payouts-{period.label}.csv", settlement.PAYOUT_COLUMNS, rows)
