"""Pinyin (issue 14, requirement 2): titles, keywords and institution names are found by full
pinyin, with or without spaces and tones, and by initials; the type-ahead answers pinyin
prefixes; a pinyin match ranks below a character match."""
from __future__ import annotations

import pytest

from indexer import IndexDoc, SuggestRequest

from .conftest import holding
from .helpers import found


def _doc(n: int, title: str, keywords: tuple[str, ...] = (), holders: tuple[str, ...] = ()) -> IndexDoc:
    suggest = [{"input": [title], "weight": 10}] + ([{"input": list(keywords), "weight": 5}] if keywords else [])
    source = {"id": f"py-{n}", "record_type": "achievement", "status": "published", "title": title, "summary": "",
              "keywords": list(keywords), "holders": list(holders), "suggest": suggest}
    return IndexDoc(source["id"], 1, source)


DOCS = [
    _doc(1, "锂离子电池正极材料", ("锂离子电池",), ("吉林大学",)),
    _doc(2, "玉米抗旱新品种", ("玉米",), ("吉林农业大学",)),
    _doc(3, "电池管理系统", ("电池管理",), ("长春理工大学",)),
    _doc(4, "Jilin maize yield dataset", ("maize",), ("Northeast Normal University",)),
    _doc(5, "重庆银行数据中心节能改造", (), ("重庆大学",)),
]


@pytest.fixture(scope="module")
def py(engine, request, tmp_path_factory):
    with holding(engine, request, tmp_path_factory, DOCS) as backend:
        yield backend



@pytest.mark.parametrize("query", ["dianchi", "dian chi", "DianChi", "diànchí", "dian4 chi2"])
def test_full_pinyin_with_or_without_spaces_and_tones(py, query):
    assert set(found(py, query)) == {"py-1", "py-3"}


def test_initials_find_the_institution_and_the_title(py):
    assert found(py, "jldx") == ["py-1"]  # 吉林大学, not 吉林农业大学 (jlnydx)
    assert found(py, "jlnydx") == ["py-2"]
    assert found(py, "dcgl") == ["py-3"]  # 电池管理


def test_polyphonic_characters_are_read_from_context(py):
    assert found(py, "chongqing") == ["py-5"]  # 重庆: chong, not zhong
    assert found(py, "zhongqing") == []


def test_pinyin_words_combine_like_words(py):
    assert set(found(py, "jilin daxue")) == {"py-1", "py-2"}
    assert found(py, "yumi kanghan") == ["py-2"]
    assert found(py, "dianchi -guanli") == ["py-1"]


def test_a_character_match_ranks_above_a_pinyin_match(py):
    got = found(py, "jilin")
    assert got[0] == "py-4"  # "Jilin" written in the title
    assert set(got) == {"py-1", "py-2", "py-4"}  # 吉林 in the holders' names, as pinyin


def test_chinese_and_english_queries_do_not_change(py):
    assert set(found(py, "电池")) == {"py-1", "py-3"}
    assert found(py, "maize") == ["py-4"]


def test_type_ahead_answers_pinyin_prefixes_with_the_chinese(py):
    def offered(prefix: str) -> list[str]:
        return [s.text for s in py.suggest(SuggestRequest(prefix, ("achievements",)))]

    assert offered("dianc") == ["电池管理系统"]
    assert offered("lilizi") == ["锂离子电池正极材料"]  # one per record, its heaviest input
    assert offered("ymkh") == ["玉米抗旱新品种"]
    assert offered("yumi") == ["玉米抗旱新品种"]
    assert offered("jilin") == ["Jilin maize yield dataset"]
