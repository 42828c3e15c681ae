"""How claim states read on pages: a translatable label and a badge colour per state."""

from flask_babel import lazy_gettext as _l

CLAIM_STATE_LABELS = {
    "submitted": (_l("submitted"), "info"),
    "first_approved": (_l("awaiting second approval"), "warning"),
    "approved": (_l("approved"), "success"),
    "rejected": (_l("rejected"), "danger"),
}


def claim_status(status: str) -> str:
    """The label of a claim state (the raw value for a state without one)."""
    return str(CLAIM_STATE_LABELS.get(status, (status, ""))[0])
