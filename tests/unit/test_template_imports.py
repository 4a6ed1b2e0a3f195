"""The import template's example row never becomes a record: an untouched template imports
nothing, and a template filled around the example imports exactly the rows people typed, for
every record type, through the real command (``flask import file``) and pipeline. Templates
made before the example moved to the guide sheet (example in row 3) are covered too."""
from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select

from ingest.templates import example_row, template_columns, template_csv, template_xlsx
from tests.apps import close_app, make_app
from demo.generator import check_digit
from web.extensions import db
from web.models import RECORD_CLASSES, ImportJob

TYPES = ["achievement", "patent", "instrument", "institution"]

# what a person changes when they copy the example row to describe their own record
OWN: dict[str, Any] = {
    "achievement": lambda i: {"title": f"寒区沥青路面抗冻融材料{i}", "registration_no": f"2202023009{i:02d}"},
    "patent": lambda i: {"title": f"一种抗冻融沥青的制备方法{i}", "application_no": f"2023109990{i:02d}.{check_digit(f'2023109990{i:02d}')}",
                         "publication_no": None, "grant_no": None},
    "instrument": lambda i: {"name": f"X射线衍射仪{i}", "asset_no": f"JLU-2020-01{i:02d}"},
    "institution": lambda i: {"name": f"长春寒地材料{i}有限公司", "credit_code": None, "aliases": None},
}
# ... or they copy it and change one value only: still their row, imported as typed
ONE_CHANGE = {"achievement": ("trl", 7), "patent": ("citations", 3), "instrument": ("stats_year", 2024),
              "institution": ("contact_name", "钱经理")}


@pytest.fixture
def app(tmp_path):
    app = make_app(tmp_path)
    yield app
    close_app(app)


def row(record_type: str, changes: dict[str, Any], native: bool) -> list[Any]:
    """The example row (as the template writes it) with some cells changed."""
    cells = example_row(record_type, native=native)
    for i, col in enumerate(template_columns(record_type)):
        if col.path in changes:
            value = changes[col.path]
            cells[i] = value if native or value is None else str(value)
    return cells


def user_rows(record_type: str, native: bool) -> list[list[Any]]:
    path, value = ONE_CHANGE[record_type]
    return [row(record_type, OWN[record_type](1), native), row(record_type, OWN[record_type](2), native),
            row(record_type, {path: value}, native)]


def xlsx(path: Path, record_type: str, rows: list[list[Any]]) -> Path:
    """Today's template with ``rows`` written from row 3, as a person fills it."""
    wb = openpyxl.load_workbook(io.BytesIO(template_xlsx(record_type)))
    ws = wb.worksheets[0]
    for r, cells in enumerate(rows, 3):
        for c, value in enumerate(cells, 1):
            cell = ws.cell(row=r, column=c)
            cell.value = value  # ws.cell(..., value=None) would leave a cell as it was
            if isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
    wb.save(path)
    return path


def old_xlsx(path: Path, record_type: str, rows: list[list[Any]], example_at: int = 0) -> Path:
    """A template made before the example moved to the guide sheet: the example in the data
    sheet (row 3 unless people inserted rows above it), the person's rows around it."""
    example = example_row(record_type, native=True)
    return xlsx(path, record_type, rows[:example_at] + [example] + rows[example_at:])


def csv_file(path: Path, record_type: str, rows: list[list[Any]], locale: str = "zh") -> Path:
    """The CSV template with its example row (``example=True``) and the person's rows after it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for cells in rows:
        writer.writerow(["" if v is None else v for v in cells])
    path.write_bytes(template_csv(record_type, locale, example=True) + out.getvalue().encode("utf-8"))
    return path


def import_file(app, path: Path, record_type: str) -> tuple[ImportJob, int, str]:
    result = app.test_cli_runner().invoke(args=["import", "file", str(path), "--type", record_type])
    assert result.exit_code == 0, (result.output, result.exception)
    with app.app_context():
        job = db.session.scalars(select(ImportJob).order_by(ImportJob.id.desc())).first()
        db.session.expunge(job)
        stored = db.session.scalar(select(func.count()).select_from(RECORD_CLASSES[record_type]))
    return job, stored, result.output


@pytest.mark.parametrize("record_type", TYPES)
def test_an_untouched_template_imports_nothing(app, tmp_path, record_type):
    path = tmp_path / f"{record_type}.xlsx"
    path.write_bytes(template_xlsx(record_type))  # as `flask import template` writes it
    job, stored, output = import_file(app, path, record_type)
    assert job.status == "done" and (job.read, job.created, stored) == (0, 0, 0), output


@pytest.mark.parametrize("record_type", TYPES)
def test_an_untouched_old_template_imports_nothing_and_says_why(app, tmp_path, record_type):
    job, stored, output = import_file(app, old_xlsx(tmp_path / f"{record_type}.xlsx", record_type, []), record_type)
    assert job.status == "done" and (job.read, job.created, stored) == (0, 0, 0), output
    assert "第 3 行是未修改的模板示例，未导入" in job.message and "row 3 is the template's example, unchanged: not imported" in job.message
    assert "模板示例" in output  # the command's summary shows the job's message


@pytest.mark.parametrize("record_type", TYPES)
@pytest.mark.parametrize("layout", ["xlsx", "old-xlsx-example-first", "old-xlsx-example-between", "csv-zh", "csv-en"])
def test_a_filled_template_imports_exactly_the_rows_people_typed(app, tmp_path, record_type, layout):
    if layout == "xlsx":
        path = xlsx(tmp_path / "t.xlsx", record_type, user_rows(record_type, native=True))
    elif layout.startswith("old-xlsx"):
        path = old_xlsx(tmp_path / "t.xlsx", record_type, user_rows(record_type, native=True), example_at=0 if layout.endswith("first") else 1)
    else:
        locale = layout[-2:]
        rows = user_rows(record_type, native=False)
        if locale == "en":  # English headers: the rows as an English-speaking person types them
            rows = [en_row(record_type, r) for r in rows]
        path = csv_file(tmp_path / "t.csv", record_type, rows, locale)
    job, stored, output = import_file(app, path, record_type)
    assert job.status == "done", output
    assert (job.read, job.created, job.rejected, stored) == (3, 3, 0, 3), (output, job.message)
    if layout != "xlsx":  # today's template has no example on the data sheet
        assert "是未修改的模板示例，未导入" in (job.message or ""), output  # where it was, and that it was left out


def en_row(record_type: str, zh_cells: list[Any]) -> list[Any]:
    """A row of ``user_rows`` re-typed under the English headers (labels in English, money in CNY)."""
    en = example_row(record_type, "en")
    zh = example_row(record_type, "zh")
    return [e if z == c else c for e, z, c in zip(en, zh, zh_cells)]

