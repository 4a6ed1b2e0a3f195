"""The import pages: upload, job progress JSON, rejected-records CSV, cancel, templates."""
from __future__ import annotations

import csv
import io
import re

import pytest

from tests.apps import close_app, make_app, signed_in


@pytest.fixture
def app(tmp_path):
    app = make_app(tmp_path)
    yield app
    close_app(app)


def csrf(client, path="/imports/") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


CSV = "成果名称,完成单位,技术就绪度,关键词\n高效锂电池正极材料,吉林大学,6,电池\n坏的记录,吉林大学,十二,电池\n=HYPERLINK(\"x\"),吉林大学,20,电池\n"


def test_upload_run_and_report(app):
    client = signed_in(app, "admin")
    token = csrf(client)
    resp = client.post("/imports/", data={"csrf_token": token, "record_type": "achievement",
                                          "file": (io.BytesIO(CSV.encode("gb18030")), "成果.csv")}, content_type="multipart/form-data")
    assert resp.status_code == 303
    job_id = int(resp.headers["Location"].rstrip("/").split("/")[-1])
    with app.app_context():
        from ingest.pipeline import ImportPipeline

        job = ImportPipeline().run(job_id)  # what the worker does
        assert (job.status, job.created, job.rejected, job.encoding) == ("done", 1, 2, "gb18030")
    status = client.get(f"/imports/{job_id}.json").get_json()
    assert status["status"] == "done" and status["counts"]["rejected"] == 2 and status["progress"]["percent"] == 100
    page = client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert "被拒绝的记录" in page and "技术就绪度应为 1-9" in page
    rows = list(csv.reader(io.StringIO(client.get(f"/imports/{job_id}/errors.csv").get_data().decode("utf-8-sig"))))
    assert [r[2] for r in rows[1:]] == ["3", "4"]
    assert rows[2][3].startswith("'=")  # no formula reaches a spreadsheet
    assert client.get("/search?q=锂电池").status_code == 200


def test_forms_need_the_csrf_token(app):
    client = signed_in(app, "admin")
    resp = client.post("/imports/", data={"file": (io.BytesIO(b"x"), "a.csv")}, content_type="multipart/form-data")
    assert resp.status_code == 403
    anonymous = app.test_client().post("/imports/", data={"file": (io.BytesIO(b"x"), "a.csv")}, content_type="multipart/form-data")
    assert anonymous.status_code == 302 and "/account/login" in anonymous.headers["Location"]


def test_cancel_a_queued_job(app):
    client = signed_in(app, "admin")
    token = csrf(client)
    resp = client.post("/imports/", data={"csrf_token": token, "file": (io.BytesIO(CSV.encode()), "a.csv")}, content_type="multipart/form-data")
    job_id = int(resp.headers["Location"].rstrip("/").split("/")[-1])
    client.post(f"/imports/{job_id}/cancel", data={"csrf_token": token})
    assert client.get(f"/imports/{job_id}.json").get_json()["status"] == "cancelled"


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_templates_download(app, fmt):
    resp = app.test_client().get(f"/imports/templates/achievement.{fmt}")
    assert resp.status_code == 200 and len(resp.data) > 100
    assert "attachment" in resp.headers["Content-Disposition"]


def test_imports_need_an_administrator(app):
    assert app.test_client().get("/imports/").status_code == 302  # to the sign-in page
    assert signed_in(app, "investor").get("/imports/").status_code == 403
    assert signed_in(app, "admin").get("/imports/").status_code == 200
