"""A real browser against a real server: Debian's headless Chromium, driven by Playwright's
sync API, talks over HTTP to the app served by werkzeug on 127.0.0.1 (a random free port) from
a fresh SQLite store loaded with demo data.

Playwright never downloads a browser here: it launches the system Chromium
(``/usr/bin/chromium``, or ``TT_TEST_CHROMIUM``). Without it, or without the playwright
package, the browser tests skip with a one-line reason; under CI=true they fail instead.
Chinese text needs a CJK font (Debian: fonts-noto-cjk), or every character is drawn as the
same empty box; ``test_chinese_text_has_a_font`` checks that the same way.

Screenshots of the main pages go to ``test-artifacts/screenshots/`` at the repository root
(git-ignored); a failing test leaves one named ``FAILED-<test>.png`` there too."""
from __future__ import annotations

import os
import re
import shutil
import threading
from pathlib import Path

import pytest

from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-gpu", "--disable-quic", "--no-first-run",
]
DEMO = ["demo", "load", "--achievements", "300", "--patents", "200", "--instruments", "100"]


def unavailable(missing: str, install: str) -> None:
    """Skip with a one-line reason; under CI=true fail instead."""
    if IN_CI:
        pytest.fail(f"browser tests cannot run under CI=true: {missing} ({install})")
    pytest.skip(f"browser tests skipped: {missing} ({install})")


def chromium_path() -> str | None:
    given = os.environ.get("TT_TEST_CHROMIUM")
    if given:
        return given if Path(given).exists() else None
    return shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """Base URL of the app, served by werkzeug in a background thread."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    from web import create_app
    from web.extensions import db
    from web.proxies import current_search

    folder = tmp_path_factory.mktemp("e2e-store")
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'store.sqlite3'}",
        "SEARCH_SQLITE_PATH": str(folder / "search.sqlite3"),
        "INGEST_UPLOAD_DIR": str(folder / "uploads"),
        "CELERY": {"broker_url": "memory://"},
    })
    result = app.test_cli_runner().invoke(args=DEMO)
    assert result.exit_code == 0, result.output

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args, **kwargs) -> None:  # one line per request would drown the output
            pass

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()
        with app.app_context():
            current_search.close()
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if executable is None:
        unavailable("Chromium not installed", "apt-get install chromium")
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright package is not installed", "pip install playwright; no browser download needed")
    manager = sync_playwright().start()
    try:
        try:
            # chromium.launch gives every run a fresh temporary profile (user-data-dir)
            chromium = manager.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        except PlaywrightError as exc:
            unavailable(f"Chromium did not start: {str(exc).splitlines()[0]}", executable)
        yield chromium
        chromium.close()
    finally:
        manager.stop()


@pytest.fixture
def context(browser, live_server):
    """A new browser profile per test (no cookies), a reader whose browser prefers Chinese."""
    ctx = browser.new_context(
        base_url=live_server, locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True,
    )
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context, request):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        try:
            page.screenshot(path=str(SCREENSHOTS / f"FAILED-{name}.png"), full_page=True)
        except Exception:  # the page may be gone; the failure itself is what matters
            pass
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture(scope="session")
def shoot():
    """shoot(page, "search-results-zh"): a full-page PNG in test-artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for stale in SCREENSHOTS.glob("FAILED-*.png"):  # left by an earlier run
        stale.unlink()

    def take(page, name: str) -> Path:
        page.wait_for_load_state("networkidle")
        page.evaluate("document.fonts.ready")
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
