"""A process's dashboard (timeline actions, live figures, the inclusion monitor, a CSV of the figures) and the
planners' census shares page."""
from __future__ import annotations

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from app import permissions
from app.extensions import db
from app.facilitation import bp, census, dashboard, services
from app.facilitation.census_forms import BLANK_BANDS, CensusSharesForm
from app.facilitation.forms import ConfirmForm, RoundDatesForm, RoundEndForm
from app.facilitation.routes import OWN_ACCESS_CHECK, _overlap_message, _phase_in_city, _to_local, _to_utc
from app.methods.inclusion import UNDER_REPRESENTED_POINTS
from app.models import Process
from app.views import get_in_city_or_404, refuse


def series_labels() -> dict[str, str]:
    return {"proposals": _("Proposals"), "comments": _("Comments"), "supports": _("Supports"),
            "budget_ballots": _("Budget ballots"), "poll_ballots": _("Poll ballots")}


# Colour and dash per series: the lines differ in pattern too, for readers who do not tell the colours apart.
SERIES_STYLES = {"proposals": ("#0b5d73", "none"), "comments": ("#a3201c", "8 4"), "supports": ("#1f6b36", "2 3"),
                 "budget_ballots": ("#6b3fa0", "12 4 3 4"), "poll_ballots": ("#8a4b00", "4 2")}


def _end_form(phase, formdata=None) -> RoundEndForm:
    form = RoundEndForm(formdata=formdata, prefix=f"extend{phase.id}")
    if formdata is None:
        form.ends_at.data = _to_local(phase.ends_at).replace(tzinfo=None)
    form.time_zone = g.city.time_zone
    return form


def _dates_form(phase, formdata=None) -> RoundDatesForm:
    form = RoundDatesForm(formdata=formdata, prefix=f"move{phase.id}")
    if formdata is None:
        form.starts_at.data = _to_local(phase.starts_at).replace(tzinfo=None)
        form.ends_at.data = _to_local(phase.ends_at).replace(tzinfo=None)
    form.time_zone = g.city.time_zone
    return form


def _render_dashboard(process: Process, replaced: dict | None = None, status: int = 200):
    now = services.utcnow()
    forms = {}
    for phase in process.phases:
        if phase.contains(now):
            forms[phase.id] = _end_form(phase)
        elif phase.starts_at > now:
            forms[phase.id] = _dates_form(phase)
    forms.update(replaced or {})
    table = dashboard.day_table(process, now)
    debates, polls = dashboard.debates_and_polls(process)
    inclusion = dashboard.inclusion(process, now)
    return render_template(
        "facilitation/dashboard_process.html", process=process, now=now, forms=forms, confirm=ConfirmForm(),
        table=table, chart=dashboard.line_chart(table), labels=series_labels(),
        day_labels={day: format_date(day, "medium") for day in table.days},
        inclusion=inclusion, waiting=dashboard.waiting(process), debates=debates, polls=polls,
        threshold=UNDER_REPRESENTED_POINTS, series_styles=SERIES_STYLES,
        district_names={key: d.name(_lang()) for key, d in inclusion.district_names.items()},
        band_names={index: band.label for index, band in enumerate(inclusion.bands)}), status


@bp.route("/processes/<int:process_id>/dashboard")
def process_dashboard(process_id: int):
    return _render_dashboard(get_in_city_or_404(Process, process_id, g.city))


@bp.route("/phases/<int:phase_id>/extend", methods=["POST"])
def extend_phase(phase_id: int):
    phase = _phase_in_city(phase_id)
    form = _end_form(phase, request.form)
    if form.validate_on_submit():
        try:
            services.extend_phase(current_user, phase, _to_utc(form.ends_at.data))
        except services.PhaseNotActive:  # the page was older than the clock: the round has ended or not begun
            db.session.rollback()
            flash(_("Only the round that is on now can be extended. Reschedule a round that has not started "
                    "instead."), "error")
            return redirect(url_for("facilitation.process_dashboard", process_id=phase.process_id))
        except services.PhaseOverlap as error:
            db.session.rollback()
            form.ends_at.errors.append(_overlap_message(error))
        except services.PhaseIsHistory:
            db.session.rollback()
            form.ends_at.errors.append(_("A running round cannot end in the past. Close it to end it now."))
        else:
            db.session.commit()
            flash(_("The round “%(name)s” now ends on %(end)s. Followers of the process are told.",
                    name=phase.name, end=_local_text(phase.ends_at)), "success")
            return redirect(url_for("facilitation.process_dashboard", process_id=phase.process_id))
    return _render_dashboard(_phase_in_city(phase_id).process, {phase_id: form}, 422)


@bp.route("/phases/<int:phase_id>/reschedule", methods=["POST"])
def reschedule_phase(phase_id: int):
    phase = _phase_in_city(phase_id)
    form = _dates_form(phase, request.form)
    if form.validate_on_submit():
        try:
            services.reschedule_phase(current_user, phase, _to_utc(form.starts_at.data), _to_utc(form.ends_at.data))
        except services.PhaseAlreadyStarted:  # the page was older than the clock
            db.session.rollback()
            flash(_("The round “%(name)s” has started: it keeps its start. Extend it instead.", name=phase.name),
                  "error")
            return redirect(url_for("facilitation.process_dashboard", process_id=phase.process_id))
        except services.StartInThePast:
            db.session.rollback()
            form.starts_at.errors.append(_("A round cannot be moved to start in the past."))
        except services.PhaseOverlap as error:
            db.session.rollback()
            form.starts_at.errors.append(_overlap_message(error))
        else:
            db.session.commit()
            flash(_("The round “%(name)s” now runs from %(start)s to %(end)s. Followers of the process are told.",
                    name=phase.name, start=_local_text(phase.starts_at), end=_local_text(phase.ends_at)), "success")
            return redirect(url_for("facilitation.process_dashboard", process_id=phase.process_id))
    return _render_dashboard(_phase_in_city(phase_id).process, {phase_id: form}, 422)


def _local_text(moment) -> str:
    from app.templating import local_datetime

    return local_datetime(moment, "short")


def _percent(value: float) -> str:
    return f"{value:.1f}"


def _inclusion_rows(inclusion) -> list[list]:
    """The inclusion table as worded rows, for the CSV."""
    rows = []
    for dimension, comparison, name_of in (
        (_("District"), inclusion.districts, lambda key: inclusion.district_names[key].name(_lang())),
        (_("Age band"), inclusion.ages, lambda key: inclusion.bands[key].label),
    ):
        for row in comparison.rows:
            rows.append([dimension, name_of(row.key), row.participants, _percent(row.participant_share),
                         _percent(row.census_share), _percent(row.gap), _("yes") if row.under_represented else ""])
        rows.append([dimension, _("Unknown"), comparison.unknown, "", "", "", ""])
    return rows


def _lang() -> str:
    from app.models.base import current_language

    return current_language()


@bp.route("/processes/<int:process_id>/dashboard.csv")
def dashboard_csv(process_id: int):
    process = get_in_city_or_404(Process, process_id, g.city)
    now = services.utcnow()
    headers = {"date": _("Date"), **series_labels(), "dimension": _("Dimension"), "group": _("Group"),
               "participants": _("Participants"), "participant_share": _("Share of participants (%)"),
               "census_share": _("Census share (%)"), "gap": _("Gap (percentage points)"),
               "under_represented": _("Under-represented")}
    body = dashboard.participation_csv(dashboard.day_table(process, now),
                                       inclusion := dashboard.inclusion(process, now), headers,
                                       _inclusion_rows(inclusion))
    filename = f"{process.slug}-participation-{now.date().isoformat()}.csv"
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})


# Census shares (planners) --------------------------------------------------------------------------------

def _census_form(formdata=None) -> CensusSharesForm:
    city = g.city
    if formdata is not None:
        form = CensusSharesForm(formdata)
    else:
        form = CensusSharesForm(formdata=None, data={
            "districts": [{"district_id": str(d.id), "share": census.percent(d.population_share)}
                          for d in city.districts],
            "bands": [{"min_age": b.min_age, "max_age": b.max_age, "share": census.percent(b.share)}
                      for b in city.age_bands] + [{}] * BLANK_BANDS,
        })
    names = {str(d.id): d for d in city.districts}
    # The districts are the city's, whatever the form sent: one entry per district, in order.
    if [e.form.district_id.data for e in form.districts] != list(names):
        abort(400)
    for entry in form.districts:
        entry.form.share.label.text = _("%(district)s: share of the population (%%)",
                                        district=names[entry.form.district_id.data].name(_lang()))
    return form


@bp.route("/census-shares", methods=["GET", "POST"])
def census_shares():
    if not permissions.can_plan(current_user, g.city):
        refuse(_("Only planners and administrators of this city can edit its census shares."))
    form = _census_form(request.form if request.method == "POST" else None)
    if form.validate_on_submit():
        census.save_census_shares(
            current_user, g.city, {int(e.form.district_id.data): e.form.share.data for e in form.districts},
            [census.BandShare(b.form.min_age.data, b.form.max_age.data, b.form.share.data)
             for b in form.bands if b.form.is_kept()])
        db.session.commit()
        flash(_("Census shares saved."), "success")
        return redirect(url_for("facilitation.census_shares"))
    return render_template("facilitation/census_shares.html", form=form), 422 if form.is_submitted() else 200


OWN_ACCESS_CHECK.add("facilitation.census_shares")
