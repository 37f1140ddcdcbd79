"""Ranked polls: the poll page with its ballot, casting a ballot, the results, and the facilitators' pages to
pose, change and remove polls (under /manage/processes/<id>/polls)."""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import permissions
from app.extensions import db
from app.facilitation.forms import ConfirmForm
from app.markdown import render_markdown
from app.models import Poll, Process, utcnow
from app.views import get_in_city_or_404, refuse, require
from app.voting import bp
from app.voting import poll_services as services
from app.voting.poll_forms import PollForm, ballot_form, ballot_message, method_name
from app.voting.services import existing_participant, participant_for


def _poll_in_city(poll_id: int) -> Poll:
    poll = db.session.get(Poll, poll_id)
    if poll is None or poll.process.city_id != g.city.id:
        abort(404)
    return poll


def _poll_page(poll: Poll, form=None, status: int = 200):
    """The poll page: the question, and the ballot if the viewer may vote (else why not)."""
    now = utcnow()
    decision = permissions.can_vote_poll(current_user, poll, now)
    participant = existing_participant(permissions.membership_of(current_user, g.city))
    ballot = services.open_ballot_of(poll, participant)
    if form is None and decision:
        form = ballot_form(poll, ranks=services.ranks_of(ballot))
    return render_template(
        "voting/poll_page.html", poll=poll, process=poll.process, form=form if decision else None,
        decision=decision, has_ballot=ballot is not None, closes_at=services.voting_closes_at(poll.process, now),
        description_html=render_markdown(poll.description), method_name=method_name(poll.method),
        results=services.results_decision(current_user, poll, now), now=now,
    ), status


@bp.route("/polls/<int:poll_id>")
def show_poll(poll_id: int):
    return _poll_page(_poll_in_city(poll_id))


@bp.route("/polls/<int:poll_id>/ballot", methods=["POST"])
@login_required
def cast_poll_ballot(poll_id: int):
    poll = _poll_in_city(poll_id)
    require(permissions.can_vote_poll(current_user, poll))
    form = ballot_form(poll, formdata=request.form)
    if not form.validate_on_submit():
        return _poll_page(poll, form, 422)
    participant = participant_for(permissions.membership_of(current_user, g.city))
    try:
        services.cast_ballot(poll, participant, form.order, seen=form.options_seen.data or None)
    except services.PollGone:
        db.session.rollback()
        abort(404)
    except services.SecretBallotAlreadyCast:
        db.session.rollback()
        flash(_("You have cast your secret ballot already. A secret ballot is final."), "error")
        return redirect(url_for("voting.show_poll", poll_id=poll_id))
    except services.PollChanged:
        db.session.rollback()
        flash(_("The options of this poll changed while you were voting. Please rank them again."), "error")
        return redirect(url_for("voting.show_poll", poll_id=poll_id))
    except services.InvalidBallot as invalid:
        db.session.rollback()
        form.ranking.errors = [ballot_message(invalid)]
        return _poll_page(_poll_in_city(poll_id), form, 422)
    db.session.commit()
    if poll.secret:
        flash(_("Your secret ballot is cast. Thank you for voting."), "success")
    else:
        flash(_("Your ballot is saved."), "success")
    return redirect(url_for("voting.show_poll", poll_id=poll_id))


@bp.route("/polls/<int:poll_id>/results")
def poll_results(poll_id: int):
    poll = _poll_in_city(poll_id)
    now = utcnow()
    decision = services.results_decision(current_user, poll, now)
    return render_template(
        "voting/poll_results.html", poll=poll, process=poll.process, decision=decision, now=now,
        results=services.poll_results(poll, now) if decision else None, ballots=services.ballot_count(poll),
        method_name=method_name(poll.method),
    )


# Facilitators pose polls ---------------------------------------------------------------------------------

def _require_manager() -> None:
    if not permissions.can_manage_voting(current_user, g.city):
        refuse(_("Only facilitators and administrators of this city can manage polls."))


def _managed_poll(process_id: int, poll_id: int) -> Poll:
    process = get_in_city_or_404(Process, process_id, g.city)
    poll = _poll_in_city(poll_id)
    if poll.process_id != process.id:
        abort(404)
    return poll


@bp.route("/manage/processes/<int:process_id>/polls")
@login_required
def manage_polls(process_id: int):
    _require_manager()
    process = get_in_city_or_404(Process, process_id, g.city)
    polls = services.polls_of(process)
    return render_template("voting/poll_manage.html", process=process, polls=polls,
                           counts=services.ballot_counts(polls), confirm=ConfirmForm())


@bp.route("/manage/processes/<int:process_id>/polls/new", methods=["GET", "POST"])
@login_required
def new_poll(process_id: int):
    _require_manager()
    process = get_in_city_or_404(Process, process_id, g.city)
    form = PollForm()
    if form.validate_on_submit():
        services.create_poll(current_user, process, form.poll_data())
        db.session.commit()
        flash(_("Poll created."), "success")
        return redirect(url_for("voting.manage_polls", process_id=process.id))
    return render_template("voting/poll_form.html", form=form, process=process, poll=None), (
        422 if form.is_submitted() else 200)


@bp.route("/manage/processes/<int:process_id>/polls/<int:poll_id>", methods=["GET", "POST"])
@login_required
def edit_poll(process_id: int, poll_id: int):
    _require_manager()
    poll = _managed_poll(process_id, poll_id)
    require(services.change_decision(poll))
    form = PollForm(obj=None if request.method == "POST" else poll)
    if not form.is_submitted():
        form.fill_options(poll)
    if form.validate_on_submit():
        try:
            services.update_poll(current_user, poll, form.poll_data())
        except services.PollGone:
            db.session.rollback()
            abort(404)
        except services.PollHasBallots:
            db.session.rollback()
            flash(_("Someone has voted in this poll in the meantime: it can no longer be changed."), "error")
            return redirect(url_for("voting.manage_polls", process_id=process_id))
        db.session.commit()
        flash(_("Poll saved."), "success")
        return redirect(url_for("voting.manage_polls", process_id=process_id))
    return render_template("voting/poll_form.html", form=form, process=poll.process, poll=poll), (
        422 if form.is_submitted() else 200)


@bp.route("/manage/processes/<int:process_id>/polls/<int:poll_id>/delete", methods=["POST"])
@login_required
def delete_poll(process_id: int, poll_id: int):
    _require_manager()
    poll = _managed_poll(process_id, poll_id)
    require(services.change_decision(poll))
    if ConfirmForm().validate_on_submit():
        try:
            services.delete_poll(current_user, poll)
        except services.PollGone:
            db.session.rollback()
            abort(404)
        except services.PollHasBallots:
            db.session.rollback()
            flash(_("Someone has voted in this poll in the meantime: it can no longer be deleted."), "error")
        else:
            db.session.commit()
            flash(_("Poll deleted."), "success")
    return redirect(url_for("voting.manage_polls", process_id=process_id))
