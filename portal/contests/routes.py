"""Contest pages: the list, a partner's own place with its progress, and the staff's board."""

from datetime import date

from flask import abort, render_template
from flask_login import current_user

from ..calc.contest_position import NotRanked, measure_text, position
from ..calc.contest_words import rules_in_words
from ..models import Partner, Role
from ..security import Perm, _id_or_404, find_visible, requires
from . import bp
from .board import board, groups, projected_cost
from .presenters import chart_data, group_names, unranked_sentence
from .queries import SETTLED, Contest, progress, visible_contests


@bp.get("")
@requires(Perm.VIEW_CONTESTS)
def index():
    today = date.today()
    contests = visible_contests(current_user, today=today)
    role = Role(current_user.role)
    return render_template(
        "contests/index.html",
        contests=contests,
        today=today,
        is_partner=role.is_partner,
        is_manager=role is Role.CHANNEL_MANAGER,
    )


@bp.get("/<int:contest_id>")
@requires(Perm.VIEW_CONTESTS)
def detail(contest_id):
    today = date.today()
    found = visible_contests(current_user, _id_or_404(contest_id), today=today)
    if not found:
        abort(404)  # no such contest, or not the reader's
    if Role(current_user.role).is_partner:
        return _partner_page(found[0], today)
    return _board_page(found[0])


def _partner_page(contest: Contest, today: date):
    partner = find_visible(Partner, current_user.partner_id, current_user)
    if partner is None:
        abort(404)
    try:
        place = position(contest.program, partner, current_user, today=today)
    except NotRanked:
        # Listed but not ranked: an open contest the partner is eligible for.
        return render_template(
            "contests/partner_unranked.html",
            contest=contest,
            spec=contest.run_spec,
            sentence=unranked_sentence(contest),
            words=rules_in_words(contest.run_spec),
            today=today,
        )
    points = progress(contest, partner.id, current_user)
    spec = contest.run_spec
    return render_template(
        "contests/partner.html",
        contest=contest,
        spec=spec,
        place=place,
        measure_label=lambda value: measure_text(spec.contest, value, spec.currency),
        points=points,
        chart=chart_data(contest, points),
        words=rules_in_words(contest.run_spec),
        today=today,
    )


def _board_page(contest: Contest):
    today = date.today()
    rows = board(contest, current_user)
    return render_template(
        "contests/board.html",
        contest=contest,
        spec=contest.run_spec,
        groups=groups(rows),
        group_names=group_names(contest, {row.group for row in rows}),
        cost=projected_cost(contest, rows, current_user),
        words=rules_in_words(contest.run_spec),
        today=today,
        final=contest.status(today) == SETTLED,
    )
