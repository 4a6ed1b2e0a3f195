"""An index made with an older mapping version (before the text folding of version 2) keeps
answering after an upgrade, and `index rebuild` moves it to the new version: on Elasticsearch
the new version's index takes writes and the read alias stays on the old one until a rebuild
fills the new one; on the embedded engine a rebuild cuts the stored text again."""
from __future__ import annotations

import copy
import logging
import sqlite3
import uuid

import pytest

from indexer import IndexDoc, Page, SearchRequest, Text, get_backend
from indexer.catalog import Catalog
from indexer.sqlite.database import META_TABLE

pytestmark = pytest.mark.integration

DOCS = [IndexDoc("ach-1", 1, {"id": "ach-1", "record_type": "achievement", "status": "published", "title": "鋰離子電池隔膜"})]


def found(backend, text: str) -> list[str]:
    return [h.id for h in backend.search(SearchRequest(indices=("achievements",), query=Text(text), page=Page(1, 10))).hits]


def without_folding(spec) -> dict:
    """The index as version 1 made it: the same analyzers without the char filter."""
    body = copy.deepcopy(spec.body)
    analysis = body["settings"]["analysis"]
    del analysis["char_filter"]
    for analyzer in analysis["analyzer"].values():
        analyzer.pop("char_filter", None)
    return body


@pytest.mark.es
def test_elasticsearch_keeps_serving_the_old_version_until_a_rebuild_moves_it(es_url, caplog):
    from elasticsearch import Elasticsearch

    prefix = f"up{uuid.uuid4().hex[:8]}-"
    spec = Catalog().get("achievements")
    assert spec.version >= 2
    old_body = without_folding(spec)
    es = Elasticsearch(es_url)
    old = f"{prefix}achievements-v{spec.version - 1}-old"
    es.indices.create(index=old, settings={**old_body["settings"], "number_of_replicas": 0}, mappings=old_body["mappings"],
                      aliases={spec.read_alias(prefix): {}, f"{prefix}achievements-v{spec.version - 1}": {"is_write_index": True}})
    es.index(index=old, id="ach-1", document=DOCS[0].source, refresh=True)
    backend = get_backend("elasticsearch", {"es_hosts": es_url, "es_number_of_replicas": 0, "index_prefix": prefix})
    try:
        with caplog.at_level(logging.WARNING):
            backend.ensure_indices(["achievements"])
        assert "index rebuild" in caplog.text
        assert es.indices.get_alias(name=spec.read_alias(prefix)).keys() == {old}  # searches stay on the old index
        assert found(backend, "隔膜") == ["ach-1"]
        assert found(backend, "锂离子电池") == []  # the old analysis does not fold
        backend.rebuild("achievements", DOCS)
        assert list(es.indices.get_alias(name=spec.read_alias(prefix))) == list(es.indices.get_alias(name=spec.write_alias(prefix)))
        assert not es.indices.exists(index=old)
        assert found(backend, "锂离子电池") == ["ach-1"]
    finally:
        backend.drop_indices()
        backend.close()
        es.options(ignore_status=404).indices.delete(index=old)
        es.close()


def test_the_embedded_engine_indexes_an_older_index_again_by_itself(tmp_path, caplog):
    """The zero-setup engine needs no command: the documents it holds are cut again (folded,
    with their pinyin) the first time an app of the new version starts."""
    path = tmp_path / "search.sqlite3"
    backend = get_backend("sqlite", {"sqlite_path": str(path)})
    try:
        backend.ensure_indices(["achievements"])
        backend.index_documents("achievements", DOCS)
        with sqlite3.connect(path) as conn:  # as if version 1 had made it: the text cut without folding
            assert conn.execute(f"UPDATE {META_TABLE} SET version = 1 WHERE name = 'achievements'").rowcount == 1
            conn.execute("DELETE FROM s_achievements_fts")
            conn.execute("INSERT INTO s_achievements_fts (rowid, t_title) SELECT rowid, '鋰離 離子 子電 電池 池隔 隔膜' FROM s_achievements_docs")
        backend.close()
        backend = get_backend("sqlite", {"sqlite_path": str(path)})
        assert found(backend, "锂离子电池") == []  # the old cut
        with caplog.at_level(logging.WARNING):
            backend.ensure_indices(["achievements"])
        assert "indexing its documents again" in caplog.text
        assert found(backend, "锂离子电池") == found(backend, "lilizi") == ["ach-1"]
        assert backend.get_document("achievements", "ach-1") == DOCS[0].source  # read back as given
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            backend.ensure_indices(["achievements"])
        assert caplog.text == ""
    finally:
        backend.close()
