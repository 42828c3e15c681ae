"""What the run pages say: who may approve a settlement now, and why a payee's result changed
between a run and the run it replaced, in the reader's words."""

from __future__ import annotations

from flask_babel import gettext, ngettext

from ..formatting import threshold
from ..models import CalcRun
from ..security import Perm, can
from .history import PayeeChange

OFFER, ANOTHER_USER = "offer", "another_user"


def run_approval(run: CalcRun, user) -> str | None:
    """OFFER when `user` may approve the finished settlement now, ANOTHER_USER when they started
    it themselves (maker–checker), None when there is nothing for them to approve."""
    awaiting = run.kind == "settlement" and run.status == "done" and run.approved_at is None
    if not awaiting or not can(user, Perm.APPROVE_CALCULATIONS):
        return None
    return ANOTHER_USER if user.id == run.started_by_id else OFFER


def change_reasons(change: PayeeChange, per_unit: bool) -> list[str]:
    """Lines added or restated (ledger entries added, for a points contest), band reached, cap,
    or (same lines, other measure) FX or eligibility: everything that moved this payee's
    amount or measure."""
    before, after = change.before, change.after
    if before is None:
        return [gettext("new payee in this period")]
    reasons = []
    if change.added and change.entries:
        reasons.append(
            ngettext(
                "%(count)s ledger entry added",
                "%(count)s ledger entries added",
                change.added,
                count=change.added,
            )
        )
    elif change.added:
        reasons.append(
            ngettext(
                "%(count)s line added", "%(count)s lines added", change.added, count=change.added
            )
        )
    if change.restated:
        reasons.append(
            ngettext(
                "%(count)s line restated",
                "%(count)s lines restated",
                change.restated,
                count=change.restated,
            )
        )
    if after is None:
        reasons.append(
            gettext("no eligible points earned any more")
            if change.entries
            else gettext("no eligible sales any more")
        )
        return reasons
    if after.band_from != before.band_from:
        if after.band_from is None:
            reasons.append(gettext("no band reached any more"))
        else:
            reasons.append(
                gettext(
                    "band from %(after)s reached (was %(before)s)",
                    after=threshold(after.band_from, change.currency, per_unit),
                    before=threshold(before.band_from, change.currency, per_unit)
                    if before.band_from is not None
                    else gettext("none"),
                )
            )
    if after.capped != before.capped:
        reasons.append(gettext("cap reached") if after.capped else gettext("no longer capped"))
    if after.measure != before.measure and not (change.added or change.restated):
        if change.entries:
            reasons.append(gettext("same ledger entries, other eligibility (territory or tier)"))
        elif per_unit:
            reasons.append(gettext("same lines, other eligibility (territory, tier or product)"))
        else:
            reasons.append(gettext("same lines, other FX rates or eligibility"))
    return reasons
