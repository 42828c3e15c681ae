"""The upload page end to end: CSRF, a real RQ worker, the detail page; and who may upload."""

import io
import re

import pytest
from sqlalchemy import func, select

from portal.models import ImportBatch, SaleLine, Task
from tests.conftest import csrf_token
from workflows.imports import import_csv
from workflows.imports.task import run_import
from workflows.tasks import Progress, create_task

from .helpers import HEADERS, csv_bytes

SALES = HEADERS["sales"]


def upload(client, kind: str, data: bytes, filename: str = "q3.csv", dry_run: bool = False):
    form = {
        "csrf_token": csrf_token(client, "/imports/"),
        "kind": kind,
        "file": (io.BytesIO(data), filename, "text/csv"),
    }
    if dry_run:
        form["dry_run"] = "y"
    return client.post("/imports/", data=form, content_type="multipart/form-data")


@pytest.fixture
def live(app, committed_db, make_committed, redis):
    """A world committed for the worker process, and a finance user signed in for real."""
    t = make_committed.tree({"WORLD": None, "EMEA": "WORLD"})
    make_committed.partner("ACME", t["EMEA"])
    make_committed.product("SW-1", make_committed.category("NET"))
    finance = make_committed.user("finance")
    committed_db.session.commit()
    client = app.test_client()
    response = client.post(
        "/login",
        data={
            "email": finance.email,
            "password": "correct horse battery",
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 302
    return client


def batch_id_from(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/imports/(\d+)$", response.headers["Location"]).group(1))


@pytest.mark.worker
def test_upload_runs_in_the_worker_and_the_page_shows_the_result(live, committed_db, worker):
    data = csv_bytes(
        SALES, "S1,ACME,SW-1,2026-07-01,2,100.50,EUR", "S2,ACME,SW-1,2026-07-02,1,5,EUR"
    )
    batch_id = batch_id_from(upload(live, "sales", data))
    done = worker()
    assert done.returncode == 0, done.stderr
    committed_db.session.rollback()  # end the read transaction: see what the worker wrote
    batch = committed_db.session.get(ImportBatch, batch_id)
    assert (batch.status, batch.inserted, batch.task.status) == ("done", 2, "done")
    assert batch.task.progress_done == 2
    assert committed_db.session.scalar(select(func.count()).select_from(SaleLine)) == 2
    page = live.get(f"/imports/{batch_id}").get_data(as_text=True)
    assert "Import finished." in page
    assert "2 rows: 2 new, 0 changed, 0 already present." in page


@pytest.mark.worker
def test_bad_upload_fails_and_the_page_lists_the_rows(live, committed_db, worker):
    data = csv_bytes(
        SALES, "S1,ACME,SW-1,2026-07-01,2,100.50,EUR", "S2,<b>X</b>,SW-1,2026-07-02,1,5,EUR"
    )
    batch_id = batch_id_from(upload(live, "sales", data, dry_run=True))
    done = worker()
    assert done.returncode == 0, done.stderr
    committed_db.session.rollback()  # end the read transaction: see what the worker wrote
    assert committed_db.session.get(ImportBatch, batch_id).status == "failed"
    assert committed_db.session.scalar(select(func.count()).select_from(SaleLine)) == 0
    page = live.get(f"/imports/{batch_id}").get_data(as_text=True)
    assert "Nothing was imported" in page
    assert "<td>3</td><td>partner_code</td>" in page
    assert "No partner has the code &lt;b&gt;X&lt;/b&gt;." in page


def test_detail_page_renders_stored_row_errors(db, login, make, world):
    batch = ImportBatch(kind="sales", filename="bad.csv")
    db.session.add(batch)
    db.session.flush()
    data = csv_bytes(SALES, "S1,ACME,SW-1,2026-07-01,1,1,usd")
    import_csv("sales", io.BytesIO(data), batch=batch)
    page = login(make.user("finance")).get(f"/imports/{batch.id}").get_data(as_text=True)
    assert "<td>2</td><td>currency</td>" in page
    assert "usd is not a currency: use an ISO 4217 code such as EUR." in page


def test_binary_file_is_refused_before_any_import(login, make, db, rows_of):
    client = login(make.user("finance"))
    response = upload(client, "sales", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20, "photo.csv")
    assert response.status_code == 200
    assert "This file is not a UTF-8 CSV file." in response.get_data(as_text=True)
    assert rows_of(ImportBatch) == 0


def test_wrong_extension_is_refused(login, make, rows_of):
    client = login(make.user("finance"))
    response = upload(client, "sales", csv_bytes(SALES), "sales.xlsx")
    assert "Only .csv files can be imported." in response.get_data(as_text=True)
    assert rows_of(ImportBatch) == 0


def test_upload_without_csrf_token_is_refused(login, make, rows_of):
    client = login(make.user("finance"))
    response = client.post(
        "/imports/",
        data={"kind": "sales", "file": (io.BytesIO(csv_bytes(SALES)), "q3.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert rows_of(ImportBatch) == 0


@pytest.mark.parametrize("role", ["partner_user", "partner_admin", "channel_manager"])
def test_only_finance_and_admins_may_upload(login, make, world, rows_of, role):
    partner = world["acme"] if role.startswith("partner") else None
    client = login(make.user(role, partner=partner))
    assert client.get("/imports/").status_code == 403
    token = csrf_token(client, "/dashboard")
    response = client.post(
        "/imports/",
        data={
            "csrf_token": token,
            "kind": "sales",
            "file": (io.BytesIO(csv_bytes(SALES)), "q3.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    assert rows_of(ImportBatch) == 0


def test_task_reports_progress_while_it_reads(app, committed_db, make_committed, tmp_path):
    t = make_committed.tree({"WORLD": None})
    make_committed.partner("ACME", t["WORLD"])
    make_committed.product("SW-1", make_committed.category("NET"))
    lines = [f"S{i},ACME,SW-1,2026-07-01,1,{i}.25,EUR" for i in range(25_000)]
    path = tmp_path / "big.csv"
    path.write_bytes(csv_bytes(SALES, *lines))
    batch = ImportBatch(kind="sales", filename="big.csv")
    committed_db.session.add(batch)
    committed_db.session.flush()
    task = create_task("import", {"batch_id": batch.id, "path": str(path)})
    committed_db.session.commit()
    reported = []

    class Recording(Progress):
        def __call__(self, done, total=None):
            super().__call__(done, total)
            reported.append((done, total))

    run_import(task, Recording(task.id))
    if committed_db.engine.dialect.name == "sqlite":
        assert reported == [(25_000, 25_000)]  # see workflows/imports/task.py
    else:
        assert reported == [(10_000, 25_000), (20_000, 25_000), (25_000, 25_000)]
    committed_db.session.rollback()
    assert committed_db.session.get(ImportBatch, batch.id).inserted == 25_000
    assert committed_db.session.get(Task, task.id).progress_done == 25_000
