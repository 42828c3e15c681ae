"""Contests: the standings of a contest's latest run (or of the run through a day)."""

from flask_login import current_user

from workflows.calc import contests
from workflows.engine.i18n import Refusal

from ...models import Program
from ...security import Perm, Role, find_unscoped
from ..errors import ApiError
from ..registry import Param, operation, path_id


@operation(
    "GET",
    "/contests/{contest_id}/standings",
    "getContestStandings",
    summary="A contest's standings: rank (1 = best), measure, qualified, gap to qualify",
    description=(
        "The standings of the contest's latest run, or with `as_of` of the run through that "
        "day, ranked per group; the rows are those of the payees the caller may see. A contest "
        "in which none of them is ranked is not found (404)."
    ),
    tag="contests",
    perm=Perm.VIEW_CALC_RESULTS,
    response="ContestStandings",
    params=(
        path_id("contest_id", "contest (program)"),
        Param("as_of", "query", {"type": "string", "format": "date"}, "Default: the latest run."),
    ),
    extra_errors=(422,),
)
def get_standings(contest_id, as_of):
    program = find_unscoped(Program, contest_id)
    if program is None:
        raise ApiError(404)
    try:
        rows = contests.standing_rows(program, current_user, as_of)
    except Refusal as exc:
        if Role(current_user.role) not in (Role.FINANCE, Role.ADMIN):
            raise ApiError(404) from None  # whose contest it is not, or nothing ranked yet
        raise ApiError(422, "no_standings", exc.render()) from None
    if not rows and Role(current_user.role) not in (Role.FINANCE, Role.ADMIN):
        raise ApiError(404)
    return {
        "contest_id": program.id,
        "program_code": program.code,
        "as_of": None if as_of is None else as_of.isoformat(),
        "items": [
            {
                "partner_code": code,
                "rank": rank,
                "measure": measure,
                "qualified": qualified,
                "gap": gap,
            }
            for code, rank, measure, qualified, gap in rows
        ],
    }
