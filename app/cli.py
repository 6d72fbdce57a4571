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
import tempfile
import uuid
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from pydantic import ValidationError
from rich.console import Console
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from app import __version__, serving
from app.common.access import Role, Scope
from app.errors import DomainError
from app.identity.service import OPERATOR, TokenHasher, issue_api_key
from app.settings import Settings, describe_settings_error, get_settings
from app.terminal import progress_bar
from app.verifier.report import add_jobs_argument
from app.verifier.trust import add_trust_arguments

console = Console(stderr=True, soft_wrap=True)  # one message, one line (no wrapping at 80 columns)


NOT_MIGRATED = "database not migrated (run `evote migrate`)"


class UserMistake(Exception):
    """A mistake the user can fix (a missing file, an unmigrated database): one line, no traceback."""

    status = 2


class Unreachable(UserMistake):
    """A server the command needs does not answer."""

    status = 4


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error (the usage is one ``--help`` away) and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except DomainError as error:
        _print_domain_error(error)
        return 2
    except ValidationError as error:
        if error.title == Settings.__name__:  # the settings (EVOTE_* variables, .env): every problem at once
            sys.stderr.write(describe_settings_error(error) + "\n")
            return 3
        for item in error.errors():  # an option the command's schema refuses (e.g. a bad credit code)
            where = ".".join(str(part) for part in item.get("loc", ())).replace("_", "-")
            _print_error(f"--{where}: {item.get('msg', 'invalid')}")
        return 2
    except UserMistake as mistake:
        _print_error(str(mistake))
        return mistake.status
    except OSError as error:
        if error.filename is None:  # a connection: the database (or the server of `log cosign`) is unreachable
            _print_error(f"cannot connect: {_first_line(error)}")
            return 4
        # a file named on the command line: missing, unreadable, a directory
        _print_error(f"cannot use {error.filename}: {error.strerror or error}")
        return 2
    except DBAPIError as error:  # the database is unreachable or refused the connection
        _print_error(f"database error: {_first_line(error.orig or error)}")
        return 4
    except KeyboardInterrupt:
        _print_error("interrupted; nothing was committed")
        return 130


def _print_error(message: str) -> None:
    sys.stderr.write(f"evote: error: {message}\n")


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="evote",
        description="evote: owners' e-voting backend. Settings come from EVOTE_* variables (README, Settings).",
    )
    parser.add_argument("--version", action="version", version=f"evote {__version__}", help="print the version")
    commands = parser.add_subparsers(required=True, metavar="COMMAND", parser_class=_Parser)

    serve = commands.add_parser("serve", help="run the API server (migrates SQLite automatically)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    serve.add_argument("--port", type=int, default=8000, help="TCP port to listen on (default: %(default)s)")
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes sharing the port; /metrics adds up their series (default: %(default)s)",
    )
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

    migrate = commands.add_parser(
        "migrate", help="upgrade the database schema to this release's head (or downgrade with --to)"
    )
    migrate.add_argument("--to", default=None, help="downgrade to this revision (e.g. base)")
    migrate.set_defaults(handler=_migrate)

    openapi = commands.add_parser("openapi", help="print or write openapi/openapi.json")
    openapi.add_argument("--write", action="store_true", help="write openapi/openapi.json")
    openapi.set_defaults(handler=_openapi)

    register = commands.add_parser("register", help="property register").add_subparsers(
        required=True, metavar="ACTION", parser_class=_Parser
    )
    register_import = register.add_parser(
        "import",
        help="import a register file (Excel .xlsx, CSV in UTF-8 or GBK, or JSON) into an estate",
    )
    register_import.add_argument("file", type=Path, help="the register file")
    register_import.add_argument("--estate", required=True, type=uuid.UUID, help="estate id")
    register_import.add_argument(
        "--format", choices=["csv", "json", "xlsx"], default=None, help="file format (default: from the file name)"
    )
    register_import.set_defaults(handler=_register_import)
    register_template = register.add_parser(
        "template", help="write the register template (Chinese headers and an example row)"
    )
    register_template.add_argument("--format", choices=["xlsx", "csv"], default="xlsx", help="default: xlsx")
    register_template.add_argument(
        "--out", type=Path, default=None, help="file to write (default: register-template.xlsx or .csv)"
    )
    register_template.set_defaults(handler=_register_template)

    estate = commands.add_parser("estate", help="places").add_subparsers(
        required=True, metavar="ACTION", parser_class=_Parser
    )
    estate_create = estate.add_parser(
        "create", help="create an estate, creating its district, street office and community if missing"
    )
    estate_create.add_argument("--district-code", required=True, help="the district's GB/T 2260 code, e.g. 110105")
    estate_create.add_argument("--district", required=True, help="district name, e.g. 朝阳区")
    estate_create.add_argument("--street-office", required=True, help="street office (街道/乡镇) name")
    estate_create.add_argument("--community", required=True, help="community (社区) name")
    estate_create.add_argument("--name", required=True, help="estate name")
    estate_create.add_argument("--address", default=None, help="the estate's address")
    estate_create.add_argument(
        "--include-parking", action="store_true", help="count parking spaces in areas and heads (R-AREA-3)"
    )
    estate_create.add_argument(
        "--developer-name", default=None, help="the developer (建设单位), who holds unsold units (R-HEAD-4)"
    )
    estate_create.add_argument(
        "--developer-credit-code", default=None, help="the developer's unified social credit code (统一社会信用代码)"
    )
    estate_create.set_defaults(handler=_estate_create)
    estate_update = estate.add_parser(
        "update", help="correct an estate: name, address, community, or record its developer (logged)"
    )
    estate_update.add_argument("estate_id", type=uuid.UUID, help="estate id")
    estate_update.add_argument("--name", default=None, help="new estate name")
    estate_update.add_argument("--address", default=None, help="new address")
    estate_update.add_argument("--community-id", type=uuid.UUID, default=None, help="move to this community")
    estate_update.add_argument("--developer-name", default=None, help="developer (建设单位) name, with its credit code")
    estate_update.add_argument("--developer-credit-code", default=None, help="the developer's unified credit code")
    estate_update.set_defaults(handler=_estate_update)

    apikey = commands.add_parser("apikey", help="staff API keys").add_subparsers(
        required=True, metavar="ACTION", parser_class=_Parser
    )
    apikey_create = apikey.add_parser("create", help="issue a key (printed once)")
    apikey_create.add_argument("--name", required=True, help="who or what holds the key (shown in listings)")
    apikey_create.add_argument(
        "--role",
        required=True,
        choices=[role.value for role in Role],
        help="the key's role (README, Command line): %(choices)s",
    )
    apikey_create.add_argument("--street-office", type=uuid.UUID, default=None, help="scope: a street office id")
    apikey_create.add_argument("--community", type=uuid.UUID, default=None, help="scope: a community id")
    apikey_create.add_argument("--estate", type=uuid.UUID, default=None, help="scope: an estate id")
    apikey_create.set_defaults(handler=_apikey_create)
    verification = commands.add_parser("verification", help="real-name verification").add_subparsers(
        required=True, metavar="ACTION", parser_class=_Parser
    )
    verification.add_parser(
        "purge-documents", help="delete identity documents decided more than 30 days ago (R-PI-4)"
    ).set_defaults(handler=_verification_purge_documents)

    log = commands.add_parser("log", help="audit log").add_subparsers(
        required=True, metavar="ACTION", parser_class=_Parser
    )
    cosign = log.add_parser("cosign", help="as a witness, cosign the latest checkpoint if it extends the last one")
    cosign.add_argument("--url", required=True, help="the evote server, e.g. https://evote.example")
    cosign.add_argument("--witness-name", required=True, help="the witness's note key name")
    cosign.add_argument("--witness-key", required=True, type=Path, help="the witness's PEM Ed25519 private key")
    cosign.add_argument(
        "--log-key", required=True, help="the log's verifier key (name+keyid+key), from a trusted source"
    )
    cosign.add_argument("--state", type=Path, default=Path("witness-checkpoint.txt"), help="last cosigned checkpoint")
    cosign.set_defaults(handler=_log_cosign)

    audit = commands.add_parser("audit", help="audit the live database").add_subparsers(
        required=True, metavar="ACTION", parser_class=_Parser
    )
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
    add_jobs_argument(verify)
    verify.set_defaults(handler=_verify)
    receipt = commands.add_parser("receipt", help="an owner's ballot receipt").add_subparsers(
        required=True, metavar="ACTION", parser_class=_Parser
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

    from app import metrics

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
    if args.workers < 1:
        raise UserMistake("--workers must be at least 1")
    settings = get_settings()  # every settings problem reported here, at once, before any process starts
    if args.workers > 1 and settings.should_auto_migrate:
        from app.db.migrate import upgrade

        upgrade(settings.database_url)  # once, here: workers migrating the same file at once would race
    if args.workers > 1 and not os.environ.get("EVOTE_REDIS_URL"):
        console.print(
            f"[yellow]note[/yellow] EVOTE_REDIS_URL is not set: each of the {args.workers} workers counts the "
            "per-address rate limits on its own (up to that many times the configured rate)"
        )
    if args.workers > 1:
        # prometheus_client's multi-process mode: each worker writes its series under this directory and a scrape
        # answered by any of them adds them up (app.metrics). Set before the workers import prometheus_client.
        configured = metrics.multiprocess_dir()
        directory = configured or Path(tempfile.mkdtemp(prefix="evote-metrics-"))
        metrics.prepare_multiprocess_dir(directory)
        os.environ[metrics.MULTIPROC_ENV] = str(directory)
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
        try:  # each worker binds before its lifespan starts the background jobs
            serving.serve(options, host=args.host, port=args.port, workers=args.workers)
        except OSError as error:
            raise UserMistake(f"cannot listen on {args.host}:{args.port}: {error.strerror or error}") from None
        return 0
    return 0 if _listen_and_run(uvicorn.Config(workers=args.workers, **options)) else 1


def _listen_and_run(config: Any) -> bool:
    """Bind the port, then run the server on it (``config`` is a ``uvicorn.Config``); False if it never started.

    The port is bound before any worker starts the app: the lifespan (auto-migration, the background jobs that
    close votes, integrate the log and deliver notices) runs only in a server that holds its port. uvicorn alone
    would start the lifespan first and fail to bind afterwards.
    """
    import socket

    import uvicorn
    from uvicorn.supervisors import Multiprocess

    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((config.host, config.port))
    except OSError as error:
        sock.close()
        raise UserMistake(f"cannot listen on {config.host}:{config.port}: {error.strerror or error}") from None
    sock.set_inheritable(True)
    server = uvicorn.Server(config)
    if config.workers > 1:
        Multiprocess(config, sockets=[sock]).run()
        return True
    server.run(sockets=[sock])
    return bool(server.started)


def _migrate(args: argparse.Namespace) -> int:
    from app.db.migrate import database_schema_state, downgrade, revisions_between, upgrade

    settings = get_settings()
    where = _database_label(settings.database_url)
    before = asyncio.run(database_schema_state(settings.database_url))
    if not before.known:
        raise UserMistake(
            f"{where} is at {before.describe(before.current)}, a revision this release does not know "
            "(migrated by a newer release?); nothing done"
        )
    if args.to:
        downgrade(settings.database_url, args.to)
    else:
        upgrade(settings.database_url)
    after = asyncio.run(database_schema_state(settings.database_url))
    if after.current == before.current:
        sys.stdout.write(f"{where}: already at {after.describe(after.current)}; nothing to do\n")
        return 0
    if args.to:
        undone = revisions_between(before.current, after.current)
        sys.stdout.write(
            f"{where}: downgraded from {before.describe(before.current)} to {after.describe(after.current)}, "
            f"undoing {len(undone)} migration(s): {', '.join(reversed(undone))}\n"
        )
    else:
        applied = revisions_between(after.current, before.current)
        sys.stdout.write(
            f"{where}: migrated from {before.describe(before.current)} to {after.describe(after.current)}, "
            f"applying {len(applied)} migration(s): {', '.join(applied)}\n"
        )
    return 0


def _database_label(database_url: str) -> str:
    """The database named without its password."""
    from sqlalchemy.engine import make_url

    return make_url(database_url).render_as_string(hide_password=True)


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
    from app.db.migrate import schema_state, upgrade
    from app.db.session import create_engine, create_sessionmaker, unit_of_work

    settings = get_settings()
    if settings.should_auto_migrate:
        upgrade(settings.database_url)

    async def run() -> int:
        engine = create_engine(settings)
        try:
            async with engine.connect() as connection:
                schema = await schema_state(connection)
            if not schema.at_head and schema.known:
                raise UserMistake(
                    f"{NOT_MIGRATED}: the schema is at {schema.describe(schema.current)}, "
                    f"this release needs {schema.describe(schema.heads)}"
                )
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
    try:
        content = path.read_bytes()
    except OSError as exc:
        console.print(f"[red]error[/red] 无法读取文件 / cannot read {path}: {exc.strerror or exc}")
        return 2
    register_format = detect_format(path.name, None, RegisterFormat(args.format) if args.format else None)

    async def work(session: AsyncSession, settings: Settings) -> int:
        # Rows are counted twice (checked, then written): app.register.service.import_register.
        with progress_bar("checking and writing units", console) as progress:
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
        read_as = register_format.value + (f", {outcome.encoding.value}" if outcome.encoding else "")
        console.print(
            f"read as {read_as}; {state} version {version.number} ({version.unit_count} units, hash "
            f"{version.content_hash[:16]}…); heads {outcome.roll.total.heads}, area {outcome.roll.total.area} (0.01 m²)"
        )
        json.dump(
            {
                "created": outcome.created,
                "format": register_format.value,
                "encoding": outcome.encoding.value if outcome.encoding else None,
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


def _register_template(args: argparse.Namespace) -> int:
    from app.register import template

    content = template.template_xlsx() if args.format == "xlsx" else template.template_csv()
    out: Path = args.out or Path(f"{template.TEMPLATE_NAME}.{args.format}")
    try:
        out.write_bytes(content)
    except OSError as exc:
        console.print(f"[red]error[/red] 无法写入文件 / cannot write {out}: {exc.strerror or exc}")
        return 2
    console.print(f"wrote {out}")
    return 0


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
        if not placed.created:
            console.print(
                f"estate {estate.name} already exists in {community.name}: returned as it is "
                "(change it with evote estate update)"
            )
        json.dump(
            {
                "created": placed.created,
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


def _estate_update(args: argparse.Namespace) -> int:
    from app.register import estates as service
    from app.register.estate_schemas import EstateUpdate

    fields = {
        "name": args.name,
        "address": args.address,
        "community_id": args.community_id,
        "developer_name": args.developer_name,
        "developer_credit_code": args.developer_credit_code,
    }
    body = EstateUpdate(**{name: value for name, value in fields.items() if value is not None})

    async def work(session: AsyncSession, settings: Settings) -> int:
        estate = await service.update_estate(session, OPERATOR, args.estate_id, body, cipher=_cipher(settings))
        json.dump(
            {
                "estate_id": str(estate.id),
                "community_id": str(estate.community_id),
                "name": estate.name,
                "address": estate.address,
                "developer_name": estate.developer_name,
                "has_developer": estate.has_developer,
            },
            sys.stdout,
            ensure_ascii=False,
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
    try:
        witness_key = private_key_from_pem(args.witness_key.read_bytes())
    except ValueError as error:
        raise UserMistake(f"--witness-key {args.witness_key}: {error}") from None

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
    except httpx.HTTPError as error:
        raise Unreachable(f"cannot reach {args.url}: {_first_line(error)}") from None


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
    return run(args.bundle, out=sys.stdout, err=sys.stderr, trust=trust, log_dump=args.log_dump, jobs=args.jobs)


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
