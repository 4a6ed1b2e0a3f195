"""Elasticsearch 8 engine: versioned indices behind aliases, bulk writes, atomic rebuilds."""
from __future__ import annotations

import copy
import logging
import re
import time
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timezone
from typing import Any

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError
from elasticsearch import helpers as es_helpers

from ..base import SearchBackend, decode_cursor, encode_cursor
from ..catalog import IndexSpec
from ..errors import BackendUnavailable, IndexMissing, QueryError, SearchError
from ..query import SearchRequest, SimilarRequest, SuggestRequest, has_text
from ..results import BulkReport, FacetBucket, Health, Hit, IndexDoc, SearchResult, Suggestion
from ..validate import check_search
from .. import derived
from . import bulk, compiler

log = logging.getLogger(__name__)

MATCH_CHUNK = 200  # stored requests per search when matching a document (each is a few dozen Lucene clauses)


def _as_list(value: Any) -> list[str]:
    if value is None:
        return ["http://127.0.0.1:9200"]
    if isinstance(value, str):
        value = value.strip()
        if value.startswith("["):
            import json

            return list(json.loads(value))
        return [h.strip() for h in value.split(",") if h.strip()]
    return list(value)


def _sums(agg: Mapping[str, Any], fields: tuple[str, ...]) -> dict[str, float]:
    return {f: float((agg.get(f"{compiler.SUM_PREFIX}{f}") or {}).get("value") or 0.0) for f in fields}


def _ordered(buckets: list[FacetBucket], order: str) -> list[FacetBucket]:
    if order == "count":
        return sorted(buckets, key=lambda b: (-b.count, b.key))
    return sorted(buckets, key=lambda b: b.key, reverse=order == "key_desc")


class ElasticsearchBackend(SearchBackend):
    """Params: ``es_hosts`` (list or comma-separated URLs), ``es_api_key`` or
    ``es_username``/``es_password``, ``es_ca_certs``, ``es_timeout`` (seconds),
    ``es_number_of_replicas`` and ``es_number_of_shards`` (override the mapping files; shards apply
    to indices created or rebuilt from then on), ``index_prefix``."""

    name = "elasticsearch"

    def __init__(self, params: Mapping[str, Any] | None = None, client: Elasticsearch | None = None):
        super().__init__(params)
        p = self.params
        if client is None:
            kwargs: dict[str, Any] = {
                "request_timeout": float(p.get("es_timeout", 30)),
                "retry_on_timeout": True,
                "max_retries": int(p.get("es_max_retries", 2)),
            }
            if p.get("es_api_key"):
                kwargs["api_key"] = p["es_api_key"]
            elif p.get("es_username"):
                kwargs["basic_auth"] = (p["es_username"], p.get("es_password") or "")
            if p.get("es_ca_certs"):
                kwargs["ca_certs"] = p["es_ca_certs"]
            client = Elasticsearch(_as_list(p.get("es_hosts")), **kwargs)
        self.client = client
        replicas = p.get("es_number_of_replicas")
        self.replicas: int | None = int(replicas) if replicas not in (None, "") else None
        shards = p.get("es_number_of_shards")
        self.shards: int | None = int(shards) if shards not in (None, "") else None
        self._physical = re.compile(rf"^{re.escape(self.prefix)}(?P<name>[a-z][a-z0-9_]*)-v\d+(-.*)?$")

    # -- helpers --------------------------------------------------------------------------
    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except NotFoundError as exc:
            if getattr(exc, "error", "") == "index_not_found_exception" or "index_not_found" in str(exc):
                raise IndexMissing(str(exc)) from exc
            raise
        except ApiError as exc:
            if exc.meta.status == 400:
                raise QueryError(f"search engine refused the request: {exc.message}", code="engine_rejected") from exc
            if exc.meta.status in (429, 502, 503, 504):
                raise BackendUnavailable(str(exc)) from exc
            raise SearchError(str(exc)) from exc
        except TransportError as exc:  # connection refused, timeouts
            raise BackendUnavailable(f"Elasticsearch unreachable: {exc}") from exc

    def _spec(self, name: str) -> IndexSpec:
        return self.catalog.get(name)

    def _logical(self, physical: str) -> str:
        m = self._physical.match(physical)
        return m.group("name") if m else physical

    def _body(self, spec: IndexSpec, *, for_rebuild: bool = False) -> dict[str, Any]:
        body = copy.deepcopy(spec.body)
        settings = body.setdefault("settings", {})
        if self.replicas is not None:
            settings["number_of_replicas"] = self.replicas
        if self.shards is not None:
            settings["number_of_shards"] = self.shards
        if for_rebuild:
            settings["number_of_replicas"] = 0
            settings["refresh_interval"] = "-1"
        return body

    def _stamp(self) -> str:
        return datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S%f")

    def _concrete(self, alias: str) -> list[str]:
        try:
            return sorted(self.client.indices.get_alias(name=alias).keys())
        except NotFoundError:
            return []

    # -- lifecycle ------------------------------------------------------------------------
    def ensure_indices(self, names: Iterable[str] | None = None) -> list[str]:
        created = []
        for name in names or self.catalog.names():
            spec = self._spec(name)
            write_alias = spec.write_alias(self.prefix)
            if self._call(self.client.indices.exists_alias, name=write_alias):
                # fields added to the same mapping version reach live indices here (additive only:
                # Elasticsearch refuses a changed type, which needs a new version and a rebuild)
                self._call(self.client.indices.put_mapping, index=write_alias, **self._body(spec)["mappings"])
                continue
            physical = spec.physical_name(self.prefix, self._stamp())
            body = self._body(spec)
            body["aliases"] = {write_alias: {"is_write_index": True}}
            older = self._concrete(spec.read_alias(self.prefix))
            if older:
                # an older mapping version serves (the analysis changed): searches stay on it
                # until a rebuild fills the new version from the store and moves the read alias
                log.warning("index %s serves %s, made with an older mapping; run `flask --app web index rebuild` "
                            "to move it to version %s", spec.read_alias(self.prefix), ", ".join(older), spec.version)
            else:
                body["aliases"][spec.read_alias(self.prefix)] = {}
            self._call(self.client.indices.create, index=physical, **body)
            created.append(name)
        if created:
            self._call(
                self.client.cluster.health,
                index=",".join(self._spec(n).read_alias(self.prefix) for n in created),
                wait_for_status="yellow",
                timeout="30s",
            )
        return created

    def drop_indices(self, names: Iterable[str] | None = None) -> None:
        for name in names or self.catalog.names():
            spec = self._spec(name)
            pattern = f"{self.prefix}{spec.name}-v*"
            found = self._call(self.client.indices.get, index=pattern, ignore_unavailable=True, allow_no_indices=True)
            for physical in found:
                self._call(self.client.indices.delete, index=physical, ignore_unavailable=True)

    def refresh(self, index: str | None = None) -> None:
        targets = [index] if index else self.catalog.names()
        aliases = ",".join(self._spec(n).read_alias(self.prefix) for n in targets)
        self._call(self.client.indices.refresh, index=aliases, ignore_unavailable=True, allow_no_indices=True)

    def rebuild(self, index: str, documents: Iterable[IndexDoc]) -> BulkReport:
        spec = self._spec(index)
        read_alias, write_alias = spec.read_alias(self.prefix), spec.write_alias(self.prefix)
        holding = {a: set(self._concrete(a)) for a in (read_alias, write_alias)}  # an older version's index holds only the read alias
        old = sorted(holding[read_alias] | holding[write_alias])
        physical = spec.physical_name(self.prefix, self._stamp())
        self._call(self.client.indices.create, index=physical, **self._body(spec, for_rebuild=True))
        try:
            report = bulk.write(self.client, physical, self._derived(spec, documents))
            broken = next((e for e in report.errors if e.id == "*"), None)
            if broken is not None:  # the engine stopped answering part-way: the new copy lacks the rest
                raise BackendUnavailable(f"rebuild of {index} stopped part-way, the live index is kept: {broken.reason}")
            if report.errors and report.indexed == 0:
                raise SearchError(f"rebuild of {index} indexed nothing: {report.errors[0].reason}")
            final = self._body(spec)["settings"]
            self._call(
                self.client.indices.put_settings,
                index=physical,
                settings={"number_of_replicas": final.get("number_of_replicas", 1), "refresh_interval": final.get("refresh_interval", "1s")},
            )
            self._call(self.client.indices.refresh, index=physical)
            actions: list[dict[str, Any]] = [{"remove": {"index": o, "alias": a}} for a, held in holding.items() for o in sorted(held)]
            actions += [
                {"add": {"index": physical, "alias": read_alias}},
                {"add": {"index": physical, "alias": write_alias, "is_write_index": True}},
            ]
            # one update_aliases call: readers see the old index or the new one, never neither
            self._call(self.client.indices.update_aliases, actions=actions)
        except BaseException:
            self.client.indices.delete(index=physical, ignore_unavailable=True)
            raise
        for o in old:
            self._call(self.client.indices.delete, index=o, ignore_unavailable=True)
        return report

    def health(self) -> Health:
        try:
            h = self.client.cluster.health()
            nodes = self.client.nodes.info(filter_path="nodes.*.version")
            versions = sorted({n["version"] for n in nodes.get("nodes", {}).values()})
            return Health(h["status"] in ("green", "yellow"), self.name, ",".join(versions), {"status": h["status"], "nodes": h["number_of_nodes"]})
        except (TransportError, ApiError) as exc:
            return Health(False, self.name, None, {"error": str(exc)})

    def close(self) -> None:
        self.client.close()

    # -- writes ---------------------------------------------------------------------------
    def index_documents(self, index: str, documents: Iterable[IndexDoc]) -> BulkReport:
        spec = self._spec(index)
        return bulk.write(self.client, spec.write_alias(self.prefix), self._derived(spec, documents))

    @staticmethod
    def _derived(spec: IndexSpec, documents: Iterable[IndexDoc]) -> Iterator[IndexDoc]:
        """Each document with the fields derived from it (pinyin), which the mapping indexes and
        leaves out of ``_source``."""
        for d in documents:
            yield IndexDoc(d.id, d.version, dict(derived.derive(spec, d.source)))

    def delete_documents(self, index: str, ids: Iterable[str | tuple[str, int]]) -> BulkReport:
        return bulk.delete(self.client, self._spec(index).write_alias(self.prefix), ids)

    # -- reads ----------------------------------------------------------------------------
    def _aliases(self, indices: tuple[str, ...]) -> str:
        return ",".join(self._spec(n).read_alias(self.prefix) for n in indices)

    def search(self, req: SearchRequest) -> SearchResult:
        check_search(self.catalog, req)
        sort_len = len(compiler.compile_sort(req.sort, has_text(req.query)))
        after = decode_cursor(self.name, req.after, sort_len) if req.after else None
        body = compiler.compile_search(self.catalog, req, after)
        started = time.perf_counter()
        resp = self._call(self.client.search, index=self._aliases(req.indices), **body)
        took = (time.perf_counter() - started) * 1000
        return self._result(req, resp, took)

    def match_document(self, index: str, id: str, requests: Mapping[str, SearchRequest]) -> set[str]:
        """Every stored request at once: named clauses in searches of ``MATCH_CHUNK`` clauses
        each (Lucene's clause limit), all sent in one ``_msearch``."""
        if not requests:
            return set()
        for req in requests.values():
            check_search(self.catalog, req)
        names = list(requests)
        alias = self._spec(index).read_alias(self.prefix)
        searches: list[dict[str, Any]] = []
        for i in range(0, len(names), MATCH_CHUNK):
            chunk = {n: requests[n] for n in names[i : i + MATCH_CHUNK]}
            searches += [{"index": alias}, compiler.compile_matching(self.catalog, id, chunk)]
        resp = self._call(self.client.msearch, searches=searches)
        matched: set[str] = set()
        for item in resp["responses"]:
            if "error" in item:
                raise SearchError(f"matching failed: {item['error']}")
            for hit in item["hits"]["hits"]:
                names_hit = hit.get("matched_queries") or []
                matched.update(names_hit if isinstance(names_hit, list) else list(names_hit))
        return matched

    def _result(self, req: SearchRequest, resp: Mapping[str, Any], took: float) -> SearchResult:
        hl = req.highlight
        hits = []
        for h in resp["hits"]["hits"]:
            highlights = {}
            if hl is not None:
                merge = hl.post + hl.pre
                highlights = {f: [frag.replace(merge, "") for frag in frags] for f, frags in h.get("highlight", {}).items()}
            hits.append(Hit(self._logical(h["_index"]), h["_id"], h.get("_score"), h.get("_source", {}), highlights))
        facets = {}
        aggs = resp.get("aggregations", {})
        for facet in req.facets:
            agg = aggs.get(facet.key, {})
            agg = agg.get("buckets", agg) if "buckets" in agg and isinstance(agg["buckets"], dict) else agg
            info = self.catalog.resolve_field(req.indices, facet.field)
            buckets = []
            for b in agg.get("buckets", []):
                key = b["key"]
                if facet.kind == "year":
                    key = int(b["key_as_string"])
                elif info.type == "boolean":
                    key = b.get("key_as_string", str(key)) == "true"
                elif info.type == "date" and "key_as_string" in b:
                    key = b["key_as_string"]
                buckets.append(FacetBucket(key, b["doc_count"], _sums(b, facet.sums)))
            if facet.kind == "year":
                buckets = _ordered(buckets, facet.order)[: facet.size]
            facets[facet.key] = buckets
        next_cursor = None
        raw = resp["hits"]["hits"]
        if raw and len(raw) == req.page.size and "sort" in raw[-1]:
            next_cursor = encode_cursor(self.name, raw[-1]["sort"])
        totals = _sums(aggs.get(compiler.TOTALS_AGG, {}), req.sums)
        return SearchResult(resp["hits"]["total"]["value"], hits, facets, next_cursor, took, totals)

    def suggest(self, req: SuggestRequest) -> list[Suggestion]:
        text = req.text.strip()
        if not text:
            return []
        for name in req.indices:
            self._spec(name)
        specs = [self._spec(n) for n in req.indices]
        field = specs[0].completion_field.path if specs[0].completion_field else "suggest"
        py = next((c for c in (derived.pinyin_fields(s) for s in specs) if c and c.suggest), None)
        body = compiler.compile_suggest(SuggestRequest(text[:100], req.indices, req.size), field, py.suggest if py else None)
        resp = self._call(self.client.search, index=self._aliases(req.indices), **body)
        best: dict[str, Suggestion] = {}
        for name, entries in resp.get("suggest", {}).items():
            for opt in (o for e in entries for o in e.get("options", [])):
                shown = (opt["text"], int(opt.get("_score", 0)))
                if name == compiler.PINYIN_SUGGESTER:  # a pinyin key: show the input it was made from
                    shown = derived.shown_for(opt["text"], opt.get("_source") or {}, field) or shown
                s = Suggestion(shown[0], self._logical(opt["_index"]), opt["_id"], shown[1])
                if s.text not in best or s.weight > best[s.text].weight:
                    best[s.text] = s
        return sorted(best.values(), key=lambda s: (-s.weight, s.text))[: req.size]

    def similar(self, req: SimilarRequest) -> SearchResult:
        spec = self._spec(req.index)
        indices = req.indices or (req.index,)
        body = compiler.compile_similar(self.catalog, req, spec.read_alias(self.prefix))
        started = time.perf_counter()
        try:
            resp = self._call(self.client.search, index=self._aliases(indices), **body)
        except QueryError:
            return SearchResult(0, [])
        took = (time.perf_counter() - started) * 1000
        hits = [Hit(self._logical(h["_index"]), h["_id"], h.get("_score"), h.get("_source", {})) for h in resp["hits"]["hits"]]
        return SearchResult(resp["hits"]["total"]["value"], hits, {}, None, took)

    def get_document(self, index: str, id: str) -> dict[str, Any] | None:
        try:
            resp = self._call(self.client.get, index=self._spec(index).read_alias(self.prefix), id=id)
        except NotFoundError:
            return None
        return resp["_source"]

    def count(self, index: str) -> int:
        return int(self._call(self.client.count, index=self._spec(index).read_alias(self.prefix))["count"])

    def iter_versions(self, index: str) -> Iterator[tuple[str, int]]:
        alias = self._spec(index).read_alias(self.prefix)
        try:
            for hit in es_helpers.scan(self.client, index=alias, query={"query": {"match_all": {}}}, _source=False, version=True, size=2000):
                yield hit["_id"], int(hit.get("_version", 0))
        except TransportError as exc:
            raise BackendUnavailable(str(exc)) from exc
