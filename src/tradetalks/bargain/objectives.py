r"""Government objectives for bargaining: Ossa government welfare plus optional weighted terms.

The objective of government m evaluated at an Ossa equilibrium with new tariffs t' is

.. math::

    U_m(t') = \omega_m \, 100 \ln \hat G_m(t'; \lambda_m)
            + \sum_{p} b_{mp} \, \frac{B'_{mp} - B_{mp}}{1000}
            + \sum_{s} o_{ms} \, 100 \ln \frac{R'_{ms}}{R_{ms}}
            + r_m \, \frac{T'_m - T_m}{1000}
            + \sum_k v_{mk} \, y_k ,

with :math:`\hat G_m` Ossa's (2014) government welfare with political-economy weights λ_m (calibrated
``lambda_pol``, ones, or user-set by sector); :math:`B_{mp} = \sum_s X_{mps} - X_{pms}` the bilateral goods
balance with partner p in levels (data units, US$ millions, shown per US$ billion); :math:`R_{ms}` gross
sales (output) of sector s; :math:`T_m = \sum_{i,s} t_{ims} X_{ims}` tariff revenue; and :math:`y_k` the value of
a package's side item k (US$ billions, e.g. an investment pledge or a purchase commitment) valued directly.
Weights are in "percentage points of government welfare per unit". With only the first term and ω = 1,
:math:`U_m = 100 \ln \hat G_m` (≈ % change of G), so equal gains in U are Ossa's equal-%-gain.

Levels are at the model's numeraire and relative to the model baseline (the purged zero-imbalance
equilibrium under the ``"balanced"`` closure).

Gradients with respect to every tariff come from the implicit-function theorem on the Ossa equilibrium
(:func:`functional_gradient`): for a linear functional :math:`F = \sum c_{ijs} X'_{ijs}`,
:math:`dF/dt' = \partial F/\partial t' - a^\top \partial H/\partial t'` with :math:`J^\top a = \partial F/\partial z`
(H the equilibrium residuals, z = (ln ŵ, ln Ê), J = ∂H/∂z).

Objectives are specified in TOML::

    [objective.USA]
    political_weights = "one"        # "one", "calibrated" or a table {sector = weight, default = 1.0}
    welfare = 1.0                    # ω
    balance = [{partner = "JPN", weight = 0.02}]          # per US$ bn of balance improvement
    output = [{sector = "motor_vehicles", weight = 0.1}]  # per % change of own output in the sector
    revenue = 0.0                                          # per US$ bn of tariff revenue
    side_items = [{name = "investment", weight = 0.01}]   # per US$ bn of the side item

References
----------
Ossa, R. (2014). Trade Wars and Trade Talks with Data. American Economic Review 104(12), 4104–46.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from tradetalks.data.tradedata import TradeData
from tradetalks.errors import PoliticalWeightsError, SpecError
from tradetalks.model.ossa import Equilibrium, OssaBaseline, gov_welfare_hat
from tradetalks.model.ossa_gradient import functional_gradient, gov_welfare_gradient

FloatArray = npt.NDArray[np.float64]

PW_CHOICES = ("one", "calibrated")


@dataclass(frozen=True)
class WeightedTerm:
    """A weighted extra term: ``target`` is a partner (balance), sector (output) or side-item name."""

    target: str
    weight: float


@dataclass(frozen=True)
class ObjectiveSpec:
    """Objective of one government (see the module docstring for the formula and units).

    Attributes
    ----------
    country
        Label of the government.
    political_weights
        ``"one"`` (λ = 1: ordinary welfare), ``"calibrated"`` (Ossa's weights for the dataset's σ:
        published, or re-calibrated, :func:`tradetalks.model.political_source.political_weights_for`) or a tuple of
        ``(sector, λ)`` pairs with an optional ``("default", λ)``.
    welfare
        ω, weight on 100 ln Ĝ.
    balance, output, side_items
        Weighted terms (partner / sector / side-item name, weight).
    revenue
        Weight on tariff revenue changes (per US$ bn).
    source
        Where the spec came from (file name or ``"default"``).
    """

    country: str
    political_weights: str | tuple[tuple[str, float], ...] = "one"
    welfare: float = 1.0
    balance: tuple[WeightedTerm, ...] = ()
    output: tuple[WeightedTerm, ...] = ()
    revenue: float = 0.0
    side_items: tuple[WeightedTerm, ...] = ()
    source: str = "default"

    def describe(self) -> str:
        """One-line human description printed with results."""
        pw = self.political_weights
        pws = pw if isinstance(pw, str) else ", ".join(f"{k}={v:g}" for k, v in pw)
        parts = [f"{self.welfare:g}·100 ln Ĝ (λ: {pws})"]
        parts += [f"{t.weight:+g}·Δbalance with {t.target} (US$ bn)" for t in self.balance]
        parts += [f"{t.weight:+g}·%Δ output of {t.target}" for t in self.output]
        if self.revenue:
            parts.append(f"{self.revenue:+g}·Δtariff revenue (US$ bn)")
        parts += [f"{t.weight:+g}·{t.target} (US$ bn)" for t in self.side_items]
        return f"U[{self.country}] = " + " + ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        pw = self.political_weights
        return {
            "country": self.country,
            "political_weights": pw if isinstance(pw, str) else dict(pw),
            "welfare": self.welfare,
            "balance": {t.target: t.weight for t in self.balance},
            "output": {t.target: t.weight for t in self.output},
            "revenue": self.revenue,
            "side_items": {t.target: t.weight for t in self.side_items},
            "formula": self.describe(),
            "source": self.source,
        }


# --------------------------------------------------------------------------------------------
# TOML parsing
# --------------------------------------------------------------------------------------------


def _num(src: str, fld: str, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v):
        raise SpecError(src, fld, "a finite number", repr(v))
    return float(v)


def _terms(src: str, fld: str, raw: Any, key: str) -> tuple[WeightedTerm, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise SpecError(src, fld, f"an array of tables {{{key} = ..., weight = ...}}", repr(raw))
    out = []
    for k, item in enumerate(raw):
        f = f"{fld}[{k}]"
        if not isinstance(item, dict) or set(item) != {key, "weight"}:
            raise SpecError(src, f, f"a table with exactly the keys '{key}' and 'weight'", repr(item))
        if not isinstance(item[key], str):
            raise SpecError(src, f"{f}.{key}", "a string label", repr(item[key]))
        out.append(WeightedTerm(item[key], _num(src, f"{f}.weight", item["weight"])))
    return tuple(out)


_KEYS = {"political_weights", "welfare", "balance", "output", "revenue", "side_items"}


def parse_objective(country: str, raw: Mapping[str, Any], source: str = "<dict>") -> ObjectiveSpec:
    """Validate one ``[objective.<country>]`` table into an :class:`ObjectiveSpec`.

    Raises
    ------
    SpecError
        Unknown keys, wrong types; names the source, the field and what was expected.
    """
    pre = f"objective.{country}"
    unknown = set(raw) - _KEYS
    if unknown:
        raise SpecError(source, f"{pre}.{sorted(unknown)[0]}", f"one of {sorted(_KEYS)}", "an unknown key")
    pw_raw = raw.get("political_weights", "one")
    pw: str | tuple[tuple[str, float], ...]
    if isinstance(pw_raw, str):
        if pw_raw not in PW_CHOICES:
            raise SpecError(
                source, f"{pre}.political_weights", f"one of {PW_CHOICES} or a table", repr(pw_raw)
            )
        pw = pw_raw
    elif isinstance(pw_raw, dict):
        pw = tuple((str(k), _num(source, f"{pre}.political_weights.{k}", v)) for k, v in pw_raw.items())
        if any(v <= 0 for _, v in pw):
            raise SpecError(source, f"{pre}.political_weights", "positive weights", repr(pw_raw))
    else:
        raise SpecError(source, f"{pre}.political_weights", f"one of {PW_CHOICES} or a table", repr(pw_raw))
    return ObjectiveSpec(
        country=country,
        political_weights=pw,
        welfare=_num(source, f"{pre}.welfare", raw.get("welfare", 1.0)),
        balance=_terms(source, f"{pre}.balance", raw.get("balance"), "partner"),
        output=_terms(source, f"{pre}.output", raw.get("output"), "sector"),
        revenue=_num(source, f"{pre}.revenue", raw.get("revenue", 0.0)),
        side_items=_terms(source, f"{pre}.side_items", raw.get("side_items"), "name"),
        source=source,
    )


def load_objectives(path: str | Path) -> dict[str, ObjectiveSpec]:
    """Read ``[objective.<country>]`` tables from a TOML file.

    Raises
    ------
    SpecError
        Unreadable TOML, missing ``objective`` table or invalid fields.
    """
    p = Path(path)
    src = str(p)
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(src, "<file>", "valid TOML", str(exc)) from None
    obj = raw.get("objective")
    if not isinstance(obj, dict) or not obj:
        raise SpecError(src, "objective", "a table [objective.<country>] per government", repr(obj))
    out = {}
    for c, t in obj.items():
        if not isinstance(t, dict):
            raise SpecError(src, f"objective.{c}", "a table", repr(t))
        out[str(c)] = parse_objective(str(c), t, src)
    return out


# --------------------------------------------------------------------------------------------
# resolved objective (indices and arrays) and its evaluation
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Objective:
    """An :class:`ObjectiveSpec` resolved against a dataset (indices, λ array). Build with :func:`resolve`."""

    spec: ObjectiveSpec
    country: int
    lam: FloatArray  # (N, S): row `country` from the spec, ones elsewhere
    balance: tuple[tuple[int, float], ...] = ()
    output: tuple[tuple[int, float], ...] = ()
    side_items: tuple[tuple[str, float], ...] = field(default_factory=tuple)

    def side_weight(self, name: str) -> float:
        return float(sum(w for k, w in self.side_items if k == name))


def resolve(spec: ObjectiveSpec, data: TradeData) -> Objective:
    """Resolve labels and political weights of a spec against a dataset.

    Raises
    ------
    SpecError
        Unknown country / partner / sector labels, or ``"calibrated"`` on a dataset with neither Ossa's
        weights for its σ nor his non-cooperative tariffs.
    """
    src = spec.source
    cs, ss = data.countries, data.sectors

    def ix(label: str, labels: list[str], fld: str) -> int:
        if label not in labels:
            raise SpecError(src, fld, f"one of {labels}", repr(label))
        return labels.index(label)

    m = ix(spec.country, cs, "objective")
    lam = np.ones((len(cs), len(ss)))
    pw = spec.political_weights
    if pw == "calibrated":  # issue 11 item 7: the one decision (published for its σ, else re-calibrated)
        from tradetalks.model.political_source import political_weights_for

        try:
            lam[m] = political_weights_for(data).weights[m]
        except PoliticalWeightsError as exc:
            raise SpecError(
                src,
                f"objective.{spec.country}.political_weights",
                "'one' or a table (no Ossa weights for this dataset's sigma, nor measures to calibrate them)",
                f"'calibrated' on {data.name} ({exc})",
            ) from None
    elif isinstance(pw, tuple):
        d = dict(pw)
        lam[m] = d.pop("default", 1.0)
        for sec, v in d.items():
            lam[m, ix(sec, ss, f"objective.{spec.country}.political_weights.{sec}")] = v
    bal = tuple((ix(t.target, cs, f"objective.{spec.country}.balance"), t.weight) for t in spec.balance)
    out = tuple((ix(t.target, ss, f"objective.{spec.country}.output"), t.weight) for t in spec.output)
    side = tuple((t.target, t.weight) for t in spec.side_items)
    return Objective(spec, m, lam, bal, out, side)


def _extras(obj: Objective, base: OssaBaseline, xn: FloatArray, tn: FloatArray) -> float:
    """Extra terms (without side items) at flows xn, tariffs tn (no batch axis)."""
    m = obj.country
    val = 0.0
    x0, t0 = base.trade, base.tariff
    for p, w in obj.balance:
        b1 = xn[m, p].sum() - xn[p, m].sum()
        b0 = x0[m, p].sum() - x0[p, m].sum()
        val += w * (b1 - b0) / 1000.0
    for s, w in obj.output:
        val += w * 100.0 * np.log(xn[m, :, s].sum() / x0[m, :, s].sum())
    if obj.spec.revenue:
        val += obj.spec.revenue * ((tn[:, m] * xn[:, m]).sum() - (t0[:, m] * x0[:, m]).sum()) / 1000.0
    return float(val)


def objective_values(
    objs: Sequence[Objective], base: OssaBaseline, eq: Equilibrium, side: Mapping[str, float] | None = None
) -> FloatArray:
    """Values U_m for each objective at every scenario of a (batched) equilibrium, shape (B, len(objs))."""
    bsz = eq.w_hat.shape[0]
    out = np.zeros((bsz, len(objs)))
    for k, o in enumerate(objs):
        g = gov_welfare_hat(base, eq, o.lam)[:, o.country]
        out[:, k] = o.spec.welfare * 100.0 * np.log(g)
        for b in range(bsz):
            out[b, k] += _extras(o, base, eq.trade_new[b], eq.tariff_new[b])
        for name, w in o.side_items:
            out[:, k] += w * float((side or {}).get(name, 0.0))
    return out


def _welfare_gradients(objs: Sequence[Objective], base: OssaBaseline, eq: Equilibrium) -> FloatArray:
    """The welfare terms' gradients, 100 w_m d ln Ĝ_m/dt', (len(objs), N, N, S).

    ln Ĝ_m depends on the political weights of its own row m only, so objectives of different countries
    share one call of :func:`gov_welfare_gradient` (one adjoint factorisation) with their rows stacked into
    one λ array; objectives of the same country are done one by one.
    """
    countries = [o.country for o in objs]
    weights = np.array([o.spec.welfare for o in objs], dtype=float)
    if len(set(countries)) == len(countries):
        lam = np.ones((base.n, base.s))
        for o in objs:
            lam[o.country] = o.lam[o.country]
        g = gov_welfare_gradient(base, eq, countries, lam)
    else:
        g = np.stack([gov_welfare_gradient(base, eq, [o.country], o.lam)[0] for o in objs])
    return np.asarray(100.0 * weights[:, None, None, None] * g)


def objective_gradients(objs: Sequence[Objective], base: OssaBaseline, eq: Equilibrium) -> FloatArray:
    """Exact gradients dU_m/dt'_ijs (tariff part only; side items enter linearly), (len(objs), N, N, S)."""
    n, s = base.n, base.s
    grads = _welfare_gradients(objs, base, eq)
    xn, tn = eq.trade_new[0], eq.tariff_new[0]
    for k, o in enumerate(objs):
        m = o.country
        cs: list[FloatArray] = []
        ds: list[FloatArray] = []
        ws: list[float] = []
        for p, w in o.balance:
            c = np.zeros((n, n, s))
            c[m, p] += 1.0
            c[p, m] -= 1.0
            cs.append(c)
            ds.append(np.zeros((n, n, s)))
            ws.append(w / 1000.0)
        for sec, w in o.output:
            c = np.zeros((n, n, s))
            c[m, :, sec] = 1.0
            cs.append(c)
            ds.append(np.zeros((n, n, s)))
            ws.append(w * 100.0 / xn[m, :, sec].sum())
        if o.spec.revenue:
            c = np.zeros((n, n, s))
            c[:, m] = tn[:, m]
            d = np.zeros((n, n, s))
            d[:, m] = xn[:, m]
            cs.append(c)
            ds.append(d)
            ws.append(o.spec.revenue / 1000.0)
        if cs:
            fg = functional_gradient(base, eq, np.stack(cs), np.stack(ds))
            grads[k] += np.tensordot(np.asarray(ws), fg, axes=1)
    return grads
