"""English names and labels (issue 14, requirement 3): an English query on the English site
finds Chinese records through their holders' English names, their vocabulary labels and their
English titles; a facet value can be selected by its English (or Chinese) label. Both engines."""
from __future__ import annotations

import pytest

from tests.apps import close_app, make_app
from tests.factories import AchievementInput, load_achievements

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", pytest.param("elasticsearch", marks=pytest.mark.es)])
def app(request, tmp_path):
    config = {}
    if request.param == "elasticsearch":
        import uuid

        config = dict(SEARCH_BACKEND="elasticsearch", SEARCH_ES_HOSTS=[request.getfixturevalue("es_url")],
                      SEARCH_ES_NUMBER_OF_REPLICAS=0, SEARCH_INDEX_PREFIX=f"en{uuid.uuid4().hex[:8]}-")
    app = make_app(tmp_path, **config)
    with app.app_context():
        from web.extensions import db
        from web.proxies import current_services
        from web.services.identity import system_identity

        current_services.for_type("institution").create(system_identity, {"name": "吉林大学", "name_en": "Jilin University", "city": "changchun"})
        db.session.remove()
    load_achievements(app, [
        AchievementInput(title="锂电池回收示范线", title_en=None, institutions=["吉林大学"], field="new_energy"),
        AchievementInput(title="玉米抗旱品种选育", title_en="Drought-tolerant maize breeding", institutions=["长春理工大学"],
                         field="modern_agriculture"),
    ])
    yield app
    if request.param == "elasticsearch":
        with app.app_context():
            from web.proxies import current_search

            current_search.drop_indices()
    close_app(app)


def titles(app, **args) -> list[str]:
    response = app.test_client().get("/api/v1/search", query_string={"type": "achievement", **args})
    assert response.status_code == 200, response.get_json()
    return [h["title"] for h in response.get_json()["hits"]]


def test_an_institutions_english_name_finds_its_records(app):
    assert titles(app, q="Jilin University") == ["锂电池回收示范线"]


def test_an_english_vocabulary_label_finds_the_records(app):
    assert titles(app, q="new energy") == ["锂电池回收示范线"]
    assert titles(app, q="Modern agriculture") == ["玉米抗旱品种选育"]
    assert titles(app, q="现代农业") == []  # the Chinese labels are not searched: 技术, 应用 ... would match whole facets


def test_an_english_title_finds_the_record(app):
    assert titles(app, q="maize breeding") == ["玉米抗旱品种选育"]


@pytest.mark.parametrize("value", ["new_energy", "New energy and energy saving", "new energy and energy saving", "新能源与节能", "新能源"])
def test_a_facet_value_is_selected_by_its_code_or_either_label(app, value):
    response = app.test_client().get("/api/v1/search", query_string={"type": "achievement", "field": value})
    body = response.get_json()
    assert [h["title"] for h in body["hits"]] == ["锂电池回收示范线"]
    assert [v["key"] for v in body["facets"]["field"] if v["selected"]] == ["new_energy"]


def test_the_type_ahead_offers_an_institution_by_its_english_name(app):
    response = app.test_client().get("/api/v1/suggest", query_string={"q": "Jilin Uni", "type": "institution"})
    assert response.status_code == 200
    assert "Jilin University" in [s["text"] for s in response.get_json()]
