"""The `callpulse` command: serve, worker, migrate, distribute, apply, keys, import, ship,
rejects, demo, forecast."""

import contextlib
import os
import secrets
import signal
import socket
import sys
import threading
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import migrate as migrations
from app.access.keys import Principal, create_key, list_keys, revoke_key
from app.apply.file import load_file
from app.apply.service import apply_tenancy, mark_for_recompute
from app.core import metrics
from app.core.config import PROJECT_ROOT, Settings, get_settings
from app.core.cursor import MAX_PAGE
from app.core.db import Database, libpq_url
from app.core.embedded import supervise_embedded_postgres
from app.core.errors import AppError, ConfigError
from app.forecasting.store import store_forecasts
from app.kpi import aggregation
from app.kpi.intervals import parse_bound
from app.models import Queue, Vendor
from app.models.forecasts import OWN_FORECAST_SOURCE
from app.rejects.export import csv_lines as reject_csv_lines
from app.rejects.service import (
    RejectQuery,
    read_query,
    rejected_count,
    rejected_page,
    rejected_rows,
)
from app.rejects.text import HEADER as REJECT_HEADER
from app.rejects.text import table_rows as reject_table_rows

if TYPE_CHECKING:
    from ingest.adapters.base import Item
    from ingest.raw import RawRecord
    from ingest.service import IngestResult, IngestService

cli = typer.Typer(
    help="CallPulse: real-time KPI monitoring for outsourced contact centers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
keys_cli = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
cli.add_typer(keys_cli, name="keys")
users_cli = typer.Typer(
    help="Create, list, disable and enable browser users; reset passwords (argon2).",
    no_args_is_help=True,
)
cli.add_typer(users_cli, name="users")
share_cli = typer.Typer(help="Read-only wallboard links for TVs.", no_args_is_help=True)
cli.add_typer(share_cli, name="share")
rejects_cli = typer.Typer(
    help="The records ingest refused, and why (every vendor's and client's).",
    no_args_is_help=True,
)
cli.add_typer(rejects_cli, name="rejects")
err = Console(stderr=True, soft_wrap=True)
IMPORT_TYPES = {
    ".csv": "text/csv",
    ".ndjson": "application/x-ndjson",
    ".jsonl": "application/x-ndjson",
    ".json": "application/json",
}


def main() -> None:
    """Run the CLI, turning expected errors into one red line and exit code 2."""
    try:
        cli()
    except AppError as exc:
        err.print(f"[red]error:[/red] {escape(exc.message)}")
        raise SystemExit(2) from None


def _progress() -> Progress:
    """Return the progress bar used by long commands (on stderr, so stdout stays clean)."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
    )


def _database(settings: Settings) -> Database:
    if not settings.database_url:
        err.print(
            f"[dim]no DATABASE_URL: using the embedded PostgreSQL in "
            f"{settings.resolved_data_dir / 'pgdata'}[/dim]"
        )
    return Database.from_settings(settings)


@cli.command()
def migrate() -> None:
    """Upgrade the database schema to the newest version."""
    settings = get_settings()
    database = _database(settings)
    migrations.upgrade(database, settings.partitions_ahead_months)
    err.print("[green]database schema is up to date[/green]")


@cli.command()
def distribute() -> None:
    """Lay the database out on its Citus coordinator: tenancy and settings as reference
    tables, every per-client table distributed by client_id (migrates first; safe to re-run)."""
    settings = get_settings()
    database = _database(settings)
    converted = migrations.distribute(database, settings.partitions_ahead_months)
    if converted:
        err.print(f"[green]laid out on Citus:[/green] {', '.join(converted)}")
    else:
        err.print("already distributed: nothing to do")


@cli.command()
def apply(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
) -> None:
    """Create or update clients, vendors, queues, contracts, notifiers, alert rules and feeds
    from a YAML file (safe to re-run)."""
    settings = get_settings()
    database = _database(settings)
    migrations.upgrade(database, settings.partitions_ahead_months)
    spec = load_file(file.read_text(encoding="utf-8"), str(file))
    with database.session_scope() as session:
        applied = apply_tenancy(session, spec)
        marked = mark_for_recompute(session, applied, settings.interval_minutes)
    _print_counts(applied.counts)
    if applied.recompute_queue_ids:
        err.print(
            f"{marked} intervals of {len(applied.recompute_queue_ids)} queue(s) marked for"
            " recomputation; the aggregator (serve or worker) applies the new settings"
        )


def _print_counts(counts: Counter[str]) -> None:
    err.print(", ".join(f"{n} {what}" for what, n in sorted(counts.items())) or "nothing changed")


@keys_cli.command("create")
def keys_create(
    kind: Annotated[str, typer.Option(help="vendor | client | supervisor | admin")],
    vendor: Annotated[
        str | None, typer.Option(help="vendor code (vendor, supervisor keys)")
    ] = None,
    client: Annotated[str | None, typer.Option(help="client code (client keys)")] = None,
    name: Annotated[str, typer.Option(help="a label to recognise the key by")] = "",
) -> None:
    """Create an API key and print it alone on stdout; it is shown only this once."""
    if kind not in ("vendor", "client", "supervisor", "admin"):
        raise ConfigError(f"--kind {kind!r}: use vendor, client, supervisor or admin")
    database = _database(get_settings())
    with database.session_scope() as session:
        key = create_key(session, kind, vendor_code=vendor, client_code=client, name=name)
    print(key)


@keys_cli.command("list")
def keys_list() -> None:
    """List keys: prefix, kind, client and vendor, created, last used (at most a minute old)."""
    database = _database(get_settings())
    with database.session_scope() as session:
        keys = list_keys(session)
    _print_table(
        ["PREFIX", "KIND", "CLIENT", "VENDOR", "CREATED (UTC)", "LAST USED (UTC)", "STATE", "NAME"],
        [
            [
                f"{k.prefix}…",
                k.kind,
                k.client or "-",
                k.vendor or "-",
                _utc(k.created_at),
                _utc(k.last_used_at, "never"),
                f"revoked {_utc(k.revoked_at)}" if k.revoked_at else "live",
                k.name,
            ]
            for k in keys
        ],
    )


def _print_table(header: list[str], rows: list[list[str]]) -> None:
    """Print rows under a header on stdout, in aligned columns (for people and for `awk`)."""
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    for row in [header, *rows]:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )


def _utc(moment: datetime | None, missing: str = "-") -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M}" if moment else missing


@keys_cli.command("revoke")
def keys_revoke(
    prefix: Annotated[str, typer.Argument(help="the key or its first 12 characters")],
) -> None:
    """Revoke a key at once."""
    database = _database(get_settings())
    with database.session_scope() as session:
        count = revoke_key(session, prefix)
    if not count:
        raise ConfigError(f"no live key starts with {prefix[:12]!r}; see `callpulse keys list`")
    err.print(f"revoked {count} key(s)")


@users_cli.command("create")
def users_create(
    username: Annotated[str, typer.Argument(help="the login name")],
    role: Annotated[str, typer.Option(help="admin | supervisor | client")],
    client: Annotated[str | None, typer.Option(help="client code (client users)")] = None,
    vendor: Annotated[str | None, typer.Option(help="vendor code (a vendor's supervisor)")] = None,
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            envvar="CALLPULSE_PASSWORD",
            help="asked for when not given",
        ),
    ] = "",
) -> None:
    """Create a user who logs in to the pages with a password."""
    from app.access.users import create_user

    database = _database(get_settings())
    with database.session_scope() as session:
        create_user(session, username, password, role, client_code=client, vendor_code=vendor)
    err.print(f"user {username!r} created ({role})")


@users_cli.command("list")
def users_list() -> None:
    """List users: role, scope, creation and whether they may log in."""
    from app.access.users import list_users

    database = _database(get_settings())
    with database.session_scope() as session:
        users = list_users(session)
    _print_table(
        ["USERNAME", "ROLE", "CLIENT", "VENDOR", "CREATED (UTC)", "STATE"],
        [
            [
                u.username,
                u.role,
                u.client or "-",
                u.vendor or "-",
                _utc(u.created_at),
                f"disabled {_utc(u.disabled_at)}" if u.disabled_at else "active",
            ]
            for u in users
        ],
    )


@users_cli.command("disable")
def users_disable(username: Annotated[str, typer.Argument(help="the login name")]) -> None:
    """Stop a user from logging in; their open sessions are refused at once."""
    from app.access.users import set_disabled

    with _database(get_settings()).session_scope() as session:
        set_disabled(session, username, True)
    err.print(f"user {username!r} disabled; `callpulse users enable {username}` undoes it")


@users_cli.command("enable")
def users_enable(username: Annotated[str, typer.Argument(help="the login name")]) -> None:
    """Let a disabled user log in again."""
    from app.access.users import set_disabled

    with _database(get_settings()).session_scope() as session:
        set_disabled(session, username, False)
    err.print(f"user {username!r} enabled")


@users_cli.command("reset-password")
def users_reset_password(
    username: Annotated[str, typer.Argument(help="the login name")],
    password: Annotated[
        str,
        typer.Option(
            prompt="New password",
            hide_input=True,
            confirmation_prompt=True,
            envvar="CALLPULSE_PASSWORD",
            help="asked for when not given",
        ),
    ] = "",
) -> None:
    """Give a user a new password (stored as an argon2 hash)."""
    from app.access.users import reset_password

    with _database(get_settings()).session_scope() as session:
        reset_password(session, username, password)
    err.print(f"password of {username!r} replaced")


@share_cli.command("create")
def share_create(
    name: Annotated[str, typer.Option(help="a label, e.g. the TV's location")],
    client: Annotated[str | None, typer.Option(help="show only this client's queues")] = None,
    lang: Annotated[str, typer.Option(help="the board's language: en | zh")] = "en",
) -> None:
    """Create a read-only wallboard link and print its URL (token=, TV mode, lang=) on stdout."""
    from app.access.users import create_share_link
    from dashboards.wall_url import LANGUAGES, tv_link

    if lang not in LANGUAGES:
        raise typer.BadParameter("use en or zh", param_hint="--lang")
    settings = get_settings()
    database = _database(settings)
    with database.session_scope() as session:
        token = create_share_link(session, name, client)
    print(tv_link(settings.public_url, token, lang))


@share_cli.command("revoke")
def share_revoke(name: Annotated[str, typer.Argument(help="the link's name")]) -> None:
    """Revoke a wallboard link at once."""
    from app.access.users import revoke_share_link

    database = _database(get_settings())
    with database.session_scope() as session:
        revoke_share_link(session, name)
    err.print(f"share link {name!r} revoked")


OPERATOR = Principal(0, "admin", name="callpulse")  # the CLI reads as an admin key would
REJECT_OPTIONS = {"vendor": "--vendor", "from": "--since"}
VendorOption = Annotated[str | None, typer.Option(help="only this vendor's (its code)")]
SinceOption = Annotated[
    str | None,
    typer.Option(help="received at or after: a date (UTC midnight) or RFC 3339 with offset"),
]


def _rejects_query(session: Session, vendor: str | None, since: str | None) -> RejectQuery:
    """Read the options as `GET /v1/rejected` reads its filters, naming the option at fault."""
    try:
        return read_query(session, OPERATOR, vendor=vendor, start=since)
    except AppError as exc:
        name, _, problem = exc.message.partition(":")
        raise ConfigError(f"{REJECT_OPTIONS.get(name, name)}:{problem}") from exc


@rejects_cli.command("list")
def rejects_list(
    vendor: VendorOption = None,
    since: SinceOption = None,
    limit: Annotated[int, typer.Option(min=1, max=MAX_PAGE, help="rows shown")] = 20,
) -> None:
    """Show the newest rejected records: when, whose, which line, and why (shortened)."""
    database = _database(get_settings())
    with database.session_scope() as session:
        page = rejected_page(session, _rejects_query(session, vendor, since), limit)
    if not page["rejected"]:
        err.print("no rejected records" + (f" since {since}" if since else ""))
        return
    _print_table(REJECT_HEADER, reject_table_rows(page["rejected"]))
    if page["next_cursor"]:
        err.print(
            f"the newest {limit} shown; see more with --limit (up to {MAX_PAGE}), or all of"
            " them, with their full errors and records, with `callpulse rejects export`"
        )


@rejects_cli.command("export")
def rejects_export(
    vendor: VendorOption = None,
    since: SinceOption = None,
    out: Annotated[
        Path | None, typer.Option(dir_okay=False, help="the CSV file (default: stdout)")
    ] = None,
) -> None:
    """Write every rejected record as CSV (English / 中文 headers), newest first."""
    if out is not None and not out.parent.is_dir():
        raise ConfigError(f"--out: the folder {str(out.parent)!r} does not exist; create it first")
    database = _database(get_settings())
    with database.session_scope() as session:
        query = _rejects_query(session, vendor, since)
        total = rejected_count(session, query)
    with contextlib.ExitStack() as stack:
        target = (
            stack.enter_context(out.open("w", encoding="utf-8", newline="")) if out else sys.stdout
        )
        progress = stack.enter_context(_progress())
        task = progress.add_task("exporting rejected records", total=total)
        lines = reject_csv_lines(rejected_rows(database, query))
        target.write(next(lines))  # the header
        written = 0
        for line in lines:
            target.write(line)
            written += 1
            progress.advance(task)
    err.print(f"{written} rejected records written" + (f" to {out}" if out else ""))


@cli.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    kind: Annotated[
        str | None,
        typer.Option(
            help="calls | call-events | agent-events | tickets | qa-evaluations | schedules"
            " | forecasts"
        ),
    ] = None,
    vendor: Annotated[str | None, typer.Option(help="the vendor whose feed this file is")] = None,
    feed: Annotated[
        str | None,
        typer.Option(help="a feed under `feeds:` in the YAML: the file is in its format"),
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1, max=10_000)] = 1000,
    max_age_days: Annotated[
        int | None,
        typer.Option(
            min=1, help="accept records this many days old (default: the feed's, else the setting)"
        ),
    ] = None,
    encoding: Annotated[
        str | None, typer.Option(help="utf-8, or gb18030 / gbk (a feed: its format's default)")
    ] = None,
) -> None:
    """Import a file through the same validation and writer as the HTTP API: CSV or NDJSON
    records (--kind, --vendor), or a source's own format (--feed)."""
    from ingest.service import IngestService

    if feed is not None and (kind or vendor):
        raise ConfigError("--feed names the vendor and the format: leave out --kind and --vendor")
    if feed is None and not (kind and vendor):
        raise ConfigError("give --kind and --vendor (CallPulse records), or --feed NAME")
    settings = get_settings()
    database = _database(settings)
    migrations.upgrade(database, settings.partitions_ahead_months)
    service = IngestService(database, migrations.PartitionManager(database.engine), settings)
    if feed is not None:
        total, where = _import_feed(file, feed, service, batch_size, max_age_days, encoding)
    else:
        total, where = _import_records(
            file, kind or "", vendor or "", service, batch_size, max_age_days, encoding
        )
    _report_import(total, where)


def _import_records(
    file: Path,
    kind: str,
    vendor: str,
    service: "IngestService",
    batch_size: int,
    max_age_days: int | None,
    encoding: str | None,
) -> tuple["IngestResult", Callable[[int], str]]:
    """Import CallPulse records of `kind`; return the totals and how to name a record."""
    from ingest.body import parse_body
    from ingest.service import IngestResult

    content_type = IMPORT_TYPES.get(file.suffix.lower())
    if content_type is None:
        raise ConfigError(f"{file.name}: name the file .csv, .ndjson, .jsonl or .json")
    with service.database.session_scope() as session:
        vendor_id = session.scalar(select(Vendor.id).where(Vendor.code == vendor))
    if vendor_id is None:
        raise ConfigError(f"--vendor {vendor!r}: unknown vendor; add it with `callpulse apply`")
    fields, write = _record_writer(kind, vendor_id, service, max_age_days)
    records = parse_body(
        file.read_bytes(),
        f"{content_type}; charset={encoding or 'utf-8'}",
        max_records=10**9,
        fields=fields,
    )
    total = IngestResult()
    with _progress() as progress:
        task = progress.add_task(f"importing {file.name}", total=len(records))
        for batch in _batches(kind, records, batch_size):
            _add(total, write(batch))
            progress.advance(task, len(batch))
    lines = {record.index: record.line for record in records}
    return total, lambda i: f"line {lines[i]}" if lines[i] else f"record {i}"


def _record_writer(
    kind: str, vendor_id: int, service: "IngestService", max_age_days: int | None
) -> tuple[Collection[str], Callable[[list["RawRecord"]], "IngestResult"]]:
    """Return the field names of `kind`'s records and the service writing a batch of them:
    the one behind its HTTP route, with the vendor's key's rights."""
    from ingest.forecast_schema import ForecastRecord
    from ingest.forecast_service import FORECASTS_KIND, ForecastService
    from ingest.kinds import KINDS
    from ingest.qa_schema import QaEvaluationRecord
    from ingest.qa_service import QA_KIND, QaIngestService
    from ingest.schedules import KIND as SCHEDULES
    from ingest.schedules import ScheduleService
    from ingest.schemas import ScheduleRecord

    if kind in KINDS:
        return KINDS[kind].schema.model_fields, lambda batch: service.ingest(
            kind, vendor_id, batch, max_age_days
        )
    settings = service.settings
    if max_age_days is not None:
        settings = settings.model_copy(update={"max_record_age_days": max_age_days})
    sender = Principal(0, "vendor", vendor_id=vendor_id, name="callpulse")
    if kind == QA_KIND:
        evaluations = QaIngestService(service.database, settings)
        return QaEvaluationRecord.model_fields, lambda batch: evaluations.ingest(sender, batch)
    if kind == SCHEDULES:
        schedules = ScheduleService(service.database, settings)
        return ScheduleRecord.model_fields, lambda batch: schedules.ingest(vendor_id, batch)
    if kind == FORECASTS_KIND:
        forecasts = ForecastService(service.database, settings)
        return ForecastRecord.model_fields, lambda batch: forecasts.ingest(sender, batch)
    kinds = ", ".join((*KINDS, QA_KIND, SCHEDULES, FORECASTS_KIND))
    raise ConfigError(f"--kind {kind!r}: use one of {kinds}")


def _batches(kind: str, records: list["RawRecord"], size: int) -> Iterator[list["RawRecord"]]:
    """Yield the file's records `size` at a time; schedules by whole agents, so a batch holds
    every segment of its agents and two that overlap are refused whatever the batch size."""
    from ingest.schedules import KIND as SCHEDULES

    if kind != SCHEDULES:
        for start in range(0, len(records), size):
            yield records[start : start + size]
        return
    by_agent: dict[str, list[RawRecord]] = {}
    for record in records:
        agent = record.value.get("agent") if isinstance(record.value, dict) else None
        by_agent.setdefault(str(agent), []).append(record)
    batch: list[RawRecord] = []
    for segments in by_agent.values():
        if batch and len(batch) + len(segments) > size:
            yield batch
            batch = []
        batch.extend(segments)
    if batch:
        yield batch


def _import_feed(
    file: Path,
    name: str,
    service: "IngestService",
    batch_size: int,
    max_age_days: int | None,
    encoding: str | None,
) -> tuple["IngestResult", Callable[[int], str]]:
    """Import a file in feed `name`'s format, `batch_size` source records at a time."""
    from ingest.adapters.base import SourceRejected
    from ingest.feed_service import named_feed
    from ingest.feeds import ingest_items
    from ingest.service import IngestResult

    ready = named_feed(service.database, name)
    content_type = ready.adapter.media_types[0]
    try:
        items = ready.adapter.parse(
            file.read_bytes(),
            f"{content_type}; charset={encoding}" if encoding else content_type,
            ready.config,
        )
    except SourceRejected as exc:
        raise ConfigError(f"{file.name}: cannot be read as {ready.config.format}: {exc}") from exc
    by_record: dict[int, list[Item]] = {}
    for item in items:
        by_record.setdefault(item.index, []).append(item)
    records = list(by_record.values())
    total = IngestResult()
    with _progress() as progress:
        task = progress.add_task(f"importing {file.name}", total=len(records))
        for start in range(0, len(records), batch_size):
            batch = records[start : start + batch_size]
            chunk = [item for record in batch for item in record]
            window = max_age_days or ready.max_age_days
            _add(total, ingest_items(service, ready.vendor_id, chunk, window, name))
            progress.advance(task, len(batch))
    unit = "element" if content_type == "application/json" else "line"
    return total, lambda i: f"{unit} {i}"


def _add(total: "IngestResult", result: "IngestResult") -> None:
    total.accepted += result.accepted
    total.duplicates += result.duplicates
    total.rejected += result.rejected


def _report_import(total: "IngestResult", where: Callable[[int], str]) -> None:
    """Print the totals and the first rejections in file order; exit 1 if any."""
    err.print(
        f"{total.accepted} accepted, {total.duplicates} duplicates, {len(total.rejected)} rejected"
    )
    for rejection in sorted(total.rejected, key=lambda r: r["index"])[:10]:
        errors = "; ".join(rejection["errors"])
        err.print(escape(f"  {where(rejection['index'])} ({rejection['id']}): {errors}"))
    if total.rejected:
        err.print(
            "rejected records are kept in the rejected_records table; fix and re-import"
            " (accepted ones will count as duplicates)"
        )
        raise SystemExit(1)


@cli.command()
def ship(
    path: Annotated[Path, typer.Argument(help="a log file to follow, or a folder of export files")],
    feed: Annotated[str, typer.Option(help="the feed's name in the YAML")],
    url: Annotated[str, typer.Option(help="the CallPulse server, e.g. https://callpulse.example")],
    key: Annotated[
        str, typer.Option(envvar="CALLPULSE_SHIP_KEY", help="the feed vendor's API key")
    ],
    follow: Annotated[bool, typer.Option(help="keep following the file or folder")] = False,
    state_dir: Annotated[
        Path | None,
        typer.Option(help="checkpoint and spool (default ~/.local/state/callpulse/ship/FEED)"),
    ] = None,
    batch_bytes: Annotated[int, typer.Option(min=1024, help="bytes per request")] = 256 * 1024,
    spool_mb: Annotated[int, typer.Option(min=1, help="disk kept while the server is away")] = 64,
    content_type: Annotated[
        str | None, typer.Option(help="default by extension: .csv .json .ndjson, else text/plain")
    ] = None,
    report_every: Annotated[float, typer.Option(help="seconds between status lines")] = 10.0,
) -> None:
    """Ship a feed's files to a CallPulse server, exactly once, resuming where it stopped."""
    from ingest.ship import console
    from ingest.ship.sender import Sender
    from ingest.ship.shipper import Settings as ShipSettings
    from ingest.ship.shipper import Shipper
    from ingest.ship.source import ShipError

    state = state_dir or Path.home() / ".local" / "state" / "callpulse" / "ship" / feed
    settings = ShipSettings(follow, batch_bytes, spool_mb * 1024 * 1024, content_type=content_type)
    sender = Sender(url, feed, key)
    try:
        stats = console.run(Shipper(path, state, sender, settings), err, report_every)
    except ShipError as exc:
        raise ConfigError(str(exc)) from None
    except KeyboardInterrupt:
        err.print("stopped; the checkpoint and spool are saved: run the same command to resume")
        raise SystemExit(130) from None
    finally:
        sender.close()
    if stats.rejected:
        err.print(
            "rejected lines are kept by the server (rejected_records); fix the source and ship"
            " again: accepted lines count as duplicates"
        )
        raise SystemExit(1)


@cli.command()
def aggregate(
    once: Annotated[bool, typer.Option(help="recompute what is marked dirty, then exit")] = True,
    rebuild: Annotated[bool, typer.Option(help="recompute every interval in the range")] = False,
    start: Annotated[str | None, typer.Option("--from", help="date or RFC 3339 (UTC)")] = None,
    end: Annotated[str | None, typer.Option("--to", help="exclusive; date or RFC 3339")] = None,
    queue: Annotated[str | None, typer.Option(help="only this queue's calls and tickets")] = None,
    wait: Annotated[
        bool, typer.Option(help="wait for a pass running elsewhere (--no-wait: give up at once)")
    ] = True,
) -> None:
    """Bring interval stats up to date (a worker does this every second)."""
    settings = get_settings()
    database = _database(settings)
    migrations.upgrade(database, settings.partitions_ahead_months)
    if rebuild:
        utc = ZoneInfo("UTC")
        lo = parse_bound(start, utc, "--from") if start else None
        hi = parse_bound(end, utc, "--to") if end else None
        with database.session_scope() as session:
            queue_id = _queue_id(session, queue) if queue else None
        with Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), TimeRemainingColumn(), console=err
        ) as progress:
            task = progress.add_task("rebuilding", total=1.0)
            slices = aggregation.rebuild(
                database,
                settings,
                lo,
                hi,
                queue_id,
                progress=lambda share: progress.advance(task, share),
            )
        err.print(f"rebuilt {slices} week(s) of intervals")
    elif not once:
        raise ConfigError("use --once, or --rebuild with --from/--to; `worker` runs continuously")
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("aggregating", total=None)
        report = aggregation.drain(
            database, settings, lambda n: progress.advance(task, n), wait=wait
        )
    if not report.locked:
        raise ConfigError(
            "another worker is aggregating right now; try again in a moment, or leave out"
            " --no-wait to wait for it"
        )
    done = ", ".join(f"{n} {subject} intervals" for subject, n in report.recomputed.items())
    err.print(f"{report.markers} markers taken; recomputed {done or 'nothing'}")


@cli.command()
def forecast(
    days: Annotated[
        int, typer.Option(min=0, max=400, help="also forecast this many past days (backfill)")
    ] = 0,
) -> None:
    """Store CallPulse's own forecast of every queue for today and tomorrow (the scheduler
    does this hourly), and with --days N for the N days before, so its accuracy can be
    measured (GET /v1/queues/{code}/plan)."""
    settings = get_settings()
    database = _database(settings)
    migrations.upgrade(database, settings.partitions_ahead_months)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
    ) as progress:
        task = progress.add_task("forecasting queues", total=None)
        written = store_forecasts(
            database,
            settings,
            past_days=days,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
            wait=True,
        )
    err.print(f"{written} intervals forecast ({OWN_FORECAST_SOURCE})")


def _queue_id(session: Session, code: str) -> int:
    found = session.scalar(select(Queue.id).where(Queue.code == code))
    if found is None:
        raise ConfigError(f"--queue {code!r}: unknown queue")
    return found


@cli.command()
def simulate(
    key: Annotated[str, typer.Option(envvar="CALLPULSE_KEY", help="a vendor key")],
    url: Annotated[str | None, typer.Option(help="server, default CALLPULSE_PUBLIC_URL")] = None,
    queues: Annotated[str | None, typer.Option(help="comma-separated queue codes")] = None,
    speed: Annotated[float, typer.Option(min=1, help="fast-forward the last 2 h at X×")] = 1.0,
    backfill: Annotated[float, typer.Option(min=0, help="days of history to write first")] = 0,
    surge: Annotated[list[str] | None, typer.Option(help="QUEUE:FACTOR@MINUTE")] = None,
    peak: Annotated[float, typer.Option(help="peak calls per hour per queue")] = 90,
    agents: Annotated[int, typer.Option(help="agents per queue")] = 12,
    seed: Annotated[int, typer.Option(help="random seed")] = 1,
    duration: Annotated[float | None, typer.Option(help="stop after this many seconds")] = None,
) -> None:
    """Push realistic traffic through the HTTP API: history first, then live events."""
    _simulate(
        url or get_settings().public_url,
        key,
        [q.strip() for q in queues.split(",")] if queues else None,
        speed=speed,
        backfill=backfill,
        surges=surge or [],
        peak=peak,
        agents=agents,
        seed=seed,
        duration=duration,
    )


def _simulate(
    url: str,
    key: str,
    queues: list[str] | None,
    *,
    speed: float = 1.0,
    backfill: float = 0,
    surges: list[str] | None = None,
    peak: float = 90,
    agents: int = 12,
    seed: int = 1,
    duration: float | None = None,
) -> None:
    from app.simulate import runner

    started = datetime.now(ZoneInfo("UTC"))
    pusher = runner.Pusher(url, key)
    specs = runner.queue_specs(
        pusher.queues(), queues, runner.surge_times(surges or [], started, speed), peak, agents
    )
    err.print(f"simulating {', '.join(q.code for q in specs)}")
    if backfill:
        until = started - (runner.CATCH_UP if speed > 1 else timedelta(0))
        with _progress() as progress:
            task = progress.add_task(f"backfilling {backfill:g} days", total=backfill)
            runner.backfill(
                pusher, specs, backfill, until, seed, lambda days: progress.advance(task, days)
            )
    err.print("live traffic: Ctrl+C to stop" if duration is None else f"live for {duration:g} s")
    with contextlib.suppress(KeyboardInterrupt):
        runner.live(pusher, specs, speed, seed, duration, started)
    tally = pusher.tally
    err.print(
        f"{tally.sent} records sent: {tally.accepted} accepted, {tally.duplicates}"
        f" duplicates, {len(tally.rejected)} rejected"
    )
    for line in tally.rejected[:5]:
        err.print(escape(f"  {line}"))


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="worker processes")] = 1,
    scheduler: Annotated[bool, typer.Option(help="run the periodic jobs in this process")] = True,
) -> None:
    """Serve the API (and the scheduler, unless --no-scheduler); migrates first."""
    settings = get_settings()
    _serve(settings, host, port, workers, scheduler, _database(settings))


SHUTDOWN_GRACE_S = 5  # a stopping server finishes requests this long, then cuts them (a
# wallboard's stream of changes would hold it for 25 s; the board opens one elsewhere)


def _serve(
    settings: Settings, host: str, port: int, workers: int, scheduler: bool, database: Database
) -> None:
    import uvicorn

    metrics.use_directory(settings.resolved_metrics_dir)  # before the app imports the client
    from app.main import create_app

    migrations.upgrade(database, settings.partitions_ahead_months)
    supervise_embedded_postgres()
    if workers == 1:
        app = create_app(settings.model_copy(update={"scheduler": scheduler}), database)
        uvicorn.run(
            app,
            host=host,
            port=port,
            log_level="info",
            access_log=False,
            proxy_headers=False,
            timeout_graceful_shutdown=SHUTDOWN_GRACE_S,
        )
        return
    # Worker processes build their own app from the environment; jobs are lock-guarded.
    os.environ["CALLPULSE_SCHEDULER"] = str(scheduler).lower()
    if not settings.database_url:
        os.environ["DATABASE_URL"] = database.url  # workers join this process's embedded server
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=False,
        proxy_headers=False,  # forwarded headers: CALLPULSE_TRUSTED_PROXIES (app.core.headers)
        timeout_graceful_shutdown=SHUTDOWN_GRACE_S,
    )


@cli.command()
def worker() -> None:
    """Run the periodic jobs without serving HTTP (for deployments with API replicas)."""
    from app.core.changes import ChangeListener
    from app.jobs import Jobs
    from app.partitions import PartitionManager

    settings = get_settings()
    metrics.use_directory(settings.resolved_metrics_dir)  # `serve` on this host reports ours
    database = _database(settings)
    migrations.upgrade(database, settings.partitions_ahead_months)
    supervise_embedded_postgres()
    jobs = Jobs(database, PartitionManager(database.engine), settings)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    jobs.start()
    listener = ChangeListener(libpq_url(database.url), [jobs.heard]).start()
    err.print("worker running; Ctrl+C to stop")
    stop.wait()
    listener.stop()
    jobs.shutdown()


@cli.command()
def demo(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    webhook: Annotated[
        str | None, typer.Option(help="send the default alerts to this JSON webhook URL")
    ] = None,
    surge: Annotated[
        list[str] | None, typer.Option(help="QUEUE:FACTOR@MINUTE, a surge in the traffic")
    ] = None,
) -> None:
    """Start a ready-to-try CallPulse: demo tenants, keys, a wallboard link, live traffic.

    Running it again revokes the keys and the wallboard link of the earlier run and gives
    the demo login a new password, so nothing piles up.
    """
    from app.alerts.apply import default_rules
    from app.alerts.config import NotifierSpec
    from app.measures.demo import submit_demo
    from app.simulate.runner import parse_surge
    from dashboards.wall_url import tv_link

    for text in surge or []:
        parse_surge(text)  # a typo fails now, not in the traffic thread
    _check_port_free(host, port)
    settings = get_settings()
    database = _database(settings)
    migrations.upgrade(database, settings.partitions_ahead_months)
    demo_file = PROJECT_ROOT / "examples" / "demo.yaml"
    base = f"http://{host}:{port}"
    with database.session_scope() as session:
        spec = load_file(demo_file.read_text(encoding="utf-8"))
        if webhook:
            spec.notifiers = [NotifierSpec(name="demo-webhook", type="webhook", url=webhook)]
            spec.alert_rules = [
                rule.model_copy(update={"notify": ["demo-webhook"]})
                for rule in default_rules(settings)
            ]
        _print_counts(apply_tenancy(session, spec).counts)
        submit_demo(session, datetime.now(ZoneInfo("Asia/Shanghai")).date())
        key, key_b, tv, client_user, client_password = _demo_access(session)
    now = datetime.now(ZoneInfo("Asia/Shanghai")).replace(microsecond=0)  # acme's timezone
    moments = [(now - timedelta(seconds=s)).isoformat() for s in (75, 63, 0)]
    sample = (
        f'{{"call_id": "demo-{now:%H%M%S}", "queue": "acme-cards", "offered_at": "{moments[0]}",'
        f' "answered_at": "{moments[1]}", "ended_at": "{moments[2]}", "agent": "a-001"}}'
    )
    err.print(f"""
[bold green]CallPulse demo[/bold green] — API at {base}
  Wallboard (TV link): [bold]{tv_link(base, tv, "en")}[/bold]
              中文 TV: [bold]{tv_link(base, tv, "zh")}[/bold]
  Client SLA page:     [bold]{base}/sla/[/bold]
                       ACME Bank's login: {client_user} / {client_password}
                       Vendor A supervisor's login: vendor-a-demo / {client_password}
                       (disputes, period close, the scorecard: both sides settle there)
  Tomorrow's plan:     [bold]{base}/plan/?queue=acme-cards[/bold] (same logins; forecast,
                       Erlang C agents required vs scheduled, per interval)
  API docs (OpenAPI):  {base}/docs
  Health:              {base}/health
  Vendor key (vendor-a, shown once): [bold]{key}[/bold]

Push a call detail record:
  curl -s -X POST {base}/v1/calls \\
    -H 'Authorization: Bearer {key}' -H 'Content-Type: application/json' \\
    -d '{sample}'

Simulated traffic is flowing (two days of history first). Watch a queue live, or a day's KPIs:
  curl -s {base}/v1/queues/acme-cards/live -H 'Authorization: Bearer {key}'
  curl -s '{base}/v1/metrics?client=acme&granularity=hour' -H 'Authorization: Bearer {key}'
""")
    if webhook:
        err.print(f"Default alerts (SL drop, abandon rate, surge) go to {webhook}")
    simulators = [(key, None), (key_b, ["acme-vip", "globex-support"])]
    for vendor_key, queues in simulators:
        threading.Thread(
            target=_demo_traffic, args=(base, vendor_key, queues, surge or []), daemon=True
        ).start()
    _serve(settings, host, port, 1, True, database)


def _demo_access(session: Session) -> tuple[str, str, str, str, str]:
    """Return new vendor keys, a wallboard token and a password for the demo's two logins
    (ACME Bank's client user, vendor-a's supervisor), revoking the earlier run's."""
    from app.access.keys import revoke_named_keys
    from app.access.users import create_share_link, renew_user, revoke_share_links_named

    keys = []
    for vendor_code in ("vendor-a", "vendor-b"):
        revoke_named_keys(session, "demo", vendor_code)
        keys.append(create_key(session, "vendor", vendor_code=vendor_code, name="demo"))
    revoke_share_links_named(session, "demo-tv-")
    tv = create_share_link(session, f"demo-tv-{datetime.now():%Y%m%d-%H%M%S-%f}")
    password = secrets.token_urlsafe(9)
    renew_user(session, "acme-demo", password, "client", client_code="acme")
    renew_user(session, "vendor-a-demo", password, "supervisor", vendor_code="vendor-a")
    return keys[0], keys[1], tv, "acme-demo", password


def _check_port_free(host: str, port: int) -> None:
    """Refuse to start when `host:port` is taken, before any credential is printed."""
    try:
        family, kind, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        raise ConfigError(
            f"--host {host!r}: {exc.strerror}; use an address such as 127.0.0.1"
        ) from None
    with socket.socket(family, kind) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as exc:
            raise ConfigError(
                f"port {port} on {host} is not free ({exc.strerror}): stop what listens there"
                f" (an earlier `callpulse demo`?) or choose another, e.g. `--port {port + 1}`"
            ) from None


def _demo_traffic(base: str, key: str, queues: list[str] | None, surges: list[str]) -> None:
    """Wait for the server, then write two days of history and keep live traffic flowing."""
    import httpx

    for _ in range(120):
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                break
        threading.Event().wait(0.5)
    try:
        _simulate(base, key, queues, backfill=2, seed=len(queues or ()) + 1, surges=surges)
    except AppError as exc:
        err.print(f"[red]simulator stopped:[/red] {escape(exc.message)}")
