"""What a finished simulation shows: the draft's cost, its largest amounts, and per payee the
difference from the program's current version."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from workflows.calc.simulation import TASK_KIND
from workflows.engine import parse_period

from ..models import Program, Task
from ..security import find_unscoped

LARGEST = 10
DIFFERENCES_SHOWN = 100


@dataclass(frozen=True)
class PayeeLine:
    code: str
    name: str
    draft: Decimal | None
    current: Decimal | None

    @property
    def paid_by_one_only(self) -> bool:
        """Paid under the draft or the current version, not both (even when zero)."""
        return (self.draft is None) != (self.current is None)

    @property
    def difference(self) -> Decimal:
        return (self.draft or Decimal(0)) - (self.current or Decimal(0))


@dataclass(frozen=True)
class Outcome:
    currency: str
    total: Decimal
    payee_count: int
    unusable: int
    largest: list[PayeeLine]
    current_version: int | None
    current_total: Decimal | None
    current_currency: str | None
    comparable: bool  # the current version pays in the same currency
    changed: list[PayeeLine]  # the largest differences first
    changed_count: int


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def outcome_of(stored: dict[str, Any]) -> Outcome:
    lines = [
        PayeeLine(p["code"], p["name"], _decimal(p["draft"]), _decimal(p["current"]))
        for p in stored["payees"]
    ]
    paid = [line for line in lines if line.draft is not None]
    largest = sorted(paid, key=lambda line: (-line.draft, line.code))[:LARGEST]
    changed = sorted(
        (
            line
            for line in lines
            if line.difference or (line.draft is None) != (line.current is None)
        ),
        key=lambda line: (-abs(line.difference), line.code),
    )
    return Outcome(
        currency=stored["currency"],
        total=Decimal(stored["total"]),
        payee_count=len(paid),
        unusable=stored["unusable"],
        largest=largest,
        current_version=stored["current_version"],
        current_total=_decimal(stored["current_total"]),
        current_currency=stored["current_currency"],
        comparable=stored["current_currency"] in (None, stored["currency"]),
        changed=changed[:DIFFERENCES_SHOWN],
        changed_count=len(changed),
    )


@dataclass(frozen=True)
class Simulation:
    task: Task
    code: str
    source: str
    program: Program | None
    period: Any
    outcome: Outcome | None


def simulation(task_id: int) -> Simulation | None:
    """The simulation task with this id (None for unknown ids and tasks of other kinds)."""
    task = find_unscoped(Task, task_id)
    if task is None or task.kind != TASK_KIND:
        return None
    params = task.params
    program = None
    if params.get("program_id") is not None:
        program = find_unscoped(Program, params["program_id"])
    stored = params.get("outcome")
    return Simulation(
        task=task,
        code=params["code"],
        source=params["source"],
        program=program,
        period=parse_period(params["period"]),
        outcome=outcome_of(stored) if stored and task.status == "done" else None,
    )
