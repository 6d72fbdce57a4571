"""The single import point for every model, so Alembic and the tests see one MetaData."""

from app.db.base import Base
from app.grant.models import ActingGrant
from app.identity.models import Account, ApiKey, IdentityEvent, OtpChallenge, RefreshToken, RoleGrant
from app.place.models import Community, District, Estate, StreetOffice
from app.register.models import Building, Owner, RegisterVersion, Unit, UnitOwner
from app.verification.models import ManualVerificationRequest, VerificationAttempt, VerificationDocument

__all__ = [
    "Account",
    "ActingGrant",
    "ApiKey",
    "Base",
    "Building",
    "Community",
    "District",
    "Estate",
    "IdentityEvent",
    "ManualVerificationRequest",
    "OtpChallenge",
    "Owner",
    "RefreshToken",
    "RegisterVersion",
    "RoleGrant",
    "StreetOffice",
    "Unit",
    "UnitOwner",
    "VerificationAttempt",
    "VerificationDocument",
]
