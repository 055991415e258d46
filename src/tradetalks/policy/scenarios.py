"""Built-in scenarios of the 2025-26 Japan-US case, and resolving a scenario by name or file.

The built-in files live in ``tradetalks/policy/scenarios/*.toml``; every figure carries its source.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from importlib import resources
from pathlib import Path

from tradetalks.errors import ScenarioNotFoundError
from tradetalks.policy.package import Package
from tradetalks.policy.spec import ScenarioSpec, load_spec, parse_text

BUILTIN: tuple[str, ...] = (
    "jp-us-2024-baseline",
    "jp-us-2025-04",
    "jp-us-liberation-day",
    "jp-us-2025-07-letter",
    "jp-us-deal",
    "jp-us-2026-s122",
    "jp-us-no-deal",
)
"""Names of the built-in scenarios, in chronological / narrative order."""


@cache
def builtin_spec(name: str) -> ScenarioSpec:
    """The spec of a built-in scenario.

    Raises
    ------
    ScenarioNotFoundError
        Not a built-in name.
    """
    if name not in BUILTIN:
        raise ScenarioNotFoundError(f"unknown scenario '{name}': expected one of {list(BUILTIN)} or a .toml file")
    text = resources.files("tradetalks.policy").joinpath("scenarios", f"{name}.toml").read_text(encoding="utf-8")
    return parse_text(text, f"built-in:{name}")


def resolve(name_or_path: str) -> ScenarioSpec:
    """A built-in scenario by name, or a scenario file by path."""
    if name_or_path in BUILTIN:
        return builtin_spec(name_or_path)
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.exists():
        return load_spec(p)
    raise ScenarioNotFoundError(
        f"unknown scenario '{name_or_path}': expected one of {list(BUILTIN)} or a path to a .toml file"
    )


NO_DEAL_SCENARIO = "jp-us-no-deal"
"""The built-in scenario that defines the 'escalation' no-deal point of the Japan-US talks."""


def escalation_package(dataset: str | None = None, *, bilateral: bool = True) -> Package:
    """The one definition of the escalation no-deal point, as a :class:`Package`: the
    ``jp-us-no-deal`` scenario (the July 7 letter's 25 % on top of MFN, the all-origins Section 232
    duties, none of the deal's rules or side items).

    ``bilateral=True`` keeps third countries at their reference rates (``third_countries =
    "japan_only"``), as a two-party package space needs (its instruments move only the parties' tariffs);
    ``False`` applies the all-origins duties to every partner, as ``tradetalks evaluate jp-us-no-deal``.
    Its tariff matrix is :func:`tradetalks.policy.package.package_tariffs` of the result.
    """
    pkg = Package.from_spec(builtin_spec(NO_DEAL_SCENARIO))
    opts = replace(pkg.options, third_countries="japan_only") if bilateral else pkg.options
    return replace(pkg, dataset=dataset or pkg.dataset, options=opts)


def list_scenarios() -> list[ScenarioSpec]:
    """All built-in scenarios, in order."""
    return [builtin_spec(n) for n in BUILTIN]
