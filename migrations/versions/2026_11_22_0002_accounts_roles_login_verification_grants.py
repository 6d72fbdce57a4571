"""accounts, roles, login, verification and acting grants

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 20:51:12.241167
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the values at this revision (migrations never import app code that may change later).
ROLES = ("ADMIN", "STREET_OFFICE", "COMMITTEE", "OBSERVER", "AUDITOR")
SCOPE_CHECK = (
    "(role = 'ADMIN' AND street_office_id IS NULL AND community_id IS NULL AND estate_id IS NULL)"
    " OR (role = 'STREET_OFFICE' AND street_office_id IS NOT NULL AND community_id IS NULL AND estate_id IS NULL)"
    " OR (role = 'COMMITTEE' AND street_office_id IS NULL AND community_id IS NULL AND estate_id IS NOT NULL)"
    " OR (role = 'OBSERVER' AND street_office_id IS NULL AND community_id IS NOT NULL AND estate_id IS NULL)"
    " OR (role = 'AUDITOR' AND street_office_id IS NULL AND community_id IS NULL AND estate_id IS NOT NULL)"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SET LOCAL lock_timeout = '5s'")
    op.create_table(
        "otp_challenge",
        sa.Column("phone_index", sa.String(length=64), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("consumed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_otp_challenge")),
    )
    with op.batch_alter_table("otp_challenge", schema=None) as batch_op:
        batch_op.create_index("ix_otp_challenge_phone_created", ["phone_index", "created_at"], unique=False)

    op.create_table(
        "account",
        sa.Column("phone_ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("phone_index", sa.String(length=64), nullable=False),
        sa.Column("phone_last4", sa.String(length=4), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=True),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verification_method", sa.String(length=32), nullable=True),
        sa.Column("verification_reference", sa.String(length=200), nullable=True),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["owner.id"], name=op.f("fk_account_owner_id_owner"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account")),
        sa.UniqueConstraint("phone_index", name=op.f("uq_account_phone_index")),
    )
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "refresh_token",
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_refresh_token_account_id_account"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_refresh_token_token_hash")),
    )
    with op.batch_alter_table("refresh_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_refresh_token_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_refresh_token_family_id"), ["family_id"], unique=False)

    op.create_table(
        "verification_attempt",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("identifier_index", sa.String(length=64), nullable=False),
        sa.Column(
            "method",
            sa.Enum(
                "REGISTER_MATCH",
                "IDENTITY_PROVIDER",
                "MANUAL_REVIEW",
                name="verificationmethod",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_verification_attempt_account_id_account"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_attempt")),
    )
    with op.batch_alter_table("verification_attempt", schema=None) as batch_op:
        batch_op.create_index("ix_verification_attempt_account_created", ["account_id", "created_at"], unique=False)
        batch_op.create_index(
            "ix_verification_attempt_identifier_created", ["identifier_index", "created_at"], unique=False
        )

    op.create_table(
        "acting_grant",
        sa.Column("estate_id", sa.Uuid(), nullable=False),
        sa.Column("group_key", sa.String(length=2000), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "DESIGNATED_REPRESENTATIVE",
                "LEGAL_REPRESENTATIVE",
                "SEALED_AUTHORISATION",
                "GUARDIAN",
                "PROXY",
                name="actingkind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("grantee_account_id", sa.Uuid(), nullable=False),
        sa.Column("requested_by_account_id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "PENDING",
                "APPROVED",
                "REJECTED",
                "REVOKED",
                name="grantstatus",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("evidence_type", sa.String(length=50), nullable=False),
        sa.Column("evidence_sha256", sa.String(length=64), nullable=True),
        sa.Column("evidence_note", sa.String(length=500), nullable=True),
        sa.Column("signed_by_owner_ids", sa.JSON(), nullable=False),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.String(length=500), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=200), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["estate_id"], ["estate.id"], name=op.f("fk_acting_grant_estate_id_estate"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["grantee_account_id"],
            ["account.id"],
            name=op.f("fk_acting_grant_grantee_account_id_account"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_account_id"],
            ["account.id"],
            name=op.f("fk_acting_grant_requested_by_account_id_account"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acting_grant")),
    )
    with op.batch_alter_table("acting_grant", schema=None) as batch_op:
        batch_op.create_index("ix_acting_grant_estate_group", ["estate_id", "group_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_acting_grant_grantee_account_id"), ["grantee_account_id"], unique=False)

    op.create_table(
        "identity_event",
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.Column("estate_id", sa.Uuid(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_identity_event_account_id_account"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["estate_id"], ["estate.id"], name=op.f("fk_identity_event_estate_id_estate"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_event")),
    )
    with op.batch_alter_table("identity_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_identity_event_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_identity_event_estate_id"), ["estate_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_identity_event_kind"), ["kind"], unique=False)

    op.create_table(
        "manual_verification_request",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("estate_id", sa.Uuid(), nullable=False),
        sa.Column("identifier_ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("identifier_index", sa.String(length=64), nullable=False),
        sa.Column("identifier_last4", sa.String(length=4), nullable=False),
        sa.Column("claimed_name", sa.String(length=100), nullable=False),
        sa.Column("document_type", sa.String(length=50), nullable=False),
        sa.Column("document_sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "PENDING",
                "APPROVED",
                "REJECTED",
                name="reviewstatus",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("reviewed_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.String(length=500), nullable=True),
        sa.Column("document_deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_manual_verification_request_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["estate_id"],
            ["estate.id"],
            name=op.f("fk_manual_verification_request_estate_id_estate"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manual_verification_request")),
    )
    with op.batch_alter_table("manual_verification_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_manual_verification_request_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_manual_verification_request_estate_id"), ["estate_id"], unique=False)

    op.create_table(
        "role_grant",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("granted_by", sa.String(length=200), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "ADMIN",
                "STREET_OFFICE",
                "COMMITTEE",
                "OBSERVER",
                "AUDITOR",
                name="role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("street_office_id", sa.Uuid(), nullable=True),
        sa.Column("community_id", sa.Uuid(), nullable=True),
        sa.Column("estate_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            SCOPE_CHECK,
            name=op.f("ck_role_grant_scope_matches_role"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_role_grant_account_id_account"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["community_id"], ["community.id"], name=op.f("fk_role_grant_community_id_community"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["estate_id"], ["estate.id"], name=op.f("fk_role_grant_estate_id_estate"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["street_office_id"],
            ["street_office.id"],
            name=op.f("fk_role_grant_street_office_id_street_office"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_grant")),
    )
    with op.batch_alter_table("role_grant", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_role_grant_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_role_grant_community_id"), ["community_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_role_grant_estate_id"), ["estate_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_role_grant_street_office_id"), ["street_office_id"], unique=False)

    op.create_table(
        "verification_document",
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["manual_verification_request.id"],
            name=op.f("fk_verification_document_request_id_manual_verification_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_verification_document")),
    )
    # A register version keeps the developer and the parking rule it was imported under.
    with op.batch_alter_table("register_version", schema=None) as batch_op:
        batch_op.add_column(sa.Column("include_parking", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("developer_owner_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_register_version_developer_owner_id_owner"),
            "owner",
            ["developer_owner_id"],
            ["id"],
            ondelete="RESTRICT",
        )
    op.execute(
        "UPDATE register_version SET include_parking = (SELECT estate.include_parking FROM estate"
        " WHERE estate.id = register_version.estate_id), developer_owner_id = (SELECT estate.developer_owner_id"
        " FROM estate WHERE estate.id = register_version.estate_id)"
    )

    # API keys gain the observer and auditor roles and a community scope: replace both CHECK constraints.
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_api_key_scope_matches_role"), type_="check")
        batch_op.drop_constraint(op.f("ck_api_key_role"), type_="check")
        batch_op.add_column(sa.Column("community_id", sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f("ix_api_key_community_id"), ["community_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_api_key_community_id_community"), "community", ["community_id"], ["id"], ondelete="RESTRICT"
        )
        batch_op.create_check_constraint("role", f"role IN ({', '.join(repr(role) for role in ROLES)})")
        batch_op.create_check_constraint("scope_matches_role", SCOPE_CHECK)


def downgrade() -> None:
    with op.batch_alter_table("register_version", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_register_version_developer_owner_id_owner"), type_="foreignkey")
        batch_op.drop_column("developer_owner_id")
        batch_op.drop_column("include_parking")
    op.execute("DELETE FROM api_key WHERE role IN ('OBSERVER', 'AUDITOR')")
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_api_key_scope_matches_role"), type_="check")
        batch_op.drop_constraint(op.f("ck_api_key_role"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_api_key_community_id_community"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_api_key_community_id"))
        batch_op.drop_column("community_id")
        batch_op.create_check_constraint("role", "role IN ('ADMIN', 'STREET_OFFICE', 'COMMITTEE')")
        batch_op.create_check_constraint(
            "scope_matches_role",
            "(role = 'ADMIN' AND street_office_id IS NULL AND estate_id IS NULL)"
            " OR (role = 'STREET_OFFICE' AND street_office_id IS NOT NULL AND estate_id IS NULL)"
            " OR (role = 'COMMITTEE' AND estate_id IS NOT NULL AND street_office_id IS NULL)",
        )

    op.drop_table("verification_document")
    with op.batch_alter_table("role_grant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_role_grant_street_office_id"))
        batch_op.drop_index(batch_op.f("ix_role_grant_estate_id"))
        batch_op.drop_index(batch_op.f("ix_role_grant_community_id"))
        batch_op.drop_index(batch_op.f("ix_role_grant_account_id"))

    op.drop_table("role_grant")
    with op.batch_alter_table("manual_verification_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_manual_verification_request_estate_id"))
        batch_op.drop_index(batch_op.f("ix_manual_verification_request_account_id"))

    op.drop_table("manual_verification_request")
    with op.batch_alter_table("identity_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identity_event_kind"))
        batch_op.drop_index(batch_op.f("ix_identity_event_estate_id"))
        batch_op.drop_index(batch_op.f("ix_identity_event_account_id"))

    op.drop_table("identity_event")
    with op.batch_alter_table("acting_grant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_acting_grant_grantee_account_id"))
        batch_op.drop_index("ix_acting_grant_estate_group")

    op.drop_table("acting_grant")
    with op.batch_alter_table("verification_attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_verification_attempt_identifier_created")
        batch_op.drop_index("ix_verification_attempt_account_created")

    op.drop_table("verification_attempt")
    with op.batch_alter_table("refresh_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refresh_token_family_id"))
        batch_op.drop_index(batch_op.f("ix_refresh_token_account_id"))

    op.drop_table("refresh_token")
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_owner_id"))

    op.drop_table("account")
    with op.batch_alter_table("otp_challenge", schema=None) as batch_op:
        batch_op.drop_index("ix_otp_challenge_phone_created")

    op.drop_table("otp_challenge")
