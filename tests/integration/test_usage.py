"""Usage statistics without personal data: searches (once, on their first page), zero-result
searches, record views and exports are counted per day; robots are not; the table holds nothing
about who asked; administrators read the top and the zero-result queries."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import inspect, select

from tests import filesamples
from tests.apps import close_app, make_app, signed_in, store_config
from web.extensions import db
from web.models import AchievementInstitution, Attachment, UsageCount, User
from web.services.usage import is_robot, query_key

DEMO = ["demo", "load", "--achievements", "30", "--patents", "10", "--instruments", "6"]
BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def app(request, tmp_path):
    """The count is an upsert in each store's own dialect."""
    app = make_app(tmp_path, *DEMO, **store_config(request))
    yield app
    close_app(app)


def counts(app) -> dict[tuple[str, str], int]:
    with app.app_context():
        rows = db.session.execute(select(UsageCount.kind, UsageCount.key, UsageCount.count)).all()
        db.session.remove()
    return {(kind, key): n for kind, key, n in rows}


def publisher_record(app, user_id: int) -> int:
    """An achievement of the publisher's institution."""
    with app.app_context():
        institution = db.session.get(User, user_id).institution_id
        return db.session.scalar(select(AchievementInstitution.achievement_id).where(AchievementInstitution.institution_id == institution))


@pytest.mark.integration
def test_what_is_counted_and_what_is_not(app):
    client = app.test_client()
    for _ in range(3):
        client.get("/search", query_string={"q": "  电池 "}, headers=BROWSER)
    client.get("/search", query_string={"q": "电池", "page": 2}, headers=BROWSER)  # paging is not a new search
    client.get("/api/v1/search", query_string={"q": "ＬｉＤＡＲ"}, headers=BROWSER)  # the API counts too, width-folded
    client.get("/search", query_string={"q": "量子引力波探测仪"}, headers=BROWSER)
    client.get("/search", query_string={"q": "量子引力波探测仪"}, headers={"User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1)"})
    client.get("/search", query_string={"q": "爬虫的检索"}, headers={"User-Agent": "python-requests/2.32"})
    client.get("/search", query_string={"q": "没有浏览器标识"}, headers={"User-Agent": ""})
    client.get("/records/ach-1", headers=BROWSER)
    client.get("/records/ach-1", headers=BROWSER)
    client.get("/search/export.csv", query_string={"q": "电池"}, headers=BROWSER)
    publisher = signed_in(app, "publisher")
    record = f"ach-{publisher_record(app, publisher.user_id)}"
    upload = publisher.post(f"/records/{record}/attachments", data={"up-file": (io.BytesIO(filesamples.PDF), "报告.pdf"), "up-title": "报告",
                                                                    "csrf_token": publisher.csrf})
    assert upload.status_code == 303
    with app.app_context():
        attachment = db.session.scalar(select(Attachment.id).order_by(Attachment.id.desc()))
    downloaded = client.get(f"/attachments/{attachment}/file", headers=BROWSER)
    assert downloaded.status_code == 200
    downloaded.close()  # the file is streamed: closing the response closes it
    seen = counts(app)
    assert seen[("search", "电池")] == 3 and seen[("search", "lidar")] == 1
    assert seen[("search", "量子引力波探测仪")] == 1 and seen[("zero", "量子引力波探测仪")] == 1  # the robot's is not
    assert ("zero", "电池") not in seen
    assert not any(key in ("爬虫的检索", "没有浏览器标识") for _, key in seen)
    assert seen[("view", "ach-1")] == 2 and seen[("export", "csv")] == 1 and seen[("download", record)] == 1
    # nothing about who: the table has these columns and no others
    with app.app_context():
        assert {c["name"] for c in inspect(db.engine).get_columns("usage_counts")} == {"day", "kind", "key", "count"}

    admin = signed_in(app, "admin")
    page = admin.get("/admin/usage").get_data(as_text=True)
    assert "量子引力波探测仪" in page and "电池" in page and "没有结果的检索" in page
    assert page.index("没有结果的检索") < page.index("量子引力波探测仪")
    assert signed_in(app, "publisher").get("/admin/usage").status_code == 403


@pytest.mark.unit
def test_robots_and_query_keys():
    assert is_robot(None) and is_robot("") and is_robot("Mozilla/5.0 (compatible; bingbot/2.0)") and is_robot("Baiduspider")
    assert is_robot("curl/8.5.0") and is_robot("Mozilla/5.0 HeadlessChrome/126.0")
    assert not is_robot(BROWSER["User-Agent"]) and not is_robot("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5) Mobile/15E148 MicroMessenger/8.0")
    assert query_key("  锂离子　电池 ") == "锂离子 电池" and query_key("ＬｉＤＡＲ") == "lidar" and len(query_key("长" * 500)) == 100
