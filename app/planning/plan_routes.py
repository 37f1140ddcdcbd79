"""A city's plans: public pages (plans, a plan, a plan item with everything linked to it, the city's page for an
SDG goal) and the planners' pages to write plans, plan items, local targets, indicators and readings."""
from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app import permissions
from app.extensions import db
from app.models import IndicatorReading, LocalTarget, SdgGoal
from app.models.base import current_language
from app.planning import bp
from app.planning import plans as services
from app.planning.plan_forms import ConfirmForm, IndicatorForm, LocalTargetForm, PlanForm, PlanItemForm, ReadingForm
from app.views import get_in_city_or_404, refuse


def _require_planner() -> None:
    if not permissions.can_plan(current_user, g.city):
        refuse(_("Only planners and administrators of this city can edit its plans."))


def _item_or_404(item_id: int, *loads):
    item = services.item_in_city(item_id, g.city, *loads)
    if item is None:
        abort(404)
    return item


def _indicator_or_404(indicator_id: int):
    indicator = services.indicator_in_city(indicator_id, g.city)
    if indicator is None:
        abort(404)
    return indicator


def result_endpoint() -> str | None:
    """The results helper's page for one result, if it is registered (its name may settle either way)."""
    return next((name for name in ("planning.result", "planning.result_show") if name in current_app.view_functions),
                None)


def _text(value) -> str:
    return (value or "").strip()


# Public pages --------------------------------------------------------------------------------------------

@bp.route("/plans")
def plans():
    return render_template("planning/plan_list.html", plans=services.plans_of(g.city),
                           can_edit=permissions.can_plan(current_user, g.city))


@bp.route("/plans/<int:plan_id>")
def plan(plan_id: int):
    found = services.plan_with_items(plan_id, g.city)
    if found is None:
        abort(404)
    return render_template("planning/plan_page.html", plan=found, can_edit=permissions.can_plan(current_user, g.city))


@bp.route("/plan-items/<int:item_id>")
def plan_item(item_id: int):
    page = services.plan_item_page(item_id, g.city)
    if page is None:
        abort(404)
    return render_template("planning/plan_item.html", page=page, item=page.item,
                           result_pages=result_endpoint(),
                           can_edit=permissions.can_plan(current_user, g.city))


@bp.route("/sdgs/<int:number>")
def city_goal(number: int):
    page = services.goal_page(number, g.city)
    if page is None:
        abort(404)
    return render_template("planning/sdg_goal.html", page=page, goal=page.goal, one_city=g.city,
                           result_pages=result_endpoint())


# Planners: plans -----------------------------------------------------------------------------------------

def _plan_data(form: PlanForm) -> services.PlanData:
    return services.PlanData(title_ko=_text(form.title_ko.data), title_en=_text(form.title_en.data),
                             description_ko=_text(form.description_ko.data),
                             description_en=_text(form.description_en.data),
                             start_year=form.start_year.data, end_year=form.end_year.data)


@bp.route("/manage/plans")
@login_required
def manage_plans():
    _require_planner()
    return render_template("planning/plan_manage.html", plans=services.plans_of(g.city),
                           local_targets=services.local_targets_of(g.city))


@bp.route("/manage/plans/new", methods=["GET", "POST"])
@login_required
def new_plan():
    _require_planner()
    form = PlanForm()
    if form.validate_on_submit():
        created = services.create_plan(current_user, g.city, _plan_data(form))
        db.session.commit()
        flash(_("Plan created."), "success")
        return redirect(url_for("planning.edit_plan", plan_id=created.id))
    return render_template("planning/plan_form.html", form=form, plan=None), 422 if form.is_submitted() else 200


@bp.route("/manage/plans/<int:plan_id>", methods=["GET", "POST"])
@login_required
def edit_plan(plan_id: int):
    _require_planner()
    found = services.plan_with_items(plan_id, g.city)
    if found is None:
        abort(404)
    submitted = request.method == "POST"
    form = PlanForm(obj=None if submitted else found)
    if form.validate_on_submit():
        services.update_plan(current_user, found, _plan_data(form))
        db.session.commit()
        flash(_("Plan saved."), "success")
        return redirect(url_for("planning.edit_plan", plan_id=found.id))
    return render_template("planning/plan_form.html", form=form, plan=found), 422 if submitted else 200


# Planners: plan items ------------------------------------------------------------------------------------

def _goals() -> list[SdgGoal]:
    from sqlalchemy.orm import selectinload

    from app.models import SdgTarget

    return list(db.session.scalars(select(SdgGoal).order_by(SdgGoal.number)
                                   .options(selectinload(SdgGoal.targets).load_only(
                                       SdgTarget.code, SdgTarget.goal_number, SdgTarget.title_en,
                                       SdgTarget.position))))


def _item_form(goals, local_targets, item=None, formdata=None) -> PlanItemForm:
    form = PlanItemForm(formdata=formdata, obj=item)
    form.sdg_targets.choices = [(t.code, t.code) for goal in goals for t in goal.targets]
    form.local_targets.choices = [(t.id, f"{t.code} {t.title}") for t in local_targets]
    if formdata is None and item is not None:
        form.sdg_targets.data = [t.code for t in item.sdg_targets]
        form.local_targets.data = [t.id for t in item.local_targets]
    return form


def _item_data(form: PlanItemForm) -> services.PlanItemData:
    return services.PlanItemData(
        code=_text(form.code.data), title_ko=_text(form.title_ko.data), title_en=_text(form.title_en.data),
        description_ko=_text(form.description_ko.data), description_en=_text(form.description_en.data),
        position=form.position.data or 0, sdg_target_codes=frozenset(form.sdg_targets.data or ()),
        local_target_ids=frozenset(form.local_targets.data or ()))


def _item_page(form, plan, item, status):
    return render_template("planning/plan_item_form.html", form=form, plan=plan, item=item, goals=_goals()), status


@bp.route("/manage/plans/<int:plan_id>/items/new", methods=["GET", "POST"])
@login_required
def new_plan_item(plan_id: int):
    _require_planner()
    found = services.plan_with_items(plan_id, g.city)
    if found is None:
        abort(404)
    goals, local_targets = _goals(), services.local_targets_of(g.city)
    submitted = request.method == "POST"
    form = _item_form(goals, local_targets, formdata=request.form if submitted else None)
    if not submitted:
        form.position.data = len(found.items)
    if form.validate_on_submit():
        try:
            item = services.create_plan_item(current_user, found, _item_data(form))
        except services.DuplicateCode:
            db.session.rollback()
            form.code.errors.append(_("Another item of this plan has this code."))
        else:
            db.session.commit()
            flash(_("Plan item created."), "success")
            return redirect(url_for("planning.edit_plan_item", item_id=item.id))
        found = services.plan_with_items(plan_id, g.city)
    return _item_page(form, found, None, 422 if submitted else 200)


@bp.route("/manage/plan-items/<int:item_id>", methods=["GET", "POST"])
@login_required
def edit_plan_item(item_id: int):
    _require_planner()
    item = _item_or_404(item_id)
    goals, local_targets = _goals(), services.local_targets_of(g.city)
    submitted = request.method == "POST"
    form = _item_form(goals, local_targets, item=None if submitted else item,
                      formdata=request.form if submitted else None)
    if form.validate_on_submit():
        try:
            services.update_plan_item(current_user, item, _item_data(form))
        except services.DuplicateCode:
            db.session.rollback()
            form.code.errors.append(_("Another item of this plan has this code."))
            item = _item_or_404(item_id)
        else:
            db.session.commit()
            flash(_("Plan item saved."), "success")
            return redirect(url_for("planning.edit_plan_item", item_id=item.id))
    return _item_page(form, item.plan, item, 422 if submitted else 200)


# Planners: local targets ---------------------------------------------------------------------------------

def _local_form(goals, target=None, formdata=None) -> LocalTargetForm:
    form = LocalTargetForm(formdata=formdata, obj=target)
    # Grouped by goal: the select shows one <optgroup> per goal.
    form.sdg_target.choices = {
        f"{goal.number}. {goal.short(current_language())}": [(t.code, f"{t.code} {t.title_en[:90]}")
                                                             for t in goal.targets]
        for goal in goals}
    if formdata is None and target is not None:
        form.sdg_target.data = target.sdg_target_code
    return form


def _local_data(form: LocalTargetForm) -> services.LocalTargetData:
    return services.LocalTargetData(sdg_target_code=form.sdg_target.data, code=_text(form.code.data),
                                    title=_text(form.title.data), description=_text(form.description.data))


def _save_local_target(form, target=None):
    """The form's target saved (created when `target` is None), or None with the error on the form."""
    try:
        if target is None:
            target = services.create_local_target(current_user, g.city, _local_data(form))
        else:
            services.update_local_target(current_user, target, _local_data(form))
    except services.DuplicateCode:
        db.session.rollback()
        form.code.errors.append(_("The city has a local target with this code already."))
        return None
    except services.CodeDoesNotExtend:
        db.session.rollback()
        form.code.errors.append(_("The code must start with the global target's code and a dot."))
        return None
    db.session.commit()
    return target


@bp.route("/manage/local-targets/new", methods=["GET", "POST"])
@login_required
def new_local_target():
    _require_planner()
    submitted = request.method == "POST"
    form = _local_form(_goals(), formdata=request.form if submitted else None)
    if form.validate_on_submit() and _save_local_target(form) is not None:
        flash(_("Local target created."), "success")
        return redirect(url_for("planning.manage_plans", _anchor="local-targets"))
    return render_template("planning/plan_local_target_form.html", form=form, target=None), \
        422 if submitted else 200


@bp.route("/manage/local-targets/<int:target_id>", methods=["GET", "POST"])
@login_required
def edit_local_target(target_id: int):
    _require_planner()
    target = get_in_city_or_404(LocalTarget, target_id, g.city)
    submitted = request.method == "POST"
    form = _local_form(_goals(), target=None if submitted else target, formdata=request.form if submitted else None)
    if form.validate_on_submit() and _save_local_target(form, target) is not None:
        flash(_("Local target saved."), "success")
        return redirect(url_for("planning.manage_plans", _anchor="local-targets"))
    return render_template("planning/plan_local_target_form.html", form=form,
                           target=get_in_city_or_404(LocalTarget, target_id, g.city)), 422 if submitted else 200


# Planners: indicators and readings -----------------------------------------------------------------------

def _indicator_form(item, indicator=None, formdata=None) -> IndicatorForm:
    form = IndicatorForm(formdata=formdata, obj=indicator)
    form.sdg_indicator.choices = [("", _("None"))] + [
        (i.code, f"{i.code} {i.title_en[:90]}") for i in services.official_indicators_for(item)]
    if formdata is None and indicator is not None:
        form.sdg_indicator.data = indicator.sdg_indicator_code or ""
    return form


def _indicator_data(form: IndicatorForm) -> services.IndicatorData:
    return services.IndicatorData(
        name_ko=_text(form.name_ko.data), name_en=_text(form.name_en.data), unit=_text(form.unit.data),
        baseline_value=form.baseline_value.data, baseline_year=form.baseline_year.data,
        target_value=form.target_value.data, target_year=form.target_year.data,
        sdg_indicator_code=form.sdg_indicator.data or None, position=form.position.data or 0)


@bp.route("/manage/plan-items/<int:item_id>/indicators/new", methods=["GET", "POST"])
@login_required
def new_indicator(item_id: int):
    _require_planner()
    item = _item_or_404(item_id)
    submitted = request.method == "POST"
    form = _indicator_form(item, formdata=request.form if submitted else None)
    if not submitted:
        form.position.data = len(item.indicators)
    if form.validate_on_submit():
        indicator = services.create_indicator(current_user, item, _indicator_data(form))
        db.session.commit()
        flash(_("Indicator added. Record its readings here."), "success")
        return redirect(url_for("planning.edit_indicator", indicator_id=indicator.id))
    return render_template("planning/plan_indicator_form.html", form=form, item=item, indicator=None,
                           reading_form=None), 422 if submitted else 200


def _indicator_page(indicator, form=None, reading_form=None, status=200):
    item = indicator.plan_item
    return render_template("planning/plan_indicator_form.html", item=item, indicator=indicator,
                           form=form or _indicator_form(item, indicator),
                           reading_form=reading_form or ReadingForm(prefix="reading"), confirm=ConfirmForm()), status


@bp.route("/manage/indicators/<int:indicator_id>", methods=["GET", "POST"])
@login_required
def edit_indicator(indicator_id: int):
    _require_planner()
    indicator = _indicator_or_404(indicator_id)
    if request.method == "GET":
        return _indicator_page(indicator)
    form = _indicator_form(indicator.plan_item, formdata=request.form)
    if form.validate_on_submit():
        services.update_indicator(current_user, indicator, _indicator_data(form))
        db.session.commit()
        flash(_("Indicator saved."), "success")
        return redirect(url_for("planning.edit_indicator", indicator_id=indicator.id))
    return _indicator_page(indicator, form=form, status=422)


@bp.route("/manage/indicators/<int:indicator_id>/readings", methods=["POST"])
@login_required
def add_reading(indicator_id: int):
    _require_planner()
    indicator = _indicator_or_404(indicator_id)
    form = ReadingForm(prefix="reading")
    if form.validate_on_submit():
        try:
            services.add_reading(current_user, indicator, services.ReadingData(
                measured_on=form.measured_on.data, value=form.value.data, note=_text(form.note.data)))
        except services.DuplicateReading:
            db.session.rollback()
            form.measured_on.errors.append(_("This indicator has a reading on this date already. To record another "
                                             "value, remove that reading first."))
            indicator = _indicator_or_404(indicator_id)
        else:
            db.session.commit()
            flash(_("Reading added."), "success")
            return redirect(url_for("planning.edit_indicator", indicator_id=indicator.id, _anchor="readings"))
    return _indicator_page(indicator, reading_form=form, status=422)


@bp.route("/manage/readings/<int:reading_id>/remove", methods=["POST"])
@login_required
def remove_reading(reading_id: int):
    _require_planner()
    reading = db.session.get(IndicatorReading, reading_id)
    if reading is None:
        abort(404)
    indicator = _indicator_or_404(reading.indicator_id)
    if ConfirmForm().validate_on_submit():
        services.remove_reading(current_user, reading, indicator)
        db.session.commit()
        flash(_("Reading removed."), "success")
    return redirect(url_for("planning.edit_indicator", indicator_id=indicator.id, _anchor="readings"))
