"""Feedback on listings: companies say why a record does not suit them; the holder sees the
counts and notes without names; nobody else reads them."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.apps import add_user, close_app, make_app
from web.extensions import db
from web.models import Achievement, Institution
from web.proxies import current_services
from web.services.feedback import FeedbackError
from web.services.identity import Identity
from web.services.records import holder_ids

pytestmark = pytest.mark.integration


@pytest.fixture
def app(tmp_path):
    app = make_app(tmp_path, "demo", "load", "--achievements", "5", "--patents", "2", "--instruments", "2")
    yield app
    close_app(app)


def who(app, role: str, institution_id: int | None = None) -> Identity:
    return Identity(str(add_user(app, role, institution_id=institution_id)), frozenset({role}),
                    institution_id=institution_id if role == "publisher" else None)


def test_feedback_is_summarised_for_the_holder_only(app):
    with app.app_context():
        rec = db.session.scalars(select(Achievement).where(Achievement.status == "published").order_by(Achievement.id)).first()
        record_id, inst = rec.public_id, sorted(holder_ids(rec))[0]
        other_inst = db.session.scalar(select(Institution.id).where(Institution.id != inst).order_by(Institution.id))
    a, b, c = who(app, "investor"), who(app, "investor"), who(app, "intermediary")
    holder, other_holder = who(app, "publisher", inst), who(app, "publisher", other_inst)
    with app.app_context():
        svc = current_services.feedback
        svc.give(a, record_id, "price", "许可费偏高")
        svc.give(b, record_id, "too_early")
        svc.give(c, record_id, "price")
        svc.give(b, record_id, "benefit_unclear", "看不出经济效益")  # b changes their mind: replaces
        with pytest.raises(FeedbackError) as err:
            svc.give(c, record_id, "other")
        assert err.value.field == "note"
        with pytest.raises(PermissionError):
            svc.give(holder, record_id, "price")
        summary = svc.summary(holder, record_id)
        assert summary.total == 3
        assert summary.by_reason == {"too_early": 0, "benefit_unclear": 1, "price": 2, "description_unclear": 0, "other": 0}
        assert summary.notes == [("benefit_unclear", "看不出经济效益"), ("price", "许可费偏高")]
        for outsider in (a, other_holder):
            with pytest.raises(PermissionError):
                svc.summary(outsider, record_id)
