"""Which Chinese analysis finds records best? Evidence for the choice in mappings/README.md.

Real records: the CSL Chinese scientific-literature set (titles, abstracts, author keywords;
../shared/data/csl-chinese-scientific-literature). Every analyzer indexes the same records
and answers the same queries, on the real Elasticsearch node and on SQLite FTS5:

* two-keywords   known item: two of a record's author keywords; is the record in the top 10?
* title-fragment known item: six consecutive Chinese characters cut from a title at random
* two-char-words every record whose text contains a two-character word (电池, 玉米 ...) should
                 be found: recall and precision against plain substring matching
* one-char       the same for single characters

Usage: python bench/analyzers.py [--es http://127.0.0.1:9250] [--queries 300] [--sqlite-only]
(starts the test node itself when --es is not given and nothing listens on 9250)
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sqlite3
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer import analysis  # noqa: E402
from tests.shared_data import shared_data_dir  # noqa: E402

CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")

ES_ANALYZERS = {
    "bigram+unigram (ours)": ({"tokenizer": "standard", "filter": ["cjk_width", "lowercase", "bi_uni"]},
                              {"tokenizer": "standard", "filter": ["cjk_width", "lowercase", "bi"]}),
    "bigram only": ({"tokenizer": "standard", "filter": ["cjk_width", "lowercase", "bi"]}, None),
    "unigram (standard)": ({"tokenizer": "standard", "filter": ["lowercase"]}, None),
    "smartcn (word segmentation)": ({"tokenizer": "smartcn_tokenizer", "filter": ["lowercase"]}, None),
}


def load_records(limit: int | None = None) -> list[dict]:
    base = shared_data_dir()
    if base is None:
        sys.exit("shared data not found; set TT_SHARED_DATA")
    path = base / "csl-chinese-scientific-literature" / "csl_records.jsonl"
    recs = [json.loads(line) for line in path.open(encoding="utf-8")]
    return recs[:limit] if limit else recs


def make_queries(recs: list[dict], n: int, rng: random.Random) -> dict[str, list[tuple[str, set[str]]]]:
    texts = {r["id"]: f"{r['title']} {r['abstract']} {' '.join(r['keywords'])}" for r in recs}
    out: dict[str, list] = {"two-keywords": [], "title-fragment": [], "two-char-words": [], "one-char": []}
    for r in rng.sample(recs, len(recs)):
        kws = [k for k in r["keywords"] if k]
        if len(kws) >= 2 and len(out["two-keywords"]) < n:
            out["two-keywords"].append((" ".join(rng.sample(kws, 2)), {r["id"]}))
        runs = [run for run in CJK_RUN.findall(r["title"]) if len(run) >= 8]
        if runs and len(out["title-fragment"]) < n:
            run = rng.choice(runs)
            i = rng.randrange(0, len(run) - 6)
            out["title-fragment"].append((run[i : i + 6], {r["id"]}))
    words = sorted({k for r in recs for k in r["keywords"] if len(k) == 2 and CJK_RUN.fullmatch(k)})
    common = ["电池", "玉米", "芯片", "激光", "疫苗", "大豆", "土壤", "水稻", "汽车", "合金", "网络", "算法", "蛋白", "肿瘤", "教育", "经济"]
    pool = list(dict.fromkeys(common + rng.sample(words, min(len(words), n))))[: max(n // 3, len(common))]
    for w in pool:
        truth = {i for i, t in texts.items() if w in t}
        if truth:
            out["two-char-words"].append((w, truth))
    chars = ["钢", "锂", "碳", "氢", "硅", "铜", "茶", "鹿", "参", "米"]
    for c in chars:
        truth = {i for i, t in texts.items() if c in t}
        if truth:
            out["one-char"].append((c, truth))
    return out


def score(results: list[list[str]], queries: list[tuple[str, set[str]]], known_item: bool) -> str:
    if known_item:
        rr, hit, zero = [], 0, 0
        for ids, (_, truth) in zip(results, queries):
            target = next(iter(truth))
            top = ids[:10]
            zero += not ids
            if target in top:
                hit += 1
                rr.append(1 / (top.index(target) + 1))
            else:
                rr.append(0.0)
        return f"MRR@10 {statistics.mean(rr):.3f}  recall@10 {hit / len(queries):.3f}  zero-result {zero / len(queries):.3f}"
    recall, precision = [], []
    for ids, (_, truth) in zip(results, queries):
        found = set(ids)
        recall.append(len(found & truth) / len(truth))
        precision.append(len(found & truth) / len(found) if found else 1.0)
    return f"recall {statistics.mean(recall):.3f}  precision {statistics.mean(precision):.3f}"


def run_es(url: str, recs: list[dict], queries: dict) -> None:
    from elasticsearch import Elasticsearch, helpers

    es = Elasticsearch(url, request_timeout=120)
    for label, (index_an, search_an) in ES_ANALYZERS.items():
        name = "bench-analyzer-" + re.sub(r"[^a-z]+", "-", label.lower()).strip("-")
        es.options(ignore_status=404).indices.delete(index=name)
        analyzers = {"idx": {"type": "custom", **index_an}}
        text = {"type": "text", "analyzer": "idx"}
        if search_an:
            analyzers["srch"] = {"type": "custom", **search_an}
            text["search_analyzer"] = "srch"
        es.indices.create(index=name, settings={
            "number_of_replicas": 0,
            "analysis": {"analyzer": analyzers, "filter": {
                "bi_uni": {"type": "cjk_bigram", "output_unigrams": True}, "bi": {"type": "cjk_bigram", "output_unigrams": False}}},
        }, mappings={"properties": {"title": text, "abstract": text, "kw": text}})
        t0 = time.perf_counter()
        helpers.bulk(es, ({"_index": name, "_id": r["id"], "_source": {"title": r["title"], "abstract": r["abstract"], "kw": " ".join(r["keywords"])}} for r in recs))
        es.indices.refresh(index=name)
        build = time.perf_counter() - t0
        print(f"\nElasticsearch 8 · {label}  (index {build:.1f}s)")
        for mode, qs in queries.items():
            results, lat = [], []
            for q, _ in qs:
                size = 10 if mode in ("two-keywords", "title-fragment") else 2000
                t0 = time.perf_counter()
                resp = es.search(index=name, size=size, _source=False, query={"multi_match": {
                    "query": q, "type": "cross_fields", "operator": "and", "fields": ["title^5", "abstract", "kw^3"]}})
                lat.append((time.perf_counter() - t0) * 1000)
                results.append([h["_id"] for h in resp["hits"]["hits"]])
            print(f"  {mode:15s} {score(results, qs, mode in ('two-keywords', 'title-fragment'))}  p50 {statistics.median(lat):.1f}ms")
        es.indices.delete(index=name)


def run_sqlite(recs: list[dict], queries: dict) -> None:
    def ours_q(q: str, prefix: bool = True) -> str | None:
        # a lone CJK character is a prefix (the embedded engine's compiler): the index keeps it
        # as a unigram only at the end of a run, elsewhere it starts a bigram
        parts = []
        for word in q.split():
            toks = analysis.terms(word)
            if toks:
                parts.append("(" + " AND ".join(f'"{t}"' + ("*" if prefix and analysis.is_one_cjk(t) else "") for t in toks) + ")")
        return " AND ".join(parts) or None

    def every_unigram(text: str) -> str:
        """The index text before issue 13: bigrams, words, then every character of each run."""
        runs = [t for t in CJK_RUN.findall(text) if len(t) > 1]
        return " ".join(analysis.terms(text) + [c for run in runs for c in run])

    def trigram_q(q: str) -> str | None:
        words = [w for w in q.split() if len(w) >= 3]
        return " AND ".join(f'"{w}"' for w in words) or None

    methods = {
        "bigram + last character of a run, one character as a prefix (ours)":
            ("unicode61 remove_diacritics 0 tokenchars '.''’:·,;_'", analysis.index_text, ours_q),
        "bigram + every character (ours before issue 13)":
            ("unicode61 remove_diacritics 0 tokenchars '.''’:·,;_'", every_unigram, lambda q: ours_q(q, prefix=False)),
        "trigram (FTS5 built-in)": ("trigram", lambda s: s, trigram_q),
    }
    for label, (tok, prep, qprep) in methods.items():
        db = sqlite3.connect(":memory:")
        db.execute(f"CREATE VIRTUAL TABLE t USING fts5(id UNINDEXED, title, abstract, kw, tokenize=\"{tok}\")")
        t0 = time.perf_counter()
        db.executemany("INSERT INTO t VALUES (?,?,?,?)", [(r["id"], prep(r["title"]), prep(r["abstract"]), prep(" ".join(r["keywords"]))) for r in recs])
        build = time.perf_counter() - t0
        size = db.execute("SELECT SUM(LENGTH(block)) FROM t_data").fetchone()[0]
        print(f"\nSQLite FTS5 · {label}  (index {build:.1f}s, {size / 1e6:.1f} MB)")
        for mode, qs in queries.items():
            results, lat = [], []
            for q, _ in qs:
                fq = qprep(q)
                t0 = time.perf_counter()
                ids = [row[0] for row in db.execute("SELECT id FROM t WHERE t MATCH ? ORDER BY bm25(t, 0, 5, 1, 3) LIMIT 2000", (fq,))] if fq else []
                lat.append((time.perf_counter() - t0) * 1000)
                results.append(ids)
            print(f"  {mode:15s} {score(results, qs, mode in ('two-keywords', 'title-fragment'))}  p50 {statistics.median(lat):.2f}ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--es", default=None)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sqlite-only", action="store_true", help="leave out the Elasticsearch half")
    args = parser.parse_args()
    recs = load_records()
    queries = make_queries(recs, args.queries, random.Random(args.seed))
    print(f"{len(recs)} CSL records; queries: " + ", ".join(f"{k} {len(v)}" for k, v in queries.items()))
    run_sqlite(recs, queries)
    if args.sqlite_only:
        return
    url, started = args.es, False
    if url is None:
        from devtools import esnode

        url, started = esnode.start()
    try:
        run_es(url, recs, queries)
    finally:
        if started:
            from devtools import esnode

            esnode.stop()


if __name__ == "__main__":
    main()
