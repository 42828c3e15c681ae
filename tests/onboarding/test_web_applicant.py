"""The public and applicant pages: registration form, verification, status, submit, answer."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from portal.models import ApplicationDocument, PartnerApplication, User
from workflows.onboarding.states import transition

from ..conftest import csrf_token
from .helpers import REGISTRATION, link_in, outbox, path_of

PDF = b"%PDF-1.4\n%%EOF\n"


def form_data(client, **changes) -> dict:
    data = {
        "company_name": REGISTRATION.company_name,
        "country": "DE",
        "website": "www.nordlicht.example",
        "tax_id": REGISTRATION.tax_id,
        "address": REGISTRATION.address,
        "business_type": "reseller",
        "name": REGISTRATION.name,
        "email": REGISTRATION.email,
        "password": REGISTRATION.password,
        "confirm": REGISTRATION.password,
        "csrf_token": csrf_token(client, "/become-a-partner"),
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"company_name": ""}, "Enter your company's legal name."),
        ({"country": ""}, "Choose your country."),
        ({"country": "XX"}, "Not a valid choice"),
        ({"website": ""}, "Enter your company's website."),
        ({"website": "not a website"}, "Enter a website such as www.example.com."),
        ({"website": "http://192.168.0.1"}, "Enter a website such as www.example.com."),
        ({"tax_id": ""}, "Enter your company's tax id."),
        ({"tax_id": "1" * 65}, "At most 64 characters."),
        ({"address": ""}, "Enter your company's address."),
        ({"business_type": "pirate"}, "Not a valid choice"),
        ({"name": ""}, "Enter your name."),
        ({"email": "nora@"}, "Enter a valid e-mail address."),
        ({"password": "short", "confirm": "short"}, "Use between 10 and 200 characters."),
        ({"confirm": "something else"}, "The two passwords are not the same."),
        ({"country": "ZZ"}, "Not a valid choice"),
        ({"country": "IC"}, "Not a valid choice"),
        (
            {"company_name": "Nordlicht\u202eHbmG"},
            "Remove the control character U+202E at position 10.",
        ),
        ({"name": "Nora\x07"}, "Remove the control character U+0007 at position 5."),
        ({"tax_id": "DE\u2066123"}, "Remove the control character U+2066 at position 3."),
        (
            {"address": "Hafenstraße 1\n\u202d20457 Hamburg"},
            "Remove the control character U+202D at position 15.",
        ),
    ],
)
def test_bad_registrations_say_what_is_wrong_and_keep_what_was_typed(
    db, world, client, changes, message
):
    response = client.post("/become-a-partner", data=form_data(client, **changes))
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in body
    assert 'value="Nordlicht Systems GmbH"' in body or "company_name" in changes
    assert "Hafenstraße 1" in body or changes.get("address") == ""
    assert db.session.scalar(select(func.count()).select_from(PartnerApplication)) == 0


def test_script_in_a_company_name_is_escaped(db, world, client):
    response = client.post(
        "/become-a-partner", data=form_data(client, company_name="<script>x</script>", email="")
    )
    body = response.get_data(as_text=True)
    assert "<script>x</script>" not in body and "&lt;script&gt;x&lt;/script&gt;" in body


def test_registration_without_csrf_is_refused(db, world, client):
    data = form_data(client)
    del data["csrf_token"]
    assert client.post("/become-a-partner", data=data).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(User)) == 5


def test_same_answer_whether_or_not_the_address_exists(db, world, client):
    new = client.post("/become-a-partner", data=form_data(client))
    existing = client.post(
        "/become-a-partner", data=form_data(client, email="DORA@v.example", company_name="X")
    )
    assert new.status_code == existing.status_code == 302
    assert new.headers["Location"] == existing.headers["Location"]
    page = client.get(new.headers["Location"]).get_data(as_text=True)
    assert "Check your e-mail" in page
    assert [m.template for m in outbox(db)] == ["verify_email", "registration_notice"]
    assert db.session.scalar(select(func.count()).select_from(PartnerApplication)) == 1


def test_registration_is_rate_limited(app, db, world, client):
    for n in range(app.config["REGISTRATION_RATE_LIMIT"]):
        client.post("/become-a-partner", data=form_data(client, email=f"n{n}@x.example"))
    response = client.post("/become-a-partner", data=form_data(client, email="late@x.example"))
    assert response.status_code == 429
    window = app.config["REGISTRATION_RATE_WINDOW_SECONDS"]
    assert window - 10 <= int(response.headers["Retry-After"]) <= window
    assert "Too many attempts. Please try again in 60 minutes." in response.get_data(as_text=True)


def test_resending_the_link_too_often_says_when_to_try_again(app, db, world, register, login):
    application = register(verified=False)
    client = login(application.applicant, REGISTRATION.password)
    for _ in range(app.config["VERIFY_RESEND_RATE_LIMIT"]):
        token = csrf_token(client, "/application")
        client.post("/application/resend-verification", data={"csrf_token": token})
    token = csrf_token(client, "/application")
    refused = client.post("/application/resend-verification", data={"csrf_token": token})
    assert refused.status_code == 302
    page = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "Too many attempts. Please try again in 60 minutes." in page
    assert len(outbox(db, "verify_email")) == 1 + app.config["VERIFY_RESEND_RATE_LIMIT"]


def test_register_verify_sign_in_submit(db, world, client, login):
    client.post("/become-a-partner", data=form_data(client))
    [mail] = outbox(db, "verify_email")
    verify_path = path_of(link_in(mail))
    confirm = client.get(verify_path)
    assert confirm.status_code == 200 and "Confirm my e-mail address" in confirm.get_data(
        as_text=True
    )
    assert not db.session.scalar(select(PartnerApplication)).is_verified  # GET changes nothing
    done = client.post(verify_path, data={"csrf_token": csrf_token(client, verify_path)})
    assert done.headers["Location"] == "/login?next=/application/submit"
    again = client.post(verify_path, data={"csrf_token": csrf_token(client, "/login")})
    assert again.status_code == 400 and "not valid any more" in again.get_data(as_text=True)
    applicant = db.session.scalar(select(User).where(User.email == REGISTRATION.email))
    login(applicant, REGISTRATION.password)
    page = client.get("/application/submit").get_data(as_text=True)
    assert "Nordlicht Systems GmbH" in page and "partner agreement" not in page
    submitted = client.post(
        "/application/submit", data={"csrf_token": csrf_token(client, "/application/submit")}
    )
    assert submitted.headers["Location"] == "/application"
    status = client.get("/application").get_data(as_text=True)
    assert 'data-state="submitted"' in status


def test_submit_page_demands_the_agreement(db, world, register, agreement, login, client):
    application = register()
    login(application.applicant, REGISTRATION.password)
    page = client.get("/application/submit").get_data(as_text=True)
    assert "The partner shall be excellent." in page
    response = client.post(
        "/application/submit", data={"csrf_token": csrf_token(client, "/application/submit")}
    )
    assert response.status_code == 400
    assert "Accept the current partner agreement before submitting." in response.get_data(
        as_text=True
    )
    accepted = client.post(
        "/application/submit",
        data={"csrf_token": csrf_token(client, "/application/submit"), "accept": "y"},
    )
    assert accepted.status_code == 302
    assert db.session.get(PartnerApplication, application.id).state == "submitted"


def test_unverified_applicants_see_how_to_continue(db, world, register, login, client):
    application = register(verified=False)
    login(application.applicant, REGISTRATION.password)
    page = client.get("/application").get_data(as_text=True)
    assert "Confirm your e-mail address" in page and "Send me a new link" in page
    response = client.post(
        "/application/submit", data={"csrf_token": csrf_token(client, "/application/submit")}
    )
    assert response.status_code == 400 and "Confirm your e-mail address first" in response.get_data(
        as_text=True
    )
    resend = client.post(
        "/application/resend-verification", data={"csrf_token": csrf_token(client, "/application")}
    )
    assert resend.status_code == 302 and len(outbox(db, "verify_email")) == 2


def test_applicants_see_only_their_application(db, world, register, login, client, make):
    application = register()
    login(application.applicant, REGISTRATION.password)
    for path in ("/dashboard", "/partners", "/sales", "/deals", "/resources", "/team"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/application", path
    assert client.get("/applications").status_code == 403
    assert client.get(f"/applications/{application.id}").status_code == 403


def test_needs_info_question_answer_and_resubmit(db, world, submitted, login, client):
    application = submitted()
    transition(application, "request_info", world["dach_manager"], question="Your <b>revenue</b>?")
    login(application.applicant, REGISTRATION.password)
    page = client.get("/application").get_data(as_text=True)
    assert "Your &lt;b&gt;revenue&lt;/b&gt;?" in page
    empty = client.post(
        "/application/answer", data={"csrf_token": csrf_token(client, "/application"), "answer": ""}
    )
    assert empty.status_code == 400
    assert "Answer the channel manager's question." in empty.get_data(as_text=True)
    done = client.post(
        "/application/answer",
        data={"csrf_token": csrf_token(client, "/application"), "answer": "1 M EUR"},
    )
    assert done.status_code == 302
    assert 'data-state="resubmitted"' in client.get("/application").get_data(as_text=True)


def test_rejected_and_approved_status_pages(db, world, submitted, login, client):
    rejected = submitted()
    transition(rejected, "reject", world["dach_manager"], reason="Outside our <market>.")
    login(rejected.applicant, REGISTRATION.password)
    page = client.get("/application").get_data(as_text=True)
    assert 'data-state="rejected"' in page and "Outside our &lt;market&gt;." in page


def test_documents_upload_checks_and_access(db, world, submitted, register, login, client):
    mine = submitted()
    theirs = register(email="t@other.example", company_name="Other Co")
    login(mine.applicant, REGISTRATION.password)
    token = csrf_token(client, "/application")
    wrong = client.post(
        "/application/documents",
        data={"csrf_token": token, "file": (io.BytesIO(b"<html>"), "cert.pdf", "application/pdf")},
        content_type="multipart/form-data",
    )
    assert wrong.status_code == 400 and "does not match its type" in wrong.get_data(as_text=True)
    good = client.post(
        "/application/documents",
        data={
            "csrf_token": token,
            "file": (io.BytesIO(PDF), "tax certificate.pdf", "application/pdf"),
        },
        content_type="multipart/form-data",
    )
    assert good.status_code == 302
    document = db.session.scalar(select(ApplicationDocument))
    assert document.application_id == mine.id
    download = client.get(f"/application/documents/{document.id}")
    assert download.status_code == 200 and download.data == PDF
    download.close()
    client.post("/logout", data={"csrf_token": token})
    login(theirs.applicant, REGISTRATION.password)
    assert client.get(f"/application/documents/{document.id}").status_code == 404
    client.post("/logout", data={"csrf_token": csrf_token(client, "/application")})
    login(world["amer_manager"])
    assert client.get(f"/application/documents/{document.id}").status_code == 404
    client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})
    login(world["finance"])
    assert client.get(f"/application/documents/{document.id}").status_code == 404
    client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})
    login(world["emea_manager"])
    reviewer = client.get(f"/application/documents/{document.id}")
    assert reviewer.status_code == 200
    reviewer.close()


def test_pages_work_in_french(db, world, client):
    page = client.get("/become-a-partner", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert 'lang="fr"' in page
    assert ">Allemagne<" in page  # country names come from CLDR in the user's language
