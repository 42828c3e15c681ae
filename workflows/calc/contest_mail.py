"""Telling a contest's winners once its settlement is approved: one e-mail to each winning
organisation's active partner admins (who answer for trip seats and hear of payout changes),
naming the final rank and every award, in each reader's language.

The mail is stored in the approval's transaction (`queue_mail`) and delivered after the
caller commits (`workflows.enqueue.pending_mail`), so a refused or rolled-back approval tells
nobody. A later settlement (a restated contest) tells only the winners whose awards changed.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from portal.extensions import db
from portal.foundation.outbox import public_url, queue_mail
from portal.models import CalcRun, ContestAward, Partner, User, partner_admins_of

TEMPLATE = "contest_won"


def _awards(run_id: int) -> dict[int, list[ContestAward]]:
    """The run's awards per winning partner, in the order the settlement wrote them."""
    found: dict[int, list[ContestAward]] = defaultdict(list)
    stmt = (
        select(ContestAward)
        .where(ContestAward.run_id == run_id)
        .order_by(ContestAward.payee_id, ContestAward.id)
    )
    for award in db.session.scalars(stmt):
        found[award.payee_id].append(award)
    return found


def _prizes(awards: list[ContestAward]) -> list[tuple]:
    return sorted((a.rank, a.kind, a.seats, a.amount, a.points, a.currency) for a in awards)


def _announced(run: CalcRun) -> dict[int, list[ContestAward]]:
    """What the program's latest earlier approved settlement awarded: its winners were told."""
    earlier = db.session.scalar(
        select(CalcRun.id)
        .where(
            CalcRun.program_id == run.program_id,
            CalcRun.kind == "settlement",
            CalcRun.approved_at.is_not(None),
            CalcRun.id != run.id,
        )
        .order_by(CalcRun.approved_at.desc(), CalcRun.id.desc())
        .limit(1)
    )
    return {} if earlier is None else _awards(earlier)


def _partner_admins(partner_ids: list[int]) -> dict[int, list[User]]:
    found: dict[int, list[User]] = defaultdict(list)
    for user in db.session.scalars(partner_admins_of(partner_ids)):
        found[user.partner_id].append(user)
    return found


def mail_winners(run: CalcRun) -> int:
    """Queue the winners' e-mails of an approved contest settlement; how many were queued."""
    won = _awards(run.id)
    announced = _announced(run)
    news = {
        partner_id: awards
        for partner_id, awards in won.items()
        if _prizes(awards) != _prizes(announced.get(partner_id, []))
    }
    if not news:
        return 0
    partners = {
        p.id: p for p in db.session.scalars(select(Partner).where(Partner.id.in_(list(news))))
    }
    admins = _partner_admins(list(news))
    link = public_url("contests.detail", contest_id=run.program_id)
    queued = 0
    for partner_id in sorted(news, key=lambda pid: (news[pid][0].rank, partners[pid].code)):
        awards = news[partner_id]
        context = {
            "partner": partners[partner_id],
            "program": run.program,
            "rank": awards[0].rank,
            "awards": awards,
            "corrected": partner_id in announced,
            "link": link,
        }
        for admin in admins.get(partner_id, []):
            queue_mail(admin, TEMPLATE, context, related=awards[0])
            queued += 1
    return queued
