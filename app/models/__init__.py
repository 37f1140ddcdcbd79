"""Every model, importable from one place. One module per domain."""
from app.models.accountability import (
    Indicator,
    IndicatorReading,
    Result,
    ResultStatus,
    ResultUpdate,
    result_indicators,
    result_plan_items,
    result_proposals,
    result_targets,
)
from app.models.api import ApiToken, TokenScope
from app.models.audit import AuditEvent, AuditTarget
from app.models.base import Base, UTCDateTime, utcnow
from app.models.cities import CensusAgeBand, City, District, Membership, OpenDataLicence, Role, RoleGrant
from app.models.deliberation import Comment, CommentVote, Debate, Stance
from app.models.notifications import EmailFrequency, Follow, FollowedType, Notification, NotificationKind
from app.models.moderation import Flag, FlagReason, ModeratedType, ReviewRequest
from app.models.organizations import (
    Organization,
    OrganizationKind,
    OrganizationLevel,
    OrganizationMember,
    OrganizationRole,
)
from app.models.practices import (
    Practice,
    PracticeIndicator,
    PracticeQuestion,
    PracticeState,
    PracticeTheme,
    Replication,
    practice_organizations,
    practice_targets,
    process_partners,
)
from app.models.plans import Plan, PlanItem, plan_item_local_targets, plan_item_targets
from app.models.processes import Phase, PhaseAction, PhaseActionGrant, Process
from app.models.proposals import Proposal, ProposalState, proposal_plan_items, proposal_targets
from app.models.sdg import LocalTarget, SdgGoal, SdgIndicator, SdgTarget
from app.models.users import User
from app.models.vision import (
    STATEMENT_MAX_LENGTH,
    Endorsement,
    OpinionMap,
    Statement,
    StatementModeration,
    StatementState,
    StatementVote,
    VisionEndorsement,
    VisionState,
    VisionSummary,
    VoteValue,
)
from app.models.voting import (
    BallotStyle,
    Budget,
    BudgetBallot,
    BudgetBallotItem,
    BudgetOutcome,
    BudgetRollEntry,
    OutcomeRule,
    Participant,
    Poll,
    PollBallot,
    PollMethod,
    PollOption,
    PollRank,
    PollRollEntry,
    ResidentCode,
    Support,
    SupportThreshold,
    process_districts,
)

__all__ = [
    "ApiToken", "TokenScope", "OpenDataLicence",
    "EmailFrequency", "Follow", "FollowedType", "Notification", "NotificationKind", "Flag", "FlagReason", "ModeratedType", "ReviewRequest", "AuditEvent", "AuditTarget", "Base", "CensusAgeBand", "City", "Comment", "CommentVote", "Debate", "Stance", "District", "LocalTarget", "Membership",
    "Organization", "OrganizationKind", "OrganizationLevel", "OrganizationMember", "OrganizationRole", "Phase",
    "PhaseAction", "PhaseActionGrant", "Plan", "PlanItem", "Process", "Proposal", "ProposalState", "Role",
    "RoleGrant", "SdgGoal", "SdgIndicator", "SdgTarget", "User", "UTCDateTime", "plan_item_targets",
    "proposal_plan_items", "proposal_targets", "utcnow", "BallotStyle", "Budget", "BudgetBallot",
    "BudgetBallotItem", "BudgetOutcome", "BudgetRollEntry", "OutcomeRule", "Participant", "Poll", "PollBallot",
    "PollMethod", "PollOption", "PollRank", "PollRollEntry", "ResidentCode", "Support", "SupportThreshold",
    "process_districts", "Indicator", "IndicatorReading", "Result", "ResultStatus", "ResultUpdate",
    "result_indicators", "result_plan_items", "result_proposals", "result_targets", "plan_item_local_targets",
]
