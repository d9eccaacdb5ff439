"""All tables; Alembic's env.py uses Base.metadata as its target."""
from .audit import AuditAction, AuditEntry
from .base import Base, UTCDateTime
from .competition import Competition, CompetitionFile, Solution, State, Visibility
from .discussion import Post, Topic, Vote, WriteUp
from .groups import Award, Group, GroupJoinRequest, GroupMember, GroupRole, GroupVisibility, Profile, Season
from .kept_uploads import KeptUpload
from .notifications import Notification, NotificationKind, NotificationSetting, OutgoingMail
from .submissions import QuotaUsage, Status, Submission, SubmissionScore
from .teams import Invitation, Team, TeamMember
from .users import ApiToken, PasswordReset, Role, User

__all__ = [
    "ApiToken", "AuditAction", "AuditEntry", "Award", "Group", "GroupJoinRequest", "GroupMember", "GroupRole",
    "GroupVisibility", "Profile", "Season", "Base", "Competition", "CompetitionFile", "Invitation", "KeptUpload", "QuotaUsage", "Role", "Solution",
    "State", "Status", "Submission", "SubmissionScore", "Team", "TeamMember", "UTCDateTime",
    "User", "Visibility", "PasswordReset",
    "Notification", "NotificationKind", "NotificationSetting", "OutgoingMail", "Post", "Topic", "Vote", "WriteUp",
]
