"""ingest.heap: an importing process's garbage collector, settled once. Run in a child process:
the test process's own collector is not to be changed."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import gc, json
from ingest import heap
first, second = heap.settle(), heap.settle()
cycle = []; cycle.append(cycle); del cycle
print(json.dumps({"after": gc.get_threshold(), "frozen": gc.get_freeze_count(),
                  "first": first, "second": second, "collected": gc.collect()}))
"""


def test_settle_freezes_the_loaded_tables_and_makes_collections_rarer_once():
    out = subprocess.run([sys.executable, "-c", CHILD], cwd=ROOT, capture_output=True, text=True, check=True)
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert tuple(seen["after"]) == (50_000, 20, 100)
    assert seen["frozen"] > 100_000  # pypinyin's dictionary and the modules, never walked again
    assert seen["first"] is True and seen["second"] is False
    assert seen["collected"] >= 1  # cycles made afterwards are still collected
