"""All tables; Alembic's env.py uses Base.metadata as its target."""
from .audit import AuditAction, AuditEntry
from .base import Base, UTCDateTime
from .competition import Competition, CompetitionFile, Solution, State, Visibility
from .submissions import QuotaUsage, Status, Submission, SubmissionScore
from .teams import Invitation, Team, TeamMember
from .users import ApiToken, PasswordReset, Role, User

__all__ = [
    "ApiToken", "AuditAction", "AuditEntry", "Base", "Competition", "CompetitionFile", "Invitation", "QuotaUsage", "Role", "Solution",
    "State", "Status", "Submission", "SubmissionScore", "Team", "TeamMember", "UTCDateTime",
    "User", "Visibility", "PasswordReset",
]
