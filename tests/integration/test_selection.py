"""The annual selection, opening to publication, through the API and the pages: 230 generated
candidates from six institutions, six experts (two affiliated with a candidate's holder), the
conflict-of-interest rule, the quota rule and the immutability of a published list."""
from __future__ import annotations

import io
from datetime import date, timedelta

import feedparser
import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from tests.apps import add_user, auth, close_app, make_app
from tests.factories import INSTITUTIONS, AchievementInput, load_achievements
from web.extensions import db
from web.models import ExpertAssignment, Institution, User
from web.proxies import current_services
from web.services.identity import Identity
from web.services.selection import list_digest
from web.services.selection_scoring import RUBRIC, recompute

YEAR = 2026
TODAY = date.today()
ROUND = {"year": YEAR, "quota": 200, "window_start": "2025-01-01", "window_end": "2026-12-31",
         "nomination_opens": (TODAY - timedelta(days=30)).isoformat(), "nomination_closes": (TODAY + timedelta(days=30)).isoformat(),
         "scoring_closes": (TODAY + timedelta(days=60)).isoformat(), "criteria": "技术先进、转化前景明确、在吉林省落地"}


def holder_of(n: int) -> str:
    """The institution holding the n-th generated achievement: the six take turns."""
    return INSTITUTIONS[n % len(INSTITUTIONS)]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("selection"))
    # holders are named here, not left to the factory's sequence (which other tests in the same worker advance)
    good = load_achievements(app, [AchievementInput(institutions=[holder_of(n)]) for n in range(230)])
    late = load_achievements(app, [AchievementInput(registered_at="2019-05-01", institutions=[holder_of(230)]),
                                   AchievementInput(level=None, trl=None, institutions=[holder_of(231)])])
    with app.app_context():
        orgs = {i.name: i.id for i in db.session.query(Institution)}
    publishers = {name: auth(app, "publisher", institution_id=orgs[name]) for name in INSTITUTIONS}
    # two experts belong to holders of candidates (吉林大学, 长春理工大学); four belong to none
    experts = [add_user(app, "reviewer", institution_id=orgs[INSTITUTIONS[0]]), add_user(app, "reviewer", institution_id=orgs[INSTITUTIONS[1]])]
    experts += [add_user(app, "reviewer") for _ in range(4)]
    yield {"app": app, "good": good, "late": late, "orgs": orgs, "publishers": publishers, "experts": experts, "admin": auth(app, "admin")}
    close_app(app)


def identity_of(app, user_id: int) -> Identity:
    with app.app_context():
        user = db.session.get(User, user_id)
        return Identity(str(user.id), frozenset({user.role}), None, email=user.email)


def score_all(app, year: int, experts: list[int], spread=lambda aid, eid: 60 + (aid * 7 + eid * 3) % 40) -> int:
    """Every expert scores every assignment (through the service, as the API would)."""
    n = 0
    with app.app_context():
        for eid in experts:
            identity = Identity(str(eid), frozenset({"reviewer"}))
            for a in current_services.selection.assignments(identity, year):
                value = spread(a.candidate.achievement_id, eid)
                current_services.selection.score(identity, year, a.id, {code: value for code in RUBRIC})
                n += 1
        db.session.remove()
    return n


def test_a_whole_round_from_opening_to_publication(world):
    app, client = world["app"], world["app"].test_client()
    admin = world["admin"]
    opened = client.post("/api/v1/selection/rounds", json=ROUND, headers=admin)
    assert opened.status_code == 201, opened.get_json()
    assert opened.get_json()["quota"] == 200 and opened.get_json()["rubric"] == {code: 20.0 for code in RUBRIC}

    # institutions nominate their own published achievements; the rules are checked and explained
    by_holder = {name: [] for name in INSTITUTIONS}
    for n, public_id in enumerate(world["good"]):
        by_holder[holder_of(n)].append(public_id)
    for name, ids in by_holder.items():
        for public_id in ids:
            made = client.post(f"/api/v1/selection/rounds/{YEAR}/candidates", json={"achievement": public_id, "statement": "技术领先，已在省内转化"},
                               headers=world["publishers"][name])
            assert made.status_code == 201, made.get_json()
    other = client.post(f"/api/v1/selection/rounds/{YEAR}/candidates", json={"achievement": by_holder[INSTITUTIONS[1]][0]},
                        headers=world["publishers"][INSTITUTIONS[0]])
    assert other.status_code == 403  # another institution's achievement
    again = client.post(f"/api/v1/selection/rounds/{YEAR}/candidates", json={"achievement": world["good"][0]}, headers=world["publishers"][INSTITUTIONS[0]])
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_nominated"
    old, incomplete = world["late"]
    late_holder = holder_of(230)
    refused = client.post(f"/api/v1/selection/rounds/{YEAR}/candidates", json={"achievement": old}, headers=world["publishers"][late_holder])
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "ineligible"
    assert "2019-05-01" in refused.get_json()["error"]["message"] and "不在本轮年度范围" in refused.get_json()["error"]["message"]
    assert [d["field"] for d in refused.get_json()["error"]["details"]] == ["window"]
    checks = client.get(f"/api/v1/selection/rounds/{YEAR}/eligibility/{incomplete}", headers=world["publishers"][holder_of(231)]).get_json()
    assert not checks["eligible"] and any(c["rule"] == "required" and "技术就绪度" in c["zh"] and "成果水平" in c["zh"] for c in checks["checks"])

    # finalising now is refused: the round has not been scored
    assert client.post(f"/api/v1/selection/rounds/{YEAR}/actions/finalise", headers=admin).status_code == 409
    started = client.post(f"/api/v1/selection/rounds/{YEAR}/actions/start-scoring", headers=admin).get_json()
    assert started["checked"] == 230 and started["ineligible"] == 0 and started["assignments"] == 690
    with app.app_context():
        for a in db.session.query(ExpertAssignment):  # never an expert of a holder
            expert = db.session.get(User, a.expert_id)
            assert expert.institution_id not in {i.id for i in a.candidate.achievement.institutions}
        loads = sorted(n for (n,) in db.session.execute(text("SELECT count(*) FROM selection_assignments GROUP BY expert_id")))
        assert loads[-1] - loads[0] <= 1 or loads[0] >= 690 // 6 - 40  # spread across the experts
    # nominations are closed once scoring starts
    assert client.post(f"/api/v1/selection/rounds/{YEAR}/candidates", json={"achievement": world["good"][0]},
                       headers=world["publishers"][INSTITUTIONS[0]]).status_code == 409

    # an expert scores over the API, and sees no one else's score and no total
    expert = world["experts"][2]
    with app.app_context():
        token = current_services.accounts.create_token(db.session.get(User, expert), "t").secret
        db.session.commit()
    mine = client.get(f"/api/v1/selection/rounds/{YEAR}/assignments", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert mine and all(set(a) >= {"scores", "rubric"} and a["scores"] is None for a in mine)
    bad = client.put(mine[0]["links"]["score"], json={"scores": {"innovation": 101}}, headers={"Authorization": f"Bearer {token}"})
    assert bad.status_code == 422
    put = client.put(mine[0]["links"]["score"], json={"scores": {c: 90 for c in RUBRIC}, "comment": "好"}, headers={"Authorization": f"Bearer {token}"})
    assert put.status_code == 200 and put.get_json()["total"] == 90.0
    seen = client.get(f"/api/v1/selection/rounds/{YEAR}/candidates/{mine[0]['candidate']}", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert "scores" not in seen and "auto_score" not in seen
    assert client.get(f"/api/v1/selection/rounds/{YEAR}/ranking", headers={"Authorization": f"Bearer {token}"}).status_code == 403
    assert client.get(f"/api/v1/selection/rounds/{YEAR}/ranking", headers=admin).status_code == 409  # not closed yet: no totals

    # the other experts score; one expert is far off on every candidate (the outlier rule sets it aside)
    outlier = world["experts"][5]
    score_all(app, YEAR, [e for e in world["experts"]], spread=lambda aid, eid: 5 if eid == outlier else 60 + (aid * 7 + eid * 3) % 40)
    assert client.post(f"/api/v1/selection/rounds/{YEAR}/actions/close", headers=admin).status_code == 200
    ranking = client.get(f"/api/v1/selection/rounds/{YEAR}/ranking", headers=admin).get_json()
    assert len(ranking) == 230 and [r["rank"] for r in ranking] == list(range(1, 231))
    assert [r["combined"] for r in ranking] == sorted((r["combined"] for r in ranking), reverse=True)
    assert any(False in r["kept"] for r in ranking)  # the outlier's totals were set aside
    published = client.post(f"/api/v1/selection/rounds/{YEAR}/actions/finalise", headers=admin)
    assert published.status_code == 201, published.get_json()

    # the published list: 200 entries, each with its reasons and scores, reproducible from itself
    body = client.get(f"/api/v1/selections/{YEAR}").get_json()
    assert body["entry_count"] == 200 and body["revision"] == 1 and len(body["entries"]) == 200
    assert body["digest"] == list_digest(body["formula"], body["entries"])
    again = recompute(body["formula"], body["entries"])
    assert [(e["achievement"], e["combined"]) for e in again] == [(e["achievement"], e["combined"]) for e in body["entries"]]
    first = body["entries"][0]
    assert first["statement"] and first["highlights"] and len(first["expert_scores"]) == 3 and "expert" not in first["expert_scores"][0]

    # the public page, its filters, its exports; the badge and the filter in search; the home page
    page = client.get(f"/selections/{YEAR}").get_data(as_text=True)
    assert first["title"] in page and "综合得分" in page and body["digest"] in page
    field = first["field"]
    filtered = client.get(f"/selections/{YEAR}", query_string={"field": field}).get_data(as_text=True)
    assert filtered.count('class="selection-entry"') == sum(1 for e in body["entries"] if e["field"] == field)
    xlsx = client.get(f"/selections/{YEAR}/r1.xlsx")
    assert xlsx.status_code == 200 and load_workbook(io.BytesIO(xlsx.data)).worksheets[0].max_row == 201
    pdf = client.get(f"/selections/{YEAR}/r1.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    found = client.get("/api/v1/search", query_string={"type": "achievement", "selected": str(YEAR), "size": 1}).get_json()
    assert found["total"] == 200
    assert f"入选{YEAR}年度榜单" in client.get("/", query_string={"type": "achievement", "q": first["title"]}).get_data(as_text=True)
    assert body["title"] in client.get("/").get_data(as_text=True)

    # immutable: the store refuses to change it; a correction is a new, visible revision
    with app.app_context():
        with pytest.raises(Exception, match="immutable"):
            db.session.execute(text("UPDATE selection_lists SET entry_count = 1"))
        db.session.rollback()
        with pytest.raises(Exception, match="immutable"):
            db.session.execute(text("DELETE FROM selection_entries"))
        db.session.rollback()
    candidate = next(r["candidate"] for r in ranking if r["achievement"] == first["achievement"])
    assert client.post(f"/api/v1/selection/rounds/{YEAR}/candidates/{candidate}/exclude", json={"reason": "成果权属存在争议"},
                       headers=admin).status_code == 200
    assert client.post(f"/api/v1/selection/rounds/{YEAR}/actions/correct", json={}, headers=admin).status_code == 422  # a note is required
    fixed = client.post(f"/api/v1/selection/rounds/{YEAR}/actions/correct", json={"note": "第1名成果权属存在争议，予以移出"}, headers=admin)
    assert fixed.status_code == 201 and fixed.get_json()["revision"] == 2
    latest = client.get(f"/api/v1/selections/{YEAR}").get_json()
    assert latest["revision"] == 2 and latest["entry_count"] == 200 and first["achievement"] not in {e["achievement"] for e in latest["entries"]}
    assert [r["revision"] for r in latest["revisions"]] == [1, 2]
    r1 = client.get(f"/api/v1/selections/{YEAR}/revisions/1").get_json()
    assert r1["digest"] == body["digest"] and r1["entries"] == body["entries"]
    page2 = client.get(f"/selections/{YEAR}").get_data(as_text=True)
    assert "第1名成果权属存在争议" in page2 and "移出" in page2 and first["title"] in page2
    assert client.get("/api/v1/search", query_string={"type": "achievement", "selected": str(YEAR), "size": 1}).get_json()["total"] == 200
    feed = feedparser.parse(client.get("/selections/feed.atom").data)
    assert not feed.bozo and len(feed.entries) == 2


def test_conflicts_of_interest_and_the_quota(world):
    """A small round: an expert of a holder cannot be assigned, and 3 scored candidates cannot
    make a list of 200."""
    app, client, admin = world["app"], world["app"].test_client(), world["admin"]
    ids = load_achievements(app, [AchievementInput(title=f"配额规则测试成果{n}号", registered_at="2024-06-01") for n in range(3)])
    assert client.post("/api/v1/selection/rounds", json=ROUND | {"year": 2024, "window_start": "2024-01-01", "window_end": "2024-12-31"},
                       headers=admin).status_code == 201
    assert client.post("/api/v1/selection/rounds", json=ROUND | {"year": 2023, "quota": 50}, headers=admin).status_code == 422
    for public_id in ids:
        assert client.post("/api/v1/selection/rounds/2024/candidates", json={"achievement": public_id}, headers=admin).status_code == 201
    assert client.post("/api/v1/selection/rounds/2024/actions/start-scoring", headers=admin).status_code == 200
    candidates = client.get("/api/v1/selection/rounds/2024/candidates", headers=admin).get_json()
    with app.app_context():
        holder = {c["id"]: db.session.get(Institution, int(c["nominated_by"].split("-")[1])).id for c in candidates}
    affiliated = {world["orgs"][INSTITUTIONS[0]]: world["experts"][0], world["orgs"][INSTITUTIONS[1]]: world["experts"][1]}
    for c in candidates:
        assigned = {e["expert"] for e in c["experts"]}
        own = affiliated.get(holder[c["id"]])
        if own is not None:
            assert own not in assigned
            refused = client.post(f"/api/v1/selection/rounds/2024/candidates/{c['id']}/experts", json={"expert": own}, headers=admin)
            assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "conflict_of_interest"
    score_all(app, 2024, world["experts"])
    # a candidate cannot be deleted (its candidacy would dangle); withdrawn by its holder, it is not ranked
    deleted = client.delete(f"/api/v1/records/{ids[0]}", headers=admin)
    assert deleted.status_code == 409 and "2024" in deleted.get_json()["error"]["message"]
    assert client.post(f"/api/v1/records/{ids[0]}/withdraw", json={}, headers=admin).status_code == 200
    assert client.post("/api/v1/selection/rounds/2024/actions/close", headers=admin).status_code == 200
    ranked = client.get("/api/v1/selection/rounds/2024/ranking", headers=admin).get_json()
    assert {r["achievement"] for r in ranked} == set(ids[1:]) and [r["rank"] for r in ranked] == [1, 2]
    refused = client.post("/api/v1/selection/rounds/2024/actions/finalise", headers=admin)
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "below_quota"
    assert "少于入选名额 200 项" in refused.get_json()["error"]["message"]
    assert client.get("/api/v1/selections/2024").status_code == 404


@pytest.mark.es
def test_the_badge_and_the_filter_on_elasticsearch_including_an_index_made_before_the_field(es_url, tmp_path):
    """Elasticsearch: an index created before ``selected_years`` existed takes the field when the
    app starts (``ensure_indices`` puts the mapping), and a published list reaches search."""
    import uuid

    from elasticsearch import Elasticsearch

    from indexer.catalog import Catalog
    from web.proxies import current_search

    prefix = f"sel{uuid.uuid4().hex[:8]}-"
    es = Elasticsearch(es_url)
    spec = Catalog().get("achievements")
    old = spec.body["mappings"] | {"properties": {k: v for k, v in spec.body["mappings"]["properties"].items() if k != "selected_years"}}
    es.indices.create(index=f"{spec.write_alias(prefix)}-old", settings={**spec.body["settings"], "number_of_replicas": 0}, mappings=old,
                      aliases={spec.read_alias(prefix): {}, spec.write_alias(prefix): {"is_write_index": True}})
    app = make_app(tmp_path, SEARCH_BACKEND="elasticsearch", SEARCH_ES_HOSTS=[es_url], SEARCH_ES_NUMBER_OF_REPLICAS=0,
                   SEARCH_INDEX_PREFIX=prefix, SELECTION_MIN_QUOTA=1)
    try:
        assert "selected_years" in es.indices.get_mapping(index=f"{prefix}achievements")[f"{spec.write_alias(prefix)}-old"]["mappings"]["properties"]
        ids = load_achievements(app, [AchievementInput(title=f"检索徽标测试成果{n}号") for n in range(2)])
        expert = add_user(app, "reviewer")
        admin = auth(app, "admin")
        client = app.test_client()
        settings = ROUND | {"quota": 1, "experts_per_candidate": 1, "min_scores": 1}
        assert client.post("/api/v1/selection/rounds", json=settings, headers=admin).status_code == 201
        for public_id in ids:
            assert client.post(f"/api/v1/selection/rounds/{YEAR}/candidates", json={"achievement": public_id}, headers=admin).status_code == 201
        assert client.post(f"/api/v1/selection/rounds/{YEAR}/actions/start-scoring", headers=admin).status_code == 200
        score_all(app, YEAR, [expert])
        assert client.post(f"/api/v1/selection/rounds/{YEAR}/actions/close", headers=admin).status_code == 200
        assert client.post(f"/api/v1/selection/rounds/{YEAR}/actions/finalise", headers=admin).status_code == 201
        with app.app_context():
            current_search.refresh()
        found = client.get("/api/v1/search", query_string={"type": "achievement", "selected": str(YEAR)}).get_json()
        assert found["total"] == 1 and found["hits"][0]["source"]["selected_years"] == [str(YEAR)]
        assert [(v["key"], v["count"]) for v in found["facets"]["selected"]] == [(str(YEAR), 1)]
    finally:
        with app.app_context():
            current_search.drop_indices()
        close_app(app)
        es.close()


def test_the_demo_command_publishes_last_years_list_and_opens_this_years_round(tmp_path):
    """``flask selection demo`` (what ``scripts/dev serve`` runs): experts topped up, candidates
    nominated, scored from the records' own evaluation scores, the list published; a second run
    changes nothing."""
    app = make_app(tmp_path)
    try:
        last = TODAY.year - 1
        load_achievements(app, [AchievementInput(registered_at=f"{last}-05-01") for _ in range(210)])
        result = app.test_cli_runner().invoke(args=["selection", "demo"])
        assert result.exit_code == 0, result.output
        assert f"the {last} list is published with 200 of 210 candidates" in result.output
        assert f"the {TODAY.year} round is open" in result.output
        again = app.test_cli_runner().invoke(args=["selection", "demo"])
        assert again.exit_code == 0 and "published already" in again.output
        body = app.test_client().get(f"/api/v1/selections/{last}").get_json()
        assert body["entry_count"] == 200 and recompute(body["formula"], body["entries"])[0]["combined"] == body["entries"][0]["combined"]
        with app.app_context():
            experts = current_services.selection.experts()
            assert len(experts) == 4 and sum(1 for e in experts if e.institution_id) == 1
            assert current_services.selection.get_round(Identity("system", frozenset({"system"})), TODAY.year).status == "nominating"
    finally:
        close_app(app)


def test_the_administrators_form_opens_a_round_with_its_weights(world):
    from tests.apps import csrf_token_of, signed_in

    admin = signed_in(world["app"], "admin")
    form = {"year": "2030", "criteria": "绿色低碳", "quota": "200", "auto_weight": "0.4", "experts_per_candidate": "3", "min_scores": "2",
            "outlier_gap": "15", "nomination_closes": "2030-06-30", "scoring_closes": "2030-09-30",
            **{f"w_{k}": v for k, v in {"trl": "40", "level": "30", "ip": "10", "transfer": "10", "completeness": "10"}.items()},
            **{f"r_{k}": "20" for k in RUBRIC}, "r_innovation": "40", "csrf_token": csrf_token_of(admin, "/admin/selection")}
    made = admin.post("/admin/selection", data=form)
    assert made.status_code == 303 and made.headers["Location"].endswith("/admin/selection/2030")
    body = world["app"].test_client().get("/api/v1/selection/rounds/2030", headers=world["admin"]).get_json()
    assert body["auto_weights"] == {"trl": 40.0, "level": 30.0, "ip": 10.0, "transfer": 10.0, "completeness": 10.0}
    assert body["rubric"]["innovation"] == 40.0 and body["auto_weight"] == 0.4 and body["outlier_gap"] == 15.0
    small = admin.post("/admin/selection", data=form | {"year": "2031", "quota": "150"})
    assert small.status_code == 200 and "不少于 200 项" in small.get_data(as_text=True)
