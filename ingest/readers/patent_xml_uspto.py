"""USPTO full-text XML: ICE ``us-patent-grant`` / ``us-patent-application`` (v4.0-v4.7, 2005-),
grant XML v2.5 (``PATDOC``, ST.32, 2002-2004; the 2001 "SGML" v2.4 files converted to the same
XML parse too) and pre-grant publication XML v1.x (``patent-application-publication``, 2001-2004).

Applicants: pre-AIA documents list the inventors as applicants; when every applicant is also an
inventor and the document names assignees, the assignees are taken as applicants (the
organisation a Chinese database shows as 申请人/专利权人). Assignees are always ``owners``.
"""
from __future__ import annotations

import re
from typing import Any

from .patent_xml_common import (
    application_number, block_text, en_region, first_text, ipc_from_st32, ipc_from_text, ipc_symbol, is_grant,
    iso_date, join_names, looks_like_org, patent_kind, person_name, publication_number, set_titles, texts,
)

Mapped = tuple  # (data, problems) or (data, problems, source line of the record)


def _docid(el) -> dict[str, str | None]:
    if el is None:
        return {}
    return {
        "country": first_text(el, "country", "country-code"),
        "number": first_text(el, "doc-number"),
        "kind": first_text(el, "kind", "kind-code"),
        "date": iso_date(first_text(el, "date", "document-date")),
    }


def _space_claim_number(text: str | None) -> str | None:
    """``1.A method`` -> ``1. A method`` (the v1.x files set the number in bold, glued on)."""
    return re.sub(r"^(\d+)\.(?=[A-Za-z])", r"\1. ", text) if text else text


def _party_name(el) -> str | None:
    """An ICE party (applicant, inventor, assignee, agent): organisation or "Family Given"."""
    if el is None:
        return None
    book = el.find("addressbook")
    book = book if book is not None else el
    org = first_text(book, "orgname")
    if org:
        return org
    return person_name(first_text(book, "last-name"), first_text(book, "first-name"), first_text(book, "middle-name")) \
        or first_text(book, "name")


def _choose_applicants(applicants: list[str], inventors: list[str], assignees: list[str]) -> list[str]:
    if assignees and (not applicants or set(applicants) <= set(inventors)):
        return assignees
    return applicants or assignees


def _status(data: dict[str, Any], pub_date: str | None, grant_doc: bool) -> None:
    if grant_doc:
        data["grant_no"] = data.get("publication_no")
        data["granted_at"] = pub_date
        data["legal_status"] = "in_force"
    else:
        data["legal_status"] = "pending"


# -- ICE v4.x ------------------------------------------------------------------------------------

def map_us_ice(root) -> list[Mapped]:
    bib = root.find("us-bibliographic-data-grant")
    if bib is None:
        bib = root.find("us-bibliographic-data-application")
    if bib is None:
        bib = root
    pub = _docid(bib.find("publication-reference/document-id"))
    app_ref = bib.find("application-reference")
    app = _docid(app_ref.find("document-id")) if app_ref is not None else {}
    appl_type = app_ref.get("appl-type") if app_ref is not None else None
    country = pub.get("country") or root.get("country") or "US"
    kind = pub.get("kind")
    grant_doc = root.tag == "us-patent-grant" or is_grant(country, kind)

    data: dict[str, Any] = {
        "application_no": application_number(app.get("country") or country, app.get("number")),
        "filed_at": app.get("date"),
        "publication_no": publication_number(country, pub.get("number"), kind),
        "publication_date": pub.get("date") or iso_date(root.get("date-publ")),
        "kind": patent_kind(country, kind, appl_type),
    }
    _status(data, data["publication_date"], grant_doc)
    set_titles(data, [("en", t) for t in texts(bib, "invention-title")])
    data["abstract"] = block_text(root.find("abstract"))
    claims = root.findall("claims/claim")
    data["first_claim"] = block_text(claims[0]) if claims else None

    ipcs, main = [], None
    for c in bib.findall("classifications-ipcr/classification-ipcr"):
        symbol = ipc_symbol(first_text(c, "section"), first_text(c, "class"), first_text(c, "subclass"),
                            first_text(c, "main-group"), first_text(c, "subgroup")) or ipc_from_text(first_text(c, "text"))
        if symbol:
            ipcs.append(symbol)
            if main is None and first_text(c, "symbol-position") == "F":
                main = symbol
    for c in bib.findall("classification-ipc"):
        for value in texts(c, "main-classification") + texts(c, "further-classification"):
            symbol = ipc_from_text(value)
            if symbol:
                ipcs.append(symbol)
    data["ipc"] = ipcs
    data["ipc_main"] = main or (ipcs[0] if ipcs else None)
    cpcs = []
    for c in bib.findall("classifications-cpc/main-cpc/classification-cpc") + bib.findall("classifications-cpc/further-cpc/classification-cpc"):
        symbol = ipc_symbol(first_text(c, "section"), first_text(c, "class"), first_text(c, "subclass"),
                            first_text(c, "main-group"), first_text(c, "subgroup"))
        if symbol:
            cpcs.append(symbol)
    data["cpc"] = cpcs

    parties = bib.find("us-parties")
    if parties is None:
        parties = bib.find("parties")
    applicant_els = []
    inventor_els = []
    agent_els = []
    if parties is not None:
        applicant_els = parties.findall("us-applicants/us-applicant") or parties.findall("applicants/applicant")
        inventor_els = parties.findall("inventors/inventor") or parties.findall("us-inventors/us-inventor")
        agent_els = parties.findall("agents/agent")
    inventors = [_party_name(i) for i in inventor_els] or [
        _party_name(a) for a in applicant_els if "inventor" in (a.get("app-type") or "")]
    applicants = [_party_name(a) for a in applicant_els]
    assignee_els = bib.findall("assignees/assignee")
    assignees = [_party_name(a) for a in assignee_els]
    data["inventors"] = inventors
    data["applicants"] = _choose_applicants([a for a in applicants if a], [i for i in inventors if i], [a for a in assignees if a])
    data["owners"] = assignees
    first_party = next((a for a in applicant_els if _party_name(a) in data["applicants"]), None)
    if first_party is None and assignee_els:
        first_party = assignee_els[0]
    if first_party is not None:
        address = first_party.find("addressbook/address")
        if address is None:
            address = first_party.find("address")
        if address is not None:
            city, state, ctry = first_text(address, "city"), first_text(address, "state"), first_text(address, "country")
            data["applicant_address"] = ", ".join(p for p in (first_text(address, "street"), city, state, ctry) if p) or None
            data["province_code"], data["city"] = en_region(city, state, ctry)
    agent_names = [_party_name(a) for a in agent_els]
    data["agency"] = next((n for n in agent_names if n and looks_like_org(n)), None)
    data["agent"] = join_names([n for n in agent_names if n and not looks_like_org(n)], 100, "; ")

    priority = []
    for p in bib.findall("priority-claims/priority-claim"):
        pid = _docid(p)
        if pid.get("number"):
            priority.append({"number": pid["number"], "date": pid.get("date"), "country": pid.get("country")})
    for p in bib.findall("us-related-documents/us-provisional-application/document-id"):
        pid = _docid(p)
        if pid.get("number"):
            priority.append({"number": pid["number"], "date": pid.get("date"), "country": pid.get("country") or "US"})
    data["priority"] = priority
    data["family"] = [publication_number(d.get("country") or "US", d.get("number"), d.get("kind"))
                      for d in (_docid(e) for e in bib.findall("us-related-documents/related-publication/document-id"))
                      if d.get("number")]
    cited = bib.findall("us-references-cited/us-citation") + bib.findall("references-cited/citation")
    data["citations"] = len(cited) if cited else None
    return [(data, [])]


# -- grant XML v2.5 (PATDOC, ST.32) ------------------------------------------------------------------

def _st32_name(party) -> str | None:
    if party is None:
        return None
    nam = party.find(".//NAM")
    if nam is None:
        return None
    return first_text(nam, "ONM") or person_name(first_text(nam, "SNM"), first_text(nam, "FNM"))


def map_us_st32(root) -> list[Mapped]:
    bib = root.find("SDOBI")
    if bib is None:
        bib = root
    country = first_text(bib, "B100/B190") or "US"
    kind = first_text(bib, "B100/B130")
    number = first_text(bib, "B100/B110")
    pub_date = iso_date(first_text(bib, "B100/B140"))
    data: dict[str, Any] = {
        "application_no": application_number(country, first_text(bib, "B200/B210")),
        "filed_at": iso_date(first_text(bib, "B200/B220")),
        "publication_no": publication_number(country, number, kind),
        "publication_date": pub_date,
        "kind": patent_kind(country, kind),
    }
    _status(data, pub_date, True)
    set_titles(data, [("en", t) for t in texts(bib, "B500/B540")])
    data["abstract"] = block_text(root.find("SDOAB"))
    claims = root.findall("SDOCL/CL/CLM")
    data["first_claim"] = block_text(claims[0]) if claims else None

    # the fixed-width form matters here ("A47L  514"): read the text without collapsing spaces
    raw = ["".join(e.itertext()).strip() for e in bib.findall("B500/B510/B511") + bib.findall("B500/B510/B512")]
    ipcs = [s for s in (ipc_from_st32(t) for t in raw) if s]
    data["ipc"] = ipcs
    data["ipc_main"] = ipcs[0] if ipcs else None

    inventors = [_st32_name(p) for p in bib.findall("B700/B720/B721")]
    assignees = [_st32_name(p) for p in bib.findall("B700/B730/B731")]
    data["inventors"] = inventors
    data["owners"] = assignees
    data["applicants"] = _choose_applicants([], [i for i in inventors if i], [a for a in assignees if a]) or inventors
    first_party = (bib.findall("B700/B730/B731") or bib.findall("B700/B720/B721") or [None])[0]
    if first_party is not None:
        adr = first_party.find(".//ADR")
        if adr is not None:
            city, state, ctry = first_text(adr, "CITY"), first_text(adr, "STATE"), first_text(adr, "CTRY") or "US"
            data["applicant_address"] = ", ".join(p for p in (first_text(adr, "STR"), city, state, first_text(adr, "CTRY")) if p) or None
            data["province_code"], data["city"] = en_region(city, state, ctry)
    agents = [_st32_name(p) for p in bib.findall("B700/B740/B741")]
    data["agency"] = next((n for n in agents if n and looks_like_org(n)), None)
    data["agent"] = join_names([n for n in agents if n and not looks_like_org(n)], 100, "; ")

    priority = []
    for p in bib.findall("B300"):
        number_ = first_text(p, "B310")
        if number_:
            priority.append({"number": number_, "date": iso_date(first_text(p, "B320")), "country": first_text(p, "B330")})
    data["priority"] = priority
    data["family"] = [publication_number(first_text(d, "CTRY") or "US", first_text(d, "DNUM"), first_text(d, "KIND"))
                      for d in bib.findall("B600/B690US/DOC") if first_text(d, "DNUM")]
    cited = bib.findall("B500/B560/B561") + bib.findall("B500/B560/B562")
    data["citations"] = len(cited) if cited else None
    return [(data, [])]


# -- pre-grant publication XML v1.x ----------------------------------------------------------------

def _pap_name(el) -> str | None:
    name = el.find("name")
    if name is None:
        return first_text(el, "organization-name")
    return person_name(first_text(name, "family-name"), first_text(name, "given-name"), first_text(name, "middle-name")) \
        or first_text(name, "organization-name")


def map_us_pap(root) -> list[Mapped]:
    bib = root.find("subdoc-bibliographic-information")
    if bib is None:
        bib = root
    pub = _docid(bib.find("document-id"))
    country = pub.get("country") or "US"
    kind = pub.get("kind") or "A1"
    filing = bib.find("domestic-filing-data")
    data: dict[str, Any] = {
        "application_no": application_number(country, first_text(filing, "application-number/doc-number")) if filing is not None else None,
        "filed_at": iso_date(first_text(filing, "filing-date")) if filing is not None else None,
        "publication_no": publication_number(country, pub.get("number"), kind),
        "publication_date": pub.get("date"),
        "kind": patent_kind(country, kind),
    }
    _status(data, pub.get("date"), False)
    tech = bib.find("technical-information")
    set_titles(data, [("en", t) for t in texts(tech, "title-of-invention")] if tech is not None else [])
    data["abstract"] = block_text(root.find("subdoc-abstract"), skip=("heading",))
    claims = root.findall("subdoc-claims/claim")
    data["first_claim"] = _space_claim_number(block_text(claims[0])) if claims else None

    ipcs = []
    if tech is not None:
        for value in texts(tech, "classification-ipc/classification-ipc-primary/ipc") + texts(tech, "classification-ipc/classification-ipc-secondary/ipc"):
            symbol = ipc_from_text(value)
            if symbol:
                ipcs.append(symbol)
    data["ipc"] = ipcs
    data["ipc_main"] = ipcs[0] if ipcs else None

    inventor_els = bib.findall("inventors/first-named-inventor") + bib.findall("inventors/inventor")
    inventors = [_pap_name(i) for i in inventor_els]
    assignees = [_pap_name(a) for a in bib.findall("assignee")]
    data["inventors"] = inventors
    data["owners"] = assignees
    data["applicants"] = _choose_applicants([], [i for i in inventors if i], [a for a in assignees if a]) or inventors
    if inventor_els and not assignees:
        res = inventor_els[0].find("residence")
        if res is not None:
            city, state = first_text(res, ".//city"), first_text(res, ".//state")
            ctry = first_text(res, ".//country-code") or "US"
            data["applicant_address"] = ", ".join(p for p in (city, state, ctry) if p) or None
            data["province_code"], data["city"] = en_region(city, state, ctry)

    priority = []
    for p in bib.findall("foreign-priority-data"):
        number_ = first_text(p, "priority-application-number/doc-number")
        if number_:
            priority.append({"number": number_, "date": iso_date(first_text(p, "filing-date")), "country": first_text(p, "country-code")})
    data["priority"] = priority
    return [(data, [])]

