"""The ``ca-api`` command: serve, migrate, demo, token, export-schema, verify-audit,
audit-checkpoint, register-documents, import, relay."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from ca_api.config import Settings, get_settings
from ca_api.embedded import resolve_database_url

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from ca_api.db import Database

T = TypeVar("T")
# The body of an audit command: a session in, lines out, an exit code back.
AuditCommand = Callable[["AsyncSession", Settings, TextIO], Awaitable[int]]


def _migrate(url: str) -> None:
    from ca_api.migrate import upgrade

    upgrade(url)


def _on_database(url: str, pool_size: int, use: Callable[[Database], Awaitable[T]]) -> T:
    """Run ``use`` on a database opened for one command, and close it after."""
    from ca_api.db import Database

    async def run() -> T:
        db = Database(url, pool_size=pool_size)
        try:
            return await use(db)
        finally:
            await db.dispose()

    return asyncio.run(run())


def _on_audit_snapshot(settings: Settings, command: AuditCommand) -> int:
    """Run an audit command on one read-only snapshot of the database."""
    from ca_api.audit.commands import snapshot_session

    async def use(db: Database) -> int:
        async with snapshot_session(db) as session:
            return await command(session, settings, sys.stdout)

    return _on_database(resolve_database_url(settings), 1, use)


def _load_demo(url: str) -> bool:
    from ca_api import demo

    return _on_database(url, 2, demo.load)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from ca_api.app import create_app
    from ca_api.logs import configure_logging

    configure_logging(settings.log_level)
    url = resolve_database_url(settings)
    if not settings.production:
        # Development: bring the database up to date and load the demo data once.
        _migrate(url)
        if not args.no_demo:
            _load_demo(url)
    print(f"ca-api serving http://{args.host}:{args.port}/graphql", file=sys.stderr)
    if args.workers == 1:
        app = create_app(settings, url)
        uvicorn.run(app, host=args.host, port=args.port, log_config=None, access_log=False)
        return 0
    # Several worker processes (production behind a load balancer): each builds the app from
    # the environment; the URL resolved here is handed down, and /metrics adds up every
    # worker's counts from a shared directory (prometheus_client's multiprocess mode).
    os.environ["CA_API_DATABASE_URL"] = url
    metrics_dir = os.environ.setdefault(
        "PROMETHEUS_MULTIPROC_DIR", str(settings.data_dir / "prometheus")
    )
    shutil.rmtree(metrics_dir, ignore_errors=True)
    Path(metrics_dir).mkdir(parents=True)
    uvicorn.run(
        "ca_api.app:app_from_environment",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_config=None,
        access_log=False,
    )
    return 0


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    _migrate(resolve_database_url(settings))
    print("database migrated to head", file=sys.stderr)
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    url = resolve_database_url(settings)
    _migrate(url)
    loaded = _load_demo(url)
    print(
        "demo data loaded" if loaded else "database already has clients: demo data not loaded",
        file=sys.stderr,
    )
    return 0


def cmd_token(args: argparse.Namespace, settings: Settings) -> int:
    from ca_api.auth.principal import Role
    from ca_api.auth.tokens import load_or_create_dev_key, mint_token

    if settings.production:
        print(
            "refused: tokens are not minted with the development key in production", file=sys.stderr
        )
        return 2
    known = {r.value for r in Role}
    roles = [r for part in args.role for r in part.split(",") if r]
    unknown = [r for r in roles if r not in known]
    if unknown:
        print(
            f"unknown role(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}",
            file=sys.stderr,
        )
        return 2
    key = load_or_create_dev_key(settings.dev_key_file)
    print(
        mint_token(
            key,
            settings=settings,
            subject=args.sub,
            roles=roles,
            name=args.name,
            expires_in=args.expires_in,
        )
    )
    return 0


def cmd_export_schema(args: argparse.Namespace, settings: Settings) -> int:
    from ca_api.graphql import export_sdl

    sys.stdout.write(export_sdl())
    return 0


def cmd_verify_audit(args: argparse.Namespace, settings: Settings) -> int:
    from ca_api.audit.commands import verify_audit

    return _on_audit_snapshot(settings, verify_audit)


def cmd_audit_checkpoint(args: argparse.Namespace, settings: Settings) -> int:
    from ca_api.audit.commands import audit_checkpoint, checkpoint_preflight
    from ca_api.audit.keys import checkpoint_signer, public_pem
    from ca_api.auth.tokens import ConfigurationError

    try:
        if args.public_key:
            sys.stdout.write(public_pem(checkpoint_signer(settings).public_key))
            return 0
        checkpoint_preflight(settings)  # refused before the database is opened
    except ConfigurationError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    return _on_audit_snapshot(settings, audit_checkpoint)


def cmd_install_graphiql(args: argparse.Namespace, settings: Settings) -> int:
    from ca_api import ide

    target = settings.graphiql_assets_dir or ide.default_assets_dir()
    fetched = ide.install(target)
    print(f"GraphiQL in {target}: " + (", ".join(fetched) if fetched else "already installed"))
    return 0


def cmd_register_documents(args: argparse.Namespace, settings: Settings) -> int:
    from ca_api.documents import registration_errors
    from ca_api.errors import ValidationFailed
    from ca_api.graphql import build_schema
    from ca_api.trusted_documents import service

    schema = build_schema(settings)
    documents = service.read_documents(Path(p) for p in args.files)

    async def register(db: Database) -> service.Registration:
        return await service.register(
            db.session(),
            args.client,
            documents,
            validate=lambda doc: registration_errors(schema, settings, doc),
            registered_by=f"cli:{os.environ.get('USER', 'unknown')}",
        )

    try:
        done = _on_database(resolve_database_url(settings), 1, register)
    except ValidationFailed as exc:
        for where, why in exc.fields.items():
            print(f"refused: {where}: {why}", file=sys.stderr)
        return 2
    for ident in done.registered:
        print(f"registered {ident}")
    for ident in done.already:
        print(f"already registered {ident}")
    return 0


# The caseload import's files in a directory, by the name each has there (docs/import.md).
IMPORT_FILES = (
    "clients",
    "appointeeships",
    "deputyships",
    "accounts",
    "investments",
    "invoices",
    "budget_plans",
)


def import_request(args: argparse.Namespace) -> tuple[Any, list[str]]:
    """The caseload import's request from the command's arguments (the files read from the
    directory, or as named), or what is wrong with them."""
    from ca_api.caseload_import.request import ImportRequest
    from ca_api.money import MoneyFormatError, parse_money

    wrong: list[str] = []
    texts: dict[str, str | None] = {}
    folder = Path(args.directory) if args.directory else None
    for name in IMPORT_FILES:
        given = getattr(args, name, None)
        path = Path(given) if given else (folder / f"{name}.csv" if folder else None)
        if path is None or (not given and not path.exists()):
            texts[name] = None
            continue
        try:
            texts[name] = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            wrong.append(f"{path}: cannot be read ({exc})")
    if texts.get("clients") is None and not wrong:
        wrong.append("no clients file: give a directory holding clients.csv, or --clients FILE")
    try:
        cut_over = date.fromisoformat(args.cut_over)
    except ValueError:
        wrong.append(f"--cut-over {args.cut_over!r} is not a date written YYYY-MM-DD")
    balance = None
    if args.statement_balance is not None:
        try:
            balance = parse_money(args.statement_balance)
        except MoneyFormatError as exc:
            wrong.append(f"--statement-balance: {exc}")
    if wrong:
        return None, wrong
    request = ImportRequest(
        cut_over=cut_over,
        counterparty=args.counterparty,
        clients=texts["clients"] or "",
        appointeeships=texts["appointeeships"],
        deputyships=texts["deputyships"],
        accounts=texts["accounts"],
        investments=texts["investments"],
        invoices=texts["invoices"],
        budget_plans=texts["budget_plans"],
        statement_balance=balance,
    )
    return request, []


async def run_import(
    session: AsyncSession, args: argparse.Namespace, out: TextIO, err: TextIO
) -> int:
    """``ca-api import`` on an open session: the same use case as the importCaseload mutation,
    run by the operator as the governance manager (the only role that may import), audited
    under the operator's name. 0: imported (or all already present); 2: refused, every bad
    row printed."""
    import uuid

    from ca_api.auth.actor import Actor
    from ca_api.auth.principal import Principal, Role
    from ca_api.caseload_import.request import ImportRefused
    from ca_api.caseload_import.service import import_caseload
    from ca_api.errors import ValidationFailed
    from ca_api.money import format_money

    request, wrong = import_request(args)
    if request is None:
        for line in wrong:
            print(f"refused: {line}", file=err)
        return 2
    operator = args.operator or f"cli:{os.environ.get('USER', 'unknown')}"
    principal = Principal(
        subject=operator, roles=frozenset({Role.GOVERNANCE_MANAGER}), name=operator
    )
    actor = Actor(principal, f"cli-import-{uuid.uuid4()}")
    try:
        done = await import_caseload(session, actor, request, idempotency_key=None)
    except ImportRefused as exc:
        for p in exc.problems:
            where = f"{p.file} row {p.row}" + (f" {p.column}" if p.column else "")
            print(f"{where}: {p.reason}", file=err)
        print(f"refused: {len(exc.problems)} problem(s); nothing was imported", file=err)
        return 2
    except ValidationFailed as exc:
        for where, why in exc.fields.items():
            print(f"refused: {where}: {why}", file=err)
        return 2
    for c in done.counts:
        print(f"{c.file.value}: {c.created} created, {c.already_present} already present", file=out)
    print(f"opening balances in the accounts file: {format_money(done.opening_total)}", file=out)
    return 0


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    async def use(db: Database) -> int:
        async with db.session() as session:
            return await run_import(session, args, sys.stdout, sys.stderr)

    return _on_database(resolve_database_url(settings), 1, use)


def cmd_relay(args: argparse.Namespace, settings: Settings) -> int:
    """Publish the outbox to NATS JetStream until stopped (``outbox/relay.py``). 2: no broker
    configured, or the stream is not one it may publish to."""
    if not settings.nats_url:
        print(
            "refused: no broker to publish to: set CA_API_NATS_URL (e.g. nats://127.0.0.1:4222); "
            "without it the integrations read their feeds over GraphQL",
            file=sys.stderr,
        )
        return 2
    from ca_api.logs import configure_logging
    from ca_api.outbox import relay

    configure_logging(settings.log_level)
    config = relay.RelayConfig.from_settings(
        settings, batch_size=args.batch_size, poll_interval=args.poll_interval
    )

    async def use(db: Database) -> relay.Totals:
        return await relay.main(db, settings, config, until_idle=args.until_idle)

    try:
        totals = _on_database(resolve_database_url(settings), 2, use)
    except relay.RelayError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    print(
        f"relay stopped: {totals.published} message(s) in {totals.batches} batch(es) "
        f"acknowledged by {config.stream} ({totals.duplicates} it had already); "
        f"offset {totals.offset or 'unchanged'}",
        file=sys.stderr,
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ca-api", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the service (development: migrate and load demo)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--no-demo", action="store_true", help="do not load the demo data into an empty database"
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes (production: about one per core behind the load balancer)",
    )
    serve.set_defaults(func=cmd_serve)
    sub.add_parser("migrate", help="bring the database schema to head").set_defaults(
        func=cmd_migrate
    )
    sub.add_parser("demo", help="load the demo data (once)").set_defaults(func=cmd_demo)
    token = sub.add_parser("token", help="print a token signed by the development key")
    token.add_argument(
        "--role",
        action="append",
        required=True,
        help="a role id; repeat or comma-separate for several",
    )
    token.add_argument("--sub", required=True, help="the subject: an officer or system id")
    token.add_argument("--name", default=None)
    token.add_argument("--expires-in", type=int, default=3600, help="seconds (default 3600)")
    token.set_defaults(func=cmd_token)
    sub.add_parser("export-schema", help="print the GraphQL SDL").set_defaults(
        func=cmd_export_schema
    )
    sub.add_parser(
        "verify-audit", help="check the audit trail's hash chains and its signed checkpoints"
    ).set_defaults(func=cmd_verify_audit)
    checkpoint = sub.add_parser(
        "audit-checkpoint",
        help="sign every audit chain's head and write it to the checkpoint directory",
    )
    checkpoint.add_argument(
        "--public-key",
        action="store_true",
        help="print the signing key's public key (PEM) for CA_API_AUDIT_VERIFY_KEY_FILE",
    )
    checkpoint.set_defaults(func=cmd_audit_checkpoint)
    register = sub.add_parser(
        "register-documents",
        help="register a client's GraphQL operations as trusted documents (.graphql files, or "
        "a JSON manifest of id to document)",
    )
    register.add_argument("--client", required=True, help="the client's name, e.g. spa")
    register.add_argument("files", nargs="+")
    register.set_defaults(func=cmd_register_documents)
    imp = sub.add_parser(
        "import",
        help="bring in an existing caseload from CSV files at a cut-over date (docs/import.md): "
        "all of it or, with any bad row, nothing",
    )
    imp.add_argument("directory", nargs="?", help="a directory holding clients.csv and the rest")
    imp.add_argument("--cut-over", required=True, help="the cut-over date, YYYY-MM-DD")
    imp.add_argument(
        "--counterparty", required=True, help="who the opening balances come from (a name)"
    )
    imp.add_argument(
        "--statement-balance",
        default=None,
        help="the CMS bank account's balance at the cut-over, e.g. 4512345.67: checked against "
        "the CMS opening balances",
    )
    imp.add_argument("--operator", default=None, help="who runs it (default cli:$USER)")
    for name in IMPORT_FILES:
        imp.add_argument(
            f"--{name.replace('_', '-')}", default=None, help=f"the {name} file (DIR/{name}.csv)"
        )
    imp.set_defaults(func=cmd_import)
    relay = sub.add_parser(
        "relay",
        help="publish the outbox to NATS JetStream (CA_API_NATS_URL) until SIGTERM/SIGINT, "
        "resuming after the last acknowledged offset",
    )
    relay.add_argument(
        "--batch-size", type=int, default=500, help="messages per acknowledged batch (500)"
    )
    relay.add_argument(
        "--poll-interval",
        type=float,
        default=0.5,
        help="seconds between looks at the outbox once caught up (0.5)",
    )
    relay.add_argument(
        "--until-idle",
        action="store_true",
        help="stop once everything is published (a catch-up run) instead of polling",
    )
    relay.set_defaults(func=cmd_relay)
    sub.add_parser(
        "install-graphiql",
        help="fetch GraphiQL's pinned browser files from the npm registry (development page)",
    ).set_defaults(func=cmd_install_graphiql)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args, get_settings()))


if __name__ == "__main__":
    raise SystemExit(main())
