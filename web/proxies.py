"""Proxies to the per-app extension state (as invenio-search's ``current_search``)."""
from __future__ import annotations

from typing import TYPE_CHECKING, cast

from flask import current_app
from werkzeug.local import LocalProxy

if TYPE_CHECKING:
    from indexer import SearchBackend

    from .services import ServiceRegistry

current_search = cast("SearchBackend", LocalProxy(lambda: current_app.extensions["search"]))
current_services = cast("ServiceRegistry", LocalProxy(lambda: current_app.extensions["services"]))
