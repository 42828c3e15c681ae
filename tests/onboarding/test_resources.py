"""The resources library: publishing, upload checks, targeting by tier and territory, downloads."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal.models import Resource
from portal.resources import services
from portal.security import Forbidden
from workflows.onboarding.errors import OnboardingError

from ..conftest import csrf_token

PDF = b"%PDF-1.4\n% test\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def xlsx_bytes() -> bytes:
    """The same bytes on every call (a fixed entry time, not the clock's)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in (("[Content_Types].xml", "<Types/>"), ("xl/workbook.xml", "<workbook/>")):
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), text)
    return buffer.getvalue()


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(data: bytes, filename: str, content_type: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=filename, content_type=content_type)


@pytest.fixture
def partners(make, world):
    t = world["t"]
    de_s = make.territory("DE-S", t["DACH"])
    return {
        "dach_gold": make.partner("DGOLD", de_s, "gold"),
        "dach_silver": make.partner("DSILV", t["DACH"], "silver"),
        "fr_gold": make.partner("FGOLD", t["FR"], "gold", country="FR"),
        "us_gold": make.partner("UGOLD", t["AMER"], "gold", country="US"),
    }


def publish(
    world, title, *, tiers=(), territories=(), kind="link", url="https://example.com/x", file=None
):
    return services.publish(
        title=title,
        description="About " + title,
        kind=kind,
        url=url,
        upload=file,
        tiers=list(tiers),
        territory_ids=[t.id for t in territories],
        actor=world["finance"],
    )


def titles_for(db, make, partner) -> set[str]:
    user = make.user("partner_user", partner=partner)
    return {r.title for r in db.session.scalars(services.library(user))}


def test_partners_see_only_what_targets_their_tier_and_territory(db, make, world, partners):
    t = world["t"]
    publish(world, "everyone")
    publish(world, "gold")
    publish(world, "gold only", tiers=["gold"])
    publish(world, "emea", territories=[t["EMEA"]])
    publish(world, "dach silver", tiers=["silver"], territories=[t["DACH"]])
    publish(world, "amer or fr", territories=[t["AMER"], t["FR"]])
    publish(world, "archived").active = False
    db.session.flush()
    assert titles_for(db, make, partners["dach_gold"]) == {"everyone", "gold", "gold only", "emea"}
    assert titles_for(db, make, partners["dach_silver"]) == {
        "everyone",
        "gold",
        "emea",
        "dach silver",
    }
    assert titles_for(db, make, partners["fr_gold"]) == {
        "everyone",
        "gold",
        "gold only",
        "emea",
        "amer or fr",
    }
    assert titles_for(db, make, partners["us_gold"]) == {
        "everyone",
        "gold",
        "gold only",
        "amer or fr",
    }
    manager = {r.title for r in db.session.scalars(services.library(world["amer_manager"]))}
    assert "dach silver" in manager and "archived" not in manager
    assert len(db.session.scalars(services.library(world["finance"])).all()) == 7


def test_targeting_follows_the_partner_today(db, make, world, partners):
    publish(world, "fr", territories=[world["t"]["FR"]])
    partner = partners["dach_gold"]
    assert "fr" not in titles_for(db, make, partner)
    make.move(partner, world["t"]["FR"], date(2020, 1, 1))
    assert "fr" in titles_for(db, make, partner)


def test_documents_are_checked_and_stored_outside_static(app, db, world):
    resource = publish(
        world,
        "Price list",
        kind="document",
        url=None,
        file=upload(xlsx_bytes(), "prices.xlsx", XLSX_TYPE),
    )
    path = services.stored_file(resource)
    assert path.read_bytes() == xlsx_bytes()
    assert Path(app.config["UPLOAD_DIR"]) in path.parents
    assert "static" not in path.parts
    assert (resource.filename, resource.content_type, resource.size) == (
        "prices.xlsx",
        XLSX_TYPE,
        len(xlsx_bytes()),
    )


@pytest.mark.parametrize(
    ("data", "filename", "content_type", "message"),
    [
        (b"MZ\x90\x00 windows program", "setup.exe", "application/octet-stream", "not accepted"),
        (b"<script>alert(1)</script>", "page.html", "text/html", "not accepted"),
        (PNG, "picture.pdf", "application/pdf", "does not match"),
        (PDF, "doc.png", "application/pdf", "not accepted"),
        (b"PK\x03\x04 not a zip", "fake.xlsx", XLSX_TYPE, "does not match"),
        (b"", "empty.pdf", "application/pdf", "empty"),
        (PDF + b"x" * 2048, "big.pdf", "application/pdf", "larger than"),
        (PDF, "", "application/pdf", "Choose a file"),
    ],
)
def test_bad_uploads_are_refused(
    app, db, world, monkeypatch, rctx, data, filename, content_type, message
):
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_BYTES", 1024)
    with pytest.raises(OnboardingError, match=message):
        publish(world, "Bad", kind="document", url=None, file=upload(data, filename, content_type))
    assert db.session.scalar(select(Resource)) is None


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://example.com/x", "https://", "example.com"]
)
def test_links_must_be_web_addresses(db, world, rctx, url):
    with pytest.raises(OnboardingError, match="https://"):
        publish(world, "Link", url=url)


def test_only_finance_and_admin_publish(db, world, partners, make):
    for actor in (world["dach_manager"], make.user("partner_admin", partner=partners["dach_gold"])):
        with pytest.raises(Forbidden):
            services.publish(
                title="x",
                description="",
                kind="link",
                url="https://e.com",
                upload=None,
                tiers=[],
                territory_ids=[],
                actor=actor,
            )


def test_downloads_only_for_those_targeted(db, make, world, partners, login, client):
    resource = publish(
        world,
        "Gold guide",
        tiers=["gold"],
        kind="document",
        url=None,
        file=upload(PDF, "guide.pdf", "application/pdf"),
    )
    login(make.user("partner_user", partner=partners["dach_silver"]))
    assert client.get(f"/resources/{resource.id}/download").status_code == 404
    assert "Gold guide" not in client.get("/resources").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/resources")})
    login(make.user("partner_user", partner=partners["dach_gold"]))
    response = client.get(f"/resources/{resource.id}/download")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()


def test_publishing_through_the_page(db, world, login, client):
    login(world["admin"])
    token = csrf_token(client, "/resources")
    bad = client.post("/resources", data={"csrf_token": token, "title": "", "kind": "link"})
    assert bad.status_code == 400 and "Give the resource a title." in bad.get_data(as_text=True)
    wrong = client.post(
        "/resources",
        data={
            "csrf_token": token,
            "title": "Virus",
            "kind": "document",
            "file": (io.BytesIO(b"MZ..."), "virus.exe", "application/octet-stream"),
        },
        content_type="multipart/form-data",
    )
    assert wrong.status_code == 400 and "not accepted" in wrong.get_data(as_text=True)
    good = client.post(
        "/resources",
        data={
            "csrf_token": token,
            "title": "Rules <i>2026</i>",
            "kind": "document",
            "tiers": ["gold"],
            "territories": [str(world["t"]["EMEA"].id)],
            "file": (io.BytesIO(PDF), "rules.pdf", "application/pdf"),
        },
        content_type="multipart/form-data",
    )
    assert good.status_code == 302
    resource = db.session.scalar(select(Resource))
    assert resource.tiers == ["gold"] and [t.code for t in resource.territories] == ["EMEA"]
    page = client.get("/resources").get_data(as_text=True)
    assert "Rules &lt;i&gt;2026&lt;/i&gt;" in page
    archived = client.post(f"/resources/{resource.id}/archive", data={"csrf_token": token})
    assert archived.status_code == 302 and not db.session.get(Resource, resource.id).active


def test_partners_cannot_publish_or_archive(db, make, world, partners, login, client):
    resource = publish(world, "Everyone")
    login(make.user("partner_admin", partner=partners["dach_gold"]))
    token = csrf_token(client, "/resources")
    assert client.post("/resources", data={"csrf_token": token, "title": "x"}).status_code == 403
    assert (
        client.post(f"/resources/{resource.id}/archive", data={"csrf_token": token}).status_code
        == 403
    )
