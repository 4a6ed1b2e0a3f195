"""Run a transaction again when a concurrent writer got there first.

Records and institutions are created by natural key: look the key up, create the row if it is
not there. Two transactions doing that at once for the same key both find nothing and both
insert; the UNIQUE constraint refuses the second (PostgreSQL after waiting for the first to
commit; SQLite at the insert or when the write lock is taken). Nothing is wrong with the
record: run the whole transaction again, and its fresh lookups find the row the other one
committed. The same holds for a lost update (the revision counter), a deadlock, a
serialisation failure or a busy SQLite file.

The protocol lives here once; callers pass a function that does one whole transaction and
commits it (it must start from nothing: no state kept from a failed attempt).
"""
from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_ATTEMPTS = 4  # one try and three retries
BASE_DELAY = 0.05  # seconds; doubled on each retry, with jitter so two writers do not meet again


def is_conflict(exc: BaseException) -> bool:
    """Whether ``exc`` may be another transaction's doing, so trying again can succeed.

    IntegrityError counts because a unique key taken by a concurrent creator is one; a
    constraint the record itself breaks fails again on every attempt and ends in the caller's
    own handling after the last one."""
    return isinstance(exc, (IntegrityError, OperationalError, StaleDataError))


def backoff(attempt: int) -> float:
    return BASE_DELAY * (2**attempt) * (0.5 + random.random())


def retry_on_conflict(session: Session, work: Callable[[], T], *, attempts: int = DEFAULT_ATTEMPTS,
                      what: str = "transaction", sleep: Callable[[float], None] = time.sleep) -> T:
    """``work()``, run again (after a rollback and a short, growing pause) while it fails with a
    conflict, at most ``attempts`` times in all. The last error, or any error that is no
    conflict, is raised with the session rolled back."""
    attempts = max(1, attempts)
    for attempt in range(attempts):
        try:
            return work()
        except SQLAlchemyError as exc:
            session.rollback()
            if attempt + 1 >= attempts or not is_conflict(exc):
                raise
            log.info("%s: conflict with a concurrent writer (%s: %s); trying again (%d of %d)",
                     what, type(exc).__name__, str(getattr(exc, "orig", None) or exc)[:200], attempt + 2, attempts)
            sleep(backoff(attempt))
    raise AssertionError("unreachable")  # pragma: no cover
