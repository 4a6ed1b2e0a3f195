"""Yearly statistics reports for administrators (``/admin/reports``): make the PDF of a year,
read the archive (every version kept, newest first), download one as it was made."""
from __future__ import annotations

from datetime import date
from urllib.parse import quote

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from ...forms.stats_report import StatsReportForm
from ...i18n import lang
from ...proxies import current_services
from ...security import require_admin
from ...services.stats_report import PDF_MIMETYPE, StatsReportError
from . import bp


def _default_year(years: list[int]) -> int:
    """Last year when it has records (the latest whole year), else the newest year that has."""
    last = date.today().year - 1
    return last if last in years else years[0]


@bp.route("/reports", methods=["GET", "POST"])
def stats_reports():
    identity = require_admin()
    service = current_services.stats_reports
    years = service.years(identity) or [date.today().year - 1]
    form = StatsReportForm(years)
    if request.method == "GET":
        form.year.data, form.locale.data = _default_year(years), lang()
    if form.validate_on_submit():
        try:
            report = service.generate(identity, form.year.data, form.locale.data)
        except StatsReportError as exc:
            flash(str(exc), "error")
        else:
            flash(gettext("已生成 %(year)s 年度统计报告（第 %(version)s 版，%(pages)s 页，用时 %(seconds)s 秒）。", year=report.year,
                          version=report.summary.get("version"), pages=report.summary.get("pages"),
                          seconds=report.summary.get("seconds")), "ok")
            return redirect(url_for("admin.stats_reports"), code=303)
    elif request.method == "POST":
        flash(gettext("请检查表单中的错误。"), "error")
    return render_template("admin/stats_reports.html", reports=service.list(identity), form=form)


@bp.get("/reports/<int:report_id>.pdf")
def stats_report_pdf(report_id: int):
    identity = require_admin()
    report = current_services.stats_reports.get(identity, report_id)  # none: 404
    response = Response(report.pdf, content_type=PDF_MIMETYPE)
    ascii_name = f"statistics-report-{report.year}-{report.id}.pdf"
    response.headers["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(report.filename, safe='')}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.set_etag(report.sha256)
    return response
