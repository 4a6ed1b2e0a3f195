"""One record type's fields, as every place that spells them out sees them: this test fails
when the places disagree.

A field such as a patent's open-licence fee is written down in seven places: the marshmallow
schema (``web/schemas``, the API's and the imports' shape), the store's model and the
schema-data function that reads it (``*_data`` next to each schema), the import columns
(``ingest/columns.py``), the index document builder (``web/services/documents.py``), the
Elasticsearch mapping (``mappings/es8``, which the SQLite engine reads too), the export columns
(``web/services/export.py``), the record page (``web/presenters.py``) and the search options
(``web/search_options.py``).

Why a test and not one declarative field table that drives them all: the places do not hold
the same thing. The index document is flat and holds derived fields (``holder_types``,
``ipc_classes``, ``open_until``), the schema is nested (``open_licence.fee``), the import
columns carry Chinese and English headers, aliases, units and parsing kinds, the record page
joins several fields into one row (评价, 计划名称和编号) and the export is a chosen summary. A
table able to drive all of them would be a second language with as many exceptions as fields,
and moving seven working places onto it at once is a large, risky change. This test instead
derives each place's field set from the place itself (the mapping JSON, the schema classes, the
column lists, the source of the document builders, the record page run over demo records) and
compares them per record type. Every legitimate difference is declared below, with its reason;
an entry that no longer differs fails too, so the lists cannot go stale.
"""
from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest
from marshmallow import Schema
from marshmallow import fields as mf
from sqlalchemy import inspect as sa_inspect

from indexer import Sort
from indexer.catalog import Catalog
from indexer.derived import pinyin_fields
from ingest.columns import COLUMNS as IMPORT_COLUMNS
from tests.apps import close_app, make_app
from web import models, presenters
from web import search_options as opts
from web.schemas import SCHEMAS
from web.services import documents
from web.services.export import COLUMNS as EXPORT_COLUMNS

ROOT = Path(__file__).resolve().parents[2]
INDEX = {"achievement": "achievements", "patent": "patents", "instrument": "instruments", "institution": "institutions",
         "need": "needs"}
MODEL = {"achievement": models.Achievement, "patent": models.Patent, "instrument": models.Instrument,
         "institution": models.Institution, "need": models.Need}
TYPES = list(INDEX)

# -- the legitimate differences -----------------------------------------------------------------

# Every mapping holds the fields the cross-type search and facets use (title, holders, city,
# field, year, ...), so one query runs over several indices; a type that has no such value
# leaves them empty.
SHARED_MAPPING_ONLY: dict[str, dict[str, str]] = {
    "achievement": {},
    "patent": {},
    "instrument": {"field": "instruments have no technology field"},
    "institution": {f: "cross-type field an institution has no value for"
                    for f in ("display", "field", "holder_ids", "holders", "keywords", "year")},
    "need": {"holder_ids": "a need names a company as text, not a linked institution",
             "holder_types": "a need names a company as text, not a linked institution"},
}

# Input fields that have no spreadsheet column.
NOT_IMPORTED: dict[str, dict[str, str]] = {
    "achievement": {"attachments": "files are uploaded on the record page, not listed in a spreadsheet",
                    "external_id": "set by the harvesters (OAI identifier, handle, DOI), never typed"},
    "patent": {"legal_events": "come from patent office XML (ingest/readers/patent_xml_*), not from spreadsheets"},
    "instrument": {}, "institution": {}, "need": {},
}

# Schema fields the document builder indexes under another name: schema path -> document field.
INDEXED_AS: dict[str, dict[str, str]] = {
    "achievement": {"institutions": "holders", "price.mode": "price_mode", "price.amount": "price_amount",
                    "ip": "ip_numbers"},
    "patent": {"abstract": "summary", "applicants": "holders", "open_licence.declared_at": "open_licence",
               "open_licence.withdrawn_at": "open_licence", "open_licence.fee": "licence_fee",
               "open_licence.payment": "licence_payment"},
    "instrument": {"name": "title", "name_en": "title_en", "functions": "summary", "institution": "holders",
                   "external_hours_per_year": "external_hours", "external_income_per_year": "external_income"},
    "institution": {"name": "title", "name_en": "title_en", "description": "summary", "type": "inst_type"},
    "need": {"description": "summary", "organisation": "holders"},
}

_CONTACT = "contact details are member-only and shown from the store (web/disclosure.py), never searched"
_DETAIL = "a detail of the record page, read from the store; nobody searches, filters or sorts by it"

# Schema fields the index document leaves out.
NOT_INDEXED: dict[str, dict[str, str]] = {
    "achievement": {
        **{f"contact.{k}": _CONTACT for k in ("name", "phone", "email")},
        **{f"evaluation.{k}": _DETAIL for k in ("method", "org", "date")},
        **{k: _DETAIL for k in ("application_status", "grant_no", "programme", "research_start", "research_end",
                                "transfer_amount")},
        "price.amount_max": "display only: carried in the document's display part, not searchable",
        "attachments": "files, listed on the record page from the store",
        "external_id": "the source system's id, for re-harvests only",
        **{f"scores.{k}": "the experts' scores reach the index as one quality_score"
           for k in ("innovation", "indicators", "difficulty", "maturity", "impact")},
    },
    "patent": {
        **{k: _DETAIL for k in ("agency", "agent", "applicant_address", "citations", "family", "legal_events",
                                "owners", "priority", "province_code")},
        **{f"open_licence.{k}": "licence terms are read on the record page; the fee and payment are indexed"
           for k in ("royalty_rate", "term", "terms")},
    },
    "instrument": {
        **{f"contact.{k}": _CONTACT for k in ("name", "phone", "email")},
        **{k: _DETAIL for k in ("accessories", "address", "fees", "open_hours", "purchased_at", "images")},
        "stats_year": "the year the service figures belong to; the figures themselves are indexed",
    },
    "institution": {
        **{k: _CONTACT for k in ("contact_name", "contact_phone", "contact_email")},
        "website": _DETAIL,
    },
    "need": {f"contact.{k}": _CONTACT for k in ("name", "phone", "email")},
}

# Index fields that are no schema field: system fields and what the builder computes.
_SYSTEM = {"id", "record_type", "status", "published_at", "updated_at"}
_COMPUTED = {"suggest": "type-ahead inputs", "display": "small display-only data for result lists",
             "year": "the year facet, from the record's main date", "holder_ids": "linked institutions",
             "holder_types": "the linked institutions' types",
             "holders_en": "the linked institutions' English names, searched so English queries find them",
             "labels": "the Chinese and English labels of the record's coded values, searched, never shown"}
DERIVED: dict[str, dict[str, str]] = {
    "achievement": {**_COMPUTED, "city": "the lead holder's city", "quality_score": "from the experts' scores",
                    "selected_years": "the annual lists that name the record"},
    "patent": {**_COMPUTED, **{k: "prefixes of the IPC symbols, for facets"
                               for k in ("ipc_sections", "ipc_classes", "ipc_subclasses")}},
    "instrument": {**_COMPUTED, "keywords": "the research areas, searched as keywords across types"},
    "institution": {**{k: v for k, v in _COMPUTED.items() if k in ("suggest", "holder_types", "labels")},
                    **{f"{t}_count": "counted from the records" for t in ("achievements", "patents", "instruments")}},
    "need": {**{k: v for k, v in _COMPUTED.items() if k in ("suggest", "display", "year", "holders_en", "labels")},
             "budget": "the budget filter: the upper bound, else the lower", "open_until": "the deadline, or far away"},
}

# Schema fields the record page shows outside its field list (record.html's header), or not at all.
_HEADER = "shown in the page header (record.html: title, English title, holders)"
NOT_ON_PAGE: dict[str, dict[str, str]] = {
    "achievement": {**{k: _HEADER for k in ("title", "title_en", "institutions")},
                    "attachments": "the attachments section (attachments/_section.html)",
                    "external_id": "the source system's id, for re-harvests only",
                    **{f"scores.{k}": "the experts' scores belong to the selection pages, not the public record"
                       for k in ("innovation", "indicators", "difficulty", "maturity", "impact")}},
    "patent": {**{k: _HEADER for k in ("title", "title_en", "applicants")},
               "applicant_address": "the applicants' address of the filing; the holders are linked instead",
               "province_code": "an office code behind the city",
               "cpc": "the IPC symbols are shown; CPC duplicates them for foreign patents",
               "family": "a list of numbers only search tools use", "citations": "not shown: a bare count invites misreading",
               "city": "shown through the linked applicants"},
    "instrument": {**{k: _HEADER for k in ("name", "name_en", "institution")},
                   "images": "not shown: the page has no gallery yet",
                   "stats_year": "the year of the service figures, which the page shows without it",
                   "external_income_per_year": "member-only income, shown on the statistics pages"},
    "institution": {k: _HEADER for k in ("name",)},
    "need": {k: _HEADER for k in ("title", "title_en")},
}

# Columns of the store that neither the schema-data function nor the document builder reads.
STORE_ONLY: dict[str, dict[str, str]] = {
    "achievement": {"id": "the internal key", "natural_key": "duplicate detection on import", "source": "provenance"},
    "patent": {"id": "the internal key", "source": "provenance",
               # written by web/services/records.py from open_licence.fee and read by nothing: the
               # document reads open_licence itself. A candidate for removal (a migration).
               "licence_fee": "a copy of open_licence.fee that nothing reads"},
    "instrument": {"id": "the internal key", "natural_key": "duplicate detection on import", "source": "provenance",
                   "institution_id": "the link behind `institution`"},
    "institution": {"id": "the internal key", "name_key": "name matching", "source": "provenance",
                    "extra": "source data kept for merges"},
    "need": {"id": "the internal key", "natural_key": "duplicate detection on import", "source": "provenance",
             "owner_id": "the account that posted it"},
}


# -- deriving each place's fields ---------------------------------------------------------------

def schema_fields(schema: Schema, prefix: str = "") -> set[str]:
    """Input fields as paths: nested objects by their leaves (``open_licence.fee``), lists of
    objects as one field (``legal_events``), as the import columns name them."""
    out: set[str] = set()
    for name, field in schema.fields.items():
        if field.dump_only:
            continue
        if isinstance(field, mf.Nested):
            out |= schema_fields(field.schema, f"{prefix}{name}.")
        else:
            out.add(prefix + name)
    return out


def mapping_fields(index: str) -> set[str]:
    spec = Catalog().get(index)  # the newest version of the mapping
    py = pinyin_fields(spec)  # the pinyin fields the engines derive from a document: never in one
    return set(spec.body["mappings"]["properties"]) - set(py.derived if py else ())


def _tree(fn: Callable[..., Any]) -> ast.AST:
    return ast.parse(textwrap.dedent(inspect.getsource(fn)))


def _keys(node: ast.Dict) -> set[str]:
    return {k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}


def document_fields(index: str) -> set[str]:
    """The keys the builder writes: ``_base(rec) | {...}`` in its source, plus ``_base``'s own.
    Read from the source because a builder drops empty values, so no record shows them all."""
    merged = [node.right for node in ast.walk(_tree(documents.DUMPERS[index]))
              if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr) and isinstance(node.right, ast.Dict)
              and isinstance(node.left, ast.Call) and getattr(node.left.func, "id", None) == "_base"]
    assert len(merged) == 1, f"{documents.DUMPERS[index].__name__}: expected one `_base(rec) | {{...}}` document"
    base = [n for n in ast.walk(_tree(documents._base)) if isinstance(n, ast.Dict)]
    tree = _tree(documents.DUMPERS[index])
    # what the builder adds after: ``doc | {...}``, and the searchable names of ``_names(...)``
    added = [node.right for node in ast.walk(tree) if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr)
             and isinstance(node.right, ast.Dict) and isinstance(node.left, ast.Name)]
    if any(isinstance(n, ast.Call) and getattr(n.func, "id", None) == "_names" for n in ast.walk(tree)):
        added.append(next(n for n in ast.walk(_tree(documents._names)) if isinstance(n, ast.Dict)))
    return _keys(merged[0]) | _keys(base[0]) | set().union(*(_keys(d) for d in added))


def attributes_read(fn: Callable[..., Any]) -> set[str]:
    """``rec.<name>`` in a function's source."""
    return {n.attr for n in ast.walk(_tree(fn))
            if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "rec"}


def data_function_keys(fn: Callable[..., Any]) -> set[str]:
    returned = [n.value for n in ast.walk(_tree(fn)) if isinstance(n, ast.Return) and isinstance(n.value, ast.Dict)]
    assert len(returned) == 1, f"{fn.__name__}: expected one returned dict literal"
    return _keys(returned[0])


class Reads(dict):
    """A record's data that notes every key the record page asks for (nested ones as paths)."""

    def __init__(self, data: Mapping[str, Any], log: set[str], prefix: str = ""):
        super().__init__(data)
        self.log, self.prefix = log, prefix

    def _noted(self, key: str, value: Any) -> Any:
        self.log.add(self.prefix + key)
        return Reads(value, self.log, f"{self.prefix}{key}.") if isinstance(value, dict) else value

    def get(self, key: str, default: Any = None) -> Any:
        return self._noted(key, super().get(key, default))

    def __getitem__(self, key: str) -> Any:
        return self._noted(key, super().__getitem__(key))


def page_reads(record_type: str, records: Iterable[dict[str, Any]]) -> set[str]:
    """Every field the record page's rows read, over the given records as the page gets them
    (loaded and dumped by the schema). Caller provides a request context."""
    schema = SCHEMAS[record_type][0]()
    log: set[str] = set()
    for item in records:
        data = schema.dump(schema.load({k: v for k, v in item.items() if k != "record_type"}))
        presenters.ROWS[record_type](Reads(data, log))
    return log


# -- comparing -----------------------------------------------------------------------------------

def compare(record_type: str, field_set: set[str], field_place: str, other: set[str], other_place: str,
            allowed: Mapping[str, str], *, renamed: Mapping[str, str] | None = None) -> list[str]:
    """Fields of ``field_place`` that ``other_place`` lacks (after renames), apart from the
    allowed ones; and allowed entries that are not differences (stale)."""
    renamed = renamed or {}
    problems = []
    for name in sorted(field_set):
        target = renamed.get(name, name)
        if target not in other and name not in allowed:
            via = f" (as {target!r})" if target != name else ""
            problems.append(f"{record_type}: field {name!r} is in {field_place} but not in {other_place}{via}")
    for name in sorted(allowed):
        if name not in field_set:
            problems.append(f"{record_type}: allow-listed {name!r} is not in {field_place} any more: remove it from the list")
        elif renamed.get(name, name) in other:
            problems.append(f"{record_type}: allow-listed {name!r} is in {other_place} after all: remove it from the list")
    return problems


def unknown(record_type: str, names: set[str], place: str, known: set[str], known_place: str) -> list[str]:
    """Names ``place`` uses that ``known_place`` does not have: typos and leftovers."""
    return [f"{record_type}: {place} names {name!r}, which is not in {known_place}" for name in sorted(names - known)]


def both_ways(record_type: str, fields: set[str], place: str, known: set[str], known_place: str,
              allowed: Mapping[str, str]) -> list[str]:
    """``place`` names nothing ``known_place`` lacks, and ``known_place``'s fields are all in
    ``place`` apart from the ``allowed`` differences."""
    return unknown(record_type, fields, place, known, known_place) + compare(record_type, known, known_place, fields, place, allowed)


def _places(record_type: str) -> dict[str, str]:
    return {
        "schema": f"the schema (web/schemas/{record_type}.py)",
        "import": "the import columns (ingest/columns.py)",
        "document": "the index document (web/services/documents.py)",
        "mapping": f"the mapping (mappings/es8/{INDEX[record_type]}-v{Catalog().get(INDEX[record_type]).version}.json)",
        "export": "the export columns (web/services/export.py)",
        "page": "the record page (web/presenters.py)",
    }


# -- the checks ----------------------------------------------------------------------------------

@pytest.mark.parametrize("record_type", TYPES)
def test_the_mapping_and_the_document_builder_have_the_same_fields(record_type):
    index, where = INDEX[record_type], _places(record_type)
    mapping, document = mapping_fields(index), document_fields(index)
    problems = both_ways(record_type, document, where["document"], mapping, where["mapping"], SHARED_MAPPING_ONLY[record_type])
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("record_type", TYPES)
def test_every_input_field_has_an_import_column_and_every_column_a_field(record_type):
    where = _places(record_type)
    schema = schema_fields(SCHEMAS[record_type][0]())
    columns = {c.path for c in IMPORT_COLUMNS[record_type]}
    problems = both_ways(record_type, columns, where["import"], schema, where["schema"], NOT_IMPORTED[record_type])
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("record_type", TYPES)
def test_every_input_field_is_indexed_or_says_why_not(record_type):
    where = _places(record_type)
    schema = schema_fields(SCHEMAS[record_type][0]())
    document = document_fields(INDEX[record_type])
    problems = compare(record_type, schema, where["schema"], document, where["document"], NOT_INDEXED[record_type],
                       renamed=INDEXED_AS[record_type])
    from_schema = {INDEXED_AS[record_type].get(name, name) for name in schema}
    problems += compare(record_type, document - _SYSTEM, where["document"], from_schema, where["schema"],
                        DERIVED[record_type])
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("record_type", TYPES)
def test_the_data_function_returns_the_schema_fields_and_reads_every_column(record_type):
    """``*_data(rec)`` turns the store into the schema's shape: it must give every schema field,
    and between it and the document builder every column of the store must be read."""
    schema_cls, data_fn = SCHEMAS[record_type]
    declared = set(schema_cls().fields) - {"links"}  # links are added by the service
    returned = data_function_keys(data_fn)
    problems = [f"{record_type}: {data_fn.__name__} does not return schema field {n!r}" for n in sorted(declared - returned)]
    problems += [f"{record_type}: {data_fn.__name__} returns {n!r}, which the schema does not have" for n in sorted(returned - declared)]
    columns = {c.key for c in sa_inspect(MODEL[record_type]).column_attrs}
    read = attributes_read(data_fn) | attributes_read(documents.DUMPERS[INDEX[record_type]]) | attributes_read(documents._base)
    problems += compare(record_type, columns, f"the store ({MODEL[record_type].__tablename__})", read,
                        "the schema-data function or the document builder", STORE_ONLY[record_type])
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("record_type", [*TYPES, "all"])
def test_export_sort_and_facet_fields_are_in_the_mapping(record_type):
    indices = opts.INDICES[record_type]
    mapped = set.intersection(*(mapping_fields(i) for i in indices))
    where = f"the mapping of {', '.join(indices)}"
    problems = unknown(record_type, {c.field for c in EXPORT_COLUMNS[record_type]}, "the export columns (web/services/export.py)", mapped, where)
    sorts = {s.field for d in opts.SORTS.get(record_type, ()) for s in d.sorts} - {Sort.score().field}  # relevance
    problems += unknown(record_type, sorts, "a sort (web/search_options.py)", mapped, where)
    facets = {f.field for f in opts.FACETS.get(record_type, ())}
    problems += unknown(record_type, facets, "a facet (web/search_options.py)", mapped, where)
    assert not problems, "\n".join(problems)


@pytest.fixture(scope="module")
def page_app(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("fields"))
    yield app
    close_app(app)


@pytest.fixture(scope="module")
def demo_records() -> dict[str, list[dict[str, Any]]]:
    """Enough demo records that every branch of every record page runs (open licences with fees
    and royalties, price ranges, evaluations, contacts)."""
    from demo import generator
    from demo.needs import needs

    data = generator.dataset(60, 200, 60, 1, materialize=True)
    return {"achievement": data["achievements"], "patent": data["patents"], "instrument": data["instruments"],
            "institution": data["institutions"], "need": list(needs(60, 1))}


@pytest.mark.parametrize("record_type", TYPES)
def test_the_record_page_shows_every_input_field_or_says_why_not(page_app, demo_records, record_type):
    where = _places(record_type)
    schema = schema_fields(SCHEMAS[record_type][0]())
    with page_app.test_request_context():
        reads = page_reads(record_type, demo_records[record_type])
    prefixes = {name.rsplit(".", 1)[0] for name in schema if "." in name}
    problems = unknown(record_type, reads - prefixes, where["page"], schema, where["schema"])
    problems += compare(record_type, schema, where["schema"], reads, where["page"], NOT_ON_PAGE[record_type])
    assert not problems, "\n".join(problems)


# -- the checks can fail --------------------------------------------------------------------------

def test_a_field_missing_from_the_import_columns_is_named_with_its_places():
    schema = schema_fields(SCHEMAS["patent"][0]())
    columns = {c.path for c in IMPORT_COLUMNS["patent"] if c.path != "open_licence.fee"}
    problems = compare("patent", schema, "the schema", columns, "the import columns", NOT_IMPORTED["patent"])
    assert problems == ["patent: field 'open_licence.fee' is in the schema but not in the import columns"]


def test_a_renamed_field_missing_from_the_document_is_named_with_its_index_name():
    schema = schema_fields(SCHEMAS["patent"][0]())
    document = document_fields("patents") - {"licence_fee"}
    problems = compare("patent", schema, "the schema", document, "the document", NOT_INDEXED["patent"],
                       renamed=INDEXED_AS["patent"])
    assert problems == ["patent: field 'open_licence.fee' is in the schema but not in the document (as 'licence_fee')"]


def test_a_document_field_the_mapping_lacks_is_named():
    mapping = mapping_fields("patents") - {"licence_fee"}
    assert unknown("patent", document_fields("patents"), "the document", mapping, "the mapping") == [
        "patent: the document names 'licence_fee', which is not in the mapping"]


def test_a_stale_allow_list_entry_fails():
    problems = compare("need", {"a", "b"}, "here", {"a", "b"}, "there", {"b": "no longer true"})
    assert problems == ["need: allow-listed 'b' is in there after all: remove it from the list"]


def test_the_record_page_reads_are_seen_and_a_misspelt_one_is_named(page_app, demo_records, monkeypatch):
    """The page recorder sees nested reads; a presenter asking for a field the schema does not
    have (a typo shows nothing, silently) is reported."""
    original = presenters.ROWS["patent"]
    monkeypatch.setitem(presenters.ROWS, "patent", lambda d: [*original(d), presenters.Row("x", d.get("licence_fees"))])
    with page_app.test_request_context():
        reads = page_reads("patent", demo_records["patent"])
    assert {"open_licence.fee", "open_licence.royalty_rate", "licence_fees"} <= reads
    schema = schema_fields(SCHEMAS["patent"][0]())
    assert unknown("patent", {"licence_fees"}, "the record page", schema, "the schema") == [
        "patent: the record page names 'licence_fees', which is not in the schema"]
