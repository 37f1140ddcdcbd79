"""The practice library (every city's published practices, searchable by SDG goal and target, theme, words,
city size and region), a practice's page (with its evidence from Madang and the cities that could use it),
and a city's own practices: writing (fresh or from a result or process), editing, publishing, withdrawing."""
from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import permissions
from app.extensions import db
from app.facilitation.forms import ConfirmForm
from app.models import Practice, SdgGoal
from app.models.base import current_language
from app.pagination import paginate
from app.practices import bp, city_bp
from app.practices import matching
from app.practices import practice_services as services
from app.practices.practice_forms import LibraryForm, PracticeForm, theme_labels
from app.views import page_number, refuse

PER_PAGE = 20


def _goals() -> list[SdgGoal]:
    return list(db.session.scalars(select(SdgGoal).order_by(SdgGoal.number).options(selectinload(SdgGoal.targets))))


def _visible_or_404(practice_id: int) -> Practice:
    practice = services.load_practice(practice_id)
    if practice is None or not services.can_see(current_user, practice):
        abort(404)
    return practice


# Shared pages ---------------------------------------------------------------------------------------------

@bp.route("/practices")
def library():
    goals = _goals()
    form = LibraryForm(request.args)
    locale = current_language()
    form.goal.choices = [(0, _("All goals"))] + [(goal.number, f"{goal.number}. {goal.short(locale)}")
                                                 for goal in goals]
    form.target.choices = [("", _("All targets"))] + [(t.code, t.code) for goal in goals for t in goal.targets]
    form.region.choices = [("", _("All regions"))] + [(r, r) for r in services.regions()]
    filters = services.LibraryFilters()
    if form.validate():
        filters = services.LibraryFilters(q=form.q.data or "", goal=form.goal.data or None,
                                          target=form.target.data or "", theme=form.theme.data or "",
                                          region=form.region.data or "", size=form.size.data or "")
    page = paginate(services.library_query(filters), page_number(request.args.get("page")), PER_PAGE)
    filtered = any([filters.q, filters.goal, filters.target, filters.theme, filters.region, filters.size])
    return render_template("practices/library.html", form=form, practices=page, filtered=filtered,
                           themes=theme_labels()), 422 if form.errors else 200


@bp.route("/practices/<int:practice_id>")
def show(practice_id: int):
    practice = _visible_or_404(practice_id)
    return render_template(
        "practices/show.html", practice=practice, themes=theme_labels(), evidence=services.evidence(practice),
        cities=matching.cities_for_practice(practice) if practice.state == "published" else [],
        can_edit=permissions.can_edit_practice(current_user, practice), partials=_partials())


def _partials() -> dict[str, bool]:
    """Which of the other helpers' partials exist (partners, replications, questions)."""
    names = set(current_app.jinja_env.list_templates())
    return {key: f"practices/_{key}.html" in names for key in ("partners", "replications", "questions")}


@bp.app_template_global("practices_for_plan_item")
def _practices_for_plan_item(item, limit: int = 5):
    return matching.practices_for_plan_item(item, limit)


@bp.app_template_global("practices_for_goal")
def _practices_for_goal(number: int, city=None):
    return services.practices_for_goal(number, city)


@bp.app_template_global("practice_themes")
def _practice_themes():
    return theme_labels()


# A city's practices ---------------------------------------------------------------------------------------

def _require_publisher() -> None:
    if not permissions.can_publish_practice(current_user, g.city):
        refuse(_("Only planners and administrators of this city can write its practices."))


def _own_practice_or_404(practice_id: int) -> Practice:
    practice = services.load_practice(practice_id)
    if practice is None or practice.city_id != g.city.id:
        abort(404)
    return practice


@city_bp.route("/practices")
def city_practices():
    drafts = permissions.can_publish_practice(current_user, g.city)
    return render_template("practices/city_practices.html", practices=services.city_practices(g.city, drafts),
                           can_write=drafts, themes=theme_labels(), matches=matching.practices_for_city(g.city))


def _form(formdata=None, practice: Practice | None = None, initial: dict | None = None) -> PracticeForm:
    form = PracticeForm(formdata=formdata, obj=practice if formdata is None else None, data=initial)
    form.sdg_targets.choices = [(t.code, t.code) for goal in _goals() for t in goal.targets]
    form.organizations.choices = [(o.id, o.name) for o in services.city_organizations(g.city)]
    if formdata is None and practice is not None:
        form.sdg_targets.data = [t.code for t in practice.sdg_targets]
        form.organizations.data = [o.id for o in practice.organizations]
        form.currency.data = practice.currency or "KRW"
        for row, indicator in zip(form.indicators, practice.indicators):
            for name in ("name_ko", "name_en", "unit", "baseline", "value", "year"):
                row[name].data = getattr(indicator, name)
            row.indicator_id.data = indicator.indicator_id or ""
    elif formdata is None and initial:
        for row, values in zip(form.indicators, initial.get("indicators", [])):
            for name, value in values.items():
                row[name].data = value if value is not None else ("" if name == "indicator_id" else None)
    return form


def _data(form: PracticeForm) -> services.PracticeData:
    rows = tuple(
        services.IndicatorRow(name_ko=row.name_ko.data or "", name_en=row.name_en.data or "",
                              unit=row.unit.data or "", baseline=row.baseline.data, value=row.value.data,
                              year=row.year.data, indicator_id=int(row.indicator_id.data) if row.indicator_id.data else None)
        for row in (entry.form for entry in form.indicators) if row.filled)
    return services.PracticeData(
        theme=form.theme.data, title_ko=form.title_ko.data or "", title_en=form.title_en.data or "",
        summary_ko=form.summary_ko.data or "", summary_en=form.summary_en.data or "",
        obstacles_ko=form.obstacles_ko.data or "", obstacles_en=form.obstacles_en.data or "",
        success_factors_ko=form.success_factors_ko.data or "", success_factors_en=form.success_factors_en.data or "",
        budget=form.budget.data, currency=form.currency.data if form.budget.data is not None else None,
        staff=form.staff.data, starts_on=form.starts_on.data, ends_on=form.ends_on.data,
        partners_text=form.partners_text.data or "", contact_name=form.contact_name.data or "",
        contact_email=form.contact_email.data or "", target_codes=frozenset(form.sdg_targets.data or ()),
        organization_ids=frozenset(form.organizations.data or ()), indicators=rows)


def _source_id(name: str) -> int | None:
    raw = request.args.get(name, "")
    if not raw:
        return None
    if not raw.isdigit() or int(raw) > 2**31 - 1:
        abort(404)
    return int(raw)


def _form_page(form: PracticeForm, practice: Practice | None, status: int, source=None):
    return render_template("practices/practice_form.html", form=form, practice=practice, goals=_goals(),
                           source=source), status


def _foreign_link(form: PracticeForm) -> None:
    form.sdg_targets.errors = [*form.sdg_targets.errors, _(
        "Choose among the listed targets, organizations and indicators.")]


@city_bp.route("/practices/new", methods=["GET", "POST"])
@login_required
def new_practice():
    _require_publisher()
    result = process = None
    result_id, process_id = _source_id("result"), _source_id("process")
    initial = None
    if result_id is not None:
        result = services.city_result(g.city, result_id)
        if result is None:
            abort(404)
        initial = services.prefill_from_result(result)
    elif process_id is not None:
        process = services.city_process(g.city, process_id)
        if process is None:
            abort(404)
        initial = services.prefill_from_process(process)
    submitted = request.method == "POST"
    form = _form(formdata=request.form if submitted else None, initial=initial)
    if form.validate_on_submit():
        try:
            practice = services.create_practice(current_user, g.city, _data(form), source_result=result,
                                                source_process=process)
        except services.ForeignLink:
            db.session.rollback()
            _foreign_link(form)
        else:
            db.session.commit()
            flash(_("Practice saved as a draft. Publish it when it is ready for other cities."), "success")
            return redirect(url_for("practices.show", practice_id=practice.id))
    return _form_page(form, None, 422 if submitted else 200, source=result or process)


@city_bp.route("/practices/<int:practice_id>/edit", methods=["GET", "POST"])
@login_required
def edit_practice(practice_id: int):
    _require_publisher()
    practice = _own_practice_or_404(practice_id)
    submitted = request.method == "POST"
    form = _form(formdata=request.form if submitted else None, practice=practice)
    if form.validate_on_submit():
        try:
            services.update_practice(current_user, practice, _data(form))
        except services.ForeignLink:
            db.session.rollback()
            _foreign_link(form)
            practice = _own_practice_or_404(practice_id)
        else:
            db.session.commit()
            flash(_("Practice saved."), "success")
            return redirect(url_for("practices.show", practice_id=practice.id))
    return _form_page(form, practice, 422 if submitted else 200)


@city_bp.route("/practices/<int:practice_id>/publish", methods=["POST"])
@login_required
def publish_practice(practice_id: int):
    _require_publisher()
    practice = _own_practice_or_404(practice_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.publish_practice(current_user, practice)
    except services.WrongState:
        db.session.rollback()
        flash(_("This practice is already published."), "info")
    else:
        db.session.commit()
        flash(_("Practice published: every city on Madang can now find it."), "success")
    return redirect(url_for("practices.show", practice_id=practice_id))


@city_bp.route("/practices/<int:practice_id>/withdraw", methods=["POST"])
@login_required
def withdraw_practice(practice_id: int):
    _require_publisher()
    practice = _own_practice_or_404(practice_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.withdraw_practice(current_user, practice)
    except services.WrongState:
        db.session.rollback()
        flash(_("Only a published practice can be withdrawn."), "info")
    else:
        db.session.commit()
        flash(_("Practice withdrawn: other cities no longer see it."), "success")
    return redirect(url_for("practices.show", practice_id=practice_id))
