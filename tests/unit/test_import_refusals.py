"""Refused files, end to end: what the command prints, what the job stores and what the job
page's JSON shows (stable code, reason in Chinese and English), and that nothing was written."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.apps import close_app, make_app, signed_in
from tests.workbooks import padded_bomb, sheet_xml, workbook_with
from web.extensions import db
from web.models import Achievement, ImportJob


@pytest.fixture
def app(tmp_path):
    app = make_app(tmp_path)
    yield app
    close_app(app)


def import_refused(app, path: Path) -> tuple[dict, str]:
    result = app.test_cli_runner().invoke(args=["import", "file", str(path), "--type", "achievement"])
    assert result.exit_code == 1, result.output  # a refused file is a job not completed
    with app.app_context():
        job_id = db.session.scalar(select(func.max(ImportJob.id)))
        assert db.session.scalar(select(func.count()).select_from(Achievement)) == 0  # nothing written
    status = signed_in(app, "admin").get(f"/imports/{job_id}.json").get_json()  # what the job page polls
    return status, result.output


def test_a_padded_zip_bomb_is_refused_on_the_job(app, tmp_path):
    status, output = import_refused(app, padded_bomb(tmp_path / "成果.xlsx"))
    assert status["status"] == "failed" and status["refusal_code"] == "zip_bomb" and status["counts"]["read"] == 0
    assert "压缩比异常" in status["message"] and "abnormal compression ratio" in status["message"]
    assert "疑似压缩炸弹" in output and "a zip bomb?" in output


@pytest.mark.parametrize("kind", ["csv", "xlsx", "xlsx-without-dimension", "jsonl"])
def test_a_file_over_the_row_limit_is_refused_on_the_job(app, tmp_path, monkeypatch, kind):
    monkeypatch.setenv("TT_INGEST_MAX_ROWS", "40")
    if kind == "csv":
        path = tmp_path / "成果.csv"
        path.write_text("成果名称,完成单位\n" + "".join(f"成果{i},吉林大学\n" for i in range(41)), encoding="utf-8")
    elif kind == "jsonl":
        path = tmp_path / "成果.jsonl"
        path.write_text("".join(f'{{"title": "成果{i}", "institutions": ["吉林大学"]}}\n' for i in range(41)), encoding="utf-8")
    else:
        path = workbook_with(tmp_path / "成果.xlsx", sheet_xml(42, dimension=kind == "xlsx"))
    status, output = import_refused(app, path)
    assert status["status"] == "failed" and status["refusal_code"] == "too_many_rows" and status["counts"]["read"] == 0
    assert "数据行超过 40 行的上限" in status["message"] and "more than 40 data rows" in status["message"]
    assert "请拆分为多个文件后导入" in output and "split it into several files" in output
