"""Publishing in a real browser, on both search engines and in both languages: a publisher
writes a new achievement in the record form, the draft stays out of search, a reviewer takes it
and sends it back with a reason, the publisher reads the reason, mends and resubmits, the
reviewer approves, and then anyone finds it by search; a change to the published record waits
for approval in its turn, and the record's history shows both versions and what changed.

The SQLite site is ``live_server``; the Elasticsearch one (``es_live_server``: a node of its own
prefix, a small demo set) is built once per session by the first test that needs it; without a
node those tests skip, under CI=true they fail. Screenshots: publish-*.png (SQLite site)."""
from __future__ import annotations

import re
import time
import uuid
from urllib.parse import quote, urlsplit

import pytest

from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import sign_in

ENGINES = ["sqlite", pytest.param("elasticsearch", marks=pytest.mark.es)]
TEXT = {
    "zh": {
        "desk": "发布与审核", "new": "新建科技成果", "title": "成果名称 *", "summary": "成果简介", "keywords": "关键词",
        "field": "技术领域", "trl": "技术就绪度", "save": "保存", "saved": "草稿已保存。检查预览无误后请提交审核。",
        "saved-again": "草稿已保存。", "required": "必填", "preview": "发布后的样子", "submit": "提交审核", "submitted": "已提交审核。",
        "mine": "本单位的草稿", "queue": "待审核", "closed": "最近完成", "take": "开始审核", "taken": "已开始审核：发布者暂时不能修改此草稿。",
        "reason-label": "退回理由（必填）", "reject": "退回修改", "rejected": "已退回，发布者会看到理由。", "why": "退回理由",
        "edit": "修改", "comment-label": "写意见或答复", "post": "发表", "approve": "批准并发布", "approved": "已批准并发布。",
        "history": "历史版本", "approved-change": "审核通过", "status": {"draft": "草稿", "submitted": "待审核", "in_review": "审核中",
                                                              "rejected": "已退回", "published": "已发布"},
        "edit-saved": "修改已保存为草稿：审核通过前，公开的仍是原来的版本。", "compared": "与版本 1 相比", "revision": "版本",
        "reason": "请补充试验数据：在哪里、哪一年做的田间试验？", "reply": "已补充 2025 年公主岭田间试验数据。",
        "summary-text": "一种适合东北黑土地的免耕播种装备，秸秆覆盖条件下一次完成开沟、播种与镇压。",
        "trial": "2025 年在公主岭完成 300 亩田间试验并使出苗率提高 8%。",
    },
    "en": {
        "desk": "Publishing", "new": "New Achievement", "title": "Title *", "summary": "Summary", "keywords": "Keywords",
        "field": "Technology field", "trl": "TRL", "save": "Save", "saved": "Draft saved. Check the preview, then submit it for review.",
        "saved-again": "Draft saved.", "required": "required", "preview": "As it will be published", "submit": "Submit for review",
        "submitted": "Submitted for review.", "mine": "Our institution's drafts", "queue": "Waiting for review", "closed": "Recently closed",
        "take": "Start review", "taken": "Review started: the publisher cannot change this draft meanwhile.",
        "reason-label": "Why it is rejected (required)", "reject": "Reject", "rejected": "Rejected; the publisher will see why.",
        "why": "Why it was rejected", "edit": "Edit", "comment-label": "Write a comment or an answer", "post": "Post", "approve": "Approve and publish",
        "approved": "Approved and published.", "history": "History", "approved-change": "Approved",
        "status": {"draft": "Draft", "submitted": "Submitted for review", "in_review": "In review", "rejected": "Rejected",
                   "published": "Published"},
        "edit-saved": "Your changes were saved as a draft: until a reviewer approves them, the public still sees the published version.",
        "compared": "compared with revision 1", "revision": "Revision",
        "reason": "Please add the trial data: where and in which year was the field trial?",
        "reply": "Added the 2025 field trial at Gongzhuling.",
        "summary-text": "No-till seeding equipment for the black soil of the north-east: furrowing, seeding and pressing in one pass under straw.",
        "trial": "A 300-mu field trial at Gongzhuling in 2025 raised emergence by 8%.",
    },
}


@pytest.fixture(params=ENGINES)
def server(request) -> str:
    """The base URL of the site on this engine."""
    return request.getfixturevalue("live_server" if request.param == "sqlite" else "es_live_server")


def flash(page) -> str:
    return " ".join(page.locator("p.flash").all_inner_texts())


def status_of(page) -> str:
    return page.locator(".draft-status strong").get_attribute("data-status")


def press(page, name: str) -> None:
    """Click the button or link of that name and wait for the page it leads to."""
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).or_(page.get_by_role("link", name=name, exact=True)).first.click()


def found_titles(page, words: str) -> list[str]:
    page.goto(f"/search?q={quote(words)}")
    return [t.strip() for t in page.locator(".hits .hit a.title").all_inner_texts()]


def wait_until_found(page, words: str, title: str, timeout: float = 10) -> None:
    """Elasticsearch shows a change after its refresh (1 s): ask again for a little while."""
    deadline = time.monotonic() + timeout
    while title not in found_titles(page, words):
        assert time.monotonic() < deadline, f"{title!r} not found by searching {words!r}"
        time.sleep(0.5)


def open_from_desk(page, section: str, title: str) -> None:
    """From the desk, the draft of that title in the section of that heading."""
    page.goto("/publish/")
    box = page.locator("section.card").filter(has=page.get_by_role("heading", name=section))
    with page.expect_navigation():
        box.get_by_role("link", name=title, exact=True).click()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_new_achievement_from_draft_to_published(open_page, shoot, server, request, lang):
    t = TEXT[lang]
    engine = request.node.callspec.params["server"]
    token = uuid.uuid4().hex[:6].upper()
    title = f"寒地黑土免耕精量播种装备 E2E{token}" if lang == "zh" else f"No-till precision seeder for cold black soil E2E{token}"
    words = f"E2E{token}"
    shots = engine == "sqlite"  # one set of screenshots: the pages look the same on both engines

    # a publisher writes it in the record form
    publisher = open_page("desktop", server=server)
    sign_in(publisher, "publisher", lang)
    publisher.get_by_role("navigation").get_by_role("link", name=t["desk"]).click()
    publisher.wait_for_url(re.compile(r"/publish/$"))
    assert publisher.get_by_role("heading", level=1).inner_text() == t["desk"]
    press(publisher, t["new"])
    assert publisher.get_by_role("heading", level=1).inner_text() == t["new"]
    assert_accessible(publisher, "new record form")
    if shots:
        shoot(publisher, f"publish-form-{lang}")
    # saved without a title: the form comes back with the reason on the field, the rest kept
    publisher.get_by_label(t["summary"], exact=True).fill(t["summary-text"])
    press(publisher, t["save"])
    title_box = publisher.get_by_label(t["title"], exact=True)
    assert title_box.get_attribute("aria-invalid") == "true"
    assert publisher.locator(f"#{title_box.get_attribute('aria-describedby').split()[-1]}").inner_text().strip()
    assert publisher.get_by_label(t["summary"], exact=True).input_value() == t["summary-text"]
    assert_accessible(publisher, "form with an error")
    title_box.fill(title)
    publisher.get_by_label(t["field"], exact=True).select_option("modern_agriculture")
    publisher.get_by_label(t["trl"], exact=True).select_option("6")
    publisher.locator("input[name='f-transfer_modes'][value=license]").check()
    publisher.get_by_label(t["keywords"], exact=True).fill("免耕；播种")
    press(publisher, t["save"])
    assert re.search(r"/publish/drafts/\d+$", publisher.url), publisher.url
    draft_url = urlsplit(publisher.url).path
    assert t["saved"] in flash(publisher)
    assert status_of(publisher) == "draft"
    assert publisher.locator(".draft-status strong").inner_text() == t["status"]["draft"]
    assert publisher.get_by_role("heading", level=1).inner_text().endswith(title)
    assert publisher.get_by_role("heading", name=t["preview"]).is_visible()
    assert_accessible(publisher, "a new draft")
    if shots:
        shoot(publisher, f"publish-draft-{lang}")

    # a draft is nobody's search result
    visitor = open_page("desktop", server=server)
    visitor.goto(f"/?lang={lang}")
    assert title not in found_titles(visitor, words)
    assert title not in found_titles(visitor, title)
    assert visitor.goto(draft_url).status in (401, 403, 404) or urlsplit(visitor.url).path == "/account/login"

    press(publisher, t["submit"])
    assert t["submitted"] in flash(publisher) and status_of(publisher) == "submitted"

    # a reviewer finds it on the desk, takes it and sends it back with a reason
    reviewer = open_page("desktop", server=server)
    sign_in(reviewer, "reviewer", lang)
    open_from_desk(reviewer, t["queue"], title)
    reviewer.goto("/publish/")
    assert_accessible(reviewer, "the reviewer's desk")
    if shots:
        shoot(reviewer, f"publish-desk-{lang}")
    open_from_desk(reviewer, t["queue"], title)
    assert urlsplit(reviewer.url).path == draft_url
    press(reviewer, t["take"])
    assert t["taken"] in flash(reviewer) and status_of(reviewer) == "in_review"
    assert reviewer.locator(".draft-status strong").inner_text() == t["status"]["in_review"]
    assert_accessible(reviewer, "a draft in review, the reviewer's view")
    if shots:
        shoot(reviewer, f"publish-review-{lang}")
    reviewer.get_by_label(t["reason-label"], exact=True).fill(t["reason"])
    press(reviewer, t["reject"])
    assert t["rejected"] in flash(reviewer) and status_of(reviewer) == "rejected"

    # the publisher sees why, mends the draft and submits it again
    open_from_desk(publisher, t["mine"], title)
    assert status_of(publisher) == "rejected"
    note = publisher.get_by_role("alert").filter(has_text=t["why"])
    assert t["reason"] in note.inner_text()
    assert t["reason"] in publisher.locator("ol.comments").inner_text()
    press(publisher, t["edit"])
    assert publisher.get_by_label(t["title"], exact=True).input_value() == title
    summary = publisher.get_by_label(t["summary"], exact=True)
    summary.fill(summary.input_value() + t["trial"])
    press(publisher, t["save"])
    assert t["saved-again"] in flash(publisher) and status_of(publisher) == "draft"
    assert t["trial"] in publisher.locator("section.card").filter(has=publisher.get_by_role("heading", name=t["preview"])).inner_text()
    publisher.get_by_label(t["comment-label"], exact=True).fill(t["reply"])
    press(publisher, t["post"])
    press(publisher, t["submit"])
    assert status_of(publisher) == "submitted"

    # the reviewer approves: the record is published and found by anyone
    open_from_desk(reviewer, t["queue"], title)
    assert t["reply"] in reviewer.locator("ol.comments").inner_text()
    press(reviewer, t["approve"])
    assert t["approved"] in flash(reviewer) and status_of(reviewer) == "published"
    record_path = urlsplit(reviewer.locator(".draft-status a[href^='/records/']").get_attribute("href")).path
    wait_until_found(visitor, words, title)
    with visitor.expect_navigation():
        visitor.locator(".hits .hit a.title", has_text=title).click()
    assert urlsplit(visitor.url).path == record_path
    assert visitor.locator("article.record h1").inner_text().strip() == title
    assert t["summary-text"][:12] in visitor.locator("article.record").inner_text()  # a visitor reads the start only

    # a change to the published record waits for approval; the public sees the old version meanwhile
    publisher.goto(record_path)
    assert t["trial"] in publisher.locator("article.record").inner_text()
    press(publisher, t["edit"])
    publisher.get_by_label(t["trl"], exact=True).select_option("7")
    press(publisher, t["save"])
    assert t["edit-saved"] in flash(publisher) and status_of(publisher) == "draft"
    change_url = urlsplit(publisher.url).path
    assert change_url != draft_url
    press(publisher, t["submit"])
    reviewer.goto(change_url)
    press(reviewer, t["approve"])
    assert status_of(reviewer) == "published"
    # each closed draft still shows what its approval changed (not its content against the
    # record as it is now, which would show the second draft undone by the first)
    reviewer.goto(draft_url)
    befores = reviewer.locator("table.changes td.before").all_inner_texts()
    assert befores and set(befores) == {"—"}, befores
    reviewer.goto(change_url)
    change = reviewer.locator("table.changes tbody tr")
    # codes read by their names: the TRL with its level's meaning
    before, after = change.locator("td.before").inner_text(), change.locator("td.after").inner_text()
    assert change.count() == 1 and before.startswith("6 · ") and after.startswith("7 · "), (before, after)
    assert after.endswith("实际环境中的原型验证" if lang == "zh" else "Prototype demonstrated in operational environment")

    # on the desk, the change is marked as one; the new record's draft is not, now it is published either
    publisher.goto("/publish/")
    closed = publisher.locator("section.card").filter(has=publisher.get_by_role("heading", name=t["closed"]))
    for url, tag in ((draft_url, 0), (change_url, 1)):
        assert closed.locator(f"tr:has(a[href='{url}']) .tag-edit").count() == tag, url

    # the history: two versions, each approved from its draft; the second one's changes
    publisher.goto(record_path)
    press(publisher, t["history"])
    assert urlsplit(publisher.url).path == f"{record_path}/history"
    assert publisher.get_by_role("heading", level=1).inner_text() == t["history"]
    rows = publisher.locator("table.versions tbody tr")
    assert rows.count() == 2
    texts = rows.all_inner_texts()
    assert all(t["approved-change"] in row for row in texts), texts
    draft_ids = {draft_url.rsplit("/", 1)[1], change_url.rsplit("/", 1)[1]}
    assert {re.search(r"\((?:草稿|Draft) (\d+)\)", row).group(1) for row in texts} == draft_ids, texts
    assert_accessible(publisher, "a record's history")
    if shots:
        shoot(publisher, f"publish-history-{lang}")
    with publisher.expect_navigation():
        publisher.get_by_role("link", name="2", exact=True).click()
    assert publisher.get_by_role("heading", level=1).inner_text() == f"{t['revision']} 2"
    assert t["compared"] in publisher.locator("main").inner_text()
    change = publisher.locator("table.changes tbody tr")
    assert change.count() == 1 and change.first.locator("th").inner_text() == t["trl"]
    assert_accessible(publisher, "a version's changes")
    if shots:
        shoot(publisher, f"publish-version-{lang}")

    # a reader on a phone finds it too, and the publisher's pages fit a phone
    phone = open_page("phone", server=server)
    phone.goto(f"/search?q={quote(words)}&lang={lang}")
    assert phone.locator(".hits .hit a.title", has_text=title).count() == 1
    if shots:
        sign_in(phone, "publisher", lang)
        for name, path in (("desk", "/publish/"), ("draft", draft_url), ("history", f"{record_path}/history")):
            phone.goto(path)
            shoot(phone, f"phone-publish-{name}-{lang}")
