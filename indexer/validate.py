"""Checks every engine applies before compiling a request, so both refuse the same things
with the same message."""
from __future__ import annotations

from .catalog import NUMERIC_TYPES, Catalog, FieldInfo
from .errors import QueryError, UnsupportedQuery
from .query import (
    MAX_PAGE_SIZE, MAX_RESULT_WINDOW, AllOf, AnyOf, Exists, Filter, NoneOf, Range, SearchRequest, Term, Terms,
)


def check_search(catalog: Catalog, req: SearchRequest) -> None:
    if not req.indices:
        raise QueryError("no index to search", code="no_index")
    for name in req.indices:
        catalog.get(name)
    size, number = req.page.size, req.page.number
    if size < 0 or size > MAX_PAGE_SIZE:
        raise QueryError(f"size must be between 0 and {MAX_PAGE_SIZE}", code="invalid_size", field="size")
    if number < 1:
        raise QueryError("page must be 1 or more", code="invalid_page", field="page")
    if req.after is None and req.page.offset + size > MAX_RESULT_WINDOW:
        raise QueryError(
            f"结果窗口超过 {MAX_RESULT_WINDOW} 条，请使用游标翻页 / page too deep: results beyond "
            f"{MAX_RESULT_WINDOW} need the cursor",
            code="page_too_deep",
            field="page",
        )
    for f in req.filters:
        check_filter(catalog, req.indices, f)
    for _, f in req.facet_filters:
        check_filter(catalog, req.indices, f)
    for facet in req.facets:
        info = catalog.resolve_field(req.indices, facet.field)
        if not info.is_scalar:
            raise UnsupportedQuery(f"cannot facet on {info.type} field {facet.field!r}", field=facet.field)
        if facet.kind == "range" and info.type not in NUMERIC_TYPES:
            raise UnsupportedQuery(f"range facets need a numeric field, not {facet.field!r}", field=facet.field)
        if facet.kind == "year" and info.type != "date":
            raise UnsupportedQuery(f"year facets need a date field, not {facet.field!r}", field=facet.field)
        if facet.sums and facet.kind == "range" and info.multi:
            # a document with two values in one range would be added twice by one engine and once by the other
            raise UnsupportedQuery(f"cannot add up values per range of the list field {facet.field!r}", field=facet.field)
        for name in facet.sums:
            check_sum_field(catalog, req.indices, name)
        if facet.size < 1 or facet.size > 1000:
            raise QueryError("facet size must be between 1 and 1000", code="invalid_facet_size")
    for name in req.sums:
        check_sum_field(catalog, req.indices, name)
    for s in req.sort:
        if s.field == "_score":
            continue
        info = catalog.resolve_field(req.indices, s.field)
        if not info.is_scalar or info.multi:
            raise UnsupportedQuery(f"cannot sort on {'multi-valued ' if info.multi else ''}{info.type} field {s.field!r}", field=s.field)


def check_filter(catalog: Catalog, indices: tuple[str, ...], f: Filter) -> None:
    if isinstance(f, (AllOf, AnyOf, NoneOf)):
        for child in f.filters:
            check_filter(catalog, indices, child)
        return
    info: FieldInfo = catalog.resolve_field(indices, f.field)
    if isinstance(f, Exists):
        return
    if not info.is_scalar:
        raise UnsupportedQuery(f"cannot filter on {info.type} field {f.field!r}; search it as text", field=f.field)
    if isinstance(f, Range) and info.type not in NUMERIC_TYPES | {"date"}:
        raise UnsupportedQuery(f"range filters need a number or date field, not {f.field!r}", field=f.field)
    if isinstance(f, Terms) and not f.values:
        raise QueryError(f"empty value list for {f.field!r}", code="invalid_filter", field=f.field)
    if isinstance(f, (Term, Terms)) and info.type in NUMERIC_TYPES:
        values = [f.value] if isinstance(f, Term) else list(f.values)
        for v in values:
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                try:
                    float(v)  # type: ignore[arg-type]
                except (TypeError, ValueError):
                    raise QueryError(f"{f.field!r} takes numbers, not {v!r}", code="invalid_filter", field=f.field) from None


def check_sum_field(catalog: Catalog, indices: tuple[str, ...], name: str) -> None:
    info = catalog.resolve_field(indices, name)
    if info.type not in NUMERIC_TYPES or info.multi:
        raise UnsupportedQuery(f"only single-valued numeric fields can be added up, not {name!r}", field=name)
