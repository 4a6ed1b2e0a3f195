"""A real OAI-PMH 2.0 data provider on 127.0.0.1, serving the DSpace@MIT sample records.

The protocol side is someone else's implementation: ``oaipmh`` (PyPI; the maintained fork of
infrae's ``pyoai``, same ``oaipmh`` package) — its :class:`oaipmh.server.BatchingServer` parses
and validates the arguments, writes the envelopes and the ``oai_dc`` XML, encodes and decodes
the resumption tokens and produces the OAI error responses (``noRecordsMatch``,
``badResumptionToken``, ``badArgument``, ``cannotDisseminateFormat``, ...). What is written
here is only what every deployment of it writes:

* the storage behind it (:class:`SampleRepository`, its ``IBatchingOAI`` interface): records
  sorted by datestamp, filtered by set and by ``from``/``until`` (inclusive), sliced by the
  cursor and batch size the library asks for;
* a WSGI adapter (``oaipmh`` ships none) run by :mod:`wsgiref` in a background thread, with a
  request log and injectable transport faults (a 503 with ``Retry-After``, a 500, a tampered
  body), for the error tests.

The records come from ``shared/data/oai-pmh-dspace-mit``: every ``<record>`` of the GetRecord
and ListRecords responses (its header, datestamp, setSpecs and oai_dc metadata, read with the
library's own ``oai_dc_reader``), plus the deleted headers of the ListIdentifiers responses as
deleted records. Live headers of ListIdentifiers responses carry no metadata and are left out.

Run it by hand: ``PYTHONPATH=. .venv/bin/python -m tests.oai_server [batch_size]``.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from lxml import etree
from oaipmh import common, error, metadata, server
from oaipmh.datestamp import datestamp_to_datetime

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
NS = {"oai": OAI_NS}
SAMPLE = "oai-pmh-dspace-mit"
REPOSITORY_NAME = "DSpace@MIT"


@dataclass
class StoredRecord:
    identifier: str
    datestamp: datetime
    set_specs: list[str]
    deleted: bool
    dc: dict[str, list[str]] = field(default_factory=dict)

    @property
    def datestamp_text(self) -> str:
        return self.datestamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def load_sample(data_dir: Path) -> tuple[dict[str, StoredRecord], dict[str, str]]:
    """Records (by identifier) and set names (by setSpec) from the sample responses."""
    records: dict[str, StoredRecord] = {}
    sets: dict[str, str] = {}

    def header_of(h) -> tuple[str, datetime, list[str], bool]:
        return (
            h.findtext("oai:identifier", namespaces=NS).strip(),
            datestamp_to_datetime(h.findtext("oai:datestamp", namespaces=NS).strip()),
            [s.text.strip() for s in h.findall("oai:setSpec", NS) if s.text],
            h.get("status") == "deleted",
        )

    for path in sorted(data_dir.glob("*.xml")):
        root = etree.parse(str(path), _parser()).getroot()
        for rec in root.iterfind(".//oai:record", NS):
            identifier, stamp, specs, deleted = header_of(rec.find("oai:header", NS))
            meta = rec.find("oai:metadata", NS)
            dc = metadata.oai_dc_reader(meta).getMap() if meta is not None and not deleted else {}
            known = records.get(identifier)
            if known is None or stamp > known.datestamp:
                records[identifier] = StoredRecord(identifier, stamp, specs, deleted, dc)
        for h in root.iterfind("oai:ListIdentifiers/oai:header", NS):
            identifier, stamp, specs, deleted = header_of(h)
            if deleted and (identifier not in records or stamp > records[identifier].datestamp):
                records[identifier] = StoredRecord(identifier, stamp, specs, True)
        for s in root.iterfind("oai:ListSets/oai:set", NS):
            sets[s.findtext("oai:setSpec", namespaces=NS).strip()] = (s.findtext("oai:setName", namespaces=NS) or "").strip()
    for rec in records.values():
        for spec in rec.set_specs:
            sets.setdefault(spec, spec)
    return records, sets


class SampleRepository:
    """The storage side of the data provider (``oaipmh.interfaces.IBatchingOAI``)."""

    def __init__(self, records: dict[str, StoredRecord], sets: dict[str, str], base_url: str, granularity: str):
        self.records, self.sets = records, sets
        self.base_url, self.granularity = base_url, granularity
        self._sorted = sorted(records.values(), key=lambda r: (r.datestamp, r.identifier))

    def identify(self):
        earliest = self._sorted[0].datestamp if self._sorted else datetime(1970, 1, 1)
        return common.Identify(
            repositoryName=REPOSITORY_NAME, baseURL=self.base_url, protocolVersion="2.0",
            adminEmails=["oai-test@127.0.0.1"], earliestDatestamp=earliest, deletedRecord="persistent",
            granularity=self.granularity, compression=["identity"],
        )

    def listMetadataFormats(self, identifier=None):
        if identifier is not None and identifier not in self.records:
            raise error.IdDoesNotExistError(f"Id does not exist: {identifier}")
        return [("oai_dc", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd", OAI_DC_NS)]

    def listSets(self, cursor=0, batch_size=10):
        items = sorted(self.sets.items())
        return [(spec, name, None) for spec, name in items[cursor:cursor + batch_size]]

    def _check_prefix(self, prefix: str) -> None:
        if prefix != "oai_dc":
            raise error.CannotDisseminateFormatError(f"Unknown metadata format: {prefix}")

    def _select(self, metadataPrefix, set=None, from_=None, until=None, cursor=0, batch_size=10):
        self._check_prefix(metadataPrefix)
        if set is not None and set not in self.sets:
            raise error.BadArgumentError(f"Unknown set: {set}")
        chosen = [
            r for r in self._sorted
            if (set is None or set in r.set_specs)
            and (from_ is None or r.datestamp >= from_)
            and (until is None or r.datestamp <= until)
        ]
        return chosen[cursor:cursor + batch_size]

    def _header(self, r: StoredRecord):
        return common.Header(None, r.identifier, r.datestamp, r.set_specs, r.deleted)

    def listIdentifiers(self, metadataPrefix, set=None, from_=None, until=None, cursor=0, batch_size=10):
        return [self._header(r) for r in self._select(metadataPrefix, set, from_, until, cursor, batch_size)]

    def listRecords(self, metadataPrefix, set=None, from_=None, until=None, cursor=0, batch_size=10):
        return [
            (self._header(r), None if r.deleted else common.Metadata(None, r.dc), None)
            for r in self._select(metadataPrefix, set, from_, until, cursor, batch_size)
        ]

    def getRecord(self, metadataPrefix, identifier):
        self._check_prefix(metadataPrefix)
        r = self.records.get(identifier)
        if r is None:
            raise error.IdDoesNotExistError(f"Id does not exist: {identifier}")
        return self._header(r), None if r.deleted else common.Metadata(None, r.dc), None


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass


@dataclass
class _Fault:
    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()


class OaiTestServer:
    """``with OaiTestServer(batch_size=10) as srv:`` → ``srv.url`` answers OAI-PMH requests."""

    PATH = "/oai"

    def __init__(self, data_dir: Path, *, batch_size: int = 10, granularity: str = "YYYY-MM-DDThh:mm:ssZ"):
        self.records, self.sets = load_sample(Path(data_dir))
        self.batch_size = batch_size
        self.granularity = granularity
        self.requests: list[dict[str, str]] = []  # query of every request, in order
        self._faults: dict[int, _Fault] = {}
        self._lock = threading.Lock()
        self._httpd: WSGIServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    # -- fault injection -------------------------------------------------------------------

    def schedule_fault(self, status: int, *, after: int = 0, count: int = 1, retry_after: str | None = None,
                       body: bytes = b"") -> None:
        """Answer ``count`` requests, starting ``after`` requests from now, with ``status`` (and
        ``body``, ``Retry-After``) instead of passing them to the OAI-PMH server."""
        headers = (("Retry-After", retry_after),) if retry_after is not None else ()
        with self._lock:
            start = len(self.requests) + after
            for i in range(start, start + count):
                self._faults[i] = _Fault(status, body, headers)

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> OaiTestServer:
        self._httpd = make_server("127.0.0.1", 0, self._app, handler_class=_QuietHandler)
        self.url = f"http://127.0.0.1:{self._httpd.server_port}{self.PATH}"
        repository = SampleRepository(self.records, self.sets, self.url, self.granularity)
        self.oai = server.BatchingServer(repository, metadata_registry=self._registry(), resumption_batch_size=self.batch_size)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="oai-pmh-test-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(timeout=5)
            self._httpd = self._thread = None

    def __enter__(self) -> OaiTestServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @staticmethod
    def _registry() -> metadata.MetadataRegistry:
        registry = metadata.MetadataRegistry()
        registry.registerReader("oai_dc", metadata.oai_dc_reader)
        registry.registerWriter("oai_dc", server.oai_dc_writer)
        return registry

    # -- WSGI ------------------------------------------------------------------------------

    def _app(self, environ, start_response):
        if environ.get("PATH_INFO") != self.PATH:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        query = environ.get("QUERY_STRING", "")
        if environ["REQUEST_METHOD"] == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            query = environ["wsgi.input"].read(length).decode("utf-8", "replace")
        params = parse_qs(query, keep_blank_values=True)
        with self._lock:
            index = len(self.requests)
            self.requests.append({k: v[0] for k, v in params.items()})
            fault = self._faults.pop(index, None)
        if fault is not None:
            from http import HTTPStatus

            start_response(f"{fault.status} {HTTPStatus(fault.status).phrase}", [("Content-Type", "text/xml; charset=utf-8"), *fault.headers])
            return [fault.body]
        repeated = [k for k, v in params.items() if len(v) > 1]
        if repeated:  # OAI-PMH 2.0 §3.1.1: a repeated argument is a badArgument
            exc = error.BadArgumentError(f"Repeated argument: {', '.join(repeated)}")
            body = self.oai.handleException({}, (type(exc), exc, None))
        else:
            body = self.oai.handleRequest({k: v[0] for k, v in params.items()})
        start_response("200 OK", [("Content-Type", "text/xml; charset=utf-8"), ("Content-Length", str(len(body)))])
        return [body]


if __name__ == "__main__":  # pragma: no cover - manual use
    import sys
    import time

    from tests.shared_data import shared_data_dir

    base = shared_data_dir()
    if base is None:
        sys.exit("shared sample data not found (set TT_SHARED_DATA)")
    with OaiTestServer(base / SAMPLE, batch_size=int(sys.argv[1]) if len(sys.argv) > 1 else 10) as srv:
        print(f"{len(srv.records)} records at {srv.url}?verb=Identify  (Ctrl-C stops)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
