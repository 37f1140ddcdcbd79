"""The city's official answers to proposals: a planner drafts an answer (a state and a written text, kept out
of sight until published) and publishes it; publishing sets the proposal's state, tells the author and the
proposal's followers, and may be repeated to revise the answer. Every draft and publication is audited, so the
audit log keeps each published version."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import permissions
from app.audit import diff, record
from app.extensions import db
from app.markdown import render_markdown
from app.methods.language import detect_language
from app.models import (
    AuditTarget,
    Membership,
    Notification,
    NotificationKind,
    Participant,
    Proposal,
    ProposalState,
    Support,
    User,
    utcnow,
)
from app.notifications import services as notifications
from app.permissions import Decision
from app.voting.supports import days_waiting

# What an answer may set the proposal to ("published" and "withdrawn" are the author's states, not answers).
ANSWER_STATES = (ProposalState.EVALUATING, ProposalState.ACCEPTED, ProposalState.REJECTED,
                 ProposalState.IMPLEMENTED)
MAX_ANSWER_LENGTH = 20_000


def may_answer(user, proposal: Proposal) -> Decision:
    """Planners and administrators of the proposal's city answer it, unless it was withdrawn or is hidden."""
    if not permissions.can_plan(user, proposal.process.city):
        return Decision(False, str(_l("Only planners and administrators of this city can answer proposals.")))
    if proposal.is_withdrawn:
        return Decision(False, str(_l("This proposal was withdrawn by its author: it cannot be answered.")))
    if proposal.is_hidden:
        return Decision(False, str(_l("This proposal is hidden by the moderators: it cannot be answered while "
                                      "it is hidden.")))
    return permissions.ALLOWED


@dataclass(frozen=True)
class AnswerData:
    state: str  # one of ANSWER_STATES
    text: str  # Markdown source

    def __post_init__(self):
        if self.state not in ANSWER_STATES:
            raise ValueError(f"not an answer state: {self.state!r}")


def _fields(proposal: Proposal) -> dict:
    return {"state": proposal.state, "answer": proposal.answer, "answered_at": proposal.answered_at,
            "answered_by_id": proposal.answered_by_id, "answer_draft": proposal.answer_draft,
            "answer_draft_state": proposal.answer_draft_state}


def save_draft(actor: User, proposal: Proposal, data: AnswerData) -> None:
    """Keep the answer as a draft: nothing public changes and nobody is told."""
    before = _fields(proposal)
    proposal.answer_draft = data.text.strip()
    proposal.answer_draft_state = data.state
    db.session.flush()
    changes = diff(before, _fields(proposal))
    if changes:
        record(actor, "proposal.answer_draft", AuditTarget.PROPOSAL, proposal.id,
               city_id=proposal.process.city_id, changes=changes)


def publish(actor: User, proposal: Proposal, data: AnswerData, now: datetime | None = None) -> bool:
    """Publish the answer (a first answer, or a revision of the published one): the proposal takes the answer's
    state, the draft is cleared, and the author and the followers hear of it once each (never the planner).
    False when that very answer is published already: a double submit, or two planners sending the same
    answer at once, publishes and tells people once (the row lock makes the second wait for the first)."""
    now = now or utcnow()
    _lock(proposal)
    before = _fields(proposal)
    if proposal.answer == data.text.strip() and proposal.state == data.state:
        _discard_draft(actor, proposal, before)
        return False
    revision = proposal.answer is not None
    proposal.state = data.state
    proposal.answer = data.text.strip()
    proposal.answered_at = now
    proposal.answered_by_id = actor.id
    proposal.answer_draft = None
    proposal.answer_draft_state = None
    db.session.flush()
    record(actor, "proposal.answer_revise" if revision else "proposal.answer_publish", AuditTarget.PROPOSAL,
           proposal.id, city_id=proposal.process.city_id, changes=diff(before, _fields(proposal)))
    notifications.notify(_recipients(proposal), actor.id, proposal, proposal.process.city_id)
    return True


def _lock(proposal: Proposal) -> None:
    """Wait for any other publication of this proposal to end (a row lock on PostgreSQL), then read the
    answer as it is now."""
    db.session.execute(select(Proposal.id).where(Proposal.id == proposal.id).with_for_update())
    db.session.refresh(proposal, list(_fields(proposal)))


def _discard_draft(actor: User, proposal: Proposal, before: dict) -> None:
    proposal.answer_draft = None
    proposal.answer_draft_state = None
    db.session.flush()
    changes = diff(before, _fields(proposal))
    if changes:
        record(actor, "proposal.answer_draft", AuditTarget.PROPOSAL, proposal.id,
               city_id=proposal.process.city_id, changes=changes)


def _recipients(proposal: Proposal) -> dict[int, NotificationKind]:
    """The author, the followers and the supporters (members whose participant supports it)."""
    people = notifications.followers(proposal)
    if proposal.author_id is not None:
        people.add(proposal.author_id)
    people.update(db.session.scalars(
        select(Membership.user_id).join(Participant, Participant.membership_id == Membership.id)
        .join(Support, Support.participant_id == Participant.id).where(Support.proposal_id == proposal.id)))
    return {user_id: NotificationKind.PROPOSAL_ANSWERED for user_id in sorted(people)}


def state_label(state: str) -> str:
    from app.proposals.routes import state_labels

    return state_labels().get(state, state)


def notification_state(note: Notification, target) -> str:
    """The state a proposal-answered notification names (the proposal's state now), in words."""
    if note.kind != NotificationKind.PROPOSAL_ANSWERED or not isinstance(target, Proposal):
        return ""
    return state_label(target.state)


# What the pages show ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AnswerView:
    """The proposal page's "city's answer" section: the published answer, or how long it has been owed, and
    the planner's way to the answer page."""

    published: bool
    state: str
    html: str  # the published answer, rendered and sanitized
    language: str  # the language it is written in, for screen readers
    answered_at: datetime | None
    answered_by: str | None  # the planner's name
    due_since: datetime | None  # while an answer is owed and missing
    days_waiting: int | None
    draft_saved: bool
    may_answer: Decision

    @property
    def shown(self) -> bool:
        return self.published or self.due_since is not None or bool(self.may_answer)


def answer_view(user, proposal: Proposal, now: datetime | None = None) -> AnswerView:
    published = proposal.answer is not None
    answered_by = None
    if published and proposal.answered_by_id is not None:
        answered_by = db.session.scalar(select(User.name).where(User.id == proposal.answered_by_id))
    owed = (not published and proposal.answer_due_since is not None and not proposal.is_withdrawn)
    city = proposal.process.city
    return AnswerView(
        published=published, state=proposal.state, html=render_markdown(proposal.answer) if published else "",
        language=detect_language(proposal.answer) if published else "",
        answered_at=proposal.answered_at, answered_by=answered_by,
        due_since=proposal.answer_due_since if owed else None,
        days_waiting=days_waiting(proposal.answer_due_since, now or utcnow(), city.time_zone) if owed else None,
        draft_saved=proposal.answer_draft is not None, may_answer=may_answer(user, proposal),
    )


def link(actor: User, proposal: Proposal, plan_item_ids: list[int], target_codes: list[str]) -> None:
    """A planner ties the proposal to plan items of the city's plans and to SDG targets (replacing the links it
    had). Items of another city are refused (ValueError); audited."""
    from app.models import Plan, PlanItem, SdgTarget

    items = list(db.session.scalars(select(PlanItem).join(Plan, Plan.id == PlanItem.plan_id).where(
        PlanItem.id.in_(plan_item_ids), Plan.city_id == proposal.process.city_id))) if plan_item_ids else []
    targets = list(db.session.scalars(select(SdgTarget).where(SdgTarget.code.in_(target_codes)))) \
        if target_codes else []
    if len(items) != len(set(plan_item_ids)) or len(targets) != len(set(target_codes)):
        raise ValueError("a plan item or target that does not belong here")
    before = {"plan_items": sorted(i.id for i in proposal.plan_items),
              "sdg_targets": sorted(t.code for t in proposal.sdg_targets)}
    proposal.plan_items = items
    proposal.sdg_targets = targets
    db.session.flush()
    after = {"plan_items": sorted(i.id for i in items), "sdg_targets": sorted(t.code for t in targets)}
    changes = diff(before, after)
    if changes:
        record(actor, "proposal.link", AuditTarget.PROPOSAL, proposal.id, city_id=proposal.process.city_id,
               changes=changes)
