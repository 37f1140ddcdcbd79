"""Proposal use cases and queries."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.markdown import render_markdown
from app.methods.language import detect_language
from app.notifications import services as notifications
from app.models import (
    District,
    PlanItem,
    Process,
    Proposal,
    ProposalState,
    SdgGoal,
    SdgTarget,
    User,
    proposal_targets,
    utcnow,
)


class InvalidReference(Exception):
    """A district, target or plan item that does not belong here."""


@dataclass(frozen=True)
class ProposalData:
    title: str
    body: str
    district_id: int | None
    sdg_target_codes: tuple[str, ...]
    plan_item_ids: tuple[int, ...]
    cost: Decimal | None
    # The organization co-authoring it: one the author is a member of (or the one it already had).
    organization_id: int | None = None


def sdg_goals() -> list[SdgGoal]:
    """The SDG goals with their targets, in order: what a proposal may be linked to."""
    return list(db.session.scalars(select(SdgGoal).options(selectinload(SdgGoal.targets)).order_by(SdgGoal.number)))


def organizations_for(author: User, proposal: Proposal | None = None) -> list:
    """The organizations ``author`` may write a proposal on behalf of: those they are a member of, plus the
    proposal's own, kept even if the author has left it since."""
    from app.practices.organization_services import organizations_of

    organizations = organizations_of(author)
    if proposal is not None and proposal.organization is not None and proposal.organization not in organizations:
        organizations.append(proposal.organization)
    return organizations


def search_key(text: str) -> str:
    """The form both stored text and queries take: NFC-normalised and case-folded."""
    return unicodedata.normalize("NFC", text).casefold()


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _resolve(process: Process, data: ProposalData) -> tuple[District | None, list[SdgTarget], list[PlanItem]]:
    district = None
    if data.district_id:
        district = db.session.get(District, data.district_id)
        if district is None or district.city_id != process.city_id:
            raise InvalidReference("district")
    targets = []
    if data.sdg_target_codes:
        targets = list(db.session.scalars(select(SdgTarget).where(SdgTarget.code.in_(data.sdg_target_codes))))
        if len(targets) != len(set(data.sdg_target_codes)):
            raise InvalidReference("sdg_targets")
    items = []
    if data.plan_item_ids:
        if process.plan_id is None:
            raise InvalidReference("plan_items")
        items = list(db.session.scalars(
            select(PlanItem).where(PlanItem.id.in_(data.plan_item_ids), PlanItem.plan_id == process.plan_id)
        ))
        if len(items) != len(set(data.plan_item_ids)):
            raise InvalidReference("plan_items")
    return district, targets, items


def _check_organization(proposal: Proposal, author_id: int | None, organization_id: int | None) -> None:
    """Only an organization the author is a member of can co-author; one it already had may stay."""
    if organization_id is None or organization_id == proposal.organization_id:
        return
    from app.models import OrganizationMember

    if author_id is None or db.session.get(OrganizationMember, (organization_id, author_id)) is None:
        raise InvalidReference("organization")


def _apply(proposal: Proposal, process: Process, data: ProposalData) -> None:
    district, targets, items = _resolve(process, data)
    _check_organization(proposal, proposal.author_id, data.organization_id)
    proposal.organization_id = data.organization_id
    proposal.title = _nfc(data.title.strip())
    proposal.body = _nfc(data.body.strip())
    proposal.body_html = render_markdown(proposal.body)
    proposal.language = detect_language(proposal.title + "\n" + proposal.body)
    proposal.search_text = search_key(proposal.title + "\n" + proposal.body)
    proposal.district = district
    proposal.sdg_targets = targets
    proposal.plan_items = items
    proposal.cost = data.cost


def create_proposal(author: User, process: Process, data: ProposalData) -> Proposal:
    proposal = Proposal(process=process, author_id=author.id, state=ProposalState.PUBLISHED)
    _apply(proposal, process, data)
    db.session.add(proposal)
    db.session.flush()
    notifications.follow(author, proposal)  # authors follow their own proposals
    return proposal


def update_proposal(proposal: Proposal, data: ProposalData) -> None:
    _apply(proposal, proposal.process, data)
    proposal.edited_at = utcnow()
    db.session.flush()
    notifications.target_changed(proposal, proposal.author_id, proposal.process.city_id)


def withdraw_proposal(proposal: Proposal, reason: str) -> None:
    proposal.state = ProposalState.WITHDRAWN
    proposal.withdrawn_at = utcnow()
    proposal.withdraw_reason = reason.strip()
    db.session.flush()
    notifications.target_changed(proposal, proposal.author_id, proposal.process.city_id)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class ProposalFilters:
    include_hidden: bool = False  # moderators see hidden proposals, marked
    blocked_authors: frozenset[int] = frozenset()
    q: str = ""
    goal: int | None = None
    district_id: int | None = None
    state: str | None = None
    sort: str = "newest"


def proposals_query(process: Process, filters: ProposalFilters) -> Select:
    """The list's query; the view paginates it. Related rows are loaded in a fixed number of queries."""
    query = (
        select(Proposal)
        .where(Proposal.process_id == process.id)
        # Links load after the page is chosen (selectin), so a deep OFFSET never drags joins along.
        .options(
            selectinload(Proposal.author),
            selectinload(Proposal.district),
            selectinload(Proposal.sdg_targets).joinedload(SdgTarget.goal),
        )
    )
    if not filters.include_hidden:
        query = query.where(Proposal.hidden_at.is_(None))
        if filters.blocked_authors:
            query = query.where(Proposal.author_id.not_in(filters.blocked_authors))
    if filters.q:
        query = query.where(Proposal.search_text.like(f"%{_escape_like(search_key(filters.q))}%", escape="\\"))
    if filters.goal:
        query = query.where(
            exists().where(
                proposal_targets.c.proposal_id == Proposal.id,
                proposal_targets.c.sdg_target_code == SdgTarget.code,
                SdgTarget.goal_number == filters.goal,
            )
        )
    if filters.district_id:
        query = query.where(Proposal.district_id == filters.district_id)
    if filters.state:
        query = query.where(Proposal.state == filters.state)
    if filters.sort == "oldest":
        return query.order_by(Proposal.created_at.asc(), Proposal.id.asc())
    if filters.sort == "supports":  # read from the index (process_id, support_count, id)
        return query.order_by(Proposal.support_count.desc(), Proposal.id.desc())
    return query.order_by(Proposal.created_at.desc(), Proposal.id.desc())
