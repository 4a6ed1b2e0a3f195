"""The annual selection's pages.

Public (no account): every year's list (``/selections/``), one year's list with filters by field
and city, each entry's reasons and scores and the formula (``/selections/<year>``, any earlier
revision at ``/selections/<year>/r<n>``), its XLSX and PDF, and an Atom feed of new lists.

Taking part (signed in): publishers nominate their institution's achievements
(``/selection/<year>/nominate``), experts score what they are assigned (``/selection/<year>/review``).
The administrator's pages are under ``/admin/selection``."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from ..forms.selection import RUBRIC_LABELS, ActionForm, NominateForm, ScoreForm
from ..i18n import lang
from ..models import SelectionList
from ..proxies import current_services
from ..security import require_signed_in
from ..services.records import PermissionDenied
from ..services.selection import SelectionError, SelectionNotFound
from ..services.selection_scoring import AUTO_PARTS
from ..urls import external_url

bp = Blueprint("selection", __name__)
YEAR = "<int(min=2000, max=2100):year>"
REVISION = "<int(min=1, max=9999):revision>"


@bp.app_context_processor
def selection_helpers() -> dict[str, Any]:
    from ..templating import label

    def highlight(h: dict[str, Any]) -> str:
        """One reason an entry stands out, phrased in the reader's language."""
        code, value = h.get("code"), h.get("value")
        if code == "level":
            return gettext("成果水平：%(v)s", v=label("achievement_level", value))
        if code == "trl":
            return gettext("技术就绪度 %(v)s 级（%(name)s）", v=value, name=label("trl", str(value)))
        if code == "invention_patents":
            return gettext("发明专利 %(v)s 项", v=value)
        if code == "transfer_modes":
            sep = "、" if lang() == "zh" else ", "
            return gettext("转化方式：%(v)s", v=sep.join(label("transfer_mode", m) for m in value or []))
        if code == "complete":
            return gettext("信息完整度 %(v)s%%", v=value)
        return str(value)

    return {"label_round": lambda s: label("selection_status", s), "label_candidate": lambda s: label("candidate_status", s),
            "label_part": lambda s: label("selection_part", s), "highlight": highlight,
            "colon": lambda: ": " if lang() == "en" else "："}


def say(exc: Exception) -> str:
    """A service's "中文 / English" message in the reader's language."""
    zh, _, en = str(exc).partition(" / ")
    return en if lang() == "en" and en else zh


def _listing(year: int, revision: int | None = None) -> SelectionList:
    try:
        return current_services.selection.published(year, revision)
    except SelectionNotFound:
        abort(404)


def _filtered(entries: list[dict[str, Any]], field: str | None, city: str | None) -> list[dict[str, Any]]:
    return [e for e in entries if (not field or e.get("field") == field) and (not city or e.get("city") == city)]


def _counts(entries: list[dict[str, Any]], key: str) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for e in entries:
        if e.get(key):
            counts[e[key]] = counts.get(e[key], 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


# -- public --------------------------------------------------------------------------------------
@bp.get("/selections/")
def index():
    return render_template("selection/index.html", lists=current_services.selection.lists())


@bp.get(f"/selections/{YEAR}")
@bp.get(f"/selections/{YEAR}/r{REVISION}")
def year_list(year: int, revision: int | None = None):
    listing = _listing(year, revision)
    revisions = current_services.selection.revisions(year)
    field, city = request.args.get("field") or None, request.args.get("city") or None
    entries = _filtered(listing.entries, field, city)
    previous = next((r for r in revisions if r.revision == listing.revision - 1), None)
    changes = None
    if previous is not None:
        before = {e["achievement"]: e for e in previous.entries}
        after = {e["achievement"]: e for e in listing.entries}
        changes = {"added": [after[k] for k in after if k not in before], "removed": [before[k] for k in before if k not in after]}
    return render_template(
        "selection/list.html", listing=listing, entries=entries, revisions=revisions, latest=revisions[-1],
        field=field, city=city, fields=_counts(listing.entries, "field"), cities=_counts(listing.entries, "city"),
        changes=changes, rubric=RUBRIC_LABELS, auto_parts=AUTO_PARTS)


def _download(listing: SelectionList, extension: str) -> Response:
    """The list as a file, named in the reader's language (with an ASCII name for old clients)."""
    from urllib.parse import quote

    from ..services import selection_export as export

    body, mimetype = ((export.list_xlsx(listing, lang()), export.XLSX_MIMETYPE) if extension == "xlsx"
                      else (export.list_pdf(listing, lang()), export.PDF_MIMETYPE))
    name, ascii_name = export.filenames(listing, extension, lang())
    response = Response(body, content_type=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
    return response


@bp.get(f"/selections/{YEAR}/r{REVISION}.xlsx")
def export_xlsx(year: int, revision: int):
    return _download(_listing(year, revision), "xlsx")


@bp.get(f"/selections/{YEAR}/r{REVISION}.pdf")
def export_pdf(year: int, revision: int):
    return _download(_listing(year, revision), "pdf")


@bp.get("/selections/feed.atom")
def feed():
    from ..services.selection_export import ATOM_MIMETYPE, lists_feed

    body = lists_feed(current_services.selection.recent_revisions(), lang(), external_url("selection.index"),
                      external_url("selection.feed"),
                      lambda listing: external_url("selection.year_list", year=listing.year, revision=listing.revision))
    return Response(body, content_type=ATOM_MIMETYPE)


# -- taking part ---------------------------------------------------------------------------------
@bp.get("/selection/")
def hub():
    """Rounds, and what this reader may do in each."""
    identity = require_signed_in()
    if not (identity.is_admin or identity.is_publisher or identity.is_reviewer):
        raise PermissionDenied("年度遴选面向单位发布者、评审专家和管理员 / for publishers, experts and administrators")
    rounds = current_services.selection.rounds()
    pending = {r.year: sum(1 for a in current_services.selection.assignments(identity, r.year) if a.submitted_at is None)
               for r in rounds if identity.is_reviewer and r.status == "scoring"}
    return render_template("selection/hub.html", rounds=rounds, pending=pending, identity=identity)


def _round(identity, year: int):
    try:
        return current_services.selection.get_round(identity, year)
    except SelectionNotFound:
        abort(404)


@bp.get(f"/selection/{YEAR}/nominate")
def nominate_page(year: int):
    identity = require_signed_in()
    if not identity.is_publisher:
        raise PermissionDenied("只有单位发布者推荐本单位的成果 / publishers nominate their institution's achievements")
    rnd = _round(identity, year)
    options = current_services.selection.nomination_options(identity, year)
    return render_template("selection/nominate.html", round=rnd, options=options, form=NominateForm(), action=ActionForm())


@bp.post(f"/selection/{YEAR}/nominate")
def nominate(year: int):
    identity = require_signed_in()
    form = NominateForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
    else:
        try:
            current_services.selection.nominate(identity, year, form.achievement.data, form.statement.data or "")
        except (SelectionError, PermissionDenied) as exc:
            flash(say(exc), "error")
        else:
            flash(gettext("已推荐 %(id)s。", id=form.achievement.data), "ok")
    return _back_to_candidates(identity, year)


def _back_to_candidates(identity, year: int):
    """Publishers return to their nominations; an administrator to the round's own page."""
    if identity.is_admin and not identity.is_publisher:
        return redirect(url_for("admin.selection_round", year=year), code=303)
    return redirect(url_for("selection.nominate_page", year=year) + "#candidates", code=303)


@bp.post(f"/selection/{YEAR}/candidates/<int:candidate_id>/withdraw")
def withdraw(year: int, candidate_id: int):
    identity = require_signed_in()
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        current_services.selection.withdraw(identity, year, candidate_id, request.form.get("reason", ""))
    except SelectionError as exc:
        flash(say(exc), "error")
    else:
        flash(gettext("已撤回推荐。"), "ok")
    return _back_to_candidates(identity, year)


@bp.get(f"/selection/{YEAR}/review")
def review(year: int):
    identity = require_signed_in()
    if not identity.is_reviewer:
        raise PermissionDenied("只有评审专家评分 / experts only")
    rnd = _round(identity, year)
    return render_template("selection/review.html", round=rnd, assignments=current_services.selection.assignments(identity, year))


@bp.route(f"/selection/{YEAR}/review/<int:assignment_id>", methods=["GET", "POST"])
def score(year: int, assignment_id: int):
    identity = require_signed_in()
    try:
        assignment = current_services.selection.get_assignment(identity, year, assignment_id)
    except SelectionNotFound:
        abort(404)
    if assignment.expert_id != identity.user_id:
        abort(404)
    form = ScoreForm(data={**(assignment.scores or {}), "comment": assignment.comment} if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            current_services.selection.score(identity, year, assignment_id, form.scores(), form.comment.data)
        except SelectionError as exc:
            flash(say(exc), "error")  # scoring closed, a conflict found late: said on the task list
        else:
            flash(gettext("评分已保存，评分截止前可以修改。"), "ok")
        return redirect(url_for("selection.review", year=year), code=303)
    elif request.method == "POST":
        flash(gettext("请检查评分：每项 0-100 分。"), "error")
    return render_template("selection/score.html", round=assignment.candidate.round, assignment=assignment, form=form,
                           rubric=RUBRIC_LABELS), 200 if request.method == "GET" or form.errors == {} else 422


__all__ = ["bp", "say"]
