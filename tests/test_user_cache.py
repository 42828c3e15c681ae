"""The signed-in user kept in Redis: used while nothing changed, never after an audited change."""

from __future__ import annotations

import json

from portal import user_cache
from portal.admin.services import set_active


def count_selects(db, action, reads) -> int:
    """How many SELECTs for which `reads(statement)` holds `action` runs."""
    from sqlalchemy import event

    seen = []

    def before(conn, cursor, statement, *args):
        flat = " ".join(statement.split())
        if flat.upper().startswith("SELECT") and reads(flat):
            seen.append(flat)

    engine = db.session.get_bind()
    engine = getattr(engine, "engine", engine)
    event.listen(engine, "before_cursor_execute", before)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return len(seen)


def count_user_selects(db, action) -> int:
    """How many SELECTs of the users table `action` runs."""
    return count_selects(db, action, lambda statement: "FROM users" in statement)


def test_a_signed_in_page_reads_the_user_from_redis_once_kept(make, login, db, redis):
    partner = make.partner("ACME", make.territory("EMEA"))
    ann = make.user("partner_user", partner=partner, email="ann@acme.example")
    client = login(ann)
    client.get("/deals")
    kept = json.loads(redis.get(f"portal:users:{ann.id}"))
    assert kept["email"] == "ann@acme.example" and kept["role"] == "partner_user"
    assert "password_hash" not in kept and "version" in kept
    db.session.expunge(ann)  # as in a new request: nothing in the session's identity map
    assert count_user_selects(db, lambda: client.get("/deals")) == 0


def test_deactivation_refuses_the_next_request(make, login, db, redis):
    partner = make.partner("ACME", make.territory("EMEA"))
    ann = make.user("partner_user", partner=partner, email="ann@acme.example")
    admin = make.user("admin", email="root@vendor.example")
    client = login(ann)
    assert client.get("/deals").status_code == 200
    set_active(ann, False, actor=admin)
    db.session.commit()
    db.session.expunge_all()
    response = client.get("/deals")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_language_change_is_followed_at_once(make, login, db, redis):
    partner = make.partner("ACME", make.territory("EMEA"))
    ann = make.user("partner_user", partner=partner, email="ann@acme.example")
    client = login(ann)
    client.get("/deals")
    page = client.get("/deals").get_data(as_text=True)
    from tests.conftest import CSRF_RE

    token = CSRF_RE.search(page).group(1)
    client.post("/language", data={"locale": "de", "csrf_token": token})
    db.session.expunge_all()
    assert 'lang="de"' in client.get("/deals").get_data(as_text=True)


def test_columns_not_kept_load_from_the_database(app, make, db, redis):
    ann = make.user("partner_user", email="ann@example.com")
    db.session.commit()
    with app.test_request_context("/"):
        user_cache.load(ann.id)  # reads the database and keeps the columns
        db.session.expunge_all()
        kept = user_cache.load(ann.id)
        assert kept.email == "ann@example.com"
        assert kept.check_password("correct horse battery")  # password_hash loads on demand
        assert kept.created_at is not None


def test_a_kept_user_of_an_older_version_is_not_used(app, make, db, redis):
    ann = make.user("partner_user", email="ann@example.com")
    db.session.commit()
    with app.test_request_context("/"):
        user_cache.load(ann.id)
    stale = json.loads(redis.get(f"portal:users:{ann.id}"))
    redis.set(f"portal:users:{ann.id}", json.dumps({**stale, "version": "1", "role": "admin"}))
    db.session.expunge_all()
    with app.test_request_context("/"):
        assert user_cache.load(ann.id).role == "partner_user"


def test_an_unknown_user_is_none(app, db, redis):
    with app.test_request_context("/"):
        assert user_cache.load(987654) is None


def count_partner_lookups(db, action) -> int:
    """How many SELECTs of one partner by its id `action` runs (the shape of `user.partner`)."""
    return count_selects(
        db, action, lambda statement: "FROM partners WHERE partners.id = " in statement
    )


def test_the_organisation_in_the_menu_comes_with_the_kept_user(app, make, login, db, redis):
    """The layout names a partner user's organisation on every page: kept with the user, so a
    page does not look the organisation up for it; renamed, the next page shows the new name."""
    import io

    from workflows.imports import import_csv

    from .imports.helpers import HEADERS, csv_bytes

    partner = make.partner("ACME", make.territory("EMEA"))
    ann = make.user("partner_user", partner=partner, email="ann@acme.example")
    ann_id = ann.id
    client = login(ann)
    client.get("/contests")
    assert json.loads(redis.get(f"portal:users:{ann_id}"))["partner_name"] == "ACME Ltd"
    db.session.expunge_all()  # as in a new request
    pages = []
    assert count_partner_lookups(db, lambda: pages.append(client.get("/contests"))) == 0
    assert "ACME Ltd" in pages[0].get_data(as_text=True)
    db.session.expunge_all()
    with app.test_request_context("/"):
        # what a page needs beyond the kept name still loads: the organisation's currency
        assert user_cache.load(ann_id).partner.currency == "EUR"
    db.session.expunge_all()

    row = "ACME,ACME Networks GmbH,,EMEA,gold,DE,EUR"
    assert import_csv("partners", io.BytesIO(csv_bytes(HEADERS["partners"], row))).ok
    db.session.commit()
    db.session.expunge_all()
    page = client.get("/contests").get_data(as_text=True)
    assert "ACME Networks GmbH" in page and "ACME Ltd" not in page


def test_users_of_no_organisation_keep_none(make, login, db, redis):
    admin = make.user("admin", email="root@vendor.example")
    login(admin).get("/contests")
    assert json.loads(redis.get(f"portal:users:{admin.id}"))["partner_name"] is None
