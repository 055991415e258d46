"""Charts of a negotiation in utility space: frontier, no-deal points, solutions and the offers by round.

HTML via Plotly with the library embedded (``include_plotlyjs=True``: no CDN, works offline); PNG via
matplotlib (kaleido is not needed).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from tradetalks.bargain.negotiate import NegotiationResult
from tradetalks.bargain.solutions import Solution, UtilityFrontier

FloatArray = npt.NDArray[np.float64]


def _curve(fr: UtilityFrontier, n: int = 200) -> tuple[FloatArray, FloatArray]:
    xs = np.linspace(fr.lo, fr.hi, n)
    return xs, np.array([fr(x) for x in xs])


def negotiation_figure(
    fr: UtilityFrontier,
    parties: tuple[str, str],
    nodeal: Mapping[str, npt.ArrayLike],
    solutions: Sequence[Solution] = (),
    result: NegotiationResult | None = None,
    title: str = "",
) -> Any:
    """Plotly figure: frontier line, frontier points, no-deal points, solutions, offers of each party.

    Axes are the parties' objectives (U = 100 ln Ĝ + weighted terms, see
    :mod:`tradetalks.bargain.objectives`).
    """
    import plotly.graph_objects as go

    fig = go.Figure()
    for trace in (
        *_frontier_traces(fr),
        *_point_traces(nodeal, solutions),
        *(_negotiation_traces(result) if result is not None else ()),
    ):
        fig.add_trace(trace)
    fig.update_layout(
        title=title or f"Negotiation {parties[0]}–{parties[1]} in objective space",
        xaxis_title=f"U {parties[0]} (≈ % change of government welfare)",
        yaxis_title=f"U {parties[1]} (≈ % change of government welfare)",
        template="plotly_white",
    )
    return fig


def _frontier_traces(fr: UtilityFrontier) -> list[Any]:
    """The frontier line and its traced packages."""
    import plotly.graph_objects as go

    xs, ys = _curve(fr)
    out = [go.Scatter(x=xs, y=ys, mode="lines", name="Pareto frontier", line={"color": "black"})]
    if fr.points.size:
        out.append(
            go.Scatter(
                x=fr.points[:, 0],
                y=fr.points[:, 1],
                mode="markers",
                name="frontier packages",
                marker={"color": "black", "size": 5},
            )
        )
    return out


def _point_traces(nodeal: Mapping[str, npt.ArrayLike], solutions: Sequence[Solution]) -> list[Any]:
    """One labelled marker per no-deal point (crosses) and per solution (diamonds)."""
    import plotly.graph_objects as go

    out = []
    for name, u in nodeal.items():
        p = np.asarray(u, dtype=float)
        out.append(
            go.Scatter(
                x=[p[0]],
                y=[p[1]],
                mode="markers+text",
                name=f"no deal: {name}",
                text=[name],
                textposition="bottom right",
                marker={"symbol": "x", "size": 11},
            )
        )
    for s in solutions:
        out.append(
            go.Scatter(
                x=[s.u[0]],
                y=[s.u[1]],
                mode="markers+text",
                name=s.name,
                text=[s.name],
                textposition="top right",
                marker={"symbol": "diamond", "size": 10},
            )
        )
    return out


def _negotiation_traces(result: NegotiationResult) -> list[Any]:
    """Each party's offers round by round, and the agreement (a star) if one was reached."""
    import plotly.graph_objects as go

    log = result.log
    a, b = result.parties
    out = []
    for who in (a, b):
        sub = log[log["proposer"] == who]
        hover = [
            f"round {r} {d or ''} ({ph})"
            for r, d, ph in zip(sub["round"], sub["date"], sub["phase"], strict=True)
        ]
        out.append(
            go.Scatter(
                x=sub[f"u_{a}"],
                y=sub[f"u_{b}"],
                mode="lines+markers",
                name=f"offers by {who}",
                text=hover,
                hoverinfo="text+x+y",
            )
        )
    if result.agreement:
        out.append(
            go.Scatter(
                x=[result.u[0]],
                y=[result.u[1]],
                mode="markers",
                name="agreement",
                marker={
                    "symbol": "star",
                    "size": 16,
                    "color": "gold",
                    "line": {"color": "black", "width": 1},
                },
            )
        )
    return out


def write_html(fig: Any, path: str | Path) -> Path:
    """Write a self-contained HTML file (Plotly library embedded, no CDN)."""
    p = Path(path)
    fig.write_html(str(p), include_plotlyjs=True, full_html=True)
    return p


def write_png(
    fr: UtilityFrontier,
    parties: tuple[str, str],
    nodeal: Mapping[str, npt.ArrayLike],
    solutions: Sequence[Solution],
    result: NegotiationResult | None,
    path: str | Path,
) -> Path:
    """Static PNG of the same chart with matplotlib (Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 5.5))
    xs, ys = _curve(fr)
    ax.plot(xs, ys, "k-", label="Pareto frontier")
    for name, u in nodeal.items():
        p = np.asarray(u, dtype=float)
        ax.plot(p[0], p[1], "x", ms=9, label=f"no deal: {name}")
    for s in solutions:
        ax.plot(s.u[0], s.u[1], "D", ms=7, label=s.name)
    if result is not None:
        a, b = result.parties
        for who in (a, b):
            sub = result.log[result.log["proposer"] == who]
            ax.plot(sub[f"u_{a}"], sub[f"u_{b}"], ".-", alpha=0.7, label=f"offers by {who}")
        if result.agreement:
            ax.plot(result.u[0], result.u[1], "*", ms=15, color="gold", mec="k", label="agreement")
    ax.set_xlabel(f"U {parties[0]}")
    ax.set_ylabel(f"U {parties[1]}")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    out = Path(path)
    fig.savefig(out, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return out
