"""owner bindings per estate, identity documents beyond the resident ID card, notices to one account

* ``owner_binding``: an account bound to an owner of ONE estate, against that estate's register (R-CAST-1);
  existing verified accounts get a binding in every estate whose latest register version lists their owner,
  which is what they could act for before.
* ``owner.document_type``: the identity document of an owner (existing persons: resident ID card; existing
  organisations: unified social credit code).
* ``notice.account_id`` and the ``ACCOUNT`` audience; notice kinds ``REGISTER_CHANGE`` and ``BINDING_ENDED``.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 10:00:00
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DOCUMENTS = (
    "RESIDENT_ID", "PASSPORT", "HK_MACAO_PERMIT", "TAIWAN_PERMIT", "FOREIGN_PERMANENT_RESIDENT_ID", "USCC",
)  # fmt: skip
OLD_NOTICE_KINDS = (
    "VOTE_NOTICE", "ERRATUM", "CANCELLATION", "RESULT", "SUSPENSION", "RESUMPTION", "CORRECTION_ORDER",
    "REVOCATION", "PETITION", "REMINDER", "VERIFICATION_ALERT",
)  # fmt: skip
NEW_NOTICE_KINDS = (*OLD_NOTICE_KINDS, "REGISTER_CHANGE", "BINDING_ENDED")
OLD_AUDIENCES = ("OWNERS", "ORGANISERS")
NEW_AUDIENCES = (*OLD_AUDIENCES, "ACCOUNT")
METHODS = ("REGISTER_MATCH", "IDENTITY_PROVIDER", "MANUAL_REVIEW")


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN (" + ", ".join(f"'{value}'" for value in values) + ")"


def _notice_checks(kinds: Sequence[str], audiences: Sequence[str]) -> None:
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_notice_noticekind"), type_="check")
        batch_op.drop_constraint(op.f("ck_notice_audience"), type_="check")
        batch_op.create_check_constraint(op.f("ck_notice_noticekind"), _in("kind", kinds))
        batch_op.create_check_constraint(op.f("ck_notice_audience"), _in("audience", audiences))


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("SET LOCAL lock_timeout = '5s'")
    with op.batch_alter_table("owner", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "document_type",
                sa.Enum(*DOCUMENTS, name="identitydocument", native_enum=False, create_constraint=True, length=40),
                server_default="RESIDENT_ID",
                nullable=False,
            )
        )
    op.execute("UPDATE owner SET document_type = 'USCC' WHERE kind = 'ORGANISATION'")

    op.create_table(
        "owner_binding",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("estate_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("register_version_id", sa.Uuid(), nullable=False),
        sa.Column(
            "method",
            sa.Enum(*METHODS, name="verificationmethod", native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column("unit_key", sa.String(length=220), nullable=True),
        sa.Column("certificate_index", sa.String(length=64), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by_version_id", sa.Uuid(), nullable=True),
        sa.Column("end_reason", sa.String(length=64), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_owner_binding_account_id_account"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["estate_id"], ["estate.id"], name=op.f("fk_owner_binding_estate_id_estate"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["owner.id"], name=op.f("fk_owner_binding_owner_id_owner"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["register_version_id"],
            ["register_version.id"],
            name=op.f("fk_owner_binding_register_version_id_register_version"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["ended_by_version_id"],
            ["register_version.id"],
            name=op.f("fk_owner_binding_ended_by_version_id_register_version"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_owner_binding")),
    )
    with op.batch_alter_table("owner_binding", schema=None) as batch_op:
        batch_op.create_index("ix_owner_binding_account_estate", ["account_id", "estate_id"], unique=False)
        batch_op.create_index("ix_owner_binding_estate_ended", ["estate_id", "ended_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_owner_binding_owner_id"), ["owner_id"], unique=False)
    _bind_verified_accounts(bind)

    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.add_column(sa.Column("account_id", sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f("ix_notice_account_id"), ["account_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_notice_account_id_account"), "account", ["account_id"], ["id"], ondelete="CASCADE"
        )
    _notice_checks(NEW_NOTICE_KINDS, NEW_AUDIENCES)


def _bind_verified_accounts(bind: sa.Connection) -> None:
    """Every verified account, bound in each estate whose latest register version lists its owner."""
    rows = bind.execute(
        sa.text(
            "SELECT DISTINCT a.id, a.owner_id, a.verification_method, v.estate_id, v.id "
            "FROM account a "
            "JOIN unit_owner uo ON uo.owner_id = a.owner_id "
            "JOIN unit u ON u.id = uo.unit_id "
            "JOIN register_version v ON v.id = u.register_version_id "
            "WHERE a.owner_id IS NOT NULL AND v.number = "
            "(SELECT MAX(w.number) FROM register_version w WHERE w.estate_id = v.estate_id)"
        )
    ).all()
    if not rows:
        return
    table = sa.table(
        "owner_binding",
        sa.column("id", sa.Uuid()),
        sa.column("account_id", sa.Uuid()),
        sa.column("estate_id", sa.Uuid()),
        sa.column("owner_id", sa.Uuid()),
        sa.column("register_version_id", sa.Uuid()),
        sa.column("method", sa.String()),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    bind.execute(
        table.insert(),
        [
            {
                "id": uuid.uuid4(), "account_id": _uuid(account_id), "estate_id": _uuid(estate_id),
                "owner_id": _uuid(owner_id), "register_version_id": _uuid(version_id),
                "method": method if method in METHODS else "REGISTER_MATCH", "created_at": now,
            }
            for account_id, owner_id, method, estate_id, version_id in rows
        ],
    )  # fmt: skip


def _uuid(value: object) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def downgrade() -> None:
    op.execute("DELETE FROM notice WHERE audience = 'ACCOUNT' OR kind IN ('REGISTER_CHANGE', 'BINDING_ENDED')")
    _notice_checks(OLD_NOTICE_KINDS, OLD_AUDIENCES)
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_notice_account_id_account"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_notice_account_id"))
        batch_op.drop_column("account_id")
    with op.batch_alter_table("owner_binding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_owner_binding_owner_id"))
        batch_op.drop_index("ix_owner_binding_estate_ended")
        batch_op.drop_index("ix_owner_binding_account_estate")
    op.drop_table("owner_binding")
    with op.batch_alter_table("owner", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_owner_identitydocument"), type_="check")
        batch_op.drop_column("document_type")
