"""A file written under UPLOAD_DIR during a transaction lives and dies with it: kept by a
commit, deleted by a rollback, a refusal, or a request that ends without committing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage

from portal.imports.services import start_upload_import
from portal.onboarding.uploads import CheckedUpload, store, stored_path

PDF = b"%PDF-1.4\n% a stored document\n"


@pytest.fixture
def upload_dir(app, tmp_path, monkeypatch) -> Path:
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))
    return tmp_path


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file())


def stored_document(folder: str = "claims") -> Path:
    return stored_path(
        folder, store(CheckedUpload(PDF, "invoice.pdf", "application/pdf", 27), folder)
    )


def test_a_committed_file_is_kept(db, upload_dir):
    path = stored_document()
    assert path.read_bytes() == PDF
    db.session.commit()
    db.session.rollback()  # a later rollback does not reach an earlier commit's file
    assert path.is_file()


def test_a_rolled_back_file_is_deleted(db, upload_dir):
    kept = stored_document()
    db.session.commit()
    stored_document()
    stored_document("applications")
    db.session.rollback()
    assert files_in(upload_dir) == [kept.name]


def test_a_session_closed_without_commit_deletes_its_file(db, upload_dir):
    """What the end of a request that raised does: the session is removed, never committed."""
    path = stored_document()
    db.session.close()
    assert not path.exists()


def test_a_released_savepoint_does_not_keep_the_file_when_the_transaction_rolls_back(
    db, upload_dir
):
    savepoint = db.session.begin_nested()
    path = stored_document()
    savepoint.commit()
    assert path.is_file()
    db.session.rollback()
    assert not path.exists()


def test_an_uploaded_import_file_goes_with_its_batch(db, make, upload_dir):
    finance = make.user("finance")
    db.session.commit()
    csv = b"code,name,parent_code\nWORLD,World,\n"

    def upload():
        file = FileStorage(io.BytesIO(csv), filename="t.csv", content_type="text/csv")
        return start_upload_import("territories", file, dry_run=False, actor=finance)

    upload()
    db.session.rollback()
    assert files_in(upload_dir) == []
    upload()
    db.session.commit()
    assert len(files_in(upload_dir / "imports")) == 1
