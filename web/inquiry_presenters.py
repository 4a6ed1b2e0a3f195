"""What the pages and the JSON API show of an inquiry besides its rows: which side the reader is
on, who wrote each message, the status with its dates, and the contact details, which exist for
the parties only once the holder has answered.

One module for both, so that the page and the API reveal the same things at the same moment, and
a contact shown is logged for the holder in the same way (``DisclosureLog.note``, kind
"contact") as the record page logs it. Needs an app context; takes the reader's identity."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .disclosure import CONTACT
from .extensions import db
from .models import BY_PREFIX, Achievement, Inquiry, Institution, Instrument, Need, Patent, User
from .proxies import current_services
from .services.identity import Identity

STATUS_LABELS = {"sent": _l("已发送"), "answered": _l("已答复"), "negotiating": _l("谈判中"), "agreed": _l("达成协议"),
                 "closed": _l("已关闭（未达成协议）")}
SIDE_LABELS = {"sender": _l("发起方"), "holder": _l("持有方"), "broker": _l("技术经纪人")}
OPEN = ("sent", "answered", "negotiating")
# the status changes a party may make, by the status the inquiry is in
NEXT_STATES = {"sent": ("closed",), "answered": ("negotiating", "agreed", "closed"), "negotiating": ("agreed", "closed")}


@dataclass(frozen=True)
class Step:
    """One status the inquiry went through, and when."""

    status: str
    at: datetime


def side_of(identity: Identity, inquiry: Inquiry) -> str:
    """The reader's side: "sender", "broker" or "holder" (a publisher of the holder, or an
    administrator, who acts for every institution)."""
    uid = identity.user_id
    if uid is not None and uid == inquiry.sender_id:
        return "sender"
    if uid is not None and uid == inquiry.broker_id:
        return "broker"
    return "holder"


def author_side(inquiry: Inquiry, author_id: int) -> str:
    return "sender" if author_id == inquiry.sender_id else "broker" if author_id == inquiry.broker_id else "holder"


def timeline(inquiry: Inquiry) -> list[Step]:
    """The statuses reached, in order, each with its date (sent always; closed or agreed last)."""
    return [Step(s, at) for s in ("sent", "answered", "negotiating", "agreed", "closed")
            if (at := getattr(inquiry, f"{s}_at")) is not None]


def authors(inquiry: Inquiry) -> dict[int, User]:
    """The writers of the inquiry's messages, by id (one query for the whole thread)."""
    ids = {m.author_id for m in inquiry.messages}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}


def holder_name(inquiry: Inquiry) -> str:
    if inquiry.holder_user_id is not None:  # a technology need: the company that posted it
        rec = _record(inquiry)
        return getattr(rec, "organisation", "") or ""
    inst = db.session.get(Institution, inquiry.holder_institution_id) if inquiry.holder_institution_id else None
    return inst.name if inst is not None else ""


def person(user: User | None) -> dict[str, Any] | None:
    """A party as anyone in the inquiry may know them before the answer: name and organisation."""
    if user is None:
        return None
    org = user.organisation or (user.institution.name if user.institution is not None else None)
    return {"name": user.name, "organisation": org}


def _record(inquiry: Inquiry) -> Any:
    cls = BY_PREFIX.get(inquiry.record_id.split("-", 1)[0])
    number = cls.parse_public_id(inquiry.record_id) if cls in (Achievement, Patent, Instrument, Need) else None
    return db.session.get(cls, number) if number is not None else None


def _clean(values: dict[str, Any]) -> dict[str, Any] | None:
    kept = {k: v for k, v in values.items() if v not in (None, "")}
    return kept or None


def contacts(identity: Identity, inquiry: Inquiry, channel: str) -> dict[str, Any] | None:
    """The contact details of both sides, once the holder has answered (None before): the record's
    contact person (and an instrument's address), the holder institution's contact, the sender's
    and the broker's e-mail and phone. Showing the record's and the holder's to the other side is
    logged as a disclosure, as the record page logs it."""
    if not current_services.inquiries.contacts_visible(inquiry):
        return None
    rec = _record(inquiry)
    inst = db.session.get(Institution, inquiry.holder_institution_id) if inquiry.holder_institution_id else None
    out: dict[str, Any] = {
        "record": _clean({"name": getattr(rec, "contact_name", None), "phone": getattr(rec, "contact_phone", None),
                          "email": getattr(rec, "contact_email", None), "address": getattr(rec, "address", None)}) if rec else None,
        "holder": _clean({"institution": inst.name, "name": inst.contact_name, "phone": inst.contact_phone,
                          "email": inst.contact_email, "address": inst.address}) if inst
                  else _clean({"institution": getattr(rec, "organisation", None), **(_reachable(inquiry.holder_user) or {})}),
        "sender": _reachable(inquiry.sender),
        "broker": _reachable(inquiry.broker),
    }
    if rec is not None and (out["record"] or out["holder"]) and side_of(identity, inquiry) != "holder":
        with current_services.unit_of_work():
            current_services.disclosures.note(identity, rec, CONTACT, channel)
    return out


def _reachable(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return _clean({**(person(user) or {}), "email": user.email, "phone": user.phone})


__all__ = ["STATUS_LABELS", "SIDE_LABELS", "OPEN", "NEXT_STATES", "Step", "side_of", "author_side", "timeline", "authors",
           "holder_name", "person", "contacts"]
