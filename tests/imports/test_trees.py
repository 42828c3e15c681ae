"""Territory and category trees: upsert by code, parents anywhere in the file, no loops."""

import pytest
from sqlalchemy import select

from portal.models import AuditEvent, Category, Territory
from workflows.imports import errors as e

from .helpers import HEADERS, only_error

TREE = HEADERS["territories"]


def paths(db, model) -> dict[str, tuple[str | None, int]]:
    """code → (parent code, depth), checking each stored path against the parent's."""
    nodes = {n.id: n for n in db.session.scalars(select(model))}
    result = {}
    for node in nodes.values():
        parent = nodes.get(node.parent_id)
        expected = (parent.path if parent else "/") + f"{node.id}/"
        assert node.path == expected
        result[node.code] = (parent.code if parent else None, node.depth)
    return result


@pytest.mark.parametrize("model", [Territory, Category])
def test_tree_with_parents_on_later_rows(run, db, model):
    kind = "territories" if model is Territory else "categories"
    result = run(kind, TREE, "DE-S,Germany South,DACH", "DACH,DACH,EMEA", "EMEA,EMEA,", "FR,,EMEA")
    assert not result.ok  # FR has no name
    result = run(kind, TREE, "DE-S,Germany South,DACH", "DACH,DACH,EMEA", "EMEA,EMEA,")
    assert (result.ok, result.rows_total, result.inserted) == (True, 3, 3)
    assert paths(db, model) == {"EMEA": (None, 0), "DACH": ("EMEA", 1), "DE-S": ("DACH", 2)}


def test_reimport_is_unchanged_and_moves_update_paths(run, db):
    lines = [TREE, "WORLD,World,", "EMEA,EMEA,WORLD", "AMER,Americas,WORLD", "FR,France,EMEA"]
    run("territories", *lines)
    again = run("territories", *lines)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 4)
    moved = run("territories", TREE, "FR,France (moved),AMER")
    assert (moved.inserted, moved.updated, moved.unchanged) == (0, 1, 0)
    assert paths(db, Territory)["FR"] == ("AMER", 2)
    assert db.session.scalar(select(Territory.name).where(Territory.code == "FR")) == (
        "France (moved)"
    )


def test_import_is_audited_once_with_its_figures(run, db):
    run("territories", TREE, "WORLD,World,", "EMEA,EMEA,WORLD")
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "import.territories"))
    (event,) = events.all()
    assert event.after["inserted"] == 2 and event.after["ok"] is True
    assert event.after["filename"] == "upload.csv" and event.after["dry_run"] is False


def test_dry_run_changes_nothing_but_reports_counts(run, rows_of):
    result = run("territories", TREE, "WORLD,World,", "EMEA,EMEA,WORLD", dry_run=True)
    assert (result.ok, result.dry_run, result.inserted) == (True, True, 2)
    assert rows_of(Territory) == 0


@pytest.mark.parametrize(
    ("bad_row", "column", "message", "params"),
    [
        ("EMEA,EMEA,NOWHERE", "parent_code", e.UNKNOWN_PARENT, {"value": "NOWHERE"}),
        ("EMEA,,WORLD", "name", e.REQUIRED, {}),
        (",EMEA,WORLD", "code", e.REQUIRED, {}),
        ("WORLD,Again,", "code", e.DUPLICATE_KEY, {"value": "WORLD", "first": 2}),
        ("EMEA," + "x" * 201 + ",WORLD", "name", e.TOO_LONG, {"length": 201, "max": 200}),
        ("E" * 65 + ",EMEA,WORLD", "code", e.TOO_LONG, {"length": 65, "max": 64}),
        ("EMEA,EMEA,EMEA", "parent_code", e.CYCLE, {"value": "EMEA", "chain": "EMEA → EMEA"}),
    ],
)
def test_one_bad_row_imports_nothing(run, rows_of, bad_row, column, message, params):
    result = run("territories", TREE, "WORLD,World,", bad_row)
    error = only_error(result)
    assert (error.row, error.column, error.message, error.params) == (3, column, message, params)
    assert rows_of(Territory) == 0


def test_loop_inside_the_file_is_reported_on_each_member(run, rows_of):
    result = run("categories", TREE, "A,A,C", "B,B,A", "C,C,B", "D,D,")
    assert not result.ok
    assert [(err.row, err.message) for err in result.errors] == [(r, e.CYCLE) for r in (2, 3, 4)]
    assert result.errors[0].params["chain"].count("→") == 3
    assert rows_of(Category) == 0


def test_loop_through_existing_rows_is_refused(run, make, db):
    world = make.territory("WORLD")
    emea = make.territory("EMEA", world)
    make.territory("DACH", emea)
    result = run("territories", TREE, "EMEA,EMEA,DACH")
    error = only_error(result)
    assert (error.row, error.message) == (2, e.CYCLE)
    assert error.params["chain"] in ("EMEA → DACH → EMEA", "DACH → EMEA → DACH")
    assert paths(db, Territory)["EMEA"] == ("WORLD", 1)


def test_existing_parent_counts(run, make, db):
    make.territory("WORLD")
    result = run("territories", TREE, "EMEA,EMEA,WORLD")
    assert (result.ok, result.inserted) == (True, 1)
    assert paths(db, Territory)["EMEA"] == ("WORLD", 1)
