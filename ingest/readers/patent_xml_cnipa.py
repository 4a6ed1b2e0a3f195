"""CNIPA full-text XML: the current schema (V2.2.1, root ``business:PatentDocumentAndRelated``,
namespaces ``http://www.sipo.gov.cn/XMLSchema/{base,business}``) and the older
``cn-patent-document`` (ST.36-derived, ``cn-`` prefixed elements).

开放许可 (open licence, Patent Law Art. 50-52): the element names CNIPA uses for an open-licence
declaration inside these documents are not public (the declarations are announced in the patent
gazette). This reader *assumes* a block in the new schema's style, found anywhere in the document
by local name, e.g.::

    <business:OpenLicenseDetails>
      <business:OpenLicense status="declared">
        <business:DeclarationDate><base:Date>20240105</base:Date></business:DeclarationDate>
        <business:PaymentMode>入门费附加提成</business:PaymentMode>
        <business:LicenseFee currency="CNY">5万元</business:LicenseFee>
        <business:RoyaltyRate>3%</business:RoyaltyRate>
        <business:PaymentStandard>入门费5万元，另按年净销售额的3%提成</business:PaymentStandard>
        <business:LicenseTerm>至专利权有效期届满</business:LicenseTerm>
        <business:WithdrawalDate><base:Date>…</base:Date></business:WithdrawalDate>
      </business:OpenLicense>
    </business:OpenLicenseDetails>

Names are matched loosely (``OpenLicence``/``OpenLicense``…, ``DeclarationDate``/``DeclareDate``/
``Date``, ``PaymentMode``/``PaymentMethod``/``PaymentType``, ``LicenseFee``/``Fee``,
``RoyaltyRate``/``CommissionRate``, ``PaymentStandard``/``Terms``, ``LicenseTerm``/``Term``/
``Period``, ``WithdrawalDate``/``WithdrawDate``/``RevocationDate``) so that the real names, once
known, need at most a new synonym here.
"""
from __future__ import annotations

import re
from typing import Any

from web import normalize

from .patent_xml_common import (
    application_number, block_text, cn_region, first_text, ipc_from_text, ipc_symbol, is_grant, iso_date,
    join_names, patent_kind, publication_number, set_titles, split_postcode, strip_agency_code, texts, txt,
)

Mapped = tuple  # (data, problems) or (data, problems, source line of the record)


def _by_format(elements: list, fmt: str = "original") -> list:
    """CNIPA repeats references as ``dataFormat="original"`` and ``"standard"``: keep one."""
    chosen = [e for e in elements if e.get("dataFormat") == fmt]
    return chosen or [e for e in elements if e.get("dataFormat") != "standard"] or elements


def _zh_first(elements: list) -> list:
    zh = [e for e in elements if (e.get("lang") or "zh").lower().startswith("zh")]
    return zh or elements


def _docid(el) -> dict[str, str | None]:
    if el is None:
        return {}
    doc = el.find("DocumentID") if el.tag != "DocumentID" else el
    doc = doc if doc is not None else el
    return {
        "country": first_text(doc, "WIPOST3Code", "country"),
        "number": first_text(doc, "DocNumber", "doc-number"),
        "kind": first_text(doc, "Kind", "kind"),
        "date": iso_date(first_text(doc, "Date", "date")),
    }


def _claim1(claims_el, claim_tag: str, inline: tuple[str, ...] = ()) -> str | None:
    if claims_el is None:
        return None
    claims = claims_el.findall(claim_tag)
    if not claims:
        return None
    first = next((c for c in claims if (c.get("num") or "").lstrip("0") == "1"), claims[0])
    return block_text(first, inline=inline)


# -- open licence --------------------------------------------------------------------------------

def _local(el) -> str:
    return el.tag.lower() if isinstance(el.tag, str) else ""


def _find_local(el, *names: str):
    """First descendant whose lower-case local name is one of ``names``."""
    wanted = {n.lower() for n in names}
    for d in el.iter():
        if d is not el and _local(d) in wanted:
            return d
    return None


def _value(el, *names: str) -> str | None:
    found = _find_local(el, *names)
    if found is None:
        return None
    return txt(found)


def _payment(text: str | None) -> str | None:
    if not text:
        return None
    t = normalize.clean_text(text)
    if "入门费" in t or re.search(r"entry", t, re.I):
        return "entry_plus_royalty"
    if "提成" in t or re.search(r"royalt", t, re.I):
        return "royalty"
    if "一次" in t or re.search(r"lump", t, re.I):
        return "lump_sum"
    return t  # left to the vocabulary (codes, labels) — an unknown one is reported by the schema


def _rate(text: str | None) -> float | None:
    if not text:
        return None
    m = re.search(r"(\d+(?:\.\d+)?)\s*[%％]?", normalize.clean_text(text))
    return float(m.group(1)) if m else None


def open_licence(root) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
    """The open-licence declaration, if the document has one (see the module docstring)."""
    blocks = [el for el in root.iter() if _local(el).startswith(("openlicence", "openlicense"))]
    if not blocks:
        return None, []
    # the declaration itself, not its container (…Details/…List/…Bag), when both are there
    block = next((b for b in blocks if not _local(b).endswith(("details", "list", "bag"))), blocks[0])
    problems: list[tuple[str, str]] = []
    declared = _find_local(block, "DeclarationDate", "DeclareDate", "DeclaredDate", "PublicationDate")
    declared_at = iso_date(first_text(declared, "Date", ".")) if declared is not None else None
    if declared_at is None:
        declared_at = iso_date(first_text(block, "Date"))
    withdrawn = _find_local(block, "WithdrawalDate", "WithdrawDate", "WithdrawnDate", "RevocationDate")
    withdrawn_at = iso_date(first_text(withdrawn, "Date", ".")) if withdrawn is not None else None
    if withdrawn_at is None and (block.get("status") or "").lower() in ("withdrawn", "撤回"):
        problems.append(("open_licence.withdrawn_at", "开放许可已撤回但缺少撤回日期 / the open licence is withdrawn but has no withdrawal date"))
    fee_text = _value(block, "LicenseFee", "LicenceFee", "Fee", "EntryFee", "LumpSum")
    data = {
        "declared_at": declared_at,
        "payment": _payment(_value(block, "PaymentMode", "PaymentMethod", "PaymentType", "PayMode")),
        "fee": fee_text,
        "royalty_rate": _rate(_value(block, "RoyaltyRate", "CommissionRate", "Royalty", "Rate")),
        "terms": _value(block, "PaymentStandard", "Terms", "LicenseTerms", "LicenceTerms", "Conditions"),
        "term": _value(block, "LicenseTerm", "LicenceTerm", "Term", "Period", "LicensePeriod", "LicencePeriod"),
        "withdrawn_at": withdrawn_at,
    }
    return {k: v for k, v in data.items() if v is not None}, problems


# -- new schema (V2.2.1) -----------------------------------------------------------------------

def map_cnipa_new(root) -> list[Mapped]:
    bib = root.find("BibliographicData")
    if bib is None:
        bib = root
    pub = _docid(_by_format(bib.findall("PublicationReference"))[0]) if bib.findall("PublicationReference") else {}
    country = pub.get("country") or root.get("country") or "CN"
    number = pub.get("number") or root.get("docNumber")
    kind = pub.get("kind") or root.get("kind")
    pub_date = pub.get("date") or iso_date(root.get("datePublication"))
    app_refs = bib.findall("ApplicationReference")
    app = _docid(_by_format(app_refs)[0]) if app_refs else {}

    data: dict[str, Any] = {
        "application_no": application_number(app.get("country") or country, app.get("number")),
        "filed_at": app.get("date"),
        "publication_no": publication_number(country, number, kind),
        "publication_date": pub_date,
        "kind": patent_kind(country, kind),
    }
    if is_grant(country, kind):
        data["grant_no"] = data["publication_no"]
        data["granted_at"] = pub_date
    data["legal_status"] = "in_force" if is_grant(country, kind) else "pending"

    titles = [(t.get("lang"), txt(t)) for t in bib.findall("InventionTitle") if txt(t)]
    set_titles(data, titles)

    abstracts = _zh_first(_by_format(root.findall("Abstract")))
    data["abstract"] = block_text(abstracts[0]) if abstracts else None
    claims = _zh_first(_by_format(root.findall("Claims")))
    data["first_claim"] = _claim1(claims[0], "Claim") if claims else None

    ipcs = []
    for c in sorted(bib.findall("ClassificationIPCRDetails/ClassificationIPCR"), key=lambda e: int(e.get("sequence") or 0)):
        symbol = ipc_from_text(first_text(c, "Text")) or ipc_symbol(
            first_text(c, "Section"), first_text(c, "MainClass"), first_text(c, "Subclass"),
            first_text(c, "MainGroup"), first_text(c, "Subgroup"))
        if symbol:
            ipcs.append(symbol)
    data["ipc"] = ipcs
    data["ipc_main"] = ipcs[0] if ipcs else None

    parties = bib.find("Parties")
    applicants = _zh_first(_by_format(parties.findall("ApplicantDetails/Applicant"))) if parties is not None else []
    data["applicants"] = [first_text(a, "AddressBook/Name", "AddressBook/OrganizationName", ".//Name") for a in applicants]
    if applicants:
        addr = applicants[0].find("AddressBook/Address")
        if addr is not None:
            def part(tag: str) -> str | None:
                value = first_text(addr, tag)
                return None if value in (None, "0") else value
            postcode, text = split_postcode(part("Text"))
            data["applicant_address"] = text
            data["province_code"], data["city"] = cn_region(
                text, part("Province"), part("WIPOST3Code"), part("PostCode") or postcode)
    inventors = _zh_first(_by_format(parties.findall("InventorDetails/Inventor"))) if parties is not None else []
    data["inventors"] = [first_text(i, "AddressBook/Name", ".//Name") for i in inventors]
    agents = _zh_first(_by_format(parties.findall("AgentDetails/Agent"))) if parties is not None else []
    data["agency"] = strip_agency_code(next((first_text(a, "Agency/AddressBook/OrganizationName", "Agency//Name") for a in agents
                                             if first_text(a, "Agency/AddressBook/OrganizationName", "Agency//Name")), None))
    data["agent"] = join_names([first_text(a, "AddressBook/Name") for a in agents], 100, "、")
    if data.get("kind") and is_grant(country, kind):
        data["owners"] = list(data["applicants"])

    priority = []
    for p in _by_format(bib.findall("PriorityDetails/Priority")):
        pid = _docid(p)
        if pid.get("number"):
            priority.append({"number": pid["number"], "date": pid.get("date"), "country": pid.get("country")})
    data["priority"] = priority

    family = []
    for d in bib.findall("PCTOrRegionalPublishingData"):
        pid = _docid(d)
        if pid.get("number"):
            family.append(publication_number(pid.get("country") or "WO", pid["number"], pid.get("kind")))
    data["family"] = family

    licence, problems = open_licence(root)
    data["open_licence"] = licence
    return [(data, problems)]


# -- old schema (cn-patent-document) --------------------------------------------------------------

def map_cnipa_old(root) -> list[Mapped]:
    bib = root.find("cn-bibliographic-data")
    if bib is None:
        bib = root
    pub = _docid(bib.find("cn-publication-reference/document-id"))
    country = pub.get("country") or root.get("country") or "CN"
    kind = pub.get("kind")
    app = _docid(bib.find("application-reference/document-id"))

    data: dict[str, Any] = {
        "application_no": application_number(app.get("country") or country, app.get("number")),
        "filed_at": app.get("date"),
        "publication_no": publication_number(country, pub.get("number"), kind),
        "publication_date": pub.get("date"),
        "kind": patent_kind(country, kind),
        "legal_status": "in_force" if is_grant(country, kind) else "pending",
    }
    if is_grant(country, kind):
        data["grant_no"] = data["publication_no"]
        data["granted_at"] = pub.get("date")

    titles = [(t.get("lang"), txt(t)) for t in bib.findall("invention-title") if txt(t)]
    set_titles(data, titles)
    abstract = bib.find("abstract")
    if abstract is None:
        abstract = root.find("abstract")
    data["abstract"] = block_text(abstract, skip=("bio-deposit",), inline=("br",))
    claims = root.find("application-body/claims")
    data["first_claim"] = _claim1(claims, "claim", inline=("br",))

    ipcs = [s for s in (ipc_from_text(t) for t in texts(bib, "classifications-ipcr/classification-ipcr/text")) if s]
    data["ipc"] = ipcs
    data["ipc_main"] = ipcs[0] if ipcs else None

    applicants = bib.findall("cn-parties/cn-applicants/cn-applicant")
    data["applicants"] = [first_text(a, "addressbook/name", "name", "addressbook/orgname") for a in applicants]
    if applicants:
        postcode, text = split_postcode(first_text(applicants[0], "addressbook/address/text", "address/text"))
        data["applicant_address"] = text
        data["province_code"], data["city"] = cn_region(text, postcode=postcode)
    data["inventors"] = texts(bib, "cn-parties/cn-inventors/cn-inventor/name") or texts(
        bib, "cn-parties/cn-inventors/cn-inventor/addressbook/name")
    agents = bib.findall("cn-parties/cn-agents/cn-agent")
    data["agency"] = strip_agency_code(next((first_text(a, "cn-agency/name") for a in agents if first_text(a, "cn-agency/name")), None))
    data["agent"] = join_names([first_text(a, "name") for a in agents], 100, "、")
    if is_grant(country, kind):
        data["owners"] = list(data["applicants"])

    priority = []
    for p in bib.findall("priority-claims/priority-claim"):
        pid = _docid(p)
        if pid.get("number"):
            priority.append({"number": pid["number"], "date": pid.get("date"), "country": pid.get("country")})
    for p in bib.findall("cn-related-documents/cn-domestic-priority-claims/cn-domestic-priority-claim"):
        pid = _docid(p.find(".//document-id"))
        if pid.get("number"):
            priority.append({"number": pid["number"], "date": pid.get("date"), "country": pid.get("country") or "CN"})
    data["priority"] = priority

    family = []
    for d in bib.findall("pct-or-regional-publishing-data/document-id"):
        pid = _docid(d)
        if pid.get("number"):
            family.append(publication_number(pid.get("country") or "WO", pid["number"], pid.get("kind")))
    data["family"] = family

    licence, problems = open_licence(root)
    data["open_licence"] = licence
    return [(data, problems)]
