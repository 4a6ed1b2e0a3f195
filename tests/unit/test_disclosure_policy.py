"""The disclosure policy (web/disclosure.py) as data: it names fields that exist, a visitor gets
none of the member-only ones and a short summary, a member gets everything and the kinds shown
are reported for the log, and index documents (search hits, similar records, exports) carry
public fields only, with highlights cut where they would show more."""
from __future__ import annotations

from pathlib import Path

import pytest

from indexer.catalog import Catalog
from web import disclosure
from web.disclosure import CONTACT, DESCRIPTION, DOCUMENTS, EXCERPT_CHARS, RECORDS, excerpt, public_hit, show
from web.schemas import SCHEMAS
from web.services.export import COLUMNS

ROOT = Path(__file__).resolve().parents[2]
LONG = "第一句介绍了这项成果的背景。" * 20  # 280 characters, sentences of 14


def test_every_field_the_policy_names_exists():
    for record_type, policy in RECORDS.items():
        fields = set(SCHEMAS[record_type][0]().fields)
        assert set(policy.member_only) | set(policy.excerpts) <= fields, record_type
    for index, policy in DOCUMENTS.items():
        mapping = Catalog().get(index).body  # the newest version of the index's mapping
        assert set(policy.member_only) | set(policy.excerpts) <= set(mapping["mappings"]["properties"]), index


def test_contact_details_are_members_only_for_every_type_that_has_them():
    assert RECORDS["achievement"].member_only["contact"] == CONTACT
    assert RECORDS["instrument"].member_only["contact"] == CONTACT
    assert {RECORDS["institution"].member_only[k] for k in ("contact_name", "contact_phone", "contact_email")} == {CONTACT}
    assert not RECORDS["patent"].member_only  # the gazette publishes all of it


def test_no_export_column_reads_a_member_only_field():
    hidden = {name for policy in DOCUMENTS.values() for name in policy.member_only}
    assert not hidden & {c.field for columns in COLUMNS.values() for c in columns}


def test_an_excerpt_ends_at_a_sentence_when_it_can():
    assert excerpt(None) is None and excerpt("短。") == "短。"
    cut = excerpt(LONG)
    assert cut.endswith("。…") and len(cut) <= EXCERPT_CHARS + 1 and LONG.startswith(cut[:-1])
    no_stops = "字" * 300
    assert excerpt(no_stops) == "字" * EXCERPT_CHARS + "…"


ACHIEVEMENT = {
    "id": "ach-1", "title": "寒地水稻", "summary": LONG, "innovations": ["甲"], "application_status": "已在三家企业应用",
    "evaluation": {"method": "appraisal", "org": None, "date": None}, "scores": None, "transfer_amount": None,
    "contact": {"name": "王工", "phone": "0431-1234567", "email": None}, "attachments": [], "keywords": ["水稻"],
}


def test_a_visitor_gets_public_fields_and_is_told_what_was_withheld():
    shown = show("achievement", ACHIEVEMENT, member=False)
    assert not {"contact", "innovations", "application_status", "evaluation", "scores", "transfer_amount", "attachments"} & set(shown.data)
    assert shown.data["summary"] == excerpt(LONG) and shown.data["keywords"] == ["水稻"]
    # only what had a value is named (an empty field withholds nothing)
    assert shown.withheld == ("contact", "innovations", "application_status", "evaluation", "summary")
    assert shown.disclosed == frozenset()
    assert ACHIEVEMENT["contact"]  # the caller's data is not changed


def test_a_member_gets_everything_and_the_kinds_shown_are_reported():
    shown = show("achievement", ACHIEVEMENT, member=True)
    assert shown.data == ACHIEVEMENT and shown.withheld == ()
    assert shown.disclosed == {CONTACT, DESCRIPTION}
    bare = {**ACHIEVEMENT, "summary": "短。", "innovations": [], "application_status": None, "evaluation": None}
    assert show("achievement", bare, member=True).disclosed == {CONTACT}  # nothing beyond the public summary
    assert show("patent", {"id": "pat-1", "first_claim": "1. 一种……"}, member=True).disclosed == frozenset()


def test_an_institutions_contact_is_withheld_field_by_field():
    data = {"id": "org-1", "name": "吉林大学", "address": "长春市前进大街2699号", "contact_name": "李老师",
            "contact_phone": None, "contact_email": "tt@jlu.edu.cn"}
    shown = show("institution", data, member=False)
    assert shown.data == {"id": "org-1", "name": "吉林大学", "address": "长春市前进大街2699号"}
    assert shown.withheld == ("contact_name", "contact_email")


def test_search_documents_lose_member_only_fields_and_long_summaries():
    source = {"id": "ach-1", "title": "寒地水稻", "summary": LONG, "innovations": ["秘密工艺"], "quality_score": 88.5, "year": 2024}
    doc, marks = public_hit("achievements", source, {"innovations": ["<mark>秘密</mark>工艺"], "title": ["寒地<mark>水稻</mark>"]})
    assert doc == {"id": "ach-1", "title": "寒地水稻", "summary": excerpt(LONG), "year": 2024}
    assert marks == {"title": ["寒地<mark>水稻</mark>"]}
    assert public_hit("patents", {"first_claim": "1. 一种"})[0] == {"first_claim": "1. 一种"}


@pytest.mark.parametrize("fragment, expected", [
    # inside the excerpt: kept as it is
    ("第一句介绍了这项<mark>成果</mark>的背景。", "第一句介绍了这项<mark>成果</mark>的背景。"),
    # running past the excerpt: cut where the excerpt ends (a mark open there is closed)
    ("背景。" + "第一句介绍了这项<mark>成果</mark>的背景。" * 12, None),
    # from the hidden part of the summary: dropped
    ("<mark>隐藏</mark>的内容", "drop"),
])
def test_summary_highlights_show_nothing_beyond_the_excerpt(fragment, expected):
    full = LONG + "隐藏的内容在最后。"
    doc, marks = public_hit("achievements", {"summary": full}, {"summary": [fragment]})
    public = doc["summary"].removesuffix("…")
    if expected == "drop":
        assert "summary" not in marks
        return
    kept = marks["summary"][0]
    plain = kept.replace("<mark>", "").replace("</mark>", "").removesuffix("…")
    assert plain in public and kept.count("<mark>") == kept.count("</mark>")
    if expected is not None:
        assert kept == expected
    else:
        assert kept.endswith("…") and len(plain) < len(fragment.replace("<mark>", "").replace("</mark>", ""))


def test_escaped_characters_count_as_one_when_a_fragment_is_cut():
    full = "A &amp; B " * 40
    text = full.replace("&amp;", "&")
    doc, marks = public_hit("achievements", {"summary": text}, {"summary": [disclosure.html.escape(text[:200]).replace("A", "<mark>A</mark>", 1)]})
    kept = marks["summary"][0]
    assert "&amp;" in kept and disclosure.html.unescape(kept.replace("<mark>", "").replace("</mark>", "")).removesuffix("…") \
        == doc["summary"].removesuffix("…")
