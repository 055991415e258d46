r"""Simulated negotiation rounds: alternating offers on the frontier toward (extendable) deadlines.

Each party's strategy has three parts (the BOA architecture of Baarslag et al. 2014, as in GENIUS/NegMAS):

* **offering** — which utility to ask for in round r:

  - *time-dependent* (Faratin, Sierra & Jennings 1998): :math:`u(r) = a - (a - d)\,\tau^{1/e}`, τ the
    elapsed share of time to the perceived deadline, a the party's ideal on the zone of agreement, d its
    breakdown payoff; e < 1 Boulware (concede late), e = 1 linear, e > 1 conceder;
  - *tit-for-tat* (relative, Faratin et al. 1998): concede the same share of one's own range as the
    opponent conceded of its range in its last move;
  - *model-based best response*: offer the best package for oneself that the opponent model predicts
    will be accepted next, if it beats one's own time-dependent schedule;

* **acceptance** — AC_next (accept an offer at least as good as what one would ask next, and in the last
  round anything at least as good as breakdown), AC_const (accept only above a fixed utility);
* **opponent model** — fits the opponent's concession exponent e by least squares on
  :math:`\ln((a-u)/(a-d)) = e^{-1} \ln \tau` over its past offers.

Offers are frontier points (efficient packages); a proposer asking for utility u gets the frontier point
giving it u. A soft deadline that passes without agreement is extended to the next one (the 2025 case:
July 9, then August 1); strategies re-anchor their schedule on the new deadline. After the last (hard)
deadline the breakdown payoff applies. Agreement values are also reported discounted,
:math:`e_i + \delta_i^r (u_i - e_i)` with e the impasse payoff (while talks drag on).

References
----------
Faratin, P., Sierra, C. & Jennings, N. R. (1998). Negotiation decision functions for autonomous agents.
Robotics and Autonomous Systems 24, 159–182.
Baarslag, T., Hindriks, K., Hendrikx, M., Dirkzwager, A. & Jonker, C. (2014). Decoupling negotiating agents
to explore the space of negotiation strategies. In: Novel Insights in Agent-based Complex Automated
Negotiation, Springer, 61–83.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradetalks.bargain.solutions import UtilityFrontier
from tradetalks.errors import BargainingError
from tradetalks.inputs import check_text, parse_float

FloatArray = npt.NDArray[np.float64]

OfferingKind = Literal["boulware", "linear", "conceder", "time", "tit-for-tat", "model"]
AcceptanceKind = Literal["next", "const"]


@dataclass(frozen=True)
class Offering:
    """Offering part. ``kind`` ``"time"`` uses exponent ``e``; ``"boulware"``/``"linear"``/``"conceder"``
    are time-dependent with e = 0.2 / 1 / 5 unless ``e`` is given; ``"tit-for-tat"`` opens with
    ``first_step`` (share of the range); ``"model"`` uses ``e`` for its fallback schedule."""

    kind: OfferingKind = "linear"
    e: float | None = None
    first_step: float = 0.05

    def exponent(self) -> float:
        if self.e is not None:
            if self.e <= 0:
                raise BargainingError(f"offering exponent e: expected > 0; found {self.e}")
            return self.e
        return {"boulware": 0.2, "conceder": 5.0}.get(self.kind, 1.0)


@dataclass(frozen=True)
class Acceptance:
    """Acceptance part: AC_next, or AC_const with ``threshold`` (objective units)."""

    kind: AcceptanceKind = "next"
    threshold: float | None = None


@dataclass(frozen=True)
class Strategy:
    """A negotiation strategy: offering, acceptance and opponent-model parts."""

    offering: Offering = field(default_factory=Offering)
    acceptance: Acceptance = field(default_factory=Acceptance)
    model: Literal["none", "time-fit"] = "none"

    def label(self) -> str:
        o = self.offering
        e = f"(e={o.exponent():g})" if o.kind in ("boulware", "linear", "conceder", "time", "model") else ""
        return f"{o.kind}{e}/accept-{self.acceptance.kind}/model-{self.model}"


@dataclass(frozen=True)
class Deadline:
    """A deadline at round index ``round`` (soft deadlines are extended to the next one)."""

    round: int
    name: str
    hard: bool = False


@dataclass(frozen=True, eq=False)
class NegotiationResult:
    """Outcome and per-round log of a simulated negotiation.

    Attributes
    ----------
    log
        One row per round: round, date, phase (perceived deadline), proposer, the offer's objectives
        ``u_A``, ``u_B``, each party's target, whether it was accepted.
    agreement
        Whether an offer was accepted before the hard deadline.
    round
        Round of agreement (or of breakdown).
    u, u_discounted
        (2,) final objectives (the breakdown payoff if no agreement), and discounted to round 0.
    package
        Package of the agreement (if a package map was given).
    """

    parties: tuple[str, str]
    strategies: tuple[str, str]
    log: pd.DataFrame
    agreement: bool
    round: int
    u: FloatArray
    u_discounted: FloatArray
    package: FloatArray | None
    reason: str


def _fit_exponent(taus: list[float], us: list[float], a: float, d: float) -> float | None:
    xs, ys = [], []
    for t, u in zip(taus, us, strict=True):
        gap = (a - u) / (a - d) if a > d else 0.0
        if 0 < t < 1 and 1e-9 < gap < 1:
            xs.append(np.log(t))
            ys.append(np.log(gap))
    if len(xs) < 2:
        return None
    x, y = np.array(xs), np.array(ys)
    inv_e = float((x * y).sum() / (x * x).sum())
    return 1.0 / inv_e if inv_e > 1e-6 else None


def schedule(
    start: dt.date, deadlines: Sequence[tuple[dt.date, str]], rounds_per_deadline: int | Sequence[int]
) -> tuple[list[dt.date], list[Deadline]]:
    """Round dates from ``start`` to each deadline (equally spaced within each phase); the last deadline is hard.

    Returns
    -------
    dates, deadlines
        One date per round; deadlines with their round indices.
    """
    if not deadlines:
        raise BargainingError("deadlines: expected at least one deadline")
    per = (
        [rounds_per_deadline] * len(deadlines)
        if isinstance(rounds_per_deadline, int)
        else list(rounds_per_deadline)
    )
    if len(per) != len(deadlines) or any(p < 1 for p in per):
        raise BargainingError(
            f"rounds per deadline: expected {len(deadlines)} positive integers; found {per}"
        )
    dates: list[dt.date] = []
    out: list[Deadline] = []
    prev = start
    for k, ((day, name), m) in enumerate(zip(deadlines, per, strict=True)):
        if day <= prev:
            raise BargainingError(f"deadlines: expected dates after {prev}; found {day} ({name})")
        span = (day - prev).days
        for r in range(1, m + 1):
            dates.append(prev + dt.timedelta(days=round(span * r / m)))
        out.append(Deadline(len(dates) - 1, name, hard=k == len(deadlines) - 1))
        prev = day
    return dates, out


def simulate(
    fr: UtilityFrontier,
    breakdown: npt.ArrayLike,
    strategies: tuple[Strategy, Strategy],
    deadlines: Sequence[Deadline],
    *,
    impasse: npt.ArrayLike | None = None,
    delta: Sequence[float] = (1.0, 1.0),
    dates: Sequence[dt.date] | None = None,
    parties: tuple[str, str] = ("A", "B"),
    package_of: Callable[[FloatArray], FloatArray] | None = None,
    first: int = 0,
) -> NegotiationResult:
    """Simulate alternating offers on a frontier until acceptance or the hard deadline.

    Parameters
    ----------
    fr
        Utility frontier U_B = f(U_A).
    breakdown
        (2,) payoff if talks collapse (each party's reservation value).
    strategies
        Strategies of A and B.
    deadlines
        Deadlines with round indices (the last is hard; earlier ones are extended if they pass).
    impasse
        (2,) payoff while talks drag on (for discounting); default ``breakdown``.
    delta
        Per-round discount factors.
    dates
        Optional date of each round (for the log).
    package_of
        Optional map from a frontier point (2,) to its package (for the log and result).
    first
        Who proposes in round 0.

    Returns
    -------
    NegotiationResult
    """
    d = np.asarray(breakdown, dtype=float)
    e_imp = d if impasse is None else np.asarray(impasse, dtype=float)
    if not deadlines:
        raise BargainingError("deadlines: expected at least one deadline")
    dls = sorted(deadlines, key=lambda x: x.round)
    last = r_end = dls[-1].round
    lo, hi = fr.rational(d)
    talks = _Talks(fr, d, strategies, dls, np.array([hi, fr(lo)]))
    rows: list[dict[str, object]] = []
    agreed: FloatArray | None = None
    for r in range(last + 1):
        who = (first + r) % 2
        talks.targets[who] = talks.target(who, r)
        offer = talks.point_for(who, talks.targets[who])
        talks.offers[who].append((talks.tau_of(r, who), offer))
        accept = talks.accepts(1 - who, offer, r, final=r == last)
        rows.append(
            talks.log_row(r, None if dates is None else dates[r], parties[who], parties, offer, accept)
        )
        if accept:
            agreed, r_end = offer, r
            break
        talks.after_round(r)
    if agreed is not None:
        u, reason = agreed, f"accepted in round {r_end}"
        pkg = package_of(u) if package_of is not None else None
    else:
        u, reason, pkg = d.copy(), "hard deadline passed without agreement: breakdown", None
    disc = e_imp + np.asarray(delta, dtype=float) ** r_end * (u - e_imp)
    return NegotiationResult(
        parties=parties,
        strategies=(strategies[0].label(), strategies[1].label()),
        log=pd.DataFrame(rows),
        agreement=agreed is not None,
        round=r_end,
        u=np.asarray(u, dtype=float),
        u_discounted=np.asarray(disc, dtype=float),
        package=pkg,
        reason=reason,
    )


@dataclass(eq=False)
class _Talks:
    """State of one simulated negotiation while it runs (private to :func:`simulate`): the frontier, the
    breakdown point d, the ideal point, the deadlines, each side's phase start, anchor and target, and the
    offers made so far as (τ, point) per proposer."""

    fr: UtilityFrontier
    d: FloatArray
    strategies: tuple[Strategy, Strategy]
    dls: list[Deadline]
    ideal: FloatArray
    dl_idx: int = 0
    phase_start: list[int] = field(default_factory=lambda: [0, 0])
    anchor: list[float] = field(default_factory=list)
    targets: list[float] = field(default_factory=list)
    offers: list[list[tuple[float, FloatArray]]] = field(default_factory=lambda: [[], []])

    def __post_init__(self) -> None:
        self.anchor = [float(self.ideal[0]), float(self.ideal[1])]
        self.targets = [float(self.ideal[0]), float(self.ideal[1])]
        self.span = self.ideal - self.d

    def point_for(self, who: int, u_own: float) -> FloatArray:
        """The frontier point giving party ``who`` the objective ``u_own`` (clipped to [d, ideal])."""
        u_own = float(np.clip(u_own, self.d[who], self.ideal[who]))
        if who == 0:
            return np.array([u_own, self.fr(u_own)])
        ua = self.fr.inverse(u_own)
        return np.array([ua, self.fr(ua)])

    def tau_of(self, r: int, who: int) -> float:
        """Share of the current phase (to the perceived deadline) elapsed at round r, in [0, 1]."""
        span = max(self.dls[self.dl_idx].round - self.phase_start[who], 1)
        return float(min(max((r - self.phase_start[who]) / span, 0.0), 1.0))

    def schedule_target(self, who: int, r: int, e: float) -> float:
        """Time-dependent target: anchor − (anchor − d) τ^{1/e}."""
        return float(self.anchor[who] - (self.anchor[who] - self.d[who]) * self.tau_of(r, who) ** (1.0 / e))

    def target(self, who: int, r: int) -> float:
        """Party ``who``'s target objective in round r under its offering strategy."""
        st = self.strategies[who]
        o = st.offering
        if o.kind == "tit-for-tat":
            return self._tit_for_tat(who, o)
        base_t = self.schedule_target(who, r, o.exponent())
        if o.kind == "model" or st.model == "time-fit":
            modelled = self._modelled(who, r)
            if modelled is not None and modelled > base_t:
                return modelled
        return float(base_t)

    def _tit_for_tat(self, who: int, o: Offering) -> float:
        """Concede (as a share of the own range) what the opponent conceded in its last step."""
        opp = 1 - who
        mine, theirs = self.offers[who], self.offers[opp]
        if not mine:
            return float(self.ideal[who])
        if len(theirs) < 2:
            return float(max(self.targets[who] - o.first_step * self.span[who], self.d[who]))
        c_opp = (theirs[-2][1][opp] - theirs[-1][1][opp]) / max(self.span[opp], 1e-300)
        return float(
            np.clip(self.targets[who] - max(c_opp, 0.0) * self.span[who], self.d[who], self.ideal[who])
        )

    def _modelled(self, who: int, r: int) -> float | None:
        """What party ``who`` gets at the opponent's next offer predicted by a fitted time-dependent
        schedule (None until two offers fit)."""
        opp = 1 - who
        theirs = self.offers[opp]
        e_hat = _fit_exponent(
            [t for t, _ in theirs], [float(p[opp]) for _, p in theirs], self.ideal[opp], self.d[opp]
        )
        if e_hat is None:
            return None
        th = self.anchor[opp] - (self.anchor[opp] - self.d[opp]) * self.tau_of(r + 1, opp) ** (1.0 / e_hat)
        return float(self.point_for(opp, th)[who])

    def accepts(self, opp: int, offer: FloatArray, r: int, final: bool) -> bool:
        """The responder's acceptance: AC_const (its threshold, default d) or AC_next (at least its own next
        target; in the final round, at least d)."""
        acc = self.strategies[opp].acceptance
        if acc.kind == "const":
            thr = float(acc.threshold) if acc.threshold is not None else float(self.d[opp])
            accept = bool(offer[opp] >= thr - 1e-12)
        else:
            nxt = self.target(opp, r + 1) if not final else float(self.d[opp])
            accept = bool(offer[opp] >= nxt - 1e-12)
        if final and acc.kind == "next":
            accept = accept or bool(offer[opp] >= self.d[opp])
        return accept

    def log_row(
        self,
        r: int,
        date: dt.date | None,
        proposer: str,
        parties: tuple[str, str],
        offer: FloatArray,
        accept: bool,
    ) -> dict[str, object]:
        return {
            "round": r,
            "date": None if date is None else date.isoformat(),
            "phase": self.dls[self.dl_idx].name,
            "proposer": proposer,
            f"u_{parties[0]}": float(offer[0]),
            f"u_{parties[1]}": float(offer[1]),
            f"target_{parties[0]}": self.targets[0],
            f"target_{parties[1]}": self.targets[1],
            "accepted": bool(accept),
        }

    def after_round(self, r: int) -> None:
        """A soft deadline reached without agreement is extended to the next one; schedules re-anchor."""
        dl = self.dls[self.dl_idx]
        if r == dl.round and not dl.hard and self.dl_idx + 1 < len(self.dls):
            self.dl_idx += 1
            for k in (0, 1):
                self.phase_start[k] = r + 1
                self.anchor[k] = self.targets[k]


def parse_strategy(text: str) -> Strategy:
    """Parse ``"boulware"``, ``"conceder"``, ``"linear"``, ``"time:0.5"``, ``"tit-for-tat"``, ``"model"``,
    optionally followed by ``",const=<u>"`` (AC_const) or ``",fit"`` (opponent model)."""
    check_text(text, "strategy", allow_empty=True)
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise BargainingError(
            "strategy: expected e.g. 'boulware', 'time:0.5', 'tit-for-tat', 'model'; found ''"
        )
    head = parts[0]
    e: float | None = None
    if head.startswith("time:"):
        e = parse_float(
            head.split(":", 1)[1], f"strategy {head!r}: exponent e", lo=0.0, hi=100.0, lo_open=True
        )
        kind = "time"
    else:
        kind = head
    kinds = ("boulware", "linear", "conceder", "time", "tit-for-tat", "model")
    if kind not in kinds:
        raise BargainingError(f"strategy: expected one of {kinds}; found {head!r}")
    acc = Acceptance()
    model: Literal["none", "time-fit"] = "time-fit" if kind == "model" else "none"
    for p in parts[1:]:
        if p.startswith("const="):
            acc = Acceptance("const", parse_float(p.split("=", 1)[1], f"strategy option {p!r}"))
        elif p == "fit":
            model = "time-fit"
        else:
            raise BargainingError(f"strategy option: expected 'const=<u>' or 'fit'; found {p!r}")
    return Strategy(Offering(kind, e), acc, model)  # type: ignore[arg-type]
