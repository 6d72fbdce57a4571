"""The single import point for every model, so Alembic and the tests see one MetaData."""

from app.db.base import Base
from app.identity.models import ApiKey
from app.place.models import Community, District, Estate, StreetOffice
from app.register.models import Building, Owner, RegisterVersion, Unit, UnitOwner

__all__ = [
    "ApiKey",
    "Base",
    "Building",
    "Community",
    "District",
    "Estate",
    "Owner",
    "RegisterVersion",
    "StreetOffice",
    "Unit",
    "UnitOwner",
]
