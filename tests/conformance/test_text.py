"""Free-text matching: Chinese words of two or more characters, single characters, English
stemming, mixed queries, phrases, exclusions, OR, field limits, and odd input."""
from __future__ import annotations

import pytest

from indexer import Page, Phrase, QueryError, SearchRequest, Text

from . import corpus
from .helpers import PUBLISHED, ids, search


@pytest.mark.parametrize("word, expected", [
    ("电池", {"ach-1", "ach-2", "ach-14", "ach-15"}),
    ("玉米", {"ach-3", "ach-4"}),
    ("芯片", {"ach-6", "ach-8"}),
    ("梅花鹿", {"ach-7"}),
    ("锂离子电池", {"ach-1"}),
    ("黑土地保护", {"ach-9"}),
])
def test_chinese_words_find_every_record_containing_them(backend, word, expected):
    assert set(ids(search(backend, Text(word), page=Page(1, 50)))) == expected


def test_a_single_chinese_character_matches(backend):
    assert "ach-13" in ids(search(backend, Text("钢")))


def test_two_characters_that_only_meet_across_a_word_boundary_do_not_match(backend):
    # "池正" spans 电池|正极 in ach-1's title: a bigram that exists, so it matches;
    # "池极" never occurs as adjacent characters anywhere.
    assert "ach-1" in ids(search(backend, Text("池正")))
    assert ids(search(backend, Text("池极"))) == []


def test_english_words_are_stemmed(backend):
    assert ids(search(backend, Text("batteries"))) == ["ach-5"]
    assert ids(search(backend, Text("coated"))) == ["ach-5"]
    assert ids(search(backend, Text("COATING"))) == ["ach-5"]


def test_full_width_latin_is_folded(backend):
    assert ids(search(backend, Text("ＬｉＤＡＲ"))) == ["ach-8"]


def test_mixed_chinese_and_english_query_requires_both(backend):
    assert ids(search(backend, Text("芯片 LiDAR"))) == ["ach-8"]
    assert ids(search(backend, Text("芯片 perovskite"))) == []


def test_or_operator_and_explicit_or(backend):
    got = set(ids(search(backend, Text("梅花鹿 人参", operator="or"))))
    assert got == {"ach-7", "ach-11"}
    assert set(ids(search(backend, Text("梅花鹿 OR 人参")))) == {"ach-7", "ach-11"}


def test_exclusion(backend):
    got = set(ids(search(backend, Text("电池 -固态"), filters=(PUBLISHED,))))
    assert got == {"ach-1", "ach-14"}


def test_only_exclusions_match_everything_else(backend):
    got = set(ids(search(backend, Text("-电池"), filters=(PUBLISHED,), page=Page(1, 50))))
    assert got and not got & {"ach-1", "ach-2", "ach-14"}
    assert "ach-3" in got


def test_quoted_phrase_needs_adjacent_words(backend):
    assert ids(search(backend, Text('"正极材料"'))) == ["ach-1"]
    assert ids(search(backend, Text('"材料正极"'))) == []
    assert ids(search(backend, Phrase("cycling stability"))) == ["ach-5"]
    assert ids(search(backend, Phrase("stability cycling"))) == []


def test_fields_limit_where_text_is_searched(backend):
    assert ids(search(backend, Text("自动驾驶", fields=("title",)))) == []
    assert ids(search(backend, Text("自动驾驶", fields=("summary",)))) == ["ach-8"]
    assert ids(search(backend, Text("自动驾驶", fields=("keywords.text",)))) == ["ach-8"]


def test_title_match_ranks_above_summary_match(backend):
    # "芯片" is in ach-8's title and keywords, and only in ach-6's summary and keywords
    assert ids(search(backend, Text("芯片"))) == ["ach-8", "ach-6"]
    # "自动驾驶" is a keyword of ach-8 only; "激光" is in ach-8's title: both are ach-8
    assert ids(search(backend, Text("激光")))[0] == "ach-8"


def test_scores_are_positive_and_descending(backend):
    result = search(backend, Text("玉米 OR 电池"))
    scores = [h.score for h in result.hits]
    assert all(s is not None and s > 0 for s in scores)
    assert scores == sorted(scores, reverse=True)


def test_search_across_record_types(backend):
    result = search(backend, Text("激光"), indices=("achievements", "patents", "instruments"))
    assert {(h.index, h.id) for h in result.hits} == {("achievements", "ach-8"), ("patents", "pat-3"), ("instruments", "ins-3")}


ODD = [
    '"unbalanced quote', 'AND OR', 'OR', '*', '**电池**', '\\', '\\"', '电池 AND OR NOT', '( [ { ',
    '😀🔋', '电池😀', '\x00\x01\x1f电池', 'NEAR(电池 玉米)', '电池:', 'title:电池', '-', '--', '- -电池', '"', '""',
    "'", "电池'", '%_', '; DROP TABLE x; --', '<script>alert(1)</script>', '\u200b\u200b', '\t\n',
]


@pytest.mark.parametrize("query", ODD)
def test_odd_syntax_returns_results_or_a_clear_client_error(backend, query):
    try:
        result = search(backend, Text(query), indices=("achievements", "patents"))
    except QueryError as exc:
        assert exc.code
        return
    assert result.total >= 0


def test_queries_that_mention_a_term_still_find_it_through_odd_syntax(backend):
    assert "ach-1" in ids(search(backend, Text('"电池')))
    assert "ach-1" in ids(search(backend, Text("**电池**")))
    assert "ach-1" in ids(search(backend, Text("电池😀")))


def test_very_long_query_is_a_client_error(backend):
    with pytest.raises(QueryError) as err:
        search(backend, Text("电池" * 1000))
    assert err.value.code == "query_too_long"


def test_too_many_terms_is_a_client_error(backend):
    with pytest.raises(QueryError) as err:
        search(backend, Text(" ".join(["电池"] * 40)))
    assert err.value.code == "too_many_terms"


def test_query_of_only_punctuation_matches_nothing(backend):
    assert search(backend, Text("*")).total == 0
    assert search(backend, Text("😀")).total == 0


def test_no_query_matches_all(backend):
    assert search(backend, None, page=Page(1, 50)).total == len(corpus.ACHIEVEMENTS)


def test_unknown_index_is_refused(backend):
    from indexer import IndexMissing

    with pytest.raises(IndexMissing):
        backend.search(SearchRequest(indices=("nonsense",)))
