"""EPO formats: the publication XML ``ep-patent-document`` (v1.0+, ST.36 "B-tags"), and Open
Patent Services (OPS 3.2) responses ``ops:world-patent-data``:

* bibliographic responses (``exchange-documents/exchange-document``, DOCDB): one record per
  exchange document; identifiers are read from the ``docdb`` form (``epodoc`` only for a date
  the docdb form lacks); Chinese application numbers from the ``original`` form, which keeps
  the check digit; party names from the ``original`` form (falling back to docdb, then epodoc);
* family responses that carry bibliographic data (``family-member/exchange-document``, the
  ``biblio`` constituent) give each member its family (the other members' publication
  numbers) and its INPADOC legal events (``ops:legal``, when the ``legal`` constituent was asked
  for);
* EP register responses (``register-documents/register-document``): one record each, status
  and procedural statuses as legal status/events.

Family, legal-status, search and full-text (claims/description) responses without bibliographic
data hold no title, so no record can be made of them: the reader refuses such a file with the code
``no_bibliographic_data`` (see ``patent_xml.py``).
"""
from __future__ import annotations

import re
from typing import Any

from .patent_xml_common import (
    application_number, block_text, comma_name, en_region, first_text, ipc_from_text, ipc_list_from_text, ipc_symbol,
    is_grant, iso_date, join_names, looks_like_org, open_licence_from_events, patent_kind, publication_number,
    set_titles, status_from_text, texts, txt,
)

Mapped = tuple  # (data, problems) or (data, problems, source line of the record)


# -- ep-patent-document -------------------------------------------------------------------------

def _b_name(el, person: bool = False) -> str | None:
    """``B711``/``B721``/``B731``/``B741``: ``snm`` holds "Family, Given" for people (inventors
    always; "c/o" addresses dropped) and the name of an organisation."""
    name = first_text(el, "snm")
    if not name:
        return None
    own = re.split(r"\s+c/o\s+", name, maxsplit=1, flags=re.IGNORECASE)[0]
    return own if not person and looks_like_org(own) else comma_name(own)


def map_ep_document(root) -> list[Mapped]:
    bib = root.find("SDOBI")
    if bib is None:
        bib = root
    country = first_text(bib, "B100/B190") or root.get("country") or "EP"
    kind = first_text(bib, "B100/B130") or root.get("kind")
    number = first_text(bib, "B100/B110") or root.get("doc-number")
    pub_date = iso_date(first_text(bib, "B100/B140/date")) or iso_date(root.get("date-publ"))
    lang = (root.get("lang") or first_text(bib, "B200/B260") or "en").lower()
    grant_doc = is_grant(country, kind)
    data: dict[str, Any] = {
        "application_no": application_number(country, first_text(bib, "B200/B210")),
        "filed_at": iso_date(first_text(bib, "B200/B220/date")),
        "publication_no": publication_number(country, number, kind),
        "publication_date": pub_date,
        "kind": patent_kind(country, kind),
        "legal_status": "in_force" if grant_doc else "pending",
    }
    if grant_doc:
        data["grant_no"] = data["publication_no"]
        data["granted_at"] = iso_date(first_text(bib, "B400/B450/date")) or pub_date

    titles, current = [], None
    for el in bib.findall("B500/B540/*"):
        if el.tag == "B541":
            current = txt(el)
        elif el.tag == "B542" and txt(el):
            titles.append((current, txt(el)))
    set_titles(data, titles, lang)

    abstracts = root.findall("abstract")
    abstract = next((a for a in abstracts if (a.get("lang") or lang).lower() == lang), abstracts[0] if abstracts else None)
    data["abstract"] = block_text(abstract)
    claim_sets = root.findall("claims")
    claims = next((c for c in claim_sets if (c.get("lang") or lang).lower() == lang), claim_sets[0] if claim_sets else None)
    first = claims.findall("claim") if claims is not None else []
    data["first_claim"] = block_text(first[0]) if first else None

    ipcs, main = [], None
    for c in bib.findall("B500/B510EP/classification-ipcr") + bib.findall("B500/B510/classification-ipcr"):
        text = first_text(c, "text")
        symbol = ipc_from_text(text)
        if symbol:
            ipcs.append(symbol)
            if main is None and re.search(r"\d{8}\s*[A-Z]F", text or ""):
                main = symbol
    for value in texts(bib, "B500/B510/B511") + texts(bib, "B500/B510/B512"):  # older EP documents
        symbol = ipc_from_text(value)
        if symbol:
            ipcs.append(symbol)
    data["ipc"] = ipcs
    data["ipc_main"] = main or (ipcs[0] if ipcs else None)

    applicants = bib.findall("B700/B710/B711")
    proprietors = bib.findall("B700/B730/B731")
    data["applicants"] = [_b_name(a) for a in (applicants or proprietors)]
    if proprietors:
        data["owners"] = [_b_name(p) for p in proprietors]
    data["inventors"] = [_b_name(i, person=True) for i in bib.findall("B700/B720/B721")]
    first_party = (applicants or proprietors or [None])[0]
    if first_party is not None:
        adr = first_party.find("adr")
        if adr is not None:
            city, ctry = first_text(adr, "city"), first_text(adr, "ctry")
            data["applicant_address"] = ", ".join(p for p in (first_text(adr, "str"), city, ctry) if p) or None
            data["province_code"], data["city"] = en_region(city, None, ctry)
    reps = [_b_name(r) for r in bib.findall("B700/B740/B741")]
    data["agency"] = next((n for n in reps if n and looks_like_org(n)), None)
    data["agent"] = join_names([n for n in reps if n and not looks_like_org(n)], 100, "; ")

    priority = []
    for p in bib.findall("B300"):
        # B310 number, B320 date, B330 country (repeated per priority)
        numbers, dates, countries = texts(p, "B310"), [iso_date(first_text(d, "date")) for d in p.findall("B320")], texts(p, "B330/ctry")
        for i, num in enumerate(numbers):
            priority.append({"number": num, "date": dates[i] if i < len(dates) else None,
                             "country": countries[i] if i < len(countries) else None})
    data["priority"] = priority
    family = []
    for pnum in texts(bib, "B800/B870/B871/dnum/pnum"):
        family.append(publication_number(pnum[:2], pnum[2:], None))
    data["family"] = family
    cited = bib.findall("B500/B560/B561") + bib.findall("B500/B560/B562")
    data["citations"] = len(cited) if cited else None
    return [(data, [])]


# -- OPS exchange documents ---------------------------------------------------------------------

def _ids(ref) -> dict[str, Any]:
    """The docdb, epodoc and original forms of a publication/application reference."""
    out: dict[str, Any] = {}
    if ref is None:
        return out
    for d in ref.findall("document-id"):
        kind = d.get("document-id-type") or "docdb"
        out.setdefault(kind, {
            "country": first_text(d, "country"),
            "number": first_text(d, "doc-number"),
            "kind": first_text(d, "kind"),
            "date": iso_date(first_text(d, "date")),
        })
    return out


def _any_date(ids: dict[str, Any]) -> str | None:
    for form in ("docdb", "epodoc", "original"):
        if ids.get(form, {}).get("date"):
            return ids[form]["date"]
    return None


def _names(parent, tag: str, inner: str) -> list[str]:
    """Party names in the ``original`` form when given, else docdb, else epodoc."""
    if parent is None:
        return []
    by_format: dict[str, list[str]] = {}
    for el in parent.findall(tag):
        name = first_text(el, f"{inner}/name")
        if name:
            by_format.setdefault(el.get("data-format") or "docdb", []).append(name)
    for form in ("original", "docdb", "epodoc"):
        if by_format.get(form):
            return by_format[form]
    return next(iter(by_format.values()), [])


def _legal_events(member) -> list[dict[str, Any]]:
    events = []
    for legal in member.findall("legal"):
        code = (legal.get("code") or "").strip() or None
        desc = normalize_desc(legal.get("desc"))
        details = [f"{(d.get('desc') or '').strip()}: {txt(d)}" for d in legal.findall("L500EP/*") if txt(d)]
        description = "; ".join([p for p in [desc, *details] if p])
        if not description:
            continue
        events.append({"date": iso_date(first_text(legal, "L007EP")), "code": code, "description": description,
                       "_country": first_text(legal, "L001EP")})
    return events


def normalize_desc(value: str | None) -> str | None:
    return re.sub(r"\s+", " ", value).strip() or None if value else None


def map_exchange_document(doc, *, family: list[str] | None = None, legal: list[dict[str, Any]] | None = None) -> Mapped:
    bib = doc.find("bibliographic-data")
    if bib is None:
        bib = doc
    pub_ids = _ids(bib.find("publication-reference"))
    docdb = pub_ids.get("docdb", {})
    country = docdb.get("country") or doc.get("country")
    kind = docdb.get("kind") or doc.get("kind")
    number = docdb.get("number") or doc.get("doc-number")
    pub_date = _any_date(pub_ids)
    app_ids = _ids(bib.find("application-reference"))
    app_docdb = app_ids.get("docdb", {})
    app_country = app_docdb.get("country") or country
    if (app_docdb.get("kind") or "").upper() == "W" and re.fullmatch(r"\d{10}", app_docdb.get("number") or ""):
        # an international (PCT) application: docdb CN 2023096001 W = PCT/CN2023/096001
        n = app_docdb["number"]
        app_number, app_country = f"PCT/{app_country}{n[:4]}/{n[4:]}", None
    elif app_country == "CN" and app_ids.get("original", {}).get("number"):
        app_number = app_ids["original"]["number"]  # with the check digit
    else:
        app_number = app_docdb.get("number") or app_ids.get("original", {}).get("number")
    grant_doc = is_grant(country, kind)
    data: dict[str, Any] = {
        "application_no": application_number(app_country, app_number),
        "filed_at": _any_date(app_ids),
        "publication_no": publication_number(country, number, kind),
        "publication_date": pub_date,
        "kind": patent_kind(country, kind),
        "legal_status": "in_force" if grant_doc else "pending",
    }
    if grant_doc:
        data["grant_no"] = data["publication_no"]
        data["granted_at"] = pub_date
    set_titles(data, [(t.get("lang"), txt(t)) for t in bib.findall("invention-title") if txt(t)])
    abstracts = doc.findall("abstract")
    abstract = None
    for prefix in ("zh", "en", ""):
        abstract = next((a for a in abstracts if (a.get("lang") or "").startswith(prefix)), None)
        if abstract is not None:
            break
    data["abstract"] = block_text(abstract)

    ipcs = [s for s in (ipc_from_text(t) for t in texts(bib, "classifications-ipcr/classification-ipcr/text")) if s]
    for value in texts(bib, "classification-ipc/main-classification") + texts(bib, "classification-ipc/further-classification"):
        symbol = ipc_from_text(value)
        if symbol:
            ipcs.append(symbol)
    data["ipc"] = ipcs
    data["ipc_main"] = ipcs[0] if ipcs else None
    cpcs = []
    for c in bib.findall("patent-classifications/patent-classification"):
        scheme = c.find("classification-scheme")
        if scheme is not None and (scheme.get("scheme") or "").upper() not in ("CPC", "CPCI", "CPCNO"):
            continue
        symbol = ipc_symbol(first_text(c, "section"), first_text(c, "class"), first_text(c, "subclass"),
                            first_text(c, "main-group"), first_text(c, "subgroup"))
        if symbol:
            cpcs.append(symbol)
    data["cpc"] = cpcs

    parties = bib.find("parties")
    # people are written "Family, Given"; organisations keep their commas ("…, INC")
    data["applicants"] = [comma_name(n) if n.count(",") == 1 and not looks_like_org(n) else re.sub(r"\s*\[[A-Z]{2}\]\s*$", "", n)
                          for n in _names(parties.find("applicants") if parties is not None else None, "applicant", "applicant-name")]
    data["inventors"] = [comma_name(n) for n in _names(parties.find("inventors") if parties is not None else None, "inventor", "inventor-name")]

    priority = []
    for p in bib.findall("priority-claims/priority-claim"):
        ids = _ids(p)
        original = ids.get("original", {}).get("number")
        epodoc = ids.get("epodoc", {}).get("number") or ""
        docdb_p = ids.get("docdb", {})
        p_country = docdb_p.get("country") or (epodoc[:2] if epodoc[:2].isalpha() else None)
        p_number = original or docdb_p.get("number") or epodoc
        if p_number:
            priority.append({"number": p_number, "date": _any_date(ids), "country": p_country})
    data["priority"] = priority
    cited = bib.findall("references-cited/citation")
    data["citations"] = len(cited) if cited else None
    data["family"] = [f for f in (family or []) if f != data["publication_no"]]
    if legal:
        own = [e for e in legal if not e.get("_country") or e["_country"] == country]
        data["legal_events"] = [{k: v for k, v in e.items() if not k.startswith("_")} for e in legal]
        data["open_licence"] = open_licence_from_events(own)
        dated = sorted((e for e in own if e.get("date")), key=lambda e: e["date"])
        for event in reversed(dated):
            status = status_from_text(event["description"])
            if status:
                data["legal_status"] = status
                break
    return data, []


def map_ops(root) -> list[Mapped]:
    """Every exchange document of a biblio response, of a family response with biblio, or every
    register document; [] for a response without bibliographic data."""
    out: list[Mapped] = []
    for doc in root.findall("exchange-documents/exchange-document"):
        if doc.get("status") in ("not found", "invalid result"):
            continue
        out.append((*map_exchange_document(doc), doc.sourceline or 1))
    for fam in root.findall("patent-family"):
        members = fam.findall("family-member")
        numbers = []
        for m in members:
            docdb = _ids(m.find("publication-reference")).get("docdb", {})
            if docdb.get("number"):
                numbers.append(publication_number(docdb.get("country"), docdb["number"], docdb.get("kind")))
        for m in members:
            for doc in m.findall("exchange-document"):
                out.append((*map_exchange_document(doc, family=numbers, legal=_legal_events(m)), doc.sourceline or 1))
    for reg in root.findall("register-search/register-documents/register-document") + root.findall("register-documents/register-document"):
        out.append((*map_register_document(reg), reg.sourceline or 1))
    return out


# -- EP register --------------------------------------------------------------------------------

def _latest(bib, tag: str):
    """Register data repeats a block for each change (``change-date``): the latest one."""
    blocks = bib.findall(tag)
    if not blocks:
        return None
    return max(blocks, key=lambda b: (b.get("change-date") or "", b.get("change-gazette-num") == "N/P"))


_REGISTER_STATUS = (
    (re.compile(r"revoked", re.I), "invalidated"),
    (re.compile(r"withdrawn", re.I), "withdrawn"),
    (re.compile(r"refused", re.I), "rejected"),
    (re.compile(r"lapsed|expired", re.I), "lapsed"),
    (re.compile(r"granted|maintained|no opposition filed|opposition", re.I), "in_force"),
)


def map_register_document(reg) -> Mapped:
    bib = reg.find("bibliographic-data")
    if bib is None:
        bib = reg
    pubs = [(_r_docid(p.find("document-id")), p) for p in bib.findall("publication-reference")]
    ep_pubs = [d for d, _ in pubs if d.get("country") == "EP"] or [d for d, _ in pubs]
    pub = max(ep_pubs, key=lambda d: (d.get("kind") or "")[:1] == "B") if ep_pubs else {}
    country, kind = pub.get("country") or "EP", pub.get("kind")
    apps = [_r_docid(a.find("document-id")) for a in bib.findall("application-reference")]
    app = next((a for a in apps if a.get("country") == country), apps[0] if apps else {})
    grant_doc = is_grant(country, kind)
    data: dict[str, Any] = {
        "application_no": application_number(app.get("country") or country, app.get("number")),
        "filed_at": app.get("date"),
        "publication_no": publication_number(country, pub.get("number"), kind),
        "publication_date": pub.get("date"),
        "kind": patent_kind(country, kind),
    }
    if grant_doc:
        data["grant_no"] = data["publication_no"]
        data["granted_at"] = pub.get("date")
    status_text = reg.get("status") or bib.get("status")
    status = next((s for p, s in _REGISTER_STATUS if status_text and p.search(status_text)), None)
    data["legal_status"] = status or ("in_force" if grant_doc else "pending")
    set_titles(data, [(t.get("lang"), txt(t)) for t in bib.findall("invention-title") if txt(t)], reg.get("lang"))
    ipc_block = _latest(bib, "classifications-ipcr")
    ipcs = []
    if ipc_block is not None:
        for text in texts(ipc_block, "classification-ipcr/text"):
            ipcs.extend(ipc_list_from_text(text))
    data["ipc"] = ipcs
    data["ipc_main"] = ipcs[0] if ipcs else None
    parties = bib.find("parties")
    if parties is not None:
        applicants = _latest(parties, "applicants")
        names = [first_text(a, "addressbook/name") for a in applicants.findall("applicant")] if applicants is not None else []
        data["applicants"] = [n if looks_like_org(n) else comma_name(n) for n in names if n]
        if applicants is not None and applicants.findall("applicant"):
            adr = applicants.findall("applicant")[0].find("addressbook/address")
            if adr is not None:
                lines = [txt(e) for e in adr if txt(e) and e.tag != "country"]
                ctry = first_text(adr, "country")
                data["applicant_address"] = ", ".join([*lines, ctry] if ctry else lines) or None
                data["province_code"], data["city"] = en_region(" ".join(lines), None, ctry)
        inventors = _latest(parties, "inventors")
        data["inventors"] = [comma_name(first_text(i, "addressbook/name")) for i in inventors.findall("inventor")] if inventors is not None else []
        agents = _latest(parties, "agents")
        reps = [first_text(a, "addressbook/name") for a in agents.findall("agent")] if agents is not None else []
        data["agency"] = next((n for n in reps if n and looks_like_org(n)), None)
        data["agent"] = join_names([comma_name(n) for n in reps if n and not looks_like_org(n)], 100, "; ")
    priority = []
    prio = _latest(bib, "priority-claims")
    if prio is not None:
        for p in prio.findall("priority-claim"):
            d = _r_docid(p)
            if d.get("number"):
                priority.append({"number": d["number"], "date": d.get("date"), "country": d.get("country")})
    data["priority"] = priority
    data["family"] = [publication_number(d.get("country"), d.get("number"), d.get("kind")) for d in (x for x, _ in pubs)
                      if d.get("number") and d.get("country") != country]
    cited = bib.findall("references-cited/citation")
    data["citations"] = len(cited) if cited else None
    events = []
    for st in reg.findall("ep-patent-statuses/ep-patent-status"):
        if txt(st):
            events.append({"date": iso_date(st.get("change-date")), "code": st.get("status-code"), "description": txt(st)})
    data["legal_events"] = events
    return data, []


def _r_docid(el) -> dict[str, str | None]:
    if el is None:
        return {}
    return {
        "country": first_text(el, "country"),
        "number": first_text(el, "doc-number"),
        "kind": first_text(el, "kind"),
        "date": iso_date(first_text(el, "date")),
    }
