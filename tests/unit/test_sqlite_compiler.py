"""Snapshot-style checks of the SQLite compiler: neutral request in, FTS5 MATCH and SQL out."""
from indexer import And, AnyOf, Exists, Not, Phrase, Range, Term, Terms, Text
from indexer.catalog import Catalog
from indexer.sqlite.compiler import compile_match, filter_sql, positive_terms
from indexer.sqlite.schema import SqliteIndexSchema, to_date

SCHEMA = SqliteIndexSchema(Catalog().get("achievements"))
T = SCHEMA.tables()
COLS = "{t_title t_title_en t_keywords__text t_holders__text t_summary t_innovations t_people t_holders_en t_labels}"


def test_words_phrases_and_exclusions():
    m = compile_match(SCHEMA, Text('锂电池 "正极材料" -固态'))
    assert m.kind == "fts"
    assert m.expr == f'(({COLS} : ("锂电" AND "电池")) AND ({COLS} : ("正极 极材 材料"))) NOT ({COLS} : ("固态"))'


def test_user_syntax_is_always_quoted():
    m = compile_match(SCHEMA, Text('NEAR(a b) OR* "x'))
    assert 'NEAR' not in m.expr.replace('"near"', "")


def test_negation_only_and_match_none():
    assert compile_match(SCHEMA, Text("-电池")).kind == "not_fts"
    assert compile_match(SCHEMA, Text("😀")).kind == "none"
    assert compile_match(SCHEMA, Not(Phrase("电池"))).kind == "not_fts"
    assert compile_match(SCHEMA, And((Text("电池"), Not(Text("固态"))))).kind == "fts"


def test_field_limits_pick_columns():
    assert compile_match(SCHEMA, Text("电池", fields=("title",))).expr == '{t_title} : ("电池")'


def test_filters_use_columns_for_single_values_and_the_value_table_for_lists():
    assert filter_sql(SCHEMA, T, Term("city", "jilin")).text == 'd."c_city" = ?'
    multi = filter_sql(SCHEMA, T, Terms("transfer_modes", ("license", "transfer")))
    assert multi.text.startswith('EXISTS (SELECT 1 FROM "s_achievements_vals" v WHERE v.doc = d.rowid AND v.field = ?')
    assert multi.params == ["transfer_modes", "license", "transfer"]
    r = filter_sql(SCHEMA, T, Range("registered_at", gte="2024-01-01", lte="2024-12-31"))
    assert r.params == ["2024-01-01T00:00:00.000Z", "2024-12-31T23:59:59.999Z"]
    assert filter_sql(SCHEMA, T, Term("no_such", 1)).text == "0"
    assert filter_sql(SCHEMA, T, AnyOf((Exists("trl"), Term("transferred", True)))).params == [1]


def test_dates_follow_elasticsearch_rounding():
    assert to_date("2024") == "2024-01-01T00:00:00.000Z"
    assert to_date("2024-02", round_up=True) == "2024-02-29T23:59:59.999Z"
    assert to_date("2024-03-01T10:00:00+08:00") == "2024-03-01T02:00:00.000Z"


def test_highlight_terms_skip_exclusions():
    assert positive_terms(Text("电池 -固态 graphene")) == {"电池", "graphen"}
