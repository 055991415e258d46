"""``tradetalks record list|show|rounds``: read the negotiation record (tradetalks.store).

Thin adapters: open the store (``--db URL``, else ``$TRADETALKS_DATABASE_URL``, else a SQLite file in the
user's data directory), migrate it and load the 2025-26 Japan-US rounds on first start, then call one
store method and render a rich table or JSON (``--json``). Dates are ISO 8601; timestamps are UTC.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from tradetalks.cli.common import console, emit_json, err_console, guard
from tradetalks.inputs import MAX_ID, MAX_PATH_LENGTH, check_text, parse_int

if TYPE_CHECKING:  # the store (SQLAlchemy) is imported only when a record command runs: faster CLI start-up
    from tradetalks.store import Record, Store

app = typer.Typer(
    help=(
        "The negotiation record: records, their parties and rounds (the 2025-26 Japan-US rounds are "
        "loaded on first start). Database: --db URL, else $TRADETALKS_DATABASE_URL, else a SQLite file "
        "in your data directory."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print a JSON document instead of tables.")]
DbOpt = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (sqlite:///file.sqlite3 or postgresql://user@host/db)."),
]
RecordArg = Annotated[str, typer.Argument(help="Record id (a number) or key (e.g. japan-us-2025).")]


def _open(db: str | None) -> Store:
    from tradetalks.store import open_store, seed_japan_us

    store = open_store(None if db is None else check_text(db, "--db", max_len=MAX_PATH_LENGTH))
    if store.read_only:
        err_console.print("[yellow]note[/]: the record is open read-only (file or folder not writable)")
    else:
        seed_japan_us(store)
    return store


def _get(store: Store, ref: str) -> Record:
    ref = check_text(ref, "record", max_len=100).strip()
    if ref.isascii() and ref.isdigit():
        return store.get_record(parse_int(ref, "record id", lo=1, hi=MAX_ID))
    return store.get_record_by_key(ref)


def _report_skipped(rounds: list[Any]) -> None:
    bad = [o for r in rounds for o in getattr(r, "skipped_offers", ())]
    if bad:
        err_console.print(
            f"[yellow]warning[/]: {len(bad)} stored offer(s) left out because their content fails "
            f"validation (ids {bad[:10]})"
        )


@app.command("list")
@guard
def list_cmd(
    db: DbOpt = None,
    limit: Annotated[int, typer.Option(help="At most this many records.")] = 100,
    as_json: JsonOpt = False,
) -> None:
    """List the records."""
    with _open(db) as store:
        records = store.list_records(limit=limit)
    if as_json:
        emit_json([r.as_dict() for r in records])
        return
    table = Table(title="Negotiation records")
    for col in ("id", "key", "title", "parties", "rounds", "created (UTC)"):
        table.add_column(col)
    for r in records:
        table.add_row(
            str(r.id),
            r.key or "",
            r.title,
            " / ".join(p.code for p in r.parties),
            str(r.n_rounds),
            r.created_at.strftime("%Y-%m-%d %H:%M"),
        )
    console.print(table)


@app.command("show")
@guard
def show_cmd(record: RecordArg, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Show one record: title, parties, description and a summary of its rounds."""
    with _open(db) as store:
        rec = _get(store, record)
        rounds = store.list_rounds(rec.id)
    _report_skipped(rounds)
    if as_json:
        emit_json(rec.as_dict())
        return
    console.print(f"[bold]{rec.title}[/] (id {rec.id}{', key ' + rec.key if rec.key else ''})")
    console.print("Parties: " + ", ".join(f"{p.name} ({p.code})" for p in rec.parties))
    console.print(f"Created: {rec.created_at.isoformat()} (UTC)")
    if rec.description:
        console.print(rec.description)
    if rounds:
        console.print(
            f"{len(rounds)} rounds, {rounds[0].date.isoformat()} to {rounds[-1].date.isoformat()}; "
            f"{sum(len(r.offers) for r in rounds)} offers. See `tradetalks record rounds {rec.id}`."
        )
    else:
        console.print("No rounds yet.")


@app.command("rounds")
@guard
def rounds_cmd(record: RecordArg, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """List the rounds of a record (number, date, kind, place, counterparts, offers; sources with --json)."""
    with _open(db) as store:
        rec = _get(store, record)
        rounds = store.list_rounds(rec.id)
    _report_skipped(rounds)
    if as_json:
        emit_json([r.as_dict() for r in rounds])
        return
    table = Table(title=f"Rounds of '{rec.title}' (sources: --json)")
    for col in ("#", "date", "kind"):
        table.add_column(col, no_wrap=True)
    for col in ("title", "place", "counterparts", "offers"):
        table.add_column(col)
    for r in rounds:
        table.add_row(
            str(r.number),
            r.date.isoformat(),
            r.kind,
            r.title,
            r.place,
            r.counterparts,
            "; ".join(f"{o.party}: {o.label}" for o in r.offers),
        )
    console.print(table)


@app.command("health")
@guard
def health_cmd(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """State of the record database: ok or read-only, marked as ours, number of records.

    A foreign, damaged or unreachable database is an error (exit code 2) naming the reason.
    """
    from tradetalks.store import open_store

    with open_store(None if db is None else check_text(db, "--db", max_len=MAX_PATH_LENGTH)) as store:
        h = {"url": store.url, **store.health()}
    if as_json:
        emit_json(h)
        return
    for k, v in h.items():
        console.print(f"{k}: {v}")
