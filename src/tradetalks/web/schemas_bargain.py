"""Request and response models of the bargaining jobs added for issue 11: the counter-offer advisor and
Ossa's cooperative tariffs (pydantic, bounded like :mod:`tradetalks.web.schemas`).

Every bound is a :mod:`tradetalks.inputs` constant. Units: tariffs in percent; side items (pledge,
purchases) in US$ billions; objectives in "100 ln Ĝ" (≈ % of government welfare, Ossa 2014) and, where
stated, US$ billions a year at the party's gross expenditure.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, model_validator

from tradetalks.inputs import (
    INSTRUMENT_UPPER_PCT,
    MAX_LIST,
    MAX_NAME_LENGTH,
    MAX_PARTIES,
    MAX_ROW_ID,
    MAX_RULES,
    MIN_PARTIES,
    RULE_LENGTH,
)
from tradetalks.vocabulary import DEFAULT_CLOSURE, DEFAULT_DATASET, Closure
from tradetalks.web.schemas import BaseScenario, DatasetName, Label, Strict

OfferItem = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_:+ ]*=[0-9.eE+-]+$", max_length=RULE_LENGTH[1])
]
"""An instrument value as ``tradetalks counter-offer --offer`` takes it: ``IMPORTER:SECTOR|all=PCT`` or
``NAME=VALUE`` (tariffs in percent, side items in US$ bn)."""

InstrumentGroup = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_]*:[A-Za-z0-9_+]+$", max_length=MAX_NAME_LENGTH)
]
"""A negotiated instrument ``IMPORTER:SECTOR[+SECTOR...]|all|rest`` (``tradetalks counter-offer -i``)."""


class CounterOfferSpec(Strict):
    """The counter-offer advisor (:func:`tradetalks.bargain.advisor.advise`): the same inputs as
    ``tradetalks counter-offer``. The other side's offer is given by exactly one of ``offer`` (instrument
    items), ``offer_scenario`` (a built-in scenario's package, e.g. the July 2025 deal) or ``offer_id`` (an
    offer stored in the negotiation record)."""

    dataset: DatasetName = DEFAULT_DATASET
    closure: Closure = DEFAULT_CLOSURE
    parties: tuple[Label, Label] = ("USA", "JPN")
    us: Label = Field("JPN", description="the party advised (one of the parties)")
    offer: list[OfferItem] = Field(default_factory=list, max_length=MAX_RULES)
    offer_scenario: BaseScenario | None = None
    offer_id: int | None = Field(None, ge=1, le=MAX_ROW_ID)
    position: list[OfferItem] | None = Field(
        None, max_length=MAX_RULES, description="our last offer (same syntax); default our ideal package"
    )
    instruments: list[InstrumentGroup] | None = Field(
        None,
        min_length=1,
        max_length=MAX_RULES,
        description="default: each side's import tariff on the other, by sector",
    )
    upper_pct: float = Field(
        100.0,
        ge=INSTRUMENT_UPPER_PCT[0],
        le=INSTRUMENT_UPPER_PCT[1],
        description="upper bound of every tariff instrument, %",
    )
    political_weights: bool = False
    samples: int = Field(
        256, ge=0, le=MAX_LIST, description="packages sampled to measure the improvement set"
    )

    @model_validator(mode="after")
    def _one_offer(self) -> CounterOfferSpec:
        given = [bool(self.offer), self.offer_scenario is not None, self.offer_id is not None]
        if sum(given) != 1:
            raise ValueError(
                "expected exactly one of offer (items), offer_scenario or offer_id; "
                f"found {sum(given)} of them"
            )
        if self.parties[0] == self.parties[1]:
            raise ValueError(f"parties: expected two different parties; found {self.parties[0]} twice")
        if self.us not in self.parties:
            raise ValueError(f"us: expected one of the parties {list(self.parties)}; found {self.us!r}")
        return self


class InstrumentRow(BaseModel):
    name: str
    unit: Literal["%", "US$ bn"]
    offer: float
    best: float
    concession: float
    position: float


class ObjectiveRow(BaseModel):
    party: str
    unit: str = "% of government welfare (100 ln G)"
    offer: float
    best: float
    concession: float


class ImprovementSetOut(BaseModel):
    max_gain_pct: dict[str, float] = Field(
        description="each party's largest gain over the offer within the set"
    )
    max_gain_usd_bn_per_year: dict[str, float]
    sampled_share: float = Field(
        description="share of packages drawn uniformly over the bounds that are in the set"
    )
    samples: int
    seed: int


class CounterOfferOut(BaseModel):
    dataset: str
    closure: str
    parties: list[str]
    advised_party: str
    offer_source: str
    instruments: list[InstrumentRow]
    objectives: list[ObjectiveRow]
    gain_over_offer_pct: float
    gain_over_offer_usd_bn_per_year: float
    improvement_set: ImprovementSetOut
    converged: bool
    notes: list[str] = Field(default_factory=list)
    units: str = (
        "tariffs in percent; pledge in US$ bn; purchases in US$ bn a year; objectives in % of government "
        "welfare (100 ln G); gains also in US$ bn a year at the party's gross expenditure"
    )


StartPoint = Literal["nash", "factual", "free-trade"]
"""Start points of the cooperative talks (:data:`tradetalks.model.strategic.START_POINTS`)."""


class CooperativeSpec(Strict):
    """Ossa's cooperative (efficient, equal-%-gain) tariffs among ``players`` from ``start``
    (:func:`tradetalks.bargain.problem.cooperative_talks`, as ``tradetalks bargain --solution equal-gain``
    without parties)."""

    dataset: DatasetName = DEFAULT_DATASET
    closure: Closure = DEFAULT_CLOSURE
    players: list[Label] = Field(
        default_factory=lambda: ["USA", "JPN"], min_length=MIN_PARTIES, max_length=MAX_PARTIES
    )
    start: StartPoint = "factual"
    mfn: bool = False
    political_weights: bool = False

    @model_validator(mode="after")
    def _distinct(self) -> CooperativeSpec:
        if len(set(self.players)) != len(self.players):
            raise ValueError(f"players: expected distinct countries; found {self.players}")
        return self


class CooperativeRegion(BaseModel):
    region: str
    player: bool
    median_tariff_pct: float
    welfare_pct: float
    gov_welfare_pct: float
    welfare_pct_vs_start: float
    gov_welfare_pct_vs_start: float


class CooperativeOut(BaseModel):
    dataset: str
    closure: str
    players: list[str]
    start: str
    mfn: bool
    common_gain_pct: float = Field(
        description="the players' common gain in government welfare from the start, %"
    )
    converged: bool
    max_violation: float
    iterations: int
    seconds: float
    regions: list[CooperativeRegion]
    tariffs_pct: dict[str, dict[str, dict[str, float]]] = Field(
        default_factory=dict,
        description="each player's cooperative tariffs, % (importer -> exporter -> sector)",
    )
    units: str = (
        "welfare and government welfare in % relative to the model baseline; *_vs_start relative to the start "
        "point; tariffs in %"
    )
