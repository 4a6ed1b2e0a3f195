"""Statistics (issue 10): the dashboards' numbers come from the engine's aggregations, are the
same on both engines, and agree with the search they link to and with their downloads."""
from __future__ import annotations

import csv
import io
import uuid
from urllib.parse import parse_qsl, urlsplit

import pytest
from openpyxl import load_workbook

from tests.apps import close_app, make_app, signed_in
from web.proxies import current_search
from web.stats_options import DASHBOARDS, STATS_TYPES

pytestmark = pytest.mark.integration

DEMO = ["demo", "load", "--achievements", "60", "--patents", "40", "--instruments", "30"]
ENGINES = ["sqlite", pytest.param("elasticsearch", marks=pytest.mark.es)]


def _app(engine: str, request, tmp_path_factory):
    config = {}
    if engine == "elasticsearch":
        config = {"SEARCH_BACKEND": "elasticsearch", "SEARCH_ES_HOSTS": [request.getfixturevalue("es_url")],
                  "SEARCH_ES_NUMBER_OF_REPLICAS": 0, "SEARCH_INDEX_PREFIX": f"stats{uuid.uuid4().hex[:8]}-"}
    return make_app(tmp_path_factory.mktemp(f"stats-{engine}"), *DEMO, **config)


@pytest.fixture(scope="module")
def apps(request, tmp_path_factory):
    """One app per engine, each filled with the same demo data (the generator is seeded)."""
    made: dict = {}

    def get(engine: str):
        if engine not in made:
            made[engine] = _app(engine, request, tmp_path_factory)
        return made[engine]

    yield get
    for engine, app in made.items():
        if engine == "elasticsearch":
            with app.app_context():
                current_search.drop_indices()
        close_app(app)


@pytest.fixture(params=ENGINES)
def app(request, apps):
    return apps(request.param)


def stats(client, **args) -> dict:
    response = client.get("/api/v1/stats", query_string={"lang": "zh", **args})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def search_total(client, link: str) -> int:
    query = parse_qsl(urlsplit(link).query)
    response = client.get("/api/v1/search", query_string=query + [("size", "1")])
    assert response.status_code == 200, (link, response.get_data(as_text=True))
    return response.get_json()["total"]


@pytest.mark.parametrize("args", [{}, {"q": "技术"}, {"city": "changchun"}], ids=["all", "words", "filter"])
@pytest.mark.parametrize("record_type", STATS_TYPES)
def test_every_bar_counts_what_its_search_finds(app, record_type, args):
    client = app.test_client()
    body = stats(client, type=record_type, **args)
    assert body["total"] == search_total(client, body["search"])
    assert [c["key"] for c in body["charts"]] == [c.key for c in DASHBOARDS[record_type].charts]
    for chart in body["charts"]:
        # the largest bars and one empty one (a bar of nothing opens a search of nothing)
        shown = sorted(chart["buckets"], key=lambda b: -b["count"])
        for bucket in shown[:3] + [b for b in shown if b["count"] == 0][:1]:
            assert bucket["count"] == search_total(client, bucket["search"]), (chart["key"], bucket)


def test_a_chart_counts_its_own_dimension_under_the_other_filters(app):
    client = app.test_client()
    everything = stats(client, type="achievement")
    in_changchun = stats(client, type="achievement", city="changchun")
    cities = {c["key"]: c for c in in_changchun["charts"]}["city"]["buckets"]
    # the city chart still shows every city (the filter's own dimension), with the selection marked
    assert cities == [{**b, "selected": b["key"] == "changchun", "search": b["search"]} for b in cities]
    assert {b["key"]: b["count"] for b in cities} == {b["key"]: b["count"] for b in {c["key"]: c for c in everything["charts"]}["city"]["buckets"]}
    assert [b["selected"] for b in cities].count(True) == 1
    # the other charts count Changchun's records only
    changchun = next(b for b in cities if b["key"] == "changchun")["count"]
    assert in_changchun["total"] == changchun
    levels = {c["key"]: c for c in in_changchun["charts"]}["level"]["buckets"]
    assert sum(b["count"] for b in levels) <= changchun


def test_trends_fill_the_years_and_give_the_change(app):
    body = stats(app.test_client(), type="achievement")
    trend = {c["key"]: c for c in body["charts"]}["year"]["buckets"]
    years = [b["key"] for b in trend]
    assert years == list(range(years[0], years[-1] + 1))
    for before, after in zip(trend, trend[1:]):
        expected = None if not before["count"] else round((after["count"] - before["count"]) / before["count"], 4)
        assert after["change"] == expected
    overview = {c["key"]: c for c in stats(app.test_client())["charts"]}["year"]["buckets"]
    assert all(sum(b["by_type"].values()) == b["count"] for b in overview)


def test_the_openness_figures_and_what_only_members_see(app):
    anonymous = stats(app.test_client(), type="instrument")
    assert set(anonymous["totals"]) == {"value", "annual_open_hours", "external_hours"}
    member = signed_in(app, "investor")
    body = member.get("/api/v1/stats", query_string={"type": "instrument"}).get_json()
    assert set(body["totals"]) == {"value", "annual_open_hours", "external_hours", "external_income"}
    by_class = {c["key"]: c for c in body["charts"]}["instrument_class"]["buckets"]
    for field in body["totals"]:
        assert sum(b["sums"][field] for b in by_class) == pytest.approx(body["totals"][field], abs=0.05)
    shared = {c["key"]: c for c in body["charts"]}["shared"]["buckets"]
    assert sum(b["count"] for b in shared) == body["total"]
    page = app.test_client().get("/stats?type=instrument", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "年对外服务收入仅向登录会员显示" in page


def test_downloads_carry_the_numbers_of_the_api(app):
    client = app.test_client()
    args = {"type": "patent", "legal_status": "in_force", "lang": "zh"}
    body = stats(client, **args)
    kinds = {c["key"]: c for c in body["charts"]}["kind"]
    response = client.get("/stats/export.csv", query_string={**args, "chart": "kind"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["代码", "名称", "记录数"]
    assert [(r[0], int(r[2])) for r in rows[1:]] == [(b["value"], b["count"]) for b in kinds["buckets"]]
    assert all(r[-1].endswith(b["search"]) for r, b in zip(rows[1:], kinds["buckets"]))
    book = load_workbook(io.BytesIO(client.get("/stats/export.xlsx", query_string=args).data))
    assert len(book.sheetnames) == len(body["charts"]) + 1  # a sheet per chart, and the filters
    sheet = book[book.sheetnames[[c["key"] for c in body["charts"]].index("kind")]]
    assert [(r[0], r[2]) for r in sheet.iter_rows(min_row=2, values_only=True)] == [(b["value"], b["count"]) for b in kinds["buckets"]]
    about = {r[0]: r[1] for r in book[book.sheetnames[-1]].iter_rows(values_only=True)}
    assert about["记录总数"] == body["total"] > 0 and about["法律状态"] == "有效"


def test_what_the_statistics_refuse(app):
    client = app.test_client()
    assert client.get("/api/v1/stats", query_string={"type": "institution"}).status_code == 400
    assert client.get("/api/v1/stats", query_string={"type": "patent", "granted": "二〇二〇"}).status_code == 400
    assert client.get("/api/v1/stats", query_string={"type": "elsewhere"}).status_code == 422
    assert client.get("/stats/export.csv", query_string={"type": "patent"}).status_code == 404  # which chart?
    assert client.get("/stats/export.csv", query_string={"type": "patent", "chart": "nothing"}).status_code == 404
    # a search page takes the charts' filters it does not list, and links to its charts
    page = client.get("/search", query_string={"type": "patent", "granted": "2020"}).get_data(as_text=True)
    assert "/stats?type=patent&amp;granted=2020" in page


@pytest.mark.es
def test_both_engines_give_the_same_numbers(apps):
    for args in ({}, {"type": "achievement", "q": "技术"}, {"type": "patent", "open_licence": "true"},
                 {"type": "instrument", "city": "changchun", "shared": "true"}):
        on_sqlite = stats(apps("sqlite").test_client(), **args)
        on_elasticsearch = stats(apps("elasticsearch").test_client(), **args)
        assert on_sqlite == on_elasticsearch, args
