r"""The US tariff wall at a dataset's sectors: HS2 chapters -> model sectors and the additional US duty of the
2025-26 measures by model partner and sector (:func:`sector_additional`, used by
:func:`tradetalks.policy.tariffs.tariffs_on` with ``third_countries="wall"``).

The stacking of one partner x chapter cell is :func:`tradetalks.policy.wall.cell_rate`; this module weights
the cells with 2024 US imports (``us-imports-hs2-2024``) into sectors. Results on the default facts and
table are cached by *regime* (the set of measures in force), so every date between two changes of the wall
shares one computation.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import date
from typing import Any

from tradetalks.errors import FactsError
from tradetalks.policy.wall import WallFacts, cell_rate, default_wall, measures_by_partner


def _chapters(*spans: tuple[int, int]) -> tuple[str, ...]:
    return tuple(f"{c:02d}" for a, b in spans for c in range(a, b + 1))


HS2_SECTORS: dict[str, tuple[str, ...]] = {
    "agriculture": _chapters((1, 14)),
    "mining": _chapters((25, 27)),
    "food": _chapters((15, 24)),
    "textiles": _chapters((41, 43), (50, 67)),
    "wood": _chapters((44, 46)),
    "paper": _chapters((47, 49)),
    "petroleum": ("27",),
    "chemicals": _chapters((28, 38)),
    "rubber_plastic": _chapters((39, 40)),
    "minerals": _chapters((68, 70)),
    "metals": _chapters((72, 83)),
    "electronics": ("85", "90", "91"),
    "machinery": ("84",),
    "motor_vehicles": _chapters((86, 89)),
    "other_manufacturing": ("71", *_chapters((92, 97))),
}
"""HS2 chapters of each world2014 (WIOD 16-sector) goods sector, an approximate concordance written for
this purpose (HS section boundaries vs ISIC rev. 4 divisions): chapter 27 (mineral fuels) serves both
mining and petroleum (its crude/refined split is not in the data); chapter 71 (precious stones and metals,
incl. gold) is put in other manufacturing; chapters 98-99 and services carry no duty here."""

# issue 12 (H12a): world2022 (ICIO) splits transport equipment: motor vehicles (C29) and other transport (C30)
HS2_SECTORS_WORLD2022: dict[str, tuple[str, ...]] = {
    **HS2_SECTORS,
    "motor_vehicles": ("87",),
    "other_transport": ("86", "88", "89"),
}
"""HS2 chapters of the world2022 goods sectors: as :data:`HS2_SECTORS`, with HS 87 (vehicles) alone in
``motor_vehicles`` (ICIO C29) and HS 86, 88, 89 (rail, aircraft, ships) in ``other_transport`` (C30)."""


def hs2_concordance(sectors: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """The HS2 concordance for a dataset's sectors (world2022's when it has ``other_transport``)."""
    return HS2_SECTORS_WORLD2022 if "other_transport" in sectors else HS2_SECTORS


def sector_additional(on: date, partners: Sequence[str], sectors: Sequence[str], *,
                      facts: WallFacts | None = None, table: Any = None) -> dict[tuple[str, str], float]:
    r"""Additional US duty (points) of the 2025-26 measures by model partner and sector.

    .. math:: \Delta t_{ps} = \frac{\sum_{c \in s} X_{pc}\,(t_{pc} - b_{pc})}{\sum_{c\in s} X_{pc}}

    over the HS2 chapters of sector s (:data:`HS2_SECTORS`) and the table's partners of model country p:
    ``ROW`` pools every table partner not named in ``partners``. Sectors without chapters get 0.

    Raises
    ------
    FactsError
        A goods sector of the dataset that the concordance does not know.
    """
    if facts is None and table is None:  # the default facts and table: cached per regime (issue 15)
        return dict(_sector_additional_default(on, tuple(partners), tuple(sectors)))
    return _sector_additional(on, partners, sectors, facts=facts, table=table)


_REGIME_CACHE: dict[tuple[Any, ...], dict[tuple[str, str], float]] = {}
_REGIME_LOCK = threading.Lock()
_REGIME_MAX = 256


def _sector_additional_default(
    on: date, partners: tuple[str, ...], sectors: tuple[str, ...]
) -> dict[tuple[str, str], float]:
    """:func:`_sector_additional` on the default facts and table, cached by *regime*: the set of measures
    in force on ``on`` (the date enters the stacking only through which measures are in force), so all
    the dates between two changes of the wall share one computation."""
    regime = tuple(m.id for m in default_wall().measures if m.in_force(on))
    key = (regime, partners, sectors)
    with _REGIME_LOCK:
        hit = _REGIME_CACHE.get(key)
    if hit is not None:
        return hit
    out = _sector_additional(on, partners, sectors, facts=None, table=None)
    with _REGIME_LOCK:
        if len(_REGIME_CACHE) >= _REGIME_MAX:
            _REGIME_CACHE.clear()
        return _REGIME_CACHE.setdefault(key, out)


def _sector_additional(on: date, partners: Sequence[str], sectors: Sequence[str], *,
                       facts: WallFacts | None, table: Any) -> dict[tuple[str, str], float]:
    from tradetalks.data.readers.us_imports_hs2 import load_table

    fx = facts if facts is not None else default_wall()
    tb = table if table is not None else load_table()
    conc = hs2_concordance(sectors)
    unknown = [s for s in sectors if s not in conc and s != "services"]
    if unknown:
        raise FactsError(f"sectors {unknown} have no HS2 concordance; expected the world2014 sectors "
                         f"{sorted(conc)}")
    f = tb.frame
    named = set(partners)
    out: dict[tuple[str, str], float] = {}
    num: dict[tuple[str, str], float] = {}
    den: dict[tuple[str, str], float] = {}
    sectors_of: dict[str, list[str]] = {}
    for s, chs in conc.items():
        for c in chs:
            sectors_of.setdefault(c, []).append(s)
    cols = [f[k].tolist() for k in ("partner", "hs2", "imports_usd", "duty_usd")]
    live = measures_by_partner(fx, on, [str(p) for p in set(cols[0])])
    for p, c, x, d in zip(*cols, strict=True):
        model_p = p if p in named else "ROW"
        if model_p not in named or x <= 0:
            continue
        base = 100.0 * d / x
        add = cell_rate(fx, str(p), str(c), base, on, live[str(p)]).effective_pct - base
        for s in sectors_of.get(c, ()):
            num[(model_p, s)] = num.get((model_p, s), 0.0) + x * add
            den[(model_p, s)] = den.get((model_p, s), 0.0) + x
    for p in partners:
        for s in sectors:
            key = (p, s)
            out[key] = num[key] / den[key] if den.get(key, 0.0) > 0 else 0.0
    return out
