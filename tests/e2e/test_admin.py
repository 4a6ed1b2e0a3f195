"""Administration in a real browser: an administrator finds two institutions that are one,
picks the one to keep with the type-ahead, reads the preview and merges them, in Chinese and
in English; the records follow. Screenshots: admin-*.png in test-artifacts/screenshots/."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import sign_in

TEXT = {
    "zh": {"preview": "预览", "merge": "确认合并", "done": "随之转移", "counts": {"科技成果": "1", "仪器": "0"}},
    "en": {"preview": "Preview", "merge": "Merge", "done": "moved with it", "counts": {"Achievements": "1", "Instruments": "0"}},
}


def make_pair(app, lang: str) -> dict:
    """Two spellings of one institute (one with its campus in brackets), each holding records."""
    from sqlalchemy import select

    from web.extensions import db
    from web.models import Institution
    from web.proxies import current_services
    from web.services.identity import system_identity

    mark = "甲" if lang == "zh" else "乙"
    keep, duplicate = f"长春示例材料研究院{mark}", f"长春示例材料研究院{mark}（南区）"
    with app.app_context():
        create = lambda t, **d: current_services.for_type(t).create(system_identity, {"record_type": t, **d})  # noqa: E731
        create("institution", name=keep)
        create("institution", name=duplicate)
        for n in range(2):
            create("achievement", title=f"示例新材料{mark}{n}", institutions=[keep])
        moved = create("achievement", title=f"南区的示例成果{mark}", institutions=[duplicate]).public_id
        by_name = {i.name: i.id for i in db.session.scalars(select(Institution).where(Institution.name.startswith(keep)))}
        db.session.remove()
    return {"keep": keep, "keep_id": by_name[keep], "duplicate_id": by_name[f"长春示例材料研究院{mark}(南区)"], "moved": moved}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_administrator_merges_two_institutions_through_the_pages(open_page, live_app, shoot, lang):
    pair = make_pair(live_app, lang)
    text = TEXT[lang]
    page = open_page("desktop")
    sign_in(page, lang=lang)

    # the likely duplicates name both, and suggest keeping the one that holds more
    page.goto(f"/admin/institutions/duplicates?lang={lang}")
    group = page.locator("section.card", has=page.get_by_role("heading", name=pair["keep"], exact=True))
    assert group.locator(f'a[href="/records/org-{pair["duplicate_id"]}"]').count() == 1
    shoot(page, f"admin-duplicates-{lang}")
    with page.expect_navigation():
        group.locator(f'a[href*="source=org-{pair["duplicate_id"]}"]').click()
    assert parse_qs(urlsplit(page.url).query)["target"] == [f"org-{pair['keep_id']}"]

    # the target is chosen again with the type-ahead: the same preview
    target = page.get_by_role("combobox")
    target.fill("")
    target.press_sequentially(pair["keep"][:6], delay=40)
    option = page.get_by_role("option", name=pair["keep"], exact=True)
    option.wait_for(state="visible")
    assert target.get_attribute("aria-expanded") == "true"
    assert_accessible(page, "institution suggestions open", within=".typeahead")
    option.click()
    assert target.input_value() == pair["keep"] and target.get_attribute("aria-expanded") == "false"
    with page.expect_navigation():
        page.get_by_role("button", name=text["preview"], exact=True).click()
    counts = dict(zip(page.locator(".admin-counts dt").all_inner_texts(), page.locator(".admin-counts dd").all_inner_texts()))
    assert {k: counts[k] for k in text["counts"]} == text["counts"], counts
    shoot(page, f"admin-merge-preview-{lang}")

    with page.expect_navigation():
        page.get_by_role("button", name=text["merge"], exact=True).click()
    assert urlsplit(page.url).path == "/admin/institutions"
    assert text["done"] in page.locator(".flash").inner_text()
    assert page.locator(f'a[href="/records/org-{pair["duplicate_id"]}"]').count() == 0
    shoot(page, f"admin-merged-{lang}")

    # the record follows: its page names the institution that stayed, and the old one is gone
    page.goto(f"/records/{pair['moved']}?lang={lang}")
    assert page.locator(f'a[href="/records/org-{pair["keep_id"]}"]').count() >= 1
    assert page.goto(f"/records/org-{pair['duplicate_id']}").status == 404


def test_administration_pages_screenshots(open_page, shoot):
    """The pages as an administrator sees them, on a desktop and on a phone."""
    for size, pages in (("desktop", ("/admin/", "/admin/users", "/admin/users/1", "/admin/audit")), ("phone", ("/admin/", "/admin/users/1"))):
        page = open_page(size)
        sign_in(page)
        for path in pages:
            assert page.goto(path).status == 200
            name = re.sub(r"[^a-z0-9]+", "-", path.strip("/")).strip("-") or "admin"
            shoot(page, f"{'phone-' if size == 'phone' else ''}{name}-zh")


def test_other_roles_are_refused(open_page):
    page = open_page("desktop")
    sign_in(page, "reviewer")
    assert page.get_by_role("navigation", name="主导航").get_by_role("link", name="管理").count() == 0
    assert page.goto("/admin/").status == 403
