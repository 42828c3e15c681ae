"""Fixtures for calculation tests: a rolled-back session per hypothesis example, worlds, workers."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from portal.extensions import db as _db
from portal.models import CalcResult, CalcRun, Partner, Program
from portal.programs.services import save_program
from workflows.calc import jobs

from ..conftest import worker_env


@contextmanager
def rolled_back_session() -> Iterator[Session]:
    """What the `db` fixture does, once per hypothesis example: one outer transaction, rolled back,
    so examples never see each other's rows (no function-scoped fixture inside @given)."""
    connection = _db.engine.connect()
    outer = connection.begin()
    session = scoped_session(
        sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
    )
    original = _db.session
    _db.session = session
    try:
        yield session
    finally:
        session.remove()
        _db.session = original
        outer.rollback()
        connection.close()


TREE = {
    "WORLD": None,
    "EMEA": "WORLD",
    "DACH": "EMEA",
    "DE-S": "DACH",
    "FR": "EMEA",
    "AMER": "WORLD",
    "US": "AMER",
}


@dataclass
class Scenario:
    """Territories, a dealer group with branches, a mover, a demoted gold partner, FX, users."""

    t: dict
    net: object
    software: object
    switch: object
    licence: object
    group: object
    branch_1: object
    branch_2: object
    mover: object
    goldie: object
    finance: object
    finance_2: object


def build_scenario(make) -> Scenario:
    t = make.tree(TREE)
    hardware = make.category("HW")
    net = make.category("NET", hardware)
    software = make.category("SWL")
    group = make.partner("GROUP", t["DACH"], "gold")
    scenario = Scenario(
        t=t,
        net=net,
        software=software,
        switch=make.product("SW-24", net),
        licence=make.product("LIC-1", software),
        group=group,
        branch_1=make.partner("BRANCH-1", t["DE-S"], "silver", parent=group),
        branch_2=make.partner("BRANCH-2", t["FR"], "silver", parent=group),
        mover=make.partner("MOVER", t["DACH"], "gold"),
        goldie=make.partner("GOLDIE", t["DACH"], "gold"),
        finance=make.user("finance", email="fiona@example.com"),
        finance_2=make.user("finance", email="felix@example.com"),
    )
    make.move(scenario.mover, t["US"], date(2025, 8, 15))
    make.retier(scenario.goldie, "silver", date(2025, 8, 1))
    make.fx("EUR", "1.10", date(2025, 1, 1))
    make.fx("EUR", "1.20", date(2025, 8, 1))
    make.fx("JPY", "0.0068", date(2025, 1, 1))
    return scenario


@pytest.fixture
def scenario(make) -> Scenario:
    return build_scenario(make)


def load_program(text: str, actor) -> Program:
    program, _version, _created = save_program(text, actor=actor)
    return program


def execute_inline(run_id: int) -> CalcRun:
    """Run every shard job and the fan-in in this process (the worker tests use real workers)."""
    jobs.execute_inline(run_id)
    return _db.session.get(CalcRun, run_id)


def results_by_code(run_id: int) -> dict[str, tuple]:
    rows = _db.session.execute(
        select(Partner.code, CalcResult)
        .join(CalcResult, CalcResult.payee_id == Partner.id)
        .where(CalcResult.run_id == run_id)
    ).all()
    return {
        code: (
            str(r.measure),
            None if r.band_from is None else str(r.band_from),
            None if r.rate is None else str(r.rate),
            str(r.amount),
            r.currency,
            r.line_count,
            r.explanation,
        )
        for code, r in rows
    }


def spawn(app, *args: str) -> subprocess.Popen:
    """A `portal ...` process against the test database and Redis, in its own session."""
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "portal.cli", *args],
        env=worker_env(app),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


@pytest.fixture
def spawned(app):
    """Start `portal` processes; any still running at the end are stopped (by their own pid)."""
    started: list[subprocess.Popen] = []

    def start(*args: str) -> subprocess.Popen:
        process = spawn(app, *args)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        process.communicate()
