"""Reader of ``us_imports_hs2_2024``: US imports and duties collected in 2024, by partner × HS2 chapter.

Raw layout (SOURCE.md of ``us_imports_hs2_2024``)
-------------------------------------------------
One CSV, ``us_imports_duties_by_partner_hs2_2024.csv``, one row per partner × HS chapter with non-zero
imports: ``census_cty_code`` (4-digit Census code, text), ``partner_name``, ``hs2`` (two digits, text),
``imports_2024_usd`` (customs value, US dollars, excluding duties) and ``duty_collected_2024_usd``
(calculated duties, US dollars). Compiled by the public repository ``tradewartracker/trade-war-redux-2025``
(MIT) from US Census Bureau statistics.

Orientation: every row is a flow *into* the United States (importer USA) from the named partner
(exporter); the duty is imposed by the US. Code ``0003`` "EUROPEAN UNION" is the aggregate of its 27
members, which also appear individually; this reader keeps the members out of the partner list and
the EU aggregate in (checked: the members sum to the aggregate), so totals never double count.

This is a *table*, not a :class:`~tradetalks.data.TradeData` (there is no domestic sales diagonal and
only one importer): ``tradetalks.data.load("us-imports-hs2-2024")`` raises
:class:`~tradetalks.errors.TableDatasetError`; use :func:`read_table` or :func:`load_table`.
The collected 2024 rate (duty / imports) is *not* a statutory rate: it includes MFN duties and the
2018–19 Section 301/232 duties in force in 2024.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from tradetalks.data.readers._common import read_csv, require_columns
from tradetalks.errors import ConservationError, TableDatasetError

NAME = "us-imports-hs2-2024"
FILE = "us_imports_duties_by_partner_hs2_2024.csv"
COLUMNS = ("census_cty_code", "partner_name", "hs2", "imports_2024_usd", "duty_collected_2024_usd")
EU_CODE = "0003"
EU_MEMBERS: tuple[str, ...] = (
    "AUSTRIA", "BELGIUM", "BULGARIA", "CROATIA", "CYPRUS", "CZECH REPUBLIC", "DENMARK", "ESTONIA",
    "FINLAND", "FRANCE", "GERMANY", "GREECE", "HUNGARY", "IRELAND", "ITALY", "LATVIA", "LITHUANIA",
    "LUXEMBOURG", "MALTA", "NETHERLANDS", "POLAND", "PORTUGAL", "ROMANIA", "SLOVAKIA", "SLOVENIA",
    "SPAIN", "SWEDEN",
)
ISO3: dict[str, str] = {
    "5880": "JPN", "5700": "CHN", "1220": "CAN", "2010": "MEX", "5800": "KOR", "4120": "GBR",
    "5330": "IND", "5520": "VNM", "5830": "TWN", "7910": "ZAF", "EU": "EU", "4419": "CHE",
    "3510": "BRA", "5590": "SGP", "5570": "MYS", "5490": "THA", "5600": "IDN", "6021": "AUS",
    "5200": "ARE", "5170": "SAU",
}
"""Census country code → ISO3 label for the partners named in the facts files or the bundled datasets; others
keep their Census name."""
COMPACT_FILE = "us_imports_hs2_2024_compact.csv"
OTHER = "OTHER"


@dataclass(frozen=True, eq=False)
class UsImportsHS2:
    """US imports and collected duties in 2024 by partner × HS2 chapter (US dollars).

    Attributes
    ----------
    frame
        Columns ``partner`` (ISO3 where known, else the Census name; ``EU`` for the 27 members),
        ``census_code``, ``partner_name``, ``hs2``, ``imports_usd``, ``duty_usd``; no EU member rows.
    source
        One line naming the origin.
    """

    frame: pd.DataFrame
    source: str

    @property
    def partners(self) -> tuple[str, ...]:
        return tuple(sorted(self.frame["partner"].unique()))

    def imports_usd(self, partner: str) -> float:
        """Total 2024 US imports from a partner (US$)."""
        return float(self.frame.loc[self.frame["partner"] == partner, "imports_usd"].sum())

    def collected_rate_pct(self, partner: str | None = None) -> float:
        """Duties collected in 2024 / imports, percent (one partner or all)."""
        f = self.frame if partner is None else self.frame[self.frame["partner"] == partner]
        return 100.0 * float(f["duty_usd"].sum()) / float(f["imports_usd"].sum())

    def chapter_table(self, partner: str) -> pd.DataFrame:
        """Rows of one partner indexed by HS2 chapter."""
        return self.frame[self.frame["partner"] == partner].set_index("hs2")


def read(folder: Path, **options: Any) -> Any:
    """Refuse: this dataset is a table; see :func:`read_table`."""
    raise TableDatasetError(
        f"'{NAME}' is a table of US imports by partner x HS2 chapter, not a trade dataset with "
        "domestic sales; use it through `tradetalks tariffs --importer USA` or "
        "tradetalks.data.readers.us_imports_hs2.load_table()"
    )


def read_table(folder: Path) -> UsImportsHS2:
    """Read the table in our orientation (importer USA, exporter = partner; US dollars).

    Raises
    ------
    FileFormatError
        Missing columns.
    ConservationError
        The EU members do not add up to the EU aggregate (within 0.1 %).
    """
    raw = read_csv(folder, FILE, dtype={"census_cty_code": str, "hs2": str})
    require_columns(raw, COLUMNS, FILE)
    members = raw["partner_name"].isin(EU_MEMBERS)
    eu = raw[raw["census_cty_code"] == EU_CODE]
    m_tot, eu_tot = float(raw.loc[members, "imports_2024_usd"].sum()), float(eu["imports_2024_usd"].sum())
    if eu_tot <= 0 or abs(m_tot - eu_tot) > 1e-3 * eu_tot:
        raise ConservationError(
            f"{FILE}: EU members sum to {m_tot / 1e9:.1f} US$bn; expected the EU aggregate {eu_tot / 1e9:.1f}"
        )
    df = raw[~members].copy()
    code = df["census_cty_code"].where(df["census_cty_code"] != EU_CODE, "EU")
    df["partner"] = [ISO3.get(c, n) for c, n in zip(code, df["partner_name"], strict=True)]
    df["hs2"] = df["hs2"].str.zfill(2)
    out = pd.DataFrame({
        "partner": df["partner"], "census_code": df["census_cty_code"], "partner_name": df["partner_name"],
        "hs2": df["hs2"], "imports_usd": df["imports_2024_usd"].astype(float),
        "duty_usd": df["duty_collected_2024_usd"].astype(float),
    }).reset_index(drop=True)
    return UsImportsHS2(out, "US Census Bureau via tradewartracker/trade-war-redux-2025 (2024, customs value)")


def compact_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The table's frame with every partner without an ISO3 label (:data:`ISO3`) summed, chapter by chapter,
    into one partner :data:`OTHER` (what ``scripts/derive_us_imports_compact.py`` bundles)."""
    named = frame["partner"].isin(set(ISO3.values()))
    rest = (frame[~named].groupby("hs2", as_index=False)[["imports_usd", "duty_usd"]].sum()
            .assign(partner=OTHER, census_code="", partner_name="ALL OTHER PARTNERS"))
    out = pd.concat([frame[named], rest[list(frame.columns)]], ignore_index=True)
    return out.sort_values(["partner", "hs2"], kind="stable").reset_index(drop=True)


def read_compact(path: Path) -> UsImportsHS2:
    """The bundled compact table (:func:`compact_frame` of the reference table; its first line the source).

    Raises
    ------
    FileFormatError
        Missing columns.
    """
    frame = read_csv(path.parent, path.name, comment="#", dtype={"census_code": str, "hs2": str},
                     keep_default_na=False)
    require_columns(frame, ("partner", "census_code", "partner_name", "hs2", "imports_usd", "duty_usd"), path.name)
    frame["hs2"] = frame["hs2"].str.zfill(2)
    frame[["imports_usd", "duty_usd"]] = frame[["imports_usd", "duty_usd"]].astype(float)
    return UsImportsHS2(frame, "US Census Bureau via tradewartracker/trade-war-redux-2025 (2024, customs value); "
                        "bundled compact table, unnamed partners summed as OTHER")


def load_table() -> UsImportsHS2:
    """The table from the reference folder (``TRADETALKS_DATA_DIR``), else the bundled compact table
    (:func:`read_compact`; the wall's rates are the same on both); cached per folder."""
    from tradetalks.data.registry import dataset_folder
    from tradetalks.errors import ReferenceDataMissingError

    try:
        folder: Path | None = dataset_folder(NAME)
    except ReferenceDataMissingError:
        folder = None
    return _load_table(folder)


@lru_cache(maxsize=4)
def _load_table(folder: Path | None) -> UsImportsHS2:
    from tradetalks.data.registry import BUNDLED_DIR

    return read_table(folder) if folder is not None else read_compact(BUNDLED_DIR / COMPACT_FILE)
