"""Absolute links that leave the site (exported files, API ``links`` and ``Location``).

They are built from ``PUBLIC_BASE_URL``, never from a request's ``Host`` header, which the
client chooses: a link written into a downloaded spreadsheet must not point wherever a
forged header said. Production refuses to start without the setting (``web.__init__``);
a development install falls back to the address the request came to."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, request, url_for


def base_url() -> str:
    """The site's public address, ending in ``/``."""
    configured = current_app.config.get("PUBLIC_BASE_URL")
    return (configured.rstrip("/") + "/") if configured else request.url_root


def external_url(endpoint: str, **values) -> str:
    """``url_for(endpoint, **values)`` as an absolute link on the public address."""
    return base_url().rstrip("/") + url_for(endpoint, **values)


def check_public_base_url(value: object) -> str:
    """A usable public address (``https://kjcg.jl.gov.cn``, with or without a path), else ValueError."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("TT_PUBLIC_BASE_URL must be set in production (e.g. https://kjcg.example.cn)")
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"TT_PUBLIC_BASE_URL must be an http(s) address with no query, not {value!r}")
    return value.strip().rstrip("/")
