"""Known-item search by the forms Chinese users type (issue 14): the same query in simplified
characters, in traditional characters, in full pinyin (with and without spaces) and in pinyin
initials, against both engines, through the real search seam (``indexer`` backends, the
mappings' analyzers, the site's query parser).

Records: the 1,622 real CSL records (titles, abstracts, author keywords of Chinese journal
papers, ../shared/data/csl-chinese-scientific-literature), indexed as achievements. Queries, per
record drawn: two of its author keywords (``keywords``) and six consecutive Chinese characters of
its title (``fragment``). Each query is then written in every form: traditional with OpenCC's
``s2t`` (the whole phrase, with context), pinyin and initials with pypinyin (polyphonic
characters read from context where pypinyin can). Figures: MRR@10 (the mean of 1/rank of the
record the query came from, 0 when it is not in the first 10) and R@10.

Usage: python bench/query_forms.py [--es http://127.0.0.1:9250] [--queries 300] [--engines sqlite,elasticsearch]
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
import uuid
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer import IndexDoc, Page, SearchRequest, Text, get_backend  # noqa: E402
from tests.shared_data import shared_data_dir  # noqa: E402

CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
FORMS = ("simplified", "traditional", "pinyin", "pinyin-joined", "initials")


def load_records() -> list[dict]:
    base = shared_data_dir()
    if base is None:
        sys.exit("shared data not found; set TT_SHARED_DATA")
    path = base / "csl-chinese-scientific-literature" / "csl_records.jsonl"
    return [json.loads(line) for line in path.open(encoding="utf-8")]


def documents(recs: list[dict]) -> list[IndexDoc]:
    return [IndexDoc(r["id"], 1, {"id": r["id"], "record_type": "achievement", "status": "published", "title": r["title"],
                                  "summary": r["abstract"], "keywords": [k for k in r["keywords"] if k],
                                  "suggest": [{"input": [r["title"]], "weight": 10}]})
            for r in recs]


@cache
def _s2t():
    import opencc

    return opencc.OpenCC("s2t").convert


@cache
def written_as(query: str) -> dict[str, str]:
    """The query in every form a user might type it."""
    from pypinyin import Style, lazy_pinyin

    words = query.split()
    syllables = [lazy_pinyin(w, errors="ignore") for w in words]
    return {
        "simplified": query,
        "traditional": _s2t()(query),
        "pinyin": " ".join(" ".join(s) for s in syllables),
        "pinyin-joined": " ".join("".join(s) for s in syllables),
        "initials": " ".join("".join(lazy_pinyin(w, style=Style.FIRST_LETTER, errors="ignore")) for w in words),
    }


def make_queries(recs: list[dict], n: int, rng: random.Random) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {"keywords": [], "fragment": []}
    for r in rng.sample(recs, len(recs)):
        kws = [k for k in r["keywords"] if k and CJK_RUN.fullmatch(k)]
        if len(kws) >= 2 and len(out["keywords"]) < n:
            out["keywords"].append((" ".join(rng.sample(kws, 2)), r["id"]))
        runs = [run for run in CJK_RUN.findall(r["title"]) if len(run) >= 8]
        if runs and len(out["fragment"]) < n:
            run = rng.choice(runs)
            i = rng.randrange(0, len(run) - 6)
            out["fragment"].append((run[i : i + 6], r["id"]))
    return out


def measure(backend, queries: list[tuple[str, str]], form: str) -> tuple[float, float]:
    rr = found = 0.0
    for query, target in queries:
        text = written_as(query)[form]
        hits = [h.id for h in backend.search(SearchRequest(indices=("achievements",), query=Text(text), page=Page(1, 10))).hits]
        if target in hits:
            rr += 1 / (hits.index(target) + 1)
            found += 1
    return rr / len(queries), found / len(queries)


def make_backend(engine: str, es_url: str | None, folder: Path):
    prefix = f"qf{uuid.uuid4().hex[:6]}-"
    if engine == "sqlite":
        return get_backend("sqlite", {"sqlite_path": str(folder / "search.sqlite3"), "index_prefix": prefix})
    return get_backend("elasticsearch", {"es_hosts": es_url, "es_number_of_replicas": 0, "index_prefix": prefix})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--es", default="http://127.0.0.1:9250")
    parser.add_argument("--engines", default="sqlite,elasticsearch")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    recs = load_records()
    queries = make_queries(recs, args.queries, random.Random(args.seed))
    print(f"{len(recs)} records; {', '.join(f'{len(q)} {kind} queries' for kind, q in queries.items())}")
    print("| engine | queries | " + " | ".join(FORMS) + " |")
    print("|---|---|" + "---:|" * len(FORMS))
    for engine in args.engines.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            backend = make_backend(engine, args.es, Path(tmp))
            try:
                backend.ensure_indices(["achievements"])
                report = backend.index_documents("achievements", documents(recs))
                assert report.ok, report.errors[:3]
                backend.refresh()
                for kind, qs in queries.items():
                    started = time.perf_counter()
                    cells = [measure(backend, qs, form) for form in FORMS]
                    print(f"| {engine} | {kind} | " + " | ".join(f"{m:.3f} / {r:.2f}" for m, r in cells)
                          + f" |  ({time.perf_counter() - started:.0f} s)", flush=True)
            finally:
                backend.drop_indices(["achievements"])
                backend.close()
    print("cells: MRR@10 / R@10")


if __name__ == "__main__":
    main()
