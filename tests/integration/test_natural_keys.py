"""Records found again by their natural keys in a batch (imports, the demo loader): a title and
lead holder finds its record unless both sides carry identifiers that differ. The matcher reads
such candidates as a few columns first and loads whole rows only for those it may accept; these
tests hold what it answers, on both stores."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.apps import STORES, close_app, make_app, store_config
from tests.factories import AchievementInput, load_achievements

TITLE, HOLDER = "同名成果的自然键测试技术", "吉林大学"


@pytest.fixture(params=STORES)
def app(request, tmp_path):
    app = make_app(tmp_path, **store_config(request))
    yield app
    close_app(app)


def achievement(reg: str | None, summary: str) -> dict:
    return AchievementInput.build(title=TITLE, institutions=[HOLDER], registration_no=reg, summary=summary)


def stored(app) -> dict[str | None, str]:
    from web.extensions import db
    from web.models import Achievement

    with app.app_context():
        rows = db.session.scalars(select(Achievement).where(Achievement.title == TITLE)).all()
        return {r.registration_no: r.summary for r in rows}


def outcomes(app, items: list[dict]) -> list[str]:
    from web.proxies import current_services
    from web.services.identity import system_identity

    with app.app_context():
        service = current_services.for_type("achievement")
        with current_services.unit_of_work() as uow:
            return [r.outcome for r in service.upsert_many(system_identity, [service.validate(i) for i in items], uow, source="tests")]


def test_one_title_and_holder_with_two_registrations_is_two_records(app):
    load_achievements(app, [achievement("220120240001", "甲")])
    # another registration under the same title and holder; the first again, changed
    assert outcomes(app, [achievement("220120240002", "乙"), achievement("220120240001", "甲改")]) == ["created", "updated"]
    assert stored(app) == {"220120240001": "甲改", "220120240002": "乙"}
    # without a registration number the title and holder find a record: no third one
    assert outcomes(app, [achievement(None, "丙")]) == ["updated"]
    assert len(stored(app)) == 2


def test_a_batch_of_one_title_with_new_registrations_creates_each_once(app):
    load_achievements(app, [achievement(f"2201202400{n:02d}", f"第{n}") for n in range(1, 6)])
    # every candidate under the key is refused by its registration number, but the batch's own
    # repeat of a new one finds the row the batch created (and changes it: one version)
    assert outcomes(app, [achievement("220120240090", "新"), achievement("220120240090", "新改")]) == ["created", "updated"]
    assert len(stored(app)) == 6 and stored(app)["220120240090"] == "新改"
    from web.extensions import db
    from web.models.workflow import RecordVersion

    with app.app_context():
        assert len(db.session.scalars(select(RecordVersion).where(RecordVersion.record_type == "achievement")).all()) == 6
