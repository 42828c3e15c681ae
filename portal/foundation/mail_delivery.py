"""Delivering outbox messages: SMTP when MAIL_SERVER is set, else .eml files for developers."""

from __future__ import annotations

import smtplib
import ssl
import uuid
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import OutboxMessage, utcnow

STALLED_AFTER = timedelta(minutes=2)


def build_email(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.created_at)
    email["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}")
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    return email


def _send_smtp(email: EmailMessage) -> None:
    config = current_app.config
    if config["MAIL_USE_SSL"]:
        connection = smtplib.SMTP_SSL(
            config["MAIL_SERVER"],
            config["MAIL_PORT"],
            timeout=30,
            context=ssl.create_default_context(),
        )
    else:
        connection = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30)
    with connection as smtp:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(email)


def _write_file(email: EmailMessage, message: OutboxMessage) -> Path:
    directory = Path(current_app.config["MAIL_OUTBOX_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{message.id:08d}-{message.template}-{uuid.uuid4().hex[:8]}.eml"
    path.write_bytes(bytes(email))
    return path


def deliver(message_id: int) -> str:
    """Send one queued message and record the outcome; re-raise failures so RQ retries.

    After MAIL_MAX_ATTEMPTS failures the message is marked failed and left for an operator.
    """
    message = db.session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == "queued")
        .with_for_update(skip_locked=True)
    )
    if message is None:
        db.session.rollback()
        return "nothing to send"
    message.attempts += 1
    try:
        email = build_email(message)
        if current_app.config["MAIL_SERVER"]:
            _send_smtp(email)
        else:
            _write_file(email, message)
    except Exception as exc:
        message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if message.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
            message.status = "failed"
        db.session.commit()
        raise
    message.status, message.sent_at, message.last_error = "sent", utcnow(), None
    db.session.commit()
    return "sent"


def stalled_message_ids(limit: int = 500) -> list[int]:
    """Queued messages nobody delivered for a while (their job was lost): to queue again."""
    cutoff = utcnow() - STALLED_AFTER
    return list(
        db.session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.status == "queued", OutboxMessage.created_at < cutoff)
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
    )
