"""OAI-PMH 2.0 harvester: Dublin Core records from an institutional repository as 科技成果.

Repositories (DSpace, EPrints, Invenio, Dataverse, ...) publish their records over the Open
Archives Initiative Protocol for Metadata Harvesting. :class:`OaiPmhHarvester` issues
``ListRecords`` (``oai_dc`` by default), follows ``resumptionToken``s until the list is
exhausted and yields one :class:`~ingest.readers.base.RawRecord` per record, its ``data`` in the
input shape of :class:`web.schemas.achievement.AchievementSchema`. Like every reader it
validates nothing: the pipeline loads each record through the schema.

What comes out
--------------
* A live record: :class:`HarvestedRecord` (a ``RawRecord``), ``record_type="achievement"``,
  ``label`` = the OAI identifier, ``location = Location(file=base_url, element=identifier)``,
  plus ``datestamp`` and ``set_specs`` from the OAI header.
* A deleted record (``<header status="deleted">``): :class:`DeletedRecord`, the same with
  ``data == {}``, ``problems == []`` and ``deleted is True``. The caller withdraws (or ignores)
  the record it holds under that identifier. Every harvested record has ``deleted`` (False for
  live ones), so ``getattr(rec, "deleted", False)`` works on any RawRecord.

Mapping (Dublin Core element → AchievementSchema field)
-------------------------------------------------------
* ``title``: the first ``dc:title``. ``title_en``: the same title when the record is in English
  (``dc:language`` en/eng/en_US/..., or, with no ``dc:language``, a title in Latin script);
  otherwise another ``dc:title`` that is in English, if any. A title longer than the schema
  allows (300; 500 for ``title_en``) is cut at a word boundary with "…".
* ``summary``: the abstract among the ``dc:description`` values: the first one of at least 100
  characters, else the longest (DSpace puts funding notes and degree names there too). Longer
  than 2000 characters: cut at the last sentence end that fits, " …" appended (the schema's
  NFKC normalisation turns "…" into "...", which the cut leaves room for); not a problem.
* ``keywords``: ``dc:subject`` (values with ";" are split), de-duplicated, the first 10.
* ``people``: ``dc:creator``, the first 50 (contributors such as thesis advisers are not authors).
* ``keywords``/``people`` items longer than 50 characters cannot be stored: they are left out
  (not reported: reader problems reject a record, and a long corporate author should not).
* ``institutions``: ``[holder]`` when the harvester was given one, else the ``dc:publisher``
  values, else the repository's name from ``Identify``.
* ``registered_at``: the earliest plausible ``dc:date`` (year 1000 to today) as YYYY-MM-DD;
  "2016-09" and "2016" become the first day of the month or year.
* ``achievement_type`` = "basic" and ``form`` = "paper" when a ``dc:type`` is an article, a
  thesis/dissertation or a conference paper (``Article``, ``Thesis``, ``.../JournalArticle``,
  ``.../ConferencePaper``); ``form`` = "research_report" for a (technical) report; otherwise
  both stay None (software, data sets, book chapters: nothing in the vocabularies fits well).

Incremental harvests
--------------------
The harvester stores nothing; it exposes the position and the caller persists it:

* :attr:`OaiPmhHarvester.response_date`: the ``responseDate`` of the *first* response of the
  latest ``records()`` run (the moment the repository began answering). When the run was
  exhausted without error (:attr:`complete` is True), persist it and pass it as ``from_date``
  next time: ``from`` is inclusive and a record changed during the harvest is then harvested
  again, never missed. After a failed run keep the previous ``from``.
* :attr:`OaiPmhHarvester.last_datestamp`: the newest header ``datestamp`` seen (informational:
  repositories do not list records in datestamp order, so it is no resume point).
* :attr:`OaiPmhHarvester.resumption_token`: the last token received while a run is under way;
  ``records(resumption_token=...)`` resumes an interrupted list if the repository still
  accepts the token (many expire them), else raises ``HarvestError("badResumptionToken")``.

``Identify`` is called once per harvester (:meth:`OaiPmhHarvester.identify`); its
``granularity`` decides how ``from``/``until`` are written: ``YYYY-MM-DD`` for a day-granular
repository (a finer ``from`` is truncated to its day, which only re-harvests part of a day) or
``YYYY-MM-DDThh:mm:ssZ``. ``from_date``/``until`` may be a ``datetime`` (naive = UTC), a
``date`` (``until`` then means the end of that day) or an OAI datestamp string.

Errors
------
``noRecordsMatch`` is an empty harvest, not an error. Everything else that stops a harvest
raises :class:`HarvestError` (a :class:`~ingest.readers.base.FileRefused`: stable ``code``,
bilingual message): the OAI error codes (``badResumptionToken``, ``badArgument``,
``cannotDisseminateFormat``, ``noSetHierarchy``, ``badVerb``, ...) and ``http_error``,
``timeout``, ``unreachable``, ``bad_response``, ``xml_entities``, ``response_too_large``,
``token_loop``. Records yielded before the error stay valid. HTTP 503 and 429 are retried
after the ``Retry-After`` the server sends (seconds or an HTTP date; without one, after 5, 10,
20 ... seconds), at most ``max_retries`` times and never longer than ``max_retry_wait`` at once.

Responses are parsed by lxml through :func:`ingest.safety.xml_parser` (no DTD, no network, no
entity expansion), and a response that declares entities is refused.
"""
from __future__ import annotations

import html
import http.client
import re
import socket
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from ..safety import max_file_bytes, refuse_entity_declarations, xml_parser
from .base import FileRefused, Location, RawRecord

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
DC_NS = "http://purl.org/dc/elements/1.1/"

DAY_GRANULARITY = "YYYY-MM-DD"
SECONDS_GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"

USER_AGENT = "jilin-techtransfer-harvester/0.1 (OAI-PMH 2.0)"

# AchievementSchema limits
TITLE_MAX, TITLE_EN_MAX, SUMMARY_MAX = 300, 500, 2000
KEYWORDS_MAX, PEOPLE_MAX, ITEM_MAX = 10, 50, 50
INSTITUTIONS_MAX, INSTITUTION_NAME_MAX = 20, 200


def _q(name: str) -> str:
    return f"{{{OAI_NS}}}{name}"


# -- results -----------------------------------------------------------------------------------


@dataclass
class HarvestedRecord(RawRecord):
    """A RawRecord plus what the OAI header says about it."""

    datestamp: str | None = None
    set_specs: tuple[str, ...] = ()
    deleted: bool = False


@dataclass
class DeletedRecord(HarvestedRecord):
    """The repository deleted this record: ``data`` is empty; withdraw the record held under
    ``label`` (the OAI identifier)."""

    deleted: bool = True


@dataclass(frozen=True)
class RepositoryInfo:
    """What ``Identify`` says."""

    name: str
    base_url: str
    protocol_version: str
    granularity: str
    earliest_datestamp: str | None
    deleted_record: str | None


class HarvestError(FileRefused):
    """The harvest cannot go on. ``code`` is an OAI-PMH error code (``badResumptionToken``,
    ``badArgument``, ``cannotDisseminateFormat``, ...) or one of ``http_error``, ``timeout``,
    ``unreachable``, ``bad_response``, ``xml_entities``, ``response_too_large``, ``token_loop``;
    the message is bilingual. ``url`` is the request that failed, ``http_status`` its HTTP
    status (when there was one), ``detail`` the repository's own words (when it gave any)."""

    def __init__(self, code: str, zh: str, en: str, *, url: str | None = None, http_status: int | None = None, detail: str | None = None):
        super().__init__(code, zh, en)
        self.url, self.http_status, self.detail = url, http_status, detail


_OAI_ERRORS = {
    "badResumptionToken": ("续传令牌（resumptionToken）无效或已过期，请重新开始采集", "the resumption token is invalid or has expired; start the harvest again"),
    "badArgument": ("OAI-PMH 服务认为请求参数有误", "the repository refused the request's arguments"),
    "cannotDisseminateFormat": ("该库不提供所请求的元数据格式", "the repository does not offer the requested metadata format"),
    "noSetHierarchy": ("该库不支持集合（set）", "the repository does not support sets"),
    "badVerb": ("OAI-PMH 服务不认识该请求", "the repository does not know the request's verb"),
    "idDoesNotExist": ("该库中没有此标识符", "the identifier does not exist in the repository"),
    "noMetadataFormats": ("该记录没有可用的元数据格式", "no metadata formats are available for the item"),
}


def _oai_error(code: str, message: str, url: str, status: int | None = None) -> HarvestError:
    zh, en = _OAI_ERRORS.get(code, ("OAI-PMH 服务返回错误", "the OAI-PMH repository returned an error"))
    said = f"{code}: {message}" if message else code
    return HarvestError(code, f"{zh}（{said}）", f"{en} ({said})", url=url, http_status=status, detail=message or None)


# -- dates -------------------------------------------------------------------------------------

_DC_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:[T ].*)?$")


def _parse_datestamp(value: str) -> datetime | None:
    """An OAI datestamp (YYYY-MM-DD or YYYY-MM-DDThh:mm:ss[.fff]Z) as a naive UTC datetime."""
    text = value.strip()
    try:
        if "T" not in text:
            return datetime.strptime(text, "%Y-%m-%d")
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed.replace(microsecond=0)


def _as_utc(value: datetime | date | str, *, end_of_day: bool) -> tuple[datetime, bool]:
    """(naive UTC datetime, whether only a day was given)."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value.replace(microsecond=0), False
    if isinstance(value, date):
        day = datetime(value.year, value.month, value.day)
        return (day + timedelta(hours=23, minutes=59, seconds=59) if end_of_day else day), True
    if isinstance(value, str):
        parsed = _parse_datestamp(value)
        if parsed is None:
            raise ValueError(f"not an OAI-PMH datestamp (YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ): {value!r}")
        if "T" not in value:
            return _as_utc(parsed.date(), end_of_day=end_of_day)
        return parsed, False
    raise TypeError(f"expected a datetime, date or datestamp string, not {type(value).__name__}")


def format_datestamp(value: datetime | date | str, granularity: str, *, end_of_day: bool = False) -> str:
    """``value`` written in the repository's granularity (for ``from``/``until``)."""
    moment, _ = _as_utc(value, end_of_day=end_of_day)
    if granularity == DAY_GRANULARITY:
        return moment.strftime("%Y-%m-%d")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


# -- Dublin Core → AchievementSchema input -----------------------------------------------------


_HTML_ENTITY = re.compile(r"&(#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")


def _unescape(text: str) -> str:
    """Repositories often store HTML entities as text ("Rankine&ndash;Hugoniot" arrives as
    ``&amp;ndash;``): turn them into their characters."""
    return html.unescape(text) if _HTML_ENTITY.search(text) else text


def _clean(text: str | None) -> str:
    """What the schema's Str does to a one-line value (NFKC, white space collapsed), after
    HTML entities left in the text are replaced."""
    if not text:
        return ""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", _unescape(text))).strip()


def _clean_multiline(text: str | None) -> str:
    """What the schema's multiline Str does: each line cleaned, line breaks kept."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", _unescape(text)).replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(re.sub(r"\s+", " ", line).strip() for line in text.split("\n")).strip()


def _dc_values(metadata, name: str, *, multiline: bool = False) -> list[str]:
    """The non-empty values of one Dublin Core element, wherever it sits in ``metadata``
    (oai_dc, qdc and other containers all use the DC element namespace)."""
    clean = _clean_multiline if multiline else _clean
    out = []
    for el in metadata.iter(f"{{{DC_NS}}}{name}"):
        text = clean("".join(el.itertext()))
        if text:
            out.append(text)
    return out


def _cut_words(text: str, limit: int) -> str:
    """At most ``limit`` characters (after NFKC), cut at a word boundary, "…" appended."""
    if len(text) <= limit:
        return text
    room = limit - 3  # "…" becomes "..." under NFKC
    head = text[:room]
    space = head.rfind(" ")
    if space > room // 2:
        head = head[:space]
    return head.rstrip(" ,;:-") + "…"


_SENTENCE_END = re.compile(r"[.!?。！？](?=[\s\"'”’)]|$)|[。！？]")


def cut_summary(text: str, limit: int = SUMMARY_MAX) -> str:
    """At most ``limit`` characters after the schema's normalisation, cut after the last
    sentence that fits (a word boundary when no sentence ends in the second half), " …" added."""
    if len(text) <= limit:
        return text
    room = limit - 4  # " …" becomes " ..." under NFKC
    head = text[:room]
    ends = [m.end() for m in _SENTENCE_END.finditer(head)]
    if ends and ends[-1] > room // 2:
        head = head[: ends[-1]]
    else:
        space = max(head.rfind(" "), head.rfind("\n"))
        if space > room // 2:
            head = head[:space]
    return head.rstrip() + " …"


_ENGLISH_LANG = re.compile(r"^(en|eng|english)([-_ ].*)?$", re.IGNORECASE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def _looks_english(text: str) -> bool:
    """Latin script, mostly ASCII letters (a title with an umlaut still counts)."""
    if _CJK.search(text):
        return False
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return False
    return sum(c.isascii() for c in letters) / len(letters) >= 0.9


def _pick_summary(descriptions: list[str]) -> str | None:
    for text in descriptions:
        if len(text) >= 100:
            return text
    return max(descriptions, key=len) if descriptions else None


def _earliest_date(values: list[str], today: date) -> str | None:
    best: date | None = None
    for value in values:
        m = _DC_DATE.match(value.strip())
        if not m:
            continue
        try:
            found = date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1))
        except ValueError:
            continue
        if found.year < 1000 or found > today:
            continue
        if best is None or found < best:
            best = found
    return best.isoformat() if best else None


_PAPER_TYPES = ("article", "thesis", "dissertation", "conferencepaper")


def _type_key(value: str) -> str:
    last = re.split(r"[/#]", value.strip().rstrip("/#"))[-1]
    return re.sub(r"[\s_\-]+", "", last).lower()


def _classify(types: list[str]) -> tuple[str | None, str | None]:
    keys = [_type_key(t) for t in types]
    if any(p in k for k in keys for p in _PAPER_TYPES):
        return "basic", "paper"
    if any("report" in k for k in keys):
        return None, "research_report"
    return None, None


def _limited_items(values: list[str], field: str, label_zh: str, label_en: str, max_items: int,
                   problems: list[tuple[str, str]], split: bool = False) -> list[str]:
    items: list[str] = []
    seen: set[str] = set()
    for value in values:
        for part in (re.split(r"[;；]", value) if split else [value]):
            part = _clean(part)
            key = part.casefold()
            if not part or key in seen:
                continue
            seen.add(key)
            if len(part) > ITEM_MAX:
                # a corporate author or a long subject heading does not fit a name or keyword
                # field; leaving it out must not cost the whole paper (problems reject records)
                continue
            items.append(part)
    return items[:max_items]


def map_dublin_core(metadata, *, holder: str | None = None, repository_name: str | None = None,
                    today: date | None = None) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """AchievementSchema input data and reader problems for one record's ``<metadata>``
    element (see the module docstring for the rules)."""
    problems: list[tuple[str, str]] = []
    today = today or datetime.now(timezone.utc).date()

    titles = _dc_values(metadata, "title")
    languages = _dc_values(metadata, "language")
    title = titles[0] if titles else None
    if languages:
        english = any(_ENGLISH_LANG.match(lang) for lang in languages)
    else:
        english = bool(title) and _looks_english(title)
    title_en = title if english else next((t for t in titles[1:] if _looks_english(t)), None)

    summary = _pick_summary(_dc_values(metadata, "description", multiline=True))

    if holder and _clean(holder):
        institutions = [_clean(holder)]
    else:
        institutions = []
        for name in _dc_values(metadata, "publisher"):
            if name.casefold() not in (i.casefold() for i in institutions):
                institutions.append(_cut_words(name, INSTITUTION_NAME_MAX))
        if not institutions and repository_name and _clean(repository_name):
            institutions = [_clean(repository_name)]
    achievement_type, form = _classify(_dc_values(metadata, "type"))

    data = {
        "title": _cut_words(title, TITLE_MAX) if title else None,
        "title_en": _cut_words(title_en, TITLE_EN_MAX) if title_en else None,
        "summary": cut_summary(summary) if summary else None,
        "keywords": _limited_items(_dc_values(metadata, "subject"), "keywords", "关键词", "keyword", KEYWORDS_MAX, problems, split=True),
        "people": _limited_items(_dc_values(metadata, "creator"), "people", "作者姓名", "creator name", PEOPLE_MAX, problems),
        "institutions": institutions[:INSTITUTIONS_MAX],
        "registered_at": _earliest_date(_dc_values(metadata, "date"), today),
        "achievement_type": achievement_type,
        "form": form,
    }
    return data, problems


# -- the harvester -----------------------------------------------------------------------------


class OaiPmhHarvester:
    """Harvest one OAI-PMH 2.0 repository (see the module docstring).

    >>> h = OaiPmhHarvester("https://dspace.example.edu/oai/request", holder="吉林大学")
    >>> for rec in h.records(from_date=saved_from):      # doctest: +SKIP
    ...     ...
    >>> if h.complete: saved_from = h.response_date      # doctest: +SKIP
    """

    def __init__(self, base_url: str, *, metadata_prefix: str = "oai_dc", set_spec: str | None = None,
                 timeout: float = 30, holder: str | None = None, max_retries: int = 3,
                 max_retry_wait: float = 300, user_agent: str = USER_AGENT):
        self.base_url = base_url
        self.metadata_prefix = metadata_prefix
        self.set_spec = set_spec
        self.timeout = timeout
        self.holder = holder
        self.max_retries = max_retries
        self.max_retry_wait = max_retry_wait
        self.user_agent = user_agent
        self._info: RepositoryInfo | None = None
        # harvest position (see the module docstring); reset by every records() run
        self.response_date: str | None = None
        self.last_response_date: str | None = None
        self.last_datestamp: str | None = None
        self._last_datestamp_value: datetime | None = None
        self.resumption_token: str | None = None
        self.complete = False
        self.request_count = 0  # HTTP requests made by this harvester, retries included

    # -- protocol ------------------------------------------------------------------------------

    def identify(self) -> RepositoryInfo:
        """``Identify``, asked once per harvester."""
        if self._info is None:
            root = self.call("Identify")
            ident = root.find(_q("Identify"))
            if ident is None:
                raise HarvestError("bad_response", "Identify 响应缺少 Identify 元素", "the Identify response has no Identify element", url=self.base_url)

            def text(name: str) -> str | None:
                value = ident.findtext(_q(name))
                return value.strip() if value and value.strip() else None

            granularity = text("granularity") or DAY_GRANULARITY
            self._info = RepositoryInfo(
                name=text("repositoryName") or "", base_url=text("baseURL") or self.base_url,
                protocol_version=text("protocolVersion") or "", granularity=granularity,
                earliest_datestamp=text("earliestDatestamp"), deleted_record=text("deletedRecord"),
            )
        return self._info

    def call(self, verb: str, **params: str):
        """One OAI-PMH request (``from_`` may stand for ``from``): the parsed ``<OAI-PMH>``
        root. Raises :class:`HarvestError` for every OAI error except ``noRecordsMatch``,
        which comes back as a response without records."""
        if "from_" in params:
            params["from"] = params.pop("from_")
        query = {"verb": verb, **{k: v for k, v in params.items() if v is not None}}
        url = self._url(query)
        body, status = self._fetch(url)
        root = self._parse(body, url)
        errors = [(e.get("code") or "", _clean(e.text)) for e in root.findall(_q("error"))]
        for code, message in errors:
            if code != "noRecordsMatch":
                raise _oai_error(code, message, url, status)
        return root

    def records(self, from_date: datetime | date | str | None = None, until: datetime | date | str | None = None,
                *, resumption_token: str | None = None) -> Iterator[RawRecord]:
        """Every record of the repository (of ``set_spec``) changed in [from_date, until], live
        ones as :class:`HarvestedRecord`, deletions as :class:`DeletedRecord`."""
        info = self.identify()
        self.response_date = self.last_response_date = self.last_datestamp = None
        self._last_datestamp_value = None
        self.resumption_token = resumption_token
        self.complete = False

        if resumption_token:
            params: dict[str, str] = {"resumptionToken": resumption_token}
        else:
            params = {"metadataPrefix": self.metadata_prefix}
            if self.set_spec:
                params["set"] = self.set_spec
            if from_date is not None:
                params["from"] = format_datestamp(from_date, info.granularity)
            if until is not None:
                params["until"] = format_datestamp(until, info.granularity, end_of_day=True)
            if from_date is not None and until is not None and params["from"] > params["until"]:
                raise ValueError(f"from ({params['from']}) is later than until ({params['until']})")

        seen_tokens: set[str] = set()
        while True:
            root = self.call("ListRecords", **params)
            response_date = (root.findtext(_q("responseDate")) or "").strip() or None
            if self.response_date is None:
                self.response_date = response_date
            self.last_response_date = response_date
            listing = root.find(_q("ListRecords"))
            if listing is None:
                if root.find(_q("error")) is not None:  # noRecordsMatch
                    break
                raise HarvestError("bad_response", "ListRecords 响应缺少 ListRecords 元素", "the ListRecords response has no ListRecords element", url=self.base_url)
            for element in listing.iterfind(_q("record")):
                yield self._record(element, info)
            token_el = listing.find(_q("resumptionToken"))
            token = (token_el.text or "").strip() if token_el is not None else ""
            if not token:
                break
            if token in seen_tokens:
                raise HarvestError("token_loop", f"OAI-PMH 服务重复返回同一续传令牌：{token}", f"the repository returned the same resumption token twice: {token}", url=self.base_url)
            seen_tokens.add(token)
            self.resumption_token = token
            params = {"resumptionToken": token}
        self.resumption_token = None
        self.complete = True

    # -- records -------------------------------------------------------------------------------

    def _record(self, element, info: RepositoryInfo) -> HarvestedRecord:
        header = element.find(_q("header"))
        if header is None:
            header = element  # tolerate a record without header: identifier stays unknown
        identifier = (header.findtext(_q("identifier")) or "").strip() or None
        datestamp = (header.findtext(_q("datestamp")) or "").strip() or None
        set_specs = tuple(s.text.strip() for s in header.findall(_q("setSpec")) if s.text and s.text.strip())
        location = Location(file=self.base_url, element=identifier)
        if datestamp:
            parsed = _parse_datestamp(datestamp)
            if parsed is not None and (self._last_datestamp_value is None or parsed > self._last_datestamp_value):
                self._last_datestamp_value, self.last_datestamp = parsed, datestamp
        if header.get("status") == "deleted":
            return DeletedRecord(location, "achievement", {}, [], label=identifier, datestamp=datestamp, set_specs=set_specs)
        metadata = element.find(_q("metadata"))
        if metadata is None:
            data, problems = map_dublin_core(element.makeelement(_q("metadata")), holder=self.holder, repository_name=info.name)
            problems.append(("_record", "记录缺少元数据 / the record has no metadata"))
        else:
            data, problems = map_dublin_core(metadata, holder=self.holder, repository_name=info.name)
        data["external_id"] = identifier  # the repository's own id: re-harvests update, never duplicate
        return HarvestedRecord(location, "achievement", data, problems, label=identifier, datestamp=datestamp, set_specs=set_specs)

    # -- HTTP and XML --------------------------------------------------------------------------

    def _url(self, query: dict[str, str]) -> str:
        return self.base_url + ("&" if "?" in self.base_url else "?") + urllib.parse.urlencode(query)

    def _fetch(self, url: str) -> tuple[bytes, int]:
        retries = 0
        while True:
            request = urllib.request.Request(url, headers={"User-Agent": self.user_agent, "Accept": "text/xml, application/xml"})
            try:
                self.request_count += 1
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return self._read(response, url), response.status
            except urllib.error.HTTPError as exc:
                try:
                    wait = self._retry_wait(exc, retries)
                    if wait is not None:
                        retries += 1
                        time.sleep(wait)
                        continue
                    raise self._http_error(exc, url, retries) from exc
                finally:
                    exc.close()
            except urllib.error.URLError as exc:
                if isinstance(exc.reason, (TimeoutError, socket.timeout)):
                    raise self._timeout(url) from exc
                raise HarvestError("unreachable", f"无法连接 OAI-PMH 服务：{exc.reason}", f"cannot reach the OAI-PMH repository: {exc.reason}", url=url) from exc
            except (TimeoutError, socket.timeout) as exc:
                raise self._timeout(url) from exc
            except (http.client.HTTPException, OSError) as exc:
                raise HarvestError("unreachable", f"与 OAI-PMH 服务的连接中断：{exc}", f"the connection to the OAI-PMH repository broke: {exc}", url=url) from exc

    def _retry_wait(self, exc: urllib.error.HTTPError, retries: int) -> float | None:
        """Seconds to wait before retrying a 503/429, or None to give up."""
        if exc.code not in (503, 429) or retries >= self.max_retries:
            return None
        wait = _retry_after(exc.headers.get("Retry-After") if exc.headers else None)
        if wait is None:
            wait = 5.0 * 2 ** retries
        return wait if wait <= self.max_retry_wait else None

    def _http_error(self, exc: urllib.error.HTTPError, url: str, retries: int) -> HarvestError:
        # some repositories send OAI errors (badArgument, ...) with a 4xx status
        try:
            body = exc.read(1024 * 1024)
            root = self._parse(body, url) if body else None
        except (HarvestError, OSError, http.client.HTTPException):
            root = None
        if root is not None:
            error = root.find(_q("error"))
            if error is not None and error.get("code"):
                return _oai_error(error.get("code"), _clean(error.text), url, exc.code)
        tried = f"，已重试 {retries} 次" if retries else ""
        tried_en = f" after {retries} retries" if retries else ""
        return HarvestError("http_error", f"OAI-PMH 服务返回 HTTP {exc.code} {exc.reason}{tried}",
                            f"the OAI-PMH repository answered HTTP {exc.code} {exc.reason}{tried_en}", url=url, http_status=exc.code)

    def _timeout(self, url: str) -> HarvestError:
        return HarvestError("timeout", f"OAI-PMH 服务在 {self.timeout} 秒内没有响应", f"the OAI-PMH repository did not answer within {self.timeout} s", url=url)

    @staticmethod
    def _read(response, url: str) -> bytes:
        limit = max_file_bytes()
        body = response.read(limit + 1)
        if len(body) > limit:
            mb = limit // (1024 * 1024)
            raise HarvestError("response_too_large", f"OAI-PMH 响应超过 {mb} MB", f"the OAI-PMH response is larger than {mb} MB", url=url)
        return body

    @staticmethod
    def _parse(body: bytes, url: str):
        from lxml import etree

        try:
            refuse_entity_declarations(body)
        except FileRefused as exc:
            raise HarvestError(exc.code, exc.zh, exc.en, url=url) from exc
        try:
            root = etree.fromstring(body, parser=xml_parser())
        except etree.XMLSyntaxError as exc:
            raise HarvestError("bad_response", f"OAI-PMH 服务返回的不是有效的 XML：{exc}", f"the repository's answer is not well-formed XML: {exc}", url=url) from exc
        if root is None or root.tag != _q("OAI-PMH"):
            tag = getattr(root, "tag", None)
            raise HarvestError("bad_response", f"OAI-PMH 服务返回的不是 OAI-PMH 响应（根元素 {tag}）", f"the repository's answer is not an OAI-PMH response (root element {tag})", url=url)
        return root
