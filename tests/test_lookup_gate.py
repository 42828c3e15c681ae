"""Every lookup by id on a request path goes through the gate in portal/security.py: scoped
objects through `get_visible_or_404` / `visible_to`, objects that belong to no partner or
territory, listed with the reason in `security.UNSCOPED`, through `get_unscoped_or_404`. A bare
`db.get_or_404` or `db.session.get(Model, …)` would be safe only because of who happens to
hold the page's permission, so none may come back outside the places listed here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from portal.extensions import db as _db
from portal.models import CalcRun, DealRegistration, PartnerProfile, Territory
from portal.security import UNSCOPED, find_unscoped, get_unscoped_or_404, has_scope

PORTAL = Path(__file__).resolve().parent.parent / "portal"
# db.get_or_404(…), db.session.get(…), session.get(Model, …), Model.query.get(…); not the Flask
# session's session.get(KEY)
BYPASS = re.compile(r"\bget_or_404\(|\.session\.get\(|\bsession\.get\(\s*[A-Z][a-z]|\.query\.get\(")
NOT_ON_A_REQUEST_PATH = {
    "security.py": "the gate itself",
    "user_cache.py": "Flask-Login's loader of the signed-in user's own row",
    "foundation/audit.py": "the audit chain's single head row",
    "cli_support.py": "the command line",
    "demo": "demo data, built from the command line",
}


def _exempt(path: Path) -> bool:
    relative = path.relative_to(PORTAL).as_posix()
    return any(relative == p or relative.startswith(f"{p}/") for p in NOT_ON_A_REQUEST_PATH)


def test_no_lookup_by_id_bypasses_the_gate():
    found = [
        f"portal/{path.relative_to(PORTAL).as_posix()}:{number}: {line.strip()}"
        for path in sorted(PORTAL.rglob("*.py"))
        if not _exempt(path)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if BYPASS.search(line)
    ]
    assert not found, "look these up through portal.security:\n" + "\n".join(found)


def test_the_scan_sees_a_bypass():
    assert BYPASS.search("    program = db.get_or_404(Program, program_id)")
    assert BYPASS.search("    run = db.session.get(CalcRun, run_id)")
    assert BYPASS.search("    user = session.get(User, user_id)")
    assert not BYPASS.search("    sid = session.get(SID_KEY)")  # the Flask session


def test_only_objects_of_no_partner_or_territory_load_unscoped():
    models = {m.class_.__tablename__: m.class_ for m in _db.Model.registry.mappers}
    assert set(UNSCOPED) <= set(models)
    scoped = [table for table in UNSCOPED if has_scope(models[table])]
    assert not scoped, f"visible_to scopes these: load them with get_visible_or_404: {scoped}"
    assert all(reason.strip() for reason in UNSCOPED.values())


@pytest.mark.parametrize("model", [DealRegistration, Territory, PartnerProfile])
def test_a_scoped_model_cannot_be_loaded_unscoped(app, model):
    with pytest.raises(TypeError, match="get_visible_or_404"):
        find_unscoped(model, 1)


def test_an_unknown_or_malformed_id_is_a_404(db, request_context):
    from werkzeug.exceptions import NotFound

    for object_id in (987654321, "x", None):
        with pytest.raises(NotFound):
            get_unscoped_or_404(CalcRun, object_id)
