"""WIPO ST.96 ``pat:PatentPublication`` (V4-V7; tested on the Annex VII example, a US grant)."""
from __future__ import annotations

from typing import Any

from .patent_xml_common import (
    application_number, block_text, en_region, first_text, ipc_symbol, is_grant, iso_date, join_names,
    looks_like_org, patent_kind, person_name, publication_number, set_titles, txt,
)

Mapped = tuple  # (data, problems) or (data, problems, source line of the record)


def _contact_name(el) -> str | None:
    if el is None:
        return None
    contact = el.find("PublicationContact")
    contact = contact if contact is not None else el.find("Contact")
    contact = contact if contact is not None else el
    name = contact.find("Name")
    name = name if name is not None else contact
    entity = first_text(name, "EntityName", "OrganizationName/OrganizationStandardName", ".//OrganizationStandardName")
    if entity:
        return entity
    structured = name.find("PersonName/PersonStructuredName")
    if structured is not None:
        return person_name(first_text(structured, "LastName"), first_text(structured, "FirstName"), first_text(structured, "MiddleName"))
    return first_text(name, "PersonName/PersonFullName", "PersonFullName", ".//PersonFullName")


def _cls(c, section_tag: str) -> str | None:
    return ipc_symbol(first_text(c, section_tag), first_text(c, "Class"), first_text(c, "Subclass"),
                      first_text(c, "MainGroup"), first_text(c, "Subgroup"))


def map_st96(root) -> list[Mapped]:
    bib = root.find("BibliographicData")
    if bib is None:
        bib = root
    pubid = bib.find("PatentPublicationIdentification")
    country = first_text(pubid, "IPOfficeCode") or first_text(root, "IPOfficeCode")
    kind = first_text(pubid, "PatentDocumentKindCode")
    number = first_text(pubid, "PublicationNumber")
    pub_date = iso_date(first_text(pubid, "PublicationDate")) or iso_date(root.get("documentPublicationDate"))
    app = bib.find("ApplicationIdentification")
    category = first_text(app, "InventionSubjectMatterCategory")
    grant_doc = is_grant(country, kind)
    data: dict[str, Any] = {
        "application_no": application_number(first_text(app, "IPOfficeCode") or country,
                                              first_text(app, "ApplicationNumber/ApplicationNumberText")),
        "filed_at": iso_date(first_text(app, "FilingDate")),
        "publication_no": publication_number(country, number, kind),
        "publication_date": pub_date,
        "kind": patent_kind(country, kind, category),
        "legal_status": "in_force" if grant_doc else "pending",
    }
    if grant_doc:
        data["grant_no"] = data["publication_no"]
        data["granted_at"] = iso_date(first_text(bib, "GrantDate")) or pub_date
    lang = root.get("languageCode")
    titles = [(t.get("languageCode") or lang, txt(t)) for t in bib.findall("InventionTitleBag/InventionTitle") + bib.findall("InventionTitle") if txt(t)]
    set_titles(data, titles, lang)
    data["abstract"] = block_text(root.find("Abstract"))
    claims = root.findall("Claims/Claim")
    if claims:
        parts = [block_text(t) for t in claims[0].findall("ClaimText")]
        data["first_claim"] = "\n".join(p for p in parts if p) or None

    ipcs, main = [], None
    for c in bib.findall("PatentClassificationBag/IPCRClassificationBag/IPCRClassification"):
        symbol = _cls(c, "Section")
        if symbol:
            ipcs.append(symbol)
            if main is None and first_text(c, "SymbolPositionCode") == "F":
                main = symbol
    data["ipc"] = ipcs
    data["ipc_main"] = main or (ipcs[0] if ipcs else None)
    cpc_bag = bib.find("PatentClassificationBag/CPCClassificationBag")
    if cpc_bag is not None:
        data["cpc"] = [s for s in (_cls(c, "CPCSection") for c in cpc_bag.findall("MainCPC/CPCClassification")
                                   + cpc_bag.findall("FurtherCPC/CPCClassification")) if s]

    parties = bib.find("PartyBag")
    if parties is not None:
        applicant_els = parties.findall("ApplicantBag/Applicant")
        applicants = [_contact_name(a) for a in applicant_els]
        inventors = [_contact_name(i) for i in parties.findall("InventorBag/Inventor")]
        assignees = [_contact_name(a) for a in parties.findall("AssigneeBag/Assignee")]
        data["inventors"] = inventors
        data["owners"] = assignees
        real_applicants = [a for a in applicants if a]
        if assignees and (not real_applicants or set(real_applicants) <= {i for i in inventors if i}):
            data["applicants"] = assignees
            first = parties.find("AssigneeBag/Assignee")
        else:
            data["applicants"] = applicants or assignees
            first = applicant_els[0] if applicant_els else None
        if first is not None:
            address = first.find(".//PostalAddress/PostalStructuredAddress")
            if address is not None:
                city = first_text(address, "CityName")
                state = first_text(address, "GeographicRegionName")
                ctry = first_text(address, "CountryCode")
                data["applicant_address"] = ", ".join(p for p in (city, state, ctry) if p) or None
                data["province_code"], data["city"] = en_region(city, state, ctry)
        reps = [_contact_name(r) for r in parties.findall("RegisteredPractitionerBag/RegisteredPractitioner")]
        reps += [_contact_name(r) for r in parties.findall("AgentBag/Agent")]
        data["agency"] = next((n for n in reps if n and looks_like_org(n)), None)
        data["agent"] = join_names([n for n in reps if n and not looks_like_org(n)], 100, "; ")

    priority = []
    for p in bib.findall("PriorityClaimBag/PriorityClaim"):
        number_ = first_text(p, "ApplicationNumber/ApplicationNumberText")
        if number_:
            priority.append({"number": number_, "date": iso_date(first_text(p, "FilingDate")), "country": first_text(p, "IPOfficeCode")})
    data["priority"] = priority
    family = []
    for r in bib.findall("RelatedDocumentBag/RelatedPublication/PatentDocumentIdentification/PatentPublicationIdentification"):
        num = first_text(r, "PublicationNumber")
        if num:
            family.append(publication_number(first_text(r, "IPOfficeCode") or country, num, first_text(r, "PatentDocumentKindCode")))
    data["family"] = family
    cited = bib.findall("ReferenceCitationBag/ReferenceCitation")
    data["citations"] = len(cited) if cited else None
    return [(data, [])]
