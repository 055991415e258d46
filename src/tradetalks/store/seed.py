"""Load the 2025-26 Japan-US rounds into a store on first start.

The rounds are the events of :func:`tradetalks.policy.timeline.timeline` of kind ``round``, ``deal`` and
``summit`` (US measures, court rulings and other events are not rounds), numbered 1, 2, ... in date
order, each with its place, counterparts, source title and address, and the source's note. A round held
``"by phone"`` is stored with kind ``call``.

Offers: the published record gives no numeric offers for the rounds before the deal, so none are invented.
The round of 2025-07-22, where the agreement was announced, carries the agreed package for each side: the
built-in scenario ``jp-us-deal`` (the agreement as implemented on 2025-09-16) as a package specification
``{"scenario": "jp-us-deal", "spec": <ScenarioSpec.as_dict()>}``.

:func:`seed_japan_us` is idempotent: the record has the key :data:`JAPAN_US_KEY`; when a record with that key
exists (also when another process created it a moment ago) nothing is written and it is returned.
"""

from __future__ import annotations

import datetime as dt

from tradetalks.errors import DuplicateError, RecordNotFoundError
from tradetalks.store.api import OfferSpec, Party, Record, RoundSpec, Store

JAPAN_US_KEY = "japan-us-2025"
JAPAN = Party("JPN", "Japan")
UNITED_STATES = Party("USA", "United States")
DEAL_DATE = dt.date(2025, 7, 22)
DEAL_SCENARIO = "jp-us-deal"
_SEED_KINDS = ("round", "deal", "summit")


def japan_us_rounds() -> list[RoundSpec]:
    """The round specs loaded by :func:`seed_japan_us` (from the policy layer's timeline facts)."""
    from tradetalks.policy.scenarios import builtin_spec
    from tradetalks.policy.timeline import timeline

    deal = builtin_spec(DEAL_SCENARIO)
    package = {"scenario": DEAL_SCENARIO, "spec": deal.as_dict()}
    label = f"Agreed package announced {DEAL_DATE.isoformat()} (as implemented: scenario {DEAL_SCENARIO})"
    out: list[RoundSpec] = []
    for number, ev in enumerate(timeline(kinds=_SEED_KINDS), start=1):
        kind = "call" if ev.kind == "round" and ev.place.strip().lower() == "by phone" else ev.kind
        offers: tuple[OfferSpec, ...] = ()
        if ev.date == DEAL_DATE and ev.kind == "deal":
            offers = (
                OfferSpec(UNITED_STATES.code, label, package),
                OfferSpec(JAPAN.code, label, package),
            )
        out.append(
            RoundSpec(
                date=ev.date,
                title=ev.title,
                number=number,
                kind=kind,
                place=ev.place,
                counterparts=ev.counterparts,
                notes=ev.source.note,
                source_title=ev.source.title,
                source_address=ev.source.address,
                offers=offers,
            )
        )
    return out


def seed_japan_us(store: Store) -> Record:
    """Create the Japan-US 2025-26 record with its rounds unless it exists; return it.

    One transaction: either the record with every round and offer is stored, or nothing.
    """
    try:
        return store.get_record_by_key(JAPAN_US_KEY)
    except RecordNotFoundError:
        pass
    try:
        return store.create_record(
            "Japan-US tariff negotiation 2025-26",
            [JAPAN, UNITED_STATES],
            key=JAPAN_US_KEY,
            description=(
                "Rounds of the 2025-26 talks between Japan (negotiator Akazawa) and the United States "
                "over the Section 232 auto tariffs and the reciprocal (IEEPA) tariffs, leading to the "
                "July 22 2025 agreement (15 % all-in, the $550bn investment vehicle, purchases), and "
                "the talks after the Supreme Court's IEEPA ruling. Facts from tradetalks.policy's "
                "timeline, each with its source."
            ),
            rounds=japan_us_rounds(),
        )
    except DuplicateError:
        # Another process seeded between our check and our write.
        return store.get_record_by_key(JAPAN_US_KEY)
