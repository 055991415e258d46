"""Request and response models of the web service (pydantic), with size limits on every field.

Units: tariffs in percent; money in US$ billions (the bundled data are in US$ millions and are converted
here, at the edge); objectives in "100 ln Ĝ" (≈ percent change of government welfare, Ossa 2014).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from tradetalks.data import registry
from tradetalks.inputs import (
    DESK_PURCHASE_BN_MAX,
    DESK_TARIFF_CHANGE_PP,
    DESK_TARIFF_PCT_MAX,
    DESK_WEIGHT_MAX,
    DISCOUNT_RANGE,
    INSTRUMENT_UPPER_PCT,
    MAX_DEADLINES,
    MAX_DRAWS,
    MAX_LABEL,
    MAX_NAME_LENGTH,
    MAX_OFFERS,
    MAX_PARTIES,
    MAX_PARTY_CODE,
    MAX_RECORD_KEY,
    MAX_ROUNDS_PER_DEADLINE_WEB,
    MAX_ROW_ID,
    MAX_RULES,
    MAX_SEED,
    MAX_STRATEGY_TEXT,
    MAX_TEXT_LENGTH,
    MAX_TITLE_LENGTH,
    MIN_PARTIES,
    MONEY_BN_MAX,
    PLEDGE_YEARS_RANGE,
    RETURN_PCT_MAX,
    RULE_LENGTH,
    SHARE_RANGE,
    WAR_PLAYERS,
    WEB_FRONTIER_POINTS,
    WEIGHT_MAX,
)
from tradetalks.vocabulary import (
    DEFAULT_CLOSURE,
    DEFAULT_DATASET,
    DEFAULT_PLEDGE_VALUATION,
    DEFAULT_PURCHASE_MEANING,
    DEFAULT_RECIPROCAL_STACKING,
    DEFAULT_SOLUTION,
    Closure,
    PurchaseMeaning,
    ReciprocalStacking,
    SolutionName,
)

MAX_TEXT = MAX_TEXT_LENGTH

DatasetName = Annotated[str, StringConstraints(pattern=registry.NAME_PATTERN)]
"""A registry name (never a path; :data:`tradetalks.data.registry.NAME_PATTERN`)."""

Label = Annotated[str, StringConstraints(pattern=rf"^[A-Za-z][A-Za-z0-9_]{{0,{MAX_LABEL - 1}}}$")]
"""A country or sector label."""

ShortText = Annotated[str, StringConstraints(max_length=MAX_NAME_LENGTH)]
LongText = Annotated[str, StringConstraints(max_length=MAX_TEXT)]
Rule = Annotated[str, StringConstraints(min_length=RULE_LENGTH[0], max_length=RULE_LENGTH[1])]
StrategyText = Annotated[str, StringConstraints(min_length=1, max_length=MAX_STRATEGY_TEXT)]
Title = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TITLE_LENGTH)]
BargainingWeight = Annotated[float, Field(gt=0, le=WEIGHT_MAX)]
"""A bargaining power (relative; the CLI's ``--beta`` has the same bounds)."""
Discount = Annotated[float, Field(gt=DISCOUNT_RANGE[0], lt=DISCOUNT_RANGE[1])]
"""A discount factor per round, strictly inside (0, 1) (Rubinstein)."""
DiscountOrOne = Annotated[float, Field(gt=DISCOUNT_RANGE[0], le=DISCOUNT_RANGE[1])]
"""A discount factor of a simulated negotiation, in (0, 1] (1: no discounting)."""


class Strict(BaseModel):
    """Base of request bodies: unknown fields are errors, values are not coerced from other types."""

    model_config = ConfigDict(extra="forbid", strict=False, frozen=True)


# --------------------------------------------------------------------------------------------
# packages
# --------------------------------------------------------------------------------------------


BaseScenario = Literal[
    "jp-us-2024-baseline", "jp-us-2025-04", "jp-us-liberation-day", "jp-us-2025-07-letter", "jp-us-deal",
    "jp-us-2026-s122", "jp-us-no-deal",
]
"""Built-in scenarios a desk package starts from (:data:`tradetalks.policy.scenarios.BUILTIN`)."""


class PackageSpec(Strict):
    """A Japan-US package from the desk: a built-in scenario's package (``base``) with the sliders'
    instruments on top; a slider left ``null`` keeps the base's value. The policy layer builds the one
    :class:`~tradetalks.policy.package.Package` from it (:func:`tradetalks.web.services.desk_package`)."""

    dataset: DatasetName = DEFAULT_DATASET
    closure: Closure = DEFAULT_CLOSURE
    base: BaseScenario = Field(
        "jp-us-2024-baseline",
        description="built-in scenario whose package (dated tariffs, side items) the sliders modify; "
                    "'jp-us-deal' alone is exactly `tradetalks evaluate jp-us-deal`")
    us_auto_tariff_pct: float | None = Field(
        None, ge=0, le=DESK_TARIFF_PCT_MAX,
        description="US tariff on Japanese cars and parts (product groups, HS 8703/8708), all-in %; null: as in the base")
    us_reciprocal_pct: float | None = Field(
        None, ge=0, le=DESK_TARIFF_PCT_MAX,
        description="US 'reciprocal' rate on every other Japanese goods sector, %; null: as in the base")
    reciprocal_stacking: ReciprocalStacking = Field(
        DEFAULT_RECIPROCAL_STACKING,
        description="'additional': on top of the rate in force; 'all-in': max(rate in force, rate) (the 2025 deal)")
    jp_tariff_change_pp: float = Field(
        0.0, ge=-DESK_TARIFF_CHANGE_PP, le=DESK_TARIFF_CHANGE_PP, description="change of Japan's tariffs on US goods, percentage points (floor 0)")
    purchases_agriculture_usd_bn: float | None = Field(
        None, ge=0, le=DESK_PURCHASE_BN_MAX, description="Japan's purchases of US farm goods, US$ bn/yr; null: as in the base")
    purchases_energy_usd_bn: float | None = Field(
        None, ge=0, le=DESK_PURCHASE_BN_MAX, description="Japan's purchases of US energy (mining), US$ bn/yr; null: as in the base")
    purchase_meaning: PurchaseMeaning = Field(
        DEFAULT_PURCHASE_MEANING,
        description="'increment': on top of the flow without the commitment; 'level': the flow to reach")
    investment_usd_bn: float | None = Field(
        None, ge=0, le=MONEY_BN_MAX, description="Japan's investment pledge in the US, US$ bn; null: as in the base")
    investment_years: float = Field(3.5, ge=PLEDGE_YEARS_RANGE[0], le=PLEDGE_YEARS_RANGE[1], description="horizon of the pledge, years")
    investment_mode: Literal["terms", "capital-flow", "returns-transfer", "ignore", "objective-only"] = Field(
        DEFAULT_PLEDGE_VALUATION,
        description="'terms' (default): valued from the vehicle's terms (policy.pledge, central case); "
                    "'returns-transfer': the US share of a return on the pledge is a transfer to the US; "
                    "'capital-flow': pledge/years a year raises Japan's net exports and lowers the US's; "
                    "'ignore' (alias 'objective-only'): listed, no effect in the equilibrium")
    investment_return_pct: float = Field(5.0, ge=0, le=RETURN_PCT_MAX, description="expected return ('returns-transfer'), %")
    investment_us_profit_share: float = Field(0.9, ge=SHARE_RANGE[0], le=SHARE_RANGE[1], description="US share of the returns")
    extra_rules: list[Rule] = Field(
        default_factory=list, max_length=MAX_RULES,
        description="further tariff rules 'IMPORTER:EXPORTER:SECTOR=PCT' or '+=PCT', applied last")
    # issue 13: 5-95 % bands of the headline figures over elasticity draws x side-item cases (0 = none)
    uncertainty: int = Field(
        0, ge=0, le=MAX_DRAWS, description="Monte Carlo draws of the elasticities for 5-95 % bands (0: no bands; "
                                     "50 draws take about 0.5 s of CPU)")
    uncertainty_seed: int = Field(0, ge=0, le=MAX_SEED, description="seed of the draws")


class SideImpact(BaseModel):
    country: str
    welfare_pct: float = Field(description="welfare, % of gross (tariff-inclusive) absorption")
    welfare_ev_usd_bn: float = Field(0.0, description="welfare as an equivalent variation, US$bn a year")
    welfare_gdp_pct: float | None = Field(None, description="welfare, % of GDP (null: the dataset has no GDP)")
    gov_welfare_pct: float
    wage_pct: float = Field(description="nominal wage change, %")
    real_wage_pct: float = Field(0.0, description="real wage change (wage / consumer prices), %")
    objective: float = Field(description="100 ln Ĝ")
    exports_base_usd_bn: float
    exports_new_usd_bn: float
    imports_base_usd_bn: float
    imports_new_usd_bn: float
    revenue_base_usd_bn: float
    revenue_new_usd_bn: float
    auto_output_base_usd_bn: float
    auto_output_new_usd_bn: float
    auto_output_pct: float
    # issue 13: [p5, p95] bands when the request asked for uncertainty (null otherwise)
    welfare_pct_band: list[float] | None = None
    welfare_ev_usd_bn_band: list[float] | None = None
    welfare_gdp_pct_band: list[float] | None = None
    wage_pct_band: list[float] | None = None
    real_wage_pct_band: list[float] | None = None
    auto_output_pct_band: list[float] | None = None


class SectorRow(BaseModel):
    sector: str
    usa_output_pct: float
    jpn_output_pct: float
    usa_output_pct_band: list[float] | None = None  # issue 13: [p5, p95]
    jpn_output_pct_band: list[float] | None = None


class CountryWelfare(BaseModel):
    country: str
    welfare_pct: float


class PurchaseCheck(BaseModel):
    sector: str
    target_usd_bn: float
    met_usd_bn: float
    demand_shift: float


class Impact(BaseModel):
    dataset: str
    closure: str
    converged: bool
    residual: float
    us: SideImpact
    jp: SideImpact
    balance_before_usd_bn: float = Field(description="US trade balance (goods and services) with Japan before, US$bn (negative = deficit)")
    balance_after_usd_bn: float
    us_tariff_on_jp_before_pct: float = Field(description="trade-weighted (base flows) US tariff on Japan")
    us_tariff_on_jp_after_pct: float
    jp_tariff_on_us_before_pct: float
    jp_tariff_on_us_after_pct: float
    sectors: list[SectorRow]
    others: list[CountryWelfare]
    purchases: list[PurchaseCheck]
    assumptions: list[str]
    source: str = Field(description="which library function evaluated the package")
    decomposition: dict[str, object] | None = Field(
        None, description="the outcome report's steps (tariffs only, + partner's tariffs, + purchases, + pledge; "
                          "EV US$bn a year and % of GDP), channels (% of gross absorption, adding up to the "
                          "welfare change), horizons (long and short run) and the pledge band")
    # issue 13: bands (request field 'uncertainty' > 0)
    balance_after_usd_bn_band: list[float] | None = Field(None, description="[p5, p95] of the balance after, US$bn")
    uncertainty: dict[str, object] | None = Field(
        None, description="how the bands were made: draws, seed, dispersion, side-item cases, solves converged, "
                          "percentiles (5, 95)")


class SourceOut(BaseModel):
    title: str
    address: str


class MeasureOut(BaseModel):
    """A dated tariff measure of the facts files (issue 14: source links on the desk)."""

    id: str
    title: str
    rate_pct: float
    start: dt.date
    end: dt.date | None
    status: str
    groups: list[str]
    source: SourceOut


class PackageDefaults(BaseModel):
    dataset: str
    us_auto_tariff_pct: float
    us_other_tariff_pct: float
    jp_tariff_pct: float
    us_agri_exports_to_jp_bn: float
    sectors: list[str]
    countries: list[str]
    # issue 14: what the desk shows about its data and facts (year, "as of", sources)
    data_year: str = Field("", description="year(s) of the dataset's trade flows and tariffs")
    facts_as_of: dt.date | None = Field(None, description="date of the last sourced fact in the policy facts files")
    facts_as_of_source: SourceOut | None = None
    measures: list[MeasureOut] = Field(default_factory=list, description="the dated US measures with their sources")


# --------------------------------------------------------------------------------------------
# datasets and scenarios
# --------------------------------------------------------------------------------------------


class DatasetOut(BaseModel):
    name: str
    summary: str
    dims: str
    year: str
    available: bool


class ScenarioOut(BaseModel):
    name: str
    summary: str


class ScenarioRequest(Strict):
    dataset: DatasetName = DEFAULT_DATASET


class ScenarioResult(BaseModel):
    name: str
    impact: Impact | None = None
    details: dict[str, object] = Field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# bargaining
# --------------------------------------------------------------------------------------------

NoDealName = Literal["status-quo", "escalation", "bilateral-war", "trade-war"]
"""Kinds of no-deal point the desk offers (:data:`tradetalks.vocabulary.NoDealKind`; ``trade-war`` is the
old spelling of ``bilateral-war``)."""


class FrontierSpec(Strict):
    dataset: DatasetName = DEFAULT_DATASET
    closure: Closure = DEFAULT_CLOSURE
    n_points: int = Field(12, ge=WEB_FRONTIER_POINTS[0], le=WEB_FRONTIER_POINTS[1])
    nodeal: NoDealName = "bilateral-war"  # = vocabulary.DEFAULT_BREAKDOWN (tests/test_vocabulary.py)
    upper_pct: float = Field(60.0, ge=INSTRUMENT_UPPER_PCT[0], le=INSTRUMENT_UPPER_PCT[1], description="upper bound of every tariff instrument, %")
    us_balance_weight: float = Field(0.0, ge=0, le=DESK_WEIGHT_MAX, description="US weight per US$ bn of balance with Japan")
    jp_auto_weight: float = Field(0.0, ge=0, le=DESK_WEIGHT_MAX, description="Japan weight per % of its auto output")


class PackageX(BaseModel):
    us_auto_pct: float
    us_rest_pct: float
    jp_all_pct: float


class FrontierPoint(BaseModel):
    u_us: float
    u_jp: float
    package: PackageX
    converged: bool
    # issue 13: [p5, p95] of both objectives over elasticity draws (request field 'uncertainty' > 0)
    u_us_band: list[float] | None = None
    u_jp_band: list[float] | None = None


class NoDealOut(BaseModel):
    name: str
    u_us: float
    u_jp: float
    note: str
    u_us_band: list[float] | None = None  # issue 13: [p5, p95]
    u_jp_band: list[float] | None = None


class SolutionOut(BaseModel):
    name: str
    u_us: float
    u_jp: float
    package: PackageX
    params: dict[str, object] = Field(default_factory=dict)
    u_us_band: list[float] | None = None  # issue 13: [p5, p95]
    u_jp_band: list[float] | None = None


class FrontierOut(BaseModel):
    parties: list[str]
    units: str
    points: list[FrontierPoint]
    nodeal: NoDealOut
    status_quo: NoDealOut
    solutions: list[SolutionOut]
    seconds: float
    evaluations: int
    objectives: list[str]
    uncertainty: dict[str, object] | None = Field(
        default=None, description="issue 13: the draws behind the bands (draws, seed, dispersion, converged share)")


class DrawsSpec(Strict):
    """Issue 13: Monte Carlo draws of the elasticities for 5-95 % bands (0: none), as on the desk."""

    uncertainty: int = Field(
        0, ge=0, le=MAX_DRAWS, description="Monte Carlo draws of the elasticities for 5-95 % bands (0: no bands)")
    uncertainty_seed: int = Field(0, ge=0, le=MAX_SEED, description="seed of the draws")


class FrontierRequest(FrontierSpec, DrawsSpec):
    """A frontier job: the frontier, and with ``uncertainty`` > 0 the 5-95 % band of both objectives at every
    point, the no-deal point and the solutions (:func:`tradetalks.sweep.bargain_bands.packages_bands`)."""


class BargainSpec(FrontierSpec):
    solution: SolutionName = DEFAULT_SOLUTION
    beta: tuple[BargainingWeight, BargainingWeight] = (1.0, 1.0)
    delta: tuple[Discount, Discount] = (0.95, 0.95)


class WarSpec(Strict):
    dataset: DatasetName = DEFAULT_DATASET
    closure: Closure = DEFAULT_CLOSURE
    players: list[Label] = Field(default_factory=lambda: ["USA", "JPN"], min_length=WAR_PLAYERS[0],
                                 max_length=WAR_PLAYERS[1])
    mfn: bool = False


class WarCountry(BaseModel):
    country: str
    player: bool
    median_tariff_pct: float
    welfare_pct: float
    gov_welfare_pct: float
    wage_pct: float = Field(0.0, description="wage change minus the mean over countries, pp (Ossa 2014)")
    profit_pct: float = Field(0.0, description="profits' change deflated by the own wage, % (Ossa 2014)")


class WarOut(BaseModel):
    rounds: int
    converged: bool
    why_not_converged: str = Field(default="", description="why the war did not converge (empty when it did), "
                                   "with the players whose best response did not converge")
    seconds: float
    countries: list[WarCountry]
    tariffs_pct: dict[str, dict[str, dict[str, float]]] = Field(
        default_factory=dict, description="each player's war tariffs, % (importer -> exporter -> sector)")


# --------------------------------------------------------------------------------------------
# simulation jobs
# --------------------------------------------------------------------------------------------


class SimulationSpec(FrontierSpec):
    strategy_us: StrategyText = "boulware"
    strategy_jp: StrategyText = "conceder"
    rounds_per_deadline: int = Field(4, ge=1, le=MAX_ROUNDS_PER_DEADLINE_WEB)
    start: dt.date = dt.date(2025, 4, 16)
    deadlines: list[tuple[dt.date, ShortText]] = Field(
        default_factory=lambda: [(dt.date(2025, 7, 9), "July 9 (end of the pause)"),
                                 (dt.date(2025, 8, 1), "August 1 (letter)")],
        min_length=1, max_length=MAX_DEADLINES)
    delta: tuple[DiscountOrOne, DiscountOrOne] = (0.99, 0.99)
    # issue 13: bands on the frontier and on every round's offer (0: none)
    uncertainty: int = Field(
        0, ge=0, le=MAX_DRAWS, description="Monte Carlo draws of the elasticities for 5-95 % bands (0: no bands)")
    uncertainty_seed: int = Field(0, ge=0, le=MAX_SEED, description="seed of the draws")


class JobOut(BaseModel):
    id: str
    kind: str
    status: Literal["queued", "running", "done", "failed", "cancelled"]
    progress: float
    message: str
    created: float
    result: dict[str, object] | None = None
    error: str | None = None


# --------------------------------------------------------------------------------------------
# timeline and records
# --------------------------------------------------------------------------------------------


class OfferOut(BaseModel):
    party: str
    label: str
    impact: Impact


class TimelineEvent(BaseModel):
    date: dt.date
    kind: str
    title: str
    place: str = ""
    counterparts: str = ""
    source_title: str = ""
    source_address: str = ""
    round_number: int | None = None
    in_force: Impact = Field(description="the US tariffs on Japan in force on the date, evaluated")
    offers: list[OfferOut] = Field(default_factory=list)


class TimelineBands(BaseModel):
    """Issue 13: the timeline with the 5-95 % bands of every date's tariffs in force (``in_force`` carries
    ``*_band`` fields and its ``uncertainty`` summary), the result of a timeline-bands job."""

    events: list[TimelineEvent]
    uncertainty: dict[str, object]


Party = Annotated[str, StringConstraints(pattern=rf"^[A-Z][A-Z0-9_-]{{0,{MAX_PARTY_CODE - 1}}}$")]


class RecordIn(Strict):
    title: Title
    parties: list[Party] = Field(default_factory=lambda: ["USA", "JPN"], min_length=MIN_PARTIES,
                                 max_length=MAX_PARTIES)
    key: Annotated[str, StringConstraints(pattern=rf"^[a-z0-9][a-z0-9._-]{{0,{MAX_RECORD_KEY - 1}}}$")] | None = None
    description: LongText = ""


class OfferIn(Strict):
    party: Party
    label: Title
    package: PackageSpec


class RoundIn(Strict):
    date: dt.date = Field(ge=dt.date(1900, 1, 1), le=dt.date(2100, 12, 31))
    title: Title
    kind: Literal["round", "call", "summit", "deal", "other"] = "round"
    place: ShortText = ""
    counterparts: ShortText = ""
    notes: LongText = ""
    offers: list[OfferIn] = Field(default_factory=list, max_length=MAX_OFFERS)


class RunIn(Strict):
    package: PackageSpec
    record_id: int | None = Field(None, ge=1, le=MAX_ROW_ID)
    offer_id: int | None = Field(None, ge=1, le=MAX_ROW_ID)
    label: ShortText = ""


class ErrorOut(BaseModel):
    error: str
    detail: object
