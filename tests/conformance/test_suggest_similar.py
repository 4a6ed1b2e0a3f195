"""Type-ahead suggestions and "similar records"."""
from __future__ import annotations

from indexer import SimilarRequest, SuggestRequest, Term

ALL = ("achievements", "patents", "instruments", "institutions")


def texts(suggestions):
    return [s.text for s in suggestions]


def test_chinese_prefix_suggests_titles_keywords_and_institutions(backend):
    got = texts(backend.suggest(SuggestRequest("吉林", ALL)))
    assert {"吉林大学", "吉林农业大学"} <= set(got)
    assert texts(backend.suggest(SuggestRequest("锂离子", ("achievements",)))) == ["锂离子电池"]
    assert "高能量密度锂离子电池正极材料制备技术" in texts(backend.suggest(SuggestRequest("高能量", ("achievements",))))


def test_prefix_is_case_and_width_insensitive(backend):
    assert texts(backend.suggest(SuggestRequest("gra", ("achievements",))))[0] == "Graphene coatings for lithium battery electrodes"
    assert texts(backend.suggest(SuggestRequest("ＧＲＡ", ("achievements",)))) == ["Graphene coatings for lithium battery electrodes"]
    assert "JLU" in texts(backend.suggest(SuggestRequest("jl", ("institutions",))))


def test_one_suggestion_per_record_heaviest_first_duplicates_once(backend):
    got = backend.suggest(SuggestRequest("玉米", ("achievements", "patents")))
    assert texts(got)[0] in ("玉米抗旱高产新品种选育", "玉米籽粒含水率在线检测装置")
    # ach-3 offers its title (weight 10) over its keyword; ach-4's title does not start with 玉米,
    # so it offers its keyword 玉米 (weight 5)
    assert texts(got).count("玉米") == 1
    weights = [s.weight for s in got]
    assert weights == sorted(weights, reverse=True)


def test_size_and_empty_prefix(backend):
    assert len(backend.suggest(SuggestRequest("吉林", ALL, size=1))) == 1
    assert backend.suggest(SuggestRequest("   ", ALL)) == []
    assert backend.suggest(SuggestRequest("没有这样的词", ALL)) == []


def test_drafts_are_not_suggested(backend):
    assert texts(backend.suggest(SuggestRequest("氢燃料", ("achievements",)))) == []


def test_suggestions_point_at_their_record(backend):
    s = backend.suggest(SuggestRequest("激光共聚焦", ("instruments",)))[0]
    assert (s.index, s.id) == ("instruments", "ins-3")


def test_similar_records_share_the_topic_and_exclude_the_record(backend):
    result = backend.similar(SimilarRequest("achievements", "ach-3", filters=(Term("status", "published"),)))
    got = [h.id for h in result.hits]
    assert got[0] == "ach-4"
    assert "ach-3" not in got


def test_similar_across_indices(backend):
    result = backend.similar(SimilarRequest("achievements", "ach-1", indices=("achievements", "patents")))
    assert "pat-1" in [h.id for h in result.hits][:2]


def test_similar_respects_filters(backend):
    result = backend.similar(SimilarRequest("achievements", "ach-3", filters=(Term("city", "baicheng"),)))
    assert all(h.source["city"] == "baicheng" for h in result.hits)


def test_similar_to_an_unknown_record_is_empty(backend):
    assert backend.similar(SimilarRequest("achievements", "ach-999")).hits == []
