"""Repository of negotiation records: parties, records, rounds and offers.

Offers are validated on write (:func:`tradetalks.store.offers.check_offer_package`); an offer whose stored
content fails that check is left out on read and its id reported in ``Round.skipped_offers`` (and the
log), so one bad row never breaks a view.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from tradetalks.errors import (
    DuplicateError,
    OfferNotFoundError,
    RecordNotFoundError,
    RoundNotFoundError,
    StoreInputError,
    TradeTalksError,
)
from tradetalks.inputs import MAX_NAME_LENGTH, MAX_TITLE_LENGTH
from tradetalks.store.base import Repository
from tradetalks.store.offers import check_offer_package
from tradetalks.store.schema import OfferRow, PartyRow, RecordPartyRow, RecordRow, RoundRow, RunRow, utcnow
from tradetalks.store.types import (
    _KEY,
    ROUND_KINDS,
    Offer,
    OfferSpec,
    Party,
    Record,
    Round,
    RoundSpec,
    _json_object,
    _page,
    _party_code,
    _positive_id,
    _text,
)

log = logging.getLogger("tradetalks.store")


class RecordRepository(Repository):
    """Records with their parties, rounds and offers."""

    # --- parties -----------------------------------------------------------------------------

    def _ensure_parties(self, conn: Connection, parties: Sequence[Party | str]) -> list[Party]:
        """Resolve codes to existing parties and create new ones (``INSERT ... ON CONFLICT DO NOTHING``).

        New parties are inserted in code order, so that concurrent writers take row locks in one order
        (no deadlock on PostgreSQL); an existing code keeps its stored name.
        """
        codes: list[str] = []
        new: dict[str, str] = {}
        for p in parties:
            if isinstance(p, Party):
                code = _party_code(p.code)
                new.setdefault(code, _text("party name", p.name, max_len=MAX_NAME_LENGTH, allow_empty=False))
            elif isinstance(p, str):
                code = _party_code(p)
            else:
                raise StoreInputError(f"parties: expected Party objects or codes; found {type(p).__name__}")
            codes.append(code)
        for code in sorted(new):
            conn.execute(_insert_ignore(conn, PartyRow, {"code": code, "name": new[code]}, ["code"]))
        rows = conn.execute(select(PartyRow.code, PartyRow.name).where(PartyRow.code.in_(codes))).all()
        names = {str(r.code): str(r.name) for r in rows}
        for code in codes:
            if code not in names:
                raise StoreInputError(
                    f"party: expected a known party code or a Party(code, name) to create; found unknown {code!r}"
                )
        return [Party(c, names[c]) for c in codes]

    def list_parties(self) -> list[Party]:
        """Every party, ordered by code."""
        with self._tx("list parties", write=False) as conn:
            rows = conn.execute(select(PartyRow.code, PartyRow.name).order_by(PartyRow.code)).all()
        return [Party(r.code, r.name) for r in rows]

    # --- records -----------------------------------------------------------------------------

    def create_record(
        self,
        title: str,
        parties: Sequence[Party | str],
        *,
        key: str | None = None,
        description: str = "",
        rounds: Sequence[RoundSpec] = (),
    ) -> Record:
        """Create a record with its parties, rounds and offers in one transaction.

        Parameters
        ----------
        title
            1–500 characters.
        parties
            At least two distinct parties: :class:`Party` objects (created when new; an existing code keeps
            its stored name) or codes of parties already stored.
        key
            Optional unique slug (``[a-z0-9._-]``, at most 100), e.g. ``"japan-us-2025"``.
        description
            Free text.
        rounds
            Rounds (with their offers) stored in the same transaction.

        Raises
        ------
        StoreInputError, DuplicateError (key taken, repeated round number)
        """
        title_s = _text("title", title, max_len=MAX_TITLE_LENGTH, allow_empty=False)
        desc = _text("description", description, max_len=100_000, allow_empty=True)
        if key is not None and (not isinstance(key, str) or not _KEY.match(key)):
            raise StoreInputError(f"key: expected 1-100 characters [a-z0-9._-]; found {key!r}")
        if isinstance(parties, (str, Party)) or not isinstance(parties, Sequence):
            raise StoreInputError(f"parties: expected a sequence of parties; found {type(parties).__name__}")
        with self._tx("create record", write=True) as conn:
            resolved = self._ensure_parties(conn, parties)
            codes = [p.code for p in resolved]
            if len(set(codes)) != len(codes) or len(codes) < 2:
                raise StoreInputError(f"parties: expected at least two distinct parties; found {codes}")
            if key is not None:
                taken = conn.execute(select(RecordRow.id).where(RecordRow.key == key)).scalar()
                if taken is not None:
                    raise DuplicateError(
                        f"record key: expected a key not yet used; found {key!r} (record {taken})"
                    )
            now = utcnow()
            rid = conn.execute(
                insert(RecordRow)
                .values(key=key, title=title_s, description=desc, created_at=now)
                .returning(RecordRow.id)
            ).scalar_one()
            pids = _party_ids(conn, codes)
            conn.execute(
                insert(RecordPartyRow),
                [{"record_id": rid, "party_id": pids[c], "position": i} for i, c in enumerate(codes)],
            )
            for spec in rounds:
                self._insert_round(conn, rid, codes, spec)
            return self._load_record(conn, rid)

    def list_records(self, *, limit: int = 100, offset: int = 0) -> list[Record]:
        """Records ordered by id (oldest first)."""
        limit, offset = _page(limit, offset)
        with self._tx("list records", write=False) as conn:
            ids = conn.execute(
                select(RecordRow.id).order_by(RecordRow.id).limit(limit).offset(offset)
            ).scalars()
            return self._load_records(conn, list(ids))

    def count_records(self) -> int:
        """Number of records."""
        with self._tx("count records", write=False) as conn:
            return int(conn.execute(select(func.count()).select_from(RecordRow)).scalar_one())

    def get_record(self, record_id: int) -> Record:
        """One record by id; :class:`RecordNotFoundError` when absent."""
        rid = _positive_id("record id", record_id)
        with self._tx("get record", write=False) as conn:
            return self._load_record(conn, rid)

    def get_record_by_key(self, key: str) -> Record:
        """One record by its key; :class:`RecordNotFoundError` when absent."""
        with self._tx("get record", write=False) as conn:
            rid = conn.execute(select(RecordRow.id).where(RecordRow.key == key)).scalar()
            if rid is None:
                raise RecordNotFoundError(f"record key: expected an existing record key; found {key!r}")
            return self._load_record(conn, int(rid))

    def delete_record(self, record_id: int) -> None:
        """Delete a record with its rounds and offers (runs stay, unlinked)."""
        rid = _positive_id("record id", record_id)
        with self._tx("delete record", write=True) as conn:
            self._lock_record(conn, rid)
            conn.execute(
                update(RunRow).where(RunRow.offer_id.in_(_offer_ids_of_record(rid))).values(offer_id=None)
            )
            conn.execute(update(RunRow).where(RunRow.record_id == rid).values(record_id=None))
            conn.execute(delete(OfferRow).where(OfferRow.round_id.in_(_round_ids_of_record(rid))))
            conn.execute(delete(RoundRow).where(RoundRow.record_id == rid))
            conn.execute(delete(RecordPartyRow).where(RecordPartyRow.record_id == rid))
            conn.execute(delete(RecordRow).where(RecordRow.id == rid))

    # --- rounds and offers -------------------------------------------------------------------

    def add_round(self, record_id: int, spec: RoundSpec) -> Round:
        """Add a round (and its offers) to a record in one transaction.

        ``spec.number=None`` takes the next free number (``max + 1``; safe under concurrent writers).
        Raises :class:`RecordNotFoundError`, :class:`DuplicateError` (number taken),
        :class:`StoreInputError`.
        """
        rid = _positive_id("record id", record_id)
        with self._tx("add round", write=True) as conn:
            self._lock_record(conn, rid)
            codes = _record_party_codes(conn, rid)
            round_id = self._insert_round(conn, rid, codes, spec)
            return self._load_rounds(conn, [round_id])[0]

    def list_rounds(self, record_id: int) -> list[Round]:
        """The rounds of a record, ordered by number, each with its offers."""
        rid = _positive_id("record id", record_id)
        with self._tx("list rounds", write=False) as conn:
            if conn.execute(select(RecordRow.id).where(RecordRow.id == rid)).scalar() is None:
                raise RecordNotFoundError(f"record id: expected an existing record; found {rid}")
            ids = conn.execute(
                select(RoundRow.id).where(RoundRow.record_id == rid).order_by(RoundRow.number)
            ).scalars()
            return self._load_rounds(conn, list(ids))

    def get_round(self, round_id: int) -> Round:
        """One round (with offers); :class:`RoundNotFoundError` when absent."""
        rid = _positive_id("round id", round_id)
        with self._tx("get round", write=False) as conn:
            found = self._load_rounds(conn, [rid])
        if not found:
            raise RoundNotFoundError(f"round id: expected an existing round; found {rid}")
        return found[0]

    def add_offer(self, round_id: int, spec: OfferSpec) -> Offer:
        """Add an offer to a round; the party must be one of the record's parties."""
        rid = _positive_id("round id", round_id)
        with self._tx("add offer", write=True) as conn:
            record_id = conn.execute(select(RoundRow.record_id).where(RoundRow.id == rid)).scalar()
            if record_id is None:
                raise RoundNotFoundError(f"round id: expected an existing round; found {rid}")
            codes = _record_party_codes(conn, int(record_id))
            oid = self._insert_offer(conn, rid, codes, spec)
            return _load_offers(conn, [oid])[0]

    def get_offer(self, offer_id: int) -> Offer:
        """One offer; :class:`OfferNotFoundError` when absent."""
        oid = _positive_id("offer id", offer_id)
        with self._tx("get offer", write=False) as conn:
            found = _load_offers(conn, [oid])
        if not found:
            raise OfferNotFoundError(f"offer id: expected an existing offer; found {oid}")
        return found[0]

    # --- internals ---------------------------------------------------------------------------

    def _lock_record(self, conn: Connection, rid: int, *, for_update: bool = True) -> None:
        stmt = select(RecordRow.id).where(RecordRow.id == rid)
        if self._pg and for_update:
            stmt = stmt.with_for_update()
        if conn.execute(stmt).scalar() is None:
            raise RecordNotFoundError(f"record id: expected an existing record; found {rid}")

    def _insert_round(self, conn: Connection, record_id: int, codes: list[str], spec: RoundSpec) -> int:
        if not isinstance(spec, RoundSpec):
            raise StoreInputError(f"round: expected a RoundSpec; found {type(spec).__name__}")
        if not isinstance(spec.date, dt.date) or isinstance(spec.date, dt.datetime):
            raise StoreInputError(f"round date: expected a datetime.date; found {spec.date!r}")
        if spec.kind not in ROUND_KINDS:
            raise StoreInputError(f"round kind: expected one of {ROUND_KINDS}; found {spec.kind!r}")
        if not isinstance(spec.offers, (tuple, list)):
            raise StoreInputError(
                f"round offers: expected a tuple of OfferSpec; found {type(spec.offers).__name__}"
            )
        used = set(conn.execute(select(RoundRow.number).where(RoundRow.record_id == record_id)).scalars())
        if spec.number is None:
            number = max(used, default=0) + 1
        else:
            if isinstance(spec.number, bool) or not isinstance(spec.number, int) or spec.number < 1:
                raise StoreInputError(f"round number: expected an integer >= 1; found {spec.number!r}")
            number = spec.number
            if number in used:
                raise DuplicateError(
                    f"round number: expected a number not yet used in record {record_id} "
                    f"(used: {sorted(used)}); found {number}"
                )
        round_id = conn.execute(
            insert(RoundRow)
            .values(
                record_id=record_id,
                number=number,
                date=spec.date,
                kind=spec.kind,
                title=_text("round title", spec.title, max_len=MAX_TITLE_LENGTH, allow_empty=False),
                place=_text("place", spec.place, max_len=MAX_NAME_LENGTH, allow_empty=True),
                counterparts=_text("counterparts", spec.counterparts, max_len=MAX_TITLE_LENGTH, allow_empty=True),
                notes=_text("notes", spec.notes, max_len=100_000, allow_empty=True),
                source_title=_text("source_title", spec.source_title, max_len=MAX_TITLE_LENGTH, allow_empty=True),
                source_address=_text("source_address", spec.source_address, max_len=1000, allow_empty=True),
                created_at=utcnow(),
            )
            .returning(RoundRow.id)
        ).scalar_one()
        for offer in spec.offers:
            self._insert_offer(conn, int(round_id), codes, offer)
        return int(round_id)

    def _insert_offer(self, conn: Connection, round_id: int, codes: list[str], spec: OfferSpec) -> int:
        if not isinstance(spec, OfferSpec):
            raise StoreInputError(f"offer: expected an OfferSpec; found {type(spec).__name__}")
        if spec.party not in codes:
            raise StoreInputError(
                f"offer party: expected one of the record's parties {codes}; found {spec.party!r}"
            )
        pid = _party_ids(conn, [spec.party])[spec.party]
        oid = conn.execute(
            insert(OfferRow)
            .values(
                round_id=round_id,
                party_id=pid,
                label=_text("offer label", spec.label, max_len=MAX_TITLE_LENGTH, allow_empty=False),
                package=check_offer_package(_json_object("package", spec.package)),
                created_at=utcnow(),
            )
            .returning(OfferRow.id)
        ).scalar_one()
        return int(oid)

    def _load_record(self, conn: Connection, rid: int) -> Record:
        found = self._load_records(conn, [rid])
        if not found:
            raise RecordNotFoundError(f"record id: expected an existing record; found {rid}")
        return found[0]

    def _load_records(self, conn: Connection, ids: list[int]) -> list[Record]:
        if not ids:
            return []
        rows = conn.execute(select(RecordRow).where(RecordRow.id.in_(ids)).order_by(RecordRow.id)).all()
        prow = conn.execute(
            select(RecordPartyRow.record_id, PartyRow.code, PartyRow.name)
            .join(PartyRow, PartyRow.id == RecordPartyRow.party_id)
            .where(RecordPartyRow.record_id.in_(ids))
            .order_by(RecordPartyRow.record_id, RecordPartyRow.position)
        ).all()
        parties: dict[int, list[Party]] = {}
        for r in prow:
            parties.setdefault(r.record_id, []).append(Party(r.code, r.name))
        counts = {
            int(rid): int(n)
            for rid, n in conn.execute(
                select(RoundRow.record_id, func.count())
                .where(RoundRow.record_id.in_(ids))
                .group_by(RoundRow.record_id)
            ).all()
        }
        return [
            Record(
                id=r.id,
                key=r.key,
                title=r.title,
                description=r.description,
                parties=tuple(parties.get(r.id, [])),
                created_at=r.created_at,
                n_rounds=int(counts.get(r.id, 0)),
            )
            for r in rows
        ]

    def _load_rounds(self, conn: Connection, ids: list[int]) -> list[Round]:
        if not ids:
            return []
        rows = conn.execute(select(RoundRow).where(RoundRow.id.in_(ids))).all()
        offer_rows = conn.execute(
            select(OfferRow.id).where(OfferRow.round_id.in_(ids)).order_by(OfferRow.id)
        ).scalars()
        offer_ids = list(offer_rows)
        skipped: list[int] = []
        offers: dict[int, list[Offer]] = {}
        for o in _load_offers(conn, offer_ids, skipped):
            offers.setdefault(o.round_id, []).append(o)
        bad_by_round: dict[int, list[int]] = {}
        if skipped:
            for oid, rnd in conn.execute(
                select(OfferRow.id, OfferRow.round_id).where(OfferRow.id.in_(skipped))
            ):
                bad_by_round.setdefault(int(rnd), []).append(int(oid))
        by_id = {
            r.id: Round(
                id=r.id,
                record_id=r.record_id,
                number=r.number,
                date=r.date,
                kind=r.kind,
                title=r.title,
                place=r.place,
                counterparts=r.counterparts,
                notes=r.notes,
                source_title=r.source_title,
                source_address=r.source_address,
                created_at=r.created_at,
                offers=tuple(offers.get(r.id, [])),
                skipped_offers=tuple(bad_by_round.get(r.id, [])),
            )
            for r in rows
        }
        return [by_id[i] for i in ids if i in by_id]


def _insert_ignore(conn: Connection, table: type[PartyRow], values: dict[str, Any], keys: list[str]) -> Any:
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).values(**values).on_conflict_do_nothing(index_elements=keys)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table).values(**values).on_conflict_do_nothing(index_elements=keys)


def _party_ids(conn: Connection, codes: list[str]) -> dict[str, int]:
    rows = conn.execute(select(PartyRow.code, PartyRow.id).where(PartyRow.code.in_(codes))).all()
    return {str(code): int(pid) for code, pid in rows}


def _record_party_codes(conn: Connection, rid: int) -> list[str]:
    return list(
        conn.execute(
            select(PartyRow.code)
            .join(RecordPartyRow, RecordPartyRow.party_id == PartyRow.id)
            .where(RecordPartyRow.record_id == rid)
            .order_by(RecordPartyRow.position)
        ).scalars()
    )


def _round_ids_of_record(rid: int) -> Any:
    return select(RoundRow.id).where(RoundRow.record_id == rid).scalar_subquery()


def _offer_ids_of_record(rid: int) -> Any:
    return (
        select(OfferRow.id)
        .join(RoundRow, RoundRow.id == OfferRow.round_id)
        .where(RoundRow.record_id == rid)
        .scalar_subquery()
    )


def _load_offers(conn: Connection, ids: list[int], skipped: list[int] | None = None) -> list[Offer]:
    """Offers by id; one whose stored package fails validation is left out (its id goes to ``skipped``)."""
    if not ids:
        return []
    rows = conn.execute(
        select(OfferRow, PartyRow.code)
        .join(PartyRow, PartyRow.id == OfferRow.party_id)
        .where(OfferRow.id.in_(ids))
        .order_by(OfferRow.id)
    ).all()
    out = []
    for r in rows:
        try:
            if not isinstance(r.package, dict):
                raise StoreInputError(f"package: expected a JSON object; found {type(r.package).__name__}")
            check_offer_package(r.package)
        except TradeTalksError as exc:
            log.warning("offer %s left out: its stored package fails validation: %s", r.id, exc)
            if skipped is not None:
                skipped.append(int(r.id))
            continue
        out.append(
            Offer(
                id=r.id,
                round_id=r.round_id,
                party=r.code,
                label=r.label,
                package=dict(r.package),
                created_at=r.created_at,
            )
        )
    return out
