"""Participatory budgets: settings, feasibility review, ballots (open or secret), outcomes by the rule the city
chose, certification, and the anonymised ballots as a Pabulib `.pb` file anyone can recount."""
from __future__ import annotations

import hashlib
import time
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from app.audit import diff, record
from app.extensions import db
from app.methods import pb as pb_rules
from app.models import (
    AuditTarget,
    BallotStyle,
    Budget,
    BudgetBallot,
    BudgetBallotItem,
    BudgetOutcome,
    BudgetRollEntry,
    Membership,
    OutcomeRule,
    Participant,
    PhaseAction,
    Process,
    Proposal,
    ProposalState,
    User,
    utcnow,
)
from app.voting.services import participant_for, roll_time


class BallotsExist(Exception):
    """The ballot's rules cannot change once someone has voted."""


class AlreadyCertified(Exception):
    pass


class VoteStillOpen(Exception):
    """The outcome is certified only after the last budget-vote round has ended."""


class SecretBallotFinal(Exception):
    pass


class InvalidBallot(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


class RecountDiffers(Exception):
    def __init__(self, certified: list[int], recount: list[int]):
        super().__init__("recount differs from the certified outcome")
        self.certified = certified
        self.recount = recount


@dataclass(frozen=True)
class BudgetSettings:
    amount: Decimal
    currency: str
    ballot_style: str
    min_projects: int | None
    max_projects: int | None
    min_share: Decimal | None
    points_total: int | None
    points_max: int | None
    rule: str
    secret: bool


# What cannot change once a ballot is cast: the ballot was filled under these rules.
BALLOT_RULES = ("amount", "ballot_style", "min_projects", "max_projects", "min_share", "points_total",
                "points_max", "secret")


def _settings_of(budget: Budget | None) -> dict:
    if budget is None:
        return {}
    return {f.name: getattr(budget, f.name) for f in fields(BudgetSettings)}


def normalised(settings: BudgetSettings) -> BudgetSettings:
    """The settings as stored: amounts to the cent, and only the limits the ballot style uses (points for
    points ballots, a least share for knapsack ballots), so that comparing them sees only real changes."""
    from dataclasses import replace

    cumulative = settings.ballot_style == BallotStyle.CUMULATIVE
    return replace(
        settings, amount=Decimal(settings.amount).quantize(Decimal("0.01")),
        points_total=settings.points_total if cumulative else None,
        points_max=settings.points_max if cumulative else None,
        min_share=Decimal(settings.min_share).quantize(Decimal("0.0001"))
        if settings.min_share is not None and settings.ballot_style == BallotStyle.KNAPSACK else None,
    )


def ballot_count(process: Process) -> int:
    return db.session.scalar(select(func.count()).select_from(BudgetBallot).where(BudgetBallot.process_id == process.id))


def configure_budget(actor: User, process: Process, settings: BudgetSettings) -> Budget:
    """Create or change a process's budget. The ballot's rules are fixed once a ballot exists; the outcome rule
    can change until the outcome is certified."""
    settings = normalised(settings)
    budget = process.budget
    before = _settings_of(budget)
    if db.session.get(BudgetOutcome, process.id) is not None:
        raise AlreadyCertified()
    if budget is not None and ballot_count(process):
        changed = [name for name in BALLOT_RULES if before[name] != getattr(settings, name)]
        if changed:
            raise BallotsExist(changed)
    if budget is None:
        budget = Budget(process_id=process.id)
        process.budget = budget
    for f in fields(BudgetSettings):
        setattr(budget, f.name, getattr(settings, f.name))
    db.session.flush()
    changes = diff(before, _settings_of(budget))
    if changes:
        record(actor, "budget.configure" if before else "budget.create", AuditTarget.BUDGET, process.id,
               city_id=process.city_id, changes=changes)
    return budget


def review_feasibility(actor: User, proposal: Proposal, feasible: bool, reason: str, cost: Decimal | None) -> None:
    """A planner's review: feasible projects (with a cost) go on the ballot; an infeasible one says why. Once a
    ballot is cast, what is on the ballot and what it costs are fixed (BallotsExist): a ballot filled under
    the budget must stay valid, and count as it was cast."""
    if ballot_count(proposal.process):
        raise BallotsExist(["feasible", "cost"])
    before = {"feasible": proposal.feasible, "reason": proposal.feasibility_reason, "cost": proposal.cost}
    proposal.feasible = feasible
    proposal.feasibility_reason = reason.strip() or None
    if cost is not None:
        proposal.cost = cost
    proposal.feasibility_reviewed_at = utcnow()
    proposal.feasibility_reviewed_by_id = actor.id
    db.session.flush()
    changes = diff(before, {"feasible": proposal.feasible, "reason": proposal.feasibility_reason,
                            "cost": proposal.cost})
    if changes:
        record(actor, "proposal.feasibility", AuditTarget.PROPOSAL, proposal.id, city_id=proposal.process.city_id,
               changes=changes)


def _on_ballot():
    return (Proposal.feasible.is_(True), Proposal.cost.is_not(None), Proposal.state != ProposalState.WITHDRAWN,
            Proposal.hidden_at.is_(None))


def ballot_projects(process: Process) -> list[Proposal]:
    """The projects on the ballot: reviewed feasible, with a cost, not withdrawn or hidden; in id order."""
    return list(db.session.scalars(
        select(Proposal).where(Proposal.process_id == process.id, *_on_ballot()).order_by(Proposal.id)
    ))


def review_queue(process: Process) -> list[Proposal]:
    """Every proposal of the process that could be a project, reviewed or not (unreviewed first)."""
    return list(db.session.scalars(
        select(Proposal).where(Proposal.process_id == process.id, Proposal.state != ProposalState.WITHDRAWN,
                               Proposal.hidden_at.is_(None))
        .order_by(Proposal.feasibility_reviewed_at.is_not(None), Proposal.id)
    ))


def ballot_problems(budget: Budget, projects: dict[int, Proposal], selection: dict[int, int]) -> list[str]:
    """What is wrong with a ballot (empty when it is valid), in words for the voter. `selection` maps a
    project's proposal id to its points (1 for approval and knapsack ballots)."""
    problems = []
    unknown = [pid for pid in selection if pid not in projects]
    if unknown:
        problems.append(_("The ballot names a project that is not on this ballot."))
        return problems
    chosen = [pid for pid, points in selection.items() if points > 0]
    if not chosen:
        return [_("Choose at least one project.")]
    if budget.min_projects is not None and len(chosen) < budget.min_projects:
        problems.append(ngettext("Choose at least %(num)d project.", "Choose at least %(num)d projects.",
                                 budget.min_projects))
    if budget.max_projects is not None and len(chosen) > budget.max_projects:
        problems.append(ngettext("Choose at most %(num)d project.", "Choose at most %(num)d projects.",
                                 budget.max_projects))
    if budget.ballot_style == BallotStyle.KNAPSACK:
        total = sum((projects[pid].cost for pid in chosen), Decimal(0))
        if total > budget.amount:
            problems.append(_("The projects you chose cost %(total)s together, more than the budget of "
                              "%(budget)s.", total=_money(total, budget), budget=_money(budget.amount, budget)))
        if budget.min_share is not None and total < budget.amount * budget.min_share:
            problems.append(_("Choose projects worth at least %(least)s together (you chose %(total)s).",
                              least=_money(budget.amount * budget.min_share, budget), total=_money(total, budget)))
    if budget.ballot_style == BallotStyle.CUMULATIVE:
        spent = sum(selection[pid] for pid in chosen)
        if spent > budget.points_total:
            problems.append(_("You gave %(spent)d points; you have %(total)d.", spent=spent,
                              total=budget.points_total))
        if budget.points_max is not None and any(selection[pid] > budget.points_max for pid in chosen):
            problems.append(_("Give at most %(num)d points to one project.", num=budget.points_max))
    elif any(points != 1 for points in selection.values() if points > 0):
        problems.append(_("The ballot names a project that is not on this ballot."))
    return problems


def _money(amount: Decimal, budget: Budget) -> str:
    from app.templating import money

    return money(amount, budget.currency)


def my_selection(process: Process, membership: Membership | None) -> dict[int, int] | None:
    """The member's open ballot (proposal id → points), or None. Secret ballots cannot be read back."""
    if membership is None:
        return None
    rows = db.session.execute(
        select(BudgetBallotItem.proposal_id, BudgetBallotItem.points)
        .join(BudgetBallot, BudgetBallot.id == BudgetBallotItem.ballot_id)
        .join(Participant, Participant.id == BudgetBallot.participant_id)
        .where(BudgetBallot.process_id == process.id, Participant.membership_id == membership.id)
    ).all()
    if not rows:
        return None
    return {proposal_id: points for proposal_id, points in rows}


def has_voted(process: Process, membership: Membership | None) -> bool:
    if membership is None:
        return False
    participant = db.session.scalar(select(Participant.id).where(Participant.membership_id == membership.id))
    if participant is None:
        return False
    if db.session.get(BudgetRollEntry, (process.id, participant)) is not None:
        return True
    return db.session.scalar(select(BudgetBallot.id).where(BudgetBallot.process_id == process.id,
                                                           BudgetBallot.participant_id == participant)) is not None


def cast_ballot(membership: Membership, process: Process, selection: dict[int, int]) -> None:
    """Record the member's ballot, or replace their open ballot. Checked again here against the ballot's rules.
    One ballot per participant: the participant's row is locked (PostgreSQL) so that concurrent submits by one
    person run one after the other, and the unique constraint settles anything else. A secret ballot writes
    the roll entry (who) and the ballot (what, unlinked) in one transaction, and only once."""
    budget = process.budget
    projects = {p.id: p for p in ballot_projects(process)}
    problems = ballot_problems(budget, projects, selection)
    if problems:
        raise InvalidBallot(problems)
    participant = participant_for(membership)
    db.session.execute(select(Participant.id).where(Participant.id == participant.id).with_for_update())
    rows = [{"proposal_id": pid, "points": points} for pid, points in sorted(selection.items()) if points > 0]
    if budget.secret:
        try:
            with db.session.begin_nested():
                db.session.add(BudgetRollEntry(process_id=process.id, participant_id=participant.id,
                                               voted_at=roll_time()))
        except IntegrityError:
            raise SecretBallotFinal() from None
        ballot = BudgetBallot(process_id=process.id, participant_id=None, updated_at=None)
        db.session.add(ballot)
        db.session.flush()
    else:
        ballot = db.session.scalar(select(BudgetBallot).where(BudgetBallot.process_id == process.id,
                                                              BudgetBallot.participant_id == participant.id))
        if ballot is None:
            try:
                with db.session.begin_nested():
                    ballot = BudgetBallot(process_id=process.id, participant_id=participant.id, updated_at=utcnow())
                    db.session.add(ballot)
            except IntegrityError:
                ballot = db.session.scalar(select(BudgetBallot).where(
                    BudgetBallot.process_id == process.id, BudgetBallot.participant_id == participant.id))
        ballot.updated_at = utcnow()
        db.session.execute(delete(BudgetBallotItem).where(BudgetBallotItem.ballot_id == ballot.id))
    db.session.execute(insert(BudgetBallotItem), [{"ballot_id": ballot.id, **row} for row in rows])
    db.session.flush()
    db.session.expire(ballot, ["items"])


# --- Counting -----------------------------------------------------------------------------------------------

KINDS = {BallotStyle.APPROVAL: "approval", BallotStyle.KNAPSACK: "approval", BallotStyle.CUMULATIVE: "cumulative",
         BallotStyle.ORDINAL: "ordinal"}


@dataclass
class Count:
    """The ballots of a process as a PB instance, with the projects behind its indices."""

    instance: pb_rules.PBInstance
    projects: list[Proposal]
    ballots: int
    digest: str


def _ballot_rows(process: Process) -> dict[str, list[tuple[int, int, int | None]]]:
    ballots: dict[str, list] = {bid: [] for bid in db.session.scalars(
        select(BudgetBallot.id).where(BudgetBallot.process_id == process.id))}
    for ballot_id, proposal_id, points, rank in db.session.execute(
        select(BudgetBallotItem.ballot_id, BudgetBallotItem.proposal_id, BudgetBallotItem.points,
               BudgetBallotItem.rank)
        .join(BudgetBallot, BudgetBallot.id == BudgetBallotItem.ballot_id)
        .where(BudgetBallot.process_id == process.id)
    ):
        ballots[ballot_id].append((proposal_id, points, rank))
    return ballots


def count(process: Process) -> Count:
    budget = process.budget
    projects = ballot_projects(process)
    index = {p.id: i for i, p in enumerate(projects)}
    kind = KINDS[BallotStyle(budget.ballot_style)]
    ballots = []
    for ballot_id in sorted(rows := _ballot_rows(process)):
        items = [(pid, points, rank) for pid, points, rank in rows[ballot_id] if pid in index]
        if kind == "ordinal":
            ballots.append([index[pid] for pid, _points, rank in sorted(items, key=lambda t: (t[2] or 0, t[0]))])
        else:
            ballots.append({index[pid]: points for pid, points, _rank in items})
    canonical = sorted(  # each ballot as text (ordinal: the ranking in order), independent of ballot ids
        ",".join(str(projects[i].id) for i in b) if isinstance(b, list)
        else ",".join(f"{projects[i].id}:{v}" for i, v in sorted(b.items()))
        for b in ballots
    )
    digest = hashlib.sha256("\n".join(canonical).encode()).hexdigest()
    instance = pb_rules.PBInstance.create(budget.amount, [p.cost for p in projects], ballots, kind,
                                          [project_key(p) for p in projects])
    return Count(instance=instance, projects=projects, ballots=len(ballots), digest=digest)


def project_key(proposal: Proposal) -> str:
    """The project's id in `.pb` files: its id on the platform it came from, else Madang's."""
    return proposal.external_id or str(proposal.id)


@dataclass
class Outcome:
    rule: str
    result: "pb_rules.PBOutcome"
    count: Count
    seconds: float

    @property
    def winners(self) -> list[Proposal]:
        return [self.count.projects[i] for i in self.result.winners]

    @property
    def winner_ids(self) -> list[int]:
        return [p.id for p in self.winners]


# Outcomes already computed in this process, by (process, rule, budget, costs, ballots digest): the results
# page counts two rules on every view, and large votes take a second each. The key holds everything the
# outcome depends on, so an entry never goes stale; the oldest entries are dropped.
_OUTCOMES: "OrderedDict[tuple, pb_rules.PBOutcome]" = OrderedDict()
_OUTCOMES_KEPT = 32


def compute(process: Process, rule: str | None = None, counted: Count | None = None) -> Outcome:
    rule = rule or process.budget.rule
    counted = counted or count(process)
    key = (process.id, rule, counted.instance.budget, counted.instance.costs, counted.instance.project_ids,
           counted.digest)
    started = time.perf_counter()
    result = _OUTCOMES.get(key)
    if result is None:
        result = pb_rules.compute(rule, counted.instance)
        _OUTCOMES[key] = result
        while len(_OUTCOMES) > _OUTCOMES_KEPT:
            _OUTCOMES.popitem(last=False)
    return Outcome(rule=rule, result=result, count=counted, seconds=time.perf_counter() - started)


def voting_over(process: Process, now: datetime | None = None) -> bool:
    """No budget-vote round is open or still to come (and there was one)."""
    now = now or utcnow()
    rounds = [p for p in process.phases if p.enables(PhaseAction.BUDGET_VOTE)]
    return bool(rounds) and all(p.ends_at <= now for p in rounds)


def certified_outcome(process: Process) -> BudgetOutcome | None:
    return db.session.get(BudgetOutcome, process.id)


def certify(actor: User, process: Process) -> BudgetOutcome:
    """Freeze the outcome: the winners, and the anonymised ballots as published (a .pb file). Two certifications
    at once end in one (the primary key decides; the other gets AlreadyCertified)."""
    from app.voting.pabulib_io import process_to_pb

    if certified_outcome(process) is not None:
        raise AlreadyCertified()
    if not voting_over(process):
        raise VoteStillOpen()
    outcome = compute(process)
    total = Fraction(outcome.result.total_cost)
    certified = BudgetOutcome(
        process_id=process.id, rule=outcome.rule, winner_ids=outcome.winner_ids,
        total_cost=Decimal(total.numerator) / Decimal(total.denominator),
        ballots_counted=outcome.count.ballots, ballots_digest=outcome.count.digest, certified_by_id=actor.id,
        ballots_pb=process_to_pb(process, selected=set(outcome.winner_ids), rule=outcome.rule),
    )
    try:
        with db.session.begin_nested():
            db.session.add(certified)
    except IntegrityError:
        raise AlreadyCertified() from None
    record(actor, "budget.certify", AuditTarget.BUDGET, process.id, city_id=process.city_id,
           changes={"rule": [None, outcome.rule], "winners": [None, outcome.winner_ids],
                    "ballots": [None, outcome.count.ballots]})
    return certified


def recount(actor: User, process: Process) -> Outcome:
    """Count again by the certified rule. A recount that differs from the certified outcome changes nothing: it
    is refused, and reported in the audit log."""
    certified = certified_outcome(process)
    outcome = compute(process, certified.rule)
    if outcome.winner_ids != list(certified.winner_ids) or outcome.count.digest != certified.ballots_digest:
        record(actor, "budget.recount_differs", AuditTarget.BUDGET, process.id, city_id=process.city_id,
               changes={"winners": [list(certified.winner_ids), outcome.winner_ids],
                        "ballots": [certified.ballots_counted, outcome.count.ballots]})
        raise RecountDiffers(list(certified.winner_ids), outcome.winner_ids)
    record(actor, "budget.recount", AuditTarget.BUDGET, process.id, city_id=process.city_id, changes={})
    return outcome


def share_with_funded(outcome: Outcome) -> float:
    """The share of voters with at least one funded project on their ballot."""
    if not outcome.count.ballots:
        return 0.0
    return outcome.result.voters_with_funded / outcome.count.ballots


def supporter_counts(counted: Count) -> list[int]:
    supporters = defaultdict(int)
    for ballot in counted.instance.ballots:
        for i in (ballot if isinstance(ballot, list) else ballot.keys()):
            supporters[i] += 1
    return [supporters[i] for i in range(len(counted.projects))]
