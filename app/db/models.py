"""The single import point for every model, so Alembic and the tests see one MetaData."""

from app.assembly.models import PublicityObjection
from app.audit.models import AuditEntry
from app.ballot.models import (
    Ballot,
    BallotMark,
    CountingSession,
    CountingWitness,
    IdempotencyRecord,
    PaperReception,
    PaperScan,
)
from app.committee.models import Committee, CommitteeMember, ConveningTrigger, PreparatoryGroup, PreparatoryGroupMember
from app.db.base import Base
from app.disclosure.models import (
    CommitteeEvaluation,
    CommitteeReport,
    CommitteeReportDocument,
    FeeDisclosure,
    FeeDisclosureEntry,
)
from app.grant.models import ActingGrant
from app.identity.models import Account, ApiKey, IdentityEvent, OtpChallenge, RefreshToken, RoleGrant
from app.notice.models import Notice, NoticeReadMark, OutboxMessage, PushDevice
from app.objection.models import RollObjection
from app.petition.models import Petition, PetitionSignature
from app.place.models import Community, District, Estate, StreetOffice
from app.procedure.models import ProcedureRulesVersion
from app.realname.models import ManualVerificationRequest, VerificationAttempt, VerificationDocument
from app.register.models import Building, Owner, RegisterVersion, Unit, UnitOwner
from app.result.models import TopicResult
from app.supervision.models import SupervisionAction
from app.vote.models import (
    Attachment,
    CandidateAttestation,
    CandidateListAcknowledgment,
    ConveningMandate,
    ElectionCandidate,
    Erratum,
    MandateSignature,
    NoticePosting,
    RollGroup,
    Topic,
    Vote,
)

__all__ = [
    "Account",
    "ActingGrant",
    "ApiKey",
    "Attachment",
    "AuditEntry",
    "Ballot",
    "BallotMark",
    "Base",
    "Building",
    "CandidateAttestation",
    "CandidateListAcknowledgment",
    "Committee",
    "CommitteeEvaluation",
    "CommitteeMember",
    "CommitteeReport",
    "CommitteeReportDocument",
    "Community",
    "ConveningMandate",
    "ConveningTrigger",
    "CountingSession",
    "CountingWitness",
    "District",
    "ElectionCandidate",
    "Erratum",
    "Estate",
    "FeeDisclosure",
    "FeeDisclosureEntry",
    "IdempotencyRecord",
    "IdentityEvent",
    "MandateSignature",
    "ManualVerificationRequest",
    "Notice",
    "NoticePosting",
    "NoticeReadMark",
    "OtpChallenge",
    "OutboxMessage",
    "Owner",
    "PaperReception",
    "PaperScan",
    "Petition",
    "PetitionSignature",
    "PreparatoryGroup",
    "PreparatoryGroupMember",
    "ProcedureRulesVersion",
    "PublicityObjection",
    "PushDevice",
    "RefreshToken",
    "RegisterVersion",
    "RoleGrant",
    "RollGroup",
    "RollObjection",
    "StreetOffice",
    "SupervisionAction",
    "Topic",
    "TopicResult",
    "Unit",
    "UnitOwner",
    "VerificationAttempt",
    "VerificationDocument",
    "Vote",
]
