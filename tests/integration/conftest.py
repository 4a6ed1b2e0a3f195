"""Real services for integration tests: a Redis server, Celery worker processes, an SMTP server
(``smtp``), and an app configured like production (Redis broker) on either search engine."""
from __future__ import annotations

import email
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from email import policy
from pathlib import Path

import pytest

from tests.apps import STORES
from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[2]
ENGINES = ["sqlite", pytest.param("elasticsearch", marks=pytest.mark.es)]


@pytest.fixture(params=ENGINES)
def engine(request):
    """The search engine a worker test runs on (each test runs on both)."""
    return request.param


@pytest.fixture
def es_for(engine, request):
    """The Elasticsearch URL when the engine is Elasticsearch, else None."""
    return request.getfixturevalue("es_url") if engine == "elasticsearch" else None


@pytest.fixture(params=STORES)
def store(request) -> str | None:
    """The store a worker test runs on: None for the embedded SQLite file, else a fresh database
    on the session's PostgreSQL server (production's store), for the test and its workers alike."""
    return request.getfixturevalue("pg_server").new_database() if request.param == "postgresql" else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory) -> str:
    server = shutil.which("redis-server")
    if server is None:
        if IN_CI:
            pytest.fail("redis-server is not installed (scripts/dev test installs it)")
        pytest.skip("redis-server not installed (apt-get install redis-server)")
    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                if conn.recv(16).startswith(b"+PONG"):
                    break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("redis-server did not start")
    yield f"redis://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(10)


class Stack:
    """One configuration shared by the test process and the worker processes."""

    def __init__(self, tmp: Path, engine: str, broker: str, es_url: str | None, env: dict[str, str] | None = None,
                 store_url: str | None = None):
        self.tmp = tmp
        self.engine = engine
        self.store = "postgresql" if store_url else "sqlite"
        prefix = f"i{uuid.uuid4().hex[:8]}-"
        self.env = {
            "TT_ENV": "development",
            "TT_INSTANCE_PATH": str(tmp / "instance"),
            "TT_SQLALCHEMY_DATABASE_URI": store_url or f"sqlite:///{tmp / 'store.sqlite3'}",
            "TT_SEARCH_BACKEND": engine,
            "TT_SEARCH_INDEX_PREFIX": prefix,
            "TT_INGEST_UPLOAD_DIR": str(tmp / "uploads"),
            "TT_CELERY__broker_url": broker,
            "TT_INDEXING_MODE": "inline",
            "TT_OUTBOX_CLAIM_SECONDS": "3",  # rows claimed by a killed worker come back quickly
        }
        if engine == "sqlite":
            self.env["TT_SEARCH_SQLITE_PATH"] = str(tmp / "search.sqlite3")
        else:
            self.env["TT_SEARCH_ES_HOSTS"] = f'["{es_url}"]'
            self.env["TT_SEARCH_ES_NUMBER_OF_REPLICAS"] = "0"
            self.env["TT_SEARCH_ES_TIMEOUT"] = "5"
        self.env.update(env or {})
        self.workers: list[subprocess.Popen] = []

    def app(self):
        from tests.apps import shared_template_code
        from web import create_app

        old = {k: os.environ.get(k) for k in self.env}
        os.environ.update(self.env)
        try:
            return shared_template_code(create_app())
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    def start_worker(self, concurrency: int = 2, name: str | None = None, beat: bool = False) -> subprocess.Popen:
        """A worker process; ``beat``: with the scheduler inside it (``-B``), its schedule file in the test's folder."""
        env = {**os.environ, **self.env, "PYTHONPATH": str(ROOT)}
        name = name or f"w{len(self.workers)}-{uuid.uuid4().hex[:4]}"
        scheduler = ["-B", "-s", str(self.tmp / "celerybeat-schedule")] if beat else []
        with open(self.tmp / f"worker-{name}.log", "ab") as log:  # the child keeps its own copy
            proc = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "ingest.worker", "worker", "--pool", "prefork", "-c", str(concurrency),
                 "-n", f"{name}@%h", "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat", *scheduler],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        deadline = time.monotonic() + 60
        logfile = self.tmp / f"worker-{name}.log"
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"worker exited: {logfile.read_text(errors='replace')[-3000:]}")
            if b"ready." in logfile.read_bytes():
                self.workers.append(proc)
                return proc
            time.sleep(0.2)
        proc.kill()
        raise RuntimeError(f"worker not ready: {logfile.read_text(errors='replace')[-3000:]}")

    def stop_workers(self) -> None:
        for proc in self.workers:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.workers:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        self.workers.clear()

    def worker_log(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-4000:] for p in self.tmp.glob("worker-*.log"))


@contextmanager
def stack(tmp: Path, engine: str, broker: str, es_url: str | None = None, env: dict[str, str] | None = None,
          store_url: str | None = None):
    """``env``: more TT_ settings, for the test process and its workers alike; ``store_url``: a
    PostgreSQL database (the ``store`` fixture) instead of the SQLite file."""
    s = Stack(tmp, engine, broker, es_url, env, store_url)
    app = s.app()
    with app.app_context():
        from web.extensions import db
        from web.proxies import current_search

        db.create_all()
        current_search.ensure_indices()
    try:
        yield s, app
    finally:
        s.stop_workers()
        with app.app_context():
            from web.proxies import current_search

            try:
                current_search.drop_indices()
            except Exception:  # noqa: BLE001 - a test may have stopped the engine
                pass
            current_search.close()
            from web.extensions import db

            db.session.remove()
            db.engine.dispose()  # PostgreSQL: the test's connections end with it


def wait_for_job(app, job_id: int, timeout: float = 180, tick=None):
    from web.extensions import db
    from web.models import ImportJob

    deadline = time.monotonic() + timeout
    with app.app_context():
        while time.monotonic() < deadline:
            db.session.expire_all()
            job = db.session.get(ImportJob, job_id)
            if tick:
                tick(job)
            if job.finished:
                db.session.expunge(job)
                return job
            time.sleep(0.25)
    raise AssertionError(f"job {job_id} did not finish in {timeout}s")


@pytest.fixture(scope="session")
def oai_server():
    """A real OAI-PMH server (the oaipmh package) serving the DSpace@MIT sample records."""
    from tests.oai_server import OaiTestServer
    from tests.shared_data import require

    with OaiTestServer(require("oai-pmh-dspace-mit"), batch_size=10) as srv:
        srv.live_count = sum(not r.deleted for r in srv.records.values())
        yield srv


class Inbox:
    """A real SMTP server on 127.0.0.1 that keeps what it receives."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.port = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def wait(self, n: int = 1, timeout: float = 10):
        deadline = time.monotonic() + timeout
        while len(self.messages) < n and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.messages) >= n, f"{len(self.messages)} messages arrived, {n} expected"
        return self.messages[n - 1]


@pytest.fixture(scope="module")
def smtp():
    """A real SMTP server (aiosmtpd) for the tests of one module; ``smtp.port``, ``smtp.wait(n)``."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    inbox.port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    yield inbox
    controller.stop()
