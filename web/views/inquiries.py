"""Inquiries (意向洽谈): the pages.

Signed in: the inbox (``/inquiries``: those the reader sent, brokers, or that reached their
institution, filtered by status and by side), one inquiry (``/inquiries/<id>``: the messages, the
status with its dates, the contact details once the holder has answered, a reply form and the
status buttons), and the form that writes to a record's holder (``/inquiries/new/<public_id>``,
reached from the record page's panel, registered below).

An inquiry is 404 to anyone but its parties. The rules (who may write, the hourly limit, which
status follows which) are ``InquiryService``'s; its refusals are shown beside the field they name,
and the rate limit answers 429. After each write the other side is told by e-mail
(``web/inquiry_mail.py``), never before the service committed. ``inquiries.inbox`` is linked from
the menu and the exchanges' tabs; ``inquiries.show`` from the e-mails: keep both names."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from .. import inquiry_presenters as present
from ..forms.alerts import ActionForm
from ..forms.inquiries import AgreementForm, BrokerForm, InquiryForm, MessageForm
from ..inquiry_mail import notify_later
from ..models import BY_PREFIX, INQUIRY_STATES, Inquiry, Institution, Need
from ..proxies import current_services
from ..security import require_signed_in
from ..services.identity import Identity
from ..services.inquiries import SENDER_ROLES, InquiryError, RateLimited
from ..services.records import PermissionDenied, holder_ids
from .record_panels import record_panel
from .selection import say

bp = Blueprint("inquiries", __name__, url_prefix="/inquiries")
INQUIRY_ID = "<int:inquiry_id>"  # 0 or beyond the id column: the service answers 404
BOXES = ("all", "sent", "received", "brokered")


def _get(identity: Identity, inquiry_id: int) -> Inquiry:
    try:
        return current_services.inquiries.get(identity, inquiry_id)
    except LookupError:
        abort(404)


def published_record(identity: Identity, public_id: str) -> Any:
    """The published record an inquiry may be about (any type the records service knows), or 404."""
    cls = BY_PREFIX.get(public_id.split("-", 1)[0])
    if cls is None or cls is Institution or cls.parse_public_id(public_id) is None:
        abort(404)
    try:
        rec = current_services.for_type(cls.RECORD_TYPE).get(identity, public_id)
    except (KeyError, LookupError):
        abort(404)
    if getattr(rec, "status", None) != "published":
        abort(404)
    return rec


def record_title(rec: Any) -> str:
    return str(getattr(rec, "title", None) or getattr(rec, "name", "") or rec.public_id)


def may_send(identity: Identity, rec: Any = None) -> bool:
    """Companies and intermediaries write about results; a technology need is answered by
    institutions (their publishers) too, but never by the account that posted it."""
    if not identity.is_authenticated:
        return False
    if isinstance(rec, Need):
        return bool(identity.roles & (SENDER_ROLES | {"publisher"})) and rec.owner_id != identity.user_id
    return bool(identity.roles & SENDER_ROLES)


def _refuse(exc: PermissionError) -> PermissionDenied:
    """The service's PermissionError as the app's 403 (a page, or the API's error body)."""
    return PermissionDenied(str(exc) or "权限不足 / your role may not do this")


def _show_error(form: Any, exc: InquiryError, fields: dict[str, Any]) -> None:
    target = fields.get(exc.field or "")
    if target is not None:
        target.errors = [*list(target.errors or []), say(exc)]
    else:
        form.form_errors.append(say(exc))


# -- the inbox -------------------------------------------------------------------------------------
def _box_of(identity: Identity, inquiry: Inquiry) -> str:
    side = present.side_of(identity, inquiry)
    return {"sender": "sent", "broker": "brokered"}.get(side, "received")


@bp.get("")
def inbox():
    identity = require_signed_in()
    status = request.args.get("status", "")
    status = status if status in INQUIRY_STATES else ""
    box = request.args.get("box", "all")
    box = box if box in BOXES else "all"
    everything = current_services.inquiries.list(identity, status or None)
    counts = {b: 0 for b in BOXES}
    for inquiry in everything:
        counts["all"] += 1
        counts[_box_of(identity, inquiry)] += 1
    items = [i for i in everything if box == "all" or _box_of(identity, i) == box]
    return render_template("inquiries/inbox.html", items=items, status=status, box=box, counts=counts, states=INQUIRY_STATES,
                           status_labels=present.STATUS_LABELS, side_of=lambda i: present.side_of(identity, i),
                           holder_name=present.holder_name, may_send=may_send(identity))


# -- a new inquiry ---------------------------------------------------------------------------------
@bp.route("/new/<public_id>", methods=["GET", "POST"])
def new(public_id: str):
    identity = require_signed_in()
    rec = published_record(identity, public_id)
    if not may_send(identity, rec):
        raise PermissionDenied("只有企业（投资方）和技术经纪人可以发起洽谈（技术需求也可由单位发布者回应）/ companies and intermediaries "
                               "send inquiries (institutions answer technology needs too)")
    form = InquiryForm(data=None if request.method == "POST" else {"subject": gettext("关于“%(title)s”的合作意向", title=record_title(rec))[:200]})
    status = 200
    if form.validate_on_submit():
        try:
            inquiry = current_services.inquiries.send(identity, rec.public_id, form.subject.data, form.body.data)
        except PermissionError as exc:
            raise _refuse(exc) from None
        except LookupError:
            abort(404)
        except InquiryError as exc:
            _show_error(form, exc, {"subject": form.subject, "body": form.body})
            status = 429 if isinstance(exc, RateLimited) else 422
        else:
            notify_later("new", inquiry.id, identity.user_id, inquiry.messages[0].id)
            flash(gettext("洽谈已发送，持有方答复后会通知您。"), "ok")
            return redirect(url_for("inquiries.show", inquiry_id=inquiry.id), code=303)
    elif request.method == "POST":
        status = 422
    return render_template("inquiries/new.html", form=form, rec=rec, title=record_title(rec)), status


# -- one inquiry -------------------------------------------------------------------------------------
def _page(identity: Identity, inquiry: Inquiry, status: int = 200, reply: MessageForm | None = None,
          broker: BrokerForm | None = None, agreement: AgreementForm | None = None):
    side = present.side_of(identity, inquiry)
    is_open = inquiry.status in present.OPEN
    return render_template(
        "inquiries/show.html", inquiry=inquiry, side=side, is_open=is_open, steps=present.timeline(inquiry),
        authors=present.authors(inquiry), author_side=lambda m: present.author_side(inquiry, m.author_id),
        contacts=present.contacts(identity, inquiry, "page"), holder=present.holder_name(inquiry),
        sender=present.person(inquiry.sender), broker=present.person(inquiry.broker),
        next_states=present.NEXT_STATES.get(inquiry.status, ()), status_labels=present.STATUS_LABELS,
        side_labels=present.SIDE_LABELS, reply=reply or MessageForm(formdata=None),
        broker_form=broker or BrokerForm(formdata=None), agreement=agreement or AgreementForm(formdata=None), action=ActionForm(),
    ), status


@bp.get(f"/{INQUIRY_ID}")
def show(inquiry_id: int):
    identity = require_signed_in()
    return _page(identity, _get(identity, inquiry_id))


def _back(inquiry_id: int, anchor: str = ""):
    return redirect(url_for("inquiries.show", inquiry_id=inquiry_id) + anchor, code=303)


@bp.post(f"/{INQUIRY_ID}/messages")
def reply(inquiry_id: int):
    identity = require_signed_in()
    inquiry = _get(identity, inquiry_id)
    form = MessageForm()
    if not form.validate_on_submit():
        return _page(identity, inquiry, 422, reply=form)
    try:
        message = current_services.inquiries.reply(identity, inquiry_id, form.body.data)
    except InquiryError as exc:
        _show_error(form, exc, {"body": form.body})
        return _page(identity, _get(identity, inquiry_id), 429 if isinstance(exc, RateLimited) else 422, reply=form)
    notify_later("message", inquiry_id, identity.user_id, message.id)
    flash(gettext("消息已发送。"), "ok")
    return _back(inquiry_id, f"#message-{message.id}")


@bp.post(f"/{INQUIRY_ID}/broker")
def broker(inquiry_id: int):
    identity = require_signed_in()
    inquiry = _get(identity, inquiry_id)
    form = BrokerForm()
    if not form.validate_on_submit():
        return _page(identity, inquiry, 422, broker=form)
    try:
        inquiry = current_services.inquiries.ask_broker(identity, inquiry_id, form.email.data)
    except InquiryError as exc:
        _show_error(form, exc, {"broker": form.email, "email": form.email})
        return _page(identity, _get(identity, inquiry_id), 422, broker=form)
    notify_later("broker", inquiry_id, identity.user_id)
    flash(gettext("已邀请技术经纪人%(name)s参与洽谈。", name=inquiry.broker.name), "ok")
    return _back(inquiry_id)


@bp.post(f"/{INQUIRY_ID}/status")
def change_status(inquiry_id: int):
    """``status`` = negotiating, agreed (with the agreement form's mode and amount) or closed."""
    identity = require_signed_in()
    inquiry = _get(identity, inquiry_id)
    target = request.form.get("status", "")
    service = current_services.inquiries
    agreement = AgreementForm()
    try:
        if target == "negotiating":
            service.negotiate(identity, inquiry_id)
        elif target == "closed":
            service.close(identity, inquiry_id)
        elif target == "agreed":
            if not agreement.validate_on_submit():
                return _page(identity, inquiry, 422, agreement=agreement)
            amount = float(agreement.amount.data) if agreement.amount.data is not None else None
            service.agree(identity, inquiry_id, agreement.mode.data, amount)
        else:
            abort(400)
    except InquiryError as exc:
        if target == "agreed" and exc.field:
            _show_error(agreement, exc, {"mode": agreement.mode, "amount": agreement.amount})
            return _page(identity, _get(identity, inquiry_id), 422, agreement=agreement)
        flash(say(exc), "error")
        return _back(inquiry_id)
    notify_later("status", inquiry_id, identity.user_id)
    flash(gettext("洽谈状态已更新：%(status)s。", status=present.STATUS_LABELS[target]), "ok")
    return _back(inquiry_id)


# -- the record page's panel -----------------------------------------------------------------------
@record_panel("inquiries/_record_panel.html", place="main", order=30)
def record_inquiries(identity: Identity, rec: Any) -> dict[str, Any] | None:
    """A company or an intermediary: the button that writes to the holder, and their inquiries about
    the record. The holder's publishers: how many are open, with the inbox. A visitor: sign in."""
    if isinstance(rec, Institution) or getattr(rec, "status", None) != "published":
        return None
    new_url = url_for("inquiries.new", public_id=rec.public_id)
    if not identity.is_authenticated:
        return {"mode": "visitor", "login_url": url_for("account.login", next=new_url), "need": isinstance(rec, Need)}
    if isinstance(rec, Need) and rec.owner_id is not None and rec.owner_id == identity.user_id:
        received = [i for i in current_services.inquiries.list(identity, record_id=rec.public_id) if i.holder_user_id == identity.user_id]
        return {"mode": "holder", "open": sum(i.status in present.OPEN for i in received), "total": len(received)}
    if may_send(identity, rec):
        return {"mode": "sender", "need": isinstance(rec, Need), "new_url": new_url, "mine": current_services.inquiries.list(identity, record_id=rec.public_id),
                "status_labels": present.STATUS_LABELS}
    if identity.is_publisher and identity.institution_id in holder_ids(rec):
        received = [i for i in current_services.inquiries.list(identity, record_id=rec.public_id)
                    if i.holder_institution_id == identity.institution_id]
        return {"mode": "holder", "open": sum(i.status in present.OPEN for i in received), "total": len(received)}
    return None


__all__ = ["bp", "published_record", "record_title"]
