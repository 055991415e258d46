"""Derive ``src/tradetalks/data/bundled/us_imports_hs2_2024_compact.csv``: US imports and collected duties in
2024 by partner × HS2 chapter, with the partners the US tariff wall does not name aggregated.

Source: ``us_imports_hs2_2024/us_imports_duties_by_partner_hs2_2024.csv`` (US Census Bureau import
statistics, general imports, customs value, and calculated duties for 2024, compiled by the public repository
``tradewartracker/trade-war-redux-2025``, commit 726c5958e1e43eb08ac076a1e602ae3149164b03, MIT licence; see that
folder's SOURCE.md), read with :func:`tradetalks.data.readers.us_imports_hs2.read_table` (EU members folded
into the EU aggregate).

Compact form: the partners with an ISO3 label in :data:`tradetalks.data.readers.us_imports_hs2.ISO3` (every
partner a wall measure or a bundled dataset names, and the EU) keep their rows; every other partner is summed,
chapter by chapter, into one partner ``OTHER``. Every wall measure that reaches those partners applies to all
origins and adds a rate to the collected one (no all-in top-up), so the wall's trade-weighted rates are the same
on the compact table as on the full one (tested, ``tests/test_us_imports_compact.py``); only the per-partner
rows of the unnamed partners are lost.

Run: ``python scripts/derive_us_imports_compact.py`` (needs the reference folder; TRADETALKS_DATA_DIR).
"""

from __future__ import annotations

from pathlib import Path

from tradetalks.data.readers.us_imports_hs2 import COMPACT_FILE, compact_frame, read_table
from tradetalks.data.registry import dataset_folder

OUT = Path(__file__).resolve().parents[1] / "src/tradetalks/data/bundled" / COMPACT_FILE
HEADER = ("# US imports (customs value) and calculated duties in 2024 by partner x HS2 chapter, US dollars. "
          "Source: US Census Bureau import statistics compiled by tradewartracker/trade-war-redux-2025 "
          "(commit 726c5958e1e43eb08ac076a1e602ae3149164b03; MIT licence, Copyright (c) tradewartracker; "
          "data: US Census Bureau, public domain). EU = the 27 members; OTHER = every partner the tariff wall "
          "does not name, summed by chapter. Derived by scripts/derive_us_imports_compact.py\n")


def main() -> None:
    frame = compact_frame(read_table(dataset_folder("us-imports-hs2-2024")).frame)
    with open(OUT, "w", newline="") as f:
        f.write(HEADER)
        frame.to_csv(f, index=False, float_format="%.0f")
    print(f"wrote {OUT} ({len(frame)} rows)")


if __name__ == "__main__":
    main()
