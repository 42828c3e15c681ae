"""People admin: admins create staff users (a password link by e-mail), change roles and
territories, (de)activate; finance and admin roles wait for a second admin's approval;
partner admins change their colleagues' roles. Everything audited with before and after."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.admin import staff
from portal.admin.services import UserError, set_active
from portal.auth import passwords
from portal.models import AuditEvent, RoleGrant, User, UserSession
from portal.security import Forbidden
from portal.team import services as team
from workflows.onboarding.errors import OnboardingError

from .conftest import CSRF_RE, csrf_token
from .factories import PASSWORD
from .onboarding.helpers import link_in, outbox, path_of

NEW_PASSWORD = "my own staff password"  # noqa: S105


@pytest.fixture
def rctx(app):
    with app.test_request_context():
        yield


@pytest.fixture
def org(make, redis):
    t = make.tree({"WORLD": None, "EMEA": "WORLD", "DACH": "EMEA", "AMER": "WORLD"})
    return {
        "t": t,
        "ada": make.user("admin", email="ada@vendor.example"),
        "bob": make.user("admin", email="bob@vendor.example"),
        "fin": make.user("finance", email="fin@vendor.example"),
        "mia": make.user("channel_manager", territories=[t["DACH"]], email="mia@vendor.example"),
    }


def events(db, action, obj) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.action == action,
                AuditEvent.object_type == obj.__tablename__,
                AuditEvent.object_id == str(obj.id),
            )
            .order_by(AuditEvent.id)
        )
    )


def create(org, role="channel_manager", territories=("EMEA",), actor="ada", **kw):
    return staff.create_staff_user(
        email=kw.pop("email", "new@vendor.example"),
        name=kw.pop("name", "Nina New"),
        role=role,
        territory_ids=[org["t"][c].id for c in territories],
        locale=kw.pop("locale", "de"),
        actor=org[actor],
    )


def test_an_admin_creates_a_channel_manager_who_is_mailed_a_password_link(db, rctx, org):
    user, grant = create(org, territories=("EMEA", "AMER"))
    assert grant is None and user.active and user.role == "channel_manager"
    assert sorted(t.code for t in user.territories) == ["AMER", "EMEA"]
    [mail] = outbox(db, "staff_welcome")
    assert (mail.to_address, mail.locale) == ("new@vendor.example", "de")
    token = path_of(link_in(mail)).removeprefix("/set-password/")
    assert passwords.user_for_link(passwords.WELCOME, token) is user
    [event] = events(db, "user.create", user)
    assert event.actor_email == "ada@vendor.example"
    assert event.after == {
        "email": "new@vendor.example",
        "name": "Nina New",
        "role": "channel_manager",
        "territories": ["AMER", "EMEA"],
        "active": True,
    }


@pytest.mark.parametrize(
    ("role", "territories", "email", "field"),
    [
        ("channel_manager", (), "new@vendor.example", "territories"),
        ("finance", ("EMEA",), "new@vendor.example", "territories"),
        ("partner_user", (), "new@vendor.example", "role"),
        ("applicant", (), "new@vendor.example", "role"),
        ("channel_manager", ("EMEA",), "MIA@vendor.example", "email"),
        ("channel_manager", ("EMEA",), "not an address", "email"),
    ],
)
def test_bad_staff_users_are_refused_and_nothing_is_written(
    db, rctx, org, role, territories, email, field
):
    before = db.session.query(User).count()
    with pytest.raises(UserError) as caught:
        create(org, role=role, territories=territories, email=email)
    assert caught.value.field == field
    assert db.session.query(User).count() == before and outbox(db) == []


def test_only_admins_manage_staff(db, rctx, org):
    for actor in ("fin", "mia"):
        with pytest.raises(Forbidden):
            create(org, actor=actor)


def test_a_new_finance_user_waits_inactive_for_a_second_admin(db, rctx, org):
    user, grant = create(org, role="finance", territories=())
    assert not user.active and grant.status == "pending" and grant.with_creation
    assert outbox(db, "staff_welcome") == []  # no link before the approval
    with pytest.raises(UserError, match="approval"):
        set_active(user, True, actor=org["bob"])
    with pytest.raises(UserError, match="another administrator must approve"):
        staff.approve_grant(grant, actor=org["ada"])  # the requester
    assert grant.status == "pending" and not user.active
    staff.approve_grant(grant, actor=org["bob"])
    assert user.active and user.role == "finance" and grant.decided_by_id == org["bob"].id
    [mail] = outbox(db, "staff_welcome")
    assert mail.to_address == "new@vendor.example"
    [request] = events(db, "role_grant.request", grant)
    assert request.actor_email == "ada@vendor.example"
    assert request.after == {"user": user.email, "role": "finance", "previous_role": None}
    [approval] = events(db, "role_grant.approve", grant)
    assert approval.actor_email == "bob@vendor.example"
    [update] = events(db, "user.update", user)
    assert update.before["active"] is False and update.after == {
        "role": "finance",
        "territories": [],
        "active": True,
    }


def test_a_rejected_new_admin_is_never_activated(db, rctx, org):
    user, grant = create(org, role="admin", territories=())
    staff.reject_grant(grant, actor=org["bob"])
    assert grant.status == "rejected" and not user.active
    with pytest.raises(UserError, match="never approved"):
        set_active(user, True, actor=org["bob"])
    with pytest.raises(UserError, match="never approved"):
        staff.change_staff_role(
            user, role="channel_manager", territory_ids=[org["t"]["EMEA"].id], actor=org["bob"]
        )
    assert events(db, "role_grant.reject", grant)[0].after == {"status": "rejected"}


def test_promoting_a_manager_to_admin_changes_nothing_until_approved(db, rctx, org):
    mia = org["mia"]
    _, grant = staff.change_staff_role(mia, role="admin", actor=org["ada"])
    assert mia.role == "channel_manager" and [t.code for t in mia.territories] == ["DACH"]
    assert grant.previous_role == "channel_manager"
    with pytest.raises(UserError, match="awaits approval"):
        staff.change_staff_role(mia, role="finance", actor=org["bob"])
    with pytest.raises(UserError, match="another administrator"):
        staff.approve_grant(grant, actor=org["ada"])
    staff.approve_grant(grant, actor=org["bob"])
    assert mia.role == "admin" and mia.territories == []
    [update] = events(db, "user.update", mia)
    assert update.before == {"role": "channel_manager", "territories": ["DACH"], "active": True}
    assert update.after == {"role": "admin", "territories": [], "active": True}
    with pytest.raises(UserError, match="decided already"):
        staff.approve_grant(grant, actor=org["bob"])


def test_nobody_approves_a_request_about_themselves(db, rctx, org, make):
    fin = org["fin"]
    _, grant = staff.change_staff_role(fin, role="admin", actor=org["ada"])
    fin.role = "admin"  # say fin was made admin meanwhile by another path
    with pytest.raises(UserError, match="another administrator"):
        staff.approve_grant(grant, actor=fin)


def test_other_changes_apply_at_once_and_are_audited(db, rctx, org):
    mia = org["mia"]
    t = org["t"]
    staff.change_staff_role(
        mia, role="channel_manager", territory_ids=[t["EMEA"].id, t["AMER"].id], actor=org["ada"]
    )
    assert sorted(x.code for x in mia.territories) == ["AMER", "EMEA"]
    fin = org["fin"]
    _, grant = staff.change_staff_role(
        fin, role="channel_manager", territory_ids=[t["DACH"].id], actor=org["ada"]
    )
    assert grant is None and fin.role == "channel_manager"
    [first] = events(db, "user.update", mia)
    assert first.before == {"role": "channel_manager", "territories": ["DACH"]}
    assert first.after == {"role": "channel_manager", "territories": ["AMER", "EMEA"]}
    [second] = events(db, "user.update", fin)
    assert second.before == {"role": "finance", "territories": []}
    # no change, no event
    staff.change_staff_role(
        fin, role="channel_manager", territory_ids=[t["DACH"].id], actor=org["bob"]
    )
    assert len(events(db, "user.update", fin)) == 1


def test_role_changes_that_are_refused(db, rctx, org, make):
    partner = make.partner("ACME", org["t"]["DACH"])
    pat = make.user("partner_user", partner=partner)
    with pytest.raises(UserError, match="partner admins"):
        staff.change_staff_role(pat, role="channel_manager", actor=org["ada"])
    with pytest.raises(UserError, match="your own role"):
        staff.change_staff_role(org["ada"], role="finance", actor=org["ada"])
    with pytest.raises(UserError) as caught:
        staff.change_staff_role(org["fin"], role="channel_manager", actor=org["ada"])
    assert caught.value.field == "territories"


def test_deactivation_ends_sessions_and_reactivation_lets_them_back(app, client, db, org, login):
    mia = org["mia"]
    login(mia)
    set_active(mia, False, actor=org["ada"])
    db.session.expire_all()
    assert client.get("/deals").status_code == 302
    live = db.session.scalars(
        select(UserSession).where(UserSession.user_id == mia.id, UserSession.revoked_at.is_(None))
    ).all()
    assert live == []
    set_active(mia, True, actor=org["ada"])
    assert [e.after for e in events(db, "user.activate", mia)] == [{"active": True}]
    assert login(mia).get("/deals").status_code == 200


# --- the pages ---------------------------------------------------------------------------


def post_form(client, page, path, **data):
    token = CSRF_RE.search(client.get(page).get_data(as_text=True)).group(1)
    return client.post(path, data={"csrf_token": token, **data})


def test_admin_pages_create_a_manager_who_sets_a_password_and_signs_in(app, client, db, org, login):
    login(org["ada"])
    form = client.get("/admin/users/new").get_data(as_text=True)
    assert "DACH" in form and "multiple" in form
    response = post_form(
        client,
        "/admin/users/new",
        "/admin/users/new",
        name="Nina New",
        email="nina@vendor.example",
        role="channel_manager",
        territories=[str(org["t"]["EMEA"].id)],
        language="fr",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    [mail] = outbox(db, "staff_welcome")
    assert mail.locale == "fr"
    newcomer = app.test_client()
    path = path_of(link_in(mail))
    page = newcomer.get(path)
    assert page.status_code == 200 and "Choose your password" in page.get_data(as_text=True)
    done = post_form(newcomer, path, path, password=NEW_PASSWORD, confirm=NEW_PASSWORD)
    assert done.status_code == 302 and done.location == "/dashboard"
    assert newcomer.get("/deals").status_code == 200  # signed in
    assert app.test_client().get(path).status_code == 400  # the link worked once
    nina = db.session.scalar(select(User).where(User.email == "nina@vendor.example"))
    assert nina.check_password(NEW_PASSWORD)
    assert events(db, "user.password_set", nina)


def test_the_new_user_form_refuses_bad_input_with_a_message(client, db, org, login):
    login(org["ada"])
    response = post_form(
        client,
        "/admin/users/new",
        "/admin/users/new",
        name="Nina New",
        email="nina@vendor.example",
        role="channel_manager",
        language="en",
    )
    assert response.status_code == 400
    assert "Choose at least one territory" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == "nina@vendor.example")) is None
    junk = post_form(
        client,
        "/admin/users/new",
        "/admin/users/new",
        name="X",
        email="x@v.example",
        role="channel_manager",
        territories=["abc"],
        language="en",
    )
    assert junk.status_code == 400


def test_the_grant_queue_needs_a_second_admin(app, client, db, org, login, make):
    login(org["ada"])
    edit = client.get(f"/admin/users/{org['mia'].id}").get_data(as_text=True)
    assert f'<option selected value="{org["t"]["DACH"].id}">' in edit
    partner_user = make.user("partner_user", partner=make.partner("ACME", org["t"]["DACH"]))
    assert client.get(f"/admin/users/{partner_user.id}").status_code == 404
    # The manager's territories are still selected in the list when the role changes.
    response = post_form(
        client,
        f"/admin/users/{org['mia'].id}",
        f"/admin/users/{org['mia'].id}",
        role="finance",
        territories=[str(org["t"]["DACH"].id)],
    )
    assert response.status_code == 302
    listing = client.get("/admin/users").get_data(as_text=True)
    assert "Roles awaiting approval" in listing and "mia@vendor.example" in listing
    grant = db.session.scalar(select(RoleGrant))
    own = post_form(client, "/admin/users", f"/admin/grants/{grant.id}/approve")
    assert own.status_code == 302
    after = client.get("/admin/users").get_data(as_text=True)
    assert "another administrator must approve it" in after
    db.session.expire_all()
    assert grant.status == "pending" and org["mia"].role == "channel_manager"
    other = app.test_client()
    token = csrf_token(other)
    other.post(
        "/login", data={"email": "bob@vendor.example", "password": PASSWORD, "csrf_token": token}
    )
    assert post_form(other, "/admin/users", f"/admin/grants/{grant.id}/approve").status_code == 302
    db.session.expire_all()
    assert grant.status == "approved" and org["mia"].role == "finance"


def test_only_admins_reach_the_people_pages(client, org, login):
    login(org["fin"])
    assert client.get("/admin/users/new").status_code == 403
    assert client.get(f"/admin/users/{org['mia'].id}").status_code == 403


def test_partner_admins_change_their_colleagues_roles(app, client, db, org, make, login):
    partner = make.partner("ACME", org["t"]["DACH"])
    other = make.partner("OTHER", org["t"]["AMER"])
    pam = make.user("partner_admin", partner=partner, email="pam@acme.example")
    pat = make.user("partner_user", partner=partner, email="pat@acme.example")
    oz = make.user("partner_user", partner=other, email="oz@other.example")
    with app.test_request_context():
        team.set_member_role(pat, "partner_admin", actor=pam)
        assert pat.role == "partner_admin"
        [event] = events(db, "user.update", pat)
        assert (event.before, event.after) == ({"role": "partner_user"}, {"role": "partner_admin"})
        with pytest.raises(OnboardingError):
            team.set_member_role(pam, "partner_user", actor=pam)
        with pytest.raises(OnboardingError):
            team.set_member_role(pat, "admin", actor=pam)
        with pytest.raises(Forbidden):
            team.set_member_role(oz, "partner_admin", actor=pam)
    login(pam)
    response = post_form(client, "/team", f"/team/members/{pat.id}/role", role="partner_user")
    assert response.status_code == 302
    db.session.expire_all()
    assert pat.role == "partner_user"
    assert (
        post_form(client, "/team", f"/team/members/{oz.id}/role", role="partner_admin").status_code
        == 404
    )
    assert (
        post_form(client, "/team", f"/team/members/{pat.id}/role", role="finance").status_code
        == 400
    )
