"""Open-licence applications in the store (SQLite and PostgreSQL): apply on the declared terms,
the holder grants or refuses, the applicant withdraws; a patent whose declaration lapsed or was
withdrawn cannot be applied for, with the reason; nobody else sees an application."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.apps import add_user, close_app, make_app, store_config
from web.extensions import db
from web.models import Patent
from web.proxies import current_services
from web.services.identity import Identity
from web.services.licences import LicenceError

pytestmark = pytest.mark.integration

DEMO = ("demo", "load", "--achievements", "5", "--patents", "40", "--instruments", "5")
TODAY = date.today()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def app(request, tmp_path):
    app = make_app(tmp_path, *DEMO, **store_config(request))
    yield app
    close_app(app)


def who(app, role: str, institution_id: int | None = None) -> Identity:
    uid = add_user(app, role, institution_id=institution_id)
    return Identity(str(uid), frozenset({role}), institution_id=institution_id if role == "publisher" else None)


def open_patent(app, **declaration) -> tuple[int, int]:
    """A published patent with an institution among its applicants, declared open now."""
    with app.app_context():
        for patent in db.session.scalars(select(Patent).where(Patent.status == "published").order_by(Patent.id)):
            holders = [a.institution_id for a in patent.applicants if a.institution_id is not None]
            if holders:
                patent.legal_status = "in_force"
                patent.open_licence = {"declared_at": "2026-01-05", "payment": "lump_sum", "fee": 50000.0, "term": "3年", **declaration}
                db.session.commit()
                return patent.id, holders[0]
    raise AssertionError("no patent with an institution")


def apply(app, company: Identity, patent_id: int, **extra):
    with app.app_context():
        return current_services.licences.apply(company, patent_id, {
            "licensee": "长春某某新材料有限公司", "scope": "电池正极材料的生产", "start_date": TODAY,
            "end_date": TODAY + timedelta(days=3 * 365), **extra}).id


def test_apply_on_the_declared_terms_and_the_holder_grants(app):
    patent_id, inst = open_patent(app)
    company, holder = who(app, "investor"), who(app, "publisher", inst)
    app_id = apply(app, company, patent_id)
    with app.app_context():
        svc = current_services.licences
        application = svc.get(company, app_id)
        assert application.terms["fee"] == 50000.0 and application.terms["term"] == "3年" and application.fee == 50000.0
        with pytest.raises(LicenceError) as err:  # one waiting application per company and patent
            svc.apply(company, patent_id, {"licensee": "x", "start_date": TODAY, "end_date": TODAY + timedelta(days=30)})
        assert err.value.code == "duplicate_application"
        with pytest.raises(PermissionError):
            svc.grant(company, app_id)  # not the applicant's to grant
        assert svc.grant(holder, app_id, "欢迎合作").status == "granted"
        assert svc.granted_count([patent_id]) == {patent_id: 1}
        with pytest.raises(LicenceError):
            svc.refuse(holder, app_id, "太晚")  # decided already


def test_refuse_needs_a_reason_and_withdraw_is_the_applicants(app):
    patent_id, inst = open_patent(app)
    company, holder = who(app, "investor"), who(app, "publisher", inst)
    first = apply(app, company, patent_id)
    with app.app_context():
        svc = current_services.licences
        with pytest.raises(LicenceError):
            svc.refuse(holder, first, " ")
        assert svc.refuse(holder, first, "许可范围不符").status == "refused"
    second = apply(app, company, patent_id)
    with app.app_context():
        svc = current_services.licences
        with pytest.raises(LicenceError):
            svc.withdraw(holder, second)
        assert svc.withdraw(company, second).status == "withdrawn"


@pytest.mark.parametrize("change, code", [
    ({"withdrawn_at": "2026-06-01"}, "declaration_withdrawn"),
    ({"declared_at": None}, "no_declaration"),
])
def test_a_withdrawn_or_missing_declaration_cannot_be_applied_for(app, change, code):
    patent_id, _ = open_patent(app, **change)
    with app.app_context(), pytest.raises(LicenceError) as err:
        current_services.licences.apply(who(app, "investor"), patent_id, {"licensee": "x", "end_date": TODAY + timedelta(days=9)})
    assert err.value.code == code and ("撤回" in str(err.value) or "没有" in str(err.value))


def test_a_lapsed_patent_cannot_be_applied_for_or_granted(app):
    patent_id, inst = open_patent(app)
    company, holder = who(app, "investor"), who(app, "publisher", inst)
    app_id = apply(app, company, patent_id)
    with app.app_context():
        db.session.get(Patent, patent_id).legal_status = "lapsed"
        db.session.commit()
        with pytest.raises(LicenceError) as err:
            current_services.licences.grant(holder, app_id)
        assert err.value.code == "patent_not_in_force"
        with pytest.raises(LicenceError):
            current_services.licences.apply(who(app, "intermediary"), patent_id, {"licensee": "y", "end_date": TODAY + timedelta(days=9)})


def test_nobody_else_sees_an_application_and_bad_input_is_refused(app):
    patent_id, _ = open_patent(app)
    company, other = who(app, "investor"), who(app, "investor")
    app_id = apply(app, company, patent_id)
    with app.app_context():
        svc = current_services.licences
        with pytest.raises(LookupError):
            svc.get(other, app_id)
        for data, field in (({"licensee": " ", "end_date": TODAY + timedelta(days=9)}, "licensee"),
                            ({"licensee": "x", "start_date": TODAY - timedelta(days=1), "end_date": TODAY + timedelta(days=9)}, "start_date"),
                            ({"licensee": "x", "end_date": TODAY}, "end_date")):
            with pytest.raises(LicenceError) as err:
                svc.apply(other, patent_id, data)
            assert err.value.field == field
