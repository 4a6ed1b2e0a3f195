"""Choose a backend by name, as Wagtail does: the module exports ``SearchBackend``."""
from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from .base import SearchBackend

ALIASES = {"sqlite": "sqlite", "embedded": "sqlite", "elasticsearch": "elasticsearch", "es": "elasticsearch"}


def get_backend(name: str, params: Mapping[str, Any] | None = None) -> SearchBackend:
    try:
        module_name = ALIASES[name.lower()]
    except KeyError:
        raise ValueError(f"unknown search backend {name!r}; choose one of {sorted(set(ALIASES.values()))}") from None
    module = importlib.import_module(f"{__package__}.{module_name}")
    return module.SearchBackend(params or {})
