"""What a scenario does, in the numbers a reader asks for: one table builder for the CLI, demo and web.

For the two parties (default the United States and Japan) and the third countries: welfare (real income),
real wage, exports and imports, the bilateral balance in levels before and after, the auto sector's
output and exports, tariff revenue and effective tariff rates. All levels are US$ billions per year at
the model's prices (the dataset is in US$ millions); changes are relative to the dataset's baseline
(``jp-us-2024-baseline`` on ``world2014``: 2014 flows and applied tariffs), under the closure the
scenario states.

Real wage: ŵ / P̂ with P̂ = Ê / Ŵ the change of the consumer price index.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tradetalks.errors import LabelError
from tradetalks.policy.evaluate import PackageResult
from tradetalks.results.counterfactual import CounterfactualResult

AUTO_SECTOR = "motor_vehicles"


@dataclass(frozen=True)
class Metric:
    """One row of the comparison: key, label shown to readers, unit."""

    key: str
    label: str
    unit: str


def _real_wage_pct(res: CounterfactualResult, k: int) -> float:
    ds = res.ds
    w = float(ds["welfare_pct"].values[k]) / 100.0 + 1.0
    e = float(ds["income_new"].values[k] / ds["income_base"].values[k])
    wage = float(ds["wage_hat"].values[k])
    return 100.0 * (wage * w / e - 1.0)


def headline(
    pr: PackageResult, a: str = "USA", b: str = "JPN", sector: str = AUTO_SECTOR
) -> dict[str, float]:
    """Headline figures of one evaluated scenario (see the module docstring for units).

    Keys are ``<country>.<metric>`` for the two parties, ``balance.<a>-<b>.*`` for the bilateral balance
    and ``others.welfare_pct`` (unweighted mean over third countries, Ossa's convention).
    """
    res = pr.result
    c = res.countries
    for x in (a, b):
        if x not in c:
            raise LabelError("country", f"one of {c}", repr(x))
    if sector not in res.sectors:
        raise LabelError("sector", f"one of {res.sectors}", repr(sector))
    ds = res.ds
    s = res.sectors.index(sector)
    out: dict[str, float] = {}
    before, after = res.bilateral_balance(a, b)
    out[f"balance.{a}-{b}.before"] = before / 1e3
    out[f"balance.{a}-{b}.after"] = after / 1e3
    for x, y in ((a, b), (b, a)):
        k, m = c.index(x), c.index(y)
        out[f"{x}.welfare_pct"] = float(ds["welfare_pct"].values[k])
        out[f"{x}.real_wage_pct"] = _real_wage_pct(res, k)
        out[f"{x}.exports_before"] = float(res.exports("base")[k]) / 1e3
        out[f"{x}.exports_after"] = float(res.exports("new")[k]) / 1e3
        out[f"{x}.imports_before"] = float(res.imports("base")[k]) / 1e3
        out[f"{x}.imports_after"] = float(res.imports("new")[k]) / 1e3
        ob, on = ds["output_base"].values[k, s], ds["output_new"].values[k, s]
        out[f"{x}.auto_output_pct"] = 100.0 * float(on / ob - 1.0)
        xb, xn = ds["trade_base"].values[k, m, s], ds["trade_new"].values[k, m, s]
        out[f"{x}.auto_exports_to_{y}_pct"] = 100.0 * float(xn / xb - 1.0) if xb > 0 else float("nan")
        out[f"{x}.revenue_before"] = float(ds["revenue_base"].values[k]) / 1e3
        out[f"{x}.revenue_after"] = float(ds["revenue_new"].values[k]) / 1e3
        out[f"{x}.tariff_on_{y}_statutory_pct"] = pr.effective_rate(x, after=False)[y]
        out[f"{x}.tariff_on_{y}_after_response_pct"] = pr.effective_rate(x, after=True)[y]
    third = [k for k, x in enumerate(c) if x not in (a, b)]
    out["others.welfare_pct"] = float(np.mean(ds["welfare_pct"].values[third])) if third else float("nan")
    return out


ROWS: tuple[tuple[str, str, str], ...] = (
    ("{a}.welfare_pct", "{a} welfare", "%"),
    ("{b}.welfare_pct", "{b} welfare", "%"),
    ("others.welfare_pct", "others' welfare (mean)", "%"),
    ("{a}.real_wage_pct", "{a} real wage", "%"),
    ("{b}.real_wage_pct", "{b} real wage", "%"),
    ("balance.{a}-{b}.after", "{a} balance with {b}", "US$bn"),
    ("{a}.tariff_on_{b}_statutory_pct", "{a} tariff on {b}", "%"),
    ("{a}.tariff_on_{b}_after_response_pct", "  at new flows", "%"),
    ("{b}.tariff_on_{a}_statutory_pct", "{b} tariff on {a}", "%"),
    ("{b}.auto_output_pct", "{b} auto output", "%"),
    ("{b}.auto_exports_to_{a}_pct", "{b} auto exports to {a}", "%"),
    ("{a}.auto_output_pct", "{a} auto output", "%"),
    ("{a}.exports_after", "{a} exports", "US$bn"),
    ("{a}.imports_after", "{a} imports", "US$bn"),
    ("{b}.exports_after", "{b} exports", "US$bn"),
    ("{b}.imports_after", "{b} imports", "US$bn"),
    ("{a}.revenue_after", "{a} tariff revenue", "US$bn"),
    ("{b}.revenue_after", "{b} tariff revenue", "US$bn"),
)
"""Rows of :func:`comparison_frame`: (key template, label, unit). Welfare, wages, auto and tariff-rate
rows are % changes or rates; US$bn rows are levels after the change (the baseline column of a
comparison holds the levels before)."""


def comparison_frame(results: Mapping[str, PackageResult], a: str = "USA", b: str = "JPN") -> pd.DataFrame:
    """Rows = headline metrics (labelled with units); columns: ``unit``, ``before`` (the baseline level of
    US$bn rows, NaN for changes and rates) and one column per scenario, in the given order."""
    heads = {name: headline(pr, a, b) for name, pr in results.items()}
    first = next(iter(heads.values()))
    fmt = {"a": a, "b": b}
    rows = []
    for key, label, unit in ROWS:
        k = key.format(**fmt)
        before_key = k.replace("_after", "_before") if k.endswith("_after") else None
        before = first[before_key] if before_key else float("nan")
        if before_key is None and k.startswith("balance.") and k.endswith(".after"):
            before = first[k[: -len(".after")] + ".before"]
        rows.append(
            {
                "metric": label.format(**fmt),
                "unit": unit,
                "before": before,
                **{n: h[k] for n, h in heads.items()},
            }
        )
    return pd.DataFrame(rows).set_index("metric")


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
    fig.update_xaxes(title_text="sector (WIOD 16)", row=len(names), col=1)
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
    axes[-1, 0].set_xlabel("sector (WIOD 16)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
