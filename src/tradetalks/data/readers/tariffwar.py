"""Reader of ``tariffwar_cubes``: OECD ICIO 2011–2022 (81 × 28) and WIOD 2016 release 2000–2014 (44 × 16).

Raw layout (SOURCE.md of the folder): ``mat/ICIO<year>.mat`` and ``mat/WIOD<year>.mat``, MATLAB v7.3
files (HDF5 with a 512-byte userblock) holding one struct ``data`` with

* ``Xjik_3D`` (MATLAB N×N×S; h5py shows it reversed, (S, N, N)): ``X(i, j, s)`` = sector-s goods made in
  exporter i (row) and bought by importer j (column), gross (intermediate + final use), diagonal =
  domestic sales, US$ millions (inferred from magnitudes in SOURCE.md), trade **not** balanced;
* ``tjik_3D`` (same layout): applied tariff, a fraction, that importer j charges on exporter i's goods;
* ``sigma.<SET>.epsilon_S`` (S values): trade elasticity ε of each of the eight published sets
  (``sigma_S`` = ε + 1);
* ``countries``, ``sectors`` (cells of UTF-16 char arrays through HDF5 object references), ``N``, ``S``,
  ``year``, ``dataset``.

Conversion: ``np.asarray(ds).T`` restores MATLAB's ``[i, j, s]`` order, which is our orientation already
(``trade[exporter, importer, sector]``, ``tariff`` imposed by the importer). The flows are treated as
pre-tariff values as in every other reader (the source pipeline itself reads them as spending gross of
tariffs; with mean tariffs of 2–4 % the difference is small, see caveats). ``sigma`` = ε + 1 and
``theta`` = ε of the chosen set (:mod:`tradetalks.data.elasticities`).

Registry names ``icio2011``..``icio2022`` and ``wiod16-2000``..``wiod16-2014`` (the registry passes
``source`` and ``year``). Options: ``elasticities`` (a set name or a CSV path; default ``IS``),
``domestic_floor`` (US$ m added to every domestic cell; ``1.0`` reproduces the source pipeline's +1 on
ICIO; default 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import h5py  # type: ignore[import-untyped]
import numpy as np
import numpy.typing as npt

from tradetalks.data import elasticities as elas
from tradetalks.data.readers._common import caveats
from tradetalks.data.tradedata import TradeData
from tradetalks.errors import (
    MatFileError,
    OptionError,
    ReferenceDataMissingError,
    YearNotAvailableError,
)

FloatArray = npt.NDArray[np.float64]

ACCEPTS_ELASTICITIES = True
"""Marker read by :func:`tradetalks.data.elasticities.load_with_elasticities`."""

FOLDER = "tariffwar_cubes"
SOURCES = {"icio": "ICIO", "wiod": "WIOD"}
YEARS = {"icio": tuple(range(2011, 2023)), "wiod": tuple(range(2000, 2015))}
"""Years the source package ships, by source."""
REQUIRED = ("Xjik_3D", "tjik_3D", "sigma", "countries", "sectors")
"""Fields of the struct ``data`` that the reader needs."""

ICIO_SECTORS: dict[str, tuple[str, str]] = {
    "A01": ("crops_animals", "Crop and animal production, hunting"),
    "A02": ("forestry", "Forestry and logging"),
    "A03": ("fishing", "Fishing and aquaculture"),
    "B05": ("coal", "Mining of coal and lignite"),
    "B06": ("oil_gas", "Extraction of crude petroleum and natural gas"),
    "B07": ("metal_ores", "Mining of metal ores"),
    "B08": ("other_mining", "Other mining and quarrying"),
    "B09": ("mining_support", "Mining support service activities"),
    "C10T12": ("food", "Food products, beverages and tobacco"),
    "C13T15": ("textiles", "Textiles, wearing apparel, leather"),
    "C16": ("wood", "Wood and products of wood and cork"),
    "C17_18": ("paper", "Paper products and printing"),
    "C19": ("petroleum", "Coke and refined petroleum products"),
    "C20": ("chemicals", "Chemicals and chemical products"),
    "C21": ("pharmaceuticals", "Pharmaceuticals, medicinal chemical and botanical products"),
    "C22": ("rubber_plastic", "Rubber and plastics products"),
    "C23": ("minerals", "Other non-metallic mineral products"),
    "C24A": ("iron_steel", "Manufacture of basic iron and steel"),
    "C24B": ("nonferrous_metals", "Manufacture of basic precious and other non-ferrous metals"),
    "C25": ("fabricated_metals", "Fabricated metal products"),
    "C26": ("electronics", "Computer, electronic and optical equipment"),
    "C27": ("electrical", "Electrical equipment"),
    "C28": ("machinery", "Machinery and equipment n.e.c."),
    "C29": ("motor_vehicles", "Motor vehicles, trailers and semi-trailers"),
    "C301": ("ships", "Building of ships and boats"),
    "C302T309": ("other_transport", "Railroad, air and spacecraft and other transport equipment"),
    "C31T33": ("other_manufacturing", "Other manufacturing; repair and installation of machinery"),
    "Services (aggregate)": ("services", "Services, utilities and construction (all OECD codes D-Z)"),
}
"""OECD ICIO code (as stored) → (our short label, usual OECD name; the names are not in the file)."""

WIOD_SECTORS: dict[str, str] = {
    "Agriculture, forestry, fishing": "agriculture",
    "Mining and quarrying": "mining",
    "Food, beverages, tobacco": "food",
    "Textiles, apparel, leather": "textiles",
    "Wood, paper, printing": "wood_paper",
    "Coke and refined petroleum": "petroleum",
    "Chemicals, pharmaceuticals": "chemicals",
    "Rubber, plastics, non-metallic minerals": "rubber_plastic_minerals",
    "Basic metals": "basic_metals",
    "Fabricated metals": "fabricated_metals",
    "Computer, electronic, optical": "electronics",
    "Electrical equipment": "electrical",
    "Machinery and equipment n.e.c.": "machinery",
    "Transport equipment": "motor_vehicles",
    "Other manufacturing; repair": "other_manufacturing",
    "Services (aggregate)": "services",
}
"""WIOD-16 label (as stored) → our short label. ``motor_vehicles`` is WIOD's transport equipment
(motor vehicles and other transport), as in ``world2014``."""

CITATION = (
    "Lashkaripour, A. (2021). The cost of a global tariff war: a sufficient-statistics approach. "
    "Journal of International Economics 131, 103489 (data: github.com/ahmadlp/tariffwar, mat/, commit "
    "98636984981426dd17be3a9e532973a2995ce601). "
    "OECD Inter-Country Input-Output tables, 2023 edition (ICIO files). "
    "Timmer, M. P., E. Dietzenbacher, B. Los, R. Stehrer and G. J. de Vries (2015). An illustrated user "
    "guide to the World Input-Output Database: the case of global automotive production. Review of "
    "International Economics 23(3): 575-605 (WIOD files). "
    "Teti, F. (2024). 30+ years of trade policy: evidence from 160 countries. ECARES WP 2024-04 "
    "(Global Tariff Database; applied tariffs)."
)


@dataclass(frozen=True)
class RawCube:
    """The contents of one ``tariffwar_cubes`` file in MATLAB index order ``[i, j, s]``.

    Attributes
    ----------
    path
        The file read.
    dataset, year
        ``'icio'`` or ``'wiod'`` and the data year, as stored.
    countries, sectors
        Labels as stored (ISO3 codes; OECD codes or WIOD-16 labels).
    trade, tariff
        ``X[i, j, s]`` (US$ m, exporter i, importer j) and ``t[i, j, s]`` (fraction, imposed by j).
    epsilon
        ``{set name: ε by sector}`` for every set stored under ``data/sigma``.
    """

    path: Path
    dataset: str
    year: int
    countries: tuple[str, ...]
    sectors: tuple[str, ...]
    trade: FloatArray
    tariff: FloatArray
    epsilon: dict[str, FloatArray]


def mat_path(folder: Path, source: str, year: int) -> Path:
    """Path of the file of one source and year.

    Raises
    ------
    OptionError
        ``source`` is not ``icio`` or ``wiod``.
    YearNotAvailableError
        The year is not one the source package ships, or its file is absent from ``folder``.
    """
    if source not in SOURCES:
        raise OptionError("tariffwar source", tuple(SOURCES), source)
    name = f"{SOURCES[source]}{year}.mat"
    p = Path(folder) / "mat" / name
    if year not in YEARS[source] or not p.is_file():
        present = sorted(
            int(f.stem[4:]) for f in (Path(folder) / "mat").glob(f"{SOURCES[source]}*.mat")
            if f.stem[4:].isdigit()
        )
        raise YearNotAvailableError(
            f"tariffwar_cubes {source}: expected a year in {present or list(YEARS[source])} "
            f"(file mat/{SOURCES[source]}<year>.mat in '{folder}'); found year {year!r}"
        )
    return p


def _text(f: h5py.File, obj: Any) -> str:
    """A MATLAB char array (uint16 UTF-16 code units) as a string."""
    return "".join(map(chr, np.asarray(f[obj][()] if isinstance(obj, h5py.Reference) else obj).ravel()))


def read_mat(path: str | Path) -> RawCube:
    """Read one ``tariffwar_cubes`` MAT-file (v7.3/HDF5) in MATLAB index order.

    Raises
    ------
    MatFileError
        Not an HDF5 (v7.3) file, no struct ``data``, a missing field, or shapes that do not agree.
    """
    p = Path(path)
    if not p.is_file():
        raise ReferenceDataMissingError(f"expected the file '{p}'; it is absent")
    try:
        f = h5py.File(p, "r")
    except OSError as exc:
        raise MatFileError(
            f"'{p}': expected a MATLAB v7.3 MAT-file (HDF5, saved with -v7.3); could not open it: {exc}"
        ) from exc
    with f:
        if "data" not in f or not isinstance(f["data"], h5py.Group):
            raise MatFileError(f"'{p}': expected a MATLAB struct 'data'; found variables {sorted(f.keys())}")
        g = f["data"]
        missing = [k for k in REQUIRED if k not in g]
        if missing:
            raise MatFileError(
                f"'{p}': expected the fields {list(REQUIRED)} in struct 'data'; missing {missing} "
                f"(found {sorted(g.keys())})"
            )
        x = np.asarray(g["Xjik_3D"][()], dtype=float).T
        t = np.asarray(g["tjik_3D"][()], dtype=float).T
        try:
            countries = tuple(_text(f, r) for r in np.asarray(g["countries"][()]).ravel())
            sectors = tuple(_text(f, r) for r in np.asarray(g["sectors"][()]).ravel())
        except (KeyError, TypeError, ValueError) as exc:
            raise MatFileError(f"'{p}': expected 'countries' and 'sectors' as cells of char arrays: {exc}") from exc
        n, s = len(countries), len(sectors)
        for name, arr in (("Xjik_3D", x), ("tjik_3D", t)):
            if arr.shape != (n, n, s):
                raise MatFileError(
                    f"'{p}': expected data.{name} of MATLAB size {n}x{n}x{s} (countries x countries x "
                    f"sectors); found {arr.shape}"
                )
        eps: dict[str, FloatArray] = {}
        sg = g["sigma"]
        for key in sg:
            if "epsilon_S" not in sg[key]:
                raise MatFileError(f"'{p}': expected data.sigma.{key}.epsilon_S; found {sorted(sg[key].keys())}")
            e = np.asarray(sg[key]["epsilon_S"][()], dtype=float).ravel()
            if e.shape != (s,):
                raise MatFileError(f"'{p}': expected data.sigma.{key}.epsilon_S of length {s}; found {e.shape}")
            eps[str(key)] = e
        dataset = _text(f, g["dataset"][()]) if "dataset" in g else p.stem[:4].lower()
        year = int(np.asarray(g["year"][()]).ravel()[0]) if "year" in g else int(p.stem[4:])
    return RawCube(p, dataset, year, countries, sectors, x, t, eps)


def read(folder: Path, **options: Any) -> TradeData:
    """Read one year of ICIO (81 × 28) or WIOD (44 × 16) in our orientation, US$ millions.

    Parameters
    ----------
    folder
        The ``tariffwar_cubes`` reference folder.
    **options
        ``source`` (``"icio"`` or ``"wiod"``) and ``year`` (set by the registry name);
        ``elasticities``: a set name of :data:`tradetalks.data.elasticities.ELASTICITY_SETS` or a CSV
        path (default ``IS``); ``domestic_floor``: US$ m added to every domestic cell (default 0; the
        source pipeline adds 1 on ICIO).

    Raises
    ------
    OptionError, YearNotAvailableError, MatFileError, ElasticitySetError
    """
    allowed = ("source", "year", "elasticities", "domestic_floor")
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise OptionError("tariffwar options", allowed, unknown)
    source = str(options.get("source", "icio")).lower()
    if source not in SOURCES:
        raise OptionError("tariffwar source", tuple(SOURCES), source)
    year_opt = options.get("year", YEARS[source][-1])
    try:
        year = int(year_opt)
    except (TypeError, ValueError):
        raise YearNotAvailableError(
            f"tariffwar_cubes {source}: expected a year in {list(YEARS[source])}; found {year_opt!r}"
        ) from None
    floor = float(options.get("domestic_floor", 0.0))
    if not np.isfinite(floor) or floor < 0:
        raise OptionError("domestic_floor", ">= 0 (US$ millions)", floor)
    raw = read_mat(mat_path(folder, source, year))
    return to_tradedata(raw, source, options.get("elasticities"), floor)


def to_tradedata(raw: RawCube, source: str, elasticities: Any = None, domestic_floor: float = 0.0) -> TradeData:
    """Convert a :class:`RawCube` to :class:`TradeData` with the chosen elasticity set."""
    if source == "icio":
        unknown = [c for c in raw.sectors if c not in ICIO_SECTORS]
        labels = [ICIO_SECTORS[c][0] for c in raw.sectors if c in ICIO_SECTORS]
        names = [f"{c} {ICIO_SECTORS[c][1]}" for c in raw.sectors if c in ICIO_SECTORS]
    else:
        unknown = [c for c in raw.sectors if c not in WIOD_SECTORS]
        labels = [WIOD_SECTORS[c] for c in raw.sectors if c in WIOD_SECTORS]
        names = [f"{k + 1} {c} (WIOD-16)" for k, c in enumerate(raw.sectors) if c in WIOD_SECTORS]
    if unknown:
        raise MatFileError(f"'{raw.path}': unexpected sector labels {unknown}; expected the {source} list of SOURCE.md")
    trade = np.array(raw.trade, dtype=float)
    if domestic_floor:
        idx = np.arange(len(raw.countries))
        trade[idx, idx, :] += domestic_floor
    tariff = np.array(raw.tariff, dtype=float)
    el = elas.resolve(elasticities, labels, raw.epsilon, f"{raw.path.name} (data.sigma.<set>.epsilon_S)")
    name = f"icio{raw.year}" if source == "icio" else f"wiod16-{raw.year}"
    zero_dom = int((np.einsum("iis->is", trade) <= 0).any(axis=1).sum())
    attrs: dict[str, Any] = {
        "name": name,
        "source": f"tariffwar_cubes/mat/{raw.path.name} (github.com/ahmadlp/tariffwar, commit 9863698): "
        + ("OECD ICIO 2023 edition" if source == "icio" else "WIOD 2016 release")
        + f", {raw.year}; applied tariffs of Teti's Global Tariff Database",
        "year": raw.year,
        "units": "US$ millions",
        "citation": CITATION,
        "licence": "none stated for the repository; WIOD: CC BY 4.0; OECD ICIO: OECD terms (re-use with credit)",
        "domestic_floor": domestic_floor,
        **el.attrs(),
        "caveats": caveats(
            "flows are gross (intermediate + final use by the buying country), US$ millions (inferred "
            "from magnitudes; the files state no unit); trade is NOT balanced as stored",
            "flows are read as pre-tariff values (the source package treats them as spending gross of "
            "tariffs; trade-weighted mean tariff 1.4 % WIOD 2014, 2.3 % ICIO 2022)",
            "tariffs: Teti Global Tariff Database applied rates of min(year, 2021) (ICIO 2022 carries "
            "2021 tariffs), simple averages over ISIC sectors; MFN-like, no 2018-2025 US measures",
            "the services sector carries non-zero tariffs in the source (off-diagonal mean 1.2 % WIOD "
            "2014, 2.9 % ICIO 2022); kept as they are",
            (
                "ICIO: the 27 goods sectors are OECD codes A-C; all services D-Z are one sector; negatives "
                "floored at 0; CN1+CN2 -> CHN, MX1+MX2 -> MEX"
                if source == "icio"
                else "WIOD: 'motor_vehicles' is WIOD's transport equipment (motor vehicles and other "
                "transport); negative inventory changes set to 0"
            ),
            f"{zero_dom} countries have a zero domestic cell in some sector"
            + (f" (domestic_floor={domestic_floor} added)" if domestic_floor else "")
            + "; ROW is a residual region",
        ),
    }
    return TradeData.from_arrays(
        trade,
        raw.countries,
        labels,
        tariff,
        sigma=el.sigma,
        theta=el.epsilon,
        sector_coords={"sector_name": names},
        attrs=attrs,
    )


__all__ = ["ICIO_SECTORS", "WIOD_SECTORS", "YEARS", "RawCube", "mat_path", "read", "read_mat", "to_tradedata"]
