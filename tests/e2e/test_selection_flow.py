"""The annual selection in a real browser, from opening to the public list: the administrator
opens the round with its form, a publisher nominates an achievement on the nominations page
(the eligibility checks shown), the administrator starts the scoring, an expert scores on the
score form, the administrator closes the scoring, reads the ranking and finalises, and anyone
reads the ranked list, filters it and finds it featured on the home page.

The other 204 candidates and the other experts' scores are made through the service (a browser
typing 600 scores proves nothing more). The site is an app of its own (a round uses up its year
and its achievements). Screenshots: selection-*.png."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.apps import add_user
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import E2E_USERS, build_app, serving, sign_in
from tests.factories import AchievementInput, load_achievements

YEAR = 2026


@pytest.fixture(scope="module")
def selection_site(tmp_path_factory):
    from sqlalchemy import select

    from web.extensions import db
    from web.models import Institution, User

    app = build_app(tmp_path_factory.mktemp("selection-e2e"), ["demo", "load", "--achievements", "5", "--patents", "2", "--instruments", "2"])
    with app.app_context():
        home = db.session.scalar(select(User).where(User.email == E2E_USERS["publisher"])).institution.name
        db.session.remove()
    ours = load_achievements(app, [AchievementInput(title="寒地黑土保护性耕作成套技术与装备", institutions=[home], trl=8, level="intl_leading")])
    others = load_achievements(app, [AchievementInput() for _ in range(204)])
    experts = [add_user(app, "reviewer") for _ in range(3)]
    with app.app_context():
        reviewer = db.session.scalar(select(User.id).where(User.email == E2E_USERS["reviewer"]))
        assert db.session.query(Institution).count() > 1
        db.session.remove()
    with serving(app) as url:
        yield {"app": app, "url": url, "ours": ours[0], "others": others, "experts": experts + [reviewer]}


def test_a_round_from_opening_to_the_published_list(open_page, shoot, selection_site):
    from web.extensions import db
    from web.proxies import current_services
    from web.services.identity import Identity, system_identity

    app, url = selection_site["app"], selection_site["url"]
    service = lambda: current_services.selection  # noqa: E731 - inside an app context
    today = date.today()

    # the administrator opens the round
    admin = open_page("desktop", server=url)
    sign_in(admin, "admin")
    admin.goto("/admin/selection")
    admin.get_by_label("年度", exact=True).fill(str(YEAR))
    admin.get_by_label("遴选标准").fill("技术先进、转化前景明确、在吉林省落地转化")
    admin.get_by_label("成果登记日期自").fill("2025-01-01")
    admin.get_by_label("提名开始").fill((today - timedelta(days=1)).isoformat())
    admin.get_by_label("提名截止").fill((today + timedelta(days=10)).isoformat())
    admin.get_by_label("评分截止").fill((today + timedelta(days=20)).isoformat())
    with admin.expect_navigation():
        admin.get_by_role("button", name="开启遴选").click()
    assert f"/admin/selection/{YEAR}" in admin.url and "单位可以开始推荐" in admin.content()

    # a publisher nominates their institution's achievement; the checks are shown first
    publisher = open_page("desktop", server=url)
    sign_in(publisher, "publisher")
    publisher.goto("/selection/")
    with publisher.expect_navigation():
        publisher.get_by_role("link", name="推荐本单位成果").click()
    item = publisher.locator(".nominee", has_text="寒地黑土保护性耕作成套技术与装备")
    assert item.locator(".checks li.ok").count() == 4 and item.locator(".checks li.failed").count() == 0
    item.get_by_label("推荐理由").fill("国际领先，已在公主岭等地推广")
    assert_accessible(publisher)
    shoot(publisher, "selection-nominate-zh")
    with publisher.expect_navigation():
        item.get_by_role("button", name="推荐").click()
    assert "已推荐" in publisher.content() and publisher.locator("#candidates", has_text="寒地黑土保护性耕作成套技术与装备").count() == 1

    with app.app_context():  # the other institutions' nominations
        for public_id in selection_site["others"]:
            service().nominate(system_identity, YEAR, public_id, "技术先进")
        db.session.remove()

    # scoring starts: experts are assigned, never one of the holder's
    admin.reload()
    with admin.expect_navigation():
        admin.get_by_role("button", name="结束提名，开始评分").click()
    assert "评分已开始：205 项候选成果" in admin.content()

    # an expert scores on the form; no other expert's score is shown
    expert = open_page("desktop", server=url)
    sign_in(expert, "reviewer")
    expert.goto(f"/selection/{YEAR}/review")
    assert "已评 0 /" in expert.content()
    with expert.expect_navigation():
        expert.locator("table a", has_text="评分").first.click()
    for label, value in (("技术创新程度", "92"), ("技术经济指标先进程度", "88"), ("技术难度和复杂程度", "85"), ("技术成熟度", "90"), ("推动科技进步和市场竞争力", "87")):
        expert.get_by_label(label).fill(value)
    assert "综合得分" not in expert.content()
    shoot(expert, "selection-score-zh")
    with expert.expect_navigation():
        expert.get_by_role("button", name="保存评分").click()
    assert "评分已保存" in expert.content() and "已评 1 /" in expert.content()

    with app.app_context():  # the rest of the scores
        for n, expert_id in enumerate(selection_site["experts"]):
            identity = Identity(str(expert_id), frozenset({"reviewer"}))
            for a in service().assignments(identity, YEAR):
                if a.total is None:
                    value = 60 + (a.candidate.achievement_id * 7 + n * 5) % 35
                    service().score(identity, YEAR, a.id, {c: value for c in ("innovation", "indicators", "difficulty", "maturity", "impact")})
        db.session.remove()

    # the administrator closes the scoring, reads the ranking and finalises
    admin.reload()
    with admin.expect_navigation():
        admin.get_by_role("button", name="结束评分").click()
    assert admin.locator("table.ranking tbody tr").count() == 205
    shoot(admin, "selection-admin-ranking-zh", full_page=False)
    with admin.expect_navigation():
        admin.get_by_role("button", name="定稿并发布榜单").click()
    assert "榜单已发布：200 项成果" in admin.content()

    # anyone reads the ranked list, filters it, and finds it on the home page
    visitor = open_page("desktop", server=url)
    visitor.goto(f"/selections/{YEAR}")
    assert visitor.get_by_role("heading", level=1).inner_text() == f"{YEAR}年度吉林省高质量科技成果榜单"
    entries = visitor.locator(".selection-entry")
    assert entries.count() == 200
    ranks = [int(t) for t in visitor.locator(".selection-entry .rank").all_inner_texts()]
    assert ranks == list(range(1, 201))
    combined = [float(t.split()[-1]) for t in visitor.locator(".selection-entry .scores strong").all_inner_texts()]
    assert combined == sorted(combined, reverse=True)
    assert_accessible(visitor)
    shoot(visitor, "selection-list-zh", full_page=False)
    field = visitor.locator("#f-field option").nth(1)
    wanted = int(field.inner_text().rsplit("(", 1)[1].rstrip(")"))
    visitor.locator("#f-field").select_option(field.get_attribute("value"))
    with visitor.expect_navigation():
        visitor.get_by_role("button", name="筛选").click()
    assert visitor.locator(".selection-entry").count() == wanted
    visitor.goto(f"/selections/{YEAR}?lang=en")
    assert visitor.get_by_role("heading", level=1).inner_text() == f"Jilin {YEAR} list of high-quality achievements"
    shoot(visitor, "selection-list-en", full_page=False)
    phone = open_page("phone", server=url)
    phone.goto(f"/selections/{YEAR}")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shoot(phone, "phone-selection-list-zh", full_page=False)
    visitor.goto("/?lang=zh")
    featured = visitor.locator(".featured-list")
    assert featured.get_by_role("link", name=f"{YEAR}年度吉林省高质量科技成果榜单").count() == 1
    assert featured.locator(".featured-top li").count() == 5
