"""Built-in scenarios of the 2025-26 Japan-US case, and resolving a scenario by name or file.

The built-in files live in ``tradetalks/policy/scenarios/*.toml``; every figure carries its source.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from tradetalks.errors import ScenarioNotFoundError
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


def list_scenarios() -> list[ScenarioSpec]:
    """All built-in scenarios, in order."""
    return [builtin_spec(n) for n in BUILTIN]
