"""`portal import catalog FILE`: code,name,description,points_cost,active, all-or-nothing."""

from __future__ import annotations

from sqlalchemy import select

from portal.models import RewardItem
from workflows.imports import import_csv


def _write(tmp_path, text):
    path = tmp_path / "catalog.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_catalog_rows_upsert_by_code(db, tmp_path):
    path = _write(
        tmp_path,
        "code,name,description,points_cost,active\nMUG,Mug,Ceramic,100,true\nCAP,Cap,,40,false\n",
    )
    result = import_csv("catalog", path)
    assert (result.ok, result.inserted) == (True, 2)
    again = import_csv(
        "catalog",
        _write(tmp_path, "code,name,description,points_cost,active\nMUG,Mug,Ceramic,120,yes\n"),
    )
    assert (again.updated, again.unchanged) == (1, 0)
    items = {i.code: (i.points_cost, i.active) for i in db.session.scalars(select(RewardItem))}
    assert items == {"MUG": (120, True), "CAP": (40, False)}


def test_bad_rows_reject_the_whole_file(db, tmp_path):
    path = _write(
        tmp_path,
        "code,name,description,points_cost,active\nMUG,Mug,,100,true\nBAD,Bad,,-5,maybe\n",
    )
    result = import_csv("catalog", path)
    assert not result.ok
    columns = {error.column for error in result.errors}
    assert {"points_cost", "active"} <= columns
    assert db.session.scalars(select(RewardItem)).all() == []
