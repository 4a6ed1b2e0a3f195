"""Is FTS5 compiled into this SQLite? Probed once, as Wagtail probes before choosing SQLite."""
from __future__ import annotations

import sqlite3
from functools import cache


@cache
def fts5_available() -> bool:
    try:
        conn = sqlite3.connect(":memory:")
        try:
            conn.execute("CREATE VIRTUAL TABLE probe USING fts5(body)")
            conn.execute("CREATE VIRTUAL TABLE probe_vocab USING fts5vocab(probe, 'row')")
        finally:
            conn.close()
        return True
    except sqlite3.OperationalError:
        return False
