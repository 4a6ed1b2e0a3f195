"""New records against saved searches: which subscriptions announce a record, and why.

The approach is Lucene monitor's (``indexer.monitor``): each subscription is stored with the
index keys of its most selective condition (``SubscriptionKey``); a new record's keys select the
candidate subscriptions with one indexed lookup in the store; the candidates whose every
condition the record meets are confirmed by the engine, which runs each one's search (the
search page's own request: words, analyzer, filters, exclusions) restricted to the record.

A record is announced to a subscription at most once (``AlertMatch`` is unique per pair), and
a record whose searchable content has not changed since it was last matched is not matched
again (``AlertRecordState``): re-publishing it announces nothing."""
from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from indexer import Highlight, Page, QueryError, SearchBackend, SearchError, SearchRequest, Term, Text, monitor

from .. import disclosure
from ..models import BY_INDEX, AlertMatch, AlertRecordState, Subscription, SubscriptionKey, User
from .identity import anonymous_identity
from .search import SearchParams, SearchService

log = logging.getLogger(__name__)

KEYS_VERSION = 1  # bump when the reduction changes: `flask alerts rekey` recomputes every subscription
MATCHED_INDICES = ("achievements", "patents", "instruments")
# fields that change without the record changing for a reader (times, ranking, presentation)
VOLATILE_FIELDS = frozenset({"updated_at", "published_at", "suggest", "display", "quality_score", "status", "selected_years"})
FREQUENCY_TTL = 3600.0
_MARK = re.compile(r"<mark>(.*?)</mark>", re.S)


def search_params(sub: Subscription) -> SearchParams:
    return SearchParams(record_type=sub.record_type, q=sub.q or "", selections={k: list(v) for k, v in (sub.selections or {}).items() if v},
                        match=sub.match or "all", highlight=False)


def fingerprint(doc: dict[str, Any]) -> str:
    """What a reader could search the record by; a change elsewhere is not significant."""
    kept = {k: v for k, v in doc.items() if k not in VOLATILE_FIELDS}
    return hashlib.sha256(json.dumps(kept, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")).hexdigest()


class SubscriptionKeys:
    """A subscription's search reduced to index keys, the anchor chosen by how many published
    records hold each key (counted by the engine, remembered for an hour)."""

    def __init__(self, backend: SearchBackend, search: SearchService, ttl: float = FREQUENCY_TTL):
        self.backend = backend
        self.search = search
        self.ttl = ttl
        self._counts: dict[tuple[tuple[str, ...], str], tuple[float, int]] = {}

    def request(self, sub: Subscription) -> SearchRequest:
        request, _ = self.search.build_request(anonymous_identity, search_params(sub))
        return request

    def frequency(self, indices: tuple[str, ...], key: str) -> float:
        cached = self._counts.get((indices, key))
        if cached and time.monotonic() - cached[0] < self.ttl:
            return cached[1]
        probe = self._probe(indices, key)
        try:
            n = self.backend.search(probe).total if probe is not None else 0
        except SearchError:
            n = 0
        self._counts[(indices, key)] = (time.monotonic(), n)
        return n

    def _probe(self, indices: tuple[str, ...], key: str) -> SearchRequest | None:
        published = Term("status", "published")
        if key.startswith("t:"):
            return SearchRequest(indices=indices, query=Text(f'"{key[2:]}"'), filters=(published,), page=Page(1, 0))
        if key.startswith("f:"):
            path, _, raw = key[2:].partition("=")
            try:
                info = self.backend.catalog.resolve_field(indices, path)
            except QueryError:
                return None
            value: Any = raw
            if info.type == "boolean":
                value = raw == "true"
            elif info.type in ("integer", "long", "short", "byte"):
                value = int(raw) if raw.lstrip("-").isdigit() else raw
            return SearchRequest(indices=indices, filters=(published, Term(path, value)), page=Page(1, 0))
        return None

    def compute(self, request: SearchRequest) -> tuple[list[list[str]], list[str]]:
        """(every condition, the anchor's keys)."""
        conditions = monitor.required_keys(self.backend.catalog, request)
        anchor = monitor.anchor(conditions, lambda key: self.frequency(request.indices, key))
        return [sorted(c) for c in conditions], sorted(anchor)

    def apply(self, session: Session, sub: Subscription) -> None:
        """Store the reduction of ``sub``'s current search (its keys replace the old ones)."""
        required, anchor = self.compute(self.request(sub))
        sub.required = required
        sub.keys_version = KEYS_VERSION
        if sub.id is not None:
            session.query(SubscriptionKey).filter(SubscriptionKey.subscription_id == sub.id).delete(synchronize_session=False)
        else:
            session.flush()
        session.add_all(SubscriptionKey(subscription_id=sub.id, key=k) for k in anchor)


@dataclass
class Candidate:
    """A subscription selected by its keys: just what the next step needs (thousands of them
    may be selected for one record, so no full rows are loaded until one survives)."""

    id: int
    required: list[list[str]]
    sub: Subscription | None = None


@dataclass
class MatchReport:
    records: int = 0  # records looked at
    unchanged: int = 0  # re-published without a significant change: nothing announced
    candidates: int = 0  # subscriptions selected by their keys
    confirmed: int = 0  # ... that the engine confirmed
    announced: int = 0  # new matches (never announced before)
    deliveries: list[int] = field(default_factory=list)


class AlertMatcher:
    def __init__(self, session: Session, backend: SearchBackend, search: SearchService, keys: SubscriptionKeys,
                 deliveries: Callable[[], Any] | None = None):
        self.session = session
        self.backend = backend
        self.search = search
        self.keys = keys
        self.deliveries = deliveries  # () -> the delivery service (queue_immediate, dispatch)

    # -- the matching itself (no writes) ---------------------------------------------------------
    def candidates(self, index: str, record_id: str, keys: set[str]) -> list[Candidate]:
        record_type = BY_INDEX[index].RECORD_TYPE
        keyed = select(SubscriptionKey.subscription_id).where(SubscriptionKey.key.in_(sorted(keys)))
        announced = select(AlertMatch.subscription_id).where(AlertMatch.record_id == record_id)
        rows = self.session.execute(
            select(Subscription.id, Subscription.required).join(User, User.id == Subscription.user_id).where(
                Subscription.id.in_(keyed), Subscription.paused.is_(False), User.active.is_(True),
                Subscription.record_type.in_(("all", record_type)), Subscription.id.not_in(announced),
            )
        ).all()
        return [Candidate(sid, required or []) for sid, required in rows]

    def confirm(self, index: str, record_id: str, keys: set[str], candidates: Iterable[Candidate]) -> list[tuple[Candidate, SearchRequest]]:
        """The candidates whose search finds the record (all conditions met, then the engine)."""
        requests: dict[str, tuple[Candidate, SearchRequest]] = {}
        survivors = [c for c in candidates if monitor.satisfies(c.required, keys)]
        missing = [c.id for c in survivors if c.sub is None]
        if missing:
            loaded = {s.id: s for s in self.session.scalars(select(Subscription).where(Subscription.id.in_(missing)))}
            for c in survivors:
                c.sub = c.sub or loaded.get(c.id)
        for c in survivors:
            if c.sub is None:
                continue
            try:
                requests[str(c.id)] = (c, self.keys.request(c.sub))
            except QueryError:  # a filter the search no longer knows (options changed): never matches
                log.warning("subscription %s has a search that no longer runs", c.id)
        if not requests:
            return []
        matched = self.backend.match_document(index, record_id, {n: r for n, (_, r) in requests.items()})
        return [requests[n] for n in requests if n in matched]

    def why(self, index: str, record_id: str, sub: Subscription, request: SearchRequest) -> dict[str, Any]:
        """The words of the record the search highlights, and the filters it applied."""
        out: dict[str, Any] = {"words": [], "snippets": {}, "filters": {k: list(v) for k, v in (sub.selections or {}).items() if v}}
        if not sub.q.strip():
            return out
        probe = replace(request, indices=(index,), filters=(*request.filters, Term("id", record_id)), facets=(), sort=(),
                        page=Page(1, 1), after=None, highlight=Highlight(fragment_size=160))
        try:
            result = self.backend.search(probe)
        except SearchError:
            return out
        if result.hits:
            hit = result.hits[0]
            _, highlights = disclosure.public_hit(hit.index, hit.source, hit.highlights)
            out["snippets"] = {name: frags[0] for name, frags in highlights.items() if frags}
            words = [w for frags in highlights.values() for f in frags for w in _MARK.findall(f)]
            out["words"] = list(dict.fromkeys(words))
        return out

    def matches_for(self, index: str, doc: dict[str, Any]) -> tuple[list[tuple[Candidate, SearchRequest]], int]:
        """(confirmed candidates, number of candidates) for one indexed document."""
        keys = monitor.document_keys(self.backend.catalog, index, doc)
        candidates = self.candidates(index, doc["id"], keys)
        return self.confirm(index, doc["id"], keys, candidates), len(candidates)

    # -- the task's work ---------------------------------------------------------------------------
    def match_records(self, public_ids: Iterable[str]) -> MatchReport:
        report = MatchReport()
        by_index: dict[str, list[str]] = {}
        for pid in dict.fromkeys(public_ids):
            cls = next((c for c in BY_INDEX.values() if pid.startswith(f"{c.PREFIX}-")), None)
            if cls is not None and cls.INDEX in MATCHED_INDICES:
                by_index.setdefault(cls.INDEX, []).append(pid)
        for index, ids in by_index.items():
            self.backend.refresh(index)  # confirmation searches must see the new revision
            for pid in ids:
                self._match_one(index, pid, report)
        return report

    def _match_one(self, index: str, pid: str, report: MatchReport) -> None:
        doc = self.backend.get_document(index, pid)
        if not doc or doc.get("status") != "published":
            return
        report.records += 1
        fp = fingerprint(doc)
        state = self.session.get(AlertRecordState, pid)
        if state is not None and state.fingerprint == fp:
            report.unchanged += 1
            return
        confirmed, n_candidates = self.matches_for(index, doc)
        report.candidates += n_candidates
        report.confirmed += len(confirmed)
        created: list[AlertMatch] = []
        for cand, request in confirmed:
            sub = cand.sub
            assert sub is not None
            match = AlertMatch(subscription_id=sub.id, user_id=sub.user_id, record_id=pid, record_type=BY_INDEX[index].RECORD_TYPE,
                               title=str(doc.get("title") or "")[:500], title_en=(str(doc["title_en"])[:500] if doc.get("title_en") else None),
                               why=self.why(index, pid, sub, request))
            try:
                with self.session.begin_nested():
                    self.session.add(match)
                created.append(match)
            except IntegrityError:  # another worker announced it first
                continue
        self._remember(pid, fp, state)
        immediate = [m for m in created if m.subscription.frequency == "immediate"]
        deliveries = self.deliveries() if self.deliveries is not None else None
        delivery_ids = deliveries.queue_immediate(immediate) if (immediate and deliveries is not None) else []
        self.session.commit()
        report.announced += len(created)
        report.deliveries += delivery_ids
        if delivery_ids and deliveries is not None:
            deliveries.dispatch(delivery_ids)

    def _remember(self, pid: str, fp: str, state: AlertRecordState | None) -> None:
        if state is not None:
            state.fingerprint = fp
            return
        try:
            with self.session.begin_nested():
                self.session.add(AlertRecordState(record_id=pid, fingerprint=fp))
        except IntegrityError:
            existing = self.session.get(AlertRecordState, pid)
            if existing is not None:
                existing.fingerprint = fp
