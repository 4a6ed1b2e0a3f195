"""What a record page shows besides the record itself: the panels of the exchanges between
parties (inquiries, licence applications, bookings, feedback, matching needs).

Each feature registers a function that gives its panel's template context for a record (or None
when it has nothing to show there); the record view only asks for the panels, so it knows none
of the features, and a feature is added without touching it."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from ..services.identity import Identity

PanelFn = Callable[[Identity, Any], "dict[str, Any] | None"]


@dataclass(frozen=True)
class Panel:
    template: str
    place: Literal["main", "side"]
    order: int
    fn: PanelFn


PANELS: list[Panel] = []


def record_panel(template: str, *, place: Literal["main", "side"] = "main", order: int = 50) -> Callable[[PanelFn], PanelFn]:
    """Register ``fn(identity, record) -> context | None`` to render ``template`` on record pages."""

    def register(fn: PanelFn) -> PanelFn:
        PANELS[:] = [p for p in PANELS if p.template != template] + [Panel(template, place, order, fn)]
        PANELS.sort(key=lambda p: (p.order, p.template))
        return fn

    return register


def panels_for(identity: Identity, rec: Any) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """{"main": [(template, context)], "side": [...]} for the record page."""
    out: dict[str, list[tuple[str, dict[str, Any]]]] = {"main": [], "side": []}
    for p in PANELS:
        ctx = p.fn(identity, rec)
        if ctx is not None:
            out[p.place].append((p.template, ctx))
    return out
