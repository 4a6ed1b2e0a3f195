"""Tiered disclosure: what an anonymous visitor sees of a published record, and what only a
signed-in member does. The policy is written down here once, as data, and applied by the two
functions below: ``show`` for a record as the API and the record page present it, and
``public_hit`` for an index document (search hits, similar records, exports), which carries
public fields only, for everyone.

The line follows what Chinese technology-transfer platforms publish (the national achievement
registration announcements, provincial transfer platforms, the instrument-sharing network):
enough for a visitor to know *what it is and who holds it*; the *means to contact* and the
*details a deal is discussed on* for registered members.

* Achievements: public are the title, holders, people, field, keywords, type, maturity (TRL,
  stage, level), transfer modes, the asking price (it is a search facet and sort as well),
  funding and the IP list, and the summary up to a short excerpt. Members also see the whole
  summary, the innovations, the application status, the evaluation (method, organisation,
  date, expert scores), the amount a past transfer earned, the supporting documents the record
  links to, and the contact person.
* Patents: everything is public. CNIPA publishes the abstract, the claims, the legal events and
  the open-licence declaration (Patent Law Art. 50) itself; hiding them would make the platform
  say less than the gazette. Who to contact is on the holder's institution page.
* Instruments: what it is, what it can do and its specifications are public (a visitor decides
  from them whether the instrument fits); the contact person, the room it stands in, the fee
  schedule and the yearly service income are for members.
* Institutions: public except the contact person, phone and e-mail.

Confidential *files* are another tier (an access request the holder approves): see
``web/services/access_requests.py``."""
from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

CONTACT = "contact"  # the means to get in touch
DESCRIPTION = "description"  # the full description: details beyond the public summary
ATTACHMENT = "attachment"  # a confidential file, after the holder approved access
KINDS = (CONTACT, DESCRIPTION, ATTACHMENT)

EXCERPT_CHARS = 160  # about two sentences of Chinese; what a search hit shows as well


@dataclass(frozen=True)
class Policy:
    """Member-only fields of one record shape (field -> kind), and fields shown to visitors
    only as an excerpt of at most so many characters (field -> length; the rest is a
    description)."""

    member_only: Mapping[str, str] = field(default_factory=dict)
    excerpts: Mapping[str, int] = field(default_factory=dict)


# The records as the API and the record page present them (the schemas' field names).
RECORDS: dict[str, Policy] = {
    "achievement": Policy(
        member_only={
            "contact": CONTACT,
            "innovations": DESCRIPTION,
            "application_status": DESCRIPTION,
            "evaluation": DESCRIPTION,
            "scores": DESCRIPTION,
            "transfer_amount": DESCRIPTION,
            "attachments": DESCRIPTION,  # links to evaluation proofs, test reports ... given by imports
        },
        excerpts={"summary": EXCERPT_CHARS},
    ),
    "patent": Policy(),
    "instrument": Policy(member_only={
        "contact": CONTACT,
        "address": CONTACT,
        "fees": DESCRIPTION,
        "external_income_per_year": DESCRIPTION,
    }),
    "institution": Policy(member_only={"contact_name": CONTACT, "contact_phone": CONTACT, "contact_email": CONTACT}),
    # a company's need is public so that holders find it; reaching the company is for members
    "need": Policy(member_only={"contact": CONTACT}),
}

# The same records as index documents (web/services/documents.py): what search hits, similar
# records and exports may carry. Member-only fields are indexed (a search finds words in them)
# but never returned.
DOCUMENTS: dict[str, Policy] = {
    "achievements": Policy(member_only={"innovations": DESCRIPTION, "quality_score": DESCRIPTION},
                           excerpts={"summary": EXCERPT_CHARS}),
    "patents": Policy(),
    "instruments": Policy(member_only={"external_income": DESCRIPTION}),
    "institutions": Policy(),
    "needs": Policy(),
}

_SENTENCE_END = "。！？；.!?;"


def excerpt(text: str | None, limit: int = EXCERPT_CHARS) -> str | None:
    """The start of ``text``: up to ``limit`` characters, ending at a sentence end when one
    falls in the second half, with "…" when something was cut."""
    if not text or len(text) <= limit:
        return text
    cut = text[:limit]
    end = max(cut.rfind(mark) for mark in _SENTENCE_END)
    if end >= limit // 2:
        cut = cut[: end + 1]
    return cut.rstrip() + "…"


def _present(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_present(v) for v in value.values())
    return value not in (None, "", [], {})


@dataclass(frozen=True)
class Shown:
    """A record as one reader may see it. ``withheld``: the fields a visitor does not get in
    full (left out, or shortened to an excerpt), for the notice and the API. ``disclosed``: the
    kinds of member-only data a member was shown (what the disclosure log records)."""

    data: dict[str, Any]
    withheld: tuple[str, ...] = ()
    disclosed: frozenset[str] = frozenset()


def show(record_type: str, data: dict[str, Any], member: bool) -> Shown:
    """``data`` (a record as its schema dumps it) as a member or a visitor sees it."""
    policy = RECORDS[record_type]
    if member:
        kinds = {kind for name, kind in policy.member_only.items() if _present(data.get(name))}
        if any(_present(data.get(name)) and excerpt(data[name], n) != data[name] for name, n in policy.excerpts.items()):
            kinds.add(DESCRIPTION)
        return Shown(data, (), frozenset(kinds))
    out, withheld = dict(data), []
    for name in policy.member_only:
        if name in out:
            value = out.pop(name)
            if _present(value):
                withheld.append(name)
    for name, limit in policy.excerpts.items():
        value = out.get(name)
        short = excerpt(value, limit)
        if short != value:
            out[name] = short
            withheld.append(name)
    return Shown(out, tuple(withheld))


_TOKEN = re.compile(r"</?mark>|&(?:#\d+|#x[0-9a-fA-F]+|\w+);|.", re.S)  # a tag, one escaped character, or one character


def _clip(fragment: str, full: str, public_chars: int) -> str | None:
    """A highlight fragment (escaped HTML with <mark> only) cut to the public part of ``full``:
    unchanged when it lies inside the first ``public_chars`` characters, shortened (with "…")
    when it runs past them, None when it starts beyond them or is not from ``full`` at all."""
    tokens = _TOKEN.findall(fragment)
    plain = "".join(html.unescape(t) for t in tokens if t not in ("<mark>", "</mark>"))
    start = full.find(plain)
    if not plain or start < 0 or start >= public_chars:
        return None
    room = public_chars - start
    if len(plain) <= room:
        return fragment
    out, used, open_mark = [], 0, False
    for t in tokens:
        if t in ("<mark>", "</mark>"):
            open_mark = t == "<mark>"
        elif used == room:
            break
        else:
            used += 1
        out.append(t)
    return "".join(out) + ("</mark>" if open_mark else "") + "…"


def public_hit(index: str, source: dict[str, Any], highlights: dict[str, list[str]] | None = None
               ) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """An index document and its highlights with only what a visitor may see: member-only
    fields left out, excerpt fields shortened, and highlight fragments kept only where they
    show nothing beyond that (a fragment from the middle of a long summary would)."""
    policy = DOCUMENTS.get(index, Policy())
    doc = {k: v for k, v in source.items() if k not in policy.member_only}
    marks = {k: v for k, v in (highlights or {}).items() if k not in policy.member_only}
    for name, limit in policy.excerpts.items():
        full = doc.get(name)
        if isinstance(full, str):
            doc[name] = excerpt(full, limit)
            public_chars = len(doc[name].removesuffix("…")) if doc[name] != full else len(full)
            kept = [c for c in (_clip(f, full, public_chars) for f in marks.pop(name, [])) if c]
            if kept:
                marks[name] = kept
    return doc, marks


__all__ = ["CONTACT", "DESCRIPTION", "ATTACHMENT", "KINDS", "EXCERPT_CHARS", "RECORDS", "DOCUMENTS", "Policy", "Shown",
           "show", "public_hit", "excerpt"]
