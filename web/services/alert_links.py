"""Absolute links in alert mail and webhook bodies, built where there is no request (a worker).

They use ``PUBLIC_BASE_URL`` (never a request's Host header), or ``ALERTS_BASE_URL_FALLBACK`` on a
development install without it. Built with the app's URL map bound to that address, so a link
is whatever the route says, not a copy of it."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.routing import MapAdapter


class AlertLinks:
    def __init__(self, app: Flask):
        self.app = app

    @property
    def base_url(self) -> str:
        return (self.app.config.get("PUBLIC_BASE_URL") or self.app.config.get("ALERTS_BASE_URL_FALLBACK")
                or "http://127.0.0.1:5000").rstrip("/")

    @property
    def domain(self) -> str:
        """The host of the public address (for Message-ID and List-Id)."""
        return urlsplit(self.base_url).hostname or "localhost"

    def _adapter(self) -> MapAdapter:
        parts = urlsplit(self.base_url)
        return self.app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "http")

    def url(self, endpoint: str, **values: Any) -> str:
        """``url_for(endpoint, **values)`` on the public address (None values are left out)."""
        values = {k: v for k, v in values.items() if v is not None}
        return self._adapter().build(endpoint, values, force_external=True)

    def record(self, public_id: str, lang: str) -> str:
        return self.url("records.record", public_id=public_id, lang="en" if lang == "en" else None)
