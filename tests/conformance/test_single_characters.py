"""A one-character Chinese query finds the character wherever it occurs: at the start, inside
or at the end of a run of Chinese, or alone. Elasticsearch indexes a unigram per character;
the embedded engine keeps only each run's last character and asks a prefix of the bigrams for
the rest (issue 13), so these tests hold both to the same records."""
from __future__ import annotations

import pytest

from indexer import IndexDoc, Not, Page, Phrase, SearchRequest, Text

from .conftest import holding
from .helpers import found, ids


def _doc(n: int, title: str, **extra) -> IndexDoc:
    source = {"id": f"ch-{n}", "record_type": "achievement", "status": "published", "title": title, **extra}
    return IndexDoc(source["id"], 1, source)


DOCS = [
    _doc(1, "锂电池回收示范线"),  # the start of a run
    _doc(2, "废旧动力锂电池拆解"),  # inside a run
    _doc(3, "高纯金属锂"),  # the end of a run
    _doc(4, "锂 与 钠 的 分离"),  # alone
    _doc(5, "钠离子电池正极", summary="与锂离子电池相比成本更低"),  # only in the summary
    _doc(6, "玉米抗旱品种选育"),  # not at all
    _doc(7, "高纯金属钠"),
]


@pytest.fixture(scope="module")
def chars(engine, request, tmp_path_factory):
    with holding(engine, request, tmp_path_factory, DOCS) as backend:
        yield backend


def test_a_character_is_found_at_every_place_it_occurs(chars):
    assert set(found(chars, "锂")) == {"ch-1", "ch-2", "ch-3", "ch-4", "ch-5"}
    assert set(found(chars, "鋰")) == {"ch-1", "ch-2", "ch-3", "ch-4", "ch-5"}  # traditional folds
    assert set(found(chars, "纯")) == {"ch-3", "ch-7"}  # inside a run only
    assert set(found(chars, "钠")) == {"ch-4", "ch-5", "ch-7"}


def test_a_character_combines_with_other_words(chars):
    assert set(found(chars, "锂 回收")) == {"ch-1"}
    assert set(found(chars, "锂 -电池")) == {"ch-3", "ch-4"}
    assert set(found(chars, "玉米 OR 锂")) == {"ch-1", "ch-2", "ch-3", "ch-4", "ch-5", "ch-6"}


def test_a_character_in_quotes_or_a_phrase_is_the_character(chars):
    assert set(found(chars, '"锂"')) == {"ch-1", "ch-2", "ch-3", "ch-4", "ch-5"}
    hits = chars.search(SearchRequest(indices=("achievements",), query=Phrase("锂"), page=Page(1, 20)))
    assert set(ids(hits)) == {"ch-1", "ch-2", "ch-3", "ch-4", "ch-5"}


def test_a_character_can_be_excluded_and_limited_to_fields(chars):
    rest = chars.search(SearchRequest(indices=("achievements",), query=Not(Text("锂")), page=Page(1, 20)))
    assert set(ids(rest)) == {"ch-6", "ch-7"}
    titles = chars.search(SearchRequest(indices=("achievements",), query=Text("锂", fields=("title",)), page=Page(1, 20)))
    assert set(ids(titles)) == {"ch-1", "ch-2", "ch-3", "ch-4"}
