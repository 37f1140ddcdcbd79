from datetime import datetime

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app import permissions
from app.extensions import db
from app.facilitation import bp, services
from app.facilitation.forms import ConfirmForm, PhaseForm, ProcessForm
from app.models import Phase, PhaseAction, Plan, Process
from app.timezones import local_to_utc, utc_to_local
from app.views import get_in_city_or_404, refuse, safe_next


# Endpoints of this blueprint that check their own permission (the census shares are the planners').
OWN_ACCESS_CHECK: set[str] = set()


@bp.before_request
@login_required
def _facilitators_only():
    if request.endpoint in OWN_ACCESS_CHECK:
        return
    if not permissions.can_manage_processes(current_user, g.city):
        refuse(_("Only facilitators and administrators of this city can manage processes."))


def _to_utc(local: datetime) -> datetime:
    return local_to_utc(local, g.city.time_zone)  # the form has checked that it converts cleanly


def _to_local(moment: datetime) -> datetime:
    return utc_to_local(moment, g.city.time_zone)


def _phase_form(**kwargs) -> PhaseForm:
    form = PhaseForm(**kwargs)
    form.time_zone = g.city.time_zone
    return form


def _plan_choices():
    plans = db.session.scalars(select(Plan).where(Plan.city_id == g.city.id).order_by(Plan.id)).all()
    return [(0, _("No plan"))] + [(p.id, p.title) for p in plans]


def _process_data(form: ProcessForm) -> services.ProcessData:
    texts = {name: form[name].data or "" for name in services.PROCESS_TEXT_FIELDS}
    return services.ProcessData(**texts, plan_id=form.plan.data or None)


def _phase_data(form: PhaseForm) -> services.PhaseData:
    return services.PhaseData(
        **{name: form[name].data or "" for name in services.PHASE_TEXT_FIELDS},
        starts_at=_to_utc(form.starts_at.data), ends_at=_to_utc(form.ends_at.data),
        actions=frozenset(PhaseAction(a) for a in form.actions.data or []),
    )


def _overlap_message(error: services.PhaseOverlap) -> str:
    if error.other is not None:
        return _("This round overlaps the round “%(name)s”. Rounds cannot overlap.", name=error.other.name)
    return _("This round overlaps another round. Rounds cannot overlap.")


@bp.route("/")
def dashboard():
    processes = db.session.scalars(
        select(Process).where(Process.city_id == g.city.id).order_by(Process.created_at.desc())
    ).all()
    return render_template("facilitation/dashboard.html", processes=processes, now=services.utcnow())


@bp.route("/processes/new", methods=["GET", "POST"])
def new_process():
    form = ProcessForm()
    form.plan.choices = _plan_choices()
    if form.validate_on_submit():
        process = services.create_process(current_user, g.city, _process_data(form))
        db.session.commit()
        flash(_("Process created. Now add its rounds."), "success")
        return redirect(url_for("facilitation.edit_process", process_id=process.id))
    return render_template("facilitation/process_form.html", form=form, process=None)


@bp.route("/processes/<int:process_id>", methods=["GET", "POST"])
def edit_process(process_id: int):
    process = get_in_city_or_404(Process, process_id, g.city)
    form = ProcessForm(obj=process if not ProcessForm().is_submitted() else None)
    form.plan.choices = _plan_choices()
    if not form.is_submitted():
        form.plan.data = process.plan_id or 0
    if form.validate_on_submit():
        services.update_process(current_user, process, _process_data(form))
        db.session.commit()
        flash(_("Process saved."), "success")
        return redirect(url_for("facilitation.edit_process", process_id=process.id))
    return render_template("facilitation/process_form.html", form=form, process=process,
                           phase_form=_phase_form(formdata=None, prefix="phase"), confirm=ConfirmForm(), now=services.utcnow())


@bp.route("/processes/<int:process_id>/phases", methods=["POST"])
def add_phase(process_id: int):
    process = get_in_city_or_404(Process, process_id, g.city)
    form = _phase_form(prefix="phase")
    if form.validate_on_submit():
        try:
            services.add_phase(current_user, process, _phase_data(form))
        except services.PhaseOverlap as error:
            db.session.rollback()
            form.starts_at.errors.append(_overlap_message(error))
        else:
            db.session.commit()
            flash(_("Round added."), "success")
            return redirect(url_for("facilitation.edit_process", process_id=process.id))
    process = get_in_city_or_404(Process, process_id, g.city)
    main_form = ProcessForm(formdata=None, obj=process)
    main_form.plan.choices = _plan_choices()
    main_form.plan.data = process.plan_id or 0
    return render_template("facilitation/process_form.html", form=main_form, process=process, phase_form=form,
                           confirm=ConfirmForm(), now=services.utcnow()), 422


def _phase_in_city(phase_id: int) -> Phase:
    phase = db.session.get(Phase, phase_id)
    if phase is None or phase.process.city_id != g.city.id:
        abort(404)
    return phase


@bp.route("/phases/<int:phase_id>", methods=["GET", "POST"])
def edit_phase(phase_id: int):
    phase = _phase_in_city(phase_id)
    form = _phase_form()
    if not form.is_submitted():
        form = _phase_form(formdata=None, **{name: getattr(phase, name) for name in services.PHASE_TEXT_FIELDS},
                         starts_at=_to_local(phase.starts_at), ends_at=_to_local(phase.ends_at),
                         actions=sorted(a.value for a in phase.actions))
    elif form.validate_on_submit():
        try:
            services.update_phase(current_user, phase, _phase_data(form))
        except services.PhaseOverlap as error:
            db.session.rollback()
            form.starts_at.errors.append(_overlap_message(error))
        except services.PhaseIsHistory:
            form.starts_at.errors.append(_("A finished round cannot change, and a running round keeps its start "
                                           "and cannot end in the past. Close it instead to end it now."))
        else:
            db.session.commit()
            flash(_("Round saved."), "success")
            return redirect(url_for("facilitation.edit_process", process_id=phase.process_id))
    return render_template("facilitation/phase_form.html", form=form, phase=_phase_in_city(phase_id))


@bp.route("/phases/<int:phase_id>/close", methods=["POST"])
def close_phase(phase_id: int):
    phase = _phase_in_city(phase_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.close_phase(current_user, phase)
        except services.PhaseNotActive:
            flash(_("Only the round that is on now can be closed."), "error")
        else:
            db.session.commit()
            flash(_("The round “%(name)s” is closed.", name=phase.name), "success")
    return redirect(safe_next(url_for("facilitation.edit_process", process_id=phase.process_id)))


@bp.route("/phases/<int:phase_id>/delete", methods=["POST"])
def delete_phase(phase_id: int):
    phase = _phase_in_city(phase_id)
    process_id = phase.process_id
    if ConfirmForm().validate_on_submit():
        try:
            services.delete_phase(current_user, phase)
        except services.PhaseAlreadyStarted:
            flash(_("A round that has started cannot be removed. Close it instead."), "error")
        else:
            db.session.commit()
            flash(_("Round removed."), "success")
    return redirect(url_for("facilitation.edit_process", process_id=process_id))
