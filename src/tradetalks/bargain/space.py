r"""Package space of a two-party tariff negotiation, and no-deal points.

A *package* is a vector x of K bounded instruments. A tariff instrument sets the import tariff of one
party (the importer) on the other party's goods (the exporter) in a set of sectors to the common value x_k
(an ad-valorem fraction); a side instrument is a side item valued directly in the objectives (US$ bn,
e.g. an investment pledge). All other tariffs stay at the *reference* tariffs (the status quo, or an
escalation in force). Each package is evaluated in the Ossa (2014) equilibrium; objectives and their exact
gradients come from :mod:`tradetalks.bargain.objectives` (dU/dx_k = Σ over the block of dU/dt').

No-deal points (DESIGN.md §6) keep two things apart: the *impasse* payoff, obtained **while talks drag on**
(e.g. the tariffs announced and in force during the talks), which is what delay costs are measured from in
alternating-offers bargaining; and the *breakdown* payoff, obtained **if talks collapse** (e.g. the
escalation carried out, or the Nash trade war between the two), which is the disagreement point of Nash
bargaining and the parties' outside options (Binmore, Rubinstein & Wolinsky 1986).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from tradetalks.bargain.objectives import Objective, objective_gradients, objective_values
from tradetalks.data.tradedata import TradeData
from tradetalks.errors import BargainingError, SpecError
from tradetalks.model.common import SolverOptions
from tradetalks.model.ossa import TARIFF_UPPER, Equilibrium, OssaBaseline, solve_equilibrium

FloatArray = npt.NDArray[np.float64]

SOLVE = SolverOptions(tol=1e-11)


@dataclass(frozen=True)
class Instrument:
    """One negotiated instrument.

    Attributes
    ----------
    name
        Label, e.g. ``"USA tariff on JPN: motor_vehicles"``.
    kind
        ``"tariff"`` (a fraction) or ``"side"`` (a side item in US$ bn, valued in the objectives by name).
    importer, exporter
        Indices (tariff instruments).
    sectors
        Sector indices the tariff applies to.
    lower, upper
        Bounds.
    """

    name: str
    kind: Literal["tariff", "side"] = "tariff"
    importer: int = -1
    exporter: int = -1
    sectors: tuple[int, ...] = ()
    lower: float = 0.0
    upper: float = 1.0

    def __post_init__(self) -> None:
        if not self.lower <= self.upper:
            raise BargainingError(
                f"instrument {self.name!r}: expected lower <= upper; found {self.lower} > {self.upper}"
            )
        if self.kind == "tariff" and not (0.0 <= self.lower and self.upper <= TARIFF_UPPER and self.sectors):
            raise BargainingError(
                f"instrument {self.name!r}: expected tariff bounds within [0, {TARIFF_UPPER}] and at least one "
                f"sector; found [{self.lower}, {self.upper}], sectors {self.sectors}"
            )


@dataclass(frozen=True)
class PackageEval:
    """Objectives (2,), their gradients (2, K) and the equilibrium of one package."""

    x: FloatArray
    u: FloatArray
    grad: FloatArray
    equilibrium: Equilibrium


@dataclass(frozen=True, eq=False)
class PackageSpace:
    """Two-party package space over a calibrated Ossa baseline.

    Attributes
    ----------
    base
        Calibrated baseline (changes are relative to it).
    reference_tariff
        (N, N, S) tariffs of everyone outside the instruments.
    instruments
        The K instruments.
    objectives
        The two parties' objectives (party A first).
    countries, sectors
        Labels.
    valuations
        Valuations of side instruments (:class:`tradetalks.bargain.transfers.SideValuation`, matched by
        instrument name): their (ΔU_A, ΔU_B) add to the objectives, on top of any objective weights.
    """

    base: OssaBaseline
    reference_tariff: FloatArray
    instruments: tuple[Instrument, ...]
    objectives: tuple[Objective, Objective]
    countries: tuple[str, ...]
    sectors: tuple[str, ...]
    valuations: tuple[Any, ...] = ()
    _warm: dict[str, tuple[FloatArray, FloatArray]] = field(default_factory=dict, repr=False)

    @property
    def parties(self) -> tuple[str, str]:
        return (self.countries[self.objectives[0].country], self.countries[self.objectives[1].country])

    @property
    def k(self) -> int:
        return len(self.instruments)

    @property
    def lower(self) -> FloatArray:
        return np.array([i.lower for i in self.instruments])

    @property
    def upper(self) -> FloatArray:
        return np.array([i.upper for i in self.instruments])

    def tariffs(self, x: npt.ArrayLike) -> FloatArray:
        """Full tariff array of a package (batched: (B, K) -> (B, N, N, S))."""
        xa = np.asarray(x, dtype=float)
        batch = xa.ndim == 2
        xb = xa if batch else xa[None]
        t = np.broadcast_to(self.reference_tariff, (xb.shape[0], *self.reference_tariff.shape)).copy()
        for k, ins in enumerate(self.instruments):
            if ins.kind == "tariff":
                t[:, ins.exporter, ins.importer, list(ins.sectors)] = np.clip(
                    xb[:, k, None], 0.0, TARIFF_UPPER
                )
        return t if batch else t[0]

    def side(self, x: npt.ArrayLike) -> dict[str, float]:
        xa = np.asarray(x, dtype=float)
        return {ins.name: float(xa[k]) for k, ins in enumerate(self.instruments) if ins.kind == "side"}

    def reference_x(self) -> FloatArray:
        """Instrument values of the reference point (mean reference tariff over each block; side items at
        their lower bound), clipped to the bounds."""
        out = np.zeros(self.k)
        for k, ins in enumerate(self.instruments):
            if ins.kind == "tariff":
                out[k] = float(self.reference_tariff[ins.exporter, ins.importer, list(ins.sectors)].mean())
            else:
                out[k] = ins.lower
        return np.clip(out, self.lower, self.upper)

    def solve(self, tariff: FloatArray) -> Equilibrium:
        """Equilibrium at a tariff array (warm-started from the last solve)."""
        eq = solve_equilibrium(self.base, tariff, x0=self._warm.get("x"), options=SOLVE)
        if not eq.info.converged:
            eq = solve_equilibrium(self.base, tariff, options=SOLVE)
        self._warm["x"] = (np.log(eq.w_hat), np.log(eq.e_hat))
        return eq

    def side_value(self, x: FloatArray, case: str | None = None) -> FloatArray:
        """(ΔU_A, ΔU_B) of the valued side instruments at package x (under a side-item ``case`` of the
        bands, :meth:`tradetalks.bargain.transfers.SideValuation.under`)."""
        out = np.zeros(2)
        for v in self.valuations:
            val = v if case is None else v.under(case)
            for k, ins in enumerate(self.instruments):
                if ins.name == v.name:
                    out += val.value(float(x[k]))
        return out

    def evaluate(self, x: npt.ArrayLike, gradient: bool = True) -> PackageEval:
        """Objectives and exact gradients at package x."""
        xa = np.asarray(x, dtype=float)
        eq = self.solve(self.tariffs(xa))
        u = objective_values(self.objectives, self.base, eq, self.side(xa))[0] + self.side_value(xa)
        grad = np.zeros((2, self.k))
        if gradient:
            gt = objective_gradients(self.objectives, self.base, eq)
            for k, ins in enumerate(self.instruments):
                if ins.kind == "tariff":
                    grad[:, k] = gt[:, ins.exporter, ins.importer, list(ins.sectors)].sum(axis=-1)
                else:
                    grad[:, k] = [o.side_weight(ins.name) for o in self.objectives]
                    for v in self.valuations:
                        if v.name == ins.name:
                            grad[:, k] += v.derivative(float(xa[k]))
        return PackageEval(xa, u, grad, eq)

    def values(self, xs: npt.ArrayLike, chunk: int = 64) -> FloatArray:
        """Objectives of many packages (B, K) -> (B, 2), by batched equilibrium solves."""
        xa = np.atleast_2d(np.asarray(xs, dtype=float))
        out = np.zeros((xa.shape[0], 2))
        for lo in range(0, xa.shape[0], chunk):
            xb = xa[lo : lo + chunk]
            eq = solve_equilibrium(self.base, self.tariffs(xb), options=SOLVE)
            for r in range(xb.shape[0]):
                sub = _take(eq, r)
                out[lo + r] = objective_values(self.objectives, self.base, sub, self.side(xb[r]))[0]
                out[lo + r] += self.side_value(xb[r])
        return out

    def values_of_tariff(self, tariff: FloatArray) -> FloatArray:
        """Objectives (2,) at an arbitrary tariff array (no side items)."""
        eq = solve_equilibrium(self.base, tariff, options=SOLVE)
        return np.asarray(objective_values(self.objectives, self.base, eq)[0])


def _take(eq: Equilibrium, r: int) -> Equilibrium:
    sl = slice(r, r + 1)
    return Equilibrium(
        eq.w_hat[sl],
        eq.e_hat[sl],
        eq.trade_new[sl],
        eq.share[sl],
        eq.p_hat[sl],
        eq.tariff_new[sl],
        eq.nx_new[sl],
        eq.info,
        eq.converged_each[sl] if eq.converged_each.size else eq.converged_each,
    )


def instruments_for(
    data: TradeData,
    a: str,
    b: str,
    groups: Sequence[str] | None = None,
    upper: float = 1.0,
    side: Sequence[tuple[str, float, float]] = (),
) -> tuple[Instrument, ...]:
    """Tariff instruments of a two-party negotiation.

    Parameters
    ----------
    groups
        ``None``: one instrument per (party, sector) — each side's import tariff on the other by sector.
        Otherwise items ``"IMPORTER:SECTOR[+SECTOR...]"``, ``"IMPORTER:all"`` or ``"IMPORTER:rest"`` (the
        sectors not named in that importer's other items), e.g. ``["USA:motor_vehicles", "USA:rest",
        "JPN:all"]``: the US auto tariff, the US tariff on all other goods, and Japan's tariffs.
    upper
        Upper bound of every tariff instrument (fraction).
    side
        Side items ``(name, lower, upper)`` in US$ bn.

    Raises
    ------
    SpecError
        Unknown labels or malformed items.
    """
    cs, ss = data.countries, data.sectors
    for p in (a, b):
        if p not in cs:
            raise SpecError("parties", "party", f"one of {cs}", repr(p))
    if a == b:
        raise SpecError("parties", "party", "two different parties", f"{a} twice")
    ia, ib = cs.index(a), cs.index(b)
    other = {ia: ib, ib: ia}
    if groups is not None and not groups:
        raise SpecError("instruments", "instruments", "at least one IMPORTER:SECTOR|all|rest item", "none")
    blocks: list[tuple[int, str, tuple[int, ...]]]
    if groups is None:
        blocks = [(imp, ss[s], (s,)) for imp in (ia, ib) for s in range(len(ss))]
    else:
        blocks = _group_blocks(cs, ss, (a, b), groups)
    out = [
        Instrument(
            f"{cs[imp]} tariff on {cs[other[imp]]}: {label}", "tariff", imp, other[imp], idx, 0.0, upper
        )
        for imp, label, idx in blocks
    ]
    out.extend(Instrument(name, "side", lower=lo, upper=hi) for name, lo, hi in side)
    return tuple(out)


def _group_blocks(
    cs: Sequence[str], ss: Sequence[str], parties: tuple[str, str], groups: Sequence[str]
) -> list[tuple[int, str, tuple[int, ...]]]:
    """(importer, label, sector indices) of instrument items ``IMPORTER:SECTOR[+SECTOR...]|all|rest``;
    ``rest`` is the sectors not named in that importer's other items.

    Raises
    ------
    SpecError
        Malformed items, an importer outside the parties, unknown sectors.
    """
    named: dict[int, set[int]] = {cs.index(p): set() for p in parties}
    parsed: list[tuple[int, str, list[str]]] = []
    for g in groups:
        if ":" not in g:
            raise SpecError(
                "instruments", g, "IMPORTER:SECTOR[+SECTOR...] | IMPORTER:all | IMPORTER:rest", repr(g)
            )
        imp_l, sec_l = g.split(":", 1)
        if imp_l not in parties:
            raise SpecError("instruments", g, f"an importer among the parties {parties}", repr(imp_l))
        imp = cs.index(imp_l)
        secs = sec_l.split("+")
        if sec_l not in ("all", "rest"):
            for sname in secs:
                if sname not in ss:
                    raise SpecError("instruments", g, f"sectors among {list(ss)}", repr(sname))
                named[imp].add(ss.index(sname))
        parsed.append((imp, sec_l, secs))
    out = []
    for imp, sec_l, secs in parsed:
        if sec_l == "all":
            idx = tuple(range(len(ss)))
        elif sec_l == "rest":
            idx = tuple(s for s in range(len(ss)) if s not in named[imp])
        else:
            idx = tuple(ss.index(x) for x in secs)
        out.append((imp, sec_l, idx))
    return out


# --------------------------------------------------------------------------------------------
# no-deal points
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class NoDealPoint:
    """A no-deal outcome: its tariffs and both parties' objectives.

    Attributes
    ----------
    name
        A kind of :data:`tradetalks.vocabulary.NO_DEAL_KINDS` (``"status-quo"``, ``"escalation"``,
        ``"bilateral-war"``, ``"global-war"``, ``"free-trade"``) or a user label.
    tariff
        (N, N, S) tariffs.
    u
        (2,) objectives of parties A and B.
    note
        How it was obtained (e.g. rounds and convergence of the trade war).
    """

    name: str
    tariff: FloatArray
    u: FloatArray
    note: str = ""

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "u": self.u.tolist(), "note": self.note}


@dataclass(frozen=True, eq=False)
class NoDeal:
    """Payoff while talks drag on (``impasse``) kept apart from the payoff if talks collapse (``breakdown``)."""

    impasse: NoDealPoint
    breakdown: NoDealPoint

    def as_dict(self) -> dict[str, object]:
        return {
            "impasse (while talks drag on)": self.impasse.as_dict(),
            "breakdown (if talks collapse)": self.breakdown.as_dict(),
        }


def status_quo(space: PackageSpace) -> NoDealPoint:
    """The reference tariffs kept."""
    t = space.reference_tariff.copy()
    return NoDealPoint("status-quo", t, space.values_of_tariff(t), "reference tariffs unchanged")


def escalation(space: PackageSpace, tariff: npt.ArrayLike, name: str = "escalation") -> NoDealPoint:
    """An announced escalation given as a full (N, N, S) tariff array."""
    t = np.asarray(tariff, dtype=float)
    if t.shape != space.reference_tariff.shape:
        raise BargainingError(
            f"escalation: expected a tariff array of shape {space.reference_tariff.shape}; found {t.shape}"
        )
    return NoDealPoint(name, t.copy(), space.values_of_tariff(t), "announced tariffs carried out")


def free_trade(space: PackageSpace) -> NoDealPoint:
    """Zero tariffs between the two parties (others as in the reference)."""
    t = space.reference_tariff.copy()
    a, b = space.objectives[0].country, space.objectives[1].country
    t[a, b] = 0.0
    t[b, a] = 0.0
    return NoDealPoint("free-trade", t, space.values_of_tariff(t), "zero tariffs between the parties")


def trade_war_point(
    space: PackageSpace,
    political_weights: npt.ArrayLike | None = None,
    mfn: bool = False,
    *,
    bilateral: bool = True,
    starts: Sequence[str] | None = None,
    progress: Callable[[int, int, float], None] | None = None,
) -> NoDealPoint:
    """Nash trade war as a no-deal point, by :func:`tradetalks.model.strategic.trade_war` started from the
    reference tariffs. Governments fight over Ossa's G with ``political_weights``; extra objective terms do
    not enter the war.

    ``bilateral=True`` (``"bilateral-war"``): the two parties best-respond with tariffs on each other only,
    every third-country tariff (theirs and the third countries') fixed at the reference. ``False``
    (``"global-war"``): every country best-responds with tariffs on all partners (Ossa's trade war).

    The war's tariffs are kept per process (:data:`_WAR_CACHE`, keyed by the baseline, reference tariffs,
    parties and options), so a second call for the same dataset, closure, parties and kind costs one
    equilibrium solve. ``progress``: :data:`tradetalks.model.strategic.IterationHook`, called per round
    of best responses (make it raise to cancel).
    """
    from tradetalks.model.ossa_optimal import DEFAULT_STARTS
    from tradetalks.model.strategic import trade_war

    a, b = space.objectives[0].country, space.objectives[1].country
    players = [a, b] if bilateral else None
    start_names = DEFAULT_STARTS if starts is None else tuple(starts)
    key = _war_key(space, political_weights, mfn, bilateral, start_names)
    cached = _WAR_CACHE.get(key)
    if cached is None:
        war = trade_war(
            space.base,
            players=players,
            mfn=mfn,
            political_weights=political_weights,
            start_tariff=space.reference_tariff,
            bilateral=bilateral,
            starts=start_names,
            progress=progress,
        )
        who = "between the parties, third-country tariffs fixed" if bilateral else "among all countries"
        note = (
            f"Nash trade war {who}: {war.rounds} rounds, converged={war.converged}, "
            f"best-response check gain {war.improvement:.1e}"
        )
        cached = (war.tariff.copy(), note)
        _WAR_CACHE.put(key, cached)
    tariff, note = cached
    name = "bilateral-war" if bilateral else "global-war"
    return NoDealPoint(name, tariff.copy(), space.values_of_tariff(tariff), note)


class _LruCache:
    """A small thread-safe least-recently-used cache (the trade wars of a process)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[str, tuple[FloatArray, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[FloatArray, str] | None:
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: str, value: tuple[FloatArray, str]) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_WAR_CACHE = _LruCache(16)
"""Trade-war tariffs (and their note) already computed in this process, keyed by :func:`_war_key`: a war
depends only on the baseline, the reference tariffs, the parties and the options, not on the objectives'
extra terms, so the frontier, bargain and advisor runs of one dataset, closure and pair share one war."""


def _war_key(
    space: PackageSpace,
    political_weights: npt.ArrayLike | None,
    mfn: bool,
    bilateral: bool,
    starts: Sequence[str],
) -> str:
    """Digest of everything a trade war of the space's parties depends on (the dataset and closure through
    the baseline arrays, the reference tariffs, the parties, λ, MFN, bilateral, the starting points)."""
    h = hashlib.sha256()
    b = space.base
    for arr in (b.trade, b.tariff, b.sigma, b.nx, space.reference_tariff):
        h.update(np.ascontiguousarray(arr, dtype=float).tobytes())
    if political_weights is not None:
        h.update(b"lambda")
        h.update(np.ascontiguousarray(political_weights, dtype=float).tobytes())
    parties = (space.objectives[0].country, space.objectives[1].country)
    h.update(repr((parties, bool(mfn), bool(bilateral), tuple(starts))).encode())
    return h.hexdigest()
