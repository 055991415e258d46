"""Sweep specs: scenarios × datasets × retaliation modes × elasticity draws × side-item cases, from TOML.

A spec file (all fields but ``scenarios`` optional)::

    name = "jp-us-bands"
    scenarios = ["jp-us-deal", "jp-us-no-deal"]   # built-in names or scenario/package .toml files
    datasets = ["world2022"]                      # registry names or .nc files (default: DEFAULT_DATASET)
    retaliation = ["none", "reciprocal"]
    draws = 200                                   # Monte Carlo draws of the elasticities
    seed = 1
    dispersion = 0.25                             # stated cv of ln(sigma - 1)
    correlation = 0.5                             # share of the variance common to all sectors
    elasticity_sets = []                          # named published sets (datasets that carry them)
    side_items = true                             # low / central / high side-item cases
    chunk_size = 100                              # elasticity members per partition (one batched solve)
    parties = ["USA", "JPN"]

:func:`validate` checks everything that can be checked without solving — unknown datasets, scenarios or
retaliation modes, negative draws, sets a dataset lacks, labels a dataset lacks — and raises a named
error (:class:`~tradetalks.errors.SweepSpecError`, :class:`~tradetalks.errors.ElasticitySetError`,
:class:`~tradetalks.errors.ScenarioNotFoundError`) before any work starts.

Retaliation modes: ``none`` (the scenario as specified); ``reciprocal`` — every country whose exports
face a higher tariff in the scenario than in the data raises its own tariff on the imposing country's
goods by the same number of points, sector by sector (capped at the model's upper bound; see
:func:`tradetalks.policy.retaliation.reciprocal_tariffs`, the one retaliation builder, shared with the US
scenarios).
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from tradetalks.data.registry import DEFAULT_DATASET
from tradetalks.errors import SweepSpecError
from tradetalks.policy.retaliation import reciprocal_tariffs
from tradetalks.sweep.draws import DEFAULT_CORRELATION, DEFAULT_DISPERSION, DrawOptions, check_sets

FloatArray = npt.NDArray[np.float64]

RETALIATION: tuple[str, ...] = ("none", "reciprocal")
MAX_CHUNK = 5000


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep (see the module docstring for the fields)."""

    scenarios: tuple[str, ...]
    name: str = "sweep"
    datasets: tuple[str, ...] = (DEFAULT_DATASET,)
    retaliation: tuple[str, ...] = ("none",)
    draws: int = 100
    seed: int = 0
    dispersion: float = DEFAULT_DISPERSION
    correlation: float = DEFAULT_CORRELATION
    elasticity_sets: tuple[str, ...] = ()
    side_items: bool = True
    chunk_size: int = 100
    parties: tuple[str, str] = ("USA", "JPN")
    source: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}", self.name):
            raise SweepSpecError("name", "letters, digits, '.', '_' or '-' (it names the run folder)", repr(self.name))
        if not self.scenarios:
            raise SweepSpecError("scenarios", "at least one scenario name or .toml file", "none")
        if not self.datasets:
            raise SweepSpecError("datasets", "at least one dataset", "none")
        bad = [r for r in self.retaliation if r not in RETALIATION]
        if bad or not self.retaliation:
            raise SweepSpecError("retaliation", f"modes from {list(RETALIATION)}", repr(bad or "none"))
        if not isinstance(self.chunk_size, int) or not 1 <= self.chunk_size <= MAX_CHUNK:
            raise SweepSpecError("chunk_size", f"a whole number in [1, {MAX_CHUNK}]", repr(self.chunk_size))
        if len(self.parties) != 2 or self.parties[0] == self.parties[1]:
            raise SweepSpecError("parties", "two different country labels", repr(self.parties))
        for name, items in (("scenarios", self.scenarios), ("datasets", self.datasets),
                            ("retaliation", self.retaliation)):
            if len(set(items)) != len(items):
                raise SweepSpecError(name, "each entry once", repr(items))
        self.draw_options()  # negative draws, bad dispersion, unknown set names

    def draw_options(self) -> DrawOptions:
        return DrawOptions(n_draws=self.draws, seed=self.seed, dispersion=self.dispersion,
                           correlation=self.correlation, sets=self.elasticity_sets)

    @property
    def n_members(self) -> int:
        """Elasticity members per dataset: central + draws + sets."""
        return 1 + self.draws + len(self.elasticity_sets)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("source")
        return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}

    def digest(self) -> str:
        """SHA-256 of the spec's content (not its file name): a run resumes only with the same digest."""
        return hashlib.sha256(json.dumps(self.as_dict(), sort_keys=True).encode()).hexdigest()


FIELDS = {f for f in SweepSpec.__dataclass_fields__ if f != "source"}


def from_mapping(raw: dict[str, Any], source: str = "sweep spec") -> SweepSpec:
    """A :class:`SweepSpec` from a parsed TOML table (unknown keys and wrong types are named errors)."""
    unknown = sorted(set(raw) - FIELDS)
    if unknown:
        raise SweepSpecError(f"{source}: keys", f"keys from {sorted(FIELDS)}", repr(unknown))
    kw: dict[str, Any] = {}
    for k, v in raw.items():
        if k in ("scenarios", "datasets", "retaliation", "elasticity_sets", "parties"):
            if isinstance(v, str):
                v = [v]
            if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                raise SweepSpecError(f"{source}: {k}", "a list of strings", repr(v))
            v = tuple(v)
        elif k in ("draws", "seed", "chunk_size"):
            if isinstance(v, bool) or not isinstance(v, int):
                raise SweepSpecError(f"{source}: {k}", "a whole number", repr(v))
        elif k in ("dispersion", "correlation"):
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise SweepSpecError(f"{source}: {k}", "a number", repr(v))
            v = float(v)
        elif k == "side_items" and not isinstance(v, bool):
            raise SweepSpecError(f"{source}: side_items", "true or false", repr(v))
        elif k == "name" and not isinstance(v, str):
            raise SweepSpecError(f"{source}: name", "a string", repr(v))
        kw[k] = v
    if "scenarios" not in kw:
        raise SweepSpecError(f"{source}: scenarios", "a list of scenario names or .toml files", "missing")
    return SweepSpec(**kw, source=source)


def load_spec(path: str | Path) -> SweepSpec:
    """Read and validate a sweep spec file (TOML)."""
    p = Path(path)
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SweepSpecError("spec file", "an existing TOML file", str(p)) from None
    except tomllib.TOMLDecodeError as exc:
        raise SweepSpecError(f"spec file {p}", "valid TOML", str(exc)) from None
    return from_mapping(raw, str(p))


def validate(spec: SweepSpec) -> dict[str, Any]:
    """Check a spec against the datasets and scenarios it names; return the loaded datasets by name.

    Raises
    ------
    SweepSpecError
        An unknown dataset, a dataset the Ossa model cannot use, a party the dataset lacks.
    ElasticitySetError
        A named set a dataset lacks.
    ScenarioNotFoundError, SpecError
        A scenario that does not exist or does not fit a dataset's labels.
    """
    from tradetalks.data.registry import DATASETS, load
    from tradetalks.errors import DataError
    from tradetalks.policy.evaluate import as_package
    from tradetalks.policy.scenarios import resolve

    for d in spec.datasets:
        if d not in DATASETS and not Path(d).suffix == ".nc":
            raise SweepSpecError("datasets", f"registry names from {sorted(DATASETS)} or .nc files", repr(d))
        check_sets(d, spec.elasticity_sets)
    packages = [as_package(resolve(s)) for s in spec.scenarios]
    loaded: dict[str, Any] = {}
    for d in spec.datasets:
        try:
            data = load(d)
        except DataError as exc:
            raise SweepSpecError("datasets", "a dataset that loads on this machine", f"{d!r}: {exc}") from None
        if not (data.has("sigma") or data.has("theta")):
            raise SweepSpecError("datasets", "datasets with sigma or theta (Ossa model)", repr(d))
        missing = [p for p in spec.parties if p not in data.countries]
        if missing:
            raise SweepSpecError("parties", f"countries of dataset {d!r}", repr(missing))
        for pkg in packages:
            pkg.check_labels(data.countries, data.sectors)
        loaded[d] = data
    return loaded


__all__ = ["RETALIATION", "SweepSpec", "from_mapping", "load_spec", "reciprocal_tariffs", "validate"]
