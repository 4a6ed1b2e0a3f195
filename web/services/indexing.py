"""Rows -> index. Loads records, dumps them with ``documents``, writes them through the search
seam with their revision as the version, and rebuilds whole indices from the store."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from indexer import BulkReport, IndexDoc, SearchBackend

from ..models import BY_INDEX, BY_PREFIX, Achievement, AchievementInstitution, Institution, Instrument, Patent, PatentApplicant
from .documents import to_index_doc
from .selection import selected_years

INDEX_ORDER = ("institutions", "achievements", "patents", "instruments", "needs")
BATCH = 500


@dataclass
class IndexCheck:
    index: str
    in_store: int
    in_index: int
    missing: list[str] = field(default_factory=list)  # in the store, not in the index
    stale: list[str] = field(default_factory=list)  # indexed at an older revision
    orphans: list[str] = field(default_factory=list)  # in the index, not in the store

    @property
    def ok(self) -> bool:
        return not (self.missing or self.stale or self.orphans)


class RecordIndexer:
    def __init__(self, backend: SearchBackend, session: Session):
        self.backend = backend
        self.session = session

    # -- institution record counts (shown on institution pages and used for ranking) --------
    def institution_counts(self, ids: Iterable[int] | None = None) -> dict[int, dict[str, int]]:
        ids = list(ids) if ids is not None else None
        counts: dict[int, dict[str, int]] = defaultdict(dict)
        queries = {
            "achievements": select(AchievementInstitution.institution_id, func.count(func.distinct(Achievement.id)))
            .join(Achievement, Achievement.id == AchievementInstitution.achievement_id)
            .where(Achievement.status == "published")
            .group_by(AchievementInstitution.institution_id),
            "patents": select(PatentApplicant.institution_id, func.count(func.distinct(Patent.id)))
            .join(Patent, Patent.id == PatentApplicant.patent_id)
            .where(Patent.status == "published", PatentApplicant.institution_id.is_not(None))
            .group_by(PatentApplicant.institution_id),
            "instruments": select(Instrument.institution_id, func.count(Instrument.id))
            .where(Instrument.status == "published", Instrument.institution_id.is_not(None))
            .group_by(Instrument.institution_id),
        }
        for name, query in queries.items():
            if ids is not None:
                column = query.selected_columns[0]
                query = query.where(column.in_(ids))
            for inst_id, n in self.session.execute(query):
                counts[inst_id][name] = n
        return counts

    def documents(self, records: Iterable[Any]) -> Iterator[tuple[str, IndexDoc]]:
        records = list({(type(r), r.id): r for r in records}.values())
        inst_ids = [r.id for r in records if isinstance(r, Institution)]
        counts = self.institution_counts(inst_ids) if inst_ids else {}
        selected = selected_years(self.session, [r.id for r in records if isinstance(r, Achievement)])
        for rec in records:
            if isinstance(rec, Institution):
                yield rec.INDEX, to_index_doc(rec, counts=counts.get(rec.id, {}))
            elif isinstance(rec, Achievement):
                yield rec.INDEX, to_index_doc(rec, selected=selected.get(rec.id))
            else:
                yield rec.INDEX, to_index_doc(rec)

    def index_records(self, records: Iterable[Any]) -> BulkReport:
        """Index published records; any other (a withdrawn one) leaves the index: only what the
        public may see is in it."""
        records = list(records)
        hidden = [r for r in records if r.status != "published"]
        by_index: dict[str, list[IndexDoc]] = defaultdict(list)
        for index, doc in self.documents(r for r in records if r.status == "published"):
            by_index[index].append(doc)
        report = BulkReport()
        gone: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for rec in hidden:
            gone[rec.INDEX].append((rec.public_id, rec.revision_id))
        for index, ids in gone.items():
            report.merge(self.backend.delete_documents(index, ids))
        for index in INDEX_ORDER:
            if by_index.get(index):
                report.merge(self.backend.index_documents(index, by_index[index]))
        return report

    def index_ids(self, public_ids: Iterable[str]) -> BulkReport:
        """Re-read the records and index them; ids whose rows are gone are deleted from the
        index. Safe to run twice or late: versions keep the newest revision."""
        wanted: dict[type, set[int]] = defaultdict(set)
        for pid in public_ids:
            prefix = pid.split("-", 1)[0]
            cls = BY_PREFIX.get(prefix)
            number = cls.parse_public_id(pid) if cls else None
            if number is not None:
                wanted[cls].add(number)
        report = BulkReport()
        for cls, numbers in wanted.items():
            rows = self.session.scalars(select(cls).where(cls.id.in_(numbers))).all()
            report.merge(self.index_records(rows))
            gone = numbers - {r.id for r in rows}
            if gone:
                report.merge(self.backend.delete_documents(cls.INDEX, [f"{cls.PREFIX}-{n}" for n in gone]))
        return report

    def delete(self, index: str, ids: list[str | tuple[str, int]]) -> BulkReport:
        return self.backend.delete_documents(index, ids)

    def _stream(self, index: str) -> Iterator[IndexDoc]:
        cls = BY_INDEX[index]
        counts = self.institution_counts() if cls is Institution else {}
        last = 0
        while True:
            rows = self.session.scalars(select(cls).where(cls.id > last, cls.status == "published").order_by(cls.id).limit(BATCH)).all()
            if not rows:
                return
            selected = selected_years(self.session, [r.id for r in rows]) if cls is Achievement else {}
            for rec in rows:
                if cls is Institution:
                    yield to_index_doc(rec, counts=counts.get(rec.id, {}))
                elif cls is Achievement:
                    yield to_index_doc(rec, selected=selected.get(rec.id))
                else:
                    yield to_index_doc(rec)
            last = rows[-1].id
            self.session.expunge_all()  # keep memory flat on millions of rows

    def rebuild(self, indices: Iterable[str] | None = None) -> dict[str, BulkReport]:
        """Fill fresh copies from the store and swap them in, index by index."""
        self.backend.ensure_indices()
        return {index: self.backend.rebuild(index, self._stream(index)) for index in (indices or INDEX_ORDER)}

    def check(self, indices: Iterable[str] | None = None) -> list[IndexCheck]:
        """Compare the store with the index: what is missing, stale or orphaned."""
        out = []
        for index in indices or INDEX_ORDER:
            cls = BY_INDEX[index]
            self.backend.refresh(index)  # compare against every acknowledged write
            store = {f"{cls.PREFIX}-{i}": rev for i, rev in self.session.execute(select(cls.id, cls.revision_id).where(cls.status == "published"))}
            indexed = dict(self.backend.iter_versions(index))
            check = IndexCheck(index, len(store), len(indexed))
            for pid, rev in store.items():
                if pid not in indexed:
                    check.missing.append(pid)
                elif indexed[pid] < rev:
                    check.stale.append(pid)
            check.orphans = [pid for pid in indexed if pid not in store]
            out.append(check)
        return out
