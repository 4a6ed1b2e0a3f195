"""Subscriptions matched against records as they are published, on both engines (matching
inline here; the worker tests run it as the Celery task): a record is announced to a
subscription exactly when the subscription's search finds it, at most once, and not again when
it is re-published unchanged."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from tests.apps import add_user, close_app, make_app
from tests.factories import AchievementInput, load_achievements
from web.extensions import db
from web.models import AlertMatch, AlertRecordState, Subscription, SubscriptionKey
from web.proxies import current_search, current_services
from web.services.identity import Identity, anonymous_identity, system_identity

pytestmark = pytest.mark.integration

ENGINES = ["sqlite", pytest.param("elasticsearch", marks=pytest.mark.es)]


@pytest.fixture(params=ENGINES)
def app(request, tmp_path):
    config = {"ALERTS_MATCHING": "inline"}
    if request.param == "elasticsearch":
        config.update(SEARCH_BACKEND="elasticsearch", SEARCH_ES_HOSTS=[request.getfixturevalue("es_url")],
                      SEARCH_ES_NUMBER_OF_REPLICAS=0, SEARCH_INDEX_PREFIX=f"al{uuid.uuid4().hex[:8]}-")
    app = make_app(tmp_path, **config)
    yield app
    with app.app_context():
        current_search.drop_indices()
    close_app(app)


def investor(app) -> Identity:
    uid = add_user(app, "investor")
    return Identity(str(uid), frozenset({"investor"}))


def subscribe(app, who: Identity, **data) -> int:
    with app.app_context():
        sub = current_services.subscriptions.create(who, {"name": data.pop("name", "测试订阅"), "frequency": "daily", **data})
        return sub.id


def announced(app, sub_id: int) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(AlertMatch.record_id).where(AlertMatch.subscription_id == sub_id)))


def found(app, sub_id: int, among: set[str]) -> set[str]:
    """What the subscription's search finds on the search page, among these records."""
    with app.app_context():
        sub = db.session.get(Subscription, sub_id)
        params = current_services.subscriptions.search_params(sub)
        params.size = 100
        view = current_services.search.search(anonymous_identity, params)
        return {h["id"] for h in view.hits} & among


RECORDS = [
    dict(title="高镍三元锂电池正极材料制备技术", keywords=["锂电池", "正极材料"], field="new_energy", institutions=["吉林大学"]),
    dict(title="固态锂电池电解质薄膜", keywords=["固态电池"], field="new_energy", institutions=["长春理工大学"]),
    dict(title="钠离子电池负极材料", keywords=["钠离子电池"], field="new_materials", institutions=["吉林大学"]),
    dict(title="玉米抗旱新品种选育", keywords=["玉米", "抗旱"], field="modern_agriculture", institutions=["吉林农业大学"]),
    dict(title="Graphene coatings for lithium battery electrodes", keywords=["graphene", "battery"], field="new_materials",
         institutions=["吉林大学"]),
]


def publish(app, *specs: dict) -> list[str]:
    return load_achievements(app, [AchievementInput(**spec) for spec in specs])


def test_a_record_is_announced_exactly_when_the_search_finds_it(app):
    who = investor(app)
    subs = {
        "words": subscribe(app, who, q="锂电池"),
        "word-and-filter": subscribe(app, who, type="achievement", q="电池", filters={"field": ["new_energy"]}),
        "exclusion": subscribe(app, who, q="电池 -固态"),
        "english": subscribe(app, who, q="batteries"),
        "filter-only": subscribe(app, who, type="achievement", filters={"holder": ["吉林大学"]}),
        "any-word": subscribe(app, who, q="玉米 钠离子", match="any"),
        "nothing": subscribe(app, who, q="量子计算"),
        "patents-only": subscribe(app, who, type="patent", q="电池"),
    }
    ids = set(publish(app, *RECORDS))
    for name, sub_id in subs.items():
        assert announced(app, sub_id) == found(app, sub_id, ids), name
    assert announced(app, subs["words"]) and announced(app, subs["english"]) and not announced(app, subs["nothing"])
    assert not announced(app, subs["patents-only"])


def test_why_it_matched(app):
    who = investor(app)
    sub_id = subscribe(app, who, type="achievement", q="锂电池", filters={"field": ["new_energy"]})
    publish(app, RECORDS[0])
    with app.app_context():
        match = db.session.scalar(select(AlertMatch).where(AlertMatch.subscription_id == sub_id))
        assert match.title == RECORDS[0]["title"] and match.record_type == "achievement"
        assert {"锂电", "电池"} & set(match.why["words"]) or "锂电池" in match.why["words"]
        assert match.why["filters"] == {"field": ["new_energy"]}
        assert "<mark>" in "".join(match.why["snippets"].values())


def test_announced_once_and_not_again_when_republished_unchanged(app):
    who = investor(app)
    sub_id = subscribe(app, who, q="抗旱")
    (rid,) = publish(app, RECORDS[3])
    assert announced(app, sub_id) == {rid}
    with app.app_context():
        service = current_services.for_type("achievement")
        rec = service.get(system_identity, rid)
        data = service.dump(rec)
        before = db.session.get(AlertRecordState, rid).fingerprint
        data["contact"] = {**data["contact"], "phone": "0431-85999999"}  # a new revision, nothing searchable changed
        service.update(system_identity, rid, {k: v for k, v in data.items() if k not in ("id", "links", "record_type")})
        report = current_services.alert_matcher.match_records([rid])
        assert report.unchanged == 1 and report.announced == 0
        assert db.session.get(AlertRecordState, rid).fingerprint == before
    with app.app_context():
        assert db.session.query(AlertMatch).filter_by(subscription_id=sub_id).count() == 1


def test_a_significant_change_announces_to_the_searches_it_now_meets(app):
    who = investor(app)
    drought = subscribe(app, who, q="抗旱")
    saline = subscribe(app, who, q="盐碱地")
    (rid,) = publish(app, RECORDS[3])
    assert announced(app, drought) == {rid} and announced(app, saline) == set()
    with app.app_context():
        service = current_services.for_type("achievement")
        data = service.dump(service.get(system_identity, rid))
        data["summary"] = "适合吉林西部盐碱地种植的抗旱玉米。"
        service.update(system_identity, rid, {k: v for k, v in data.items() if k not in ("id", "links", "record_type")})
    assert announced(app, saline) == {rid}
    with app.app_context():  # the first subscription is not told twice
        assert db.session.query(AlertMatch).filter_by(subscription_id=drought).count() == 1


def test_paused_subscriptions_and_other_types_hear_nothing(app):
    who = investor(app)
    paused = subscribe(app, who, q="锂电池")
    with app.app_context():
        current_services.subscriptions.set_paused(who, paused, True)
    publish(app, RECORDS[0])
    assert announced(app, paused) == set()


def test_subscriptions_are_stored_with_their_anchor_keys(app):
    who = investor(app)
    sub_id = subscribe(app, who, q="固态电解质 正极", filters={"city": ["changchun"]})
    with app.app_context():
        sub = db.session.get(Subscription, sub_id)
        keys = set(db.session.scalars(select(SubscriptionKey.key).where(SubscriptionKey.subscription_id == sub_id)))
        assert ["t:固态"] in sub.required and ["f:city=changchun"] in sub.required
        assert keys and any(sorted(keys) == c for c in sub.required)
        # editing the search replaces the keys
        current_services.subscriptions.update(who, sub_id, {"q": "芯片"})
        keys = set(db.session.scalars(select(SubscriptionKey.key).where(SubscriptionKey.subscription_id == sub_id)))
        assert keys in ({"t:芯片"}, {"f:city=changchun"}, {"f:status=published"})
        # a word with synonyms (玉米: 玉蜀黍, 苞米 ...) needs the terms of one of them
        current_services.subscriptions.update(who, sub_id, {"q": "玉米"})
        assert any({"t:玉米", "t:苞米"} <= set(c) for c in db.session.get(Subscription, sub_id).required)


def test_another_users_subscription_is_not_found_and_bad_input_is_refused(app):
    owner, other = investor(app), investor(app)
    sub_id = subscribe(app, owner, q="锂电池")
    with app.app_context():
        svc = current_services.subscriptions
        with pytest.raises(LookupError):
            svc.get(other, sub_id)
        from web.services.subscriptions import SubscriptionError

        with pytest.raises(SubscriptionError) as err:
            svc.create(owner, {"name": "x", "type": "patent", "filters": {"trl": ["5"]}})  # achievements have TRL, patents do not
        assert err.value.field
        with pytest.raises(SubscriptionError):
            svc.create(owner, {"name": "", "q": "x"})
        with pytest.raises(SubscriptionError):
            svc.create(owner, {"name": "x", "email": False, "feed": False})
        with pytest.raises(PermissionError):
            svc.create(anonymous_identity, {"name": "x"})


def test_unsubscribe_token(app):
    owner = investor(app)
    sub_id = subscribe(app, owner, q="锂电池")
    with app.app_context():
        svc = current_services.subscriptions
        sub = db.session.get(Subscription, sub_id)
        token = svc.unsubscribe_token(sub)
        assert svc.unsubscribe(token + "x") is None
        assert svc.unsubscribe(token).email_enabled is False
        assert svc.unsubscribe(token) is not None  # twice is harmless
        svc.reset_feed_token(owner, sub_id)
        assert svc.unsubscribe(token) is None  # a reset address voids old links


def test_an_account_keeps_a_bounded_number_of_subscriptions(tmp_path):
    from web.services.subscriptions import SubscriptionError

    app = make_app(tmp_path, ALERTS_MAX_PER_USER=2)
    try:
        who = investor(app)
        subscribe(app, who, q="一")
        subscribe(app, who, q="二")
        with app.app_context(), pytest.raises(SubscriptionError) as err:
            current_services.subscriptions.create(who, {"name": "三", "q": "三"})
        assert err.value.code == "too_many_subscriptions"
    finally:
        close_app(app)
