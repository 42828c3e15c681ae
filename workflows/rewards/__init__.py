"""Loyalty points ledger, redemption catalog and requests, status levels."""

# Approving a contest settlement posts its points awards: the step registers on import, and any
# use of the rewards workflows (the app's points pages, the worker's jobs) imports this package.
from . import contest_awards as _contest_awards  # noqa: E402, F401
