"""All models, importable from one place (Alembic's autogenerate sees them through this)."""

from .analytics import ChallengeDailyCounter, ChallengeRollup, MemberActivityDay, WeeklyRollup
from .api_token import ApiToken
from .board import BoardMember
from .challenge import STATUS_LABELS, THEME_COLORS, ChallengeStatus, WeeklyChallenge
from .discover import DiscoverFlush
from .inquiry import BUDGET_RANGES, INQUIRY_STATUSES, InquiryStatus, SponsorInquiry
from .judging import ChallengeJudge, JudgeScore
from .ledger import Currency, LedgerEntry
from .moderation import EntryModerationEvent, ModerationAction
from .payout import Payout, PayoutStatus
from .project import Project
from .sponsor import ChallengeSponsor
from .submission import ChallengeSubmission, ChallengeVote
from .trust import RING_FLAG_STATUSES, RingFlagStatus, VoteRingFlag, VoteRingFlagVote
from .user import ROLES, Role, User

__all__ = [
    "BUDGET_RANGES",
    "INQUIRY_STATUSES",
    "BoardMember",
    "ChallengeDailyCounter",
    "ChallengeRollup",
    "InquiryStatus",
    "MemberActivityDay",
    "SponsorInquiry",
    "WeeklyRollup",
    "ApiToken",
    "ROLES",
    "STATUS_LABELS",
    "THEME_COLORS",
    "ChallengeJudge",
    "ChallengeSponsor",
    "ChallengeStatus",
    "ChallengeSubmission",
    "ChallengeVote",
    "Currency",
    "EntryModerationEvent",
    "JudgeScore",
    "LedgerEntry",
    "ModerationAction",
    "Payout",
    "PayoutStatus",
    "Project",
    "Role",
    "User",
    "WeeklyChallenge",
    "DiscoverFlush",  # Discover (issue 13)
    # trust (issue 13)
    "RING_FLAG_STATUSES",
    "RingFlagStatus",
    "VoteRingFlag",
    "VoteRingFlagVote",
]
