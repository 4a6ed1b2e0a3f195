"""Matching one new record against 10,000 and 100,000 saved searches, per engine, next to the
naive way measured in the same run.

What is timed, per new record, is :meth:`web.services.alert_matching.AlertMatcher.matches_for`
(what the ``alerts.match_records`` task runs for each record, without writing the matches):

1. the record's keys (``indexer.monitor.document_keys``);
2. the candidate subscriptions: one indexed lookup of those keys in the store (SQLite here;
   the ``subscription_keys`` table), joined with the subscriptions and their owners;
3. the candidates whose every stored condition the record meets;
4. their searches confirmed by the engine, restricted to the record (Elasticsearch: one
   ``_msearch`` of named clauses; SQLite: one search per survivor).

The store's first lookup in a process reads its index from disk (~100-140 ms once); one untimed
match comes first, as a worker's first record does. The benchmark's own heap (100,000 search
parameters, the corpus) is frozen out of the garbage collector, whose pauses a worker does not
have.

The naive way is every subscription's search run against the record (the search page's request
restricted to it, one search each, as ``SearchBackend.match_document``'s default does). Running
all 100,000 for every record would take minutes per record, so it is run for ``--naive-sample``
subscriptions and multiplied out; the per-search cost it is built from is printed too.

Subscriptions are realistic in shape: a record type (all 40%, achievements 30%, patents 20%,
instruments 10%), two to four words of one technology field of the demo word banks (topic
keywords and technologies), and one to three filters the search page offers for that type, with
values from the vocabularies (city, field, holder, year, TRL, patent type, legal status,
instrument class). They are stored as the service stores them (``SubscriptionKeys.compute``: the
conditions and the anchor picked by document frequency), in bulk.

The corpus is ``--docs`` index documents generated as bench/stats.py makes them (the demo word
banks and vocabularies), indexed straight into each engine; the new records are more of the same
from another seed.

Usage: python bench/alerts.py [--subs 10000,100000] [--docs 20000] [--records 40]
       [--naive-sample 300] [--es-url http://127.0.0.1:9250] [--engines sqlite,elasticsearch]
"""
from __future__ import annotations

import argparse
import gc
import importlib.util
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from random import Random
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from indexer import SearchBackend, get_backend, monitor  # noqa: E402
from web.extensions import db  # noqa: E402
from web.models import Subscription, SubscriptionKey, User  # noqa: E402
from web.services.alert_matching import AlertMatcher, SubscriptionKeys, search_params  # noqa: E402
from web.services.identity import anonymous_identity  # noqa: E402
from web.services.search import SearchParams, SearchService  # noqa: E402

_spec = importlib.util.spec_from_file_location("bench_stats", ROOT / "bench" / "stats.py")
sb = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
sys.modules["bench_stats"] = sb
_spec.loader.exec_module(sb)  # type: ignore[union-attr]

TYPES = (("all", 0.4), ("achievement", 0.3), ("patent", 0.2), ("instrument", 0.1))
FILTER_KEYS = {
    "all": ("city", "field", "holder", "year"),
    "achievement": ("city", "field", "holder", "trl", "year", "level", "transfer_mode"),
    "patent": ("city", "kind", "legal_status", "holder", "ipc_section", "year"),
    "instrument": ("city", "instrument_class", "holder", "service_mode"),
}
USERS = 500
TYPE_OF = {"achievements": "achievement", "patents": "patent", "instruments": "instrument"}


def vocab_values(corpus: Any) -> dict[str, list[str]]:
    return {
        "city": sb.codes("city"), "field": [f.code for f in corpus.fields], "holder": [i.name for i in corpus.institutions[:80]],
        "year": [str(y) for y in range(2012, 2027)], "trl": [str(n) for n in range(1, 10)], "level": sb.codes("achievement_level"),
        "transfer_mode": sb.codes("transfer_mode"), "kind": sb.codes("patent_kind"), "legal_status": sb.codes("legal_status"),
        "ipc_section": list("ABCDEFGH"), "instrument_class": sb.codes("instrument_class"), "service_mode": sb.codes("service_mode"),
    }


def field_words(corpus: Any) -> list[list[str]]:
    """Per topic of a technology field: the words an investor following it would type (the
    topic's keywords and name, and the field's technologies)."""
    out = []
    for f in corpus.fields:
        techs = [tech for tech, _ in f.techs]
        for t in f.topics:
            words = list(dict.fromkeys(w for w in [*t.keywords, t.zh, *techs[:6]] if 2 <= len(w) <= 8))
            if len(words) >= 2:
                out.append(words)
    return out


def make_subscription_params(n: int, corpus: Any, seed: int) -> list[SearchParams]:
    rng = Random(seed)
    values, words = vocab_values(corpus), field_words(corpus)
    types, weights = zip(*TYPES)
    out = []
    for _ in range(n):
        record_type = rng.choices(types, weights)[0]
        q = " ".join(rng.sample(bank, min(len(bank), rng.randint(2, 4)))) if (bank := rng.choice(words)) else ""
        keys = rng.sample(FILTER_KEYS[record_type], rng.randint(1, min(3, len(FILTER_KEYS[record_type]))))
        selections = {k: [rng.choice(values[k])] for k in keys}
        out.append(SearchParams(record_type=record_type, q=q, selections=selections))
    return out


def store_subscriptions(session: Session, keys: SubscriptionKeys, search: SearchService, params: list[SearchParams]) -> float:
    started = time.perf_counter()
    session.execute(insert(User), [{"id": i, "email": f"bench{i}@test.local", "name": "bench", "role": "investor", "active": True,
                                    "login_version": 1, "failed_logins": 0} for i in range(1, USERS + 1)])
    subs, sub_keys = [], []
    for n, p in enumerate(params, start=1):
        request, _ = search.build_request(anonymous_identity, p)
        required, anchor = keys.compute(request)
        subs.append({"id": n, "user_id": 1 + n % USERS, "name": f"s{n}", "record_type": p.record_type, "q": p.q, "match": "all",
                     "selections": p.selections, "frequency": "daily", "lang": "zh", "email_enabled": True, "webhook_enabled": False,
                     "webhook_failures": 0, "feed_enabled": True, "feed_token": f"{n}-{secrets.token_hex(6)}", "paused": False,
                     "required": required, "keys_version": 1})
        sub_keys += [{"subscription_id": n, "key": k} for k in anchor]
        if len(subs) >= 5000:
            session.execute(insert(Subscription), subs)
            session.execute(insert(SubscriptionKey), sub_keys)
            subs, sub_keys = [], []
    if subs:
        session.execute(insert(Subscription), subs)
        session.execute(insert(SubscriptionKey), sub_keys)
    session.commit()
    return time.perf_counter() - started


def new_records(corpus: Any, n: int, seed: int) -> list[tuple[str, Any]]:
    """``n`` new published documents across the three types (new ids), as (index, IndexDoc)."""
    out = []
    wanted = sb.split(n)
    for index, count in wanted.items():
        for doc in sb.GENERATORS[index](corpus, count * 2, seed):
            if doc.source.get("status") == "published" and sum(1 for i, _ in out if i == index) < count:
                doc.source["id"] = f"NEW{doc.id}"
                out.append((index, type(doc)(f"NEW{doc.id}", 1, doc.source)))
    return out


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run_engine(engine: str, backend: SearchBackend, args: argparse.Namespace, corpus: Any) -> list[dict[str, Any]]:
    rows = []
    search = SearchService(backend)
    records = new_records(corpus, args.records, args.seed + 7)
    for index in sb.INDICES:
        backend.index_documents(index, [d for i, d in records if i == index])
    backend.refresh()
    for n_subs in args.subs:
        folder = Path(tempfile.mkdtemp(prefix="alerts-bench-"))
        store = create_engine(f"sqlite:///{folder / 'store.sqlite3'}")
        db.metadata.create_all(store)
        with Session(store) as session:
            keys = SubscriptionKeys(backend, search)
            params = make_subscription_params(n_subs, corpus, args.seed)
            took = store_subscriptions(session, keys, search, params)
            anchors = session.query(SubscriptionKey).count()
            print(f"  {engine}: {n_subs:,} subscriptions stored in {took:.1f}s ({anchors:,} anchor keys)", flush=True)
            matcher = AlertMatcher(session, backend, search, keys)
            # the benchmark holds 100,000 search parameters and the corpus, which a worker does not:
            # its garbage collections would be timed as matching (pauses of ~100 ms), so they are
            # frozen; one match, untimed, warms the store's page cache as a worker's first one does
            gc.collect()
            gc.freeze()
            warm_index, warm_doc = records[-1]
            matcher.matches_for(warm_index, dict(warm_doc.source))
            times, candidates, survivors, confirmed = [], [], [], []
            for index, doc in records[:-1]:
                source = dict(doc.source)
                t0 = time.perf_counter()
                found, n_candidates = matcher.matches_for(index, source)
                times.append((time.perf_counter() - t0) * 1000)
                candidates.append(n_candidates)
                confirmed.append(len(found))
                record_keys = monitor.document_keys(backend.catalog, index, source)
                cands = matcher.candidates(index, source["id"], record_keys)
                survivors.append(sum(1 for c in cands if monitor.satisfies(c.required, record_keys)))
            # the naive way: every subscription's own search, restricted to the record
            sample = Random(args.seed).sample(range(1, n_subs + 1), min(args.naive_sample, n_subs))
            subs = {str(s.id): s for s in session.query(Subscription).filter(Subscription.id.in_(sample))}
            naive_ms = []
            for index, doc in records[: max(3, len(records) // 8)]:
                requests = {k: search.build_request(anonymous_identity, search_params(s))[0] for k, s in subs.items()
                            if s.record_type in ("all", TYPE_OF[index])}
                t0 = time.perf_counter()
                naive_found = SearchBackend.match_document(backend, index, doc.id, requests)
                naive_ms.append((time.perf_counter() - t0) * 1000 / max(len(requests), 1))
                ours = {str(c.id) for c, _ in matcher.matches_for(index, dict(doc.source))[0]}
                assert naive_found == ours & set(subs), (index, doc.id, naive_found, ours & set(subs))
            per_search = statistics.mean(naive_ms)
            fitting = statistics.mean(sum(1 for p in params if p.record_type in ("all", TYPE_OF[index])) for index, _ in records)
            rows.append({
                "engine": engine, "subs": n_subs, "p50": pct(times, 0.5), "p95": pct(times, 0.95), "mean": statistics.mean(times),
                "candidates": statistics.mean(candidates), "survivors": statistics.mean(survivors), "confirmed": statistics.mean(confirmed),
                "naive_per_search": per_search, "naive_total": per_search * fitting,
            })
        store.dispose()
        gc.unfreeze()
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--subs", default="10000,100000")
    ap.add_argument("--docs", type=int, default=20000)
    ap.add_argument("--records", type=int, default=40)
    ap.add_argument("--naive-sample", type=int, default=300)
    ap.add_argument("--es-url", default="http://127.0.0.1:9250")
    ap.add_argument("--engines", default="sqlite,elasticsearch")
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    args.subs = [int(x) for x in args.subs.split(",") if x]
    corpus = sb.make_corpus(args.seed)
    wanted = sb.split(args.docs)
    rows: list[dict[str, Any]] = []
    for engine in args.engines.split(","):
        prefix = f"alertsbench{uuid.uuid4().hex[:6]}-"
        if engine == "elasticsearch":
            if not sb.es_reachable(args.es_url):
                print(f"Elasticsearch not reachable at {args.es_url}: skipped")
                continue
            backend = get_backend("elasticsearch", {"es_hosts": args.es_url, "es_number_of_replicas": 0, "index_prefix": prefix, "es_timeout": 60})
            from elasticsearch import Elasticsearch

            client = Elasticsearch(args.es_url, request_timeout=120)
            took = sb.fill_es(backend, client, corpus, wanted, args.seed)
        else:
            folder = Path(tempfile.mkdtemp(prefix="alerts-bench-idx-"))
            backend = get_backend("sqlite", {"sqlite_path": str(folder / "search.sqlite3"), "index_prefix": prefix})
            took = sb.fill_sqlite(backend, corpus, wanted, args.seed)
        print(f"{engine}: {args.docs:,} documents indexed in {took:.0f}s", flush=True)
        try:
            rows += run_engine(engine, backend, args, corpus)
        finally:
            backend.drop_indices()
            backend.close()
    print()
    print(f"Matching one new record ({args.records - 1} records timed, one before them to warm up: achievements, patents, "
          "instruments) against N subscriptions; "
          f"corpus {args.docs:,} documents")
    print(f"{'engine':<14}{'N':>9}{'p50 ms':>9}{'p95 ms':>9}{'mean ms':>9}{'cand.':>8}{'kept':>7}{'match':>7}"
          f"{'naive ms/search':>17}{'naive ms/record':>17}{'speed-up':>10}")
    for r in rows:
        print(f"{r['engine']:<14}{r['subs']:>9,}{r['p50']:>9.1f}{r['p95']:>9.1f}{r['mean']:>9.1f}{r['candidates']:>8.0f}"
              f"{r['survivors']:>7.1f}{r['confirmed']:>7.2f}{r['naive_per_search']:>17.2f}{r['naive_total']:>17,.0f}"
              f"{r['naive_total'] / r['mean']:>9.0f}x")
    print("cand. = subscriptions selected by their anchor keys; kept = of those, the ones whose every condition the record meets "
          "(sent to the engine); match = confirmed. naive ms/record = the per-search time of the sample x the "
          "subscriptions whose record type fits the record (on average over the records).")
    es_rows = [r for r in rows if r["engine"] == "elasticsearch" and r["subs"] >= 100_000]
    for r in es_rows:
        verdict = "meets" if r["p95"] <= 100 else "misses"
        print(f"Target <= 100 ms for 100,000 subscriptions on Elasticsearch: p95 {r['p95']:.1f} ms, {verdict} it.")


if __name__ == "__main__":
    main()
