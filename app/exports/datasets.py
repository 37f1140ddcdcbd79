"""The datasets of a process: what a planner downloads and what the open-data page publishes.

Each dataset has a name, a title, typed columns and a generator of rows read from the database in batches
(`yield_per`: a server-side cursor on PostgreSQL), so an export of a million votes never holds them all. The
same dataset serves two audiences:

- a process's staff (`public=False`): proposals' authors by the name the pages show them by (comments' authors
  and voters by the city's pseudonym, as in open data: the pages never show who voted what), hidden content
  included and marked as such (columns marked `staff_only`);
- the open-data page (`public=True`): people only by the city's pseudonym (`City.pseudonym`: an HMAC of the
  account under the city's secret salt; an imported or anonymous voter gets one from its participant row), and
  nothing the public pages do not show (hidden, rejected or blocked members' content, results not yet public).

`summary()` is the cheap side: how many rows and when the data last changed, from aggregate queries; the open
data page lists it and builds its ETag from it."""
from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, literal, or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import (
    City,
    Comment,
    Debate,
    Membership,
    OpinionMap,
    Participant,
    Poll,
    PollBallot,
    Process,
    Proposal,
    Statement,
    StatementState,
    StatementVote,
    Support,
    User,
    VisionState,
    VisionSummary,
    proposal_targets,
)
from app.models.proposals import proposal_plan_items
from app.models.voting import BudgetBallot, BudgetOutcome

BATCH = 2_000  # rows fetched at a time
VOTE_VALUES = {1: "agree", -1: "disagree", 0: "pass"}


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # integer, number, string, boolean, datetime
    description: object  # a lazy string
    staff_only: bool = False  # left out of open data


@dataclass
class Export:
    """One process's data for one audience; `names` caches what each person is called in this export."""

    process: Process
    city: City
    public: bool
    viewer: object = None  # the signed-in user of a staff export (poll results follow their permissions)
    _pseudonyms: dict = field(default_factory=dict)

    def person(self, user_id: int | None, name: str | None) -> str | None:
        """An author as this audience may know them: the name the pages show, or the city's pseudonym."""
        if user_id is None:
            return None if self.public else _("deleted user")
        return self.pseudonym(user_id) if self.public else name

    def pseudonym(self, user_id: int) -> str:
        known = self._pseudonyms.get(user_id)
        if known is None:
            known = self._pseudonyms[user_id] = self.city.pseudonym(user_id)
        return known

    def commenter(self, user_id: int | None) -> str | None:
        """A comment's author, for every audience by the city's pseudonym: the issue of exports is what was
        said and how the thread went, not who; a planner who needs the person finds them on the page."""
        return None if user_id is None else self.pseudonym(user_id)

    def voter(self, participant_id: int, user_id: int | None, name: str | None) -> str:
        """A voter, for every audience by a pseudonym (the pages never show who voted what): a member by the
        city's pseudonym of their account; an imported voter, or the anonymous participant a deleted account
        left, by a pseudonym of the participant row under the same salt."""
        if user_id is not None:
            return self.pseudonym(user_id)
        key = ("participant", participant_id)
        known = self._pseudonyms.get(key)
        if known is None:
            digest = hmac.new(self.city.pseudonym_salt.encode(), f"participant:{participant_id}".encode(),
                              hashlib.sha256).hexdigest()
            known = self._pseudonyms[key] = f"p-{digest[:12]}"
        return known


@dataclass(frozen=True)
class Summary:
    rows: int
    changed_at: datetime | None
    token: str  # the rest of the fingerprint (sums, counts of links…): changes whenever the content does


@dataclass(frozen=True)
class Dataset:
    name: str
    title: object
    description: object
    columns: tuple[Column, ...]
    rows: Callable[[Export], Iterator[tuple]]
    summary: Callable[[Export], Summary | None]  # None: nothing to publish for this process and audience

    def columns_for(self, public: bool) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if not (public and c.staff_only))

    def rows_for(self, export: Export) -> Iterator[tuple]:
        """The rows with the columns of the audience only."""
        keep = [i for i, c in enumerate(self.columns) if not (export.public and c.staff_only)]
        if len(keep) == len(self.columns):
            yield from self.rows(export)
            return
        for row in self.rows(export):
            yield tuple(row[i] for i in keep)


def _newest(*moments) -> datetime | None:
    present = [m for m in moments if m is not None]
    return max(present) if present else None


def _token(*values) -> str:
    return "|".join("" if v is None else str(v) for v in values)


def _streamed(query):
    """Rows of ORM entities, fetched BATCH at a time."""
    return db.session.execute(query.execution_options(yield_per=BATCH))


def _streamed_columns(query):
    """Plain column values, fetched BATCH at a time, without the ORM's row loading (a third of the time of a
    million votes)."""
    return db.session.connection().execute(query.execution_options(yield_per=BATCH))


def _blocked_users(city: City):
    return select(Membership.user_id).where(Membership.city_id == city.id, Membership.blocked_at.is_not(None))


def _by_unblocked(column, export: Export):
    return or_(column.is_(None), column.not_in(_blocked_users(export.city)))


# Proposals ------------------------------------------------------------------------------------------------

def _proposal_filter(export: Export) -> list:
    conditions = [Proposal.process_id == export.process.id]
    if export.public:
        conditions += [Proposal.hidden_at.is_(None), _by_unblocked(Proposal.author_id, export)]
    return conditions


def _proposal_rows(export: Export) -> Iterator[tuple]:
    query = (select(Proposal, User.name).outerjoin(User, User.id == Proposal.author_id)
             .where(*_proposal_filter(export)).order_by(Proposal.id)
             .options(selectinload(Proposal.sdg_targets), selectinload(Proposal.plan_items),
                      selectinload(Proposal.district)))
    for proposal, name in _streamed(query):
        yield (proposal.id, proposal.title, export.person(proposal.author_id, name), proposal.state,
               proposal.support_count, "; ".join(t.code for t in proposal.sdg_targets),
               "; ".join(i.code for i in proposal.plan_items), proposal.cost,
               proposal.district.code if proposal.district else None, proposal.answer, proposal.answered_at,
               proposal.created_at, proposal.hidden_at is not None)


def _proposal_summary(export: Export) -> Summary:
    rows, created, edited, answered, withdrawn, hidden, supports, authors = db.session.execute(
        select(func.count(Proposal.id), func.max(Proposal.created_at), func.max(Proposal.edited_at),
               func.max(Proposal.answered_at), func.max(Proposal.withdrawn_at), func.max(Proposal.hidden_at),
               func.sum(Proposal.support_count), func.count(Proposal.author_id))
        .where(*_proposal_filter(export))).one()
    ids = select(Proposal.id).where(Proposal.process_id == export.process.id)
    targets = db.session.execute(select(func.count(), func.sum(func.length(proposal_targets.c.sdg_target_code)))
                                 .where(proposal_targets.c.proposal_id.in_(ids))).one()
    items = db.session.execute(select(func.count(), func.sum(proposal_plan_items.c.plan_item_id))
                               .where(proposal_plan_items.c.proposal_id.in_(ids))).one()
    return Summary(rows, _newest(created, edited, answered, withdrawn, hidden),
                   _token(supports, authors, hidden, *targets, *items))


PROPOSALS = Dataset(
    "proposals", _l("Proposals"),
    _l("Every proposal of the process with its supports, SDG targets, plan items and the city's answer."),
    (Column("id", "integer", _l("The proposal's number.")),
     Column("title", "string", _l("Its title.")),
     Column("author", "string", _l("Who wrote it (in open data, the city's pseudonym of the author).")),
     Column("state", "string", _l("published, evaluating, accepted, rejected, implemented or withdrawn.")),
     Column("supports", "integer", _l("How many people support it.")),
     Column("sdg_targets", "string", _l("The SDG targets it works on, separated by semicolons.")),
     Column("plan_items", "string", _l("The codes of the plan items it informs, separated by semicolons.")),
     Column("cost", "number", _l("Its estimated cost, in the budget's currency.")),
     Column("district", "string", _l("The code of the district it concerns.")),
     Column("answer", "string", _l("The city's official answer.")),
     Column("answered_at", "datetime", _l("When the city answered (UTC).")),
     Column("created_at", "datetime", _l("When it was submitted (UTC).")),
     Column("hidden", "boolean", _l("Hidden by a moderator."), staff_only=True)),
    _proposal_rows, _proposal_summary,
)


# Comments -------------------------------------------------------------------------------------------------

def _comment_filter(export: Export) -> list:
    process_id = export.process.id
    proposals = select(Proposal.id).where(Proposal.process_id == process_id)
    debates = select(Debate.id).where(Debate.process_id == process_id)
    conditions = [or_(Comment.proposal_id.in_(proposals), Comment.debate_id.in_(debates))]
    if export.public:
        shown_proposals = proposals.where(Proposal.hidden_at.is_(None), _by_unblocked(Proposal.author_id, export))
        shown_debates = debates.where(Debate.hidden_at.is_(None))
        conditions = [or_(Comment.proposal_id.in_(shown_proposals), Comment.debate_id.in_(shown_debates)),
                      Comment.hidden_at.is_(None), _by_unblocked(Comment.author_id, export)]
    return conditions


def _comment_rows(export: Export) -> Iterator[tuple]:
    query = (select(Comment.id, Comment.proposal_id, Comment.debate_id, Comment.parent_id, Comment.author_id,
                    User.name, Comment.stance, Comment.body, Comment.up_votes, Comment.down_votes,
                    Comment.created_at, Comment.deleted_at, Comment.hidden_at)
             .outerjoin(User, User.id == Comment.author_id).where(*_comment_filter(export)).order_by(Comment.id))
    for (ident, proposal_id, debate_id, parent_id, author_id, name, stance, body, up, down, created, deleted,
         hidden) in _streamed_columns(query):
        if deleted is not None:  # the author deleted it: the thread keeps its place, nothing of its text or author
            author, body = None if export.public else _("deleted"), ""
        else:
            author = export.commenter(author_id)
        yield (ident, "proposal" if proposal_id is not None else "debate", proposal_id or debate_id, parent_id,
               author, stance, body, up, down, created, hidden is not None)


def _comment_summary(export: Export) -> Summary:
    rows, created, edited, deleted, hidden, up, down, authors = db.session.execute(
        select(func.count(Comment.id), func.max(Comment.created_at), func.max(Comment.edited_at),
               func.max(Comment.deleted_at), func.max(Comment.hidden_at), func.sum(Comment.up_votes),
               func.sum(Comment.down_votes), func.count(Comment.author_id))
        .where(*_comment_filter(export))).one()
    return Summary(rows, _newest(created, edited, deleted, hidden), _token(up, down, authors, hidden))


COMMENTS = Dataset(
    "comments", _l("Comments"),
    _l("The deliberation on the proposals and debate questions of the process, with each comment's stance and "
       "votes."),
    (Column("id", "integer", _l("The comment's number.")),
     Column("on_type", "string", _l("What it comments on: proposal or debate.")),
     Column("on_id", "integer", _l("The number of that proposal or debate.")),
     Column("parent_id", "integer", _l("The comment it replies to, if any.")),
     Column("author", "string", _l("Who wrote it, as the city's pseudonym of the author.")),
     Column("stance", "string", _l("for, against or neutral, if the author took a stance.")),
     Column("body", "string", _l("Its text (Markdown); empty if its author deleted it.")),
     Column("up_votes", "integer", _l("Votes for it.")),
     Column("down_votes", "integer", _l("Votes against it.")),
     Column("created_at", "datetime", _l("When it was written (UTC).")),
     Column("hidden", "boolean", _l("Hidden by a moderator."), staff_only=True)),
    _comment_rows, _comment_summary,
)


# Vote totals ----------------------------------------------------------------------------------------------

def _statement_filter(export: Export) -> list:
    conditions = [Statement.process_id == export.process.id]
    if export.public:
        conditions += [Statement.state == StatementState.PUBLISHED, _by_unblocked(Statement.author_id, export)]
    return conditions


def _total_rows(export: Export) -> Iterator[tuple]:
    proposals = (select(Proposal.id, Proposal.title, Proposal.support_count)
                 .where(*_proposal_filter(export)).order_by(Proposal.id))
    for ident, title, supports in _streamed_columns(proposals):
        yield ("proposal", ident, title, supports, None, None, None, None)
    statements = (select(Statement.id, Statement.body, Statement.agree_count, Statement.disagree_count,
                         Statement.pass_count, Statement.state)
                  .where(*_statement_filter(export)).order_by(Statement.id))
    for ident, body, agree, disagree, passed, state in _streamed_columns(statements):
        yield ("statement", ident, body, None, agree, disagree, passed, state)


def _total_summary(export: Export) -> Summary:
    proposals = _proposal_summary(export)
    statements, agree, disagree, passed, moderated, created = db.session.execute(
        select(func.count(Statement.id), func.sum(Statement.agree_count), func.sum(Statement.disagree_count),
               func.sum(Statement.pass_count), func.max(Statement.moderated_at), func.max(Statement.created_at))
        .where(*_statement_filter(export))).one()
    supported, voted = db.session.execute(select(
        select(func.max(Support.created_at)).join(Proposal, Proposal.id == Support.proposal_id)
        .where(Proposal.process_id == export.process.id).scalar_subquery(),
        select(func.max(StatementVote.updated_at)).where(StatementVote.process_id == export.process.id)
        .scalar_subquery())).one()
    return Summary(proposals.rows + statements,
                   _newest(proposals.changed_at, moderated, created, supported, voted),
                   _token(proposals.token, agree, disagree, passed))


VOTE_TOTALS = Dataset(
    "vote-totals", _l("Vote totals"),
    _l("Supports per proposal, and agree, disagree and pass votes per statement."),
    (Column("item_type", "string", _l("proposal or statement.")),
     Column("item_id", "integer", _l("The number of the proposal or statement.")),
     Column("text", "string", _l("The proposal's title or the statement's text.")),
     Column("supports", "integer", _l("Supports of a proposal.")),
     Column("agree", "integer", _l("Agree votes on a statement.")),
     Column("disagree", "integer", _l("Disagree votes on a statement.")),
     Column("pass", "integer", _l("Pass votes on a statement.")),
     Column("statement_state", "string", _l("pending, published or rejected."), staff_only=True)),
    _total_rows, _total_summary,
)


# Statement votes ------------------------------------------------------------------------------------------

def _vote_query(export: Export):
    columns = [StatementVote.statement_id, StatementVote.participant_id, Membership.user_id,
               StatementVote.value, StatementVote.updated_at]
    query = (select(*columns, User.name if not export.public else literal(None))
             .join(Participant, Participant.id == StatementVote.participant_id)
             .outerjoin(Membership, Membership.id == Participant.membership_id))
    if not export.public:
        query = query.outerjoin(User, User.id == Membership.user_id)
    else:
        published = select(Statement.id).where(*_statement_filter(export))
        query = query.where(StatementVote.statement_id.in_(published))
    return query.where(StatementVote.process_id == export.process.id).order_by(StatementVote.id)


def _vote_rows(export: Export) -> Iterator[tuple]:
    voter, values = export.voter, VOTE_VALUES
    for statement_id, participant_id, user_id, value, voted_at, name in _streamed_columns(_vote_query(export)):
        yield statement_id, voter(participant_id, user_id, name), values[value], voted_at


def _vote_summary(export: Export) -> Summary:
    conditions = [StatementVote.process_id == export.process.id]
    if export.public:
        conditions.append(StatementVote.statement_id.in_(select(Statement.id).where(*_statement_filter(export))))
    rows, changed, total = db.session.execute(
        select(func.count(StatementVote.id), func.max(StatementVote.updated_at), func.sum(StatementVote.value))
        .where(*conditions)).one()
    moderated = db.session.scalar(select(func.max(Statement.moderated_at))
                                  .where(Statement.process_id == export.process.id))
    return Summary(rows, _newest(changed, moderated), _token(total, moderated))


STATEMENT_VOTES = Dataset(
    "statement-votes", _l("Statement votes"),
    _l("Every vote on the statements of the process: one row per voter and statement."),
    (Column("statement_id", "integer", _l("The statement's number.")),
     Column("voter", "string", _l("Who voted, as the city's pseudonym of the voter.")),
     Column("value", "string", _l("agree, disagree or pass.")),
     Column("voted_at", "datetime", _l("When the vote was last changed (UTC)."))),
    _vote_rows, _vote_summary,
)


# Budget results -------------------------------------------------------------------------------------------

def budget_results_public(process: Process) -> bool:
    from app.voting import budget_services

    return budget_services.voting_over(process) or budget_services.certified_outcome(process) is not None


def _budget_visible(export: Export) -> bool:
    """The results page's rule: everyone once the vote is over (or certified); staff earlier, unless secret."""
    from app import permissions

    if export.process.budget is None:
        return False
    if budget_results_public(export.process):
        return True
    return (not export.public and not export.process.budget.secret
            and permissions.can_manage_voting(export.viewer, export.city))


def _budget_rows(export: Export) -> Iterator[tuple]:
    """The outcome the results page shows: the certified one if there is one, else a count under the
    budget's rule (the voting services' own count and rules)."""
    from app.voting import budget_services

    certified = budget_services.certified_outcome(export.process)
    counted = budget_services.count(export.process)
    rule = certified.rule if certified else export.process.budget.rule
    selected = set(certified.winner_ids) if certified else set(budget_services.compute(
        export.process, rule, counted).winner_ids)
    supporters = budget_services.supporter_counts(counted)
    for project, votes in zip(counted.projects, supporters, strict=True):
        yield (project.id, project.title, project.cost, votes, project.id in selected, rule,
               certified is not None)


def _budget_summary(export: Export) -> Summary | None:
    if not _budget_visible(export):
        return None
    from app.voting.budget_services import _on_ballot

    budget = export.process.budget
    projects, costs = db.session.execute(select(func.count(Proposal.id), func.sum(Proposal.cost)).where(
        Proposal.process_id == export.process.id, *_on_ballot())).one()
    ballots, changed = db.session.execute(select(func.count(BudgetBallot.id), func.max(BudgetBallot.updated_at))
                                          .where(BudgetBallot.process_id == export.process.id)).one()
    certified = db.session.get(BudgetOutcome, export.process.id)
    certified_at = certified.certified_at if certified else None
    return Summary(projects, _newest(changed, certified_at),
                   _token(costs, ballots, budget.amount, budget.rule, certified_at))


BUDGET_RESULTS = Dataset(
    "budget-results", _l("Budget results"),
    _l("The projects of the participatory budget with their cost, their votes and whether they were selected "
       "under the budget's rule."),
    (Column("project_id", "integer", _l("The proposal's number.")),
     Column("title", "string", _l("The project's title.")),
     Column("cost", "number", _l("Its cost, in the budget's currency.")),
     Column("votes", "integer", _l("Ballots that include it.")),
     Column("selected", "boolean", _l("Selected for funding.")),
     Column("rule", "string", _l("The rule that selected the projects.")),
     Column("certified", "boolean", _l("The outcome has been certified."))),
    _budget_rows, _budget_summary,
)


# Poll results ---------------------------------------------------------------------------------------------

def _visible_polls(export: Export) -> list[Poll]:
    from app.voting import poll_services

    viewer = None if export.public else export.viewer
    return [poll for poll in poll_services.polls_of(export.process)
            if poll_services.results_decision(viewer, poll)]


def _poll_rows(export: Export) -> Iterator[tuple]:
    from app.voting import poll_services

    for poll in _visible_polls(export):
        results = poll_services.poll_results(poll)
        result = results.result
        place = {option: rank for rank, group in enumerate(result.order, start=1) for option in group}
        for index, option in enumerate(results.options):
            rounds = ("; ".join(str(r.counts.get(index, 0)) for r in result.rounds) if result.rounds else None)
            yield (poll.id, poll.question, poll.method, option.id, option.label, place.get(index),
                   result.scores[index], rounds, index in result.winners, results.ballots, results.final)


def _poll_summary(export: Export) -> Summary | None:
    from app.voting import poll_services

    polls = _visible_polls(export)
    if not polls:
        return None
    ids = [p.id for p in polls]
    counts = poll_services.ballot_counts(polls)
    changed = db.session.scalar(select(func.max(PollBallot.updated_at)).where(PollBallot.poll_id.in_(ids)))
    return Summary(sum(len(p.options) for p in polls), _newest(changed, *(p.created_at for p in polls)),
                   _token(*sorted(counts.items()), *(p.method for p in polls)))


POLL_RESULTS = Dataset(
    "poll-results", _l("Poll results"),
    _l("The options of the process's ranked polls with their place and score under each poll's method."),
    (Column("poll_id", "integer", _l("The poll's number.")),
     Column("question", "string", _l("The poll's question.")),
     Column("method", "string", _l("The counting method: schulze, irv, borda or plurality.")),
     Column("option_id", "integer", _l("The option's number.")),
     Column("option", "string", _l("The option.")),
     Column("place", "integer", _l("Its place in the result (tied options share a place).")),
     Column("score", "integer", _l("Schulze: options beaten; IRV: final-round votes; Borda: points; plurality: "
                                   "first choices.")),
     Column("irv_rounds", "string", _l("IRV: its votes in each round, separated by semicolons.")),
     Column("winner", "boolean", _l("The option won.")),
     Column("ballots", "integer", _l("Ballots cast in the poll.")),
     Column("final", "boolean", _l("Voting has closed (otherwise the figures are provisional)."))),
    _poll_rows, _poll_summary,
)


# Opinion groups -------------------------------------------------------------------------------------------

def _stored_map(export: Export) -> OpinionMap | None:
    return db.session.get(OpinionMap, export.process.id)


def prepare_opinion_map(process: Process) -> bool:
    """Bring the stored opinion map up to date if it is cheap to (as the map page does); True when it was
    recomputed, for the caller to commit."""
    from app.vision import opinion

    return opinion.map_state(process).computed


def _opinion_rows(export: Export) -> Iterator[tuple]:
    from app.vision.opinion import group_letter

    stored = _stored_map(export)
    if stored is None:
        return
    data = stored.data or {}
    sizes = {g["id"]: g["size"] for g in data.get("groups", [])}
    statements = dict(db.session.execute(select(Statement.id, Statement.body).where(*_statement_filter(export))).all())
    for key, entry in sorted(data.get("statements", {}).items(), key=lambda kv: int(kv[0])):
        ident = int(key)
        if ident not in statements:
            continue
        for group_id, (agree, disagree, passed) in enumerate(entry.get("groups", [])):
            votes = agree + disagree + passed
            yield (ident, statements[ident], group_letter(group_id), sizes.get(group_id), agree, disagree,
                   passed, _share(agree, votes), _share(disagree, votes), _share(passed, votes))


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _opinion_summary(export: Export) -> Summary | None:
    stored = _stored_map(export)
    if stored is None or not (stored.data or {}).get("groups"):
        return None
    published = set(db.session.scalars(select(Statement.id).where(*_statement_filter(export))))
    rows = sum(len(entry.get("groups", [])) for key, entry in (stored.data.get("statements") or {}).items()
               if int(key) in published)
    return Summary(rows, stored.computed_at, _token(stored.vote_count, stored.votes_changed_at, len(published)))


OPINION_GROUPS = Dataset(
    "opinion-groups", _l("Opinion groups"),
    _l("How each opinion group of the opinion map voted on each statement: agree, disagree and pass counts and "
       "shares."),
    (Column("statement_id", "integer", _l("The statement's number.")),
     Column("statement", "string", _l("The statement's text.")),
     Column("group", "string", _l("The opinion group (A, B, …).")),
     Column("group_size", "integer", _l("People in the group.")),
     Column("agree", "integer", _l("Agree votes from the group.")),
     Column("disagree", "integer", _l("Disagree votes from the group.")),
     Column("pass", "integer", _l("Pass votes from the group.")),
     Column("agree_share", "number", _l("Agree votes among the group's votes on the statement (0 to 1).")),
     Column("disagree_share", "number", _l("Disagree votes among the group's votes on the statement (0 to 1).")),
     Column("pass_share", "number", _l("Pass votes among the group's votes on the statement (0 to 1)."))),
    _opinion_rows, _opinion_summary,
)


# The published vision -------------------------------------------------------------------------------------

def _published_vision(export: Export) -> VisionSummary | None:
    return db.session.scalar(select(VisionSummary).where(
        VisionSummary.process_id == export.process.id, VisionSummary.state == VisionState.PUBLISHED)
        .order_by(VisionSummary.version.desc()).limit(1))


def _vision_entries(summary: VisionSummary, city_id: int) -> Iterator[tuple]:
    """The published version as the vision's own pages word it (app.vision.vision_text), evidence items that
    are no longer public withheld as they are there."""
    from app.vision.evidence import SECTIONS, redact, withheld
    from app.vision.vision_routes import evidence_link
    from app.vision.vision_text import section_entries, section_titles

    evidence = redact(summary.evidence or {}, withheld(summary.evidence or {}, city_id))
    titles = section_titles()
    position = 0
    if summary.introduction:
        position += 1
        yield summary.version, "introduction", _("Introduction"), position, False, summary.introduction, None, \
            None, None
    for key in SECTIONS:
        note = (summary.section_notes or {}).get(key)
        if note:
            position += 1
            yield summary.version, key, str(titles[key]), position, False, note, None, None, None
        for entry in section_entries(key, evidence.get(key) or {}):
            position += 1
            item = entry.item or {}
            yield (summary.version, key, str(titles[key]), position, entry.heading, entry.text, item.get("kind"),
                   item.get("id"), evidence_link(item, external=True) if entry.item else None)


def _vision_rows(export: Export) -> Iterator[tuple]:
    summary = _published_vision(export)
    if summary is not None:
        yield from _vision_entries(summary, export.city.id)


def _vision_summary(export: Export) -> Summary | None:
    summary = _published_vision(export)
    if summary is None:
        return None
    from app.vision.evidence import withheld

    rows = sum(1 for _row in _vision_entries(summary, export.city.id))
    gone = sorted(withheld(summary.evidence or {}, export.city.id))
    return Summary(rows, summary.published_at, _token(summary.version, gone))


VISION = Dataset(
    "vision", _l("Shared vision"),
    _l("The latest published version of the shared vision: its sections, one row per line, each with the "
       "evidence it stands on."),
    (Column("version", "integer", _l("The published version.")),
     Column("section", "string", _l("The section's key.")),
     Column("section_title", "string", _l("The section's heading.")),
     Column("position", "integer", _l("The line's place in the vision.")),
     Column("heading", "boolean", _l("The line heads the lines after it (a group, an SDG goal, the budget).")),
     Column("text", "string", _l("The line.")),
     Column("evidence_kind", "string", _l("What the line stands on: statement, proposal, comment, result, "
                                          "budget, poll, map or process.")),
     Column("evidence_id", "integer", _l("The number of that item.")),
     Column("evidence_url", "string", _l("Where the evidence can be checked."))),
    _vision_rows, _vision_summary,
)


DATASETS: dict[str, Dataset] = {d.name: d for d in (
    PROPOSALS, COMMENTS, VOTE_TOTALS, STATEMENT_VOTES, BUDGET_RESULTS, POLL_RESULTS, OPINION_GROUPS, VISION)}


def summaries(export: Export) -> list[tuple[Dataset, Summary]]:
    """The datasets this process has for this audience, each with its row count and last change."""
    found = []
    for dataset in DATASETS.values():
        summary = dataset.summary(export)
        if summary is not None:
            found.append((dataset, summary))
    return found

