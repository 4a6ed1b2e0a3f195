"""The embedded engine's Python analyzer must cut text the way the Elasticsearch mapping does,
or the two engines would find different records. Checked on real Chinese and English texts."""
from __future__ import annotations

from collections import Counter

import pytest

from indexer import analysis, folding, pinyin
from indexer.catalog import Catalog
from tests.shared_data import jsonl

pytestmark = pytest.mark.es


@pytest.fixture(scope="module")
def es_client(es_url):
    from elasticsearch import Elasticsearch

    client = Elasticsearch(es_url)
    name = "analysis-parity"
    client.options(ignore_status=404).indices.delete(index=name)
    client.indices.create(index=name, settings={"number_of_replicas": 0, "analysis": Catalog().get("achievements").body["settings"]["analysis"]})
    yield client, name
    client.indices.delete(index=name)
    client.close()


def texts() -> list[str]:
    out = []
    for r in jsonl("csl-chinese-scientific-literature/csl_records.jsonl", limit=400):
        out += [r["title"], r["abstract"], " ".join(r["keywords"])]
    for p in jsonl("cn-patents-g06f/cn_patents_g06f.jsonl", limit=200):
        out += [p["title"], p["abstract"], " ".join(p.get("prior_art_keywords", []))]
    out += ["ＡＢＣ１２３ 全角字母", "3.5kg u.s.a don't 1,000", "吉林 大学", "ｶﾀｶﾅ カタカナ", "①②③ 电池"]
    out += [" ".join(pinyin.of_text(t)) for t in out[:200]]  # the derived pinyin fields, cut by the same analyzer
    out += ["鋰離子電池正極材料", "吉林大學與長春應用化學研究所", "CO₂ 捕集，H₂O 含量 0.5%，面积 120 m²，温度 −20℃～60℃", "ﬁlm ＬｉＤＡＲ Ⅻ ㈱ ½"]
    return out


def folded_characters() -> list[str]:
    """Every character the shared folding rules change, each on its own, and the traditional
    characters also in runs (as in a traditional text)."""
    keys = sorted(chr(c) for c in folding.table())
    han = [k for k in keys if "\u3400" <= k <= "\u9fff"]
    return [" ".join(keys[i : i + 300]) for i in range(0, len(keys), 300)] + ["".join(han[i : i + 60]) for i in range(0, len(han), 60)]


@pytest.mark.parametrize("analyzer, unigrams", [("zh_en", True), ("zh_en_search", False)])
def test_python_analyzer_matches_elasticsearch(es_client, analyzer, unigrams):
    client, index = es_client
    sample = texts()
    differ = []
    for text in sample:
        es_tokens = Counter(t["token"] for t in client.indices.analyze(index=index, analyzer=analyzer, text=text)["tokens"])
        py_tokens = Counter(analysis.terms(text, unigrams=unigrams))
        if es_tokens != py_tokens:
            differ.append((text[:60], dict(es_tokens - py_tokens), dict(py_tokens - es_tokens)))
    # Known: Lucene's Porter stemmer and Snowball's "porter" differ on a handful of English
    # words (assembly -> assembl / assembli). Anything beyond that is a regression.
    assert len(differ) <= len(sample) * 0.002, differ[:10]


def test_every_folded_character_cuts_alike(es_client):
    """The char filter both engines apply (traditional Chinese to simplified, NFKC): each of
    its rules, alone and inside runs of other folded characters, yields the same tokens."""
    client, index = es_client
    differ = []
    for text in folded_characters():
        es_tokens = [t["token"] for t in client.indices.analyze(index=index, analyzer="zh_en", text=text)["tokens"]]
        if Counter(es_tokens) != Counter(analysis.terms(text, unigrams=True)):
            differ.append(text[:40])
    assert not differ, differ[:5]


def test_type_ahead_prefixes_fold_alike(es_client):
    client, index = es_client
    for text in ["吉林大學", "ＬｉＤＡＲ 雷達", "CO₂ 捕集", "長春應用化學研究所"]:
        es_form = [t["token"] for t in client.indices.analyze(index=index, analyzer="suggest_prefix", text=text)["tokens"]]
        assert es_form == [analysis.prefix_form(text)]
