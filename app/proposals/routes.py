from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app import permissions
from app.extensions import db
from app.models import PlanItem, Process, Proposal, ProposalState, SdgGoal, SdgTarget, utcnow
from app.models.base import current_language
from app.pagination import paginate
from app.proposals import bp, services
from app.proposals.forms import SORTS, FilterForm, ProposalForm, WithdrawForm, district_choices
from app.views import get_in_city_or_404, page_number, require


def _locale() -> str:
    return current_language()


def state_labels() -> dict[str, str]:
    return {
        ProposalState.PUBLISHED: _("Published"),
        ProposalState.WITHDRAWN: _("Withdrawn"),
        ProposalState.EVALUATING: _("Being evaluated"),
        ProposalState.ACCEPTED: _("Accepted"),
        ProposalState.REJECTED: _("Rejected"),
        ProposalState.IMPLEMENTED: _("Implemented"),
    }


def _proposal_in_city(proposal_id: int) -> Proposal:
    """The proposal with what its page shows, in a fixed number of queries; 404 unless it is in this city."""
    proposal = db.session.get(Proposal, proposal_id, options=[
        joinedload(Proposal.process), joinedload(Proposal.author), joinedload(Proposal.district),
        joinedload(Proposal.organization),
        selectinload(Proposal.sdg_targets).joinedload(SdgTarget.goal),
        selectinload(Proposal.plan_items).joinedload(PlanItem.plan),
    ])
    if proposal is None or proposal.process.city_id != g.city.id:
        abort(404)
    return proposal


@bp.route("/processes/<int:process_id>/proposals")
def index(process_id: int):
    process = get_in_city_or_404(Process, process_id, g.city)
    goals = db.session.scalars(select(SdgGoal).order_by(SdgGoal.number)).all()
    form = FilterForm(request.args)
    form.goal.choices = [(0, _("All goals"))] + [(goal.number, f"{goal.number}. {goal.short(_locale())}")
                                                 for goal in goals]
    form.district.choices = district_choices(g.city, _("All districts"))
    labels = state_labels()
    form.state.choices = [("", _("All states"))] + list(labels.items())
    form.sort.choices = [("newest", _("Newest")), ("oldest", _("Oldest")), ("supports", _("Most supported"))]
    from app.moderation.services import blocked_user_ids

    visibility = {"include_hidden": permissions.can_see_hidden(current_user, g.city),
                  "blocked_authors": blocked_user_ids(g.city)}
    filters = services.ProposalFilters(**visibility)
    if form.validate():
        filters = services.ProposalFilters(
            **visibility, q=(form.q.data or "").strip(), goal=form.goal.data or None, district_id=form.district.data or None,
            state=form.state.data or None, sort=form.sort.data if form.sort.data in SORTS else "newest",
        )
    proposals = paginate(services.proposals_query(process, filters), page_number(request.args.get("page")),
                         _per_page())
    return render_template("proposals/index.html", process=process, proposals=proposals, form=form,
                           filters=filters, state_labels=labels,
                           propose=permissions.can_propose(current_user, process))


def _per_page() -> int:
    from flask import current_app

    return current_app.config["PROPOSALS_PER_PAGE"]


@bp.route("/processes/<int:process_id>/proposals/new", methods=["GET", "POST"])
@login_required
def new(process_id: int):
    process = get_in_city_or_404(Process, process_id, g.city)
    require(permissions.can_propose(current_user, process))
    goals = services.sdg_goals()
    form = ProposalForm()
    form.offer(process, goals, services.organizations_for(current_user))
    if not form.is_submitted():
        membership = permissions.membership_of(current_user, g.city)
        form.district.data = membership.district_id if membership and membership.district_id else 0
    if form.validate_on_submit():
        try:
            proposal = services.create_proposal(current_user, process, form.proposal_data())
        except services.InvalidReference as invalid:
            db.session.rollback()
            if str(invalid) == "organization":
                form.organization.errors.append(_("Choose an organization you are a member of."))
            else:
                form.sdg_targets.errors.append(_("Choose targets and plan items from the lists."))
        else:
            db.session.commit()
            flash(_("Your proposal is published."), "success")
            return redirect(url_for("proposals.show", proposal_id=proposal.id))
    return render_template("proposals/form.html", form=form, process=process, goals=goals, proposal=None)


@bp.route("/proposals/<int:proposal_id>")
def show(proposal_id: int):
    proposal = _proposal_in_city(proposal_id)
    from app.deliberation.routes import thread_context
    from app.voting.supports import support_panel

    from app.moderation.services import BLOCKED_AUTHOR_REASON, blocked_user_ids

    hidden_reason = proposal.hidden_reason if proposal.hidden_at else (
        BLOCKED_AUTHOR_REASON if proposal.author_id in blocked_user_ids(g.city) else None)
    return render_template("proposals/show.html", proposal=proposal, process=proposal.process,
                           hidden_reason=hidden_reason, sees_hidden=permissions.can_see_hidden(current_user, g.city),
                           state_labels=state_labels(), now=utcnow(), **thread_context(proposal),
                           can_edit=permissions.can_edit_proposal(current_user, proposal),
                           can_withdraw=permissions.can_withdraw_proposal(current_user, proposal),
                           supports=support_panel(current_user, proposal))


@bp.route("/proposals/<int:proposal_id>/edit", methods=["GET", "POST"])
@login_required
def edit(proposal_id: int):
    proposal = _proposal_in_city(proposal_id)
    require(permissions.can_edit_proposal(current_user, proposal))
    goals = services.sdg_goals()
    form = ProposalForm(obj=None if ProposalForm().is_submitted() else proposal)
    form.offer(proposal.process, goals, services.organizations_for(current_user, proposal))
    form.submit.label.text = _("Save changes")
    if not form.is_submitted():
        form.district.data = proposal.district_id or 0
        form.sdg_targets.data = [t.code for t in proposal.sdg_targets]
        form.plan_items.data = [item.id for item in proposal.plan_items]
        form.organization.data = proposal.organization_id or 0
    if form.validate_on_submit():
        try:
            services.update_proposal(proposal, form.proposal_data())
        except services.InvalidReference as invalid:
            db.session.rollback()
            if str(invalid) == "organization":
                form.organization.errors.append(_("Choose an organization you are a member of."))
            else:
                form.sdg_targets.errors.append(_("Choose targets and plan items from the lists."))
        else:
            db.session.commit()
            flash(_("Your changes are saved."), "success")
            return redirect(url_for("proposals.show", proposal_id=proposal.id))
    return render_template("proposals/form.html", form=form, process=proposal.process, goals=goals,
                           proposal=proposal)


@bp.route("/proposals/<int:proposal_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(proposal_id: int):
    proposal = _proposal_in_city(proposal_id)
    require(permissions.can_withdraw_proposal(current_user, proposal))
    form = WithdrawForm()
    if form.validate_on_submit():
        services.withdraw_proposal(proposal, form.reason.data)
        db.session.commit()
        flash(_("Your proposal is withdrawn."), "success")
        return redirect(url_for("proposals.show", proposal_id=proposal.id))
    return render_template("proposals/withdraw.html", form=form, proposal=proposal)


