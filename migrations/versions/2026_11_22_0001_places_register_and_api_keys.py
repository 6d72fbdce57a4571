"""places, register and api keys

Revision ID: 0001
Revises:
Create Date: 2026-11-22 20:35:22.373224
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SET LOCAL lock_timeout = '5s'")
    op.create_table(
        "district",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_district")),
        sa.UniqueConstraint("code", name=op.f("uq_district_code")),
    )
    op.create_table(
        "owner",
        sa.Column(
            "kind",
            sa.Enum(
                "PERSON",
                "ORGANISATION",
                name="ownerkind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("identifier_ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("identifier_index", sa.String(length=64), nullable=False),
        sa.Column("identifier_last4", sa.String(length=4), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_owner")),
        sa.UniqueConstraint("kind", "identifier_index", name=op.f("uq_owner_kind_identifier_index")),
    )
    op.create_table(
        "street_office",
        sa.Column("district_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_street_office_district_id_district"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_street_office")),
        sa.UniqueConstraint("district_id", "name", name=op.f("uq_street_office_district_id_name")),
    )
    with op.batch_alter_table("street_office", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_street_office_district_id"), ["district_id"], unique=False)

    op.create_table(
        "community",
        sa.Column("street_office_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["street_office_id"],
            ["street_office.id"],
            name=op.f("fk_community_street_office_id_street_office"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community")),
        sa.UniqueConstraint("street_office_id", "name", name=op.f("uq_community_street_office_id_name")),
    )
    with op.batch_alter_table("community", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_community_street_office_id"), ["street_office_id"], unique=False)

    op.create_table(
        "estate",
        sa.Column("community_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("include_parking", sa.Boolean(), nullable=False),
        sa.Column("developer_name", sa.String(length=200), nullable=True),
        sa.Column("developer_owner_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["community.id"],
            name=op.f("fk_estate_community_id_community"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["developer_owner_id"],
            ["owner.id"],
            name=op.f("fk_estate_developer_owner_id_owner"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_estate")),
        sa.UniqueConstraint("community_id", "name", name=op.f("uq_estate_community_id_name")),
    )
    with op.batch_alter_table("estate", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_estate_community_id"), ["community_id"], unique=False)

    op.create_table(
        "api_key",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "ADMIN",
                "STREET_OFFICE",
                "COMMITTEE",
                name="role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("street_office_id", sa.Uuid(), nullable=True),
        sa.Column("estate_id", sa.Uuid(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(role = 'ADMIN' AND street_office_id IS NULL AND estate_id IS NULL) OR (role = 'STREET_OFFICE' AND street_office_id IS NOT NULL AND estate_id IS NULL) OR (role = 'COMMITTEE' AND estate_id IS NOT NULL AND street_office_id IS NULL)",
            name=op.f("ck_api_key_scope_matches_role"),
        ),
        sa.ForeignKeyConstraint(
            ["estate_id"], ["estate.id"], name=op.f("fk_api_key_estate_id_estate"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["street_office_id"],
            ["street_office.id"],
            name=op.f("fk_api_key_street_office_id_street_office"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_key")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_key_token_hash")),
    )
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_key_estate_id"), ["estate_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_api_key_street_office_id"), ["street_office_id"], unique=False)

    op.create_table(
        "building",
        sa.Column("estate_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["estate_id"], ["estate.id"], name=op.f("fk_building_estate_id_estate"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_building")),
        sa.UniqueConstraint("estate_id", "name", name=op.f("uq_building_estate_id_name")),
    )
    with op.batch_alter_table("building", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_building_estate_id"), ["estate_id"], unique=False)

    op.create_table(
        "register_version",
        sa.Column("estate_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("unit_count", sa.Integer(), nullable=False),
        sa.Column("source_name", sa.String(length=300), nullable=False),
        sa.Column("imported_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("number >= 1", name=op.f("ck_register_version_number_positive")),
        sa.ForeignKeyConstraint(
            ["estate_id"],
            ["estate.id"],
            name=op.f("fk_register_version_estate_id_estate"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_version")),
        sa.UniqueConstraint("estate_id", "number", name=op.f("uq_register_version_estate_id_number")),
    )
    with op.batch_alter_table("register_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_register_version_estate_id"), ["estate_id"], unique=False)

    op.create_table(
        "unit",
        sa.Column("register_version_id", sa.Uuid(), nullable=False),
        sa.Column("building_id", sa.Uuid(), nullable=False),
        sa.Column("entrance", sa.String(length=50), nullable=True),
        sa.Column("room", sa.String(length=50), nullable=False),
        sa.Column("unit_key", sa.String(length=220), nullable=False),
        sa.Column("area", sa.BigInteger(), nullable=False),
        sa.Column(
            "area_source",
            sa.Enum(
                "REGISTRY",
                "SURVEY",
                "CONTRACT",
                name="areasource",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("is_parking", sa.Boolean(), nullable=False),
        sa.Column(
            "sale_status",
            sa.Enum("UNSOLD", "SOLD", name="salestatus", native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column("delivered", sa.Boolean(), nullable=False),
        sa.Column(
            "evidence",
            sa.Enum(
                "REGISTRATION",
                "POSSESSION",
                "INHERITANCE",
                "RULING",
                "BUILDER",
                "PUBLIC_HOUSING",
                "DEVELOPER",
                name="ownershipevidence",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("certificate_ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("certificate_index", sa.String(length=64), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("area > 0", name=op.f("ck_unit_area_positive")),
        sa.ForeignKeyConstraint(
            ["building_id"], ["building.id"], name=op.f("fk_unit_building_id_building"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["register_version_id"],
            ["register_version.id"],
            name=op.f("fk_unit_register_version_id_register_version"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit")),
        sa.UniqueConstraint("register_version_id", "unit_key", name=op.f("uq_unit_register_version_id_unit_key")),
    )
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unit_building_id"), ["building_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_unit_certificate_index"), ["certificate_index"], unique=False)
        batch_op.create_index(batch_op.f("ix_unit_register_version_id"), ["register_version_id"], unique=False)

    op.create_table(
        "unit_owner",
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["owner.id"], name=op.f("fk_unit_owner_owner_id_owner"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_unit_owner_unit_id_unit"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("unit_id", "owner_id", name=op.f("pk_unit_owner")),
    )
    with op.batch_alter_table("unit_owner", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unit_owner_owner_id"), ["owner_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("unit_owner", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unit_owner_owner_id"))

    op.drop_table("unit_owner")
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unit_register_version_id"))
        batch_op.drop_index(batch_op.f("ix_unit_certificate_index"))
        batch_op.drop_index(batch_op.f("ix_unit_building_id"))

    op.drop_table("unit")
    with op.batch_alter_table("register_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_register_version_estate_id"))

    op.drop_table("register_version")
    with op.batch_alter_table("building", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_building_estate_id"))

    op.drop_table("building")
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_key_street_office_id"))
        batch_op.drop_index(batch_op.f("ix_api_key_estate_id"))

    op.drop_table("api_key")
    with op.batch_alter_table("estate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_estate_community_id"))

    op.drop_table("estate")
    with op.batch_alter_table("community", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_community_street_office_id"))

    op.drop_table("community")
    with op.batch_alter_table("street_office", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_street_office_district_id"))

    op.drop_table("street_office")
    op.drop_table("owner")
    op.drop_table("district")
