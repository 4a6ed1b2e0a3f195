"""Institutions: the list with what each holds, likely duplicates, and merging one into
another (choose, preview, confirm). Editing an institution's own fields is the record edit
form's job (the publishing workflow); the list links to each record page."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ...extensions import db
from ...forms.admin import InstitutionSearchForm, MergeChoiceForm, MergeConfirmForm
from ...proxies import current_services
from ...security import require_admin
from ...services.institution_merge import MergeRefused
from ...services.user_admin import institution_by_reference
from . import bp

PREVIEW_ITEMS = 20  # records listed per type in the preview (all are counted)


@bp.get("/institutions")
def institutions():
    identity = require_admin()
    form = InstitutionSearchForm(request.args)
    form.validate()
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    result = current_services.institutions.search(identity, form.q.data, page=page)
    return render_template("admin/institutions.html", form=form, result=result)


@bp.get("/institutions/duplicates")
def duplicates():
    identity = require_admin()
    return render_template("admin/duplicates.html", groups=current_services.institutions.likely_duplicates(identity))


@bp.get("/institutions/merge")
def merge():
    """Step one (no target yet, or one that is not found): choose it. Step two: the preview."""
    identity = require_admin()
    merges = current_services.merges
    form = MergeChoiceForm(request.args)
    if not form.source.validate(form):
        return redirect(url_for("admin.institutions"), code=303)
    source = merges.institution(form.source.data)  # RecordNotFound: 404
    target = institution_by_reference(db.session, form.target.data) if form.target.data else None
    if form.target.data and target is None:
        form.target.errors = [gettext("没有这个单位，请从提示中选择。")]
    if target is None:
        return render_template("admin/merge.html", source=source, form=form, plan=None), (422 if form.target.errors else 200)
    form.target.data = target.name  # the field shows a name, whether a name or an id was given
    plan = merges.plan(identity, source, target)
    confirm = MergeConfirmForm(data={"source": source.public_id, "target": target.public_id})
    return render_template("admin/merge.html", source=source, form=form, plan=plan, confirm=confirm, shown=PREVIEW_ITEMS)


@bp.post("/institutions/merge")
def do_merge():
    identity = require_admin()
    form = MergeConfirmForm()
    if not form.validate_on_submit():
        flash(gettext("请求无效，请重新选择。"), "error")
        return redirect(url_for("admin.institutions"), code=303)
    try:
        plan = current_services.merges.merge(identity, form.source.data, form.target.data)
    except MergeRefused as refused:
        for reason in refused.reasons:
            flash(reason, "error")
        return redirect(url_for("admin.merge", source=form.source.data, target=form.target.data), code=303)
    except (IntegrityError, StaleDataError):  # a record changed between the plan and the commit: nothing was merged
        db.session.rollback()
        flash(gettext("合并期间有记录被同时修改，未做任何更改。请重新预览后再试。"), "error")
        return redirect(url_for("admin.merge", source=form.source.data, target=form.target.data), code=303)
    counts = plan.counts
    flash(gettext("已将“%(source)s”并入“%(target)s”：成果 %(a)s 项、专利 %(p)s 件、仪器 %(i)s 台、账号 %(u)s 个随之转移。",
                  source=plan.source.name, target=plan.target.name, a=counts["achievements"], p=counts["patents"],
                  i=counts["instruments"], u=counts["users"]), "ok")
    return redirect(url_for("admin.institutions", q=plan.target.name), code=303)
