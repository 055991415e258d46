"""Scenario and package-deal files (TOML) validated into frozen specs.

A scenario file::

    name = "jp-us-deal"                 # lower-case slug
    title = "July 2025 agreement as implemented"
    description = "..."
    date = 2025-09-16                   # the tariffs in force on this date (TOML date or "YYYY-MM-DD")
    baseline = "jp-us-2024-baseline"    # optional: the scenario it is compared with
    dataset = "world2022"               # optional, default tradetalks.data.registry.DEFAULT_DATASET

    [measures]                          # optional: switch measures of the timeline on / off
    on = ["ieepa-jp-25-letter"]         # forced in force whatever their dates
    off = ["ieepa-jp-15-all-in"]

    [options]                           # every modelling choice, with its default
    closure = "data"                    # "data" | "balanced"  (trade-imbalance closure of the GE model)
    third_countries = "wall"            # "wall" | "all_origins" | "japan_only"
    purchase_commitments = "wedge"      # "wedge" (buyer-financed purchase wedge) | "ignore"
    investment_pledges = "transfer"     # "transfer" | "ignore"
    commitment_rtol = 1e-6              # relative tolerance on meeting a purchase commitment

    [mapping]                           # optional overrides of product -> sector weights
    "motor_vehicles.cars" = 0.8

    [[tariff_change]]                   # explicit measures after those in force on `date`
    importer = "USA"; exporter = "JPN"; group = "cars"; rate_pct = 15; mode = "set"
    # mode: "set" | "add" | "cut" (t' = max(0, t - rate)) | "all-in" (t' = max(t, rate)); groups: set/add
    # a `sector = "..."` instead of `group` applies to a model sector (any importer)

    [[purchase_commitment]]             # purchases of `importer` from `exporter` in `sector`
    name = "energy"; sector = "mining"; exporter = "USA"; importer = "JPN"
    usd_bn_per_year = 7; kind = "incremental"      # "incremental" | "level"

    [[investment_pledge]]
    name = "550bn"; investor = "JPN"; host = "USA"; usd_bn = 550; horizon_years = 3.37
    profit_share_host = 0.9; mode = "terms"   # "terms" | "capital_flow" | "returns_transfer"
    additionality = 1.0; expected_return_pct = 5.0

    [[unmodelled]]                      # side items listed with the results but not modelled
    name = "boeing"; description = "100 Boeing aircraft"; reason = "no value per aircraft in the facts"

Every list item may carry ``source_title``, ``source_address`` and ``note``. A bad file raises
:class:`~tradetalks.errors.SpecError` naming the file, the field and what was expected.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import asdict, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, StrictStr, TypeAdapter
from pydantic import ValidationError as PydanticValidationError
from pydantic.dataclasses import dataclass

from tradetalks.data.registry import DEFAULT_DATASET
from tradetalks.errors import FileFormatError, NestingError, PolicyError, SpecError
from tradetalks.inputs import MONEY_BN_MAX, load_toml, read_text
from tradetalks.policy.measures import default_measures
from tradetalks.vocabulary import (
    DEFAULT_CLOSURE,
    DEFAULT_PURCHASE_MODEL,
    DEFAULT_THIRD_COUNTRIES,
    Closure,
    PurchaseModel,
    ThirdCountries,
)

_CONFIG = ConfigDict(extra="forbid")

_SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_ISO = re.compile(r"^[A-Z][A-Z0-9]{1,3}$")
DATE_MIN = date(1990, 1, 1)
DATE_MAX = date(2040, 12, 31)


def _to_date(v: Any) -> Any:
    if isinstance(v, str):
        try:
            return date.fromisoformat(v)
        except ValueError:
            raise ValueError("a date YYYY-MM-DD") from None
    if isinstance(v, date) and not hasattr(v, "hour"):
        return v
    raise ValueError("a date YYYY-MM-DD")


def _date_range(v: date) -> date:
    if not (DATE_MIN <= v <= DATE_MAX):
        raise ValueError("a date between " + str(DATE_MIN) + " and " + str(DATE_MAX) + "")
    return v


def _slug(v: str) -> str:
    if not _SLUG.match(v):
        raise ValueError("a lower-case name of letters, digits, '.', '_' or '-'")
    return v


def _iso(v: str) -> str:
    if not _ISO.match(v):
        raise ValueError("an upper-case country code such as 'JPN'")
    return v


def _iso_or_all(v: str) -> str:
    return v if v == "*" else _iso(v)


def _to_float(v: Any) -> Any:
    # a number written as a number: no strings ("15", "15%") and no booleans
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ValueError("a number (without quotes or %)")
    try:
        f = float(v)
    except OverflowError:
        raise ValueError("a number that fits a float") from None
    if not math.isfinite(f):  # issue 15: TOML's nan/inf are refused at the edge
        raise ValueError("a finite number (not nan or inf)")
    return f


SpecDate = Annotated[date, BeforeValidator(_to_date), AfterValidator(_date_range)]
Text = StrictStr
Slug = Annotated[StrictStr, AfterValidator(_slug)]
Country = Annotated[StrictStr, AfterValidator(_iso)]
CountryOrAll = Annotated[StrictStr, AfterValidator(_iso_or_all)]
Num = Annotated[float, BeforeValidator(_to_float)]
NonNeg = Annotated[float, BeforeValidator(_to_float), Field(ge=0.0)]
Pos = Annotated[float, BeforeValidator(_to_float), Field(gt=0.0)]
Money = Annotated[float, BeforeValidator(_to_float), Field(gt=0.0, le=MONEY_BN_MAX)]  # US$ bn (issue 15)
Share = Annotated[float, BeforeValidator(_to_float), Field(ge=0.0, le=1.0)]


@dataclass(frozen=True, config=_CONFIG)
class PurchaseCommitment:
    """Purchases of ``importer`` from ``exporter`` in a model sector.

    Modelled (option ``purchase_commitments = "wedge"``) as a purchase wedge financed by the importer's
    government (:mod:`tradetalks.policy.purchases`): never a gain for the buyer. ``kind = "incremental"``:
    target = the package's flow + amount; ``"level"``: target = amount (does not bind, cost zero, when the
    flow already exceeds it).
    Amounts are US$ bn per year applied to the dataset's units (US$ millions) as stated, without
    deflation to the dataset's year.
    """

    name: Slug
    sector: Annotated[StrictStr, Field(min_length=1)]
    exporter: Country
    importer: Country
    usd_bn_per_year: Money
    kind: Literal["incremental", "level"] = "incremental"
    source_title: Text = ""
    source_address: Text = ""
    note: Text = ""


@dataclass(frozen=True, config=_CONFIG)
class InvestmentPledge:
    r"""An investment pledge of ``investor`` in ``host``, modelled as a transfer that changes net exports.

    ``mode = "terms"`` (default): valued from the vehicle's terms (:mod:`tradetalks.policy.pledge`): the
    central case's annual transfer equivalent, per US$ pledged, times the amount and the additionality.
    Kept for the web desk: ``mode = "capital_flow"``: the annual outlay :math:`D = A \cdot \alpha / H` (amount A,
    additionality α, horizon H years) is a capital flow: the investor's net exports rise by D and the
    host's fall by D. ``"returns_transfer"``: only the host's share of the returns is a transfer,
    :math:`D = A \cdot \alpha \cdot r \cdot s_{host}` (expected return r, host's profit share s).
    Under the ``"data"`` closure net exports become NX + ΔNX; under ``"balanced"`` 0 + ΔNX.
    """

    name: Slug
    investor: Country
    host: Country
    usd_bn: Money
    horizon_years: Pos
    profit_share_host: Share = 0.5
    mode: Literal["terms", "capital_flow", "returns_transfer"] = "terms"
    additionality: Share = 1.0
    expected_return_pct: NonNeg = 5.0
    source_title: Text = ""
    source_address: Text = ""
    note: Text = ""

    def nx_change_usd_m(self) -> float:
        """Annual change of the investor's net exports (the host's is the negative), US$ millions."""
        from tradetalks.policy.package import pledge_transfer_usd_m

        return pledge_transfer_usd_m(self.mode.replace("_", "-"), self.usd_bn, self.additionality,
                                     self.horizon_years, self.expected_return_pct, self.profit_share_host)


@dataclass(frozen=True, config=_CONFIG)
class TariffChangeSpec:
    """An explicit tariff measure (see :class:`tradetalks.policy.package.TariffMeasure`): ``mode`` is
    ``"set"``, ``"add"``, ``"cut"`` (t' = max(0, t - rate)) or ``"all-in"`` (t' = max(t, rate)); product
    groups take ``"set"`` or ``"add"``."""

    importer: Country
    exporter: CountryOrAll
    rate_pct: NonNeg
    mode: Literal["set", "add", "cut", "all-in"] = "set"
    sector: Text | None = None
    group: Text | None = None
    note: Text = ""


@dataclass(frozen=True, config=_CONFIG)
class UnmodelledItem:
    """A side item reported with the results but not modelled (and why)."""

    name: Slug
    description: Text
    reason: Text
    value: Text = ""
    source_title: Text = ""
    source_address: Text = ""


@dataclass(frozen=True, config=_CONFIG)
class MeasureSwitches:
    """Measures forced in (dates ignored) or out of force."""

    on: tuple[Text, ...] = ()
    off: tuple[Text, ...] = ()


@dataclass(frozen=True, config=_CONFIG)
class ModelOptions:
    """Every modelling choice of a scenario, with its default (printed with the results)."""

    closure: Closure = DEFAULT_CLOSURE
    third_countries: ThirdCountries = DEFAULT_THIRD_COUNTRIES
    purchase_commitments: PurchaseModel = DEFAULT_PURCHASE_MODEL
    investment_pledges: Literal["transfer", "ignore"] = "transfer"
    commitment_rtol: Annotated[float, BeforeValidator(_to_float), Field(gt=0.0, le=1e-2)] = 1e-6
    """Kept for old files; unused since commitments are purchase wedges (no root-finding)."""


@dataclass(frozen=True, config=_CONFIG)
class ScenarioSpec:
    """A validated scenario or package deal (see the module docstring for the file layout)."""

    name: Slug
    date: SpecDate
    title: Text = ""
    description: Text = ""
    baseline: Slug | None = None
    dataset: Annotated[StrictStr, Field(min_length=1)] = DEFAULT_DATASET
    measures: MeasureSwitches = field(default_factory=MeasureSwitches)
    options: ModelOptions = field(default_factory=ModelOptions)
    mapping: dict[Text, Share] = field(default_factory=dict)
    tariff_change: tuple[TariffChangeSpec, ...] = ()
    purchase_commitment: tuple[PurchaseCommitment, ...] = ()
    investment_pledge: tuple[InvestmentPledge, ...] = ()
    unmodelled: tuple[UnmodelledItem, ...] = ()
    source_file: Text = ""

    def as_dict(self) -> dict[str, Any]:
        """Plain dictionary (dates as ISO strings)."""
        d = asdict(self)  # type: ignore[call-overload]
        d["date"] = self.date.isoformat()
        return dict(d)


_ADAPTER: TypeAdapter[ScenarioSpec] = TypeAdapter(ScenarioSpec)


_EXTRA = ("extra_forbidden", "unexpected_keyword_argument")


def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(file)"


def _found(err: Mapping[str, Any]) -> str:
    if err["type"] == "missing":
        return "nothing (the field is missing)"
    if err["type"] in _EXTRA:
        return f"an unknown field with value {err.get('input')!r}"
    return repr(err.get("input"))


def parse_spec(doc: Mapping[str, Any], source: str) -> ScenarioSpec:
    """Validate a parsed TOML document into a :class:`ScenarioSpec`.

    Raises
    ------
    SpecError
        Naming ``source``, the field (dotted path, list items as ``[k]``), the expectation and what
        was found (the first error; the message counts the others).
    """
    payload = dict(doc)
    payload["source_file"] = source
    try:
        spec = _ADAPTER.validate_python(payload)
    except PydanticValidationError as exc:
        errs = exc.errors()
        e = errs[0]
        msg = str(e["msg"])
        if e["type"] in _EXTRA:
            msg = "no such field (check the spelling; see `tradetalks scenarios --schema`)"
        elif msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        elif msg.startswith("Input should be "):
            msg = msg[len("Input should be "):]
        elif msg == "Field required":
            msg = "a value (the field is required)"
        more = f" ({len(errs) - 1} more error(s))" if len(errs) > 1 else ""
        raise SpecError(source, _loc(tuple(e["loc"])), msg + more, _found(e)) from None
    _check_semantics(spec, source)
    return spec


def _check_semantics(spec: ScenarioSpec, source: str) -> None:
    """Cross-field rules pydantic does not express."""
    ms = default_measures()
    known = set(ms.measure_ids)
    for where, ids in (("measures.on", spec.measures.on), ("measures.off", spec.measures.off)):
        for k, mid in enumerate(ids):
            if mid not in known:
                raise SpecError(source, f"{where}[{k}]", f"a measure id, one of {sorted(known)}", repr(mid))
    both = set(spec.measures.on) & set(spec.measures.off)
    if both:
        raise SpecError(source, "measures", "a measure switched either on or off, not both", repr(sorted(both)))
    groups = set(ms.group_ids)
    for k, tc in enumerate(spec.tariff_change):
        f = f"tariff_change[{k}]"
        if (tc.sector is None) == (tc.group is None):
            raise SpecError(source, f, "exactly one of 'sector' or 'group'",
                            f"sector={tc.sector!r}, group={tc.group!r}")
        if tc.group is not None:
            if tc.mode not in ("set", "add"):
                raise SpecError(source, f + ".mode", "'set' or 'add' for a product group", repr(tc.mode))
            if tc.group not in groups:
                raise SpecError(source, f + ".group", f"a product group, one of {sorted(groups)}", repr(tc.group))
            if tc.importer != "USA":
                raise SpecError(source, f + ".importer", "'USA' for a product-group change "
                                "(groups are mapped for US imports only)", repr(tc.importer))
        if tc.importer == tc.exporter:
            raise SpecError(source, f + ".exporter", "a partner different from the importer", repr(tc.exporter))
    for what, items in (("purchase_commitment", spec.purchase_commitment),
                        ("investment_pledge", spec.investment_pledge),
                        ("unmodelled", spec.unmodelled)):
        names = [it.name for it in items]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise SpecError(source, what, "unique names", f"duplicates {dup}")
    for k, pc in enumerate(spec.purchase_commitment):
        if pc.exporter == pc.importer:
            raise SpecError(source, f"purchase_commitment[{k}].importer", "a country different from the exporter",
                            repr(pc.importer))
    for k, ip in enumerate(spec.investment_pledge):
        if ip.investor == ip.host:
            raise SpecError(source, f"investment_pledge[{k}].host", "a country different from the investor",
                            repr(ip.host))
    for key in spec.mapping:
        parts = key.split(".")
        if len(parts) != 2 or not all(parts):
            raise SpecError(source, f"mapping.{key}", "a key 'sector.group', e.g. 'motor_vehicles.cars'", repr(key))
        if parts[1] not in groups or parts[1] == "other":
            raise SpecError(source, f"mapping.{key}",
                            f"a product group other than 'other', one of {sorted(groups - {'other'})}",
                            repr(parts[1]))
    by_sector: dict[str, float] = {}
    for key, w in spec.mapping.items():
        by_sector[key.split(".")[0]] = by_sector.get(key.split(".")[0], 0.0) + w
    for s, tot in by_sector.items():
        if tot > 1.0 + 1e-12:
            raise SpecError(source, f"mapping ({s})", "weights of one sector summing to at most 1", f"{tot:g}")


def load_spec(path: str | Path) -> ScenarioSpec:
    """Read and validate a scenario file.

    Raises
    ------
    SpecError
        Unreadable TOML, or a field failing validation.
    ScenarioNotFoundError
        No such file.
    """
    from tradetalks.errors import ScenarioNotFoundError

    p = Path(path)
    if not p.is_file():
        raise ScenarioNotFoundError(f"no scenario file at '{p}'")
    return parse_text(read_text(p, "scenario file"), str(p))  # UTF-8, size-bounded (issue 15)


def parse_text(text: str, source: str) -> ScenarioSpec:
    """Parse and validate TOML text (``source`` names it in errors)."""
    try:
        doc = load_toml(text, source)  # nesting-bounded (issue 15)
    except NestingError:
        raise
    except FileFormatError as exc:
        raise SpecError(source, "(file)", "valid TOML", f"a syntax error: {exc}") from None
    return parse_spec(doc, source)


def describe_schema() -> str:
    """The file layout with every field and default (the module docstring)."""
    return str(__doc__)


def check_labels(spec: ScenarioSpec, countries: list[str], sectors: list[str]) -> None:
    """Check the spec's country and sector labels against a dataset.

    Raises
    ------
    SpecError
        A label the dataset does not have.
    """
    from tradetalks.policy.package import Package

    Package.from_spec(spec).check_labels(countries, sectors)


__all__ = [
    "InvestmentPledge",
    "MeasureSwitches",
    "ModelOptions",
    "PolicyError",
    "PurchaseCommitment",
    "ScenarioSpec",
    "TariffChangeSpec",
    "UnmodelledItem",
    "check_labels",
    "describe_schema",
    "load_spec",
    "parse_spec",
    "parse_text",
]
