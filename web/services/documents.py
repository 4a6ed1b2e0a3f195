"""Record -> search document. The only place index documents are shaped.

Documents are flat and hold codes (labels are added at display time). Every type shares the
fields the cross-type search uses (title, summary, keywords, holders, city, field, year);
``display`` carries small display-only data the index does not search. Completion inputs are
given only for published records, so type-ahead never leaks drafts.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from indexer import IndexDoc

from .. import search_options as opts
from .. import vocabularies
from ..models import Achievement, Institution, Instrument, Need, Patent

TITLE_WEIGHT, KEYWORD_WEIGHT, INSTITUTION_WEIGHT, ALIAS_WEIGHT = 10, 5, 8, 6


def _iso(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat()


def _suggest(status: str, *groups: tuple[list[str], int]) -> list[dict[str, Any]]:
    if status != "published":
        return []
    out = []
    for inputs, weight in groups:
        clean = [s[:100] for s in dict.fromkeys(i for i in inputs if i)]
        if clean:
            out.append({"input": clean, "weight": weight})
    return out


def _base(rec: Any) -> dict[str, Any]:
    return {
        "id": rec.public_id,
        "record_type": rec.RECORD_TYPE,
        "status": rec.status,
        "published_at": _iso(rec.published_at),
        "updated_at": _iso(rec.updated_at),
    }


def _drop_empty(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if v is not None and v != [] and v != ""}


# coded document fields that no facet lists, and their vocabularies
CODED_FIELDS: dict[str, dict[str, str]] = {
    "achievement": {"achievement_type": "achievement_type", "origin": "achievement_origin", "price_mode": "price_mode"},
    "patent": {"field": "tech_field", "licence_payment": "licence_payment"},
    "instrument": {"origin": "instrument_origin", "funding": "instrument_funding"},
}


def _labels(record_type: str, doc: dict[str, Any]) -> list[str]:
    """The English labels of the record's coded values (field ``new_energy`` -> New energy and
    energy saving; city, types, levels, stages ...): searched, never shown, so an English query
    finds the Chinese records a facet would. (Not the Chinese labels: common words such as 技术
    or 应用 in them would make Chinese searches match whole facets.) Labels change with the
    vocabulary file, after which a rebuild refreshes them."""
    out: list[str] = []
    coded = {d.field: d.vocabulary for d in opts.FACETS.get(record_type, ()) if d.vocabulary} | CODED_FIELDS.get(record_type, {})
    for field, name in coded.items():
        vocab = vocabularies.get(name)
        value = doc.get(field)
        for code in value if isinstance(value, list) else [value]:
            if code is not None and str(code) in vocab:
                out.append(vocab.label(str(code), "en"))
    return list(dict.fromkeys(out))


def _names(record_type: str, doc: dict[str, Any], english_holders: list[str | None] = ()) -> dict[str, Any]:
    """The searchable names a record gets besides its own text: its holders' English names
    (Jilin University finds 吉林大学's records) and its vocabularies' English labels."""
    return {"holders_en": [n for n in dict.fromkeys(english_holders) if n], "labels": _labels(record_type, doc)}


def achievement_document(rec: Achievement, selected: list[int] | None = None) -> dict[str, Any]:
    """``selected``: the years whose published list (its newest revision) names the record."""
    insts = rec.institutions
    lead = insts[0] if insts else None
    doc = _base(rec) | {
        "title": rec.title,
        "title_en": rec.title_en,
        "summary": rec.summary,
        "keywords": rec.keywords,
        "holders": [i.name for i in insts],
        "holder_ids": [i.public_id for i in insts],
        "holder_types": list(dict.fromkeys(i.type for i in insts if i.type)),
        "city": lead.city if lead else None,
        "field": rec.field,
        "year": rec.year,
        "registration_no": rec.registration_no,
        "achievement_type": rec.achievement_type,
        "innovations": rec.innovations,
        "people": rec.people,
        "form": rec.form,
        "origin": rec.origin,
        "level": rec.level,
        "stage": rec.stage,
        "trl": rec.trl,
        "transfer_modes": rec.transfer_modes,
        "price_mode": rec.price_mode,
        "price_amount": rec.price_amount,
        "transferred": rec.transferred,
        "industry": rec.industry,
        "discipline": rec.discipline,
        "funding_source": rec.funding_source,
        "ip_numbers": [i.get("number") for i in rec.ip if i.get("number")],
        "registered_at": _iso(rec.registered_at),
        "quality_score": rec.quality_score,
        "selected_years": [str(y) for y in selected or []],
        "suggest": _suggest(rec.status, ([rec.title], TITLE_WEIGHT), (rec.keywords, KEYWORD_WEIGHT)),
        "display": {"price_amount_max": rec.price_amount_max, "holders": [{"id": i.public_id, "name": i.name} for i in insts]},
    }
    return _drop_empty(doc | _names("achievement", doc, [i.name_en for i in insts]))


def _ipc_parts(codes: list[str]) -> tuple[list[str], list[str], list[str]]:
    sections, classes, subclasses = [], [], []
    for code in codes:
        if len(code) >= 1:
            sections.append(code[0])
        if len(code) >= 3:
            classes.append(code[:3])
        if len(code) >= 4:
            subclasses.append(code[:4])
    return list(dict.fromkeys(sections)), list(dict.fromkeys(classes)), list(dict.fromkeys(subclasses))


def patent_document(rec: Patent) -> dict[str, Any]:
    linked = [a.institution for a in rec.applicants if a.institution is not None]
    sections, classes, subclasses = _ipc_parts(rec.ipc)
    ol = rec.open_licence or {}
    doc = _base(rec) | {
        "title": rec.title,
        "title_en": rec.title_en,
        "summary": rec.abstract,
        "first_claim": rec.first_claim,
        "keywords": rec.keywords,
        "holders": [a.name for a in rec.applicants],
        "holder_ids": [i.public_id for i in linked],
        "holder_types": list(dict.fromkeys(i.type for i in linked if i.type)),
        "inventors": rec.inventors,
        "city": rec.city or (linked[0].city if linked else None),
        "field": rec.field,
        "year": rec.year,
        "kind": rec.kind,
        "legal_status": rec.legal_status,
        "application_no": rec.application_no,
        "publication_no": rec.publication_no,
        "grant_no": rec.grant_no,
        "ipc": rec.ipc,
        "ipc_main": rec.ipc_main,
        "ipc_sections": sections,
        "ipc_classes": classes,
        "ipc_subclasses": subclasses,
        "cpc": rec.cpc,
        "open_licence": rec.open_licence_active,
        "licence_payment": ol.get("payment") if rec.open_licence_active else None,
        "licence_fee": ol.get("fee") if rec.open_licence_active else None,
        "transfers": rec.transfers,
        "licences": rec.licences,
        "pledges": rec.pledges,
        "filed_at": _iso(rec.filed_at),
        "publication_date": _iso(rec.publication_date),
        "granted_at": _iso(rec.granted_at),
        "suggest": _suggest(rec.status, ([rec.title], TITLE_WEIGHT), (rec.keywords, KEYWORD_WEIGHT)),
        "display": {"holders": [{"id": i.public_id, "name": i.name} for i in linked]},
    }
    return _drop_empty(doc | _names("patent", doc, [i.name_en for i in linked]))


def instrument_document(rec: Instrument) -> dict[str, Any]:
    inst = rec.institution
    doc = _base(rec) | {
        "title": rec.name,
        "title_en": rec.name_en,
        "summary": rec.functions,
        "specs": rec.specs,
        "research_areas": rec.research_areas,
        "keywords": rec.research_areas,
        "holders": [inst.name] if inst else [],
        "holder_ids": [inst.public_id] if inst else [],
        "holder_types": [inst.type] if inst and inst.type else [],
        "city": rec.city or (inst.city if inst else None),
        "year": rec.year,
        "lab": rec.lab,
        "model": rec.model,
        "manufacturer": rec.manufacturer,
        "asset_no": rec.asset_no,
        "class_code": rec.class_code,
        "instrument_class": rec.instrument_class,
        "country": rec.country,
        "origin": rec.origin,
        "value": rec.value,
        "shared": rec.shared,
        "service_modes": rec.service_modes,
        "run_status": rec.run_status,
        "funding": rec.funding,
        "commissioned_at": _iso(rec.commissioned_at),
        "annual_open_hours": rec.annual_open_hours,
        "external_hours": rec.external_hours_per_year,
        "external_income": rec.external_income_per_year,
        "suggest": _suggest(rec.status, ([rec.name, rec.name_en or ""], TITLE_WEIGHT)),
        "display": {"holders": [{"id": inst.public_id, "name": inst.name}] if inst else []},
    }
    return _drop_empty(doc | _names("instrument", doc, [inst.name_en] if inst else []))


# a need without a deadline stays open: its open_until is this far date, so that "open on day D"
# is one range filter (open_until >= D) on both engines
OPEN_ENDED = date(9999, 12, 31)


def need_document(rec: Need) -> dict[str, Any]:
    doc = _base(rec) | {
        "title": rec.title,
        "title_en": rec.title_en,
        "summary": rec.description,
        "keywords": rec.keywords,
        "holders": [rec.organisation] if rec.organisation else [],
        "city": rec.city,
        "field": rec.field,
        "year": rec.year,
        "industry": rec.industry,
        "budget_min": rec.budget_min,
        "budget_max": rec.budget_max,
        "budget": rec.budget_max if rec.budget_max is not None else rec.budget_min,
        "cooperation_modes": rec.cooperation_modes,
        "deadline": _iso(rec.deadline),
        "open_until": _iso(rec.deadline or OPEN_ENDED),
        "suggest": _suggest(rec.status, ([rec.title], TITLE_WEIGHT), (rec.keywords, KEYWORD_WEIGHT)),
        "display": {"deadline": _iso(rec.deadline), "organisation": rec.organisation},
    }
    return _drop_empty(doc | _names("need", doc))


def institution_document(rec: Institution, counts: dict[str, int] | None = None) -> dict[str, Any]:
    counts = counts or {}
    doc = _base(rec) | {
        "title": rec.name,
        "title_en": rec.name_en,
        "summary": rec.description,
        "aliases": rec.aliases,
        "inst_type": rec.type,
        "holder_types": [rec.type] if rec.type else [],
        "city": rec.city,
        "credit_code": rec.credit_code,
        "address": rec.address,
        "achievements_count": counts.get("achievements", 0),
        "patents_count": counts.get("patents", 0),
        "instruments_count": counts.get("instruments", 0),
        "suggest": _suggest(rec.status, ([rec.name], INSTITUTION_WEIGHT), (rec.aliases, ALIAS_WEIGHT), ([rec.name_en or ""], ALIAS_WEIGHT)),
    }
    return _drop_empty(doc | {"labels": _labels("institution", doc)})


DUMPERS = {
    "achievements": achievement_document,
    "patents": patent_document,
    "instruments": instrument_document,
    "institutions": institution_document,
    "needs": need_document,
}


def to_index_doc(rec: Any, **kwargs: Any) -> IndexDoc:
    return IndexDoc(rec.public_id, rec.revision_id, DUMPERS[rec.INDEX](rec, **kwargs))
