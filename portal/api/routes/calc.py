"""Calculation runs: start one, follow its progress, page through its results."""

from flask import url_for
from flask_login import current_user

from workflows import enqueue
from workflows.calc import runs
from workflows.engine import parse_period
from workflows.engine.i18n import Refusal

from ...calc import queries
from ...extensions import db
from ...models import CalcResult, CalcRun, Program
from ...security import Perm
from .. import serializers
from ..errors import ApiError
from ..registry import PAGING, cursor_page, operation, path_id

RUN_ID = path_id("run_id", "calculation run")


def _run_or_404(run_id: int) -> CalcRun:
    run = db.session.get(CalcRun, run_id)
    if run is None:
        raise ApiError(404)
    return run


@operation(
    "GET",
    "/calc-runs",
    "listCalcRuns",
    summary="List calculation runs",
    tag="calculations",
    perm=Perm.RUN_CALCULATIONS,
    response="CalcRunPage",
    params=PAGING,
)
def list_runs(limit, cursor):
    return cursor_page(
        queries.runs_query(), CalcRun, limit=limit, cursor=cursor, serialize=serializers.calc_run
    )


@operation(
    "POST",
    "/calc-runs",
    "startCalcRun",
    summary="Start a calculation run of a program's current version",
    description="The run is queued for the workers; poll it for `status` and `percent`.",
    tag="calculations",
    perm=Perm.RUN_CALCULATIONS,
    body="CalcRunStart",
    response="CalcRun",
    status=202,
)
def start_run(body):
    program = db.session.get(Program, body["program_id"])
    if program is None:
        raise ApiError(422, details=[{"field": "program_id", "problem": "no program has this id"}])
    try:
        period = parse_period(body["period"]) if body.get("period") else None
        run = runs.start_run(program, period, kind=body.get("kind", "accrual"), actor=current_user)
    except Refusal as exc:
        raise ApiError(422, "run_refused", exc.render()) from None
    db.session.commit()
    enqueue.calc_run(run.id, run.shards_total)
    return serializers.calc_run(run), {"Location": url_for("api.getCalcRun", run_id=run.id)}


@operation(
    "GET",
    "/calc-runs/{run_id}",
    "getCalcRun",
    summary="A run's status and progress",
    tag="calculations",
    perm=Perm.RUN_CALCULATIONS,
    response="CalcRun",
    params=(RUN_ID,),
)
def get_run(run_id):
    return serializers.calc_run(_run_or_404(run_id))


@operation(
    "GET",
    "/calc-runs/{run_id}/results",
    "listCalcResults",
    summary="A run's result lines, one per payee (empty until the run is done)",
    tag="calculations",
    perm=Perm.RUN_CALCULATIONS,
    response="CalcResultPage",
    params=(RUN_ID, *PAGING),
)
def list_results(run_id, limit, cursor):
    stmt = queries.results_query(_run_or_404(run_id), current_user)
    return cursor_page(
        stmt, CalcResult, limit=limit, cursor=cursor, serialize=serializers.calc_result
    )
