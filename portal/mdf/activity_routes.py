"""MDF pages of partners and their managers: activity requests, claims with proof, the queue."""

from . import bp  # noqa: F401
