"""The bundled dataset ``world2022``: OECD ICIO 2022 aggregated to 21 economies × 17 sectors.

Derived by ``scripts/derive_world2022.py`` from ``tariffwar_cubes/mat/ICIO2022.mat`` (reader
:mod:`tradetalks.data.readers.tariffwar`) and shipped as ``tradetalks/data/bundled/world2022.nc`` with
``world2022_elasticities.csv`` (the eight published elasticity sets aggregated to its sectors) and a
section of ``PROVENANCE.md``. Loading needs no reference folder.

Economies (:data:`ORDER`): USA, JPN, CHN, KOR, TWN, CAN, MEX, EU (the 27 members), GBR, IND, VNM, BRA,
then every other ICIO economy whose 2022 trade (goods and services, both directions) with the US plus
Japan exceeded US$ 75 bn — SGP, AUS, THA, CHE, ARE, SAU, IDN, MYS — and ROW (the other 52 ICIO economies
and ICIO's rest of the world).

Sectors (:data:`SECTOR_GROUPS`): the 28 ICIO sectors of the source aggregated to 17, with the labels
of ``world2014`` where the contents agree, so the policy layer's sector names (``motor_vehicles``,
``metals``, ``chemicals``, ``food``, ``services``) keep their meaning; ``motor_vehicles`` is ICIO C29
alone (motor vehicles, trailers, semi-trailers), and ships and other transport (aircraft, rail) are
``other_transport``.

Option ``elasticities``: a set name (``IS`` default, ``U4``, ``CP``, ``BSY``, ``GYY``, ``Shap``,
``FGO``, ``LL``) or a CSV file (:mod:`tradetalks.data.elasticities`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tradetalks.data import elasticities as elas
from tradetalks.data.tradedata import TradeData
from tradetalks.errors import FileFormatError, OptionError, ReferenceDataMissingError

ACCEPTS_ELASTICITIES = True
"""Marker read by :func:`tradetalks.data.elasticities.load_with_elasticities`."""

BUNDLED_DIR = Path(__file__).resolve().parents[1] / "bundled"
BUNDLED_FILE = BUNDLED_DIR / "world2022.nc"
ELASTICITIES_FILE = BUNDLED_DIR / "world2022_elasticities.csv"

EU27 = (
    "AUT BEL BGR CYP CZE DEU DNK ESP EST FIN FRA GRC HRV HUN IRL ITA LTU LUX LVA MLT NLD POL PRT "
    "ROU SVK SVN SWE"
).split()
REQUIRED = ("USA", "JPN", "CHN", "KOR", "TWN", "CAN", "MEX", "GBR", "IND", "VNM", "BRA")
"""Economies kept by design (issue 12), besides EU and ROW."""
PARTNER_THRESHOLD_USD_M = 75_000.0
"""Other economies are kept when their 2022 trade with the US plus Japan exceeds this (US$ m)."""
SELECTED = ("SGP", "AUS", "THA", "CHE", "ARE", "SAU", "IDN", "MYS")
"""The economies above the threshold in ICIO 2022 (checked by the derive script), largest first."""
ORDER = ("USA", "JPN", "CHN", "KOR", "TWN", "CAN", "MEX", "EU", "GBR", "IND", "VNM", "BRA", *SELECTED, "ROW")
"""Economies of world2022, in this order."""

SECTOR_GROUPS: dict[str, tuple[str, ...]] = {
    "agriculture": ("crops_animals", "forestry", "fishing"),
    "mining": ("coal", "oil_gas", "metal_ores", "other_mining", "mining_support"),
    "food": ("food",),
    "textiles": ("textiles",),
    "wood": ("wood",),
    "paper": ("paper",),
    "petroleum": ("petroleum",),
    "chemicals": ("chemicals", "pharmaceuticals"),
    "rubber_plastic": ("rubber_plastic",),
    "minerals": ("minerals",),
    "metals": ("iron_steel", "nonferrous_metals", "fabricated_metals"),
    "electronics": ("electronics", "electrical"),
    "machinery": ("machinery",),
    "motor_vehicles": ("motor_vehicles",),
    "other_transport": ("ships", "other_transport"),
    "other_manufacturing": ("other_manufacturing",),
    "services": ("services",),
}
"""world2022 sector → the icio2022 sector labels it sums (:data:`tradetalks.data.readers.tariffwar.ICIO_SECTORS`)."""
SECTOR_NAMES = (
    "Agriculture, forestry and fishing (ICIO A01-A03)",
    "Mining and quarrying, incl. energy and support (ICIO B05-B09)",
    "Food products, beverages and tobacco (ICIO C10T12)",
    "Textiles, wearing apparel, leather (ICIO C13T15)",
    "Wood and products of wood and cork (ICIO C16)",
    "Paper products and printing (ICIO C17_18)",
    "Coke and refined petroleum products (ICIO C19)",
    "Chemicals and pharmaceuticals (ICIO C20, C21)",
    "Rubber and plastics products (ICIO C22)",
    "Other non-metallic mineral products (ICIO C23)",
    "Basic and fabricated metals: iron and steel, non-ferrous, fabricated (ICIO C24A, C24B, C25)",
    "Computer, electronic, optical and electrical equipment (ICIO C26, C27)",
    "Machinery and equipment n.e.c. (ICIO C28)",
    "Motor vehicles, trailers and semi-trailers (ICIO C29)",
    "Ships, railroad, air and spacecraft, other transport (ICIO C301, C302T309)",
    "Other manufacturing; repair and installation (ICIO C31T33)",
    "Services, utilities and construction (ICIO D-Z, one sector in the source)",
)


def region_map(countries: list[str]) -> dict[str, str]:
    """Map of ICIO economies to world2022 economies (EU members → EU, others not kept → ROW)."""
    keep = set(REQUIRED) | set(SELECTED)
    return {c: ("EU" if c in EU27 else c if c in keep else "ROW") for c in countries}


def sector_map() -> dict[str, str]:
    """Map of icio2022 sector labels to world2022 sectors."""
    return {s: g for g, members in SECTOR_GROUPS.items() for s in members}


def elasticity_table() -> dict[str, np.ndarray]:
    """The eight sets aggregated to world2022's sectors, ``{set: ε by sector}``, from the bundled CSV."""
    if not ELASTICITIES_FILE.is_file():
        raise ReferenceDataMissingError(
            f"the bundled file '{ELASTICITIES_FILE}' is absent; regenerate it with scripts/derive_world2022.py"
        )
    df = pd.read_csv(ELASTICITIES_FILE)
    if "sector" not in df.columns or list(df["sector"]) != list(SECTOR_GROUPS):
        raise FileFormatError(
            f"'{ELASTICITIES_FILE}': expected a 'sector' column listing {list(SECTOR_GROUPS)}"
        )
    return {s: df[s].to_numpy(dtype=float) for s in elas.ELASTICITY_SETS if s in df.columns}


def read(folder: Path | None = None, **options: Any) -> TradeData:
    """Load the bundled ``world2022`` (US$ millions, 2022; no reference folder needed).

    Parameters
    ----------
    folder
        Ignored (the file ships inside the package); accepted for the registry's reader signature.
    **options
        ``elasticities``: a set name or a CSV path (default ``IS``, as stored in the file).
    """
    unknown = sorted(set(options) - {"elasticities"})
    if unknown:
        raise OptionError("world2022 options", ("elasticities",), unknown)
    if not BUNDLED_FILE.is_file():
        raise ReferenceDataMissingError(
            f"the bundled file '{BUNDLED_FILE}' is absent; regenerate it with "
            "scripts/derive_world2022.py (needs the tariffwar_cubes reference folder)"
        )
    data = TradeData.load(BUNDLED_FILE)
    choice = options.get("elasticities")
    if choice is None or (not elas.is_file_choice(choice) and elas.set_name(str(choice)) == data.attrs.get("elasticities")):
        return data
    table = None if elas.is_file_choice(choice) else elasticity_table()
    return elas.apply(data, elas.resolve(choice, data.sectors, table, ELASTICITIES_FILE.name))


__all__ = [
    "BUNDLED_FILE",
    "ELASTICITIES_FILE",
    "EU27",
    "ORDER",
    "SECTOR_GROUPS",
    "SELECTED",
    "elasticity_table",
    "read",
    "region_map",
    "sector_map",
]
