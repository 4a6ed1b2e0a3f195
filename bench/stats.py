"""Latency of the statistics dashboards (``GET /api/v1/stats``), per engine, next to the engine's
own cost of the very same requests measured in the same run.

What is timed is :meth:`web.services.stats.StatsService.dashboard` (what the endpoint calls; the
JSON rendering and the URL of each bar are left out), built without the Flask app, for an
anonymous reader, for each dashboard (all, achievement, patent, instrument) and each variant of
filter and words (none; city=changchun; q=电池). Its reference is the same aggregation requests
sent straight to the engine:

* Elasticsearch: the bodies ``indexer.elasticsearch.compiler.compile_search`` makes of the
  SearchRequests the service sent (captured while it ran), posted with the official client's
  ``search``; the overview sends four (the main one and one per record type for its trend);
* SQLite FTS5: ``backend.search`` on the same SearchRequests (the SQL itself is the engine's
  business; this is its entry point).

Each is measured

* cold: the first request after the caches are gone (Elasticsearch: ``POST <indices>/_cache/clear``
  before each request, which drops the request cache, the query cache and the global ordinals;
  SQLite: a new backend object, so a new connection with an empty page cache and an empty result
  cache). The operating system's file cache is not dropped (that needs root and would slow
  everybody else on the machine): cold means cold engine caches over files the OS has read;
* warm: the same request repeated (Elasticsearch answers a repeated size=0 request from its shard
  request cache; SQLite from its result cache keyed by the index's write generation);
* uncached: repeated, caches of data warm but no cached results (Elasticsearch with
  ``index.requests.cache.enable: false`` for the pass; SQLite with its result cache emptied before
  each dashboard): what every request costs right after a refresh that brought new documents.

The documents are generated here, directly in index shape (the demo store would take hours for a
million records): the vocabularies' codes, ~300 institutions, the demo word banks' topics for
titles and summaries, years 2000-2026, dates, prices, values, hours and incomes.

Usage: python bench/stats.py [--es-docs 1000000] [--sqlite-docs 100000] [--es-url URL]
       [--reuse] [--keep] [--warm 30] [--cold 10] [--uncached 10]
(--es-docs 0 or --sqlite-docs 0 skips that engine)
"""
from __future__ import annotations

import argparse
import bisect
import itertools
import os
import re
import statistics
import sys
import time
import unicodedata
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from random import Random
from typing import Any, cast

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from elasticsearch import Elasticsearch, helpers  # noqa: E402

import indexer  # noqa: E402
from indexer import IndexDoc, SearchBackend, SearchRequest, SearchResult  # noqa: E402
from indexer.elasticsearch.compiler import compile_search  # noqa: E402
from web import vocabularies  # noqa: E402
from demo import wordbanks as wb  # noqa: E402
from web.services.identity import Identity  # noqa: E402
from web.services.search import SearchParams, SearchService  # noqa: E402
from web.services.stats import StatsService  # noqa: E402

TYPES = ("all", "achievement", "patent", "instrument")
VARIANTS: list[tuple[str, str, dict[str, list[str]]]] = [  # label, words, filters
    ("no filter", "", {}),
    ("city=changchun", "", {"city": ["changchun"]}),
    ("q=电池", "电池", {}),
]
SHARES = {"achievements": 5, "patents": 4, "instruments": 1}  # 500k / 400k / 100k of a million
INDICES = tuple(SHARES)
TARGET_P95_MS = 300.0
TARGET_DOCS = 1_000_000
ANONYMOUS = Identity(None)
REF_DATE = date(2026, 6, 30)


# -- documents ----------------------------------------------------------------------------------

def untag(item: str) -> str:
    """Word-bank items may carry ``tags@text``; only the text is wanted here."""
    return item.split("@", 1)[1] if "@" in item else item


def pairs(items: list[str]) -> list[tuple[str, str]]:
    """``zh|en`` word-bank items, tags dropped (an item without English reuses the Chinese)."""
    out = []
    for item in items:
        zh, _, en = untag(item).partition("|")
        out.append((zh, en or zh))
    return out


@dataclass
class Topic:
    zh: str
    en: str
    kind: str
    keywords: list[str]


@dataclass
class Field:
    """One technology field's words, flattened from the demo word banks once."""

    code: str
    weight: float
    topics: list[Topic]
    techs: list[tuple[str, str]]
    props: list[tuple[str, str]]
    apps: list[tuple[str, str]]
    background: list[str]  # sentences, for summaries
    problems: list[str]
    points: list[str]
    ipc: list[str]
    parts: list[str]


@dataclass
class Institution:
    id: str
    name: str
    type: str
    city: str
    weight: float
    affinity: dict[str, float]  # technology field -> how much of its output is in that field ("*": the rest)


@dataclass
class Corpus:
    """Everything the generators draw from, built once per seed."""

    fields: list[Field]
    field_cum: list[float]
    institutions: list[Institution]
    holder_cum: dict[str, list[float]]  # per field: cumulative weights over institutions
    surnames: list[str]
    surname_cum: list[float]
    given: list[str]


def make_corpus(seed: int) -> Corpus:
    fields = []
    for d in wb.DOMAINS:
        topics = []
        for t in d.topics:
            parts = t.split("|")
            topics.append(Topic(parts[0], parts[1], parts[2], [k for k in parts[3].split(",") if k] if len(parts) > 3 else []))
        fields.append(Field(
            d.code, d.weight, topics, pairs(d.techs), pairs(d.props), pairs(d.apps),
            [untag(s).rstrip("。") + "。" for s in d.background], [untag(p) for p in d.problems],
            [untag(p) for p in d.points], [untag(c) for c in d.ipc], [untag(p) for p in d.parts],
        ))
    rng = Random(seed)
    institutions: list[Institution] = []
    for k in wb.KNOWN_INSTITUTIONS:
        institutions.append(Institution("", k.name, k.type, k.city, k.weight, dict(k.fields)))
    city_prefix = {code: info["prefix"] for code, info in wb.CITY_INFO.items()}
    names = {i.name for i in institutions}
    kinds = ["enterprise"] * 180 + ["institute"] * 30 + ["hospital"] * 15 + ["other"] * 23
    for n, kind in enumerate(kinds):
        d = wb.DOMAINS[n % len(wb.DOMAINS)]
        city = rng.choices(list(d.enterprise_cities), list(d.enterprise_cities.values()))[0]
        prefix = city_prefix.get(city, "吉林")
        while True:
            (b1, _), (b2, _) = rng.sample(wb.BRAND_CHARS, 2)
            if kind == "enterprise":
                suffix = rng.choices([s for s, _ in wb.COMPANY_SUFFIXES], [w for _, w in wb.COMPANY_SUFFIXES])[0]
                name = f"{prefix}{b1}{b2}{rng.choice(d.enterprise_words)}{suffix}"
            elif kind == "institute":
                name = f"{prefix}{b1}{b2}{d.industry}技术研究院"
            elif kind == "hospital":
                name = f"{prefix}市第{rng.randint(1, 9)}人民医院" if rng.random() < 0.5 else f"{prefix}{b1}{b2}医院"
            else:
                name = f"{prefix}{d.industry}{b1}{b2}科技服务中心"
            if name not in names:
                break
        names.add(name)
        # output falls off with rank, as real holders' does (a few universities hold most)
        institutions.append(Institution("", name, kind, city, 2.0 / (1 + n / 20), {d.code: 1.0, "*": 0.05}))
    for n, inst in enumerate(institutions):
        inst.id = f"I{n + 1:06d}"
    holder_cum: dict[str, list[float]] = {}
    for f in fields:
        weights = [max(i.weight * i.affinity.get(f.code, i.affinity.get("*", 0.0)), 1e-4) for i in institutions]
        holder_cum[f.code] = list(itertools.accumulate(weights))
    surnames = [s for s, _, _ in wb.SURNAMES]
    return Corpus(
        fields, list(itertools.accumulate(f.weight for f in fields)), institutions, holder_cum,
        surnames, list(itertools.accumulate(w for *_, w in wb.SURNAMES)), [c for c, _ in wb.GIVEN_CHARS],
    )


def codes(name: str) -> list[str]:
    return vocabularies.get(name).codes


class Maker:
    """Deterministic index documents of one type: the same seed and number give the same
    documents, so --reuse can trust the counts."""

    def __init__(self, corpus: Corpus, seed: int):
        self.c = corpus
        self.rng = Random(seed)
        self.r = self.rng.random
        self.cities = codes("city")
        self.city_cum = list(itertools.accumulate(wb.CITY_WEIGHTS.get(c, 0.2) for c in self.cities))
        self.year_cum = list(itertools.accumulate(1.0 + (y - 2000) * 0.35 for y in range(2000, 2027)))  # more records lately

    def pick(self, items: list[Any], cum: list[float]) -> Any:
        return items[bisect.bisect_right(cum, self.r() * cum[-1])]

    def one(self, items: list[Any] | tuple[Any, ...]) -> Any:
        return items[int(self.r() * len(items))]

    def year(self) -> int:
        return 2000 + bisect.bisect_right(self.year_cum, self.r() * self.year_cum[-1])

    def day(self, year: int) -> date:
        d = date(year, 1, 1) + timedelta(days=int(self.r() * 365))
        return min(d, REF_DATE)

    def stamp(self, year: int) -> str:
        d = self.day(max(year, 2018))
        return datetime(d.year, d.month, d.day, int(self.r() * 24), int(self.r() * 60), tzinfo=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    def status(self) -> str:
        r = self.r()
        return "published" if r < 0.97 else ("in_review" if r < 0.985 else "withdrawn")

    def field(self) -> Field:
        return self.pick(self.c.fields, self.c.field_cum)

    def holders(self, f: Field, most: int) -> list[Institution]:
        n = 1 if self.r() < 0.6 else min(most, 2 if self.r() < 0.8 else 3)
        found: list[Institution] = []
        while len(found) < n:
            inst = self.pick(self.c.institutions, self.c.holder_cum[f.code])
            if inst not in found:
                found.append(inst)
        return found

    def person(self) -> str:
        given = self.one(self.c.given) + (self.one(self.c.given) if self.r() < 0.7 else "")
        return self.pick(self.c.surnames, self.c.surname_cum) + given

    def title(self, f: Field, topic: Topic, templates: dict[str, Any]) -> tuple[str, str]:
        template = self.one(templates.get(topic.kind) or templates["sense"])
        zh, en = template[0], template[1] or "{core_en}"
        tech, prop, app = self.one(f.techs), self.one(f.props), self.one(f.apps)
        values = {"core": topic.zh, "core_en": topic.en, "tech": tech[0], "tech_en": tech[1], "prop": prop[0], "prop_en": prop[1],
                  "app": app[0], "app_en": app[1]}
        return zh.format(**values), en.format(**values)

    def summary(self, f: Field, topic: Topic, holder: str) -> str:
        return (f"{self.one(f.background)}针对{self.one(f.problems)}等问题，{holder}围绕{topic.zh}开展研究，提出{self.one(f.points)}，"
                f"突破了{self.one(f.points)}等关键技术，形成{topic.zh}成套技术方案，"
                f"已在{self.one(f.apps)[0]}等领域开展应用示范，综合性能达到{self.one(['国内领先', '国内先进', '国际先进'])}水平。")

    @staticmethod
    def holder_fields(insts: list[Institution]) -> dict[str, Any]:
        return {
            "holders": [i.name for i in insts],
            "holder_ids": [i.id for i in insts],
            "holder_types": list(dict.fromkeys(i.type for i in insts)),
        }

    @staticmethod
    def drop_empty(doc: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in doc.items() if v is not None and v != [] and v != ""}


def achievements(corpus: Corpus, n: int, seed: int) -> Iterator[IndexDoc]:
    m = Maker(corpus, seed + 101)
    r = m.r
    forms, levels, stages, types = codes("achievement_form"), codes("achievement_level"), codes("achievement_stage"), codes("achievement_type")
    modes, origins = codes("transfer_mode"), codes("achievement_origin")
    for i in range(n):
        f = m.field()
        topic = m.one(f.topics)
        insts = m.holders(f, 3)
        year = m.year()
        zh, en = m.title(f, topic, wb.TITLE_TEMPLATES)
        status = m.status()
        priced = r() < 0.6
        amount = round(10 ** (4.7 + r() * 2.9), -3) if priced else None  # ~50k to ~40M yuan
        doc = {
            "id": f"ACH{i + 1:08d}", "record_type": "achievement", "status": status,
            "published_at": (stamp := m.stamp(year)), "updated_at": stamp,
            "title": zh, "title_en": en,
            "summary": m.summary(f, topic, insts[0].name),
            "keywords": list(dict.fromkeys(topic.keywords + [m.one(f.techs)[0]])),
            **Maker.holder_fields(insts),
            "city": insts[0].city, "field": f.code, "year": year,
            "registration_no": f"{year}{m.one(['22', '2201', '2202'])}{i:07d}",
            "achievement_type": m.one(types),
            "innovations": [f"提出{m.one(f.points)}", f"研制{topic.zh}{m.one(['样机', '示范线', '成套装备', '工艺包'])}"],
            "people": [m.person() for _ in range(2 + int(r() * 4))],
            "form": m.one(forms), "origin": m.one(origins), "level": m.one(levels), "stage": m.one(stages),
            "trl": 1 + int(r() * 9),
            "transfer_modes": list(dict.fromkeys(m.one(modes) for _ in range(1 + int(r() * 2)))),
            "price_mode": ("fixed" if r() < 0.7 else "range") if priced else "negotiable",
            "price_amount": amount,
            "transferred": r() < 0.18,
            "registered_at": m.day(year).isoformat(),
            "quality_score": round(40 + r() * 60, 1),
            "selected_years": [str(min(year + 1, 2026))] if r() < 0.01 else [],
            "suggest": [{"input": [zh[:100]], "weight": 10}, {"input": topic.keywords[:5], "weight": 5}] if status == "published" and topic.keywords else [],
            "display": {"holders": [{"id": x.id, "name": x.name} for x in insts]},
        }
        yield IndexDoc(doc["id"], 1, Maker.drop_empty(doc))


def patents(corpus: Corpus, n: int, seed: int) -> Iterator[IndexDoc]:
    m = Maker(corpus, seed + 211)
    r = m.r
    kinds, kind_cum = ["invention", "utility", "design"], [62.0, 95.0, 100.0]
    payments = codes("licence_payment")
    templates = {k: [(t, "") for t, _ in v] for k, v in wb.PATENT_TITLES.items()}
    for i in range(n):
        f = m.field()
        topic = m.one(f.topics)
        insts = m.holders(f, 2)
        kind = m.pick(kinds, kind_cum)
        filed = m.day(m.year())
        year = filed.year
        age = (REF_DATE - filed).days / 365.25
        if kind == "invention":
            granted = filed + timedelta(days=int(500 + r() * 900)) if r() < 0.65 else None
        else:
            granted = filed + timedelta(days=int(120 + r() * 300))
        if granted is not None and granted > REF_DATE:
            granted = None
        if granted is None:
            status_ = "pending" if age < 3.5 else m.one(["rejected", "withdrawn"])
        elif age > (20 if kind == "invention" else 10):
            status_ = "expired"
        else:
            status_ = "in_force" if r() < 0.7 else m.one(["lapsed", "lapsed", "invalidated"])
        zh = m.title(f, topic, templates)[0] if kind != "design" else f"{m.one(f.parts)}（{m.one(['一', '二', '三'])}）"
        ipc = list(dict.fromkeys(m.one(f.ipc) for _ in range(1 + int(r() * 3))))
        sections = list(dict.fromkeys(c[0] for c in ipc))
        open_licence = granted is not None and status_ == "in_force" and r() < 0.08
        status = m.status()
        doc = {
            "id": f"PAT{i + 1:08d}", "record_type": "patent", "status": status,
            "published_at": (stamp := m.stamp(year)), "updated_at": stamp,
            "title": zh, "summary": m.summary(f, topic, insts[0].name),
            "first_claim": f"1.一种{topic.zh}{'方法' if kind == 'invention' else '装置'}，其特征在于，包括{m.one(f.parts)}、{m.one(f.parts)}和{m.one(f.parts)}，所述{m.one(f.parts)}设置于{m.one(['顶部', '底部', '一侧', '内部'])}。",
            "keywords": topic.keywords,
            **Maker.holder_fields(insts),
            "inventors": [m.person() for _ in range(1 + int(r() * 5))],
            "city": insts[0].city, "field": f.code, "year": year, "kind": kind, "legal_status": status_,
            "application_no": f"CN{year}{'1' if kind == 'invention' else '2' if kind == 'utility' else '3'}{i:07d}.X",
            "publication_no": f"CN{100000000 + i}A",
            "grant_no": f"CN{200000000 + i}B" if granted else None,
            "ipc": ipc, "ipc_main": ipc[0], "ipc_sections": sections,
            "ipc_classes": list(dict.fromkeys(c[:3] for c in ipc)), "ipc_subclasses": list(dict.fromkeys(c[:4] for c in ipc)),
            "open_licence": open_licence,
            "licence_payment": m.one(payments) if open_licence else None,
            "licence_fee": round(10 ** (3.7 + r() * 2), -2) if open_licence else None,
            "transfers": int(r() * 3) if r() < 0.1 else 0, "licences": int(r() * 3) if r() < 0.06 else 0,
            "pledges": 1 if r() < 0.02 else 0,
            "filed_at": filed.isoformat(),
            "publication_date": min(filed + timedelta(days=int(180 + r() * 360)), REF_DATE).isoformat(),
            "granted_at": granted.isoformat() if granted else None,
            "suggest": [{"input": [zh[:100]], "weight": 10}] if status == "published" else [],
            "display": {"holders": [{"id": x.id, "name": x.name} for x in insts]},
        }
        yield IndexDoc(doc["id"], 1, Maker.drop_empty(doc))


def instruments(corpus: Corpus, n: int, seed: int) -> Iterator[IndexDoc]:
    m = Maker(corpus, seed + 307)
    r = m.r
    by_code = {f.code: f for f in corpus.fields}
    kinds = wb.INSTRUMENTS
    kind_cum = list(itertools.accumulate(k.weight for k in kinds))
    placeholder = re.compile(r"\{([^|}]*)[^}]*\}")
    specs = {k.code: [placeholder.sub(r"\1", s) for s in k.specs] for k in kinds}
    modes, run_cum, runs = codes("service_mode"), [88.0, 93.0, 99.0, 100.0], ["normal", "repair", "idle", "scrapped"]
    funding = codes("instrument_funding")
    for i in range(n):
        k = m.pick(kinds, kind_cum)
        f = by_code.get(m.one(k.fields)) or m.field()
        inst = m.pick(corpus.institutions, corpus.holder_cum[f.code])
        manufacturer, model, country = m.one(k.models)
        year = m.year()
        shared = r() < 0.85
        value = round((k.value_wan[0] + r() * (k.value_wan[1] - k.value_wan[0])) * 10_000, -2)
        open_hours = round(800 + r() * 2200) if shared else (round(r() * 400) if r() < 0.5 else None)
        external = round(open_hours * (0.05 + r() * 0.5)) if open_hours else None
        income = round(external * (k.fee[0] + r() * (k.fee[1] - k.fee[0]))) if external and r() < 0.9 else None
        status = m.status()
        doc = {
            "id": f"INS{i + 1:08d}", "record_type": "instrument", "status": status,
            "published_at": (stamp := m.stamp(year)), "updated_at": stamp,
            "title": k.name, "title_en": k.name_en, "summary": k.functions,
            "specs": specs[k.code], "research_areas": list(k.areas), "keywords": list(k.areas),
            **Maker.holder_fields([inst]),
            "city": inst.city, "year": year,
            "lab": f"{inst.name}{m.one(wb.INSTRUMENT_LABS)}", "model": model, "manufacturer": manufacturer,
            "asset_no": f"{inst.id}-{year}-{i:07d}", "class_code": k.code, "instrument_class": k.cls,
            "country": country, "origin": "domestic" if country == "中国" else "imported",
            "value": value, "shared": shared,
            "service_modes": list(dict.fromkeys(m.one(modes) for _ in range(1 + int(r() * 2)))) if shared else [],
            "run_status": m.pick(runs, run_cum), "funding": m.one(funding),
            "commissioned_at": m.day(year).isoformat(),
            "annual_open_hours": open_hours, "external_hours": external, "external_income": income,
            "suggest": [{"input": [k.name, k.name_en[:100]], "weight": 10}] if status == "published" else [],
            "display": {"holders": [{"id": inst.id, "name": inst.name}]},
        }
        yield IndexDoc(doc["id"], 1, Maker.drop_empty(doc))


GENERATORS: dict[str, Callable[[Corpus, int, int], Iterator[IndexDoc]]] = {
    "achievements": achievements, "patents": patents, "instruments": instruments,
}


def split(total: int) -> dict[str, int]:
    """500k/400k/100k of a million, scaled; the remainder goes to achievements."""
    whole = sum(SHARES.values())
    counts = {name: total * share // whole for name, share in SHARES.items()}
    counts["achievements"] += total - sum(counts.values())
    return counts


# -- engines -------------------------------------------------------------------------------------

def es_reachable(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_cluster/health", timeout=3) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError):
        return False


def index_counts(backend: SearchBackend) -> dict[str, int]:
    out = {}
    for name in INDICES:
        try:
            out[name] = backend.count(name)
        except indexer.IndexMissing:
            out[name] = -1
    return out


def shard_counts(client: Elasticsearch, backend: SearchBackend) -> set[int]:
    """The primary shards of the benchmark's indices (a reused index must have the asked number)."""
    try:
        found = client.indices.get_settings(index=index_pattern(backend), name="index.number_of_shards").body
    except Exception:  # noqa: BLE001 - no index yet: nothing to reuse
        return set()
    return {int(s["settings"]["index"]["number_of_shards"]) for s in found.values()}


def fill_es(backend: SearchBackend, client: Elasticsearch, corpus: Corpus, wanted: dict[str, int], seed: int) -> float:
    """Bulk into fresh indices with refreshes off (as a rebuild does), two bulk threads so that
    Elasticsearch indexes one chunk while Python makes the next; then the mapping's refresh
    interval back, a refresh, and a wait until merging has settled (so that cold figures are not
    measured against a node busy merging)."""
    backend.drop_indices(INDICES)
    backend.ensure_indices(INDICES)
    catalog = backend.catalog
    started = time.perf_counter()
    for name in INDICES:
        alias = catalog.get(name).write_alias(backend.prefix)
        client.indices.put_settings(index=alias, settings={"refresh_interval": "-1"})
        t0, done = time.perf_counter(), 0
        actions = ({"_index": alias, "_id": d.id, "_source": d.source} for d in GENERATORS[name](corpus, wanted[name], seed))
        for ok, item in helpers.parallel_bulk(client, actions, thread_count=2, chunk_size=1000, queue_size=2, raise_on_error=False):
            if not ok:
                raise SystemExit(f"indexing {name} failed: {item}")
            done += 1
            if done % 100_000 == 0:
                print(f"    {name}: {done:,} in {time.perf_counter() - t0:.0f}s", flush=True)
        refresh = catalog.get(name).body["settings"].get("refresh_interval", "1s")
        client.indices.put_settings(index=alias, settings={"refresh_interval": refresh})
        print(f"  {name}: {done:,} documents in {time.perf_counter() - t0:.1f}s", flush=True)
    backend.refresh()
    filled = time.perf_counter() - started
    wait_for_merges(client, index_pattern(backend))
    return filled


def index_pattern(backend: SearchBackend) -> str:
    return ",".join(backend.catalog.get(n).read_alias(backend.prefix) for n in INDICES)


def wait_for_merges(client: Elasticsearch, pattern: str, limit: float = 600) -> None:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < limit:
        stats = client.indices.stats(index=pattern, metric="merge")
        if stats["_all"]["total"]["merges"]["current"] == 0:
            return
        time.sleep(2)
    print(f"  (merges still running after {limit:.0f}s; measuring anyway)", flush=True)


def segments(client: Elasticsearch, pattern: str) -> str:
    stats = client.indices.stats(index=pattern, metric="segments,store")["indices"]
    return ", ".join(f"{name.split('-v')[0].split('-')[-1]} {s['primaries']['segments']['count']} segments "
                     f"{s['primaries']['store']['size_in_bytes'] / 1e6:.0f} MB" for name, s in sorted(stats.items()))


def fill_sqlite(backend: SearchBackend, corpus: Corpus, wanted: dict[str, int], seed: int) -> float:
    backend.ensure_indices(INDICES)
    started = time.perf_counter()
    for name in INDICES:
        t0 = time.perf_counter()
        report = backend.rebuild(name, GENERATORS[name](corpus, wanted[name], seed))
        if not report.ok:
            raise SystemExit(f"indexing {name} failed: {report.errors[:3]}")
        print(f"  {name}: {report.indexed:,} documents in {time.perf_counter() - t0:.1f}s", flush=True)
    return time.perf_counter() - started


# -- measuring -----------------------------------------------------------------------------------

class Recording:
    """Stands in for the backend while the service runs once, so the reference sends exactly
    the requests the service sent (the overview sends one per record type besides its own)."""

    def __init__(self, backend: SearchBackend):
        self.backend = backend
        self.catalog = backend.catalog
        self.requests: list[SearchRequest] = []

    def search(self, request: SearchRequest) -> SearchResult:
        self.requests.append(request)
        return self.backend.search(request)


def service(backend: SearchBackend | Recording) -> StatsService:
    b = cast(SearchBackend, backend)
    return StatsService(b, SearchService(b))


def captured(backend: SearchBackend, params: SearchParams) -> tuple[list[SearchRequest], int]:
    rec = Recording(backend)
    view = service(rec).dashboard(ANONYMOUS, params)
    return rec.requests, view.total


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def ms(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


@dataclass
class Row:
    dashboard: str
    variant: str
    mode: str
    total: int
    searches: int
    ours: list[float] = field(default_factory=list)
    ref: list[float] = field(default_factory=list)


class EsProbe:
    """Ours and the raw reference on Elasticsearch, with the cache switches both share."""

    def __init__(self, backend: SearchBackend, client: Elasticsearch):
        self.backend, self.client = backend, client
        self.pattern = index_pattern(backend)
        self.stats = service(backend)

    def clear(self) -> None:
        self.client.indices.clear_cache(index=self.pattern)

    def request_cache(self, on: bool) -> None:
        self.client.indices.put_settings(index=self.pattern, settings={"index.requests.cache.enable": on})

    def ours(self, params: SearchParams) -> Callable[[], Any]:
        return lambda: self.stats.dashboard(ANONYMOUS, params)

    def raw(self, requests: list[SearchRequest]) -> Callable[[], Any]:
        catalog, prefix = self.backend.catalog, self.backend.prefix
        bodies = [(",".join(catalog.get(n).read_alias(prefix) for n in r.indices), compile_search(catalog, r)) for r in requests]

        def send() -> None:
            for index, body in bodies:
                self.client.search(index=index, **body)
        return send


def measure_es(probe: EsProbe, args: argparse.Namespace) -> list[Row]:
    rows = []
    for kind in TYPES:
        for label, words, selections in VARIANTS:
            params = SearchParams(kind, words, dict(selections))
            requests, total = captured(probe.backend, params)
            ours, raw = probe.ours(params), probe.raw(requests)
            cold = Row(kind, label, "cold", total, len(requests))
            for _ in range(args.cold):
                probe.clear()
                cold.ours.append(ms(ours))
                probe.clear()
                cold.ref.append(ms(raw))
            warm = Row(kind, label, "warm", total, len(requests))
            ours(), raw()  # fills the request cache the warm pass reads
            for _ in range(args.warm):
                warm.ours.append(ms(ours))
                warm.ref.append(ms(raw))
            rows += [cold, warm]
            if args.uncached:
                probe.request_cache(False)
                try:
                    unc = Row(kind, label, "uncached", total, len(requests))
                    ours(), raw()
                    for _ in range(args.uncached):
                        unc.ours.append(ms(ours))
                        unc.ref.append(ms(raw))
                    rows.append(unc)
                finally:
                    probe.request_cache(True)
            print(f"  elasticsearch {kind:11s} {pad(label, 15)} done", flush=True)
    return rows


def measure_sqlite(params_backend: dict[str, Any], backend: SearchBackend, args: argparse.Namespace) -> list[Row]:
    """Cold: a new backend object per request (new connection, empty result cache)."""
    rows = []
    stats = service(backend)

    def fresh() -> SearchBackend:
        return indexer.get_backend("sqlite", params_backend)

    def engine(b: SearchBackend, requests: list[SearchRequest]) -> Callable[[], Any]:
        return lambda: [b.search(r) for r in requests]

    def forget(b: SearchBackend) -> None:
        b._results.clear()  # type: ignore[attr-defined]  # the result cache keyed by write generation

    for kind in TYPES:
        for label, words, selections in VARIANTS:
            params = SearchParams(kind, words, dict(selections))
            requests, total = captured(backend, params)
            cold = Row(kind, label, "cold", total, len(requests))
            for _ in range(args.cold):
                b = fresh()
                cold.ours.append(ms(lambda: service(b).dashboard(ANONYMOUS, params)))
                b.close()
                b = fresh()
                cold.ref.append(ms(engine(b, requests)))
                b.close()
            ours, ref = (lambda: stats.dashboard(ANONYMOUS, params)), engine(backend, requests)
            warm = Row(kind, label, "warm", total, len(requests))
            ours(), ref()
            for _ in range(args.warm):
                warm.ours.append(ms(ours))
                warm.ref.append(ms(ref))
            rows += [cold, warm]
            if args.uncached:
                unc = Row(kind, label, "uncached", total, len(requests))
                for _ in range(args.uncached):
                    forget(backend)
                    unc.ours.append(ms(ours))
                    forget(backend)
                    unc.ref.append(ms(ref))
                rows.append(unc)
            print(f"  sqlite        {kind:11s} {pad(label, 15)} done", flush=True)
    return rows


# -- printing ------------------------------------------------------------------------------------

def pad(text: str, width: int) -> str:
    """Left-aligned in a column of ``width`` terminal cells (a Chinese character takes two)."""
    cells = sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)
    return text + " " * max(0, width - cells)


def table(title: str, ref_label: str, rows: list[Row]) -> None:
    print(f"\n{title}")
    print(f"  ours = StatsService.dashboard; {ref_label}; ms; ratio = ours / reference")
    head = (f"  {'dashboard':11s} {'filter':15s} {'mode':8s} {'n':>3s} {'total':>9s} {'req':>3s} | "
            f"{'ours p50':>8s} {'p95':>8s} {'max':>8s} | {'ref p50':>8s} {'p95':>8s} {'max':>8s} | {'x p50':>6s} {'x p95':>6s}")
    print(head)
    print("  " + "-" * (len(head) - 2))
    for r in rows:
        o50, o95, omax = statistics.median(r.ours), pct(r.ours, 0.95), max(r.ours)
        r50, r95, rmax = statistics.median(r.ref), pct(r.ref, 0.95), max(r.ref)
        print(f"  {r.dashboard:11s} {pad(r.variant, 15)} {r.mode:8s} {len(r.ours):3d} {r.total:9d} {r.searches:3d} | "
              f"{o50:8.1f} {o95:8.1f} {omax:8.1f} | {r50:8.1f} {r95:8.1f} {rmax:8.1f} | {o50 / r50:5.2f}x {o95 / r95:5.2f}x")
    for mode in ("cold", "warm", "uncached"):
        ours = [v for r in rows if r.mode == mode for v in r.ours]
        ref = [v for r in rows if r.mode == mode for v in r.ref]
        if ours:
            print(f"  all {mode:8s} requests together: ours p50 {statistics.median(ours):.1f} p95 {pct(ours, 0.95):.1f} max {max(ours):.1f}; "
                  f"reference p50 {statistics.median(ref):.1f} p95 {pct(ref, 0.95):.1f}; ratio p95 {pct(ours, 0.95) / pct(ref, 0.95):.2f}x")


def verdict(rows: list[Row], docs: int) -> None:
    note = "" if docs >= TARGET_DOCS else f"  (the target is set for {TARGET_DOCS:,} records; this run has {docs:,})"
    print(f"\ntarget: p95 <= {TARGET_P95_MS:.0f} ms per dashboard and filter on Elasticsearch{note}")
    for mode in ("cold", "warm", "uncached"):
        mine = [r for r in rows if r.mode == mode]
        if not mine:
            continue
        over = [r for r in mine if pct(r.ours, 0.95) > TARGET_P95_MS]
        worst = max(mine, key=lambda r: pct(r.ours, 0.95))
        print(f"  {mode:8s} {'PASS' if not over else 'FAIL'}: worst p95 {pct(worst.ours, 0.95):.1f} ms ({worst.dashboard}, {worst.variant})"
              + (f"; over the target: {', '.join(f'{r.dashboard}/{r.variant} {pct(r.ours, 0.95):.0f}' for r in over)}" if over else ""))


# -- main ----------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--es-docs", type=int, default=1_000_000, help="records in Elasticsearch (0: skip)")
    parser.add_argument("--sqlite-docs", type=int, default=100_000, help="records in SQLite (0: skip)")
    parser.add_argument("--es-url", default=os.environ.get("TT_TEST_ES_URL") or "http://127.0.0.1:9250")
    parser.add_argument("--prefix", default="bench-stats-", help="index prefix (and the SQLite file's name)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--warm", type=int, default=30, help="warm requests per dashboard and filter")
    parser.add_argument("--cold", type=int, default=10, help="cold requests per dashboard and filter")
    parser.add_argument("--uncached", type=int, default=10, help="requests without cached results (0: skip)")
    parser.add_argument("--es-shards", type=int, default=1,
                        help="primary shards per index (the mapping files say 1; a search runs its shards in parallel)")
    parser.add_argument("--reuse", action="store_true", help="keep indices that already hold the wanted counts")
    parser.add_argument("--keep", action="store_true", help="leave the indices (and the SQLite file) in place")
    args = parser.parse_args()

    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start (other work on the machine shows up in the figures)")
    t0 = time.perf_counter()
    corpus = make_corpus(args.seed)
    print(f"{len(corpus.institutions)} institutions, {len(corpus.fields)} technology fields (made in {time.perf_counter() - t0:.1f}s)")
    results: list[tuple[str, str, list[Row], int]] = []

    if args.es_docs:
        started = False
        if not es_reachable(args.es_url):
            from devtools import esnode

            port = int(args.es_url.rsplit(":", 1)[-1].strip("/"))
            url, started = esnode.start(port)
            args.es_url = url
        client = Elasticsearch(args.es_url, request_timeout=300)
        backend = indexer.get_backend("elasticsearch", {"es_hosts": args.es_url, "es_number_of_replicas": 0,
                                                         "es_number_of_shards": args.es_shards,
                                                         "index_prefix": args.prefix, "es_timeout": 300})
        wanted = split(args.es_docs)
        try:
            have = index_counts(backend)
            if args.reuse and have == wanted and shard_counts(client, backend) == {args.es_shards}:
                print(f"\nElasticsearch: reusing {args.prefix}* ({', '.join(f'{k} {v:,}' for k, v in have.items())})")
            else:
                print(f"\nElasticsearch: filling {args.prefix}* with {args.es_docs:,} records ({', '.join(f'{k} {v:,}' for k, v in wanted.items())}) ...", flush=True)
                filled = fill_es(backend, client, corpus, wanted, args.seed)
                print(f"filled in {filled:.1f}s ({args.es_docs / filled:,.0f} docs/s, generating the documents included)")
            node = cast(list[dict[str, str]], client.cat.nodes(format="json", h="version,heap.max").body)[0]
            print(f"node: Elasticsearch {node['version']}, heap {node['heap.max']}; {args.es_shards} primary shard(s) per index; "
                  f"index: {segments(client, index_pattern(backend))}")
            rows = measure_es(EsProbe(backend, client), args)
            results.append((f"Elasticsearch, {args.es_docs:,} records", "reference = the same bodies (compile_search) sent with Elasticsearch.search", rows, args.es_docs))
        finally:
            if not args.keep:
                backend.drop_indices(INDICES)
            backend.close()
            client.close()
            if started:
                from devtools import esnode

                esnode.stop()

    if args.sqlite_docs:
        work = ROOT / "var" / "bench"
        work.mkdir(parents=True, exist_ok=True)
        path = work / f"{args.prefix}sqlite.sqlite3"
        params = {"sqlite_path": str(path), "index_prefix": args.prefix}
        wanted = split(args.sqlite_docs)
        backend = indexer.get_backend("sqlite", params)
        try:
            have = index_counts(backend)
            if args.reuse and have == wanted:
                print(f"\nSQLite: reusing {path.name} ({', '.join(f'{k} {v:,}' for k, v in have.items())})")
            else:
                print(f"\nSQLite: filling {path.name} with {args.sqlite_docs:,} records ({', '.join(f'{k} {v:,}' for k, v in wanted.items())}) ...", flush=True)
                filled = fill_sqlite(backend, corpus, wanted, args.seed)
                print(f"filled in {filled:.1f}s ({args.sqlite_docs / filled:,.0f} docs/s, generating the documents included); "
                      f"file {path.stat().st_size / 1e6:.0f} MB")
            rows = measure_sqlite(params, backend, args)
            results.append((f"SQLite FTS5, {args.sqlite_docs:,} records", "reference = backend.search on the same SearchRequests", rows, args.sqlite_docs))
        finally:
            backend.close()
            if not args.keep:
                for suffix in ("", "-wal", "-shm"):
                    Path(str(path) + suffix).unlink(missing_ok=True)

    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")
    for title, ref_label, rows, _ in results:
        table(title, ref_label, rows)
    for title, _, rows, docs in results:
        if title.startswith("Elasticsearch"):
            verdict(rows, docs)


if __name__ == "__main__":
    main()
