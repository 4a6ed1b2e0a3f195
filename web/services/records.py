"""Create, read, update and delete records of every type, with validation and indexing.

Each record type is a RecordService configured with its model, schema and two functions: one
that writes validated data onto a row, one that finds the existing row for the same real-world
thing (its natural key), which makes imports idempotent."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import normalize
from ..models import (Achievement, AchievementInstitution, Institution, Instrument, InstrumentBooking, LicenceApplication, Need,
                      Patent, PatentApplicant, SelectionCandidate, SelectionRound)
from ..models.common import utcnow
from ..schemas import SCHEMAS
from .identity import Identity
from .institution_redirects import find_institution, follow_natural_keys, merged_names, redirected
from .uow import DeleteFromIndexOp, IndexOp, UnitOfWork, VersionOp


class RecordNotFound(LookupError):
    pass


class PermissionDenied(PermissionError):
    pass


class RecordInUse(Exception):
    """The record is referenced by others (an institution that still holds records)."""


class StaleRevision(Exception):
    """An edit started from an older revision than the record's: refused, never merged silently.
    ``current`` is the record as it is now, for the caller to compare."""

    def __init__(self, expected: int, current: Any):
        super().__init__(f"expected revision {expected}, the record is at {current.revision_id}")
        self.expected, self.current = expected, current


class PreviewResolver:
    """An InstitutionResolver for previews: finds existing institutions, and for unknown names
    makes institutions that are never added to the session."""

    def __init__(self, session: Session):
        self.session = session
        self._cache: dict[str, Institution] = {}

    def get(self, name: str, **defaults: Any) -> Institution:
        official = normalize.institution_name(name)
        key = normalize.institution_key(official)
        if key not in self._cache:
            with self.session.no_autoflush:
                found = self.session.scalar(select(Institution).where(Institution.name_key == key))
            self._cache[key] = found or Institution(name=official, name_key=key, status="published")
        return self._cache[key]

    looks_like_organisation = staticmethod(lambda name: InstitutionResolver.looks_like_organisation(name))


class InstitutionResolver:
    """Names -> Institution rows, creating unknown ones; one row per normalised name. The name of
    an institution merged into another finds that other one (``institution_redirects``)."""

    def __init__(self, session: Session):
        self.session = session
        self._cache: dict[str, Institution] = {}
        self._absent: set[str] = set()  # keys looked up (``prefetch``) and found nowhere
        self._names: dict[str, tuple[str, str]] = {}  # name as given -> (official name, key)

    def _name(self, name: str) -> tuple[str, str]:
        named = self._names.get(name)
        if named is None:
            official = normalize.institution_name(name)
            named = self._names[name] = (official, normalize.institution_key(official))
        return named

    def prefetch(self, names: Iterable[str]) -> None:
        """Look many names up at once (an import batch's holders): one query per 500 keys and
        one for the merged names among the rest, instead of one or two queries per name."""
        keys = sorted({self._name(n)[1] for n in names if n} - set(self._cache) - self._absent)
        if not keys:
            return
        with self.session.no_autoflush:
            for i in range(0, len(keys), 500):
                for inst in self.session.scalars(select(Institution).where(Institution.name_key.in_(keys[i : i + 500]))):
                    self._cache[inst.name_key] = inst
            missing = [k for k in keys if k not in self._cache]
            merged = redirected(self.session, missing)
        self._cache.update(merged)
        self._absent.update(k for k in missing if k not in merged)

    def get(self, name: str, **defaults: Any) -> Institution:
        official, key = self._name(name)
        inst = self._cache.get(key)
        if inst is None and key not in self._absent:
            inst = find_institution(self.session, key)
        if inst is None:
            inst = Institution(name=official, name_key=key, status="published", published_at=utcnow(), **defaults)
            self.session.add(inst)
        self._cache[key] = inst
        return inst

    @staticmethod
    def looks_like_organisation(name: str) -> bool:
        return len(name) > 4 or any(w in name for w in ("大学", "学院", "研究", "公司", "医院", "中心", "集团", "Univ", "Inc", "Ltd", "Co."))


# -- data -> row ------------------------------------------------------------------------------

def _replace_children(children: list, session: Session, persistent: bool) -> None:
    """Empty an ordered child list; flush the deletes first when the rows exist, because the
    new children reuse the same (parent, position) keys."""
    if children:
        children.clear()
        if persistent:
            session.flush()


def _contact(rec: Any, contact: dict | None) -> None:
    contact = contact or {}
    rec.contact_name, rec.contact_phone, rec.contact_email = contact.get("name"), contact.get("phone"), contact.get("email")


def apply_achievement(rec: Achievement, data: dict[str, Any], resolver: InstitutionResolver) -> None:
    simple = (
        "title", "title_en", "registration_no", "achievement_type", "people", "keywords", "summary", "innovations",
        "field", "industry", "discipline", "form", "origin", "level", "stage", "trl", "funding_source", "programme",
        "grant_no", "research_start", "research_end", "registered_at", "ip", "transfer_modes", "application_status",
        "transfer_amount", "attachments",
    )
    for name in simple:
        setattr(rec, name, data.get(name) if name not in ("people", "keywords", "innovations", "ip", "transfer_modes", "attachments") else data.get(name) or [])
    rec.registration_no = normalize.registration_number(data.get("registration_no"))
    if data.get("external_id"):
        rec.external_id = data["external_id"]
    rec.transferred = bool(data.get("transferred"))
    evaluation = dict(data.get("evaluation") or {})
    if evaluation.get("date"):
        evaluation["date"] = evaluation["date"].isoformat()
    rec.evaluation = {k: v for k, v in evaluation.items() if v is not None}
    rec.ip = [dict(i) for i in data.get("ip") or []]
    price = data.get("price") or {}
    rec.price_mode = price.get("mode") or ("negotiable" if price else None)
    rec.price_amount, rec.price_amount_max = price.get("amount"), price.get("amount_max")
    rec.scores = {k: v for k, v in (data.get("scores") or {}).items() if v is not None}
    _contact(rec, data.get("contact"))
    institutions = [resolver.get(n) for n in data.get("institutions") or []]
    rec.natural_key = normalize.title_key(rec.title, institutions[0].name if institutions else None)
    current = [h.institution for h in rec.holders]
    if [i.name_key for i in current] != [i.name_key for i in institutions]:
        _replace_children(rec.holders, resolver.session, rec.id is not None)
        rec.holders.extend(AchievementInstitution(position=p, institution=i) for p, i in enumerate(institutions))


def apply_patent(rec: Patent, data: dict[str, Any], resolver: InstitutionResolver) -> None:
    simple = (
        "application_no", "publication_no", "grant_no", "filed_at", "publication_date", "granted_at", "kind", "title",
        "title_en", "abstract", "first_claim", "applicant_address", "province_code", "city", "field", "ipc_main",
        "agency", "agent", "legal_status",
    )
    for name in simple:
        setattr(rec, name, data.get(name))
    for name in ("keywords", "inventors", "owners", "ipc", "cpc", "family"):
        setattr(rec, name, data.get(name) or [])
    for name in ("transfers", "licences", "pledges", "citations"):
        setattr(rec, name, data.get(name) or 0)
    rec.priority = [{**p, "date": p["date"].isoformat() if p.get("date") else None} for p in data.get("priority") or []]
    rec.legal_events = [{**e, "date": e["date"].isoformat() if e.get("date") else None} for e in data.get("legal_events") or []]
    ol = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in (data.get("open_licence") or {}).items() if v is not None}
    rec.open_licence = ol
    rec.licence_fee = ol.get("fee")
    names = data.get("applicants") or []
    if [a.name for a in rec.applicants] != names:
        _replace_children(rec.applicants, resolver.session, rec.id is not None)
        for pos, name in enumerate(names):
            inst = resolver.get(name) if resolver.looks_like_organisation(name) else None
            rec.applicants.append(PatentApplicant(position=pos, name=inst.name if inst else name, institution=inst))


def apply_instrument(rec: Instrument, data: dict[str, Any], resolver: InstitutionResolver) -> None:
    skip = {"institution", "contact"}
    for name in InstrumentFields:
        if name not in skip:
            value = data.get(name)
            if name in ("research_areas", "service_modes", "images"):
                value = value or []
            setattr(rec, name, value)
    rec.shared = True if data.get("shared") is None else bool(data["shared"])
    rec.institution = resolver.get(data["institution"]) if data.get("institution") else None
    # keyed by the institution it landed on: the same key as the data's, unless the name was merged away
    rec.natural_key = _instrument_key(data, rec.institution.name_key if rec.institution is not None else None)
    _contact(rec, data.get("contact"))


InstrumentFields = (
    "name", "name_en", "asset_no", "class_code", "instrument_class", "model", "manufacturer", "country", "origin",
    "specs", "functions", "research_areas", "accessories", "value", "purchased_at", "commissioned_at", "funding",
    "lab", "address", "city", "run_status", "open_hours", "fees", "service_modes", "annual_open_hours", "external_hours_per_year",
    "external_income_per_year", "stats_year", "images", "institution", "contact",
)


def apply_institution(rec: Institution, data: dict[str, Any], resolver: InstitutionResolver) -> None:
    for name in ("name_en", "type", "city", "credit_code", "address", "description", "website", "contact_name", "contact_phone", "contact_email"):
        value = data.get(name)
        if value is not None or name not in ("type", "city"):
            setattr(rec, name, value)
    name = normalize.institution_name(data["name"])
    # the names merged into this institution stay its aliases, and never rename it back
    merged = merged_names(resolver.session, rec.id) if rec.id is not None else []
    if rec.id is None or normalize.institution_key(name) not in {normalize.institution_key(n) for n in merged}:
        rec.name, rec.name_key = name, normalize.institution_key(name)
    rec.aliases = list(dict.fromkeys([*(data.get("aliases") or []), *merged]))
    if rec.credit_code:
        rec.credit_code = rec.credit_code.upper()


def apply_need(rec: Need, data: dict[str, Any], resolver: InstitutionResolver) -> None:
    for name in ("title", "title_en", "description", "field", "industry", "city", "budget_min", "budget_max", "deadline",
                 "organisation"):
        setattr(rec, name, data.get(name))
    rec.keywords, rec.cooperation_modes = data.get("keywords") or [], data.get("cooperation_modes") or []
    rec.natural_key = _need_key(data)
    _contact(rec, data.get("contact"))


# -- natural keys --------------------------------------------------------------------------------

KeyFn = Callable[[dict[str, Any]], Any]


def _achievement_key(data: dict[str, Any]) -> str:
    holders = data.get("institutions") or []
    return normalize.title_key(data.get("title", ""), holders[0] if holders else None)


def _instrument_key(data: dict[str, Any], holder_key: str | None = None) -> str | None:
    if not data.get("asset_no") or not data.get("institution"):
        return None
    return f"{holder_key or normalize.institution_key(data['institution'])}|{normalize.clean_text(data['asset_no']).upper()}"


def _need_key(data: dict[str, Any]) -> str:
    return normalize.title_key(data.get("title", ""), data.get("organisation"))


def _accept_achievement(column: str, candidate: Achievement, data: dict[str, Any]) -> bool:
    # the same title and lead holder is the same achievement, unless both sides carry an
    # identifier and they differ (two registrations, or two repository items, sharing a title)
    if column != "natural_key":
        return True
    reg = normalize.registration_number(data.get("registration_no"))
    if reg and candidate.registration_no and reg != candidate.registration_no:
        return False
    ext = data.get("external_id")
    return not (ext and candidate.external_id and ext != candidate.external_id)


class Matcher:
    """Finds the existing row for incoming data by its natural keys (in priority order).

    Built for batches: ``prefetch`` loads the candidates of many records in one query per key,
    and rows created in the batch are remembered, so a file that holds the same record twice
    creates it once."""

    def __init__(self, session: Session, config: "RecordServiceConfig"):
        self.session, self.config = session, config
        self._rows: dict[tuple[str, Any], list[Any]] = {}
        self._loaded: set[tuple[str, Any]] = set()

    def prefetch(self, datas: list[dict[str, Any]]) -> None:
        model = self.config.model
        for column, fn in self.config.keys:
            by_value: dict[Any, list[dict[str, Any]]] = {}
            for d in datas:
                v = fn(d)
                if v is not None and (column, v) not in self._loaded:
                    by_value.setdefault(v, []).append(d)
            values = set(by_value)
            values_list = sorted(values, key=str)
            for i in range(0, len(values_list), 500):
                chunk = values_list[i : i + 500]
                for rec in self._candidates(column, chunk, by_value):
                    self.remember(rec)
            # a key naming a merged institution finds the record now held by the one it became
            missing = [v for v in values_list if (column, v) not in self._rows]
            for value, rows in follow_natural_keys(self.session, model, column, missing).items():
                for rec in rows:
                    self.remember(rec)
                self._rows.setdefault((column, value), []).extend(rows)
            self._loaded |= {(column, v) for v in values}

    def _candidates(self, column: str, values: list[Any], by_value: dict[Any, list[dict[str, Any]]]) -> Iterable[Any]:
        """Rows under these key values that some incoming record with that value would accept
        (all of them when the key has no condition)."""
        model, accept, extra = self.config.model, self.config.accept, self.config.accept_columns
        key = getattr(model, column)
        if not extra:
            return self.session.scalars(select(model).where(key.in_(values)))
        light = self.session.execute(select(model.id, key.label("matched_key"), *(getattr(model, c) for c in extra)).where(key.in_(values)))
        wanted = [row.id for row in light if any(accept(column, row, d) for d in by_value.get(row.matched_key, ()))]
        return self.session.scalars(select(model).where(model.id.in_(wanted))) if wanted else ()

    def find(self, data: dict[str, Any]) -> Any:
        self.prefetch([data])
        for column, fn in self.config.keys:
            value = fn(data)
            for candidate in self._rows.get((column, value), []) if value is not None else []:
                if self.config.accept(column, candidate, data):
                    return candidate
        return None

    def remember(self, rec: Any) -> None:
        for column, _ in self.config.keys:
            value = getattr(rec, column)
            if value is not None:
                rows = self._rows.setdefault((column, value), [])
                if rec not in rows:
                    rows.append(rec)


def holder_ids(rec: Any) -> set[int]:
    """The institutions that hold a record (an institution holds itself): whose publishers
    maintain it."""
    if isinstance(rec, Institution):
        return {rec.id} if rec.id is not None else set()
    return {i.id for i in linked_institutions(rec) if i.id is not None}


def linked_institutions(rec: Any) -> list[Institution]:
    """Institutions whose index documents (record counts) change with ``rec``."""
    if isinstance(rec, Achievement):
        return rec.institutions
    if isinstance(rec, Patent):
        return [a.institution for a in rec.applicants if a.institution is not None]
    if isinstance(rec, Instrument):
        return [rec.institution] if rec.institution is not None else []
    return []


@dataclass(frozen=True)
class RecordServiceConfig:
    record_type: str
    model: type
    apply: Callable[[Any, dict[str, Any], InstitutionResolver], None]
    keys: tuple[tuple[str, KeyFn], ...]  # natural keys: (model column, value from validated data), by priority
    accept: Callable[[str, Any, dict[str, Any]], bool] = lambda column, candidate, data: True
    # the columns ``accept`` reads of a candidate: candidates are first read as these alone, and
    # only those some incoming record would accept are loaded whole (many records may share a
    # title and lead holder and differ by registration number; each load costs an ORM row)
    accept_columns: tuple[str, ...] = ()
    # the institution names in validated data that ``apply`` resolves (looked up a batch at a time)
    institutions: Callable[[dict[str, Any]], list[str]] = lambda data: []

    @property
    def schema(self) -> type[Schema]:
        return SCHEMAS[self.record_type][0]

    @property
    def data(self) -> Callable[[Any], dict[str, Any]]:
        return SCHEMAS[self.record_type][1]


CONFIGS = {
    "achievement": RecordServiceConfig(
        "achievement", Achievement, apply_achievement,
        (
            ("external_id", lambda d: d.get("external_id")),
            ("registration_no", lambda d: normalize.registration_number(d.get("registration_no"))),
            ("natural_key", _achievement_key),
        ),
        _accept_achievement,
        ("registration_no", "external_id"),
        lambda d: d.get("institutions") or [],
    ),
    "patent": RecordServiceConfig(
        "patent", Patent, apply_patent,
        (("application_no", lambda d: d.get("application_no")), ("publication_no", lambda d: d.get("publication_no"))),
        institutions=lambda d: [n for n in d.get("applicants") or [] if InstitutionResolver.looks_like_organisation(n)],
    ),
    "instrument": RecordServiceConfig("instrument", Instrument, apply_instrument, (("natural_key", _instrument_key),),
                                      institutions=lambda d: [d["institution"]] if d.get("institution") else []),
    "institution": RecordServiceConfig(
        "institution", Institution, apply_institution, (("name_key", lambda d: normalize.institution_key(d.get("name", ""))),)
    ),
    "need": RecordServiceConfig("need", Need, apply_need, (("natural_key", _need_key),)),
}


@dataclass
class UpsertResult:
    record: Any
    outcome: str  # "created", "updated" or "unchanged"


class RecordService:
    def __init__(self, config: RecordServiceConfig, session: Session, unit_of_work: Callable[[], Any], versions: Any = None):
        self.config = config
        self.session = session
        self.unit_of_work = unit_of_work  # () -> context manager yielding a UnitOfWork
        self.schema = config.schema()  # marshmallow schemas are reusable; building one is not free
        self.versions = versions  # RecordVersions: every change kept (set by the registry)

    def _version(self, uow: UnitOfWork, rec: Any, change: str, identity: Identity, **details: Any) -> None:
        if self.versions is not None:
            uow.register(VersionOp(rec, change, self.versions, actor=identity, **details))

    # -- reads ------------------------------------------------------------------------------
    def get(self, identity: Identity, public_id: str) -> Any:
        number = self.config.model.parse_public_id(public_id)
        rec = self.session.get(self.config.model, number) if number is not None else None
        if rec is None:
            raise RecordNotFound(public_id)
        if rec.status != "published" and not (identity.can_see_unpublished() or self.can_maintain(identity, rec)):
            raise RecordNotFound(public_id)  # withdrawn records are invisible, not forbidden
        return rec

    def can_maintain(self, identity: Identity, rec: Any) -> bool:
        """Administrators, the publishers of an institution that holds the record, and the
        account that posted a technology need (needs are held by their owner, not an institution)."""
        if identity.is_admin or identity.acts_for_any(holder_ids(rec)):
            return True
        owner = getattr(rec, "owner_id", None)
        return owner is not None and owner == identity.user_id

    def may_see_history(self, identity: Identity, rec: Any) -> bool:
        """The holder's publishers, reviewers and administrators read a record's versions."""
        return identity.is_reviewer or self.can_maintain(identity, rec)

    def with_history(self, identity: Identity, public_id: str) -> Any:
        """The record whose versions ``identity`` asks for; PermissionDenied for anyone else."""
        rec = self.get(identity, public_id)
        if not self.may_see_history(identity, rec):
            raise PermissionDenied("历史版本仅对持有单位、审核专家和管理员开放 / the history is for the holder, reviewers and administrators")
        return rec

    def preview(self, data: dict[str, Any]) -> dict[str, Any]:
        """The record that validated ``data`` would make, as the API would show it, without
        writing anything (a draft's preview and its difference from the published record)."""
        session = self.session
        before = set(session.new)
        with session.no_autoflush:
            rec = self.config.model(status="published")
            self.config.apply(rec, data, PreviewResolver(session))  # type: ignore[arg-type]
            dumped = self.dump(rec)
            for obj in set(session.new) - before:  # nothing of the preview may reach the store
                session.expunge(obj)
        return dumped

    def dump(self, rec: Any) -> dict[str, Any]:
        return self.schema.dump(self.config.data(rec))

    # -- writes -----------------------------------------------------------------------------
    def validate(self, raw: dict[str, Any]) -> dict[str, Any]:
        """Validated data, or marshmallow's ValidationError with every problem listed."""
        return self.schema.load(raw)

    def matcher(self) -> Matcher:
        return Matcher(self.session, self.config)

    def resolver(self, datas: Iterable[dict[str, Any]] = ()) -> InstitutionResolver:
        """An InstitutionResolver for a batch, with the institutions ``datas`` name looked up."""
        resolver = InstitutionResolver(self.session)
        resolver.prefetch(name for d in datas for name in self.config.institutions(d))
        return resolver

    def upsert(self, identity: Identity, data: dict[str, Any], uow: UnitOfWork, *, status: str = "published",
               resolver: InstitutionResolver | None = None, matcher: Matcher | None = None,
               source: str | None = None, review: Any = None, record: Any = None) -> UpsertResult:
        """Create, or update the record with the same natural key (or ``record``, when a draft of
        it is approved). ``data`` is validated. Administrators write directly; a reviewer writes
        only by approving a draft (``review``). Pass one ``resolver`` and one ``matcher`` for a
        whole batch (see ``upsert_many``)."""
        if not (identity.is_admin or (review is not None and identity.is_reviewer)):
            raise PermissionDenied("只有管理员可以直接发布记录，其他人通过审核 / only administrators publish directly; others submit drafts for review")
        resolver = resolver or InstitutionResolver(self.session)
        matcher = matcher or self.matcher()
        with self.session.no_autoflush:
            rec = record if record is not None else matcher.find(data)
            if rec is None:
                rec = self.config.model(status=status)
                if status == "published":
                    rec.published_at = utcnow()
                rec.source = source
                self.session.add(rec)
                outcome, before = "created", None
            else:
                outcome, before = "updated", self.dump(rec)
            self.config.apply(rec, data, resolver)
        matcher.remember(rec)
        if before is not None:
            strip = ("revision_id", "updated_at", "created_at", "published_at")
            after = self.dump(rec)
            if {k: v for k, v in before.items() if k not in strip} == {k: v for k, v in after.items() if k not in strip}:
                outcome = "unchanged"
        if review is not None and rec.status != status:
            rec.status = status  # an approved draft publishes (again) a withdrawn record
            if status == "published" and rec.published_at is None:
                rec.published_at = utcnow()
            outcome = "updated" if outcome == "unchanged" else outcome
        if outcome != "unchanged":
            uow.register(IndexOp([rec, *linked_institutions(rec)]))
            change = "approved" if review is not None else ("imported" if source not in (None, "api", "form") else outcome)
            self._version(uow, rec, change, identity, draft_id=getattr(review, "id", None))
        return UpsertResult(rec, outcome)

    def upsert_many(self, identity: Identity, datas: list[dict[str, Any]], uow: UnitOfWork, *,
                    status: str = "published", source: str | None = None) -> list[UpsertResult]:
        """Upsert a batch with one natural-key query per key instead of one per record."""
        matcher = self.matcher()
        with self.session.no_autoflush:
            matcher.prefetch(datas)
        resolver = self.resolver(datas)
        return [self.upsert(identity, d, uow, status=status, resolver=resolver, matcher=matcher, source=source) for d in datas]

    def create(self, identity: Identity, raw: dict[str, Any], *, status: str = "published") -> Any:
        data = self.validate(raw)
        with self.unit_of_work() as uow:
            result = self.upsert(identity, data, uow, status=status)
        return result.record

    def update(self, identity: Identity, public_id: str, raw: dict[str, Any], *, expected_revision: int | None = None) -> Any:
        """Replace a record's fields (administrators). ``expected_revision`` is the revision the
        edit started from: a record changed meanwhile raises StaleRevision instead of losing
        the other change."""
        if not identity.is_admin:
            raise PermissionDenied("只有管理员可以直接修改记录，其他人通过审核 / only administrators edit directly; others submit drafts")
        rec = self.get(identity, public_id)
        if expected_revision is not None and expected_revision != rec.revision_id:
            raise StaleRevision(expected_revision, rec)
        data = self.validate(raw)
        with self.unit_of_work() as uow:
            with self.session.no_autoflush:
                self.config.apply(rec, data, InstitutionResolver(self.session))
            uow.register(IndexOp([rec, *linked_institutions(rec)]))
            self._version(uow, rec, "updated", identity)
        return rec

    def withdraw(self, identity: Identity, public_id: str, reason: str = "") -> Any:
        """Take a published record offline (its holder or an administrator): it leaves the index
        and the public pages, and stays in the store with its history."""
        rec = self.get(identity, public_id)
        if not self.can_maintain(identity, rec):
            raise PermissionDenied("只有记录的持有单位或管理员可以撤回 / only the holder or an administrator withdraws a record")
        if isinstance(rec, Institution):
            raise PermissionDenied("单位不能撤回 / institutions are not withdrawn")
        if rec.status == "withdrawn":
            return rec
        with self.unit_of_work() as uow:
            rec.status = "withdrawn"
            uow.register(IndexOp([rec, *linked_institutions(rec)]))
            self._version(uow, rec, "withdrawn", identity)
        return rec

    def delete(self, identity: Identity, public_id: str) -> None:
        if not identity.is_admin:
            raise PermissionDenied("only administrators delete records")
        rec = self.get(identity, public_id)
        if isinstance(rec, Institution):
            held = {
                "achievements": self.session.scalar(select(func.count()).select_from(AchievementInstitution).where(AchievementInstitution.institution_id == rec.id)),
                "patents": self.session.scalar(select(func.count()).select_from(PatentApplicant).where(PatentApplicant.institution_id == rec.id)),
                "instruments": self.session.scalar(select(func.count()).select_from(Instrument).where(Instrument.institution_id == rec.id)),
            }
            if any(held.values()):
                raise RecordInUse(f"该单位仍有关联记录 / the institution still holds records: {held}")
        if isinstance(rec, Achievement):
            years = sorted(set(self.session.scalars(select(SelectionRound.year).join(SelectionCandidate)
                                                    .where(SelectionCandidate.achievement_id == rec.id))))
            if years:  # its candidacy (and any list that names it) stays: it can be withdrawn instead
                raise RecordInUse(f"该成果是 {'、'.join(map(str, years))} 年度遴选的候选成果，不能删除，可以撤回 / "
                                  f"a candidate in the {', '.join(map(str, years))} selection: withdraw it instead of deleting it")
        in_use = self._transactions(rec)
        if in_use:  # bookings and licences are the two parties' records too: withdraw instead
            raise RecordInUse(f"该记录已有{in_use[0]}，不能删除，可以撤回 / it has {in_use[1]}: withdraw it instead of deleting it")
        with self.unit_of_work() as uow:
            if self.versions is not None:  # the last state stays in the history
                self.versions.write(rec, "deleted", actor=identity, revision=rec.revision_id + 1, status="deleted")
            uow.register(DeleteFromIndexOp(rec.INDEX, rec.public_id, rec.revision_id + 1))
            uow.register(IndexOp(linked_institutions(rec)))
            self.session.delete(rec)

    def _transactions(self, rec: Any) -> tuple[str, str] | None:
        """What the platform recorded between parties about ``rec`` (bookings of an instrument,
        licence applications of a patent), which a deletion would orphan."""
        if isinstance(rec, Instrument):
            n = self.session.scalar(select(func.count()).select_from(InstrumentBooking).where(InstrumentBooking.instrument_id == rec.id))
            return ("预约记录", "bookings") if n else None
        if isinstance(rec, Patent):
            n = self.session.scalar(select(func.count()).select_from(LicenceApplication).where(LicenceApplication.patent_id == rec.id))
            return ("许可申请", "licence applications") if n else None
        return None


__all__ = ["RecordService", "RecordNotFound", "PermissionDenied", "RecordInUse", "StaleRevision", "ValidationError", "CONFIGS",
           "InstitutionResolver", "UpsertResult", "holder_ids", "linked_institutions"]
