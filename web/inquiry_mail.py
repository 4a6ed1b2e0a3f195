"""E-mail about inquiries (意向洽谈): the holder's publishers hear of a new inquiry; whoever is on
the other side of a message or a status change hears of it; an intermediary hears they were asked
to broker.

The write never waits for a mail server. The views call ``notify_later`` once the service has
committed; it hands the event (ids only) to a worker, the ``inquiries.notify`` Celery task
(``ingest/inquiry_tasks.py``, acknowledged late, which retries the recipients the server refused),
or sends here and now with ``INQUIRY_MAIL = "inline"`` (tests, scripts), or not at all ("off"). A
failure to dispatch is logged, never raised: the inquiry is in the store and in both inboxes.

The texts (``templates/inquiries/mail_*.txt``) are bilingual plain text, Chinese first, and carry
no contact details: the platform shows those once the holder has answered. A Message-ID is fixed
per event and recipient, so a mail sent again by a retry is recognisably the same one. Needs an
app context, no request (the worker has none)."""
from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable
from email.message import EmailMessage

from flask import current_app, render_template
from sqlalchemy import select

from . import vocabularies
from .extensions import db
from .models import Inquiry, InquiryMessage, User
from .proxies import current_services
from .services.alert_links import AlertLinks

log = logging.getLogger(__name__)

TASK = "inquiries.notify"
KINDS = ("new", "message", "status", "broker")
STATUS_TEXT = {"negotiating": ("进入谈判", "is in negotiation"), "agreed": ("达成协议", "reached agreement"),
               "closed": ("已关闭（未达成协议）", "was closed without agreement"), "answered": ("已答复", "was answered"),
               "sent": ("已发送", "was sent")}
SUBJECTS = {
    "new": "新的洽谈：{s} / New inquiry: {s}",
    "message": "洽谈有新消息：{s} / New message: {s}",
    "status": "洽谈{zh}：{s} / Inquiry {en}: {s}",
    "broker": "请您居间洽谈：{s} / You are asked to broker: {s}",
}


def notify_later(kind: str, inquiry_id: int, actor_id: int, message_id: int | None = None) -> None:
    """After the commit: the mail of this event, by a worker (``INQUIRY_MAIL = "task"``, the
    default), here and now ("inline") or not at all ("off")."""
    mode = current_app.config.get("INQUIRY_MAIL", "task")
    event = {"kind": kind, "inquiry_id": inquiry_id, "actor_id": actor_id, "message_id": message_id}
    try:
        if mode == "task":
            current_app.extensions["celery"].send_task(TASK, kwargs=event)
        elif mode == "inline":
            send(**event)
    except Exception:  # noqa: BLE001 - the inquiry is committed; a lost notice must not undo or fail it
        log.exception("could not dispatch the %s mail of inquiry %s", kind, inquiry_id)


def holder_publishers(inquiry: Inquiry) -> list[User]:
    """The holder side: the active publishers of the institution the inquiry was sent to (for a
    technology need, the account that posted it)."""
    if inquiry.holder_user_id is not None:
        return [inquiry.holder_user] if inquiry.holder_user is not None and inquiry.holder_user.active else []
    return list(db.session.scalars(select(User).where(User.role == "publisher", User.active.is_(True),
                                                      User.institution_id == inquiry.holder_institution_id).order_by(User.id)))


def recipients(inquiry: Inquiry, kind: str, actor_id: int) -> list[User]:
    """Who hears of the event: the invited broker; else every side but the one that acted."""
    if kind == "broker":
        return [inquiry.broker] if inquiry.broker is not None and inquiry.broker.active else []
    acting = "sender" if actor_id == inquiry.sender_id else "broker" if actor_id == inquiry.broker_id else "holder"
    sides: dict[str, Iterable[User | None]] = {"sender": [inquiry.sender], "broker": [inquiry.broker], "holder": holder_publishers(inquiry)}
    seen: dict[int, User] = {}
    for side, users in sides.items():
        for user in users:
            if side != acting and user is not None and user.active and user.id != actor_id:
                seen.setdefault(user.id, user)
    return list(seen.values())


def _one_line(text: str) -> str:
    return " ".join((text or "").split())[:200]


def compose(kind: str, inquiry: Inquiry, message: InquiryMessage | None, user: User, links: AlertLinks) -> EmailMessage:
    """One recipient's mail of the event."""
    mailer = current_services.mailer
    subject_text = _one_line(inquiry.subject)
    zh, en = STATUS_TEXT.get(inquiry.status, (inquiry.status, inquiry.status))
    subject = SUBJECTS[kind].format(s=subject_text, zh=zh, en=en)
    actor = db.session.get(User, message.author_id) if message is not None else None
    mode = inquiry.agreement_mode
    text = render_template(
        f"inquiries/mail_{kind}.txt", inquiry=inquiry, message=message, user=user, subject=subject_text,
        sender=inquiry.sender, author=actor, status_zh=zh, status_en=en,
        mode_zh=vocabularies.get("transfer_mode").label(mode, "zh") if mode else "",
        mode_en=vocabularies.get("transfer_mode").label(mode, "en") if mode else "",
        url=links.url("inquiries.show", inquiry_id=inquiry.id), record_url=links.record(inquiry.record_id, "zh"),
        inbox_url=links.url("inquiries.inbox"))
    msg = mailer.message(user.email, subject, text)
    event = message.id if message is not None else (inquiry.status if kind == "status" else inquiry.broker_id)
    del msg["Message-ID"]
    msg["Message-ID"] = f"<inquiry-{inquiry.id}-{kind}-{event}-{user.id}@{links.domain}>"
    msg["Auto-Submitted"] = "auto-generated"
    return msg


def send(kind: str, inquiry_id: int, actor_id: int, message_id: int | None = None, to: list[int] | None = None) -> list[int]:
    """Send the event's mail to each recipient (``to``: only these user ids, as a retry does);
    answer the ids of those the mail server did not take, to try again. Without a server the
    mail is logged (``Mailer.send_message``)."""
    if kind not in KINDS:
        raise ValueError(f"unknown inquiry mail: {kind}")
    inquiry = db.session.get(Inquiry, inquiry_id)
    message = db.session.get(InquiryMessage, message_id) if message_id is not None else None
    if inquiry is None or (message_id is not None and message is None):
        return []  # deleted meanwhile (an institution merge moves, never deletes): nothing to tell
    mailer, links = current_services.mailer, AlertLinks(current_app._get_current_object())
    failed: list[int] = []
    for user in recipients(inquiry, kind, actor_id):
        if to is not None and user.id not in to:
            continue
        msg = compose(kind, inquiry, message, user, links)
        if not mailer.settings.server:
            mailer.send_message(msg)  # development: the log is the mailbox
            continue
        try:
            mailer.transmit(msg)
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("inquiry %s: the %s mail to user %s was not taken: %s", inquiry.id, kind, user.id, exc)
            failed.append(user.id)
    return failed


__all__ = ["TASK", "KINDS", "notify_later", "recipients", "holder_publishers", "compose", "send"]
