"""Session-wide fixtures: the real Elasticsearch node, engine selection, known-gap markers.

Under CI=true the Elasticsearch half of the suite must run: a node that cannot start fails the
run instead of skipping it. Outside CI, a machine without Java or Maven skips those tests with
a one-line reason."""
from __future__ import annotations

import os
import shutil
from collections import Counter
from pathlib import Path

import pytest

from devtools import esnode

IN_CI = os.environ.get("CI", "").lower() == "true"
_ran: Counter = Counter()
_es_problem: list[str] = []


# Where the tests' own files go (tmp_path: the stores, search files, uploads, logs of each test).
# Every SQLite commit syncs its file to disk; thousands of them per run (each test writes its own
# store) cost minutes on a disk and nothing in memory. So tmp_path lives on /dev/shm when it is a
# memory file system with room to spare (a container's default 64 MB /dev/shm is not used), unless
# the caller chose a place (--basetemp, or PYTEST_DEBUG_TEMPROOT). Durability across a power cut
# is nothing the tests check; a killed process (the worker tests) loses nothing either way.
MEMORY_TEMPROOT = Path("/dev/shm")
MEMORY_TEMPROOT_MIN_FREE = 4 * 1024**3


def memory_temproot() -> Path | None:
    try:
        if not os.access(MEMORY_TEMPROOT, os.W_OK | os.X_OK):
            return None
        with open("/proc/mounts", encoding="utf-8") as mounts:
            if not any(line.split()[1:3] == [str(MEMORY_TEMPROOT), "tmpfs"] for line in mounts):
                return None
        return MEMORY_TEMPROOT if shutil.disk_usage(MEMORY_TEMPROOT).free >= MEMORY_TEMPROOT_MIN_FREE else None
    except OSError:
        return None


# Passwords: argon2id as in production, with its cheapest cost (1 pass over 8 KiB instead of 3
# passes over 64 MiB on 4 lanes: ~0.2 ms instead of ~160 ms a hash or a check). The tests make
# and sign in hundreds of accounts; what they check is that a password is hashed, checked and
# refused, never the cost. Salt and hash keep their production lengths. Hashes made here carry
# their parameters, so processes started by the tests (Celery workers, with the production cost)
# check them as they are. Applies to this process only.
TEST_PASSWORD_COST = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}


def cheap_password_hashing() -> None:
    import secrets

    from argon2 import PasswordHasher

    from web.services import accounts

    default = accounts._hasher
    accounts._hasher = PasswordHasher(hash_len=default.hash_len, salt_len=default.salt_len, **TEST_PASSWORD_COST)
    accounts._DUMMY_HASH = accounts._hasher.hash(secrets.token_urlsafe(16))  # an unknown e-mail costs what a wrong password does


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "known_gap(engine, reason): a declared difference of one engine (strict xfail)")
    cheap_password_hashing()
    if config.option.basetemp is None and "PYTEST_DEBUG_TEMPROOT" not in os.environ:
        root = memory_temproot()
        if root is not None:  # read by pytest when tmp_path is first asked for (xdist's workers get their folder from here)
            os.environ["PYTEST_DEBUG_TEMPROOT"] = str(root)


FOLDER_MARKERS = {"unit": "unit", "conformance": "conformance", "integration": "integration", "e2e": "browser"}


# Modules whose every test is marked serial, and whose collection costs seconds (schemathesis makes
# its tests from the OpenAPI document when the module is imported): a run that leaves the serial
# tests out (-m "not serial", each of scripts/dev test's xdist workers) does not import them. The
# run that selects them (-m serial) checks that each of their tests is still marked serial, so none
# can fall out of both runs.
SERIAL_MODULES = {"tests/integration/test_api_schemathesis.py"}
ROOT = Path(__file__).resolve().parents[1]


def _relative(path: Path) -> str:
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if config.getoption("markexpr") == "not serial" and _relative(collection_path) in SERIAL_MODULES:
        return True
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if _relative(item.path) in SERIAL_MODULES and item.get_closest_marker("serial") is None:
            raise pytest.UsageError(f"{item.nodeid} is in SERIAL_MODULES (tests/conftest.py) but not marked serial")
        for part in item.path.parts:
            if part in FOLDER_MARKERS:
                item.add_marker(getattr(pytest.mark, FOLDER_MARKERS[part]))
        callspec = getattr(item, "callspec", None)
        engine = callspec.params.get("engine") if callspec else None
        for mark in item.iter_markers("known_gap"):
            if engine is not None and mark.args and mark.args[0] == engine:
                item.add_marker(pytest.mark.xfail(strict=True, reason=f"known gap of {engine}: {mark.kwargs.get('reason', '')}"))


@pytest.fixture(scope="session")
def pg_server():
    """A real PostgreSQL server (production's store) for this session: ``pg_server.new_database()``
    gives each test its own database. Under CI=true a missing server fails the run."""
    from tests import pgserver

    try:
        server = pgserver.start()
    except (pgserver.ServerMissing, RuntimeError, OSError) as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required under CI: {exc}")
        pytest.skip(str(exc).splitlines()[0])
    yield server
    server.stop()


@pytest.fixture(scope="session")
def es_url() -> str:
    """URL of a healthy Elasticsearch 8 node: TT_TEST_ES_URL, or one started for this session."""
    given = os.environ.get("TT_TEST_ES_URL")
    if given:
        yield given
        return
    missing = esnode.missing_tools()
    if missing:
        reason = f"Elasticsearch tests skipped: {', '.join(missing)} not installed"
        _es_problem.append(reason)
        if IN_CI:
            pytest.fail(reason + " (CI=true requires them)")
        pytest.skip(reason)
    try:
        url, started = esnode.start(clean=True)
    except esnode.NodeError as exc:
        _es_problem.append(str(exc).splitlines()[0])
        if IN_CI:
            pytest.fail(f"Elasticsearch node did not start under CI: {exc}")
        pytest.skip(f"Elasticsearch node did not start: {str(exc).splitlines()[0]}")
    yield url
    if started:
        esnode.stop()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and "[" in report.nodeid and "conformance" in report.nodeid:
        ids = report.nodeid.split("[", 1)[1]
        engine = next((e for e in ("elasticsearch", "sqlite-sql", "sqlite") if e in ids), None)
        if engine:
            _ran[(engine, report.outcome)] += 1


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if not _ran and not _es_problem:
        return
    terminalreporter.section("conformance suite by engine")
    for engine in ("sqlite", "sqlite-sql", "elasticsearch"):
        counts = {outcome: n for (e, outcome), n in _ran.items() if e == engine}
        line = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())) or "did not run"
        terminalreporter.write_line(f"{engine:14s} {line}")
    for problem in _es_problem:
        terminalreporter.write_line(f"elasticsearch: {problem}")
