"""The administrator's side of the annual selection: open a round, watch nominations and
scoring, add candidates, reassign experts, close, rank, finalise, exclude and correct."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from marshmallow import ValidationError

from ...forms.selection import ActionForm, NominateForm, NoteForm, ReasonForm, RoundForm
from ...proxies import current_services
from ...schemas.selection import RoundSchema
from ...security import require_admin
from ...services.records import PermissionDenied, RecordNotFound
from ...services.selection import SelectionError, SelectionNotFound
from ...services.selection_scoring import AUTO_PARTS, RUBRIC
from ..selection import YEAR, say
from . import bp


def _round(identity, year: int):
    try:
        return current_services.selection.get_round(identity, year)
    except SelectionNotFound:
        abort(404)


def _back(year: int, anchor: str = ""):
    return redirect(url_for("admin.selection_round", year=year) + anchor, code=303)


def _errors(exc: ValidationError) -> str:
    messages = exc.messages if isinstance(exc.messages, dict) else {"": exc.messages}
    return "；".join(f"{k}: {' '.join(map(str, v if isinstance(v, list) else [v]))}" for k, v in messages.items())


@bp.route("/selection", methods=["GET", "POST"])
def selection():
    identity = require_admin()
    form = RoundForm()
    if form.validate_on_submit():
        try:
            settings = RoundSchema().load(form.settings())
            rnd = current_services.selection.open_round(identity, settings)
        except ValidationError as exc:
            flash(_errors(exc), "error")
        except SelectionError as exc:
            flash(say(exc), "error")
        else:
            flash(gettext("%(year)s 年度遴选已开启，单位可以开始推荐。", year=rnd.year), "ok")
            return _back(rnd.year)
    elif request.method == "POST":
        flash(gettext("请检查表单中的错误。"), "error")
    return render_template("admin/selection.html", rounds=current_services.selection.rounds(), form=form)


@bp.get(f"/selection/{YEAR}")
def selection_round(year: int):
    identity = require_admin()
    rnd = _round(identity, year)
    service = current_services.selection
    ranking = service.ranking(identity, year) if rnd.status in ("closed", "published") else None
    candidates = service.candidates(identity, year) if ranking is None else [c for c in rnd.candidates if c.status != "nominated"]
    return render_template(
        "admin/selection_round.html", round=rnd, progress=service.progress(identity, year), ranking=ranking, candidates=candidates,
        lists=service.revisions(year), experts=service.experts(), action=ActionForm(), add_form=NominateForm(prefix="add"),
        reason_form=ReasonForm(prefix="why"), note_form=NoteForm(prefix="fix"), auto_parts=AUTO_PARTS, rubric=RUBRIC)


@bp.post(f"/selection/{YEAR}/<any('start', 'close', 'finalise'):step>")
def selection_step(year: int, step: str):
    identity = require_admin()
    if not ActionForm().validate_on_submit():
        abort(400)
    service = current_services.selection
    try:
        if step == "start":
            report = service.start_scoring(identity, year)
            flash(gettext("评分已开始：%(n)s 项候选成果，%(bad)s 项不符合条件，共指派 %(a)s 份评审。", n=report.checked,
                          bad=len(report.ineligible), a=report.assignments), "ok")
        elif step == "close":
            service.close(identity, year)
            flash(gettext("评分已结束，排名见下表。"), "ok")
        else:
            listing = service.finalise(identity, year)
            flash(gettext("榜单已发布：%(n)s 项成果。", n=listing.entry_count), "ok")
    except SelectionError as exc:
        flash(say(exc), "error")
    return _back(year)


@bp.post(f"/selection/{YEAR}/candidates")
def selection_add(year: int):
    identity = require_admin()
    form = NominateForm(prefix="add")
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return _back(year, "#add")
    try:
        current_services.selection.nominate(identity, year, form.achievement.data, form.statement.data or "")
    except (SelectionError, PermissionDenied) as exc:
        flash(say(exc), "error")
    except RecordNotFound:
        flash(gettext("没有这项成果：%(id)s", id=form.achievement.data), "error")
    else:
        flash(gettext("已添加候选成果 %(id)s。", id=form.achievement.data), "ok")
    return _back(year, "#add")


@bp.post(f"/selection/{YEAR}/candidates/<int:candidate_id>/<any('exclude', 'reinstate'):step>")
def selection_exclude(year: int, candidate_id: int, step: str):
    identity = require_admin()
    form = ReasonForm(prefix="why")
    if not form.validate_on_submit():
        flash(gettext("请说明原因。"), "error")
        return _back(year)
    try:
        current_services.selection.exclude(identity, year, candidate_id, form.reason.data, reinstate=step == "reinstate")
    except SelectionError as exc:
        flash(say(exc), "error")
    except SelectionNotFound:
        abort(404)
    else:
        flash(gettext("已排除，发布更正版本后公开。") if step == "exclude" else gettext("已恢复，发布更正版本后公开。"), "ok")
    return _back(year)


@bp.post(f"/selection/{YEAR}/correct")
def selection_correct(year: int):
    identity = require_admin()
    form = NoteForm(prefix="fix")
    if not form.validate_on_submit():
        flash(gettext("请说明更正的原因。"), "error")
        return _back(year)
    try:
        listing = current_services.selection.correct(identity, year, form.note.data)
    except SelectionError as exc:
        flash(say(exc), "error")
    else:
        flash(gettext("更正版本已发布（第 %(n)s 版）。", n=listing.revision), "ok")
    return _back(year)
