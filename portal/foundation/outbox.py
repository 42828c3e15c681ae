"""The mail outbox, for every feature that e-mails people.

`queue_mail` renders a message from `templates/mail/<name>.txt` in the recipient's language and
stores it as an `OutboxMessage` row in the caller's transaction. After committing, the caller
runs `workflows.enqueue.pending_mail()`, which queues one delivery job per message this session
created; a worker then sends it over SMTP (MAIL_SERVER set) or writes it to MAIL_OUTBOX_DIR as
an .eml file. Messages whose job was lost (Redis restarted) are re-queued by a periodic sweep.

A mail template is plain text (not HTML-escaped) with a `subject` block and a `body` block; it
usually extends `mail/base.txt`. An optional `templates/mail/<name>.html` adds an HTML part.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from jinja2 import TemplateNotFound

from ..extensions import db
from ..models import OutboxMessage

PENDING_KEY = "outbox_pending"


def public_url(endpoint: str, **values) -> str:
    """An absolute link for e-mails, built from PUBLIC_URL (works outside requests too)."""
    base = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)


def render_mail(template_name: str, context: Mapping[str, Any]) -> tuple[str, str, str | None]:
    """(subject, text body, html body or None) in the current (forced) locale."""
    env = current_app.jinja_env
    template = env.get_template(f"mail/{template_name}.txt")
    subject = "".join(template.blocks["subject"](template.new_context(dict(context))))
    body = template.render(dict(context)).strip() + "\n"
    try:
        html = env.get_template(f"mail/{template_name}.html").render(dict(context))
    except TemplateNotFound:
        html = None
    return " ".join(subject.split())[:300], body, html


def queue_mail(
    to,
    template_name: str,
    context: Mapping[str, Any],
    locale: str | None = None,
    *,
    related=None,
) -> OutboxMessage:
    """Render and store one e-mail; `to` is a User (address and language taken from it) or an
    address. `related` is the object the mail is about (shown in the outbox, used by tests)."""
    address = getattr(to, "email", to)
    language = locale or getattr(to, "locale", None) or current_app.config["BABEL_DEFAULT_LOCALE"]
    if language not in current_app.config["LANGUAGES"]:
        language = current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(language):
        subject, body, html = render_mail(template_name, {**context, "recipient": to})
    message = OutboxMessage(
        to_address=address,
        subject=subject,
        body_text=body,
        body_html=html,
        template=template_name,
        locale=language,
        related_type=getattr(related, "__tablename__", None),
        related_id=str(related.id) if related is not None else None,
    )
    db.session.add(message)
    db.session.flush()
    db.session.info.setdefault(PENDING_KEY, []).append(message.id)
    return message


def take_pending() -> list[int]:
    """Ids of the messages this session queued since the last call (for enqueueing after commit)."""
    return db.session.info.pop(PENDING_KEY, [])
