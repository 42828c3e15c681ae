"""A unique or exclusion constraint that refuses a write is a conflict, never a server error.

Services check before they write ("was this sale already claimed?"), but two requests can pass
the same check at the same moment; the database's constraint then refuses the later write.
Where a service knows the constraint it turns the violation into its own refusal (see
`workflows.payables.claims`); anywhere else the request edge answers 409 with a message saying
that someone else changed the same thing, after rolling everything back.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

UNIQUE_VIOLATION = "23505"
EXCLUSION_VIOLATION = "23P01"


def is_conflict(error: IntegrityError) -> bool:
    """A unique or exclusion violation (PostgreSQL SQLSTATE, SQLite's message); a NOT NULL or
    foreign-key violation is a bug and stays a server error."""
    original = error.orig
    if getattr(original, "sqlstate", None) in (UNIQUE_VIOLATION, EXCLUSION_VIOLATION):
        return True
    return "UNIQUE constraint failed" in str(original)
