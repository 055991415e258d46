"""One vocabulary for every surface: allowed option values (``Literal`` types) and their defaults.

The CLI, the web service and the library all import their option names and defaults from here, so an
option means the same thing with the same default wherever a user meets it (issue 9, item 4). A test
(``tests/test_vocabulary.py``) compares the CLI's and the web's defaults with this module.

Values are checked once, at the edge, with :func:`check` (raises
:class:`~tradetalks.errors.OptionError` naming the option, the allowed values and what was found).

Conventions
-----------
* **Tariffs are typed and read in percent** everywhere a user meets them (CLI options, web fields,
  TOML files: ``rate_pct = 15``); the library stores fractions (0.15) and converts with
  :func:`pct_to_fraction` / :func:`fraction_to_pct`.
* **No-deal points** come in two roles (DESIGN.md §6): the *impasse* point is the payoff while talks
  drag on (tariffs in force, or the announced escalation carried out, during the talks); the
  *breakdown* point is the payoff if talks collapse for good (e.g. a trade war). Nash bargaining
  uses the breakdown point as its disagreement point; the impasse point is the outside option
  during alternating offers (Binmore, Rubinstein and Wolinsky 1986).
* The default dataset is :data:`tradetalks.data.registry.DEFAULT_DATASET` (re-exported here as
  :data:`DEFAULT_DATASET`); no surface spells a dataset name itself.
"""

from __future__ import annotations

from typing import Final, Literal, TypeVar

from tradetalks.data.registry import DEFAULT_DATASET
from tradetalks.errors import OptionError
from tradetalks.model.common import CLOSURES, Closure

__all__ = [
    "CLOSURES",
    "DEFAULT_BREAKDOWN",
    "DEFAULT_CLOSURE",
    "DEFAULT_DATASET",
    "DEFAULT_IMPASSE",
    "DEFAULT_MODEL",
    "DEFAULT_PARTIES",
    "DEFAULT_PLEDGE_VALUATION",
    "DEFAULT_PURCHASE_MEANING",
    "DEFAULT_PURCHASE_MODEL",
    "DEFAULT_RECIPROCAL_STACKING",
    "DEFAULT_SOLUTION",
    "DEFAULT_THIRD_COUNTRIES",
    "GE_MODELS",
    "NO_DEAL_ALIASES",
    "NO_DEAL_KINDS",
    "NO_DEAL_ROLES",
    "PLEDGE_VALUATIONS",
    "PUBLISHED_BALANCED",
    "PURCHASE_MEANINGS",
    "PURCHASE_MODELS",
    "RECIPROCAL_STACKINGS",
    "SOLUTIONS",
    "THIRD_COUNTRIES",
    "UNITS",
    "Closure",
    "ModelName",
    "NoDealKind",
    "NoDealRole",
    "PledgeValuation",
    "PurchaseMeaning",
    "PurchaseModel",
    "ReciprocalStacking",
    "SolutionName",
    "ThirdCountries",
    "check",
    "default_closure",
    "fraction_to_pct",
    "normalise_no_deal",
    "pct_to_fraction",
]

_T = TypeVar("_T", bound=str)

# --- closures -----------------------------------------------------------------------------------
# ``Closure`` and ``CLOSURES`` are defined once in tradetalks.model.common (the model layer needs them
# and may not import upwards); re-exported here.
DEFAULT_CLOSURE: Final[Closure] = "data"
"""Every surface (``solve``, ``evaluate``, ``war``, ``bargain``, ``frontier``, ``negotiate``, the web)
defaults to imbalances held at their data values, so the US–Japan deficit a user asks about is the one
in the data. Ossa's (2014) tables are reproduced with ``closure="balanced"`` passed explicitly."""

PUBLISHED_BALANCED: Final[frozenset[str]] = frozenset(
    {"ossa2014", "ossa2014-sigma3.5", "ossa2014-sigma5", "ossa2014-sigma6.5", "ossa2014-sigma-const"}
)
"""Datasets whose published results are relative to the purged zero-imbalance baseline (Ossa 2014's
tables): a command that leaves the closure unset uses ``"balanced"`` on them, so it reproduces the paper."""


def default_closure(dataset: str | None) -> Closure:
    """The closure a surface uses when the user gives none: :data:`DEFAULT_CLOSURE`, except
    ``"balanced"`` on the datasets of :data:`PUBLISHED_BALANCED` (one rule for every surface)."""
    return "balanced" if dataset in PUBLISHED_BALANCED else DEFAULT_CLOSURE


# --- no-deal points -----------------------------------------------------------------------------
NoDealKind = Literal["status-quo", "escalation", "bilateral-war", "global-war", "free-trade"]
"""How a no-deal point is built.

``status-quo``: the reference tariffs (those in force) stay; ``escalation``: an announced escalation is
carried out (e.g. 24 % reciprocal + 25 % autos); ``bilateral-war``: the Nash trade war in which each
party tariffs only the other, third countries' tariffs fixed; ``global-war``: the Nash trade war among
all countries; ``free-trade``: zero tariffs between the parties (a benchmark, not a threat)."""
NO_DEAL_KINDS: Final[tuple[NoDealKind, ...]] = (
    "status-quo", "escalation", "bilateral-war", "global-war", "free-trade",
)
NO_DEAL_ALIASES: Final[dict[str, NoDealKind]] = {"trade-war": "bilateral-war", "status_quo": "status-quo"}
"""Old spellings still accepted on input (normalised by :func:`normalise_no_deal`)."""

NoDealRole = Literal["impasse", "breakdown"]
"""``impasse``: payoff while talks drag on; ``breakdown``: payoff if talks collapse."""
NO_DEAL_ROLES: Final[tuple[NoDealRole, ...]] = ("impasse", "breakdown")
DEFAULT_IMPASSE: Final[NoDealKind] = "status-quo"
DEFAULT_BREAKDOWN: Final[NoDealKind] = "bilateral-war"
"""Issue 11: two-party bargaining is against the bilateral war by default (the global war lets both
parties gain at third countries' expense, leaving no zone of agreement)."""

# --- bargaining solutions -----------------------------------------------------------------------
SolutionName = Literal["nash", "ks", "egalitarian", "equal-gain", "rubinstein"]
"""Nash bargaining (weighted), Kalai–Smorodinsky, egalitarian, equal-%-gain (Ossa's cooperative),
Rubinstein alternating offers."""
SOLUTIONS: Final[tuple[SolutionName, ...]] = ("nash", "ks", "egalitarian", "equal-gain", "rubinstein")
DEFAULT_SOLUTION: Final[SolutionName] = "nash"

# --- models -------------------------------------------------------------------------------------
ModelName = Literal["ossa", "armington", "caliendo_parro"]
"""GE models selectable by name (:func:`tradetalks.model.api.solve`)."""
GE_MODELS: Final[tuple[ModelName, ...]] = ("ossa", "armington", "caliendo_parro")
DEFAULT_MODEL: Final[ModelName] = "ossa"

# --- parties and package instruments ------------------------------------------------------------
DEFAULT_PARTIES: Final[tuple[str, str]] = ("USA", "JPN")

ThirdCountries = Literal["wall", "all_origins", "japan_only"]
"""US tariffs on third countries: ``wall`` (default): the partner-by-partner US tariff wall of
:mod:`tradetalks.policy.wall` (USMCA shares, fentanyl and China measures, the EU/Korea/UK deals, Section 232
families), trade-weighted at 2024 US imports (the ``us_imports_hs2_2024`` reference table, else its bundled
compact form, which gives the same rates); ``all_origins``: only the
measures that apply to every origin; ``japan_only``: third countries keep their baseline tariffs."""
THIRD_COUNTRIES: Final[tuple[ThirdCountries, ...]] = ("wall", "all_origins", "japan_only")
DEFAULT_THIRD_COUNTRIES: Final[ThirdCountries] = "wall"

PurchaseModel = Literal["wedge", "ignore"]
"""How a purchase commitment is modelled: ``wedge``: a purchase wedge financed by the buyer's government
(:mod:`tradetalks.policy.purchases`; never raises the buyer's welfare, zero when the target does not bind);
``ignore``: listed, not modelled."""
PURCHASE_MODELS: Final[tuple[PurchaseModel, ...]] = ("wedge", "ignore")
DEFAULT_PURCHASE_MODEL: Final[PurchaseModel] = "wedge"

ReciprocalStacking = Literal["additional", "all-in"]
"""How a reciprocal rate stacks on MFN: ``additional`` (MFN + rate) or ``all-in`` (max(MFN, rate))."""
RECIPROCAL_STACKINGS: Final[tuple[ReciprocalStacking, ...]] = ("additional", "all-in")
DEFAULT_RECIPROCAL_STACKING: Final[ReciprocalStacking] = "additional"

PurchaseMeaning = Literal["level", "increment"]
"""A purchase commitment's amount is the *level* of the flow to reach (no effect if the flow already
exceeds it) or an *increment* on the flow the package would otherwise give."""
PURCHASE_MEANINGS: Final[tuple[PurchaseMeaning, ...]] = ("level", "increment")
DEFAULT_PURCHASE_MEANING: Final[PurchaseMeaning] = "increment"

PledgeValuation = Literal["terms", "returns-transfer", "capital-flow", "ignore"]
"""How an investment pledge enters the model: ``terms`` (default): valued from the vehicle's terms
(:mod:`tradetalks.policy.pledge`: cash-flow split, financing mix, disbursement, horizon; low / central /
high band), the central case's annual transfer equivalent booked as a transfer from investor to host;
``returns-transfer`` and ``capital-flow`` are the older stylised valuations kept for the web desk's
``investment_mode`` (a stated share of an assumed return, or the annual outlay moving net exports);
``ignore``: listed with the results, not modelled."""
PLEDGE_VALUATIONS: Final[tuple[PledgeValuation, ...]] = ("terms", "returns-transfer", "capital-flow", "ignore")
DEFAULT_PLEDGE_VALUATION: Final[PledgeValuation] = "terms"

# --- units --------------------------------------------------------------------------------------
UNITS: Final[dict[str, str]] = {
    "tariff": "%",
    "welfare_gdp": "% of GDP",
    "welfare_ev": "US$bn a year",
    "welfare_absorption": "% of gross absorption",
    "wage": "% change",
    "balance": "US$bn a year",
    "trade": "US$bn a year",
    "revenue": "US$bn a year",
    "output": "% change",
    "rate": "%",
    "purchase": "US$bn a year",
    "pledge": "US$bn",
}
"""The unit of each kind of figure, printed with it on every surface."""


def pct_to_fraction(pct: float) -> float:
    """A tariff typed in percent (15) as the fraction the library stores (0.15)."""
    return float(pct) / 100.0


def fraction_to_pct(frac: float) -> float:
    """A stored tariff fraction (0.15) in percent for display (15.0)."""
    return float(frac) * 100.0


def check(option: str, value: str, allowed: tuple[_T, ...]) -> _T:
    """Validate an option value at the edge; returns it typed.

    Raises
    ------
    OptionError
        Naming ``option``, the allowed values and ``value``.
    """
    for a in allowed:
        if value == a:
            return a
    raise OptionError(option, allowed, value)


def normalise_no_deal(kind: str) -> NoDealKind:
    """A no-deal kind, accepting the old spelling ``trade-war`` for ``bilateral-war``."""
    return check("no-deal", NO_DEAL_ALIASES.get(kind, kind), NO_DEAL_KINDS)
