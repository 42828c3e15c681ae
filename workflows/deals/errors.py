"""Refusals of deal registration, rendered in the reader's language by the edge."""

from __future__ import annotations

from workflows.engine.i18n import N_, Refusal


class DealError(Refusal):
    """A business rule of deal registration refused the action; nothing was changed."""


class AlreadyProtected(DealError):
    """Another approved registration already holds this end customer and category."""

    def __init__(self, reference: str, category: str, until):
        super().__init__(
            N_(
                "%(reference)s already protects this customer in %(category)s until %(until)s. "
                "A second registration can be approved once it expires, is lost or is withdrawn."
            ),
            reference=reference,
            category=category,
            until=until,
        )
        self.reference = reference
