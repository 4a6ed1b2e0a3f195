"""Where a merged institution's name leads now.

When an administrator merges a duplicate institution into another (``institution_merge``), the
duplicate's row goes and its normalised name is kept as an ``InstitutionRedirect`` to the
institution it became. Everything that finds institutions, or records by a natural key that
contains an institution's name, asks here after the ordinary lookup misses, so that a file
imported next year under the old name updates the merged records instead of bringing the
duplicate (and duplicate records) back:

* ``find_institution``: names of holders, applicants, an instrument's institution
  (``InstitutionResolver``);
* ``follow_natural_keys``: the natural keys of institutions (their name key), achievements
  without identifiers (title + lead holder) and instruments (institution + asset number)
  (``Matcher``).

A live institution always wins over a redirect with the same key."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Institution, InstitutionRedirect

Rebuild = Callable[[str], str]  # the natural key again, with another institution key in it


def _whole(value: str) -> tuple[str, Rebuild]:
    return value, lambda key: key


def _title_then_holder(value: str) -> tuple[str, Rebuild]:
    title, _, holder = value.partition("|")  # normalize.title_key: the title part has no "|"
    return holder, lambda key: f"{title}|{key}"[:400]


def _institution_then_asset(value: str) -> tuple[str, Rebuild]:
    holder, _, asset = value.partition("|")  # records._instrument_key
    return holder, lambda key: f"{key}|{asset}"


# (record type, natural-key column) -> how the institution's key sits in that key
KEY_SHAPES: dict[tuple[str, str], Callable[[str], tuple[str, Rebuild]]] = {
    ("institution", "name_key"): _whole,
    ("achievement", "natural_key"): _title_then_holder,
    ("instrument", "natural_key"): _institution_then_asset,
}


def redirected(session: Session, keys: Iterable[str]) -> dict[str, Institution]:
    """Name keys of merged institutions -> the live institution each became."""
    keys = sorted({k for k in keys if k})
    out: dict[str, Institution] = {}
    for i in range(0, len(keys), 500):
        rows = session.execute(
            select(InstitutionRedirect.name_key, Institution)
            .join(Institution, Institution.id == InstitutionRedirect.institution_id)
            .where(InstitutionRedirect.name_key.in_(keys[i : i + 500]))
        )
        out.update({key: inst for key, inst in rows})
    return out


def find_institution(session: Session, key: str) -> Institution | None:
    """The institution with this name key, or the one an institution of that name was merged into."""
    with session.no_autoflush:
        inst = session.scalar(select(Institution).where(Institution.name_key == key))
        return inst if inst is not None else redirected(session, [key]).get(key)


def follow_natural_keys(session: Session, model: type, column: str, values: Iterable[Any]) -> dict[Any, list[Any]]:
    """Rows of ``model`` found under natural keys that name a merged institution, by the key
    asked for: ``{"标题|旧名": [the record now held under the new name]}``."""
    shape = KEY_SHAPES.get((getattr(model, "RECORD_TYPE", ""), column))
    if shape is None:
        return {}
    parts = {value: shape(value) for value in values if isinstance(value, str)}
    targets = redirected(session, (key for key, _ in parts.values()))
    if not targets:
        return {}
    rewritten = {value: rebuild(targets[key].name_key) for value, (key, rebuild) in parts.items() if key in targets}
    found: dict[str, list[Any]] = {}
    for row in session.scalars(select(model).where(getattr(model, column).in_(sorted(set(rewritten.values()))))):
        found.setdefault(getattr(row, column), []).append(row)
    return {value: found[new] for value, new in rewritten.items() if new in found}


def merged_names(session: Session, institution_id: int) -> list[str]:
    """The names merged into an institution, oldest first (they are kept as its aliases)."""
    return list(session.scalars(select(InstitutionRedirect.name).where(InstitutionRedirect.institution_id == institution_id)
                                .order_by(InstitutionRedirect.created_at, InstitutionRedirect.name_key)))


__all__ = ["find_institution", "follow_natural_keys", "redirected", "merged_names", "KEY_SHAPES"]
