"""The mail outbox: rendering in the recipient's language, delivery by file or SMTP, retries."""

import socketserver
import threading
from datetime import timedelta
from email import message_from_bytes

import pytest
from babel.dates import format_date
from flask_babel import force_locale, gettext
from rq import Queue
from sqlalchemy import select

from portal.foundation import mail_delivery as delivery
from portal.foundation.outbox import queue_mail, take_pending
from portal.models import OutboxMessage, utcnow
from workflows import enqueue
from workflows.deals.states import transition


def test_mail_is_rendered_for_the_recipient_and_stored_as_queued(app, db, register, world):
    world["acme_user"].locale = "fr"
    deal = register(world["acme_user"], "ACME")
    # names with line breaks are refused on entry; one stored before then must not break mail
    deal.customer_name = "ACME\r\nBcc: evil@example.com"
    transition(deal, "approve", world["dach_manager"])
    message = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.template == "deal_approved")
    )
    assert message.status == "queued" and message.attempts == 0
    assert message.locale == "fr" and message.to_address == "ann@acme.example"
    with force_locale("fr"):
        expected = gettext("Deal registration %(reference)s approved", reference=deal.reference)
    assert message.subject == expected
    assert "\n" not in message.subject and "\r" not in message.subject
    assert f"{app.config['PUBLIC_URL']}/deals/{deal.id}" in message.body_text
    french_date = format_date(deal.protection_ends_on, "medium", locale="fr")
    assert french_date in message.body_text  # dates formatted for the recipient's locale
    assert (message.related_type, message.related_id) == ("deal_registrations", str(deal.id))


def test_unknown_locale_falls_back_to_the_default(db, world):
    message = queue_mail("someone@example.com", "deal_expired", _context(world), locale="xx")
    assert message.locale == "en"


def _context(world):
    class Deal:
        reference, customer_name = "DR-2026-000001", "<b>Acme</b>"
        protection_ends_on = utcnow().date()

    return {"deal": Deal, "link": "https://portal.example/deals/1"}


def test_plain_text_mail_is_not_html_escaped(db, world):
    message = queue_mail(world["acme_user"], "deal_expired", _context(world))
    assert "<b>Acme</b>" in message.body_text and "&lt;" not in message.body_text


def test_pending_mail_is_enqueued_only_when_asked_after_commit(db, redis, world):
    message = queue_mail(world["acme_user"], "deal_expired", _context(world))
    assert Queue("default", connection=redis).count == 0
    enqueue.pending_mail()
    jobs = Queue("default", connection=redis).jobs
    assert [(j.func_name, j.args) for j in jobs] == [("workflows.jobs.send_mail", (message.id,))]
    assert take_pending() == []


def test_delivery_writes_an_eml_file_without_smtp(app, db, world, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "MAIL_OUTBOX_DIR", str(tmp_path))
    message = queue_mail(world["acme_user"], "deal_expired", _context(world))
    assert delivery.deliver(message.id) == "sent"
    db.session.refresh(message)
    assert (message.status, message.attempts) == ("sent", 1)
    (path,) = tmp_path.glob(f"{message.id:08d}-deal_expired-*.eml")
    email = message_from_bytes(path.read_bytes())
    assert email["To"] == "ann@acme.example" and email["Subject"] == message.subject
    path.unlink()
    assert delivery.deliver(message.id) == "nothing to send"


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: EHLO, MAIL, RCPT, DATA, QUIT."""

    def handle(self):
        self.wfile.write(b"220 test ESMTP\r\n")
        while line := self.rfile.readline():
            command = line.strip().upper()
            if command.startswith(b"EHLO"):
                self.wfile.write(b"250 test\r\n")
            elif command == b"DATA":
                self.wfile.write(b"354 go ahead\r\n")
                data = b""
                while (chunk := self.rfile.readline()) != b".\r\n":
                    data += chunk
                self.server.received.append(data)
                self.wfile.write(b"250 queued\r\n")
            elif command == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp_server(app, monkeypatch):
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPHandler)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", server.server_address[1])
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
    yield server
    server.shutdown()
    server.server_close()


def test_delivery_over_smtp_when_a_server_is_configured(db, world, smtp_server):
    message = queue_mail(world["acme_user"], "deal_expired", _context(world))
    message.body_html = "<p>Expired</p>"
    assert delivery.deliver(message.id) == "sent"
    (raw,) = smtp_server.received
    email = message_from_bytes(raw)
    assert email["To"] == "ann@acme.example"
    assert {part.get_content_type() for part in email.walk()} >= {"text/plain", "text/html"}


def test_failed_delivery_is_recorded_retried_then_marked_failed(app, db, world, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", 1)  # nothing listens there
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 2)
    message = queue_mail(world["acme_user"], "deal_expired", _context(world))
    with pytest.raises(OSError):
        delivery.deliver(message.id)
    db.session.refresh(message)
    assert (message.status, message.attempts) == ("queued", 1) and message.last_error
    with pytest.raises(OSError):
        delivery.deliver(message.id)
    db.session.refresh(message)
    assert (message.status, message.attempts) == ("failed", 2)


def test_stalled_messages_are_found_for_requeueing(db, world):
    old = queue_mail(world["acme_user"], "deal_expired", _context(world))
    new = queue_mail(world["acme_user"], "deal_expired", _context(world))
    old.created_at = utcnow() - timedelta(minutes=10)
    db.session.flush()
    stalled = delivery.stalled_message_ids()
    assert old.id in stalled and new.id not in stalled
