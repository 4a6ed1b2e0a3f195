"""What the alert delivery tests act on: an investor's subscription and its matches, made
directly in the store (the matcher has its own tests), and a local webhook receiver."""
from __future__ import annotations

import itertools
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from flask import Flask

from tests.apps import add_user
from web.extensions import db
from web.models import AlertMatch, Subscription

_numbers = itertools.count(1)


def make_subscription(app: Flask, user_id: int | None = None, **fields: Any) -> int:
    """A subscription of a new investor (or of ``user_id``): 石墨烯 in Changchun, by e-mail."""
    user_id = user_id or add_user(app, "investor")
    values: dict[str, Any] = {
        "name": "石墨烯电池", "record_type": "all", "q": "石墨烯 电池", "selections": {"city": ["changchun"]},
        "frequency": "immediate", "lang": "zh", "email_enabled": True, "webhook_enabled": False,
        "feed_token": secrets.token_urlsafe(24), "webhook_failures": 0, "paused": False, "required": [],
    }
    values.update(fields)
    with app.app_context():
        sub = Subscription(user_id=user_id, **values)
        db.session.add(sub)
        db.session.commit()
        return sub.id


def make_matches(app: Flask, sub_id: int, *record_types: str, created_at: datetime | None = None) -> list[int]:
    """One match per record type given (a new record each), with why it matched."""
    ids = []
    with app.app_context():
        sub = db.session.get(Subscription, sub_id)
        for record_type in record_types:
            n = next(_numbers)
            prefix = {"achievement": "ach", "patent": "pat", "instrument": "ins"}[record_type]
            match = AlertMatch(
                subscription_id=sub.id, user_id=sub.user_id, record_id=f"{prefix}-{n}", record_type=record_type,
                title=f"石墨烯电池样品{n}号", title_en=f"Graphene battery sample {n}",
                why={"words": ["石墨烯", "电池"], "snippets": {"summary": f"一种<mark>石墨烯</mark>负极<b>材料</b>{n}"},
                     "filters": {"city": ["changchun"]}},
                created_at=created_at or datetime.now(timezone.utc),
            )
            db.session.add(match)
            db.session.flush()
            ids.append(match.id)
        db.session.commit()
    return ids


def queue(app: Flask, match_ids: list[int]) -> list[int]:
    """What the matcher does after announcing: queue the immediate deliveries and commit."""
    from web.proxies import current_services

    with app.app_context():
        matches = list(db.session.scalars(db.select(AlertMatch).where(AlertMatch.id.in_(match_ids))))
        ids = current_services.alert_deliveries.queue_immediate(matches)
        db.session.commit()
        return ids


@dataclass
class Call:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class WebhookReceiver:
    """A real HTTP server on 127.0.0.1 that keeps every POST and answers ``status``."""

    status: int = 204
    calls: list[Call] = field(default_factory=list)
    port: int = 0

    def __enter__(self) -> "WebhookReceiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's hook name
                length = int(self.headers.get("Content-Length") or 0)
                receiver.calls.append(Call(self.path, {k: v for k, v in self.headers.items()}, self.rfile.read(length)))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"no")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/tt"

    def wait(self, n: int = 1, timeout: float = 10) -> Call:
        deadline = time.monotonic() + timeout
        while len(self.calls) < n and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.calls) >= n, f"{len(self.calls)} calls arrived, {n} expected"
        return self.calls[n - 1]
