"""The institution's dashboard (/publish/stats): a publisher sees their institution's records by
status and how people used them (views, downloads, the search results pages that showed them and
with which words), counted without personal data and without robots; never another institution's
figures; administrators see any institution's."""
from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests import filesamples
from tests.apps import close_app, make_app, signed_in, store_config
from web.extensions import db
from web.models import Achievement, AchievementInstitution, Attachment, Institution, InstitutionRedirect, UsageCount
from web.proxies import current_services
from web.services.holder_stats import Day, HolderDashboard, HolderStats
from web.services.identity import Identity
from web.services.usage import query_key, reached

DEMO = ["demo", "load", "--achievements", "30", "--patents", "10", "--instruments", "6"]
BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"}
ROBOT = {"User-Agent": "Mozilla/5.0 (compatible; Baiduspider/2.0)"}
NEW = {"f-title": "黑土地保护性耕作新装备", "f-summary": "一种用于黑土地的保护性耕作装备，减少风蚀与水蚀。", "f-field": "modern_agriculture",
       "f-trl": "6", "f-transfer_modes": ["transfer", "license"], "f-price.amount": "50", "f-keywords": "黑土地；保护性耕作"}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def app(request, tmp_path):
    """The counts are upserts in each store's own dialect, several rows in one statement."""
    app = make_app(tmp_path, *DEMO, **store_config(request))
    yield app
    close_app(app)


@pytest.fixture
def sqlite_app(tmp_path):
    app = make_app(tmp_path, *DEMO)
    yield app
    close_app(app)


def holders_of(achievement_id: int) -> set[int]:
    return set(db.session.scalars(select(AchievementInstitution.institution_id).where(AchievementInstitution.achievement_id == achievement_id)))


def two_institutions(app) -> tuple[tuple[int, int], tuple[int, int]]:
    """((institution A, an achievement only A of the two holds), (institution B, one only B holds))."""
    with app.app_context():
        pairs = db.session.execute(select(AchievementInstitution.institution_id, AchievementInstitution.achievement_id)
                                   .order_by(AchievementInstitution.achievement_id)).all()
        a, a_rec = pairs[0]
        b, b_rec = next((i, r) for i, r in pairs if i != a and a not in holders_of(r))
        assert b not in holders_of(a_rec)
        db.session.remove()
    return (a, a_rec), (b, b_rec)


def figures(html: str) -> dict[str, str]:
    """The headline figures of the page (term → value)."""
    return dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", html))


def usage_rows(app, kind: str) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(select(UsageCount.key, UsageCount.count).where(UsageCount.kind == kind)).all()
        db.session.remove()
    return dict(rows)


def search_hits(app, **args) -> list[dict]:
    return app.test_client().get("/api/v1/search", query_string={"size": 20, **args}, headers=ROBOT).get_json()["hits"]


@pytest.mark.integration
def test_a_publisher_sees_their_records_and_how_people_used_them(app):
    (a, a_rec), (b, b_rec) = two_institutions(app)
    publisher = signed_in(app, "publisher", institution_id=a)
    with app.app_context():
        a_name, b_name = db.session.get(Institution, a).name, db.session.get(Institution, b).name
        a_title, b_title = db.session.get(Achievement, a_rec).title, db.session.get(Achievement, b_rec).title
        held = set(db.session.scalars(select(AchievementInstitution.achievement_id).where(AchievementInstitution.institution_id == a)))
        published = db.session.scalar(select(func.count()).select_from(Achievement).where(Achievement.id.in_(held), Achievement.status == "published"))
        db.session.remove()

    # their records by status: a new record still a draft, one withdrawn
    made = publisher.post("/publish/new/achievement", data={**NEW, "csrf_token": publisher.csrf})
    assert made.status_code == 303
    withdrawn = next(r for r in sorted(held) if r != a_rec)
    assert publisher.post(f"/records/ach-{withdrawn}/withdraw", data={"reason": "停止转化", "csrf_token": publisher.csrf}).status_code == 303

    # people's browsers: views, a download, searches whose first page shows the record
    people = app.test_client()
    for _ in range(2):
        people.get(f"/records/ach-{a_rec}", headers=BROWSER)
    people.get(f"/records/ach-{a_rec}", headers=ROBOT)  # robots are not counted
    people.get(f"/records/ach-{b_rec}", headers=BROWSER)  # another institution's record
    upload = publisher.post(f"/records/ach-{a_rec}/attachments", data={"up-file": (io.BytesIO(filesamples.PDF), "报告.pdf"), "up-title": "报告",
                                                                       "csrf_token": publisher.csrf})
    assert upload.status_code == 303
    with app.app_context():
        attachment = db.session.scalar(select(Attachment.id).order_by(Attachment.id.desc()))
        db.session.remove()
    downloaded = people.get(f"/attachments/{attachment}/file", headers=BROWSER)
    assert downloaded.status_code == 200
    downloaded.close()

    assert f"ach-{a_rec}" in [h["id"] for h in search_hits(app, q=a_title, holder=a_name)]
    assert people.get("/search", query_string={"q": f" {a_title} ", "holder": a_name}, headers=BROWSER).status_code == 200
    people.get("/api/v1/search", query_string={"q": a_title, "holder": a_name}, headers=BROWSER)  # the API counts too
    people.get("/search", query_string={"q": a_title, "holder": a_name}, headers=ROBOT)
    people.get("/search", query_string={"q": a_title, "holder": a_name, "page": 2}, headers=BROWSER)  # paging is not a new search
    # a search showing only the other institution's records
    other = search_hits(app, q=b_title, holder=b_name)
    assert other and not any(f"org-{a}" in h["source"].get("holder_ids", []) for h in other)
    people.get("/search", query_string={"q": b_title, "holder": b_name}, headers=BROWSER)

    reach = usage_rows(app, "reach")
    assert reach[f"org-{a}"] == 2 and reach[f"org-{b}"] >= 1
    assert usage_rows(app, "reachq")[f"org-{a}|{query_key(a_title)}"] == 2

    with app.app_context():  # the service, as the publisher
        identity = Identity(str(publisher.user_id), frozenset({"publisher"}), institution_id=a)
        board = HolderStats(db.session).dashboard(identity, a, 30)
        db.session.remove()
    assert board.by_status["published"]["achievement"] == published - 1
    assert board.by_status["withdrawn"]["achievement"] == 1 and board.by_status["draft"]["achievement"] == 1
    assert board.views == 2 and [(r.public_id, r.title, r.count) for r in board.top_viewed] == [(f"ach-{a_rec}", a_title, 2)]
    assert board.downloads == 1 and board.top_downloaded[0].public_id == f"ach-{a_rec}"
    assert board.reach == 2 and [(t.key, t.count) for t in board.top_queries] == [(query_key(a_title), 2)]
    assert len(board.daily) == 30 and board.daily[-1] == Day(date.today(), 2, 1, 2)

    # the page
    page = publisher.get("/publish/stats")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert figures(html)["记录浏览"] == "2" and figures(html)["附件下载"] == "1" and figures(html)["检索曝光"] == "2"
    assert a_name in html and a_title in html and query_key(a_title) in html
    assert 'class="status-withdrawn">已撤回</th>' in html and 'class="status-draft">草稿</th>' in html
    assert b_title not in html
    assert publisher.get("/publish/stats?days=365").status_code == 200 and publisher.get("/publish/stats?days=90").status_code == 200
    assert 'href="/publish/stats"' in publisher.get("/publish/").get_data(as_text=True)  # the desk links to it

    # several counts in one transaction: the same key twice adds twice (PostgreSQL refuses a row updated twice in one statement)
    with app.app_context():
        current_services.usage.count_many([("view", f"ach-{a_rec}"), ("view", f"ach-{a_rec}"), ("nonsense", "x"), ("view", "")],
                                          BROWSER["User-Agent"])
        current_services.usage.count_many([("view", f"ach-{a_rec}")], ROBOT["User-Agent"])
        db.session.remove()
    assert usage_rows(app, "view")[f"ach-{a_rec}"] == 4


@pytest.mark.integration
def test_who_sees_which_dashboard(sqlite_app):
    app = sqlite_app
    (a, _), (b, _) = two_institutions(app)
    with app.app_context():
        b_name = db.session.get(Institution, b).name
        db.session.remove()
    anonymous = app.test_client().get("/publish/stats")
    assert anonymous.status_code == 302 and "/account/login" in anonymous.headers["Location"]

    publisher = signed_in(app, "publisher", institution_id=a)
    assert publisher.get(f"/publish/stats?institution=org-{a}").status_code == 200
    assert publisher.get(f"/publish/stats?institution=org-{b}").status_code == 403
    assert b_name not in publisher.get(f"/publish/stats?institution=org-{b}").get_data(as_text=True)
    for role in ("reviewer", "intermediary", "investor"):
        assert signed_in(app, role).get("/publish/stats").status_code == 403
    with app.app_context():
        identity = Identity(str(publisher.user_id), frozenset({"publisher"}), institution_id=a)
        from web.services.records import PermissionDenied

        with pytest.raises(PermissionDenied):
            HolderStats(db.session).dashboard(identity, b)
        db.session.remove()

    admin = signed_in(app, "admin")
    chooser = admin.get("/publish/stats")
    assert chooser.status_code == 200 and 'name="institution"' in chooser.get_data(as_text=True)
    page = admin.get(f"/publish/stats?institution=org-{b}&days=7")
    assert page.status_code == 200 and b_name in page.get_data(as_text=True)
    assert f"institution=org-{b}" in page.get_data(as_text=True)  # the period links keep the institution
    assert admin.get("/publish/stats?institution=org-999999").status_code == 404
    assert admin.get("/publish/stats?institution=lorem").status_code == 404

    # a duplicate merged into B: its old id leads to B, and the reach counted under it is B's
    with app.app_context():
        db.session.add(InstitutionRedirect(name_key="merged-duplicate", name="旧单位", institution_id=b, merged_id=999998))
        db.session.add_all([UsageCount(day=date.today(), kind="reach", key="org-999998", count=3),
                            UsageCount(day=date.today(), kind="reachq", key="org-999998|玉米", count=3),
                            UsageCount(day=date.today() - timedelta(days=40), kind="reach", key=f"org-{b}", count=5)])
        db.session.commit()
        board = HolderStats(db.session).dashboard(Identity("1", frozenset({"admin"})), b, 30)
        assert board.reach >= 3 and ("玉米", 3) in [(t.key, t.count) for t in board.top_queries]
        assert HolderStats(db.session).dashboard(Identity("1", frozenset({"admin"})), b, 90).reach >= board.reach + 5
        db.session.remove()
    assert b_name in admin.get("/publish/stats?institution=org-999998").get_data(as_text=True)


@pytest.mark.unit
def test_reach_of_hits_and_the_chart():
    hits = [{"id": "ach-1", "record_type": "achievement", "source": {"holder_ids": ["org-2", "org-3"]}},
            {"id": "pat-1", "record_type": "patent", "source": {}},  # an applicant that is no institution
            {"id": "ins-1", "record_type": "instrument", "source": {"holder_ids": ["org-3"]}},
            {"id": "org-7", "record_type": "institution", "source": {"title": "某单位"}}]
    assert reached(hits) == ["org-2", "org-3", "org-7"]
    today = date(2026, 3, 31)

    def board(days: int) -> HolderDashboard:
        since = today - timedelta(days=days - 1)
        return HolderDashboard(None, days, since, today, daily=[Day(since + timedelta(days=i), 1, 0, 2) for i in range(days)])

    assert len(board(7).series()) == 7 and board(7).peak == 2
    weeks = board(90).series()
    assert len(weeks) == 13 and weeks[-1].end == today and weeks[-1].views == 7 and sum(w.views for w in weeks) == 90
    months = board(365).series()
    assert [m.start for m in months][:2] == [date(2025, 4, 1), date(2025, 5, 1)] and months[-1].views == 31
    assert sum(m.reach for m in months) == 730
