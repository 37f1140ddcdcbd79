"""Everything Madang holds about one person, as one JSON document they can download (the right of access and
to data portability).

Each section is read from its table by the person's id — or by their participants, the anonymous voters their
memberships vote through. Nothing of other people goes in: no one else's name or e-mail address, and never a
secret (the password hash, the session token, an API token's digest, a city's pseudonym salt).

`EXPORTED` and `NOT_EXPORTED` account for every column that points at a person (users, memberships,
participants); a test walks the schema and fails when a new one is neither exported nor explained.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import or_, select

from app.extensions import db
from app.models import (
    ApiToken,
    AuditEvent,
    BudgetBallot,
    BudgetRollEntry,
    City,
    Comment,
    CommentVote,
    Debate,
    Flag,
    Follow,
    Membership,
    Notification,
    Organization,
    OrganizationMember,
    Participant,
    Poll,
    PollBallot,
    PollRollEntry,
    Practice,
    PracticeQuestion,
    Process,
    Proposal,
    ResidentCode,
    ReviewRequest,
    Statement,
    StatementVote,
    Support,
    User,
    VisionEndorsement,
    VisionSummary,
)

FORMAT = "madang-personal-data"
VERSION = 1

# (table, column) pointing at a person → the section of the file that holds those rows.
EXPORTED = {
    ("memberships", "user_id"): "memberships",
    ("role_grants", "membership_id"): "memberships",
    ("resident_codes", "used_by_id"): "memberships",
    ("participants", "membership_id"): "memberships",
    ("proposals", "author_id"): "proposals",
    ("comments", "author_id"): "comments",
    ("debates", "created_by_id"): "debates",
    ("statements", "author_id"): "statements",
    ("supports", "participant_id"): "supports",
    ("statement_votes", "participant_id"): "statement_votes",
    ("comment_votes", "user_id"): "comment_votes",
    ("budget_ballots", "participant_id"): "budget_votes",
    ("budget_roll", "participant_id"): "budget_votes",
    ("poll_ballots", "participant_id"): "poll_votes",
    ("poll_roll", "participant_id"): "poll_votes",
    ("vision_endorsements", "participant_id"): "vision_endorsements",
    ("flags", "user_id"): "flags",
    ("review_requests", "author_id"): "review_requests",
    ("follows", "user_id"): "follows",
    ("notifications", "user_id"): "notifications",
    ("organization_members", "user_id"): "organizations",
    ("organizations", "created_by_id"): "organizations",
    ("api_tokens", "user_id"): "api_tokens",
    ("practices", "author_id"): "practices",
    ("practices", "contact_user_id"): "practices",
    ("practice_questions", "author_id"): "practice_questions",
    ("practice_questions", "answered_by_id"): "practice_questions",
    ("audit_events", "actor_id"): "audit_log",
}

_STAFF = "work done for a city as its staff: each such action is in the audit_log section"
# (table, column) pointing at a person that the file leaves out, and why.
NOT_EXPORTED = {
    ("notifications", "actor_id"): "other people's notifications about what this person did (that is in its "
                                   "own section)",
    ("memberships", "blocked_by_id"): _STAFF,
    ("role_grants", "granted_by_id"): _STAFF,
    ("organizations", "verified_by_id"): _STAFF,
    ("flags", "resolved_by_id"): _STAFF,
    ("review_requests", "resolved_by_id"): _STAFF,
    ("processes", "created_by_id"): _STAFF,
    ("budget_outcomes", "certified_by_id"): _STAFF,
    ("debates", "hidden_by_id"): _STAFF,
    ("polls", "created_by_id"): _STAFF,
    ("proposals", "feasibility_reviewed_by_id"): _STAFF,
    ("proposals", "answered_by_id"): _STAFF,
    ("proposals", "hidden_by_id"): _STAFF,
    ("comments", "hidden_by_id"): _STAFF,
    ("statements", "moderated_by_id"): _STAFF,
    ("resident_codes", "imported_by_id"): _STAFF,
    ("results", "created_by_id"): _STAFF,
    ("result_updates", "author_id"): _STAFF,
    ("indicator_readings", "recorded_by_id"): _STAFF,
    ("vision_summaries", "created_by_id"): _STAFF,
    ("vision_summaries", "published_by_id"): _STAFF,
    ("replications", "created_by_id"): _STAFF,
}

PERSON_TABLES = ("users", "memberships", "participants")


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _row(obj, *fields: str) -> dict:
    return {name: _plain(getattr(obj, name)) for name in fields}


def _day(moment: datetime | None) -> str | None:
    return moment.date().isoformat() if moment else None


class _Names:
    """Titles of the cities and processes the file mentions, loaded once each."""

    def __init__(self):
        self.cities: dict[int, City] = {}
        self.processes: dict[int, Process] = {}

    def city(self, city_id: int | None) -> dict | None:
        if city_id is None:
            return None
        if city_id not in self.cities:
            self.cities[city_id] = db.session.get(City, city_id)
        city = self.cities[city_id]
        return {"id": city.id, "slug": city.slug, "name_en": city.name_en, "name_ko": city.name_ko}

    def process(self, process_id: int) -> dict:
        if process_id not in self.processes:
            self.processes[process_id] = db.session.get(Process, process_id)
        process = self.processes[process_id]
        return {"id": process.id, "slug": process.slug, "title_en": process.title_en, "title_ko": process.title_ko,
                "city": self.city(process.city_id)["slug"]}


# Sections ------------------------------------------------------------------------------------------------

def account_section(user: User) -> dict:
    return _row(user, "id", "email", "name", "locale", "created_at", "last_login_at", "email_confirmed_at",
                "terms_version", "terms_accepted_at", "email_notifications", "is_platform_admin", "suspended_at",
                "suspended_reason")


def memberships_section(user: User, names: _Names) -> list[dict]:
    memberships = db.session.scalars(select(Membership).where(Membership.user_id == user.id)
                                     .order_by(Membership.joined_at, Membership.id)).all()
    out = []
    for m in memberships:
        participant = db.session.scalar(select(Participant).where(Participant.membership_id == m.id))
        code = db.session.scalar(select(ResidentCode).where(ResidentCode.used_by_id == m.id))
        out.append({
            "city": names.city(m.city_id),
            "district": {"code": m.district.code, "name_en": m.district.name_en, "name_ko": m.district.name_ko}
            if m.district else None,
            "birth_year": m.birth_year,
            "joined_at": _plain(m.joined_at),
            "verified_at": _plain(m.verified_at),
            "verified_with_resident_code_at": _plain(code.used_at) if code else None,
            "blocked_at": _plain(m.blocked_at),
            "blocked_reason": m.blocked_reason,
            "roles": [{"role": g.role, "granted_at": _plain(g.granted_at)} for g in m.roles],
            "participant_id": participant.id if participant else None,
        })
    return out


def proposals_section(user: User, names: _Names) -> list[dict]:
    rows = db.session.scalars(select(Proposal).where(Proposal.author_id == user.id).order_by(Proposal.id))
    return [{**_row(p, "id", "title", "body", "language", "cost", "state", "created_at", "edited_at",
                    "withdrawn_at", "withdraw_reason", "hidden_at", "hidden_reason", "support_count", "answer",
                    "answered_at"),
             "process": names.process(p.process_id),
             "organization_id": p.organization_id,
             "sdg_targets": [t.code for t in p.sdg_targets]} for p in rows]


def comments_section(user: User) -> list[dict]:
    rows = db.session.scalars(select(Comment).where(Comment.author_id == user.id).order_by(Comment.id))
    return [_row(c, "id", "proposal_id", "debate_id", "parent_id", "stance", "body", "language", "created_at",
                 "edited_at", "deleted_at", "hidden_at", "hidden_reason", "up_votes", "down_votes") for c in rows]


def debates_section(user: User, names: _Names) -> list[dict]:
    rows = db.session.scalars(select(Debate).where(Debate.created_by_id == user.id).order_by(Debate.id))
    return [{**_row(d, "id", "title_en", "title_ko", "description_en", "description_ko", "closes_at",
                    "created_at", "hidden_at", "hidden_reason"),
             "process": names.process(d.process_id)} for d in rows]


def statements_section(user: User, names: _Names) -> list[dict]:
    rows = db.session.scalars(select(Statement).where(Statement.author_id == user.id).order_by(Statement.id))
    return [{**_row(s, "id", "body", "seeded", "state", "moderation_reason", "created_at", "agree_count",
                    "disagree_count", "pass_count"),
             "process": names.process(s.process_id)} for s in rows]


def participant_ids(user: User) -> list[int]:
    """The participants the person votes through (one per city they vote in)."""
    return list(db.session.scalars(select(Participant.id).join(Membership, Participant.membership_id == Membership.id)
                                   .where(Membership.user_id == user.id)))


def supports_section(participants: list[int]) -> list[dict]:
    rows = db.session.execute(select(Support, Proposal.title).join(Proposal, Support.proposal_id == Proposal.id)
                              .where(Support.participant_id.in_(participants)).order_by(Support.id))
    return [{"proposal_id": s.proposal_id, "proposal_title": title, "created_at": _plain(s.created_at)}
            for s, title in rows]


def statement_votes_section(participants: list[int]) -> list[dict]:
    rows = db.session.execute(select(StatementVote, Statement.body)
                              .join(Statement, StatementVote.statement_id == Statement.id)
                              .where(StatementVote.participant_id.in_(participants)).order_by(StatementVote.id))
    labels = {1: "agree", 0: "pass", -1: "disagree"}
    return [{"statement_id": v.statement_id, "statement": body, "vote": labels[v.value],
             "created_at": _plain(v.created_at), "updated_at": _plain(v.updated_at)} for v, body in rows]


def comment_votes_section(user: User) -> list[dict]:
    rows = db.session.scalars(select(CommentVote).where(CommentVote.user_id == user.id).order_by(CommentVote.id))
    return [{"comment_id": v.comment_id, "vote": "up" if v.value == 1 else "down",
             "created_at": _plain(v.created_at)} for v in rows]


def _secret_note() -> str:
    return _("This was a secret ballot. Madang keeps only that you voted, and on which day; what you voted "
             "is stored apart, with nothing that links it to you, so nobody (Madang included) can find it.")


def budget_votes_section(participants: list[int], names: _Names) -> list[dict]:
    out = []
    for ballot in db.session.scalars(select(BudgetBallot).where(BudgetBallot.participant_id.in_(participants))):
        out.append({"process": names.process(ballot.process_id), "secret": False,
                    "updated_at": _plain(ballot.updated_at),
                    "projects": [{"proposal_id": i.proposal_id, "points": i.points, "rank": i.rank}
                                 for i in ballot.items]})
    for entry in db.session.scalars(select(BudgetRollEntry).where(BudgetRollEntry.participant_id.in_(participants))):
        out.append({"process": names.process(entry.process_id), "secret": True, "voted_on": _day(entry.voted_at),
                    "note": _secret_note()})
    return out


def poll_votes_section(participants: list[int], names: _Names) -> list[dict]:
    out = []
    for ballot in db.session.scalars(select(PollBallot).where(PollBallot.participant_id.in_(participants))):
        poll = db.session.get(Poll, ballot.poll_id)
        labels = {o.id: o.label_en or o.label_ko for o in poll.options}
        out.append({"poll_id": poll.id, "question_en": poll.question_en, "question_ko": poll.question_ko,
                    "process": names.process(poll.process_id), "secret": False,
                    "updated_at": _plain(ballot.updated_at),
                    "ranking": [{"rank": r.rank, "option_id": r.option_id, "option": labels.get(r.option_id)}
                                for r in ballot.ranks]})
    for entry in db.session.scalars(select(PollRollEntry).where(PollRollEntry.participant_id.in_(participants))):
        poll = db.session.get(Poll, entry.poll_id)
        out.append({"poll_id": poll.id, "question_en": poll.question_en, "question_ko": poll.question_ko,
                    "process": names.process(poll.process_id), "secret": True, "voted_on": _day(entry.voted_at),
                    "note": _secret_note()})
    return out


def vision_endorsements_section(participants: list[int], names: _Names) -> list[dict]:
    rows = db.session.execute(select(VisionEndorsement, VisionSummary)
                              .join(VisionSummary, VisionEndorsement.summary_id == VisionSummary.id)
                              .where(VisionEndorsement.participant_id.in_(participants))
                              .order_by(VisionEndorsement.id))
    return [{"process": names.process(summary.process_id), "vision_version": summary.version,
             "answer": e.value, "comment": e.comment, "created_at": _plain(e.created_at),
             "updated_at": _plain(e.updated_at)} for e, summary in rows]


def flags_section(user: User) -> list[dict]:
    rows = db.session.scalars(select(Flag).where(Flag.user_id == user.id).order_by(Flag.id))
    return [_row(f, "target_type", "target_id", "reason", "text", "created_at", "resolved_at") for f in rows]


def review_requests_section(user: User) -> list[dict]:
    rows = db.session.scalars(select(ReviewRequest).where(ReviewRequest.author_id == user.id)
                              .order_by(ReviewRequest.id))
    return [_row(r, "target_type", "target_id", "text", "created_at", "resolved_at") for r in rows]


def follows_section(user: User) -> list[dict]:
    rows = db.session.scalars(select(Follow).where(Follow.user_id == user.id).order_by(Follow.id))
    return [_row(f, "target_type", "target_id", "created_at") for f in rows]


def notifications_section(user: User, names: _Names) -> list[dict]:
    rows = db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                              .order_by(Notification.id))
    return [{**_row(n, "kind", "target_type", "target_id", "comment_id", "created_at", "read_at", "emailed_at"),
             "city": names.city(n.city_id)["slug"]} for n in rows]


def organizations_section(user: User) -> list[dict]:
    members = {m.organization_id: m for m in db.session.scalars(
        select(OrganizationMember).where(OrganizationMember.user_id == user.id))}
    organizations = db.session.scalars(select(Organization).where(
        or_(Organization.id.in_(list(members)), Organization.created_by_id == user.id)).order_by(Organization.id))
    out = []
    for o in organizations:
        member = members.get(o.id)
        out.append({"id": o.id, "name": o.name, "kind": o.kind, "level": o.level,
                    "registered_by_you": o.created_by_id == user.id,
                    "role": member.role if member else None,
                    "joined_at": _plain(member.joined_at) if member else None})
    return out


def api_tokens_section(user: User) -> list[dict]:
    rows = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id))
    return [_row(t, "name", "prefix", "scope", "created_at", "last_used_at", "expires_at", "revoked_at")
            for t in rows]


def practices_section(user: User, names: _Names) -> list[dict]:
    rows = db.session.scalars(select(Practice).where(
        or_(Practice.author_id == user.id, Practice.contact_user_id == user.id)).order_by(Practice.id))
    return [{**_row(p, "id", "state", "theme", "title_en", "title_ko", "summary_en", "summary_ko", "contact_name",
                    "contact_email", "created_at", "published_at"),
             "city": names.city(p.city_id)["slug"],
             "written_by_you": p.author_id == user.id,
             "you_are_the_contact": p.contact_user_id == user.id} for p in rows]


def practice_questions_section(user: User) -> list[dict]:
    rows = db.session.scalars(select(PracticeQuestion).where(
        or_(PracticeQuestion.author_id == user.id, PracticeQuestion.answered_by_id == user.id))
        .order_by(PracticeQuestion.id))
    return [{**_row(q, "id", "practice_id", "body", "answer", "created_at", "answered_at"),
             "asked_by_you": q.author_id == user.id, "answered_by_you": q.answered_by_id == user.id}
            for q in rows]


def audit_log_section(user: User, names: _Names) -> list[dict]:
    rows = db.session.scalars(select(AuditEvent).where(AuditEvent.actor_id == user.id)
                              .order_by(AuditEvent.at, AuditEvent.id))
    return [{**_row(e, "action", "target_type", "target_id", "changes", "at"),
             "city": names.city(e.city_id)["slug"] if e.city_id else None} for e in rows]


def personal_data(user: User, now: datetime) -> dict:
    """The whole file, as plain JSON-ready data."""
    names = _Names()
    participants = participant_ids(user)
    return {
        "format": FORMAT,
        "version": VERSION,
        "generated_at": now.isoformat(),
        "about": _("Everything Madang holds about you, as of the time above. Times are in UTC. Your password is "
                   "stored only as a one-way hash, and API tokens only as digests: neither is in this file. "
                   "Secret ballots show only that you voted, and on which day."),
        "account": account_section(user),
        "memberships": memberships_section(user, names),
        "proposals": proposals_section(user, names),
        "comments": comments_section(user),
        "debates": debates_section(user, names),
        "statements": statements_section(user, names),
        "supports": supports_section(participants),
        "statement_votes": statement_votes_section(participants),
        "comment_votes": comment_votes_section(user),
        "budget_votes": budget_votes_section(participants, names),
        "poll_votes": poll_votes_section(participants, names),
        "vision_endorsements": vision_endorsements_section(participants, names),
        "flags": flags_section(user),
        "review_requests": review_requests_section(user),
        "follows": follows_section(user),
        "notifications": notifications_section(user, names),
        "organizations": organizations_section(user),
        "api_tokens": api_tokens_section(user),
        "practices": practices_section(user, names),
        "practice_questions": practice_questions_section(user),
        "audit_log": audit_log_section(user, names),
    }
