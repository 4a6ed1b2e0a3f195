"""Every record type's tab, with and without words, on both engines: the page, the API and
the export answer, and each sort a type offers works on that type.

Regression: ``/search?type=institution`` with no words asked for the "newest" sort, which
institutions do not offer, and answered 400 (the home page links to that tab)."""
from __future__ import annotations

import re
import uuid

import pytest

from tests.apps import close_app, make_app
from web.proxies import current_search
from web.search_options import RECORD_TYPES, SORTS

DEMO = ["demo", "load", "--achievements", "40", "--patents", "30", "--instruments", "20", "--needs", "20"]
WORDS = {"all": "技术", "achievement": "技术", "patent": "方法", "instrument": "仪", "institution": "大学", "need": "技术"}


@pytest.fixture(scope="module", params=["sqlite", pytest.param("elasticsearch", marks=pytest.mark.es)])
def app(request, tmp_path_factory):
    config = {}
    if request.param == "elasticsearch":
        config = {
            "SEARCH_BACKEND": "elasticsearch", "SEARCH_ES_HOSTS": [request.getfixturevalue("es_url")],
            "SEARCH_ES_NUMBER_OF_REPLICAS": 0, "SEARCH_INDEX_PREFIX": f"tabs{uuid.uuid4().hex[:8]}-",
        }
    app = make_app(tmp_path_factory.mktemp(f"tabs-{request.param}"), *DEMO, **config)
    yield app
    if request.param == "elasticsearch":
        with app.app_context():
            current_search.drop_indices()
    close_app(app)


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


@pytest.mark.parametrize("record_type", RECORD_TYPES)
@pytest.mark.parametrize("with_words", [False, True], ids=["browse", "words"])
def test_every_tab_answers_on_the_page_the_api_and_the_export(client, record_type, with_words):
    args = {"type": record_type, **({"q": WORDS[record_type]} if with_words else {})}
    page = client.get("/search", query_string=args)
    assert page.status_code == 200, page.get_data(as_text=True)[:2000]
    html = page.get_data(as_text=True)
    assert 'class="error-note"' not in html, html[html.find("error-note"):][:300]
    api = client.get("/api/v1/search", query_string=args)
    assert api.status_code == 200, api.get_json()
    body = api.get_json()
    assert body["total"] > 0, f"the demo data has {record_type} records{' matching ' + args.get('q', '') if with_words else ''}"
    offered = {s.key for s in SORTS[record_type]}
    assert body["sort"] in offered
    assert body["sort"] == "relevance" if with_words else body["sort"] != "relevance"
    # the sort the page marks as active is the one used
    active = re.findall(r'<a href="[^"]*" class="active" aria-current="true">([^<]+)</a>', html)
    assert active == [next(s.zh for s in SORTS[record_type] if s.key == body["sort"])]
    export = client.get("/search/export.csv", query_string=args)
    assert export.status_code == 200, export.get_data(as_text=True)[:500]
    assert len(export.data.decode("utf-8-sig").splitlines()) == min(body["total"], 10_000) + 1


def test_institutions_without_words_list_the_biggest_holders_first(client):
    body = client.get("/api/v1/search", query_string={"type": "institution", "size": 100}).get_json()
    counts = [h["source"].get("achievements_count") or 0 for h in body["hits"]]
    assert body["sort"] == "achievements" and counts == sorted(counts, reverse=True) and counts[0] > 0


@pytest.mark.parametrize("record_type", RECORD_TYPES)
def test_every_sort_a_type_offers_works_on_it(client, record_type):
    for sort in SORTS[record_type]:
        for q in ("", WORDS[record_type]):
            response = client.get("/api/v1/search", query_string={"type": record_type, "sort": sort.key, "q": q, "size": 5})
            assert response.status_code == 200, (sort.key, q, response.get_json())
            assert response.get_json()["sort"] == sort.key
            assert client.get("/search", query_string={"type": record_type, "sort": sort.key, "q": q}).status_code == 200


@pytest.mark.parametrize("url, chip", [
    ("/search?type=patent&open_licence=true", "开放许可: 是"),
    ("/search?type=instrument&shared=false", "是否共享: 否"),
    ("/search?type=instrument&shared=true&lang=en", "Shared: Yes"),
])
def test_a_yes_no_filter_reads_yes_or_no(client, url, chip):
    """The chip of a yes/no filter chosen from the URL said "true"."""
    html = client.get(url).get_data(as_text=True)
    assert chip in html and ": true" not in html and ": false" not in html
