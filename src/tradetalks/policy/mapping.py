r"""Product group → model sector mapping with stated, sourced, overridable trade weights.

A measure defined on HS headings (8703 cars, 8708 parts, 72/73/76 steel and aluminium, ...) hits a
model sector s in proportion to the group's share of the sector's trade,

.. math:: w_{gs} = V_g / V_s, \qquad w_{\text{other},s} = 1 - \sum_g w_{gs},

with V the US imports from Japan (US$ bn, 2024) from the facts file ``policy/facts/mapping.toml``
(each figure with its source). Where the facts give no sector total, V_s is the dataset's share of the
sector in Japan → US goods trade times the Census 2024 total (``"dataset_share"``). The sector's
additional duty is then the weighted mean of the groups' additional duties,

.. math:: \Delta t_{s} = \sum_g w_{gs}\, a_g(m_g) + w_{\text{other},s}\, a_{\text{other}}(t^{0}_{s}),

where :math:`t^0_s` is the dataset's applied rate (used as the MFN of "other" goods). The same weights
are applied to every exporter (the facts describe Japan only), which is stated with the results.
"""

from __future__ import annotations

import ast
import operator
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import numpy as np

from tradetalks.data.tradedata import TradeData
from tradetalks.errors import PolicyError
from tradetalks.policy.measures import Source, facts_text

FOCUS_EXPORTER = "JPN"
FOCUS_IMPORTER = "USA"


@dataclass(frozen=True)
class Figure:
    """A sourced figure of the mapping facts."""

    id: str
    label: str
    value: float
    unit: str
    source: Source


@dataclass(frozen=True)
class MappingEntry:
    """The weight of one product group in one model sector, with its derivation.

    Attributes
    ----------
    group, sector
        Product-group id and model-sector label.
    weight
        Share of the group in the sector's trade, in [0, 1].
    group_value_usd_bn, sector_value_usd_bn
        Numerator and denominator (US imports from Japan, US$ bn, 2024); ``nan`` when overridden.
    derivation
        How the numerator was derived (formula over the figures, or "override").
    sector_basis
        ``"stated:<figure id>"``, ``"dataset_share"`` or ``"override"``.
    figures
        Ids of the sourced figures used.
    """

    group: str
    sector: str
    weight: float
    group_value_usd_bn: float
    sector_value_usd_bn: float
    derivation: str
    sector_basis: str
    figures: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProductMapping:
    """Weights of product groups in model sectors (every sector not listed is all "other")."""

    entries: tuple[MappingEntry, ...]
    figures: tuple[Figure, ...]
    untaxed_sectors: tuple[str, ...]
    dataset: str = ""

    def weight(self, sector: str, group: str) -> float:
        """Weight of a group in a sector (0 if not mapped); ``group="other"`` gives the remainder."""
        if group == "other":
            return 1.0 - sum(e.weight for e in self.entries if e.sector == sector)
        return sum(e.weight for e in self.entries if e.sector == sector and e.group == group)

    def sector_weights(self, sector: str) -> dict[str, float]:
        """All weights of one sector, including "other" (they sum to one)."""
        out = {e.group: e.weight for e in self.entries if e.sector == sector}
        out["other"] = self.weight(sector, "other")
        return out

    @property
    def sectors(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e.sector for e in self.entries))

    def with_weights(self, overrides: Mapping[str, float]) -> ProductMapping:
        """A copy with some weights replaced; keys ``"sector.group"``.

        Raises
        ------
        PolicyError
            A malformed key, a weight outside [0, 1], or a sector whose weights exceed one.
        """
        entries = list(self.entries)
        for key, w in overrides.items():
            if key.count(".") != 1:
                raise PolicyError(f"mapping key '{key}': expected 'sector.group'")
            sector, group = key.split(".")
            if group == "other":
                raise PolicyError(f"mapping key '{key}': 'other' is the remainder and cannot be set")
            if not (0.0 <= float(w) <= 1.0):
                raise PolicyError(f"mapping '{key}': expected a weight in [0, 1]; found {w}")
            for k, e in enumerate(entries):
                if e.sector == sector and e.group == group:
                    entries[k] = replace(
                        e, weight=float(w), derivation=f"override (was {e.weight:.4f})",
                        sector_basis="override",
                    )
                    break
            else:
                entries.append(
                    MappingEntry(group, sector, float(w), float("nan"), float("nan"), "override", "override")
                )
        out = replace(self, entries=tuple(entries))
        for s in out.sectors:
            total = sum(e.weight for e in out.entries if e.sector == s)
            if total > 1.0 + 1e-12:
                raise PolicyError(f"mapping sector '{s}': weights sum to {total:.4f}; expected at most 1")
        return out

    def table(self) -> list[dict[str, Any]]:
        """Rows for display: sector, group, weight, values, derivation, basis."""
        rows: list[dict[str, Any]] = []
        for s in self.sectors:
            for e in self.entries:
                if e.sector == s:
                    rows.append(
                        {
                            "sector": s,
                            "group": e.group,
                            "weight": e.weight,
                            "group_value_usd_bn": e.group_value_usd_bn,
                            "sector_value_usd_bn": e.sector_value_usd_bn,
                            "derivation": e.derivation,
                            "sector_basis": e.sector_basis,
                        }
                    )
            rows.append(
                {
                    "sector": s,
                    "group": "other",
                    "weight": self.weight(s, "other"),
                    "group_value_usd_bn": float("nan"),
                    "sector_value_usd_bn": float("nan"),
                    "derivation": "remainder 1 - sum of the weights above",
                    "sector_basis": "",
                }
            )
        return rows


# --------------------------------------------------------------------------------------------
# building the default mapping
# --------------------------------------------------------------------------------------------

_OPS: dict[type, Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


def _eval(expr: str, env: Mapping[str, float]) -> tuple[float, tuple[str, ...]]:
    """Evaluate an arithmetic formula over named figures (+ - * / and parentheses only)."""
    used: list[str] = []

    def ev(node: ast.AST) -> float:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return float(node.value)
        if isinstance(node, ast.Name):
            if node.id not in env:
                raise PolicyError(f"mapping formula '{expr}': unknown figure '{node.id}'")
            used.append(node.id)
            return env[node.id]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -ev(node.operand)
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](ev(node.left), ev(node.right))
        raise PolicyError(f"mapping formula '{expr}': only numbers, figure names and + - * / allowed")

    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError as exc:
        raise PolicyError(f"mapping formula '{expr}': {exc.msg}") from None
    return ev(tree), tuple(dict.fromkeys(used))


@lru_cache(maxsize=1)
def _facts() -> dict[str, Any]:
    return tomllib.loads(facts_text("mapping.toml"))


def mapping_figures() -> tuple[Figure, ...]:
    """The sourced figures behind the default weights."""
    doc = _facts()
    figs = []
    for f in doc["figure"]:
        if "value_usd_bn" in f:
            val, unit = float(f["value_usd_bn"]), "USD billion"
        else:
            val, unit = float(f["value_share"]), "fraction"
        figs.append(Figure(str(f["id"]), str(f["label"]), val, unit,
                           Source(str(f["source_title"]), str(f["source_address"]))))
    figs.append(
        Figure("census_total", "US goods imports from Japan (Census), 2024", float(doc["census_total_usd_bn"]),
               "USD billion", Source(str(doc["census_total_title"]), str(doc["census_total_address"])))
    )
    return tuple(figs)


def dataset_sector_shares(data: TradeData, exporter: str = FOCUS_EXPORTER,
                          importer: str = FOCUS_IMPORTER, untaxed: tuple[str, ...] = ()) -> dict[str, float]:
    """Share of each goods sector in the exporter → importer flow of a dataset (untaxed sectors excluded)."""
    i, j = data.index(exporter), data.index(importer)
    x = np.asarray(data.trade[i, j, :], dtype=float)
    goods = np.array([s not in untaxed for s in data.sectors])
    tot = float(x[goods].sum())
    if tot <= 0:
        raise PolicyError(f"dataset '{data.name}': no goods trade {exporter} -> {importer} to weight sectors")
    return {s: float(x[k]) / tot for k, s in enumerate(data.sectors) if goods[k]}


def default_mapping(data: TradeData | None = None) -> ProductMapping:
    """The default weights from the facts, for a dataset.

    Parameters
    ----------
    data
        Needed for sectors whose total is ``"dataset_share"`` (their weights are left out, i.e. all
        "other", when no dataset is given or it lacks the focus pair JPN → USA or the sector).
    """
    doc = _facts()
    figs = mapping_figures()
    env = {f.id: f.value for f in figs}
    untaxed = tuple(str(s) for s in doc.get("untaxed_sectors", ()))
    shares: dict[str, float] | None = None
    if data is not None and FOCUS_EXPORTER in data.countries and FOCUS_IMPORTER in data.countries:
        shares = dataset_sector_shares(data, untaxed=untaxed)
    entries: list[MappingEntry] = []
    for e in doc["entry"]:
        value, used = _eval(str(e["value"]), env)
        basis = str(e["sector_total"])
        sector = str(e["sector"])
        if basis == "dataset_share":
            if shares is None or sector not in shares or shares[sector] <= 0:
                continue
            sector_value = shares[sector] * env["census_total"]
            used = (*used, "census_total")
            basis_txt = f"dataset_share ({shares[sector]:.4f} of {data.name if data else ''} JPN->USA goods x Census 2024)"
        else:
            sector_value = env[basis]
            used = (*used, basis)
            basis_txt = f"stated:{basis}"
        w = value / sector_value
        if not (0.0 <= w <= 1.0):
            raise PolicyError(f"mapping {sector}.{e['group']}: derived weight {w:.4f} outside [0, 1]")
        entries.append(MappingEntry(str(e["group"]), sector, w, value, sector_value,
                                    str(e["derivation"]), basis_txt, tuple(dict.fromkeys(used))))
    return ProductMapping(tuple(entries), figs, untaxed, data.name if data is not None else "")
