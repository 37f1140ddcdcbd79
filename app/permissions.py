"""Named permission predicates, one place for every rule. Routes call them (and answer 403 with the reason);
templates call them as ``can.<name>(…)`` so a page never re-implements a rule.

Roles are per city: a facilitator in Seoul is a citizen elsewhere. Everyone with a membership is a citizen
of that city."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app, g
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import City, Membership, PhaseAction, Process, Proposal, ProposalState, Role, utcnow
from app.models.base import current_language


@dataclass(frozen=True)
class Decision:
    """Whether something is allowed, and if not, why (and when it opens, for phase gates)."""

    allowed: bool
    reason: str = ""
    opens_at: datetime | None = None

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = Decision(True)


def _signed_in(user) -> bool:
    return bool(user) and user.is_authenticated


def membership_of(user, city: City | None) -> Membership | None:
    """The user's membership in a city, looked up once per request."""
    if not _signed_in(user) or city is None:
        return None
    cache = g.setdefault("_memberships", {})
    key = (user.id, city.id)
    if key not in cache:
        cache[key] = db.session.scalar(
            select(Membership).where(Membership.user_id == user.id, Membership.city_id == city.id)
        )
    return cache[key]


def is_member(user, city: City) -> bool:
    return membership_of(user, city) is not None


def has_role(user, city: City, *roles: Role) -> bool:
    membership = membership_of(user, city)
    return membership is not None and any(membership.has_role(role) for role in roles)


def is_platform_admin(user) -> bool:
    return _signed_in(user) and user.is_platform_admin


def can_manage_processes(user, city: City) -> bool:
    return has_role(user, city, Role.FACILITATOR, Role.ADMIN)


def can_manage_roles(user, city: City) -> bool:
    return has_role(user, city, Role.ADMIN) or is_platform_admin(user)


def can_revoke_role(user, grant) -> Decision:
    city = grant.membership.city
    if not can_manage_roles(user, city):
        return Decision(False, str(_l("Only an administrator of this city can manage roles.")))
    if grant.membership.user_id == user.id and grant.role == Role.ADMIN and not is_platform_admin(user):
        return Decision(False, str(_l("You cannot remove your own administrator role. Ask another administrator.")))
    return ALLOWED


def can_view_audit_log(user, city: City) -> bool:
    return has_role(user, city, Role.ADMIN, Role.MODERATOR) or is_platform_admin(user)


def can_moderate(user, city: City) -> bool:
    return has_role(user, city, Role.MODERATOR, Role.ADMIN)


def can_see_hidden(user, city: City) -> bool:
    """Moderators and admins see hidden content, marked as hidden."""
    return can_moderate(user, city)


def can_flag(user, target) -> Decision:
    if not _signed_in(user):
        return Decision(False, str(_l("Log in to flag content.")))
    if not user.is_confirmed:
        return Decision(False, str(_l("Confirm your e-mail address to flag content.")))
    return ALLOWED


def can_request_review(user, target) -> Decision:
    from app.moderation.services import author_id_of

    if not _signed_in(user) or author_id_of(target) != user.id:
        return Decision(False, str(_l("Only the author can ask for a review.")))
    if target.hidden_at is None:
        return Decision(False, str(_l("This is not hidden.")))
    from app.models import ReviewRequest
    from app.moderation.services import kind_of

    asked = db.session.scalar(select(ReviewRequest.id).where(ReviewRequest.target_type == kind_of(target).value,
                                                             ReviewRequest.target_id == target.id))
    if asked is not None:
        return Decision(False, str(_l("You have asked for a review of this already.")))
    return ALLOWED


def can_suspend_accounts(user) -> bool:
    return is_platform_admin(user)


def can_see_staff_pages(user, city: City) -> bool:
    return (can_manage_processes(user, city) or can_manage_roles(user, city) or can_view_audit_log(user, city)
            or can_moderate(user, city) or has_role(user, city, Role.PLANNER))


def phase_allows(process: Process, action: PhaseAction, now: datetime | None = None) -> Decision:
    now = now or utcnow()
    phase = process.phase_at(now)
    if phase is not None and phase.enables(action):
        return ALLOWED
    upcoming = process.next_phase_enabling(action, now)
    messages = {
        PhaseAction.PROPOSE: _l("Proposals are not open in this process right now."),
        PhaseAction.COMMENT: _l("Comments are not open in this process right now."),
        PhaseAction.SUPPORT: _l("Supports are not open in this process right now."),
        PhaseAction.BUDGET_VOTE: _l("The budget vote is not open in this process right now."),
        PhaseAction.POLL_VOTE: _l("Polls are not open in this process right now."),
        PhaseAction.STATEMENT_VOTE: _l("Statement voting is not open in this process right now."),
    }
    return Decision(False, str(messages[action]), upcoming.starts_at if upcoming else None)


def _citizen_of(user, city: City) -> Decision:
    if not _signed_in(user):
        return Decision(False, str(_l("Log in to take part.")))
    if not user.is_confirmed:
        return Decision(False, str(_l("Confirm your e-mail address to take part.")))
    membership = membership_of(user, city)
    if membership is None:
        return Decision(False, str(_l("Join this city to take part.")))
    if membership.blocked_at is not None:
        return Decision(False, str(_l("A moderator has blocked you from taking part in this city: %(reason)s",
                                      reason=membership.blocked_reason)))
    return ALLOWED


def can_propose(user, process: Process, now: datetime | None = None) -> Decision:
    gate = phase_allows(process, PhaseAction.PROPOSE, now)
    if not gate:
        return gate
    return _citizen_of(user, process.city)


def can_edit_proposal(user, proposal: Proposal, now: datetime | None = None) -> Decision:
    now = now or utcnow()
    if not _signed_in(user) or proposal.author_id != user.id:
        return Decision(False, str(_l("Only the author can edit this proposal.")))
    if proposal.state != ProposalState.PUBLISHED:
        return Decision(False, str(_l("This proposal can no longer be edited.")))
    if now - proposal.created_at > current_app.config["PROPOSAL_EDIT_WINDOW"]:
        return Decision(False, str(_l("The time for editing this proposal has passed.")))
    if not phase_allows(proposal.process, PhaseAction.PROPOSE, now):
        return Decision(False, str(_l("Proposals can be edited only while proposing is open.")))
    return ALLOWED


def can_withdraw_proposal(user, proposal: Proposal) -> Decision:
    if not _signed_in(user) or proposal.author_id != user.id:
        return Decision(False, str(_l("Only the author can withdraw this proposal.")))
    if proposal.state != ProposalState.PUBLISHED:
        return Decision(False, str(_l("Only a published proposal that has not been answered can be withdrawn.")))
    return ALLOWED


def _thread_process(target) -> Process:
    return target.process


def can_comment(user, target, now: datetime | None = None) -> Decision:
    """Comment on a proposal or a debate: the round must enable commenting, the debate must be open and the
    proposal not withdrawn, and the person a confirmed member of the city."""
    now = now or utcnow()
    from app.models import Debate

    if isinstance(target, Debate) and target.is_closed(now):
        return Decision(False, str(_l("This debate is closed.")))
    if isinstance(target, Proposal) and target.state == ProposalState.WITHDRAWN:
        return Decision(False, str(_l("This proposal was withdrawn; it takes no more comments.")))
    gate = phase_allows(_thread_process(target), PhaseAction.COMMENT, now)
    if not gate:
        return gate
    return _citizen_of(user, target.process.city)


def _comment_target(comment):
    return comment.proposal if comment.proposal_id is not None else comment.debate


def can_reply(user, comment, now: datetime | None = None) -> Decision:
    if comment.is_deleted or comment.is_hidden:
        return Decision(False, str(_l("You cannot reply to a deleted or hidden comment.")))
    return can_comment(user, _comment_target(comment), now)


def can_vote_on_comment(user, comment, now: datetime | None = None) -> Decision:
    if _signed_in(user) and comment.author_id == user.id:
        return Decision(False, str(_l("You cannot vote on your own comment.")))
    if comment.is_deleted or comment.is_hidden:
        return Decision(False, str(_l("You cannot vote on a deleted or hidden comment.")))
    return can_comment(user, _comment_target(comment), now)


def can_edit_comment(user, comment, now: datetime | None = None) -> Decision:
    now = now or utcnow()
    if not _signed_in(user) or comment.author_id != user.id:
        return Decision(False, str(_l("Only the author can edit this comment.")))
    if comment.is_deleted or comment.is_hidden:
        return Decision(False, str(_l("This comment can no longer be edited.")))
    if now - comment.created_at > current_app.config["COMMENT_EDIT_WINDOW"]:
        return Decision(False, str(_l("The time for editing this comment has passed.")))
    return ALLOWED


@dataclass(frozen=True)
class CommentAbilities:
    vote: bool
    reply: bool
    edit: bool
    delete: bool


def comment_abilities(user, comment, may_comment: bool, now: datetime | None = None) -> CommentAbilities:
    """What the viewer may do with one comment of a thread, given whether they may comment there at all
    (worked out once per page). The same rules as the can_* predicates above, without building the
    refusal messages a thread page never shows."""
    now = now or utcnow()
    own = _signed_in(user) and comment.author_id == user.id
    usable = not comment.is_deleted and not comment.is_hidden
    window = now - comment.created_at <= current_app.config["COMMENT_EDIT_WINDOW"]
    return CommentAbilities(vote=may_comment and usable and not own, reply=may_comment and usable,
                            edit=own and usable and window, delete=own and not comment.is_deleted)


def can_delete_comment(user, comment) -> Decision:
    if not _signed_in(user) or comment.author_id != user.id:
        return Decision(False, str(_l("Only the author can delete this comment.")))
    if comment.is_deleted:
        return Decision(False, str(_l("This comment is already deleted.")))
    return ALLOWED


# --- Voting -------------------------------------------------------------------------------------------------

def can_manage_voting(user, city: City) -> bool:
    """Set up budgets, polls, support tiers and who may vote; certify outcomes: facilitators and admins."""
    return has_role(user, city, Role.FACILITATOR, Role.ADMIN)


def can_plan(user, city: City) -> bool:
    """Review feasibility, import resident codes, verify residents, see the answer queue: planners and admins."""
    return has_role(user, city, Role.PLANNER, Role.ADMIN)


def may_vote_in(user, process: Process, now: datetime | None = None) -> Decision:
    """Whether the person may vote in this process at all (whatever the phase): a confirmed member, not
    blocked, and within the process's eligibility (verified residents, districts, minimum age)."""
    now = now or utcnow()
    citizen = _citizen_of(user, process.city)
    if not citizen:
        return citizen
    from app.voting.services import eligibility_problem

    membership = membership_of(user, process.city)
    problem = eligibility_problem(membership, process, now)
    if problem is None:
        return ALLOWED
    if problem == "verified":
        return Decision(False, str(_l("Only verified residents can vote in this process. Enter the resident code "
                                      "the city gave you on your membership page, or ask at a service desk.")))
    if problem == "district":
        names = ", ".join(d.name(current_language()) for d in process.eligible_districts)
        return Decision(False, str(_l("Only residents of these districts can vote in this process: %(districts)s.",
                                      districts=names)))
    if problem == "birth_year":
        return Decision(False, str(_l("This vote is for people aged %(age)d or over: add your birth year on your "
                                      "membership page to take part.", age=process.min_age)))
    return Decision(False, str(_l("This vote is for people aged %(age)d or over.", age=process.min_age)))


def can_support(user, proposal: Proposal, now: datetime | None = None) -> Decision:
    now = now or utcnow()
    if proposal.state == ProposalState.WITHDRAWN:
        return Decision(False, str(_l("This proposal was withdrawn; it takes no more supports.")))
    if proposal.hidden_at is not None:
        return Decision(False, str(_l("This proposal is hidden by a moderator.")))
    gate = phase_allows(proposal.process, PhaseAction.SUPPORT, now)
    if not gate:
        return gate
    return may_vote_in(user, proposal.process, now)


def can_vote_budget(user, process: Process, now: datetime | None = None) -> Decision:
    now = now or utcnow()
    if process.budget is None:
        return Decision(False, str(_l("This process has no participatory budget.")))
    if process.budget.ballot_style == "ordinal":
        return Decision(False, str(_l("These ballots were imported from another platform; there is no vote here.")))
    from app.models import BudgetOutcome

    if db.session.get(BudgetOutcome, process.id) is not None:
        return Decision(False, str(_l("The outcome of this vote is certified; the vote is over.")))
    gate = phase_allows(process, PhaseAction.BUDGET_VOTE, now)
    if not gate:
        return gate
    decision = may_vote_in(user, process, now)
    if not decision:
        return decision
    if process.budget.secret:
        from app.models import BudgetRollEntry
        from app.voting.services import existing_participant

        participant = existing_participant(membership_of(user, process.city))
        if participant is not None and db.session.get(BudgetRollEntry, (process.id, participant.id)) is not None:
            return Decision(False, str(_l("You have cast your secret ballot. A secret ballot is final.")))
    return ALLOWED


def can_vote_poll(user, poll, now: datetime | None = None) -> Decision:
    now = now or utcnow()
    gate = phase_allows(poll.process, PhaseAction.POLL_VOTE, now)
    if not gate:
        return gate
    decision = may_vote_in(user, poll.process, now)
    if not decision:
        return decision
    if poll.secret:
        from app.models import PollRollEntry
        from app.voting.services import existing_participant

        participant = existing_participant(membership_of(user, poll.process.city))
        if participant is not None and db.session.get(PollRollEntry, (poll.id, participant.id)) is not None:
            return Decision(False, str(_l("You have cast your secret ballot. A secret ballot is final.")))
    return ALLOWED


# --- Statements and the shared vision -----------------------------------------------------------------------

def can_manage_statements(user, city: City) -> bool:
    """Seed statements, approve or reject citizens' statements, choose how they are moderated: facilitators,
    moderators and admins."""
    return has_role(user, city, Role.FACILITATOR, Role.MODERATOR, Role.ADMIN)


def can_vote_statement(user, statement, now: datetime | None = None) -> Decision:
    """Agree, disagree or pass on a published statement while a round enables statement votes, within the
    process's rules of who may vote."""
    from app.models import StatementState

    now = now or utcnow()
    if statement.state != StatementState.PUBLISHED:
        return Decision(False, str(_l("This statement is not open for votes.")))
    process = db.session.get(Process, statement.process_id)
    gate = phase_allows(process, PhaseAction.STATEMENT_VOTE, now)
    if not gate:
        return gate
    return may_vote_in(user, process, now)


def can_vote_on_statements(user, process: Process, now: datetime | None = None) -> Decision:
    """Whether the person may vote on the statements of a process now (a round enables statement votes and they
    may vote in the process): the statements page shows one statement at a time when this allows."""
    now = now or utcnow()
    gate = phase_allows(process, PhaseAction.STATEMENT_VOTE, now)
    if not gate:
        return gate
    return may_vote_in(user, process, now)


def can_add_statement(user, process: Process, now: datetime | None = None) -> Decision:
    """Citizens add their own statements while statement votes are open, unless the process keeps statements
    to its facilitators (who seed them from the management page at any time)."""
    now = now or utcnow()
    if not process.citizen_statements:
        return Decision(False, str(_l("In this process, only the facilitators write statements.")))
    gate = phase_allows(process, PhaseAction.STATEMENT_VOTE, now)
    if not gate:
        return gate
    return may_vote_in(user, process, now)


def can_edit_vision(user, city: City) -> bool:
    """Generate, edit and publish the shared-vision summary: facilitators and admins."""
    return has_role(user, city, Role.FACILITATOR, Role.ADMIN)


def can_endorse_vision(user, summary) -> Decision:
    """Say whether a published vision reflects one's view: any member of the city who may take part."""
    from app.models import VisionState

    if summary.state != VisionState.PUBLISHED:
        return Decision(False, str(_l("Only a published vision can be endorsed.")))
    return _citizen_of(user, db.session.get(Process, summary.process_id).city)


# --- Practices, replication and partners (shared across cities) ---------------------------------------------

def can_export(user, city: City) -> bool:
    """Download a process's full outcomes (every dataset, every format): the city's facilitators, planners and
    admins. The open-data page is for everyone."""
    return has_role(user, city, Role.FACILITATOR, Role.PLANNER, Role.ADMIN)


def can_create_cities(user) -> bool:
    """Create a city and its first administrator: platform administrators only."""
    return is_platform_admin(user)


def can_publish_practice(user, city: City) -> bool:
    """Write, edit, publish and withdraw the city's practices: its planners and admins."""
    return has_role(user, city, Role.PLANNER, Role.ADMIN)


def can_edit_practice(user, practice) -> bool:
    return can_publish_practice(user, db.session.get(City, practice.city_id))


def can_replicate_practice(user, practice, city: City) -> Decision:
    """Turn a published practice of another city into a draft process of `city`: that city's planners,
    facilitators and admins."""
    from app.models import PracticeState

    if practice.state != PracticeState.PUBLISHED:
        return Decision(False, str(_l("Only a published practice can be replicated.")))
    if practice.city_id == city.id:
        return Decision(False, str(_l("This practice is already your city's own.")))
    if not has_role(user, city, Role.PLANNER, Role.FACILITATOR, Role.ADMIN):
        return Decision(False, str(_l("Only planners, facilitators and administrators of a city can replicate "
                                      "a practice there.")))
    return ALLOWED


def can_ask_about_practice(user, practice) -> Decision:
    """Ask the practice's city a question: any confirmed member of a city on this instance."""
    from app.models import PracticeState

    if practice.state != PracticeState.PUBLISHED:
        return Decision(False, str(_l("Only a published practice takes questions.")))
    if not _signed_in(user):
        return Decision(False, str(_l("Log in to take part.")))
    if not user.is_confirmed:
        return Decision(False, str(_l("Confirm your e-mail address to take part.")))
    if db.session.scalar(select(Membership.id).where(Membership.user_id == user.id).limit(1)) is None:
        return Decision(False, str(_l("Join a city to ask other cities about their practices.")))
    return ALLOWED


def can_answer_practice_question(user, practice) -> bool:
    """The practice's contact, and its city's planners and admins."""
    return (_signed_in(user) and practice.contact_user_id == user.id) or can_edit_practice(user, practice)


def can_manage_organization(user, organization) -> bool:
    """Edit an organization and its members: its representatives, and platform administrators."""
    from app.models import OrganizationMember, OrganizationRole

    if is_platform_admin(user):
        return True
    if not _signed_in(user):
        return False
    member = db.session.get(OrganizationMember, (organization.id, user.id))
    return member is not None and member.role == OrganizationRole.REPRESENTATIVE


def can_verify_organization(user, organization) -> bool:
    """Verify an organization: the admins of its city, or platform administrators for one without a city."""
    if is_platform_admin(user):
        return True
    if organization.city_id is None:
        return False
    return has_role(user, db.session.get(City, organization.city_id), Role.ADMIN)


def can_register_organization(user) -> Decision:
    """Register a partner organization (and become its representative): anyone signed in and confirmed."""
    if not _signed_in(user):
        return Decision(False, str(_l("Log in to register an organization.")))
    if not user.is_confirmed:
        return Decision(False, str(_l("Confirm your e-mail address to register an organization.")))
    return ALLOWED
