"""Results and progress: the public list, a result's page with its timeline, the city's progress by SDG goal
(with the SDG wheel); planners create results (fresh, from an accepted proposal, from a certified budget's
winners), edit them and post dated progress updates."""
from __future__ import annotations

import math
from decimal import Decimal

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app import permissions
from app.extensions import db
from app.models import (
    Indicator,
    PlanItem,
    Process,
    Proposal,
    Result,
    SdgGoal,
    SdgTarget,
)
from app.markdown import render_markdown
from app.models.base import current_language
from app.pagination import paginate
from app.planning import bp
from app.planning import results as services
from app.facilitation.forms import ConfirmForm
from app.planning.result_forms import ResultFilterForm, ResultForm, ResultUpdateForm, status_labels
from app.views import get_in_city_or_404, page_number, refuse

RESULTS_PER_PAGE = 20


def _require_planner() -> None:
    if not permissions.can_plan(current_user, g.city):
        refuse(_("Only planners and administrators of this city can manage results."))


def _goals() -> list[SdgGoal]:
    return list(db.session.scalars(select(SdgGoal).order_by(SdgGoal.number)
                                   .options(selectinload(SdgGoal.targets))))


def _result_or_404(result_id: int, *options) -> Result:
    result = db.session.get(Result, result_id, options=list(options))
    if result is None or result.city_id != g.city.id:
        abort(404)
    return result


# Public pages ---------------------------------------------------------------------------------------------

@bp.route("/results")
def results_index():
    goals = list(db.session.scalars(select(SdgGoal).order_by(SdgGoal.number)))
    form = ResultFilterForm(request.args)
    locale = current_language()
    form.status.choices = [("", _("All statuses"))] + [(k, str(v)) for k, v in status_labels().items()]
    form.goal.choices = [(0, _("All goals"))] + [(goal.number, f"{goal.number}. {goal.short(locale)}")
                                                 for goal in goals]
    query = select(Result).where(Result.city_id == g.city.id).order_by(Result.id.desc())
    status = goal = None
    if form.validate():
        status, goal = form.status.data or None, form.goal.data or None
    if status:
        query = query.where(Result.status == status)
    if goal:
        query = query.where(Result.id.in_(services.result_ids_for_goal(g.city, goal)))
    page = paginate(query, page_number(request.args.get("page")), RESULTS_PER_PAGE)
    return render_template("planning/result_list.html", form=form, results=page, pagination=page,
                           progress=services.progress_by_result(g.city), goals_of=services.goals_by_result(g.city),
                           goals={goal.number: goal for goal in goals}, status_labels=status_labels(),
                           filtered=bool(status or goal), parent_ids=services.parent_ids(g.city))


@bp.route("/results/<int:result_id>")
def result_show(result_id: int):
    result = _result_or_404(
        result_id, selectinload(Result.updates), selectinload(Result.children),
        selectinload(Result.proposals), selectinload(Result.plan_items).joinedload(PlanItem.plan),
        selectinload(Result.indicators).joinedload(Indicator.plan_item),
        selectinload(Result.sdg_targets).joinedload(SdgTarget.goal), joinedload(Result.parent),
        joinedload(Result.process))
    authors = {}
    author_ids = {u.author_id for u in result.updates if u.author_id}
    if author_ids:
        from app.models import User

        authors = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(author_ids)))}
    goals = services.goals_by_result(g.city).get(result.id, set())
    return render_template("planning/result_show.html", result=result, progress=services.progress_by_result(g.city),
                           description_html=render_markdown(result.description),
                           status_labels=status_labels(), authors=authors,
                           goals=[db.session.get(SdgGoal, n) for n in sorted(goals)])


WHEEL_CENTRE, WHEEL_INNER, WHEEL_OUTER, WHEEL_LABELS = 220, 62, 178, 198


def _point(radius: float, degrees: float) -> str:
    angle = math.radians(degrees - 90)  # goal 1 at the top, clockwise
    return f"{WHEEL_CENTRE + radius * math.cos(angle):.2f} {WHEEL_CENTRE + radius * math.sin(angle):.2f}"


def _wedge(start: float, end: float, outer: float) -> str:
    """An annular wedge from the inner ring out to `outer`, between two angles (less than half a turn)."""
    return (f"M {_point(outer, start)} A {outer:.2f} {outer:.2f} 0 0 1 {_point(outer, end)} "
            f"L {_point(WHEEL_INNER, end)} A {WHEEL_INNER} {WHEEL_INNER} 0 0 0 {_point(WHEEL_INNER, start)} Z")


def wheel_segments(goals: list[SdgGoal], figures) -> list[dict]:
    """The SDG wheel: one segment per goal in its colour; the coloured part reaches out from the inner ring in
    proportion to the goal's average progress, over a pale segment that stands for 100%."""
    step = 360 / len(goals)
    segments = []
    for index, goal in enumerate(goals):
        start, end = index * step + 0.6, (index + 1) * step - 0.6
        average = figures[goal.number].average
        reach = WHEEL_INNER + (WHEEL_OUTER - WHEEL_INNER) * float(average or 0) / 100
        segments.append({
            "goal": goal, "figures": figures[goal.number], "full": _wedge(start, end, WHEEL_OUTER),
            "filled": _wedge(start, end, reach) if average else None,
            "label": _point(WHEEL_LABELS, (start + end) / 2).split(),
        })
    return segments


@bp.route("/progress")
def progress_overview():
    figures = services.city_progress(g.city)
    goals = list(db.session.scalars(select(SdgGoal).order_by(SdgGoal.number)))
    return render_template("planning/progress_city.html", figures=figures, goals=goals,
                           segments=wheel_segments(goals, figures.figures), centre=WHEEL_CENTRE)


@bp.route("/progress/<int:goal>")
def progress_goal(goal: int):
    sdg_goal = db.session.get(SdgGoal, goal)
    if sdg_goal is None:
        abort(404)
    figures = services.city_progress(g.city)
    results = list(db.session.scalars(
        select(Result).where(Result.id.in_(services.result_ids_for_goal(g.city, goal)))
        .options(selectinload(Result.updates)).order_by(Result.id)))
    return render_template("planning/progress_goal.html", goal=sdg_goal, results=results,
                           figures=figures.figures[goal], progress=figures.progress, status_labels=status_labels(),
                           parent_ids=services.parent_ids(g.city))


# Planners -------------------------------------------------------------------------------------------------

def _result_form(result: Result | None = None, formdata=None) -> ResultForm:
    form = ResultForm(formdata=formdata, obj=result if formdata is None else None)
    others = [r for r in services.city_results(g.city) if result is None or r.id != result.id]
    form.parent.choices = [(0, _("None: a result of its own"))] + [(r.id, f"#{r.id} {r.title}") for r in others]
    form.proposals.choices = [(p.id, f"#{p.id} {p.title}") for p in services.city_proposals(g.city)]
    form.plan_items.choices = [(i.id, f"{i.title} ({i.plan.title})") for i in services.city_plan_items(g.city)]
    form.indicators.choices = [(i.id, f"{i.name} ({i.plan_item.title})") for i in services.city_indicators(g.city)]
    form.sdg_targets.choices = [(t.code, t.code) for goal in _goals() for t in goal.targets]
    if formdata is None and result is not None:
        form.parent.data = result.parent_id or 0
        form.proposals.data = [p.id for p in result.proposals]
        form.plan_items.data = [i.id for i in result.plan_items]
        form.indicators.data = [i.id for i in result.indicators]
        form.sdg_targets.data = [t.code for t in result.sdg_targets]
    return form


def _result_data(form: ResultForm) -> services.ResultData:
    return services.ResultData(
        title_ko=form.title_ko.data or "", title_en=form.title_en.data or "",
        description_ko=form.description_ko.data or "", description_en=form.description_en.data or "",
        starts_on=form.starts_on.data, ends_on=form.ends_on.data, parent_id=form.parent.data or None,
        proposal_ids=frozenset(form.proposals.data or ()), plan_item_ids=frozenset(form.plan_items.data or ()),
        indicator_ids=frozenset(form.indicators.data or ()), target_codes=frozenset(form.sdg_targets.data or ()))


def _cycle_error(form: ResultForm) -> None:
    form.parent.errors = [*form.parent.errors, _(
        "This result cannot be part of that one: that one is already part of this result (directly or "
        "through its parts).")]


def _form_page(form: ResultForm, result: Result | None, status: int):
    return render_template("planning/result_form.html", form=form, result=result, goals=_goals()), status


@bp.route("/manage/results/new", methods=["GET", "POST"])
@login_required
def result_new():
    _require_planner()
    submitted = request.method == "POST"
    form = _result_form(formdata=request.form if submitted else None)
    if form.validate_on_submit():
        try:
            result = services.create_result(current_user, g.city, _result_data(form))
        except services.ParentCycle:  # pragma: no cover - a new result has no parts yet
            db.session.rollback()
            _cycle_error(form)
        else:
            db.session.commit()
            flash(_("Result created."), "success")
            return redirect(url_for("planning.result_show", result_id=result.id))
    return _form_page(form, None, 422 if submitted else 200)


@bp.route("/manage/results/<int:result_id>/edit", methods=["GET", "POST"])
@login_required
def result_edit(result_id: int):
    _require_planner()
    result = _result_or_404(result_id)
    submitted = request.method == "POST"
    form = _result_form(result, formdata=request.form if submitted else None)
    if form.validate_on_submit():
        try:
            services.edit_result(current_user, result, _result_data(form))
        except services.ParentCycle:
            db.session.rollback()
            _cycle_error(form)
        else:
            db.session.commit()
            flash(_("Result saved."), "success")
            return redirect(url_for("planning.result_show", result_id=result.id))
        result = _result_or_404(result_id)
    return _form_page(form, result, 422 if submitted else 200)


@bp.route("/manage/results/<int:result_id>/update", methods=["GET", "POST"])
@login_required
def result_update(result_id: int):
    _require_planner()
    result = _result_or_404(result_id)
    submitted = request.method == "POST"
    parts = services.has_children(result)
    form = ResultUpdateForm(formdata=request.form if submitted else None)
    form.today = services.city_today(g.city.time_zone)
    if not submitted:
        form.on.data = form.today
        form.status.data = result.status
    if form.validate_on_submit():
        try:
            services.add_update(current_user, result, services.UpdateData(
                on=form.on.data, status=form.status.data, progress=form.progress.data,
                text_ko=form.text_ko.data or "", text_en=form.text_en.data or ""), g.city.time_zone)
        except services.DerivedProgress:
            db.session.rollback()
            result = _result_or_404(result_id)
            form.progress.errors = [*form.progress.errors, _(
                "This result's progress comes from its parts: leave progress empty, and update the parts "
                "instead.")]
        else:
            db.session.commit()
            flash(_("Progress update posted."), "success")
            return redirect(url_for("planning.result_show", result_id=result.id, _anchor="timeline"))
    return render_template("planning/result_update_form.html", form=form, result=result, parts=parts,
                           progress=services.progress_by_result(g.city)), 422 if submitted else 200


@bp.route("/proposals/<int:proposal_id>/result", methods=["POST"])
@login_required
def result_from_proposal(proposal_id: int):
    _require_planner()
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.process.city_id != g.city.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        result, created = services.result_from_proposal(current_user, proposal)
    except services.NotAcceptedYet:
        db.session.rollback()
        refuse(_("Only an accepted or implemented proposal becomes a result."))
    db.session.commit()
    if created:
        flash(_("Result created from the proposal. Add its dates, links and description."), "success")
        return redirect(url_for("planning.result_edit", result_id=result.id))
    flash(_("This proposal already has a result."), "info")
    return redirect(url_for("planning.result_show", result_id=result.id))


@bp.route("/processes/<int:process_id>/budget/results/create", methods=["POST"])
@login_required
def results_from_budget(process_id: int):
    _require_planner()
    process = get_in_city_or_404(Process, process_id, g.city)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        created, skipped = services.results_from_budget(current_user, process)
    except services.NotCertified:
        db.session.rollback()
        refuse(_("Results are created from a certified budget outcome."))
    db.session.commit()
    if created:
        flash(ngettext("%(num)d result created from the winning projects.",
                       "%(num)d results created from the winning projects.", len(created)), "success")
    if skipped:
        flash(ngettext("%(num)d winning project already had a result.",
                       "%(num)d winning projects already had a result.", skipped), "info")
    return redirect(url_for("planning.results_index"))


# Helpers for templates ------------------------------------------------------------------------------------

@bp.app_template_filter("result_percent")
def result_percent(value) -> str:
    """A progress figure for reading: whole percent when whole, else one decimal."""
    from app.templating import number

    if value is None:
        return "—"
    rounded = Decimal(str(float(value))).quantize(Decimal("0.1"))
    return number(rounded.quantize(Decimal(1)) if rounded == rounded.to_integral_value() else rounded)



@bp.app_template_filter("result_date")
def result_date(value) -> str:
    """A calendar date (no time of day, so no time zone) in the reader's language."""
    from babel.dates import format_date
    from flask_babel import get_locale

    return format_date(value, format="medium", locale=str(get_locale())) if value else ""
