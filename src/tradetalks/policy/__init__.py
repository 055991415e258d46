"""Policy layer: tariff measures as data, stacking, dated timelines, product → sector mapping,
scenario / package-deal specs, the built-in 2025-26 Japan-US case, and package evaluation.

Main entry points: :func:`tariffs_on` (tariffs in force on a date), :func:`rates_on` (by product group),
:func:`default_mapping`, :func:`load_spec` / :func:`resolve` (scenario files and built-ins),
:func:`timeline`, :class:`Package` and :func:`package_tariffs` (the one package -> tariffs path),
:func:`evaluate` (GE evaluation with the Ossa model), :func:`outcome` (the one outcome report).
"""

from tradetalks.policy.evaluate import PackageResult, evaluate
from tradetalks.policy.mapping import ProductMapping, default_mapping
from tradetalks.policy.measures import GroupRate, Measure, MeasureSet, default_measures, rates_on
from tradetalks.policy.outcome import Outcome, outcome
from tradetalks.policy.package import Package, TariffMeasure, package_tariffs
from tradetalks.policy.scenarios import BUILTIN, builtin_spec, list_scenarios, resolve
from tradetalks.policy.spec import ScenarioSpec, load_spec, parse_text
from tradetalks.policy.tariffs import TariffChange, TariffsInForce, effective_rates, tariffs_on
from tradetalks.policy.timeline import Event, timeline

__all__ = [
    "BUILTIN",
    "Event",
    "GroupRate",
    "Measure",
    "MeasureSet",
    "Outcome",
    "Package",
    "PackageResult",
    "ProductMapping",
    "ScenarioSpec",
    "TariffChange",
    "TariffMeasure",
    "TariffsInForce",
    "builtin_spec",
    "default_mapping",
    "default_measures",
    "effective_rates",
    "evaluate",
    "list_scenarios",
    "load_spec",
    "outcome",
    "package_tariffs",
    "parse_text",
    "rates_on",
    "resolve",
    "tariffs_on",
    "timeline",
]
