"""MDF pages of finance: funds, allocations down the territory tree, utilisation and ROI."""

from . import bp  # noqa: F401
