r"""The one package type and the one path from a package to its tariffs (issue 9, item 1).

A :class:`Package` is what a negotiation puts on the table, with every instrument explicit:

* **tariffs in force on a base date** (``base_date``, with measures switched on/off): the dated
  measures of :mod:`tradetalks.policy.measures` stacked by their rules (Section 232 goods exempt from the
  reciprocal rate, the deal's 15 % all-in rule, ...) and mapped to model sectors
  (:func:`tradetalks.policy.tariffs.tariffs_on`);
* **tariff measures** on top (:class:`TariffMeasure`), by product group (US imports; the group's total
  rate, mapped to sectors with the trade weights) or by model sector, for either party or a third
  country — this is where the partner's tariff changes and retaliation go;
* **purchase commitments** (:class:`Purchase`) with an explicit ``meaning``: ``"level"`` (the flow to
  reach) or ``"increment"`` (on top of the flow the package gives), modelled as a purchase wedge financed
  by the buyer (:mod:`tradetalks.policy.purchases`);
* **investment pledges** (:class:`Pledge`) with an explicit ``valuation``: ``"terms"`` (default; valued
  from the vehicle's terms by :mod:`tradetalks.policy.pledge`, the central annual transfer equivalent
  booked as a transfer), or, for the web desk, ``"returns-transfer"`` / ``"capital-flow"``;
* side items listed but not modelled, and the modelling options (closure, third countries, ...).

Every interface builds a :class:`Package`: TOML files (:meth:`Package.from_spec`), the web package desk
and stored offers (:meth:`Package.from_payload` / :meth:`Package.to_payload`; the payload is the scenario
file's layout as a dictionary), and the bargaining layer's instrument vectors. :func:`package_tariffs`
is the only function that turns a package into a tariff matrix; :func:`tradetalks.policy.evaluate.evaluate`
the only one that evaluates it.

Sector-level tariff measures, applied in order after the dated measures and the group measures
(t in fractions, r = ``rate_pct``/100):

.. math:: \text{set: } t' = r;\quad \text{add: } t' = t + r;\quad \text{cut: } t' = \max(0, t - r);
          \quad \text{all-in: } t' = \max(t, r).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from tradetalks.data.registry import DEFAULT_DATASET
from tradetalks.data.tradedata import TradeData
from tradetalks.errors import PolicyError, SpecError
from tradetalks.policy.mapping import default_mapping
from tradetalks.policy.tariffs import TariffChange, TariffsInForce, tariffs_on
from tradetalks.vocabulary import (
    DEFAULT_CLOSURE,
    DEFAULT_PLEDGE_VALUATION,
    DEFAULT_PURCHASE_MEANING,
    DEFAULT_PURCHASE_MODEL,
    DEFAULT_THIRD_COUNTRIES,
    Closure,
    PledgeValuation,
    PurchaseMeaning,
    PurchaseModel,
    ThirdCountries,
)

FloatArray = npt.NDArray[np.float64]
ALL = "*"
TariffMode = Literal["set", "add", "cut", "all-in"]
GROUP_MODES: tuple[TariffMode, ...] = ("set", "add")

# file spellings (TOML, payloads) <-> vocabulary
_MEANING_OF_KIND: dict[str, PurchaseMeaning] = {"incremental": "increment", "increment": "increment",
                                                "level": "level"}
_KIND_OF_MEANING: dict[PurchaseMeaning, str] = {"increment": "incremental", "level": "level"}
_VALUATION_OF_MODE: dict[str, PledgeValuation] = {
    "terms": "terms",
    "returns_transfer": "returns-transfer", "returns-transfer": "returns-transfer",
    "capital_flow": "capital-flow", "capital-flow": "capital-flow",
}
_MODE_OF_VALUATION: dict[PledgeValuation, str] = {"terms": "terms", "returns-transfer": "returns_transfer",
                                                  "capital-flow": "capital_flow", "ignore": "terms"}


def pledge_transfer_usd_m(valuation: str, usd_bn: float, additionality: float, horizon_years: float,
                          expected_return_pct: float, profit_share_host: float) -> float:
    r"""Annual transfer from investor to host of a pledge (the investor's net-export change), US$ millions.

    * ``"terms"``: :math:`D = A\,\alpha\,T^{central}/A^{vehicle}`, the central annual transfer equivalent of
      :func:`tradetalks.policy.pledge.value_pledge` per US$ of the vehicle's terms, scaled to the amount;
    * ``"capital-flow"``: :math:`D = A\,\alpha / H` (amount A, additionality α, horizon H years);
    * ``"returns-transfer"``: :math:`D = A\,\alpha\,r\,s_{host}` (expected return r, host's share s);
    * anything else (``"ignore"``): 0.
    """
    a = usd_bn * 1000.0 * additionality
    if valuation == "terms":
        from tradetalks.policy.pledge import value_pledge

        band = value_pledge()
        return a * band.case("central").annual_transfer_usd_bn / band.terms.total_usd_bn
    if valuation == "capital-flow":
        return a / horizon_years
    if valuation == "returns-transfer":
        return a * expected_return_pct / 100.0 * profit_share_host
    return 0.0


@dataclass(frozen=True)
class TariffMeasure:
    """A tariff measure of a package, applied after the measures in force on the base date.

    Attributes
    ----------
    importer, exporter
        ISO3 labels; ``exporter="*"``: every partner of the importer.
    rate_pct
        Percent (typed as users type tariffs).
    mode
        ``"set"``, ``"add"``, ``"cut"`` (floored at zero) or ``"all-in"`` (max of the rate in force and
        ``rate_pct``); product groups take ``"set"`` or ``"add"`` (the group's total rate).
    sector, group
        Exactly one: a model sector, or a product group of US imports (mapped with trade weights).
    note
        Source or reason.
    """

    importer: str
    exporter: str
    rate_pct: float
    mode: TariffMode = "set"
    sector: str | None = None
    group: str | None = None
    note: str = ""


@dataclass(frozen=True)
class Purchase:
    """A commitment of ``importer`` to buy from ``exporter`` in a model sector, US$bn a year.

    ``meaning="level"``: the flow in the new equilibrium reaches the amount (no effect if it already
    does); ``"increment"``: the flow exceeds the package's flow without commitments by the amount.
    Amounts apply to the dataset's units as stated (no deflation to the dataset's year).
    """

    name: str
    sector: str
    exporter: str
    importer: str
    usd_bn_per_year: float
    meaning: PurchaseMeaning = DEFAULT_PURCHASE_MEANING
    source_title: str = ""
    source_address: str = ""
    note: str = ""


@dataclass(frozen=True)
class Pledge:
    r"""An investment pledge of ``investor`` in ``host`` and how it is valued.

    Annual net-export change of the investor (the host's is its negative), US$ millions:
    :func:`pledge_transfer_usd_m`. With ``"terms"`` the present value, band and break-even transfer come
    from :mod:`tradetalks.policy.pledge` (issue 10); ``horizon_years``, ``expected_return_pct`` and
    ``profit_share_host`` serve only the older valuations.
    """

    name: str
    investor: str
    host: str
    usd_bn: float
    horizon_years: float
    valuation: PledgeValuation = DEFAULT_PLEDGE_VALUATION
    profit_share_host: float = 0.5
    additionality: float = 1.0
    expected_return_pct: float = 5.0
    source_title: str = ""
    source_address: str = ""
    note: str = ""

    def nx_change_usd_m(self) -> float:
        """Annual change of the investor's net exports, US$ millions (0 for ``"ignore"``)."""
        return pledge_transfer_usd_m(self.valuation, self.usd_bn, self.additionality, self.horizon_years,
                                     self.expected_return_pct, self.profit_share_host)

    def describe(self) -> str:
        """One line: how the pledge enters the model."""
        v = self.nx_change_usd_m()
        if self.valuation == "terms":
            return (f"valued from its terms (policy.pledge, central case): {self.usd_bn:g}bn x additionality "
                    f"{self.additionality:g} -> annual transfer equivalent {v:,.0f} US$m a year from "
                    f"{self.investor} to {self.host} (a net-export change in the GE solve)")
        if self.valuation == "capital-flow":
            return (f"capital flow {self.usd_bn:g}bn x additionality {self.additionality:g} / "
                    f"{self.horizon_years:g} years = {v:,.0f} US$m a year: {self.investor} net exports +, "
                    f"{self.host} -")
        if self.valuation == "returns-transfer":
            return (f"returns transfer {self.usd_bn:g}bn x additionality {self.additionality:g} x return "
                    f"{self.expected_return_pct:g} % x host profit share {self.profit_share_host:g} = "
                    f"{v:,.0f} US$m a year from {self.investor} to {self.host}")
        return f"{self.usd_bn:g}bn listed, not modelled"


@dataclass(frozen=True)
class SideNote:
    """A side item reported with the results but not modelled (and why)."""

    name: str
    description: str
    reason: str
    value: str = ""
    source_title: str = ""
    source_address: str = ""


@dataclass(frozen=True)
class PackageOptions:
    """Modelling choices of a package (printed with every result)."""

    closure: Closure = DEFAULT_CLOSURE
    third_countries: ThirdCountries = DEFAULT_THIRD_COUNTRIES
    purchase_commitments: PurchaseModel = DEFAULT_PURCHASE_MODEL
    investment_pledges: Literal["transfer", "ignore"] = "transfer"
    commitment_rtol: float = 1e-6

    def describe(self) -> list[str]:
        """One line per option, with its meaning."""
        return [
            f"closure = {self.closure!r}: trade imbalances "
            + ("held at their data values" if self.closure == "data" else "purged to zero first"),
            f"third_countries = {self.third_countries!r}: " + {
                "wall": "the US tariff wall partner by partner (policy.wall: USMCA shares, fentanyl, China, "
                        "EU/Korea/UK deals, Section 232), trade-weighted at 2024 US imports",
                "all_origins": "US 'all origins' measures also hit other partners",
                "japan_only": "only Japan's exports face the US measures"}[self.third_countries],
            f"purchase_commitments = {self.purchase_commitments!r}: "
            + ("purchase wedge financed by the buyer's government (policy.purchases): never a gain for the "
               "buyer, zero when the target does not bind" if self.purchase_commitments == "wedge"
               else "not modelled"),
            f"investment_pledges = {self.investment_pledges!r}: "
            + ("annual transfers that change net exports" if self.investment_pledges == "transfer"
               else "not modelled"),
        ]


@dataclass(frozen=True)
class Package:
    """A package deal (or any scenario): see the module docstring.

    Build one with :meth:`from_spec` (a validated TOML file), :meth:`from_payload` (a dictionary in the
    file's layout: web requests, stored offers) or directly; change one with :func:`dataclasses.replace`.
    """

    name: str
    base_date: date
    title: str = ""
    description: str = ""
    dataset: str = DEFAULT_DATASET
    baseline: str | None = None
    measures_on: tuple[str, ...] = ()
    measures_off: tuple[str, ...] = ()
    tariffs: tuple[TariffMeasure, ...] = ()
    purchases: tuple[Purchase, ...] = ()
    pledges: tuple[Pledge, ...] = ()
    unmodelled: tuple[SideNote, ...] = ()
    mapping: tuple[tuple[str, float], ...] = ()
    options: PackageOptions = field(default_factory=PackageOptions)
    source: str = ""

    # -- construction ----------------------------------------------------------------------------
    @classmethod
    def from_spec(cls, spec: Any) -> Package:
        """The package of a validated :class:`~tradetalks.policy.spec.ScenarioSpec`."""
        o = spec.options
        return cls(
            name=spec.name, base_date=spec.date, title=spec.title, description=spec.description,
            dataset=spec.dataset, baseline=spec.baseline,
            measures_on=tuple(spec.measures.on), measures_off=tuple(spec.measures.off),
            tariffs=tuple(TariffMeasure(t.importer, t.exporter, float(t.rate_pct), t.mode, t.sector, t.group, t.note)
                          for t in spec.tariff_change),
            purchases=tuple(Purchase(p.name, p.sector, p.exporter, p.importer, float(p.usd_bn_per_year),
                                     _MEANING_OF_KIND[p.kind], p.source_title, p.source_address, p.note)
                            for p in spec.purchase_commitment),
            pledges=tuple(Pledge(p.name, p.investor, p.host, float(p.usd_bn), float(p.horizon_years),
                                 _VALUATION_OF_MODE[p.mode], float(p.profit_share_host), float(p.additionality),
                                 float(p.expected_return_pct), p.source_title, p.source_address, p.note)
                          for p in spec.investment_pledge),
            unmodelled=tuple(SideNote(u.name, u.description, u.reason, u.value, u.source_title, u.source_address)
                             for u in spec.unmodelled),
            mapping=tuple((str(k), float(v)) for k, v in spec.mapping.items()),
            options=PackageOptions(o.closure, o.third_countries, o.purchase_commitments, o.investment_pledges,
                                   float(o.commitment_rtol)),
            source=spec.source_file or spec.name,
        )

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any], source: str = "package payload") -> Package:
        """Validate a dictionary in the scenario file's layout (see :mod:`tradetalks.policy.spec`).

        Raises
        ------
        SpecError
            Naming ``source``, the field and what was expected.
        """
        from tradetalks.policy.spec import parse_spec

        doc = {k: v for k, v in payload.items() if k != "source_file"}
        return cls.from_spec(parse_spec(doc, source))

    def to_payload(self) -> dict[str, Any]:
        """The package as a JSON-ready dictionary in the file layout (``from_payload`` round-trips it)."""
        o = self.options
        doc: dict[str, Any] = {
            "name": self.name, "date": self.base_date.isoformat(), "title": self.title,
            "description": self.description, "dataset": self.dataset,
            "measures": {"on": list(self.measures_on), "off": list(self.measures_off)},
            "options": {"closure": o.closure, "third_countries": o.third_countries,
                        "purchase_commitments": o.purchase_commitments,
                        "investment_pledges": o.investment_pledges, "commitment_rtol": o.commitment_rtol},
            "mapping": dict(self.mapping),
            "tariff_change": [{k: v for k, v in t.__dict__.items() if v is not None} for t in self.tariffs],
            "purchase_commitment": [
                {**{k: v for k, v in p.__dict__.items() if k != "meaning"}, "kind": _KIND_OF_MEANING[p.meaning]}
                for p in self.purchases],
            "investment_pledge": [
                {**{k: v for k, v in p.__dict__.items() if k != "valuation"}, "mode": _MODE_OF_VALUATION[p.valuation]}
                for p in self.pledges if p.valuation != "ignore"],
            "unmodelled": [dict(u.__dict__) for u in self.unmodelled],
        }
        if self.baseline is not None:
            doc["baseline"] = self.baseline
        return doc

    def to_toml(self) -> str:
        """The package as a scenario file (TOML text; :func:`tradetalks.policy.spec.load_spec` reads it)."""
        import tomli_w

        doc = self.to_payload()
        doc["date"] = self.base_date
        if not doc["mapping"]:
            del doc["mapping"]
        return tomli_w.dumps(doc)

    def with_overrides(
        self,
        *,
        name: str | None = None,
        tariffs: Sequence[TariffMeasure] = (),
        purchases: Mapping[str, Purchase | None] | None = None,
        pledges: Sequence[Pledge] | None = None,
        options: PackageOptions | None = None,
    ) -> Package:
        """A new package: extra tariff measures appended; purchases replaced by name (``None`` removes);
        pledges replaced as a whole when given; options replaced when given."""
        buys = {p.name: p for p in self.purchases}
        for k, v in (purchases or {}).items():
            if v is None:
                buys.pop(k, None)
            else:
                buys[k] = v
        return replace(
            self, name=name or self.name, tariffs=self.tariffs + tuple(tariffs), purchases=tuple(buys.values()),
            pledges=self.pledges if pledges is None else tuple(pledges),
            options=self.options if options is None else options,
        )

    # -- checks ----------------------------------------------------------------------------------
    def check_labels(self, countries: Sequence[str], sectors: Sequence[str]) -> None:
        """Check country and sector labels against a dataset.

        Raises
        ------
        SpecError
            A label the dataset does not have (field named as in the file layout).
        """
        cs, ss = list(countries), list(sectors)

        def need(field_: str, value: str, allowed: list[str]) -> None:
            if value not in allowed:
                raise SpecError(self.source or self.name, field_, f"one of the dataset's labels {allowed}", repr(value))

        for k, t in enumerate(self.tariffs):
            need(f"tariff_change[{k}].importer", t.importer, cs)
            if t.exporter != ALL:
                need(f"tariff_change[{k}].exporter", t.exporter, cs)
            if t.sector is not None:
                need(f"tariff_change[{k}].sector", t.sector, ss)
        for k, p in enumerate(self.purchases):
            need(f"purchase_commitment[{k}].sector", p.sector, ss)
            need(f"purchase_commitment[{k}].exporter", p.exporter, cs)
            need(f"purchase_commitment[{k}].importer", p.importer, cs)
        for k, q in enumerate(self.pledges):
            need(f"investment_pledge[{k}].investor", q.investor, cs)
            need(f"investment_pledge[{k}].host", q.host, cs)
        for key, _w in self.mapping:
            need(f"mapping.{key}", key.split(".")[0], ss)


# --------------------------------------------------------------------------------------------------
# the one package -> tariffs path
# --------------------------------------------------------------------------------------------------


def package_tariffs(package: Package, data: TradeData) -> TariffsInForce:
    """The tariff matrix of a package on a dataset: the measures in force on the base date, then the
    group measures, then the sector measures (see the module docstring).

    Raises
    ------
    SpecError
        A label the dataset lacks, a mapping override that does not fit, or a mode a product group
        does not take.
    PolicyError
        Measures giving a negative tariff.
    """
    package.check_labels(data.countries, data.sectors)
    src = package.source or package.name
    try:
        mp = default_mapping(data).with_weights(dict(package.mapping))
    except PolicyError as exc:
        raise SpecError(src, "mapping", "weights that fit the dataset's default mapping", str(exc)) from None
    groups = []
    for k, t in enumerate(package.tariffs):
        if t.group is None:
            continue
        if t.mode not in GROUP_MODES:
            raise SpecError(src, f"tariff_change[{k}].mode", f"one of {GROUP_MODES} for a product group",
                            repr(t.mode))
        groups.append(TariffChange(t.importer, t.exporter, t.rate_pct, t.mode, None, t.group, t.note))  # type: ignore[arg-type]
    tf = tariffs_on(package.base_date, data, switch_on=package.measures_on, switch_off=package.measures_off,
                    mapping=mp, third_countries=package.options.third_countries, changes=tuple(groups))
    if tf.matrix is None:  # pragma: no cover - tariffs_on always builds a matrix with data
        raise PolicyError("no tariff matrix was built")
    matrix = apply_sector_measures(tf.matrix, data, [t for t in package.tariffs if t.sector is not None])
    if np.any(matrix < 0):
        raise PolicyError("tariff measures give negative tariffs; expected rates >= 0 (use mode 'cut')")
    return replace(tf, matrix=matrix)


def apply_sector_measures(t: FloatArray, data: TradeData, measures: Sequence[TariffMeasure]) -> FloatArray:
    """Sector-level measures applied in order to a tariff array (fractions); returns a new array."""
    out = np.array(t, dtype=float, copy=True)
    for m in measures:
        if m.sector is None:
            continue
        j = data.index(m.importer)
        k = data.sector_index(m.sector)
        exps = [i for i in range(data.n_countries) if i != j] if m.exporter == ALL else [data.index(m.exporter)]
        r = m.rate_pct / 100.0
        for i in exps:
            if i == j:
                continue
            cur = out[i, j, k]
            if m.mode == "set":
                out[i, j, k] = r
            elif m.mode == "add":
                out[i, j, k] = cur + r
            elif m.mode == "cut":
                out[i, j, k] = max(0.0, cur - r)
            else:
                out[i, j, k] = max(cur, r)
    return out


def pledge_nx_change(package: Package, countries: Sequence[str]) -> FloatArray | None:
    """Net-export changes (US$ millions, summing to zero) implied by the package's pledges, or ``None``."""
    active = [p for p in package.pledges if p.valuation != "ignore"]
    if not active or package.options.investment_pledges == "ignore":
        return None
    cs = list(countries)
    d = np.zeros(len(cs))
    for p in active:
        v = p.nx_change_usd_m()
        d[cs.index(p.investor)] += v
        d[cs.index(p.host)] -= v
    return d


__all__ = [
    "ALL",
    "GROUP_MODES",
    "Package",
    "PackageOptions",
    "Pledge",
    "Purchase",
    "SideNote",
    "TariffMeasure",
    "TariffMode",
    "apply_sector_measures",
    "package_tariffs",
    "pledge_nx_change",
    "pledge_transfer_usd_m",
]
