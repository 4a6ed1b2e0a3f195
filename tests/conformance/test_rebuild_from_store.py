"""The index is derived from the store: it can be thrown away and rebuilt with one command."""
from __future__ import annotations

import uuid

import pytest

from web import create_app
from web.extensions import db
from web.proxies import current_search, current_services
from web.services.identity import system_identity

from indexer import Page, SearchRequest, Text

from .conftest import FACET_COLUMNS


@pytest.fixture
def app(engine, request, tmp_path):
    config = {
        "ENV": "development",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'store.sqlite3'}",
        "SEARCH_BACKEND": "sqlite" if engine in FACET_COLUMNS else engine,
        "SEARCH_INDEX_PREFIX": f"r{uuid.uuid4().hex[:8]}-",
    }
    if engine in FACET_COLUMNS:
        config["SEARCH_SQLITE_FACET_COLUMNS"] = FACET_COLUMNS[engine]
    if engine == "elasticsearch":
        config["SEARCH_ES_HOSTS"] = [request.getfixturevalue("es_url")]
        config["SEARCH_ES_NUMBER_OF_REPLICAS"] = 0
    app = create_app(config)
    with app.app_context():
        db.create_all()
        current_search.ensure_indices()
    yield app
    with app.app_context():
        current_search.drop_indices()
        current_search.close()
        db.session.remove()
        db.engine.dispose()


def titles(query: str, index: str = "achievements") -> list[str]:
    current_search.refresh()
    result = current_search.search(SearchRequest(indices=(index,), query=Text(query), page=Page(1, 50)))
    return sorted(h.source["title"] for h in result.hits)


def test_flask_index_rebuild_restores_a_lost_index(app):
    with app.app_context():
        achievements = current_services.for_type("achievement")
        achievements.create(system_identity, {"title": "玉米秸秆还田技术", "institutions": ["吉大"], "keywords": "玉米;秸秆"})
        achievements.create(system_identity, {"title": "大豆高油品种", "institutions": ["吉林农业大学"], "keywords": ["大豆"]})
        current_services.for_type("patent").create(system_identity, {"title": "一种玉米脱粒装置", "application_no": "CN202320123456.X", "applicants": ["吉林大学"]})
        assert titles("玉米") == ["玉米秸秆还田技术"]
        # lose the index entirely
        current_search.drop_indices()
        current_search.ensure_indices()
        assert titles("玉米") == []

    result = app.test_cli_runner().invoke(args=["index", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "achievements: 2 indexed" in result.output

    with app.app_context():
        assert titles("玉米") == ["玉米秸秆还田技术"]
        assert titles("玉米", "patents") == ["一种玉米脱粒装置"]
        assert titles("吉林大学", "institutions") == ["吉林大学"]
        check = app.test_cli_runner().invoke(args=["index", "check"])
        assert check.exit_code == 0, check.output
        assert "missing 0" in check.output
