"""Participatory-budget pages: the ballot, the results, the anonymised ballots; settings, feasibility review
and certification for staff."""
from __future__ import annotations

import re
from decimal import Decimal

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app import permissions
from app.extensions import db
from app.models import BallotStyle, OutcomeRule, Process, Proposal
from app.voting import bp
from app.voting import budget_services as services
from app.voting.budget_forms import BudgetSettingsForm, ConfirmForm, FeasibilityForm
from app.views import get_in_city_or_404, refuse, require


def _process_with_budget(process_id: int) -> Process:
    process = get_in_city_or_404(Process, process_id, g.city)
    if process.budget is None:
        abort(404)
    return process


DIGITS = re.compile(r"[0-9]{1,6}")  # ASCII digits only: str.isdigit() also takes "²" and "٣"


def _selection_from(form, budget, projects, raw_points: dict[int, str]) -> tuple[dict[int, int], list[str]]:
    """The ballot as sent: checked projects (approval, knapsack) or points per project (cumulative). What was
    typed into points boxes goes into `raw_points`, so a refused ballot shows it again."""
    selection: dict[int, int] = {}
    problems: list[str] = []
    if budget.ballot_style == BallotStyle.CUMULATIVE:
        for project in projects:
            raw = (form.get(f"points-{project.id}") or "").strip()
            if not raw:
                continue
            raw_points[project.id] = raw[:20]
            if not DIGITS.fullmatch(raw):
                problems.append(_("Points must be whole numbers (0 or more): “%(value)s” for %(project)s.",
                                  value=raw[:20], project=project.title))
                continue
            if int(raw) > 0:
                selection[project.id] = int(raw)
    else:
        for raw in form.getlist("project"):
            if not re.fullmatch(r"[0-9]{1,10}", raw):
                problems.append(_("The ballot names a project that is not on this ballot."))
                break
            selection[int(raw)] = 1
    return selection, problems


def _totals(budget, projects, selection) -> dict:
    by_id = {p.id: p for p in projects}
    cost = sum((by_id[pid].cost for pid in selection if pid in by_id), Decimal(0))
    return {"cost": cost, "left": budget.amount - cost, "projects": len(selection),
            "points": sum(selection.values())}


@bp.route("/processes/<int:process_id>/budget", methods=["GET", "POST"])
def budget_ballot(process_id: int):
    process = _process_with_budget(process_id)
    budget = process.budget
    projects = services.ballot_projects(process)
    membership = permissions.membership_of(current_user, g.city)
    decision = permissions.can_vote_budget(current_user, process)
    voted = services.has_voted(process, membership)
    selection = services.my_selection(process, membership) or {}
    problems: list[str] = []
    raw_points: dict[int, str] = {}
    status = 200
    if request.method == "POST":
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.path))
        require(decision)
        selection, problems = _selection_from(request.form, budget, projects, raw_points)
        if not problems and request.form.get("action") != "total":
            try:
                services.cast_ballot(membership, process, selection)
            except services.InvalidBallot as invalid:
                db.session.rollback()
                problems = invalid.problems
            except services.SecretBallotFinal:
                db.session.rollback()
                refuse(_("You have cast your secret ballot. A secret ballot is final."))
            else:
                db.session.commit()
                flash(_("Your ballot is recorded.") if not budget.secret
                      else _("Your secret ballot is cast. Thank you for voting."), "success")
                return redirect(url_for("voting.budget_ballot", process_id=process.id))
        elif not problems:
            problems = services.ballot_problems(budget, {p.id: p for p in projects}, selection)
        if problems and request.form.get("action") != "total":
            status = 422
    return render_template(
        "voting/budget_ballot.html", process=process, budget=budget, projects=projects, selection=selection,
        totals=_totals(budget, projects, selection), problems=problems, decision=decision, voted=voted,
        raw_points=raw_points,
        checking=request.method == "POST" and request.form.get("action") == "total",
        results_open=services.voting_over(process) or services.certified_outcome(process) is not None,
        ballots=services.ballot_count(process),
    ), status


def _may_see_results(process: Process) -> bool:
    """Everyone once the vote is over; facilitators earlier, except for a secret ballot (live results beside
    the public ballot count would show how someone just voted)."""
    if services.voting_over(process) or services.certified_outcome(process) is not None:
        return True
    return permissions.can_manage_voting(current_user, g.city) and not process.budget.secret


@bp.route("/processes/<int:process_id>/budget/results")
def budget_results(process_id: int):
    process = _process_with_budget(process_id)
    if not _may_see_results(process):
        refuse(_("The results are published when the vote has closed."))
    certified = services.certified_outcome(process)
    counted = services.count(process)
    rule = certified.rule if certified else process.budget.rule
    outcome = services.compute(process, rule, counted)
    greedy = outcome if rule == OutcomeRule.GREEDY else services.compute(process, OutcomeRule.GREEDY, counted)
    comparison = outcome if rule != OutcomeRule.GREEDY else services.compute(
        process, OutcomeRule.MES_ADD1_GREEDY, counted)
    recount_differs = certified is not None and (
        outcome.winner_ids != list(certified.winner_ids) or counted.digest != certified.ballots_digest)
    # A certified outcome stands: its winners are the ones shown, even if a recount on today's data differs.
    certified_winners = []
    if certified is not None:
        by_id = {p.id: p for p in db.session.scalars(select(Proposal).where(
            Proposal.id.in_(certified.winner_ids)))}
        certified_winners = [by_id[pid] for pid in certified.winner_ids if pid in by_id]
    return render_template(
        "voting/budget_results.html", process=process, budget=process.budget, outcome=outcome, greedy=greedy,
        comparison=comparison, certified=certified, recount_differs=recount_differs,
        supporters=services.supporter_counts(counted), preview=not services.voting_over(process),
        confirm=ConfirmForm(), rules=dict(_rule_names()), certified_winners=certified_winners,
    )


def _rule_names():
    return [
        (OutcomeRule.GREEDY.value, _("Greedy (most votes first)")),
        (OutcomeRule.MES.value, _("Method of Equal Shares")),
        (OutcomeRule.MES_ADD1.value, _("Method of Equal Shares (shares raised until the budget is spent)")),
        (OutcomeRule.MES_ADD1_GREEDY.value,
         _("Method of Equal Shares (shares raised), the rest filled greedily")),
    ]


@bp.route("/processes/<int:process_id>/budget/ballots.pb")
def budget_ballots_file(process_id: int):
    """The anonymised ballots of a certified vote, in the Pabulib format, for anyone to recount."""
    process = _process_with_budget(process_id)
    certified = services.certified_outcome(process)
    if certified is None:
        refuse(_("The ballots are published when the outcome is certified."))
    return Response(certified.ballots_pb, mimetype="text/plain", headers={
        "Content-Disposition": f'attachment; filename="{process.slug}.pb"'})


# --- Staff ----------------------------------------------------------------------------------------------------

def _require_manager() -> None:
    if not permissions.can_manage_voting(current_user, g.city):
        refuse(_("Only facilitators and administrators of this city can manage budgets."))


def _require_planner() -> None:
    if not permissions.can_plan(current_user, g.city):
        refuse(_("Only planners and administrators of this city can review projects."))


def _settings(form: BudgetSettingsForm) -> services.BudgetSettings:
    return services.BudgetSettings(
        amount=form.amount.data, currency=form.currency.data, ballot_style=form.ballot_style.data,
        min_projects=form.min_projects.data, max_projects=form.max_projects.data,
        min_share=Decimal(form.min_share.data) / 100 if form.min_share.data is not None else None,
        points_total=form.points_total.data, points_max=form.points_max.data, rule=form.rule.data,
        secret=bool(form.secret.data),
    )


@bp.route("/manage/processes/<int:process_id>/budget", methods=["GET", "POST"])
@login_required
def budget_settings(process_id: int):
    _require_manager()
    process = get_in_city_or_404(Process, process_id, g.city)
    budget = process.budget
    form = BudgetSettingsForm(obj=budget if request.method == "GET" and budget else None)
    if request.method == "GET" and budget and budget.min_share is not None:
        form.min_share.data = int(budget.min_share * 100)
    status = 200
    if form.validate_on_submit():
        try:
            services.configure_budget(current_user, process, _settings(form))
        except services.BallotsExist:
            db.session.rollback()
            form.form_errors.append(_("Ballots have been cast: the budget and the ballot's rules can no longer "
                                      "change. Only the way winners are chosen can."))
        except services.AlreadyCertified:
            db.session.rollback()
            form.form_errors.append(_("The outcome is certified; the budget can no longer change."))
        else:
            db.session.commit()
            flash(_("Budget saved."), "success")
            return redirect(url_for("voting.budget_settings", process_id=process.id))
    if request.method == "POST":
        status = 422
    return render_template("voting/budget_settings.html", process=process, form=form, budget=budget,
                           ballots=services.ballot_count(process) if budget else 0), status


@bp.route("/manage/processes/<int:process_id>/budget/review")
@login_required
def budget_review(process_id: int):
    _require_planner()
    process = _process_with_budget(process_id)
    return render_template("voting/budget_review.html", process=process, proposals=services.review_queue(process))


@bp.route("/manage/proposals/<int:proposal_id>/feasibility", methods=["GET", "POST"])
@login_required
def budget_feasibility(proposal_id: int):
    _require_planner()
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.process.city_id != g.city.id or proposal.process.budget is None:
        abort(404)
    form = FeasibilityForm()
    if request.method == "GET" and proposal.feasible is not None:
        form.feasible.data = "yes" if proposal.feasible else "no"
        form.reason.data = proposal.feasibility_reason
    if request.method == "GET":
        form.cost.data = proposal.cost
    status = 200
    if form.validate_on_submit():
        if form.feasible.data == "yes" and form.cost.data is None and proposal.cost is None:
            form.cost.errors.append(_("A feasible project needs a cost."))
        else:
            try:
                services.review_feasibility(current_user, proposal, form.feasible.data == "yes",
                                            form.reason.data or "", form.cost.data)
            except services.BallotsExist:
                db.session.rollback()
                form.form_errors.append(_("Ballots have been cast: what is on the ballot and what it costs can no "
                                          "longer change."))
            else:
                db.session.commit()
                flash(_("Review saved."), "success")
                return redirect(url_for("voting.budget_review", process_id=proposal.process_id))
    if request.method == "POST":
        status = 422
    return render_template("voting/budget_feasibility.html", proposal=proposal, process=proposal.process,
                           form=form), status


@bp.route("/manage/processes/<int:process_id>/budget/certify", methods=["POST"])
@login_required
def budget_certify(process_id: int):
    _require_manager()
    process = _process_with_budget(process_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.certify(current_user, process)
    except services.AlreadyCertified:
        db.session.rollback()
        flash(_("The outcome is already certified."), "error")
    except services.VoteStillOpen:
        db.session.rollback()
        flash(_("The outcome can be certified only after the vote has closed."), "error")
    else:
        db.session.commit()
        flash(_("The outcome is certified. The anonymised ballots are published."), "success")
    return redirect(url_for("voting.budget_results", process_id=process.id))


@bp.route("/manage/processes/<int:process_id>/budget/recount", methods=["POST"])
@login_required
def budget_recount(process_id: int):
    _require_manager()
    process = _process_with_budget(process_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if services.certified_outcome(process) is None:
        refuse(_("Only a certified outcome can be recounted."))
    try:
        services.recount(current_user, process)
    except services.RecountDiffers:
        db.session.commit()  # the audit event that reports it
        flash(_("The recount differs from the certified outcome. The certified outcome stands; the difference is "
                "recorded in the audit log."), "error")
    else:
        db.session.commit()
        flash(_("The recount confirms the certified outcome."), "success")
    return redirect(url_for("voting.budget_results", process_id=process.id))
