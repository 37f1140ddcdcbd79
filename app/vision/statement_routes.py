"""Statements: the public page of a process's statements (vote on one at a time, add your own, your votes), the
page of one statement, voting, and the page where facilitators and moderators seed statements, choose how
citizens' statements are moderated and work the moderation queue."""
from __future__ import annotations

import random

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import permissions
from app.extensions import db, limiter
from app.models import PhaseAction, Process, Statement, StatementState, VoteValue, utcnow
from app.pagination import paginate
from app.vision import bp
from app.vision import statements as services
from app.vision.statement_forms import (
    VOTE_NAMES,
    SeedForm,
    SettingsForm,
    StatementForm,
    VoteForm,
    moderation_form,
    moderation_labels,
)
from app.views import get_in_city_or_404, page_number, refuse, require, safe_next
from app.voting.services import eligibility_problem, existing_participant, participant_for

STATEMENTS_PER_PAGE = 50
DEFAULT_STATEMENT_RATE_LIMIT = "5 per minute;30 per hour"


def statement_rate_limit() -> str:
    return current_app.config.get("STATEMENT_RATE_LIMIT", DEFAULT_STATEMENT_RATE_LIMIT)


def _per_user() -> str:
    return f"user:{current_user.id}" if current_user.is_authenticated else request.remote_addr or "anonymous"


def _process(process_id: int) -> Process:
    return get_in_city_or_404(Process, process_id, g.city)


def _statement_in_city(statement_id: int) -> Statement:
    statement = db.session.get(Statement, statement_id)
    if statement is None or db.session.get(Process, statement.process_id).city_id != g.city.id:
        abort(404)
    return statement


def _manages() -> bool:
    return permissions.can_manage_statements(current_user, g.city)


def _require_manager() -> None:
    if not _manages():
        refuse(_("Only facilitators, moderators and administrators of this city can manage statements."))


def _routing_rng(membership, process: Process, voted: int) -> random.Random:
    """The draw of the next statement depends on who votes and how many votes they have cast, so reloading the
    page shows the same statement until it is voted on."""
    return random.Random(f"statement-routing:{process.id}:{membership.id if membership else 0}:{voted}")


def _problem(process: Process, now) -> str | None:
    """Why a member may not vote while statement votes are open (eligibility_problem's code), to point at the
    fix."""
    membership = permissions.membership_of(current_user, g.city)
    if membership is None or membership.blocked_at is not None:
        return None
    if not permissions.phase_allows(process, PhaseAction.STATEMENT_VOTE, now):
        return None
    return eligibility_problem(membership, process, now)


def _vote_closes_at(process: Process, now):
    phase = process.phase_at(now)
    return phase.ends_at if phase is not None else None


def _statements_page(process: Process, form: StatementForm | None = None, status: int = 200):
    now = utcnow()
    membership = permissions.membership_of(current_user, g.city)
    participant = existing_participant(membership)
    may_vote = permissions.can_vote_on_statements(current_user, process, now)
    may_add = permissions.can_add_statement(current_user, process, now)
    current = progress = listing = None
    if may_vote:
        progress = services.progress(participant, process)
        current = services.next_statement(participant, process, _routing_rng(membership, process, progress.voted))
    else:
        listing = paginate(services.published(process), page_number(request.args.get("page")), STATEMENTS_PER_PAGE)
    if form is None and may_add:
        form = StatementForm()
    return render_template(
        "vision/statements.html", process=process, may_vote=may_vote, may_add=may_add, form=form,
        current=current, progress=progress, listing=listing, my_votes=services.votes_of(participant, process),
        mine=services.statements_by(current_user, process), problem=_problem(process, now),
        closes_at=_vote_closes_at(process, now) if may_vote else None, vote_names=VOTE_NAMES,
        shares_of=services.shares_of, manages=_manages(), now=now,
    ), status


@bp.route("/processes/<int:process_id>/statements")
def statements(process_id: int):
    return _statements_page(_process(process_id))


@bp.route("/processes/<int:process_id>/statements", methods=["POST"])
@login_required
@limiter.limit(statement_rate_limit, key_func=_per_user)
def add_statement(process_id: int):
    process = _process(process_id)
    require(permissions.can_add_statement(current_user, process))
    form = StatementForm()
    if not form.validate_on_submit():
        return _statements_page(process, form, 422)
    try:
        statement = services.add_statement(current_user, process, form.body.data)
    except services.StatementRefused as refused:
        db.session.rollback()
        form.refuse(refused)
        return _statements_page(_process(process_id), form, 422)
    db.session.commit()
    if statement.state == StatementState.PUBLISHED:
        flash(_("Your statement is published. Others can now vote on it."), "success")
    else:
        flash(_("Thank you. Your statement waits for a moderator's approval before others can vote on it."),
              "success")
    return redirect(url_for("vision.statements", process_id=process_id, _anchor="your-statements"))


def vote_message(value: VoteValue, statement: Statement) -> str:
    if value == VoteValue.AGREE:
        return _("Saved: you agree with “%(statement)s”.", statement=statement.body)
    if value == VoteValue.DISAGREE:
        return _("Saved: you disagree with “%(statement)s”.", statement=statement.body)
    return _("Saved: you passed on “%(statement)s”.", statement=statement.body)


@bp.route("/statements/<int:statement_id>/vote", methods=["POST"])
@login_required
def vote_statement(statement_id: int):
    statement = _statement_in_city(statement_id)
    require(permissions.can_vote_statement(current_user, statement))
    form = VoteForm()
    if not form.validate_on_submit():
        abort(400)
    participant = participant_for(permissions.membership_of(current_user, g.city))
    services.vote(participant, statement, form.vote)
    db.session.commit()
    flash(vote_message(form.vote, statement), "success")
    return redirect(safe_next(url_for("vision.statements", process_id=statement.process_id)))


def _statement_page(statement: Statement, form=None, status: int = 200):
    now = utcnow()
    process = db.session.get(Process, statement.process_id)
    manages = _manages()
    own = current_user.is_authenticated and statement.author_id == current_user.id
    if statement.state != StatementState.PUBLISHED and not (manages or own):
        abort(404)
    participant = existing_participant(permissions.membership_of(current_user, g.city))
    if manages and form is None:
        form = moderation_form(statement.id)
    return render_template(
        "vision/statement.html", statement=statement, process=process, shares=services.shares_of(statement),
        groups=services.group_shares(statement), decision=permissions.can_vote_statement(current_user, statement, now),
        my_vote=services.vote_of(participant, statement), vote_names=VOTE_NAMES, manages=manages,
        moderation=form if manages else None, needs_review=services.needs_review(statement),
        problem=_problem(process, now), now=now,
    ), status


@bp.route("/statements/<int:statement_id>")
def show_statement(statement_id: int):
    return _statement_page(_statement_in_city(statement_id))


# Facilitators and moderators ---------------------------------------------------------------------------------

def _manage_page(process: Process, seed=None, settings=None, failed=None, status: int = 200):
    """The management page; `failed` is a moderation form refused for one statement, shown with its errors."""
    seed = seed or SeedForm(prefix="seed", formdata=None)
    settings = settings or SettingsForm(prefix="settings", formdata=None, data={
        "citizen_statements": process.citizen_statements, "moderation": process.statement_moderation})

    def form_for(statement_id: int):
        if failed is not None and failed[0] == statement_id:
            return failed[1]
        return moderation_form(statement_id)

    listing = paginate(services.all_statements(process), page_number(request.args.get("page")), STATEMENTS_PER_PAGE)
    return render_template(
        "vision/manage_statements.html", process=process, seed=seed, settings=settings, form_for=form_for,
        queue=services.moderation_queue(process), listing=listing, figures=services.figures(process),
        moderation_labels=moderation_labels(), needs_review=services.needs_review,
    ), status


@bp.route("/processes/<int:process_id>/statements/manage", methods=["GET", "POST"])
@login_required
def manage_statements(process_id: int):
    process = _process(process_id)
    _require_manager()
    if request.method == "GET":
        return _manage_page(process)
    if "seed-submit" in request.form:
        seed = SeedForm(prefix="seed")
        if not seed.validate_on_submit():
            return _manage_page(process, seed=seed, status=422)
        try:
            services.seed_statement(current_user, process, seed.body.data)
        except services.StatementRefused as refused:
            db.session.rollback()
            seed.refuse(refused)
            return _manage_page(_process(process_id), seed=seed, status=422)
        db.session.commit()
        flash(_("The statement is published."), "success")
        return redirect(url_for("vision.manage_statements", process_id=process_id, _anchor="seed"))
    if "settings-save" in request.form:
        settings = SettingsForm(prefix="settings")
        if not settings.validate_on_submit():
            return _manage_page(process, settings=settings, status=422)
        services.update_settings(current_user, process, settings.citizen_statements.data, settings.moderation.data)
        db.session.commit()
        flash(_("The settings are saved."), "success")
        return redirect(url_for("vision.manage_statements", process_id=process_id, _anchor="settings"))
    abort(400)


def _moderation_message(decision: str, was: str, changed: bool) -> str:
    if not changed:
        return _("This statement had already been decided so; nothing changed.")
    if decision == services.ModerationDecision.REJECT:
        return _("The statement is rejected: nobody can vote on it now. Its author is told why.")
    if was == StatementState.PUBLISHED:
        return _("The statement is approved and stays published.")
    return _("The statement is published. Its author is told.")


@bp.route("/statements/<int:statement_id>/moderate", methods=["POST"])
@login_required
def moderate_statement(statement_id: int):
    statement = _statement_in_city(statement_id)
    _require_manager()
    form = moderation_form(statement.id, request.form)
    from_statement_page = form.origin.data == "statement"
    if not form.validate_on_submit():
        if from_statement_page:
            return _statement_page(statement, form, 422)
        return _manage_page(_process(statement.process_id), failed=(statement.id, form), status=422)
    was = str(statement.state)
    changed = services.moderate(current_user, statement, form.decision.data, form.reason.data or "")
    db.session.commit()
    flash(_moderation_message(form.decision.data, was, changed), "success" if changed else "info")
    if from_statement_page:
        return redirect(url_for("vision.show_statement", statement_id=statement.id))
    return redirect(url_for("vision.manage_statements", process_id=statement.process_id, _anchor="queue"))
