"""Synonyms (issue 14, requirement 4): a word also finds its synonyms' records, ranked below the
records with the word itself, on both engines; an institution's old name finds its new one."""
from __future__ import annotations

import pytest

from indexer import Highlight, IndexDoc, Text

from .conftest import holding
from .helpers import found, marked, search


def _doc(n: int, title: str, summary: str = "") -> IndexDoc:
    source = {"id": f"syn-{n}", "record_type": "achievement", "status": "published", "title": title, "summary": summary}
    return IndexDoc(source["id"], 1, source)


DOCS = [
    _doc(1, "锂离子电池正极材料"),
    _doc(2, "锂电池回收技术", "废旧锂电池中钴和锂的回收。"),
    _doc(3, "玉蜀黍高产栽培"),
    _doc(4, "玉米抗旱新品种"),
    _doc(5, "吉林工业大学汽车学院的转向系统"),
    _doc(6, "吉林大学化学学院的催化剂"),
    _doc(7, "钠离子电池电解液"),
]


@pytest.fixture(scope="module")
def syn(engine, request, tmp_path_factory):
    with holding(engine, request, tmp_path_factory, DOCS) as backend:
        yield backend



@pytest.mark.parametrize("query, expected", [
    ("锂离子电池", ["syn-1", "syn-2"]),  # the word itself first, then its synonym 锂电池
    ("锂电池", ["syn-2", "syn-1"]),
    ("玉蜀黍", ["syn-3", "syn-4"]),
    ("玉米", ["syn-4", "syn-3"]),
])
def test_synonyms_are_found_below_the_word_itself(syn, query, expected):
    assert found(syn, query) == expected


def test_a_traditional_query_finds_the_same_synonyms(syn):
    assert found(syn, "鋰電池") == found(syn, "锂电池")


def test_an_old_institution_name_finds_the_new_one_and_not_the_reverse(syn):
    assert found(syn, "吉林工业大学") == ["syn-5", "syn-6"]
    assert found(syn, "吉林大学") == ["syn-6"]


def test_synonyms_combine_with_other_words_and_exclusions(syn):
    assert found(syn, "锂电池 回收") == ["syn-2"]
    assert found(syn, "电池 -锂电池") == ["syn-7"]  # the exclusion leaves out the synonyms too


def test_the_synonym_is_highlighted(syn):
    hit = next(h for h in search(syn, Text("锂离子电池"), highlight=Highlight()).hits if h.id == "syn-2")
    assert "锂电" in "".join(marked(hit.highlights["title"][0]))
