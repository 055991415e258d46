"""Dataset registry: names of the reference datasets and the bundled default, and ``load``.

Reference datasets are raw files from public replication packages, read from the folder named by the
environment variable ``TRADETALKS_DATA_DIR`` (default: ``../shared/data/raw`` beside the repository).
They are never shipped with the package. The bundled default ``world2022`` (OECD ICIO 2022, 21 economies x 17
sectors) is derived by ``scripts/derive_world2022.py``; the earlier bundled ``world2014`` (WIOD 2014) by
``scripts/derive_world2014.py``; both ship inside the package.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tradetalks.data.tradedata import TradeData
from tradetalks.errors import DatasetNotFoundError, ReferenceDataMissingError
from tradetalks.inputs import MAX_DATASET_NAME, MAX_PATH_LENGTH, check_text

ENV_DATA_DIR = "TRADETALKS_DATA_DIR"
ENV_REQUIRE = "TRADETALKS_REQUIRE_REFERENCE_DATA"
BUNDLED_DIR = Path(__file__).parent / "bundled"
#: The dataset every interface uses when the user names none (CLI, web, scenarios, demo). Change it here only.
DEFAULT_DATASET = "world2022"
#: A registry name (the web accepts only these; the CLI and files also accept a path to a .nc file).
NAME_PATTERN = rf"^[a-z0-9][a-z0-9.\-]{{0,{MAX_DATASET_NAME - 1}}}$"


def check_name(name_or_path: object, field: str = "dataset") -> str:
    """The one check of a dataset name or path typed by a user (CLI, scenario files, web), made before
    anything touches the file system: text without control characters, at most
    :data:`~tradetalks.inputs.MAX_PATH_LENGTH` characters (a registry name has at most
    :data:`~tradetalks.inputs.MAX_DATASET_NAME`).

    Raises
    ------
    BoundsError
        Not text, empty, too long or with control characters.
    """
    return check_text(str(name_or_path) if isinstance(name_or_path, Path) else name_or_path, field,
                      max_len=MAX_PATH_LENGTH)


@dataclass(frozen=True)
class DatasetInfo:
    """One registered dataset.

    Attributes
    ----------
    name
        Registry name (``tradetalks.data.load(name)``).
    folder
        Sub-folder of the reference directory holding its raw files (``None`` for bundled data).
    module
        Reader module under ``tradetalks.data.readers`` exposing ``read(folder, **options)``.
    summary
        One line for listings.
    dims
        ``countries x sectors`` as loaded with default options (for listings without loading).
    year
        Data year(s) (for listings).
    options
        Reader options fixed by the name (e.g. ``source``/``year`` of ``icio2022``); a caller's
        option that contradicts one is an :class:`~tradetalks.errors.OptionError`.
    """

    name: str
    folder: str | None
    module: str
    summary: str
    dims: str = ""
    year: str = ""
    options: tuple[tuple[str, Any], ...] = ()


DATASETS: dict[str, DatasetInfo] = {
    d.name: d
    for d in (
        DatasetInfo("world2014", None, "world2014",
                    "bundled: WIOD 2014 aggregated to 12 economies x 16 sectors, applied tariffs (the default until world2022)",
                    "12x16", "2014"),
        DatasetInfo("ossa2014", "ossa2014", "ossa2014",
                    "Ossa (2014) GTAP inputs: 7 regions x 33 sectors, sigma, political weights",
                    "7x33", "n/a (GTAP)"),
        # issue 11 (H11): Ossa's rescaled elasticities (sigma_s.csv columns 2-5), no lambda_pol
        *(DatasetInfo(name, "ossa2014", "ossa2014",
                      f"Ossa (2014) inputs with sigma_s.csv column {col} ({desc}); no political weights",
                      "7x33", "n/a (GTAP)", (("sigma_column", col),))
          for name, col, desc in (("ossa2014-sigma3.5", 2, "mean 3.5"), ("ossa2014-sigma5", 3, "mean 5"),
                                  ("ossa2014-sigma6.5", 4, "mean 6.5"), ("ossa2014-sigma-const", 5, "constant"))),
        DatasetInfo("cp1993", "caliendo_parro2015", "cp1993",
                    "Caliendo-Parro (2015): 31 countries x 40 sectors, 1993 (tariffs 1993 / 2005), IO",
                    "31x40", "1993"),
        DatasetInfo("wiod2014", "lashkaripour_lugovskyy2023_wiod2014", "wiod2014",
                    "WIOD 2014 (Lashkaripour-Lugovskyy 2023): 44 countries x 16 sectors, applied tariffs",
                    "44x16", "2014"),
        DatasetInfo("wiod-agg-2000-2014", "gegravity_r_tradedata0014", "wiod_agg",
                    "GE_gravity (R) example: 44 WIOD countries, aggregate, 2000-2014, FTA dummies",
                    "44x1", "2000 (2005, 2010, 2014)"),
        DatasetInfo("yotov-borders-2006", "yotov_agtpa", "yotov_borders",
                    "Yotov et al. (2016) trade without borders: 69 countries, manufacturing, 2006",
                    "69x1", "2006"),
        DatasetInfo("yotov-rta-panel", "yotov_agtpa", "yotov_rta",
                    "Yotov et al. (2016) RTA panel: 69 countries, manufacturing, 1986-2006 (one year)",
                    "69x1", "2006 (1986-2006 every 4 years)"),
        DatasetInfo("gegravity-sample", "gegravity_sample", "gegravity_sample",
                    "gegravity example data: 30 countries, manufacturing, 2006, gravity covariates",
                    "30x1", "2006"),
        DatasetInfo("icio7-2017", "econ7115_7x44_2017", "icio7",
                    "econ7115 teaching data: 7 regions x 44 sectors, 2017, IO shares, prewar tariffs",
                    "7x44", "2017"),
        DatasetInfo("us-imports-hs2-2024", "us_imports_hs2_2024", "us_imports_hs2",
                    "US imports and duties by partner x HS2 chapter, 2024 (a table for the US tariff "
                    "wall, not a trade dataset)", "partners x 98", "2024"),
        DatasetInfo("econ36-2001", "econ7115_36c_2001", "econ36",
                    "econ7115 teaching data: 36 countries, aggregate, 2001, tariffs",
                    "36x1", "2001"),
        # issue 12 (H12b): the one-sector "Liberation Day" data (model: tradetalks.model.onesector)
        DatasetInfo("liberation2025", "liberation_day_2025", "liberation_day",
                    "Ignatenko et al. (2025): 194 economies, goods, 2023 (CEPII BACI), GDP, 2025 US "
                    "schedule", "194x1", "2023"),
        # issue 12 (H12a): tariffwar_cubes (option elasticities=IS|U4|CP|BSY|GYY|Shap|FGO|LL|<file.csv>)
        DatasetInfo("world2022", None, "world2022",
                    "bundled: OECD ICIO 2022 aggregated to 21 economies x 17 sectors, 2021 applied "
                    "tariffs, eight elasticity sets", "21x17", "2022"),
        *(DatasetInfo(f"icio{y}", "tariffwar_cubes", "tariffwar",
                      f"OECD ICIO (2023 ed.) {y} via tariffwar: 81 economies x 28 sectors, Teti tariffs, "
                      "eight elasticity sets", "81x28", str(y), (("source", "icio"), ("year", y)))
          for y in range(2011, 2023)),
        *(DatasetInfo(f"wiod16-{y}", "tariffwar_cubes", "tariffwar",
                      f"WIOD 2016 release {y} via tariffwar: 44 economies x 16 sectors, Teti tariffs, "
                      "eight elasticity sets", "44x16", str(y), (("source", "wiod"), ("year", y)))
          for y in range(2000, 2015)),
    )
}


def reference_dir() -> Path:
    """The reference data folder: ``$TRADETALKS_DATA_DIR`` or ``../shared/data/raw`` beside the repo."""
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return Path(env).expanduser()
    repo = Path(__file__).resolve().parents[3]
    return repo.parent / "shared" / "data" / "raw"


def reference_required() -> bool:
    """Whether absent reference data is a failure (``TRADETALKS_REQUIRE_REFERENCE_DATA=1``)."""
    return os.environ.get(ENV_REQUIRE, "") not in ("", "0", "false", "False")


def dataset_folder(name: str) -> Path:
    """Folder of a reference dataset.

    Raises
    ------
    DatasetNotFoundError
        Unknown name.
    ReferenceDataMissingError
        Known name but its folder is absent.
    """
    info = info_for(name)
    if info.folder is None:
        return BUNDLED_DIR
    folder = reference_dir() / info.folder
    if not folder.is_dir():
        raise ReferenceDataMissingError(
            f"dataset '{name}' needs the reference folder '{folder}' "
            f"(set {ENV_DATA_DIR} to the folder holding '{info.folder}/')"
        )
    return folder


def info_for(name: str) -> DatasetInfo:
    """Registry entry of a dataset name."""
    check_name(name)
    if name not in DATASETS:
        raise DatasetNotFoundError(
            f"unknown dataset '{name}': expected one of {sorted(DATASETS)} or a path to a .nc file"
        )
    return DATASETS[name]


def available(name: str) -> bool:
    """Whether a registered dataset can be loaded on this machine."""
    try:
        dataset_folder(name)
    except ReferenceDataMissingError:
        return False
    return True


def _reader(name: str) -> Callable[..., TradeData]:
    mod = importlib.import_module(f"tradetalks.data.readers.{info_for(name).module}")
    fn: Callable[..., TradeData] = mod.read
    return fn


def load(name_or_path: str | Path, **options: Any) -> TradeData:
    """Load a dataset by registry name or from a file saved by :meth:`TradeData.save`.

    Parameters
    ----------
    name_or_path
        A name from :data:`DATASETS` or a path to a ``.nc`` file.
    **options
        Reader options (e.g. ``year=2006`` for panels, ``tariffs="2005"`` for ``cp1993``).

    Returns
    -------
    TradeData
        In the orientation of DESIGN.md §3, validated.
    """
    key = check_name(name_or_path)
    if key in DATASETS:
        fixed = dict(DATASETS[key].options)
        clash = sorted(k for k in options if k in fixed and options[k] != fixed[k])
        if clash:
            from tradetalks.errors import OptionError

            raise OptionError(f"{key} options {clash}", tuple(fixed[k] for k in clash),
                              tuple(options[k] for k in clash))
        return _reader(key)(dataset_folder(key), **{**options, **fixed})
    path = Path(name_or_path)
    if path.suffix == ".nc" or path.exists():
        return TradeData.load(path)
    raise DatasetNotFoundError(
        f"unknown dataset '{key}': expected one of {sorted(DATASETS)} or a path to a .nc file"
    )
