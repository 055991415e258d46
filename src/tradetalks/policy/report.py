"""What a scenario does, in the numbers a reader asks for: tables and charts rendered from the one
outcome report (:mod:`tradetalks.policy.outcome`), shared by the CLI, the demo and the web.

For the two parties (default the United States and Japan) and the third countries: welfare (real income),
real wage, exports and imports, the bilateral balance in levels before and after, the auto sector's
output and exports, tariff revenue and effective tariff rates. All levels are US$ billions per year at
the model's prices (the dataset is in US$ millions); changes are relative to the dataset's baseline
(``jp-us-2024-baseline`` on the default ``world2022``: 2022 flows and 2021 applied tariffs), under the closure the
scenario states.

Real wage: ŵ / P̂ with P̂ = Ê / Ŵ the change of the consumer price index. Definitions and units of every
figure: :mod:`tradetalks.policy.outcome`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from tradetalks.policy.evaluate import PackageResult
from tradetalks.policy.outcome import AUTO_SECTOR, METRICS, Metric, outcome
from tradetalks.policy.outcome import comparison_frame as outcome_frame

ROWS = METRICS
"""Rows of :func:`comparison_frame` (kept name; see :data:`tradetalks.policy.outcome.METRICS`)."""


def headline(
    pr: PackageResult, a: str = "USA", b: str = "JPN", sector: str = AUTO_SECTOR
) -> dict[str, float]:
    """Headline figures of one evaluated scenario: :meth:`Outcome.headline` of
    :func:`~tradetalks.policy.outcome.outcome` (keys ``<country>.<metric>``, ``balance.<a>-<b>.*``,
    ``others.*``)."""
    return outcome(pr, (a, b), sector).headline()


def comparison_frame(results: Mapping[str, PackageResult], a: str = "USA", b: str = "JPN") -> pd.DataFrame:
    """Rows = headline metrics (:data:`~tradetalks.policy.outcome.METRICS`, labelled with units); columns:
    ``unit``, ``before`` (the baseline level of US$bn rows, NaN for changes and rates) and one column per
    scenario, in the given order."""
    return outcome_frame({name: outcome(pr, (a, b)) for name, pr in results.items()})


def sector_effects(pr: PackageResult, countries: Sequence[str] = ("USA", "JPN")) -> pd.DataFrame:
    """Output change (%) by sector for the given countries: rows sectors, columns countries."""
    df = pr.result.to_frame("sector")["output_pct"].unstack("country")
    return df[list(countries)]


def sector_chart_html(frames: Mapping[str, pd.DataFrame], path: str) -> str:
    """Write a grouped bar chart of sector output changes (one panel per scenario) as standalone HTML
    (plotly.js embedded, no CDN). Returns the path."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    names = list(frames)
    fig = make_subplots(rows=len(names), cols=1, subplot_titles=names, shared_xaxes=True)
    for r, name in enumerate(names, start=1):
        df = frames[name]
        for col in df.columns:
            fig.add_trace(
                go.Bar(x=list(df.index), y=df[col].values, name=f"{col}", showlegend=r == 1, legendgroup=col),
                row=r,
                col=1,
            )
        fig.update_yaxes(title_text="output change, %", row=r, col=1)
    fig.update_xaxes(title_text="sector (the dataset's)", row=len(names), col=1)
    fig.update_layout(barmode="group", height=320 * len(names) + 120, title="Sector output effects")
    fig.write_html(path, include_plotlyjs=True)
    return path


def sector_chart_png(frames: Mapping[str, pd.DataFrame], path: str) -> str:
    """The same chart as a PNG (matplotlib). Returns the path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(frames)
    fig, axes = plt.subplots(len(names), 1, figsize=(11, 3.2 * len(names) + 0.8), squeeze=False, sharex=True)
    for ax, name in zip(axes[:, 0], names, strict=True):
        frames[name].plot.bar(ax=ax)
        ax.set_title(name)
        ax.set_ylabel("output change, %")
        ax.axhline(0, color="black", linewidth=0.6)
    axes[-1, 0].set_xlabel("sector (the dataset's)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


__all__ = ["AUTO_SECTOR", "ROWS", "Metric", "comparison_frame", "headline", "sector_chart_html",
           "sector_chart_png", "sector_effects"]
