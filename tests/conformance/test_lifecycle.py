"""Writes: create, update, delete, versions, bad documents in a batch, and atomic rebuilds."""
from __future__ import annotations

from indexer import IndexDoc, Page, SearchRequest, Text

from . import corpus


def doc(n: int, title: str, version: int = 1, **extra) -> IndexDoc:
    return IndexDoc(f"ach-{n}", version, {"id": f"ach-{n}", "record_type": "achievement", "status": "published", "title": title, **extra})


def find(backend, text: str) -> list[str]:
    return [h.id for h in backend.search(SearchRequest(indices=("achievements",), query=Text(text), page=Page(1, 50))).hits]


def test_index_then_update_replaces_the_document(fresh):
    assert fresh.index_documents("achievements", [doc(1, "光纤传感器")]).indexed == 1
    fresh.refresh()
    assert find(fresh, "光纤") == ["ach-1"]
    report = fresh.index_documents("achievements", [doc(1, "太赫兹成像", version=2)])
    fresh.refresh()
    assert report.indexed == 1
    assert find(fresh, "光纤") == []
    assert find(fresh, "太赫兹") == ["ach-1"]
    assert fresh.get_document("achievements", "ach-1")["title"] == "太赫兹成像"
    assert fresh.count("achievements") == 1


def test_an_older_revision_never_overwrites_a_newer_one(fresh):
    fresh.index_documents("achievements", [doc(1, "第三版", version=3)])
    report = fresh.index_documents("achievements", [doc(1, "第二版", version=2)])
    fresh.refresh()
    assert report.skipped_stale == 1 and report.indexed == 0 and report.ok
    assert fresh.get_document("achievements", "ach-1")["title"] == "第三版"
    # the same revision again is harmless (duplicate delivery)
    again = fresh.index_documents("achievements", [doc(1, "第三版", version=3)])
    assert again.ok and again.indexed + again.skipped_stale == 1
    assert dict(fresh.iter_versions("achievements")) == {"ach-1": 3}


def test_delete_removes_from_search_and_suggestions(fresh):
    fresh.index_documents("achievements", [doc(1, "量子点显示", suggest=[{"input": ["量子点显示"], "weight": 10}]), doc(2, "量子点发光")])
    fresh.refresh()
    report = fresh.delete_documents("achievements", ["ach-1"])
    fresh.refresh()
    assert report.deleted == 1
    assert find(fresh, "量子点") == ["ach-2"]
    assert fresh.get_document("achievements", "ach-1") is None
    from indexer import SuggestRequest

    assert fresh.suggest(SuggestRequest("量子", ("achievements",))) == []
    assert fresh.delete_documents("achievements", ["ach-404"]).ok


def test_a_versioned_delete_is_not_undone_by_a_late_older_write(fresh):
    fresh.index_documents("achievements", [doc(1, "碳化硅功率器件", version=1)])
    fresh.delete_documents("achievements", [("ach-1", 2)])
    late = fresh.index_documents("achievements", [doc(1, "碳化硅功率器件", version=1)])
    fresh.refresh()
    assert late.skipped_stale == 1
    assert find(fresh, "碳化硅") == []
    newer = fresh.index_documents("achievements", [doc(1, "碳化硅功率器件", version=3)])
    fresh.refresh()
    assert newer.indexed == 1 and find(fresh, "碳化硅") == ["ach-1"]


def test_a_bad_document_fails_alone(fresh):
    docs = [
        doc(1, "好的记录一"),
        IndexDoc("ach-2", 1, {"id": "ach-2", "title": "未知字段", "no_such_field": 1}),
        IndexDoc("ach-3", 1, {"id": "ach-3", "title": "类型错误", "trl": "high"}),
        doc(4, "好的记录二"),
    ]
    report = fresh.index_documents("achievements", docs)
    fresh.refresh()
    assert report.indexed == 2
    assert sorted(e.id for e in report.errors) == ["ach-2", "ach-3"]
    assert all(e.reason for e in report.errors)
    assert sorted(find(fresh, "好的记录")) == ["ach-1", "ach-4"]


def test_rebuild_swaps_in_the_new_content_atomically(fresh):
    fresh.index_documents("achievements", [doc(1, "旧内容甲"), doc(2, "旧内容乙")])
    fresh.refresh()
    report = fresh.rebuild("achievements", corpus.docs("achievements"))
    fresh.refresh()
    assert report.indexed == len(corpus.ACHIEVEMENTS) and report.ok
    assert find(fresh, "旧内容") == []
    assert "ach-3" in find(fresh, "玉米")
    assert fresh.count("achievements") == len(corpus.ACHIEVEMENTS)
    # the rebuilt index takes writes as before
    fresh.index_documents("achievements", [doc(99, "重建后写入")])
    fresh.refresh()
    assert find(fresh, "重建后写入") == ["ach-99"]


def test_a_failed_rebuild_keeps_the_old_index(fresh):
    fresh.index_documents("achievements", [doc(1, "保留的内容")])
    fresh.refresh()

    def broken():
        yield doc(2, "新内容")
        raise RuntimeError("the store went away")

    try:
        fresh.rebuild("achievements", broken())
    except RuntimeError:
        pass
    else:
        raise AssertionError("rebuild should re-raise")
    fresh.refresh()
    assert find(fresh, "保留的内容") == ["ach-1"]
    assert find(fresh, "新内容") == []


def test_ensure_indices_is_idempotent_and_health_reports(fresh):
    assert fresh.ensure_indices() == []
    health = fresh.health()
    assert health.ok and health.engine == fresh.name and health.version


def test_counts_and_facets_follow_every_write(fresh):
    from indexer import FacetSpec, Page

    def city_counts():
        fresh.refresh()
        result = fresh.search(SearchRequest(indices=("achievements",), facets=(FacetSpec("city"),), page=Page(1, 0)))
        return result.total, {b.key: b.count for b in result.facets["city"]}

    fresh.index_documents("achievements", [doc(1, "甲", city="jilin")])
    assert city_counts() == (1, {"jilin": 1})
    assert city_counts() == (1, {"jilin": 1})  # asked again: the same answer
    fresh.index_documents("achievements", [doc(2, "乙", city="changchun"), doc(1, "甲", version=2, city="siping")])
    assert city_counts() == (2, {"changchun": 1, "siping": 1})
    fresh.delete_documents("achievements", ["ach-2"])
    assert city_counts() == (1, {"siping": 1})
    fresh.rebuild("achievements", [doc(3, "丙", city="baishan")])
    assert city_counts() == (1, {"baishan": 1})
