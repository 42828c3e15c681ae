"""Helpers for the import tests: CSV text in, ImportResult out, and a small world to import into."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from workflows.imports import ImportResult, import_csv

from .helpers import csv_bytes


@pytest.fixture(params=["upload", "file"])
def run(request, db, tmp_path):
    """Import CSV lines (header first) from an in-memory upload, and again from a file on disk
    (as the CLI and the import task read them: on PostgreSQL a clean sales file takes the bulk
    path, and everything these tests expect must hold on both)."""

    def run_import(kind: str, *lines: str, **options) -> ImportResult:
        if request.param == "upload":
            return import_csv(kind, io.BytesIO(csv_bytes(*lines)), **options)
        path = tmp_path / "upload.csv"  # the name an upload without one gets
        path.write_bytes(csv_bytes(*lines))
        return import_csv(kind, path, **options)

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
