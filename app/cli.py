"""The ``evote`` command: serve, migrate, export the OpenAPI schema, import registers, issue keys.

CLI commands act as the operator (whoever can run them can already reach the database); each runs in one
transaction, committed at the end or not at all.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import uuid
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app import serving
from app.common.access import Role, Scope
from app.errors import DomainError
from app.identity.service import OPERATOR, TokenHasher, issue_api_key
from app.settings import Settings, get_settings
from app.terminal import progress_bar
from app.verifier.trust import add_trust_arguments

console = Console(stderr=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except DomainError as error:
        _print_domain_error(error)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="evote", description="evote: owners' e-voting backend")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the API server (migrates SQLite automatically)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument(
        "--forwarded-allow-ips",
        default=None,
        metavar="ADDRESSES",
        help="reverse proxies whose X-Forwarded-For is believed, comma-separated addresses or networks "
        "(sets EVOTE_FORWARDED_ALLOW_IPS; default: none, the headers are ignored)",
    )
    serve.add_argument(
        "--dev-clock",
        action="store_true",
        help="development only: let operators move the clock forward (POST /api/v1/dev/clock) to rehearse a "
        "whole vote; one worker; refused with EVOTE_ENV=production (sets EVOTE_DEV_CLOCK)",
    )
    serve.set_defaults(handler=_serve)

    migrate = commands.add_parser("migrate", help="upgrade the database schema (or downgrade with --to)")
    migrate.add_argument("--to", default=None, help="downgrade to this revision (e.g. base)")
    migrate.set_defaults(handler=_migrate)

    openapi = commands.add_parser("openapi", help="print or write openapi/openapi.json")
    openapi.add_argument("--write", action="store_true", help="write openapi/openapi.json")
    openapi.set_defaults(handler=_openapi)

    register = commands.add_parser("register", help="property register").add_subparsers(required=True, metavar="ACTION")
    register_import = register.add_parser("import", help="import a register file (CSV or JSON) into an estate")
    register_import.add_argument("file", type=Path)
    register_import.add_argument("--estate", required=True, type=uuid.UUID, help="estate id")
    register_import.add_argument("--format", choices=["csv", "json"], default=None)
    register_import.set_defaults(handler=_register_import)

    estate = commands.add_parser("estate", help="places").add_subparsers(required=True, metavar="ACTION")
    estate_create = estate.add_parser(
        "create", help="create an estate, creating its district, street office and community if missing"
    )
    estate_create.add_argument("--district-code", required=True)
    estate_create.add_argument("--district", required=True, help="district name")
    estate_create.add_argument("--street-office", required=True)
    estate_create.add_argument("--community", required=True)
    estate_create.add_argument("--name", required=True, help="estate name")
    estate_create.add_argument("--address", default=None)
    estate_create.add_argument("--include-parking", action="store_true")
    estate_create.add_argument("--developer-name", default=None)
    estate_create.add_argument("--developer-credit-code", default=None)
    estate_create.set_defaults(handler=_estate_create)

    apikey = commands.add_parser("apikey", help="staff API keys").add_subparsers(required=True, metavar="ACTION")
    apikey_create = apikey.add_parser("create", help="issue a key (printed once)")
    apikey_create.add_argument("--name", required=True)
    apikey_create.add_argument("--role", required=True, choices=[role.value for role in Role])
    apikey_create.add_argument("--street-office", type=uuid.UUID, default=None)
    apikey_create.add_argument("--community", type=uuid.UUID, default=None)
    apikey_create.add_argument("--estate", type=uuid.UUID, default=None)
    apikey_create.set_defaults(handler=_apikey_create)
    verification = commands.add_parser("verification", help="real-name verification").add_subparsers(
        required=True, metavar="ACTION"
    )
    verification.add_parser(
        "purge-documents", help="delete identity documents decided more than 30 days ago (R-PI-4)"
    ).set_defaults(handler=_verification_purge_documents)

    log = commands.add_parser("log", help="audit log").add_subparsers(required=True, metavar="ACTION")
    cosign = log.add_parser("cosign", help="as a witness, cosign the latest checkpoint if it extends the last one")
    cosign.add_argument("--url", required=True, help="the evote server, e.g. https://evote.example")
    cosign.add_argument("--witness-name", required=True, help="the witness's note key name")
    cosign.add_argument("--witness-key", required=True, type=Path, help="the witness's PEM Ed25519 private key")
    cosign.add_argument(
        "--log-key", required=True, help="the log's verifier key (name+keyid+key), from a trusted source"
    )
    cosign.add_argument("--state", type=Path, default=Path("witness-checkpoint.txt"), help="last cosigned checkpoint")
    cosign.set_defaults(handler=_log_cosign)

    audit = commands.add_parser("audit", help="audit the live database").add_subparsers(required=True, metavar="ACTION")
    audit_check = audit.add_parser(
        "check", help="recompute every hash, leaf, root and signature: OK, or one FAIL line per tampered row"
    )
    audit_check.add_argument("--estate", type=uuid.UUID, default=None, help="only this estate's rows (not the tree)")
    audit_check.add_argument("--vote", type=uuid.UUID, default=None, help="only this vote's rows (not the tree)")
    audit_check.set_defaults(handler=_audit_check)
    audit_dump = audit.add_parser(
        "dump", help="write the public log (latest checkpoint and every leaf) as JSON Lines, for verify --log-dump"
    )
    audit_dump.add_argument("--out", required=True, type=Path, help="the .jsonl file to write")
    audit_dump.set_defaults(handler=_audit_dump)

    export = commands.add_parser("export", help="write a decided vote's auditor bundle (.zip) for evote verify")
    export.add_argument("--vote", required=True, type=uuid.UUID, help="vote id")
    export.add_argument("--out", required=True, type=Path, help="the .zip file to write")
    export.set_defaults(handler=_export)

    verify = commands.add_parser(
        "verify",
        help="check an export bundle offline against pinned keys: PASS (0), FAIL naming the problem (1), "
        "UNVERIFIED KEY without --log-key (3)",
    )
    verify.add_argument("bundle", type=Path, help="the bundle .zip")
    add_trust_arguments(verify)
    verify.add_argument(
        "--log-dump", type=Path, default=None, help="a JSON Lines dump of the public log (evote audit dump): freshness"
    )
    verify.set_defaults(handler=_verify)
    receipt = commands.add_parser("receipt", help="an owner's ballot receipt").add_subparsers(
        required=True, metavar="ACTION"
    )
    receipt_check = receipt.add_parser(
        "check", help="offline: the receipt proves a logged ballot that your answers and nonce open (PASS or FAIL)"
    )
    receipt_check.add_argument("receipt", type=Path, help="the c2sp.org/tlog-proof receipt (text or JSON form)")
    receipt_check.add_argument("--log-key", required=True, help="the log's verifier key (name+keyid+key) to trust")
    receipt_check.add_argument("--nonce", required=True, help="the nonce of your cast receipt (32 hex digits)")
    receipt_check.add_argument(
        "--answers", required=True, help="your answers as JSON (topic id → answer), or @FILE holding that JSON"
    )
    receipt_check.add_argument(
        "--counted",
        type=Path,
        default=None,
        help="after the close: the counted proof (GET /receipts/{entry_id}/counted); checks your ballot was counted",
    )
    receipt_check.set_defaults(handler=_receipt_check)
    demo = commands.add_parser("demo", help="run a whole vote on a generated estate and verify the export (PASS)")
    demo.add_argument("--out", type=Path, default=Path("var/demo-bundle.zip"), help="where to write the bundle")
    demo.set_defaults(handler=_demo)
    return parser


def _demo(args: argparse.Namespace) -> int:
    from app.demo import main as run_demo

    return run_demo(args.out)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    if args.forwarded_allow_ips is not None:
        # The app reads it from its settings (in every worker process, which inherit the environment).
        os.environ["EVOTE_FORWARDED_ALLOW_IPS"] = args.forwarded_allow_ips
    if args.dev_clock:
        if os.environ.get("EVOTE_ENV") == "production":
            console.print("[red]error[/red] --dev-clock is for rehearsals and is refused with EVOTE_ENV=production")
            return 2
        if args.workers != 1:
            console.print("[red]error[/red] --dev-clock needs --workers 1 (each process keeps its own clock)")
            return 2
        os.environ["EVOTE_DEV_CLOCK"] = "true"
    options: dict[str, Any] = {
        "app": "app.main:app_from_env",
        "factory": True,
        "host": args.host,
        "port": args.port,
        "log_config": None,
        # uvicorn would otherwise believe X-Forwarded-For from 127.0.0.1 (or $FORWARDED_ALLOW_IPS); the app
        # applies EVOTE_FORWARDED_ALLOW_IPS itself (app.main), so the rate limits count the real client.
        "proxy_headers": False,
        "forwarded_allow_ips": "",
    }
    if serving.supported(args.port, args.workers):  # one SO_REUSEPORT socket per worker: connections spread evenly
        try:
            serving.serve(options, host=args.host, port=args.port, workers=args.workers)
        except OSError as error:
            console.print(f"[red]error[/red] cannot listen on {args.host}:{args.port}: {error.strerror}")
            return 1
        return 0
    uvicorn.run(workers=args.workers, **options)
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from app.db.migrate import downgrade, upgrade

    settings = get_settings()
    if args.to:
        downgrade(settings.database_url, args.to)
    else:
        upgrade(settings.database_url)
    return 0


def _openapi(args: argparse.Namespace) -> int:
    from app.main import OPENAPI_PATH, render_openapi

    text = render_openapi()
    if args.write:
        OPENAPI_PATH.parent.mkdir(parents=True, exist_ok=True)
        OPENAPI_PATH.write_text(text, encoding="utf-8")
        console.print(f"wrote {OPENAPI_PATH}")
    else:
        sys.stdout.write(text)
    return 0


def _run_in_transaction(work: Callable[[AsyncSession, Settings], Awaitable[int]]) -> int:
    """Migrate if this is the embedded database, then run ``work`` in one transaction."""
    from app.db.migrate import upgrade
    from app.db.session import create_engine, create_sessionmaker, unit_of_work

    settings = get_settings()
    if settings.should_auto_migrate:
        upgrade(settings.database_url)

    async def run() -> int:
        engine = create_engine(settings)
        try:
            async with unit_of_work(create_sessionmaker(engine)) as session:
                return await work(session, settings)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _cipher(settings: Settings) -> Any:
    from app.security.pii import FieldCipher

    return FieldCipher.from_settings(settings)


def _register_import(args: argparse.Namespace) -> int:
    from app.committee import service as committees  # noqa: F401 - ends memberships of former owners (Art. 46)
    from app.realname import binding  # noqa: F401 - ends the bindings a new version no longer supports
    from app.register.parsing import RegisterFormat
    from app.register.router import detect_format
    from app.register.service import import_register
    from app.supervision import register_watch  # noqa: F401 - flags votes running during the import

    path: Path = args.file
    content = path.read_bytes()
    register_format = detect_format(path.name, None, RegisterFormat(args.format) if args.format else None)

    async def work(session: AsyncSession, settings: Settings) -> int:
        with progress_bar("importing units", console) as progress:
            task = progress.add_task("import", total=None)

            def report(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            outcome = await import_register(
                session,
                args.estate,
                content,
                register_format=register_format,
                source_name=path.name,
                imported_by=OPERATOR,
                cipher=_cipher(settings),
                progress=report,
            )
        version = outcome.version
        state = "imported as new" if outcome.created else "unchanged: identical to"
        console.print(
            f"{state} version {version.number} ({version.unit_count} units, hash {version.content_hash[:16]}…); "
            f"heads {outcome.roll.total.heads}, area {outcome.roll.total.area} (0.01 m²)"
        )
        json.dump(
            {
                "created": outcome.created,
                "version": version.number,
                "content_hash": version.content_hash,
                "heads": outcome.roll.total.heads,
                "area": outcome.roll.total.area,
            },
            sys.stdout,
        )
        sys.stdout.write("\n")
        return 0

    return _run_in_transaction(work)


def _estate_create(args: argparse.Namespace) -> int:
    from app.register import estates as service

    async def work(session: AsyncSession, settings: Settings) -> int:
        placed = await service.create_estate_in_places(
            session,
            OPERATOR,
            district_code=args.district_code,
            district_name=args.district,
            street_office_name=args.street_office,
            community_name=args.community,
            estate_name=args.name,
            address=args.address,
            include_parking=args.include_parking,
            developer_name=args.developer_name,
            developer_credit_code=args.developer_credit_code,
            cipher=_cipher(settings),
        )
        district, office, community, estate = placed.district, placed.street_office, placed.community, placed.estate
        json.dump(
            {
                "district_id": str(district.id),
                "street_office_id": str(office.id),
                "community_id": str(community.id),
                "estate_id": str(estate.id),
            },
            sys.stdout,
        )
        sys.stdout.write("\n")
        return 0

    return _run_in_transaction(work)


def _apikey_create(args: argparse.Namespace) -> int:
    async def work(session: AsyncSession, settings: Settings) -> int:
        scope = Scope(Role(args.role), args.street_office, args.community, args.estate)
        api_key, secret = await issue_api_key(
            session, name=args.name, scope=scope, hasher=TokenHasher(settings.key("token_hash_key"))
        )
        console.print(f"issued {api_key.role.value} key {api_key.prefix}… (shown once; store it safely)")
        sys.stdout.write(secret + "\n")
        return 0

    return _run_in_transaction(work)


def _verification_purge_documents(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from app.db.base import utcnow
    from app.realname.service import purge_decided_documents

    async def work(session: AsyncSession, settings: Settings) -> int:
        retention = timedelta(days=settings.verification_document_retention_days)
        deleted = await purge_decided_documents(session, utcnow(), retention=retention)
        console.print(f"deleted {deleted} identity document(s) decided more than {retention.days} days ago")
        json.dump({"deleted": deleted}, sys.stdout)
        sys.stdout.write("\n")
        return 0

    return _run_in_transaction(work)


def _log_cosign(args: argparse.Namespace) -> int:
    import httpx

    from app.audit.cosigner import CosignRefused, cosign_latest
    from app.ledger.note import parse_verifier_key
    from app.ledger.signing import private_key_from_pem

    log = parse_verifier_key(args.log_key)
    witness_key = private_key_from_pem(args.witness_key.read_bytes())

    async def run() -> int:
        async with httpx.AsyncClient(base_url=args.url, timeout=30) as client:
            result = await cosign_latest(
                client, log=log, witness_name=args.witness_name, witness_key=witness_key, state_file=args.state
            )
        console.print(f"cosigned checkpoint of size {result.size} (previous: {result.previous_size})")
        json.dump({"size": result.size, "previous_size": result.previous_size}, sys.stdout)
        sys.stdout.write("\n")
        return 0

    try:
        return asyncio.run(run())
    except CosignRefused as refused:
        console.print(f"[red]refused[/red] {refused}")
        return 3


def _export(args: argparse.Namespace) -> int:
    from app.audit.keys import LogKeys
    from app.db.base import utcnow
    from app.result.export import export

    async def work(session: AsyncSession, settings: Settings) -> int:
        bundle = await export(
            session, OPERATOR, args.vote, keys=LogKeys.from_settings(settings),
            pseudonym_key=settings.key("pseudonym_key"), now=utcnow(),
        )  # fmt: skip
        args.out.write_bytes(bundle.content)
        console.print(f"wrote {args.out} ({len(bundle.content)} bytes, sha256 {bundle.sha256})")
        return 0

    return _run_in_transaction(work)


def _audit_check(args: argparse.Namespace) -> int:
    """Read-only: ``app.integrity.check`` in one transaction; exit 1 when any row fails (docs/audit-check.md)."""
    import time

    from app.audit.keys import LogKeys
    from app.integrity.check import check_database

    async def work(session: AsyncSession, settings: Settings) -> int:
        started = time.perf_counter()
        if session.get_bind().dialect.name == "postgresql":
            # One snapshot for every check: a ballot voided or an entry integrated while the check reads the
            # tables must not show up as a mismatch between two of them (SQLite's single writer gives the same).
            await session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
        report = await check_database(
            session,
            LogKeys.from_settings(settings),
            pseudonym_key=settings.key("pseudonym_key"),
            estate_id=args.estate,
            vote_id=args.vote,
        )
        sys.stdout.write("".join(f"{line}\n" for line in report.lines()))
        console.print(f"checked in {time.perf_counter() - started:.2f} s")
        return 0 if report.ok else 1

    return _run_in_transaction(work)


def _verify(args: argparse.Namespace) -> int:
    """Offline: no settings, no database; only ``app.verifier`` (stdlib, cryptography, app.rules, app.ledger)."""
    from app.verifier import run
    from app.verifier.report import EXIT_USAGE
    from app.verifier.trust import TrustError, trust_from_arguments

    try:
        trust = trust_from_arguments(args)
    except TrustError as error:
        sys.stderr.write(f"evote verify: {error}\n")
        return EXIT_USAGE
    return run(args.bundle, out=sys.stdout, err=sys.stderr, trust=trust, log_dump=args.log_dump)


def _audit_dump(args: argparse.Namespace) -> int:
    """Read-only: ``app.audit.service.dump_lines`` in one transaction, to a file."""
    from app.audit import service as audit_service

    async def work(session: AsyncSession, settings: Settings) -> int:
        count = -1
        with args.out.open("w", encoding="utf-8") as out:
            async for line in audit_service.dump_lines(session):
                out.write(line + "\n")
                count += 1
        console.print(f"wrote {args.out} ({count} leaves)")
        return 0

    return _run_in_transaction(work)


def _receipt_check(args: argparse.Namespace) -> int:
    """Offline, like ``evote verify``: only ``app.ledger`` (docs/secrecy.md, "Checking your receipt")."""
    import json

    from app.ledger.receipt import VerifiedCounted, open_ballot_receipt, open_counted_receipt

    try:
        source = args.answers
        if source.startswith("@"):
            source = Path(source[1:]).read_text("utf-8")
        answers = json.loads(source)
        nonce = args.nonce.strip().lower()
        receipt = args.receipt.read_bytes()
        counted: VerifiedCounted | None = None
        if args.counted is None:
            verified = open_ballot_receipt(receipt, args.log_key, answers=answers, nonce=nonce)
        else:
            counted = open_counted_receipt(
                receipt, args.counted.read_bytes(), args.log_key, answers=answers, nonce=nonce
            )
            verified = counted.ballot
    except (OSError, ValueError, TypeError) as failure:
        sys.stdout.write(f"FAIL {failure}\n")
        return 1
    sys.stdout.write(
        f"PASS ballot {verified.entry['payload'].get('ballot_id')} of vote {verified.entry['vote_id']} is leaf "
        f"{verified.index} of the log signed at size {verified.checkpoint.size}, and your answers and nonce open "
        "its commitment\n"
    )
    if counted is not None:
        sys.stdout.write(
            f"PASS it was counted: its commitment is leaf {counted.index} of the {counted.count} ballots counted in "
            f"the vote.closed entry {counted.closed.entry['id']}, leaf {counted.closed.index} of the log signed at "
            f"size {counted.closed.checkpoint.size}\n"
        )
    return 0


def _print_domain_error(error: DomainError) -> None:
    console.print(f"[red]error[/red] {error.code}: {error.message('zh')} / {error.message('en')}")
    for row_error in error.extra.get("errors", []):
        console.print(
            f"  row {row_error['row']} {row_error['column']}: {row_error['detail_zh']} / {row_error['detail_en']}"
        )
    for unit_id in error.extra.get("unit_ids", [])[:50]:
        console.print(f"  unit {unit_id}")


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
