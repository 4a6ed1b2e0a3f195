"""Bulk ingest: readers for the files people actually have, a validating pipeline that never
loses a good record because of a bad neighbour, and the Celery tasks that run imports and
drain the indexing outbox."""
