"""The bundled default dataset ``world2014``: WIOD 2014 aggregated to 12 economies × 16 sectors.

Derived by ``scripts/derive_world2014.py`` from the Lashkaripour–Lugovskyy (2023) WIOD 2014 file
(reader :mod:`tradetalks.data.readers.wiod2014`, raw flows) with
:meth:`TradeData.aggregate_countries` and the mapping :data:`REGIONS` below; shipped as
``tradetalks/data/bundled/world2014.nc`` with ``PROVENANCE.md``. Loading needs no reference folder.

Economies: USA, JPN, CHN, KOR, TWN, CAN, MEX, EU (the 27 members of 2020: the 28 EU members of 2014
less GBR), GBR (separately: since 2021 it has its own tariff schedule and its own deal with the US;
in 2014 it applied the EU's tariffs), IND, BRA, ROW (AUS, CHE, IDN, NOR, RUS, TUR and WIOD's ROW).
Flows among members of a region become its domestic sales; tariffs are trade-weighted; ``sigma`` as in
the WIOD file (σ = trade elasticity + 1, Lashkaripour–Lugovskyy 2023).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tradetalks.data.tradedata import TradeData
from tradetalks.errors import OptionError, ReferenceDataMissingError

BUNDLED_FILE = Path(__file__).resolve().parents[1] / "bundled" / "world2014.nc"
EU27 = (
    "AUT BEL BGR CYP CZE DEU DNK ESP EST FIN FRA GRC HRV HUN IRL ITA LTU LUX LVA MLT NLD POL PRT "
    "ROU SVK SVN SWE"
).split()
REST = ("AUS", "CHE", "IDN", "NOR", "RUS", "TUR", "ROW")
KEPT = ("USA", "JPN", "CHN", "KOR", "TWN", "CAN", "MEX", "GBR", "IND", "BRA")
ORDER = ("USA", "JPN", "CHN", "KOR", "TWN", "CAN", "MEX", "EU", "GBR", "IND", "BRA", "ROW")
"""Economies of world2014, in this order."""
REGIONS: dict[str, str] = {
    **{c: "EU" for c in EU27},
    **{c: "ROW" for c in REST},
    **{c: c for c in KEPT},
}
"""Map of the 44 WIOD countries to the 12 economies of world2014."""


def read(folder: Path | None = None, **options: Any) -> TradeData:
    """Load the bundled ``world2014`` (US$ millions, 2014; no reference folder needed).

    Parameters
    ----------
    folder
        Ignored (the file ships inside the package); accepted for the registry's reader signature.
    """
    if options:
        raise OptionError("world2014 options", (), sorted(options))
    if not BUNDLED_FILE.is_file():
        raise ReferenceDataMissingError(
            f"the bundled file '{BUNDLED_FILE}' is absent; regenerate it with "
            "scripts/derive_world2014.py (needs the WIOD 2014 reference folder)"
        )
    return TradeData.load(BUNDLED_FILE)


__all__ = ["BUNDLED_FILE", "EU27", "ORDER", "REGIONS", "read"]
