"""Voting: participants, supports and their thresholds, who may vote (eligibility, resident codes),
participatory budgets with their ballots and certified outcomes, and ranked polls.

One vote per person is a unique constraint on the participant, for members and imported voters alike. A secret
ballot keeps who voted (the roll) apart from what was voted (the ballot): a secret ballot has no participant, no
timestamp and a random id, so nothing links it to its roll entry."""
from __future__ import annotations

import secrets
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    Text,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, bilingual, bilingual_check, enum_check, enum_column_type, utcnow


def random_ballot_id() -> str:
    return secrets.token_hex(16)


# Ballot tables are kept in the order of their (random) keys, not in the order rows arrive: on SQLite a table
# WITHOUT ROWID, so no hidden row number follows the order of voting. (PostgreSQL's heap still keeps rows
# roughly in arrival order, and a secret ballot shares its transaction with its roll entry: someone with the
# database's internals at hand can link them; nothing Madang shows, exports or logs can.)
NO_ROW_ORDER = {"sqlite_with_rowid": False}


class Participant(Base):
    """Who votes: a member of the city (one participant per membership), an imported voter (source + external
    id, no account), or — once a member deleted their account — an anonymous participant whose votes still
    count."""

    __tablename__ = "participants"
    __table_args__ = (
        UniqueConstraint("membership_id"),
        UniqueConstraint("city_id", "source", "external_id"),
        CheckConstraint("(source IS NULL) = (external_id IS NULL)", name="source_with_external_id"),
        CheckConstraint("membership_id IS NULL OR source IS NULL", name="member_or_imported"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"), index=True)
    membership_id: Mapped[int | None] = mapped_column(ForeignKey("memberships.id", ondelete="SET NULL"))
    # Imported voters: where they come from ("pabulib/<process slug>", "polis/<process slug>") and their id there.
    source: Mapped[str | None] = mapped_column(String(120))
    external_id: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    membership: Mapped["Membership | None"] = relationship()  # noqa: F821


class Support(Base):
    __tablename__ = "supports"
    __table_args__ = (UniqueConstraint("participant_id", "proposal_id", name="uq_supports_one_per_participant"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SupportThreshold(Base):
    """A tier of supports a proposal can reach in a process (e.g. 100 → public forum, 1,000 → the city must
    answer)."""

    __tablename__ = "support_thresholds"
    __table_args__ = (
        UniqueConstraint("process_id", "supports"),
        CheckConstraint("supports >= 1", name="supports_positive"),
        bilingual_check("label"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id", ondelete="CASCADE"), index=True)
    supports: Mapped[int] = mapped_column(Integer)
    label_ko: Mapped[str] = mapped_column(String(120), default="")
    label_en: Mapped[str] = mapped_column(String(120), default="")
    requires_answer: Mapped[bool] = mapped_column(Boolean, default=False)

    label = bilingual("label")


# Residents of these districts may vote in the process (none listed: every district).
process_districts = Table(
    "process_districts",
    Base.metadata,
    Column("process_id", ForeignKey("processes.id", ondelete="CASCADE"), primary_key=True),
    Column("district_id", ForeignKey("districts.id", ondelete="CASCADE"), primary_key=True),
)


class ResidentCode(Base):
    """A code the city hands a resident (by letter or at a service desk), imported from the census by a planner.
    Entering it verifies one member as a resident of its district. Only a digest of the code is kept."""

    __tablename__ = "resident_codes"
    __table_args__ = (
        UniqueConstraint("city_id", "code_digest"),
        UniqueConstraint("used_by_id"),
        CheckConstraint("used_by_id IS NULL OR used_at IS NOT NULL", name="use_has_time"),
        CheckConstraint("birth_year IS NULL OR (birth_year >= 1900 AND birth_year <= 2100)", name="birth_year_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"), index=True)
    code_digest: Mapped[str] = mapped_column(String(64))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id", ondelete="SET NULL"))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("memberships.id", ondelete="SET NULL"))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    district: Mapped["District | None"] = relationship()  # noqa: F821


class BallotStyle(StrEnum):
    APPROVAL = "approval"      # choose between min and max projects
    KNAPSACK = "knapsack"      # choose projects whose total cost fits the budget
    CUMULATIVE = "cumulative"  # spread N points, at most M on one project
    ORDINAL = "ordinal"        # rank projects (imported from other platforms; counted greedily by Borda score)


class OutcomeRule(StrEnum):
    GREEDY = "greedy"
    MES = "mes"
    MES_ADD1 = "mes-add1"
    MES_ADD1_GREEDY = "mes-add1-greedy"


class Budget(Base):
    """A process's participatory budget: the amount, how citizens fill their ballot, and the rule that picks
    the winners. Costs and amounts are in the currency's major unit."""

    __tablename__ = "budgets"
    __table_args__ = (
        enum_check("ballot_style", BallotStyle),
        enum_check("rule", OutcomeRule),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("min_projects IS NULL OR min_projects >= 0", name="min_projects_range"),
        CheckConstraint("max_projects IS NULL OR max_projects >= 1", name="max_projects_range"),
        CheckConstraint("min_projects IS NULL OR max_projects IS NULL OR min_projects <= max_projects",
                        name="min_not_above_max"),
        CheckConstraint("min_share IS NULL OR (min_share >= 0 AND min_share <= 1)", name="min_share_range"),
        CheckConstraint("(ballot_style = 'cumulative') = (points_total IS NOT NULL)", name="points_for_cumulative"),
        CheckConstraint("points_total IS NULL OR points_total >= 1", name="points_total_positive"),
        CheckConstraint("points_max IS NULL OR points_max >= 1", name="points_max_positive"),
    )

    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id", ondelete="CASCADE"), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    currency: Mapped[str] = mapped_column(String(3), default="KRW")
    ballot_style: Mapped[str] = mapped_column(enum_column_type(BallotStyle), default=BallotStyle.KNAPSACK)
    min_projects: Mapped[int | None] = mapped_column(Integer)
    max_projects: Mapped[int | None] = mapped_column(Integer)
    # Knapsack ballots: the least share of the budget a ballot must spend (0.5 = half), if any.
    min_share: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    points_total: Mapped[int | None] = mapped_column(Integer)
    points_max: Mapped[int | None] = mapped_column(Integer)
    rule: Mapped[str] = mapped_column(enum_column_type(OutcomeRule), default=OutcomeRule.MES_ADD1_GREEDY)
    # A secret ballot: the roll and the ballots are kept apart, and a ballot once cast is final.
    secret: Mapped[bool] = mapped_column(Boolean, default=False)

    process: Mapped["Process"] = relationship(back_populates="budget")  # noqa: F821


class BudgetOutcome(Base):
    """The certified outcome of a budget vote: frozen once certified; a recount that differs is refused."""

    __tablename__ = "budget_outcomes"
    __table_args__ = (enum_check("rule", OutcomeRule),)

    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id", ondelete="CASCADE"), primary_key=True)
    rule: Mapped[str] = mapped_column(enum_column_type(OutcomeRule))
    winner_ids: Mapped[list] = mapped_column(JSON)  # proposal ids, in the order the rule selected them
    total_cost: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    ballots_counted: Mapped[int] = mapped_column(Integer)
    # A digest of the anonymised ballots the outcome was computed from, to tell a recount on other data.
    ballots_digest: Mapped[str] = mapped_column(String(64))
    # The anonymised ballots as published (a Pabulib .pb file), frozen with the outcome.
    ballots_pb: Mapped[str] = mapped_column(Text)
    certified_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    certified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class BudgetBallot(Base):
    """One participant's budget ballot in a process. A secret ballot has no participant and no timestamps."""

    __tablename__ = "budget_ballots"
    __table_args__ = (
        UniqueConstraint("process_id", "participant_id", name="uq_budget_ballots_one_per_participant"),
        CheckConstraint("(participant_id IS NULL) = (updated_at IS NULL)", name="open_ballot_has_time"),
        NO_ROW_ORDER,
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_ballot_id)
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    items: Mapped[list["BudgetBallotItem"]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="BudgetBallotItem.proposal_id"
    )


class BudgetBallotItem(Base):
    """A project on a ballot: points for cumulative ballots (1 otherwise), rank for imported ordinal ballots."""

    __tablename__ = "budget_ballot_items"
    __table_args__ = (
        CheckConstraint("points >= 1", name="points_positive"),
        CheckConstraint("rank IS NULL OR rank >= 1", name="rank_positive"),
        NO_ROW_ORDER,
    )

    ballot_id: Mapped[str] = mapped_column(ForeignKey("budget_ballots.id", ondelete="CASCADE"), primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True,
                                             index=True)
    points: Mapped[int] = mapped_column(Integer, default=1)
    rank: Mapped[int | None] = mapped_column(Integer)


class BudgetRollEntry(Base):
    """Who cast a secret budget ballot (and on which day: no time that could be matched with the ballot):
    the voter roll, with no link to the ballot."""

    __tablename__ = "budget_roll"

    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id", ondelete="CASCADE"), primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True)
    voted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PollMethod(StrEnum):
    SCHULZE = "schulze"
    IRV = "irv"
    BORDA = "borda"
    PLURALITY = "plurality"


class Poll(Base):
    """A ranked poll posed by a facilitator in a process: citizens rank as many options as they like."""

    __tablename__ = "polls"
    __table_args__ = (enum_check("method", PollMethod), bilingual_check("question"))

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id", ondelete="CASCADE"), index=True)
    question_ko: Mapped[str] = mapped_column(String(300), default="")
    question_en: Mapped[str] = mapped_column(String(300), default="")
    description_ko: Mapped[str] = mapped_column(String(2000), default="")
    description_en: Mapped[str] = mapped_column(String(2000), default="")
    method: Mapped[str] = mapped_column(enum_column_type(PollMethod), default=PollMethod.SCHULZE)
    secret: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    process: Mapped["Process"] = relationship()  # noqa: F821
    options: Mapped[list["PollOption"]] = relationship(
        back_populates="poll", order_by="PollOption.position", cascade="all, delete-orphan", passive_deletes=True,
        lazy="selectin",
    )

    question = bilingual("question")
    description = bilingual("description")


class PollOption(Base):
    __tablename__ = "poll_options"
    __table_args__ = (UniqueConstraint("poll_id", "position"), bilingual_check("label"))

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    label_ko: Mapped[str] = mapped_column(String(200), default="")
    label_en: Mapped[str] = mapped_column(String(200), default="")

    poll: Mapped[Poll] = relationship(back_populates="options")

    label = bilingual("label")


class PollBallot(Base):
    """One participant's ranking in a poll. A secret ballot has no participant and no timestamps."""

    __tablename__ = "poll_ballots"
    __table_args__ = (
        UniqueConstraint("poll_id", "participant_id", name="uq_poll_ballots_one_per_participant"),
        CheckConstraint("(participant_id IS NULL) = (updated_at IS NULL)", name="open_ballot_has_time"),
        NO_ROW_ORDER,
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_ballot_id)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    ranks: Mapped[list["PollRank"]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="PollRank.rank"
    )


class PollRank(Base):
    """An option a ballot ranks (1 = first choice). Options a ballot leaves out are tied below its ranked ones."""

    __tablename__ = "poll_ranks"
    __table_args__ = (
        UniqueConstraint("ballot_id", "rank"),
        CheckConstraint("rank >= 1", name="rank_positive"),
        NO_ROW_ORDER,
    )

    ballot_id: Mapped[str] = mapped_column(ForeignKey("poll_ballots.id", ondelete="CASCADE"), primary_key=True)
    option_id: Mapped[int] = mapped_column(ForeignKey("poll_options.id", ondelete="CASCADE"), primary_key=True,
                                           index=True)
    rank: Mapped[int] = mapped_column(Integer)


class PollRollEntry(Base):
    """Who cast a secret poll ballot: the voter roll, with no link to the ballot."""

    __tablename__ = "poll_roll"

    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True)
    voted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
