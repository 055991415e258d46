"""Derive the bundled default dataset ``world2014`` from the WIOD 2014 reference file.

Usage (from the repository root; needs the reference folder, see ``TRADETALKS_DATA_DIR``)::

    .venv/bin/python scripts/derive_world2014.py

Reads ``lashkaripour_lugovskyy2023_wiod2014/wiod2014_44x44x16_trade_tariff.csv`` through our reader
(:mod:`tradetalks.data.readers.wiod2014`, raw WIOD flows), aggregates the 44 countries to the 12
economies of :data:`tradetalks.data.readers.world2014.REGIONS` with
:meth:`TradeData.aggregate_countries` (flows summed, tariffs trade-weighted), orders them as
:data:`~tradetalks.data.readers.world2014.ORDER`, and writes ``src/tradetalks/data/bundled/world2014.nc``
and ``PROVENANCE.md`` beside it.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from tradetalks.data import load
from tradetalks.data.readers import wiod2014
from tradetalks.data.readers._common import caveats
from tradetalks.data.readers.world2014 import BUNDLED_FILE, EU27, ORDER, REGIONS, REST
from tradetalks.data.registry import dataset_folder

SCRIPT = "scripts/derive_world2014.py"


def main() -> None:
    today = dt.date.today().isoformat()
    raw = dataset_folder("wiod2014") / wiod2014.FILE
    digest = hashlib.sha256(raw.read_bytes()).hexdigest()
    wiod = load("wiod2014")
    world = wiod.aggregate_countries(REGIONS).select(countries=list(ORDER))
    world = world.with_attrs(
        name="world2014",
        source="derived from the WIOD 2014 file of Lashkaripour & Lugovskyy (2023) "
        f"({wiod2014.FILE}, sha256 {digest[:16]}...) by {SCRIPT}",
        derived_by=SCRIPT,
        derived_on=today,
        history="wiod2014 (raw flows) -> aggregate_countries(REGIONS) -> select(ORDER)",
        regions="EU = " + " ".join(EU27) + "; ROW = " + " ".join(REST) + " (WIOD ROW included)",
        caveats=caveats(
            "aggregated from 44 WIOD countries: flows among members of a region (EU, ROW) are its "
            "domestic sales; tariffs of a region are trade-weighted means over member pairs",
            "EU is the 27 members of 2020 (2014's 28 less GBR); GBR is kept separately although it "
            "applied the EU tariff in 2014",
            "ROW bundles AUS, CHE, IDN, NOR, RUS, TUR and WIOD's rest of the world",
            "sector 16 'services' lumps all services, utilities and construction; the source file "
            "gives it small tariffs for some pairs (mean 0.5 %, max 15 %), kept as they are; "
            "'motor_vehicles' (sector 14) includes other transport equipment",
            "applied tariffs of 2014 (before the 2018-2025 US tariff measures)",
            "flows are gross (intermediate + final), US$ millions; trade is not balanced",
        ),
    )
    out = world.save(BUNDLED_FILE)
    size_kb = out.stat().st_size / 1024
    prov = f"""# world2014 — provenance

`world2014.nc` is the bundled default dataset of tradetalks: WIOD 2014 trade and applied tariffs,
aggregated to 12 economies × 16 sectors. It is derived by our script `{SCRIPT}`; the raw file is not
shipped.

- **Source file**: `lashkaripour_lugovskyy2023_wiod2014/{wiod2014.FILE}` (sha256 `{digest}`), the
  WIOD 2014 (Nov16 release) flows and applied tariffs used by Lashkaripour & Lugovskyy (2023), from
  their replication materials (github.com/InessaDeAngelis/AER_code_translation, commit f7c192b).
- **Derivation** ({today}): read with `tradetalks.data.readers.wiod2014` (column `trade_raw_wiod2014`,
  US$ millions, exporter × importer × sector; `tariff_imposed_by_importer`, fractions), then
  `TradeData.aggregate_countries` (flows summed; tariffs trade-weighted, `t_RQs = Σ t_ijs X_ijs / Σ X_ijs`;
  flows within a region become its domestic sales) and reordered.
- **Economies**: {", ".join(ORDER)}. EU = {" ".join(EU27)} (the EU-27 of 2020). GBR kept separately.
  ROW = {" ".join(REST)} (WIOD's ROW included).
- **Sectors**: the 16 sectors of the Lashkaripour–Lugovskyy concordance (short labels; long names in the
  `sector_name` coordinate).
- **Elasticities**: `sigma` by sector from `sector_params_sigma_mu.csv` (σ = trade elasticity + 1;
  services 12).
- **Size**: {size_kb:.0f} kB.

## Citation

Timmer, M. P., E. Dietzenbacher, B. Los, R. Stehrer and G. J. de Vries (2015). An Illustrated User Guide
to the World Input-Output Database: the Case of Global Automotive Production. *Review of International
Economics* 23: 575–605.

Lashkaripour, A. and V. Lugovskyy (2023). Profits, Scale Economies, and the Gains from Trade and
Industrial Policy. *American Economic Review* 113(10): 2759–2808.

No licence is stated in the source repository; see www.wiod.org for the WIOD terms of use.
"""
    prov_path = out.parent / "PROVENANCE.md"
    # keep the sections other derive scripts wrote (world2022: scripts/derive_world2022.py)
    marker = "<!-- world2022: begin"
    old = prov_path.read_text(encoding="utf-8") if prov_path.exists() else ""
    if marker in old:
        prov = prov.rstrip("\n") + "\n\n" + old[old.index(marker):]
    prov_path.write_text(prov, encoding="utf-8")
    print(f"wrote {out} ({size_kb:.0f} kB) and PROVENANCE.md")


if __name__ == "__main__":
    main()
