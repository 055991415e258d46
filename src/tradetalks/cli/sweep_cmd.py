"""``tradetalks sweep run SPEC.toml`` / ``tradetalks sweep show RUN``, and the band table of
``tradetalks evaluate --uncertainty N``.

Thin adapters: parse, call :mod:`tradetalks.sweep`, render rich tables (progress on stderr) or JSON.
Bands are 5–95 % ranges over elasticity draws, named elasticity sets and side-item cases (see
:mod:`tradetalks.sweep.uncertainty`); units as in the headline table (% changes and rates, US$bn levels).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tradetalks.cli.common import console, emit_json, err_console, guard
from tradetalks.errors import OptionError

CLI_THREADS = 1
"""Threads for the CLI's batched solves of bands: 1 (measured on the shared 2-core machine at load 2-5, two
threads gave 1,000 instead of 2,000 solves/s; at load < 3 they gained 17 %; ``benchmarks/bench_sweep.py``)."""

app = typer.Typer(
    help="Sweeps over scenarios x datasets x retaliation x elasticity draws x side items, on Dask.\n\n"
    "Results go to partitioned Parquet with a manifest (data checksums, version, git commit, seed); "
    "running the same spec into the same folder resumes from the finished partitions.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _rows(parties: tuple[str, str], keys: list[str]) -> list[tuple[str, str, str]]:
    """(key, label, unit) of the headline rows, from the outcome report's definitions when available."""
    a, b = parties
    try:
        from tradetalks.policy.outcome import METRICS
    except ImportError:  # pragma: no cover - before the outcome report of issue 9
        from tradetalks.sweep.uncertainty import unit_of

        return [(k, k, unit_of(k)) for k in keys if not k.endswith("_before")]
    out = []
    for m in METRICS:
        k = m.key.format(a=a, b=b)
        if k in keys:
            out.append((k, m.label.format(a=a, b=b), m.unit))
    return out


def _fmt(v: float, unit: str) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    return f"{v:+,.2f}" if "%" in unit else f"{v:,.1f}"


def band_table(u: Any, title: str, over: str = "all", diff: tuple[str, str] | None = None,
               names: dict[str, str] | None = None, parties: tuple[str, str] = ("USA", "JPN")) -> Table:
    """A rich table: one row per headline figure, per scenario ``central [p5, p95]``."""
    names = names or {}
    frames = [u.band_frame(over)] + ([u.band_frame(over, diff)] if diff else [])
    import pandas as pd

    df = pd.concat(frames)
    scen = list(dict.fromkeys(df.index.get_level_values("scenario")))
    metrics = list(dict.fromkeys(df.index.get_level_values("metric")))
    tab = Table(title=title, title_justify="left")
    tab.add_column("")
    tab.add_column("unit")
    for s in scen:
        label = " - ".join(names.get(x, x) for x in s.split(" - "))
        tab.add_column(f"{label}\ncentral [5 %, 95 %]", justify="right", style="bold" if " - " in s else None)
    for key, label, unit in _rows(parties, metrics):
        cells = []
        for s in scen:
            r = df.loc[(s, key)]
            cells.append(f"{_fmt(r['central'], unit)} [{_fmt(r['p5'], unit)}, {_fmt(r['p95'], unit)}]")
        tab.add_row(label, unit, *cells)
    return tab


def render_bands(u: Any, diff: tuple[str, str] | None = None, names: dict[str, str] | None = None) -> None:
    """Print the band table and the line saying what the bands span (for ``evaluate --uncertainty``)."""
    console.print(band_table(u, "Bands (5-95 %) over elasticity draws, sets and side items", "all", diff, names))
    console.print(f"[dim]{u.describe()}; non-converged solves are counted and left out of the bands.[/]")
    for k, note in u.side_notes.items():
        console.print(f"[dim]side items '{k}': {note}[/]")


def bands_for_cli(results: dict[str, Any], n_draws: int, sets: str | None, seed: int,
                  elasticities: str | None = None) -> Any:
    """Bands for ``evaluate --uncertainty N [--elasticity-sets A,B]``: ``None`` when neither is asked for.

    Checks the options (named errors) before solving; the scenarios must share one dataset. The draws are
    centred on the elasticities the scenarios were evaluated with: ``elasticities`` when given, else the
    set whose ``sigma_source`` the results name (found among the dataset's published sets).
    """
    from tradetalks.errors import SweepSpecError
    from tradetalks.sweep.uncertainty import bands_for_evaluation

    names = parse_sets(sets)
    if n_draws == 0 and not names:  # neither draws nor sets asked for
        return None
    if n_draws < 0:
        raise SweepSpecError("--uncertainty", "a whole number of draws >= 0", str(n_draws))
    datasets = {pr.result.dataset for pr in results.values()}
    if len(datasets) != 1:
        raise SweepSpecError("--uncertainty", "scenarios evaluated on one dataset", str(sorted(datasets)))
    source = str(next(iter(results.values())).result.params.get("sigma_source", ""))
    data = _evaluated_data(datasets.pop(), elasticities, source)
    with console.status(f"solving {n_draws} elasticity draws x side items ...", spinner="dots"):
        return bands_for_evaluation(results, data, n_draws, seed=seed, sets=names, threads=CLI_THREADS)


def _evaluated_data(name: str, elasticities: str | None, sigma_source: str) -> Any:
    """The dataset with the elasticities the results were evaluated with (matched by ``sigma_source``)."""
    from tradetalks.data import load
    from tradetalks.errors import SweepSpecError
    from tradetalks.sweep.draws import available_sets

    if elasticities is not None:
        from tradetalks.data.elasticities import load_with_elasticities

        return load_with_elasticities(name, elasticities)
    data = load(name)
    if not sigma_source or str(data.attrs.get("sigma_source", "")) == sigma_source:
        return data
    from tradetalks.data.elasticities import load_with_elasticities

    for s in available_sets(name):
        d = load_with_elasticities(name, s)
        if str(d.attrs.get("sigma_source", "")) == sigma_source:
            return d
    raise SweepSpecError("--uncertainty", f"the elasticities the scenarios were evaluated with on '{name}'",
                         f"an unknown source {sigma_source!r}")


def band_columns(df: Any, u: Any, diff: tuple[str, str] | None = None,
                 parties: tuple[str, str] = ("USA", "JPN")) -> Any:
    """The headline table with ``<scenario> p5`` / ``p95`` columns (and the difference's) for CSV export."""
    import pandas as pd

    frames = [u.band_frame("all")] + ([u.band_frame("all", diff)] if diff else [])
    bands = pd.concat(frames)
    label_key = {label: key for key, label, _ in _rows(parties, list(dict.fromkeys(
        bands.index.get_level_values("metric"))))}
    out = df.copy()
    for scen in dict.fromkeys(bands.index.get_level_values("scenario")):
        for col in ("p5", "p95"):
            out[f"{scen} {col}"] = [bands[col].get((scen, label_key[lab]), float("nan")) if lab in label_key
                                    else float("nan") for lab in out.index]
    out.attrs["bands"] = u.describe()
    return out


def bargain_bands(space: Any, x: Any, nodeal: Any, n_draws: int, data: Any = None, seed: int = 0) -> Any:
    """Bands of a solved bargaining package (``tradetalks bargain --uncertainty N``): its objectives, gains
    over the no-deal point, welfare and balance re-evaluated over N elasticity draws and the dataset's
    published sets (:func:`tradetalks.sweep.bargain_bands.package_bands`); ``None`` when N = 0."""
    if not n_draws:
        return None
    from tradetalks.sweep.bargain_bands import package_bands

    return package_bands(space, x, nodeal.tariff, n_draws, seed=seed, data=data)


def print_bargain_bands(bands: Any) -> None:
    """The table of :func:`bargain_bands` (nothing when ``None``)."""
    if bands is None:
        return
    df = bands.frame
    sets = (f", sets {', '.join(bands.sets)}" if bands.sets else "") + (
        f", side items {'/'.join(bands.side_cases)}" if bands.side_cases else "")
    tab = Table(title=f"The package over {bands.n_draws} elasticity draws (seed {bands.seed}; {bands.dispersion})"
                      f"{sets}: central [5 %, 95 %]")
    for col in ("figure", "unit", "central [p5, p95]", "converged"):
        tab.add_column(col, justify="left" if col in ("figure", "unit") else "right")
    for metric, r in df.iterrows():
        def f(v: float, unit: str = str(r["unit"])) -> str:
            return _fmt(v, unit) if unit == "US$bn" else ("n/a" if math.isnan(v) else f"{v:+.4f}")

        tab.add_row(str(metric), str(r["unit"]), f"{f(r['central'])} [{f(r['p5'])}, {f(r['p95'])}]",
                    f"{int(r['n_converged'])}/{int(r['n'])}")
    console.print(tab)


def parse_sets(text: str | None) -> tuple[str, ...] | None:
    """``"CP,IS"`` -> ("CP", "IS"); ``"none"`` -> (); not given -> ``None`` (every set the dataset carries)."""
    if text is None:
        return None
    if text.strip().lower() == "none":
        return ()
    return tuple(s.strip() for s in text.split(",") if s.strip())


@app.command("run")
@guard
def run_cmd(
    spec_file: Annotated[Path, typer.Argument(help="Sweep spec (TOML; see `tradetalks.sweep.spec`).")],
    out: Annotated[Path | None, typer.Option("--out", help="Run folder (default: runs/<spec name>).")] = None,
    scheduler: Annotated[
        str, typer.Option("--scheduler", help="'local' (a LocalCluster for this run), 'none' (in this "
                          "process) or the address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786.")
    ] = "local",
    workers: Annotated[int, typer.Option("--workers", min=1, max=256, help="Workers of the LocalCluster.")] = 2,
    threads: Annotated[bool, typer.Option("--threads", help="LocalCluster of threads instead of processes.")]
    = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the run statistics as JSON.")] = False,
) -> None:
    """Run (or resume) a sweep: partitions of batched solves on Dask, streamed to Parquet."""
    from tradetalks.sweep.run import run_sweep
    from tradetalks.sweep.spec import load_spec

    spec = load_spec(spec_file)
    folder = out or Path("runs") / spec.name
    sched = None if scheduler == "none" else scheduler
    if sched is not None and sched != "local" and "://" not in sched:
        raise OptionError("--scheduler", "'local', 'none' or an address like tcp://host:8786", scheduler)
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=err_console, transient=True) as prog:
        task = prog.add_task(f"sweep {spec.name}", total=None)

        def cb(stats: Any, done: int, total: int) -> None:
            prog.update(task, completed=done, total=total)

        stats = run_sweep(spec, folder, scheduler=sched, n_workers=workers, processes=not threads, on_partition=cb)
    if as_json:
        emit_json(stats.__dict__)
        return
    console.print(
        f"sweep '{spec.name}' -> {stats.path}: {stats.partitions} partitions ({stats.computed} computed, "
        f"{stats.skipped} already finished), {stats.solves} solves, {stats.converged} converged, "
        f"{stats.seconds:.1f} s. `tradetalks sweep show {stats.path}` summarises it."
    )


@app.command("show")
@guard
def show_cmd(
    run: Annotated[Path, typer.Argument(help="Run folder written by `tradetalks sweep run`.")],
    over: Annotated[str, typer.Option(help="Band source: all, mc, sets or side.")] = "all",
    as_json: Annotated[bool, typer.Option("--json", help="Print the manifest and bands as JSON.")] = False,
) -> None:
    """Summarise a run: manifest (data checksums, commit, seed), progress, and bands per dataset and
    retaliation mode, with the difference of the first two scenarios."""
    from tradetalks.sweep.run import open_run
    from tradetalks.sweep.uncertainty import BAND_SOURCES

    if over not in BAND_SOURCES:
        raise OptionError("--over", BAND_SOURCES, over)
    r = open_run(run)
    spec = r.spec
    done = r.finished()
    diff = (spec.scenarios[0], spec.scenarios[1]) if len(spec.scenarios) > 1 else None
    diff = tuple(Path(s).stem if s.endswith(".toml") else s for s in diff) if diff else None  # type: ignore[assignment]
    results = {}
    if done:
        from tradetalks.errors import SweepRunError

        for d in spec.datasets:
            for ret in spec.retaliation:
                try:
                    results[(d, ret)] = r.uncertainty(d, ret)
                except SweepRunError:  # nothing finished yet for this pair (a run in progress)
                    continue
    if as_json:
        emit_json({"manifest": r.manifest, "finished": len(done),
                   "bands": {f"{d}/{ret}": u.summary_dict(diff) for (d, ret), u in results.items()}})
        return
    m = r.manifest
    console.print(f"[bold]sweep '{m['name']}'[/] at {r.path}: {len(done)} of {len(m['partitions'])} partitions "
                  f"finished; seed {m['seed']}; tradetalks {m['package_version']} (git {m['git_commit'][:10]}); "
                  f"created {m['created']}")
    for d, info in m["data"].items():
        console.print(f"[dim]data {d}: {info['checksum'][:19]}...[/]")
    for (d, ret), u in results.items():
        console.print(band_table(u, f"{d}, retaliation {ret}: bands over '{over}'", over, diff,  # type: ignore[arg-type]
                                 parties=tuple(spec.parties)))  # type: ignore[arg-type]
        console.print(f"[dim]{u.describe()}[/]")
