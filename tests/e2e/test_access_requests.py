"""Confidential files in a real browser, in both languages: a visitor is told to sign in, a
member asks for the file on the record page, the holder's publisher approves it on the requests
page, the member downloads it, and the holder sees the download in the disclosure log."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests import filesamples
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import E2E_USERS, sign_in

TEXT = {
    "zh": {"ask": "申请查看", "label": "申请说明", "send": "提交申请", "sent": "申请已提交", "approve": "批准", "answer": "答复（可不填）",
           "approved": "已批准申请。", "granted": "持有单位已批准您的查看申请。", "notice": "另有", "confidential": "保密附件",
           "download": "文件下载"},
    "en": {"ask": "Ask for access", "label": "What you need it for", "send": "Send request", "sent": "Your request was sent",
           "approve": "Approve", "answer": "Answer (optional)", "approved": "The request was approved.",
           "granted": "The holder approved your request.", "notice": "confidential files as well",
           "confidential": "Confidential file", "download": "File download"},
}


def confidential_file(app, record_path: str, title: str) -> None:
    """A confidential PDF of its own for this run (the holder is the e2e publisher's institution)."""
    from web.extensions import db
    from web.proxies import current_services
    from web.services.identity import system_identity

    with app.app_context():
        rec = current_services.attachments.record(system_identity, record_path.rsplit("/", 1)[1])
        current_services.attachments.upload(system_identity, rec, io.BytesIO(filesamples.PDF), f"{title}.pdf", title=title,
                                            confidential=True)
        db.session.remove()


@pytest.mark.parametrize("lang, requester", [("zh", "investor"), ("en", "intermediary")])
def test_a_member_asks_the_holder_approves_and_the_member_downloads(open_page, live_app, samples, shoot, tmp_path, lang, requester):
    t = TEXT[lang]
    record = samples["achievement-files"]
    title = f"中试数据-{lang}"
    confidential_file(live_app, record, title)

    # a visitor learns there are confidential files, not what they are
    visitor = open_page("phone")
    visitor.goto(f"{record}?lang={lang}")
    assert t["notice"] in visitor.locator(".members-only").inner_text()
    assert visitor.locator("li.attachment", has_text=title).count() == 0

    # the member asks on the record page
    member = open_page("desktop")
    sign_in(member, requester, lang)
    member.goto(record)
    item = member.locator("li.attachment", has_text=title)
    assert item.locator(".badge.lock").is_visible() and item.get_by_role("link", name=title).count() == 0
    item.locator("summary", has_text=t["ask"]).click()
    item.get_by_label(t["label"]).fill("拟合作开发，需评估中试数据 / evaluating a joint development")
    assert_accessible(member, "request form open")
    with member.expect_navigation():
        item.get_by_role("button", name=t["send"]).click()
    assert t["sent"] in member.locator(".attachments .flash").inner_text()
    assert member.locator("li.attachment", has_text=title).locator(".access-pending").is_visible()
    shoot(member, f"access-request-sent-{lang}")

    # the holder's publisher approves on the requests page
    holder = open_page("desktop")
    sign_in(holder, "publisher", lang)
    holder.goto("/access-requests/")
    request = holder.locator("li.request", has_text=title).filter(has_text=E2E_USERS[requester])
    assert "拟合作开发" in request.locator(".request-message").inner_text()
    request.get_by_label(t["answer"]).fill("仅限内部评估使用")
    assert_accessible(holder)
    shoot(holder, f"access-requests-{lang}")
    with holder.expect_navigation():
        request.get_by_role("button", name=t["approve"]).click()
    assert t["approved"] in holder.locator(".flash").first.inner_text()

    # the member downloads it
    member.reload()
    item = member.locator("li.attachment", has_text=title)
    assert t["granted"] in item.locator(".access-approved").inner_text() and "仅限内部评估使用" in item.inner_text()
    with member.expect_download() as download:
        item.get_by_role("link", name=title).click()
    saved = tmp_path / "file.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes() == filesamples.PDF and download.value.suggested_filename == f"{title}.pdf"

    # the holder sees who downloaded what
    holder.goto("/disclosures/")
    row = holder.locator("tr", has_text=f"{title}.pdf").filter(has_text=E2E_USERS[requester])
    assert t["confidential"] in row.inner_text() and t["download"] in row.inner_text()
    assert_accessible(holder)
    shoot(holder, f"disclosure-log-{lang}")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_holder_attaches_a_file_on_the_record_page(open_page, samples, shoot, tmp_path, lang):
    page = open_page("phone")
    sign_in(page, "publisher", lang)
    page.goto(samples["achievement-files"])
    upload = page.locator("details.upload-attachment")
    upload.locator("summary").click()
    path = tmp_path / f"检测报告-{lang}.docx"
    path.write_bytes(filesamples.ooxml("docx"))
    upload.locator("input[type=file]").set_input_files(str(path))
    title = f"检测报告 {lang}"
    upload.get_by_label("标题（可不填，默认用文件名）" if lang == "zh" else "Title (optional; the file name otherwise)").fill(title)
    assert_accessible(page, "upload form open")
    with page.expect_navigation():
        upload.get_by_role("button", name="上传" if lang == "zh" else "Upload").click()
    assert ("附件已上传" if lang == "zh" else "The file was attached") in page.locator(".attachments .flash").inner_text()
    item = page.locator("li.attachment", has_text=title)
    assert "DOCX" in item.locator(".attachment-meta").inner_text()
    # a web page dressed as a PDF is refused, with the reason in the reader's language
    fake = tmp_path / "report.pdf"
    fake.write_bytes(filesamples.HTML)
    page.locator("details.upload-attachment summary").click()
    page.locator("details.upload-attachment input[type=file]").set_input_files(str(fake))
    with page.expect_navigation():
        page.locator("details.upload-attachment").get_by_role("button", name="上传" if lang == "zh" else "Upload").click()
    assert ("不接受网页" if lang == "zh" else "web pages, SVG and XML files are not accepted") in page.locator(".attachments .flash").inner_text()
    shoot(page, f"phone-record-files-maintainer-{lang}")
    # and the file goes again
    with page.expect_navigation():
        page.locator("li.attachment", has_text=title).get_by_role("button", name="删除" if lang == "zh" else "Delete").click()
    assert page.locator("li.attachment", has_text=title).count() == 0
    assert Path(tmp_path).exists()
