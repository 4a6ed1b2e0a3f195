"""Where the real third-party sample data lives (``../shared/data`` next to the checkout, or
TT_SHARED_DATA). Tests read it in place; it is never copied into the project."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

CANDIDATES = [
    os.environ.get("TT_SHARED_DATA"),
    str(Path(__file__).resolve().parents[1].parent / "shared" / "data"),
    "/work/shared/data",
]


def shared_data_dir() -> Path | None:
    for c in CANDIDATES:
        if c and Path(c, "README.md").exists():
            return Path(c)
    return None


def require(sub: str) -> Path:
    base = shared_data_dir()
    if base is None or not (base / sub).exists():
        pytest.skip(f"shared sample data {sub!r} not found (set TT_SHARED_DATA)")
    return base / sub


def jsonl(sub: str, limit: int | None = None) -> list[dict]:
    out = []
    with open(require(sub), encoding="utf-8") as fh:
        for line in fh:
            out.append(json.loads(line))
            if limit and len(out) >= limit:
                break
    return out
