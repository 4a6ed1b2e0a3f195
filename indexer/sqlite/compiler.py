"""SearchRequest -> SQLite FTS5 MATCH expressions and SQL. Pure functions, no connection.

The free-text tree becomes one FTS5 expression per index (tokens quoted, so user input can
never be read as FTS5 syntax); filters become SQL over the typed columns and the value table;
scores come from ``bm25()`` with the mapping's field boosts as column weights.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from .. import analysis, pinyin, textquery
from ..errors import UnsupportedQuery
from ..query import (
    AllOf, And, AnyOf, Exists, Filter, MatchAll, NoneOf, Not, Or, Phrase, QueryNode, Range, Term, Terms, Text,
)
from ..synonyms import Synonyms
from .schema import SqliteIndexSchema, TableSet, ident, to_column

MatchKind = Literal["fts", "all", "none", "not_fts"]


@dataclass(frozen=True)
class Match:
    kind: MatchKind
    expr: str = ""
    # the words without their synonyms: the documents it matches rank first (EXACT_BONUS)
    exact: str = ""


EXACT_BONUS = 1000.0


def score_sql(fts: str, weights: str, match: Match) -> tuple[str, list[str]]:
    """A match's score (bm25 with the column weights, plus EXACT_BONUS for the documents that
    have the words themselves when synonyms widened it) and its parameters."""
    if not match.exact:
        return f"-bm25({fts}, {weights})", []
    return (f"(-bm25({fts}, {weights}) + CASE WHEN {fts}.rowid IN (SELECT rowid FROM {fts} WHERE {fts} MATCH ?) "
            f"THEN {EXACT_BONUS} ELSE 0 END)"), [match.exact]


ALL = Match("all")
NONE = Match("none")


def _quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _term(token: str) -> str:
    """One token asked alone. A single CJK character is a prefix: the index keeps it as a
    unigram only at the end of a run, and everywhere else it starts a bigram
    (``analysis.index_text``)."""
    return _quote(token) + "*" if analysis.is_one_cjk(token) else _quote(token)


def _phrase(tokens: list[str]) -> str:
    """Tokens that must stand next to each other; one token is asked as :func:`_term`."""
    return _term(tokens[0]) if len(tokens) == 1 else _quote(" ".join(tokens))


def _columns(schema: SqliteIndexSchema, fields: tuple[str, ...] | None) -> list[str]:
    if fields:
        known = {f.path for f in schema.text_fields}
        for f in fields:
            info = schema.spec.fields.get(f)
            if info is not None and not info.is_text:
                raise UnsupportedQuery(f"{f!r} is not a text field", field=f)
        paths = [f for f in fields if f in known]
    else:
        paths = list(schema.search_weights)
    return [schema.fts_column(p) for p in paths]


def _scoped(columns: list[str], expr: str) -> str:
    return "{" + " ".join(columns) + "} : (" + expr + ")"


def _words_expr(toks: list[str], columns: list[str]) -> str:
    # every token of the word, each in any searched column (the rule ES cross_fields+and applies)
    return _scoped(columns, " AND ".join(_term(t) for t in dict.fromkeys(toks)))


def item_expr(item: textquery.Item, columns: list[str], py: tuple[str, str] | None = None,
              syn: Synonyms | None = None) -> str | None:
    """``py``: the FTS columns of pinyin syllables and initials, where a Latin word may also
    match as pinyin (a phrase of its syllables or initials; their bm25 weights are low);
    ``syn``: the synonyms a word also finds."""
    toks = analysis.terms(item.text)
    if not toks:
        return None
    if isinstance(item, textquery.QuotedPhrase):
        expr = _scoped(columns, _phrase(toks))
    else:
        expr = _words_expr(toks, columns)
    alternatives = []
    reading = pinyin.read_query(item.text) if py is not None else None
    if reading is not None:
        kind, parts = reading
        column = py[0] if kind == "syllables" else py[1]
        alternatives.append(_scoped([column], _quote(" ".join(analysis.terms(" ".join(parts))))))
    if syn is not None and isinstance(item, textquery.Word):
        alternatives += [_words_expr(t, columns) for t in (analysis.terms(o) for o in syn.alternatives(item.text)) if t]
    return _combine([expr, *alternatives], "OR") if alternatives else expr


def _combine(parts: list[str], op: str) -> str:
    return parts[0] if len(parts) == 1 else "(" + f") {op} (".join(parts) + ")"


def text_match(schema: SqliteIndexSchema, text: Text) -> Match:
    columns = _columns(schema, text.fields)
    if not columns:
        return NONE
    parsed = textquery.parse(text.query)
    py = schema.pinyin_columns if not text.fields else None
    syn = schema.synonyms
    match = _parsed_match(parsed, text, columns, py, syn)
    if match.kind == "fts" and syn is not None and any(syn.alternatives(i.text) for g in parsed.groups for i in g
                                                       if isinstance(i, textquery.Word)):
        return Match("fts", match.expr, _parsed_match(parsed, text, columns, py, None).expr)
    return match


def _parsed_match(parsed: textquery.ParsedQuery, text: Text, columns: list[str], py: tuple[str, str] | None,
                  syn: Synonyms | None) -> Match:
    groups = []
    for group in parsed.groups:
        alts = [e for e in (item_expr(i, columns, py, syn) for i in group) if e]
        if alts:
            groups.append(_combine(alts, "OR"))
    excluded = [e for e in (item_expr(i, columns, py, syn) for i in parsed.excluded) if e]
    if not groups and not excluded:
        return NONE
    if not groups:
        return Match("not_fts", _combine(excluded, "OR"))
    positive = _combine(groups, "AND" if text.operator == "and" else "OR")
    if excluded:
        return Match("fts", f"({positive}) NOT ({_combine(excluded, 'OR')})")
    return Match("fts", positive)


def compile_match(schema: SqliteIndexSchema, node: QueryNode | None) -> Match:
    if node is None or isinstance(node, MatchAll):
        return ALL
    if isinstance(node, Text):
        return text_match(schema, node)
    if isinstance(node, Phrase):
        columns = _columns(schema, node.fields)
        toks = analysis.terms(node.text)
        if not columns or not toks:
            return NONE
        return Match("fts", _scoped(columns, _phrase(toks)))
    if isinstance(node, Not):
        inner = compile_match(schema, node.child)
        return {"all": NONE, "none": ALL, "fts": Match("not_fts", inner.expr), "not_fts": Match("fts", inner.expr)}[inner.kind]
    if isinstance(node, And):
        parts = [compile_match(schema, c) for c in node.children]
        if any(p.kind == "none" for p in parts):
            return NONE
        pos = [p.expr for p in parts if p.kind == "fts"]
        neg = [p.expr for p in parts if p.kind == "not_fts"]
        if not pos and not neg:
            return ALL
        if not pos:
            return Match("not_fts", _combine(neg, "OR"))
        expr = _combine(pos, "AND")
        return Match("fts", f"({expr}) NOT ({_combine(neg, 'OR')})" if neg else expr)
    if isinstance(node, Or):
        parts = [compile_match(schema, c) for c in node.children]
        if any(p.kind == "all" for p in parts):
            return ALL
        if any(p.kind == "not_fts" for p in parts):
            raise UnsupportedQuery("an OR with a negated branch is not supported by the embedded engine")
        pos = [p.expr for p in parts if p.kind == "fts"]
        return Match("fts", _combine(pos, "OR")) if pos else NONE
    raise UnsupportedQuery(f"unknown query node {type(node).__name__}")


def _synonyms_of(item: textquery.Item, synonyms: Synonyms | None) -> tuple[str, ...]:
    return synonyms.alternatives(item.text) if synonyms is not None and isinstance(item, textquery.Word) else ()


def positive_terms(node: QueryNode | None, synonyms: Synonyms | None = None) -> set[str]:
    """Tokens a highlighter should mark: every non-negated word and phrase (and its synonyms)."""
    if node is None or isinstance(node, MatchAll):
        return set()
    if isinstance(node, Text):
        parsed = textquery.parse(node.query)
        words = [w for group in parsed.groups for item in group for w in (item.text, *_synonyms_of(item, synonyms))]
        return {t for w in words for t in analysis.terms(w)}
    if isinstance(node, Phrase):
        return set(analysis.terms(node.text))
    if isinstance(node, (And, Or)):
        return set().union(*(positive_terms(c, synonyms) for c in node.children))
    return set()


# -- filters ---------------------------------------------------------------------------------

@dataclass
class Sql:
    text: str
    params: list[Any] = field(default_factory=list)

    @staticmethod
    def join(parts: list["Sql"], op: str, empty: str) -> "Sql":
        if not parts:
            return Sql(empty)
        return Sql("(" + f" {op} ".join(p.text for p in parts) + ")", [x for p in parts for x in p.params])


TRUE, FALSE = Sql("1"), Sql("0")


def filter_sql(schema: SqliteIndexSchema, t: TableSet, f: Filter, plain: frozenset[str] = frozenset()) -> Sql:
    """``plain``: fields whose column index the planner should not use for this condition
    (SQLite's unary ``+``): a filter nearly every document passes, such as the status of a
    public listing, would otherwise win over the index that gives the listing its order."""
    if isinstance(f, AllOf):
        return Sql.join([filter_sql(schema, t, c, plain) for c in f.filters], "AND", "1")
    if isinstance(f, AnyOf):
        return Sql.join([filter_sql(schema, t, c, plain) for c in f.filters], "OR", "0")
    if isinstance(f, NoneOf):
        inner = Sql.join([filter_sql(schema, t, c, plain) for c in f.filters], "OR", "0")
        # a condition on a missing value is NULL in SQL, and NOT NULL would reject the document;
        # Elasticsearch's must_not keeps it (it does not match the excluded value)
        return Sql(f"NOT COALESCE({inner.text}, 0)", inner.params)
    info = schema.spec.fields.get(f.field)
    if info is None:
        return FALSE  # the field does not exist in this index: nothing matches (as in ES)
    if isinstance(f, Exists):
        if info.is_scalar and not info.multi:
            return Sql(f"d.{ident(schema.column(f.field))} IS NOT NULL")
        if info.is_scalar:
            return Sql(f"EXISTS (SELECT 1 FROM {t.vals} v WHERE v.doc = d.rowid AND v.field = ?)", [f.field])
        path = "$." + ".".join(ident(p) for p in info.source_path.split("."))
        return Sql(f"EXISTS (SELECT 1 FROM {t.src} s WHERE s.rowid = d.rowid AND json_type(s.source, ?) IS NOT NULL "
                   f"AND json_type(s.source, ?) != 'null' AND COALESCE(json_extract(s.source, ?), '') NOT IN ('', '[]'))", [path, path, path])
    if isinstance(f, Term):
        cond, params = "= ?", [to_column(info, f.value)]
    elif isinstance(f, Terms):
        params = [to_column(info, v) for v in f.values]
        cond = "IN (" + ", ".join("?" * len(params)) + ")"
    elif isinstance(f, Range):
        conds, params = [], []
        for op, sql_op in (("gte", ">="), ("gt", ">"), ("lte", "<="), ("lt", "<")):
            bound = getattr(f, op)
            if bound is not None:
                conds.append(sql_op)
                params.append(to_column(info, bound, round_up=op in ("lte", "gt")))
        if not conds:
            return filter_sql(schema, t, Exists(f.field))
        cond = None
    else:
        raise UnsupportedQuery(f"unknown filter {type(f).__name__}")
    if info.multi:
        if cond is None:
            where = " AND ".join(f"v.value {op} ?" for op in conds)
        else:
            where = f"v.value {cond}"
        return Sql(f"EXISTS (SELECT 1 FROM {t.vals} v WHERE v.doc = d.rowid AND v.field = ? AND {where})", [f.field, *params])
    col = f"{'+' if f.field in plain else ''}d.{ident(schema.column(f.field))}"
    if cond is None:
        return Sql("(" + " AND ".join(f"{col} {op} ?" for op in conds) + ")", params)
    return Sql(f"{col} {cond}", params)


def filters_sql(schema: SqliteIndexSchema, t: TableSet, filters: list[Filter], plain: frozenset[str] = frozenset()) -> Sql:
    return Sql.join([filter_sql(schema, t, f, plain) for f in filters], "AND", "1")


# -- FROM clause ----------------------------------------------------------------------------

def from_clause(schema: SqliteIndexSchema, t: TableSet, match: Match) -> tuple[Sql, list[Sql]]:
    """FROM for the documents matching ``match`` (exposing ``m.score`` when it has words),
    and the WHERE conditions the match itself needs."""
    if match.kind == "fts":
        score, params = score_sql(t.fts, schema.bm25_weights, match)
        # CROSS JOIN fixes the loop order: run the MATCH once, then look documents up by rowid
        # (left to itself the planner may scan documents by a filter index and re-run the MATCH
        # for each one)
        return Sql(
            f"FROM (SELECT rowid AS rid, {score} AS score FROM {t.fts} "
            f"WHERE {t.fts} MATCH ?) m CROSS JOIN {t.docs} d ON d.rowid = m.rid",
            [*params, match.expr],
        ), []
    # no score without words (and no join: a constant row joined in front of the documents keeps
    # SQLite from reading a listing's order off the sort column's index, a full sort instead)
    plain = Sql(f"FROM {t.docs} d")
    if match.kind == "not_fts":
        return plain, [Sql(f"d.rowid NOT IN (SELECT rowid FROM {t.fts} WHERE {t.fts} MATCH ?)", [match.expr])]
    if match.kind == "none":
        return plain, [FALSE]
    return plain, []


def select(columns: str, from_sql: Sql, conditions: list[Sql], tail: str = "", tail_params: list[Any] | None = None) -> Sql:
    """``SELECT columns FROM ... WHERE <conditions> tail``."""
    conds = [c for c in conditions if c.text != "1"]
    text = f"SELECT {columns} {from_sql.text}"
    params = list(from_sql.params)
    if conds:
        text += " WHERE " + " AND ".join(c.text for c in conds)
        params += [p for c in conds for p in c.params]
    if tail:
        text += " " + tail
        params += tail_params or []
    return Sql(text, params)
