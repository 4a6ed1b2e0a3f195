"""Bulk writes with external versions: the record's revision is the document version, so a
duplicate or late write of an older revision is refused by Elasticsearch itself (409) and
counted as stale instead of overwriting newer data. Item failures never stop the batch."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from elasticsearch import Elasticsearch, TransportError
from elasticsearch import helpers as es_helpers

from ..results import BulkReport, IndexDoc, ItemError

CHUNK_SIZE = 500
RETRYABLE = {429, 502, 503, 504}


def _index_actions(index: str, docs: Iterable[IndexDoc]) -> Iterator[dict[str, Any]]:
    for d in docs:
        yield {
            "_op_type": "index",
            "_index": index,
            "_id": d.id,
            "version": d.version,
            "version_type": "external_gte",
            "_source": d.source,
        }


def _delete_actions(index: str, ids: Iterable[str | tuple[str, int]]) -> Iterator[dict[str, Any]]:
    for item in ids:
        if isinstance(item, tuple):
            doc_id, version = item
            yield {"_op_type": "delete", "_index": index, "_id": doc_id, "version": version, "version_type": "external_gte"}
        else:
            yield {"_op_type": "delete", "_index": index, "_id": item}


def _run(client: Elasticsearch, actions: Iterator[dict[str, Any]], op: str) -> BulkReport:
    report = BulkReport()
    try:
        for ok, item in es_helpers.streaming_bulk(
            client, actions, chunk_size=CHUNK_SIZE, raise_on_error=False, raise_on_exception=False, max_retries=2,
            initial_backoff=1,
        ):
            result = item.get(op, {})
            status = int(result.get("status", 0) or 0)
            doc_id = str(result.get("_id", ""))
            if ok:
                if op == "index":
                    report.indexed += 1
                else:
                    report.deleted += 1
            elif status == 409:
                report.skipped_stale += 1  # a newer (or equal) revision is already there
            elif op == "delete" and status == 404:
                pass  # already gone
            else:
                error = result.get("error") or result.get("exception") or "unknown error"
                reason = error.get("reason", str(error)) if isinstance(error, dict) else str(error)
                if isinstance(error, dict) and error.get("caused_by"):
                    reason = f"{reason}: {error['caused_by'].get('reason', '')}"
                retryable = status in RETRYABLE or status == 0 or status >= 500
                report.errors.append(ItemError(doc_id, reason, status or None, retryable))
    except TransportError as exc:  # the cluster went away mid-batch
        report.errors.append(ItemError("*", f"Elasticsearch unreachable: {exc}", None, True))
    return report


def write(client: Elasticsearch, index: str, docs: Iterable[IndexDoc]) -> BulkReport:
    return _run(client, _index_actions(index, docs), "index")


def delete(client: Elasticsearch, index: str, ids: Iterable[str | tuple[str, int]]) -> BulkReport:
    return _run(client, _delete_actions(index, ids), "delete")
