"""Files written during a transaction live and die with it.

An upload (a claim invoice, an application document, a library file, a CSV to import) is written
under UPLOAD_DIR before the row that names it is committed. If the request is then refused or
fails — a claim over the limit, a bad reference, an exception — the rows are rolled back, and so
must the file be: `written(path)` ties a new file to the session's transaction, a commit keeps
it, and a transaction that ends any other way (rollback, refusal, an exception that closes the
session at the end of the request) deletes it.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, scoped_session

INFO_KEY = "portal.new_files"
log = logging.getLogger(__name__)


def written(session: Session | scoped_session, path: Path) -> None:
    """`path` was just created for what this session will commit: delete it unless it does."""
    if isinstance(session, scoped_session):
        session = session()
    if not session.in_transaction():
        session.begin()  # so that the end of the request, commit or not, ends a transaction
    session.info.setdefault(INFO_KEY, []).append(Path(path))


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: the outer transaction may still roll back
    session.info.pop(INFO_KEY, None)  # the committed rows own their files now


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return  # a savepoint: the outer transaction decides
    for path in session.info.pop(INFO_KEY, ()):
        try:
            path.unlink(missing_ok=True)
        except OSError:
            log.warning("could not remove %s after its transaction was rolled back", path)


def register() -> None:
    """Listen on every Session (the app's and any other): idempotent."""
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_transaction_end", _after_transaction_end)
