"""Helpers for the import tests: CSV text in, ImportResult out, and a small world to import into."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from workflows.imports import ImportResult, import_csv

from .helpers import csv_bytes


@pytest.fixture
def run(db):
    """Import CSV lines (header first) from an in-memory upload."""

    def run_import(kind: str, *lines: str, **options) -> ImportResult:
        return import_csv(kind, io.BytesIO(csv_bytes(*lines)), **options)

    return run_import


@pytest.fixture
def rows_of(db):
    def count(model) -> int:
        return db.session.scalar(select(func.count()).select_from(model))

    return count


@pytest.fixture
def world(make):
    """WORLD › EMEA › DACH › DE-S and EMEA › FR; NET with SW-1; ACME (DE-S), BETA (FR)."""
    t = make.tree({"WORLD": None, "EMEA": "WORLD", "DACH": "EMEA", "DE-S": "DACH", "FR": "EMEA"})
    net = make.category("NET")
    return {
        "t": t,
        "net": net,
        "sw": make.product("SW-1", net),
        "acme": make.partner("ACME", t["DE-S"], "gold"),
        "beta": make.partner("BETA", t["FR"], "silver", country="FR"),
    }
