"""The ``tradetalks`` command line: thin adapters (parse -> one library call -> render).

Units and orientation everywhere: trade values at pre-tariff prices in US$ millions (unless a
dataset says otherwise); ``trade[exporter, importer, sector]``; tariffs are imposed by the importer,
shown in percent.
"""

from __future__ import annotations

import typer

from tradetalks.cli import (
    bargain_cmd,
    common,
    data_cmd,
    evaluate_cmd,
    global_cmd,
    model_cmd,
    policy_cmd,
    record_cmd,
    serve_cmd,
    sweep_cmd,
)

app = typer.Typer(
    name="tradetalks",
    help=(
        "Quantitative analysis of tariff negotiations (flagship: the 2025-26 Japan-US talks).\n\n"
        "Trade values are at pre-tariff prices, US$ millions unless a dataset says otherwise; "
        "flows are oriented exporter -> importer; a tariff is imposed by the importer on the "
        "exporter's goods and is printed in percent."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.callback()(common.root_options)  # --debug (issue 15: tracebacks only on request)
app.add_typer(data_cmd.app, name="data")
app.command("demo")(evaluate_cmd.demo)
app.command("evaluate")(evaluate_cmd.evaluate_cmd)
app.command("solve")(model_cmd.solve_cmd)
app.command("optimal-tariff")(model_cmd.optimal_tariff_cmd)
policy_cmd.register(app)  # timeline, scenarios, tariffs
bargain_cmd.register(app)
app.command("serve")(serve_cmd.serve_cmd)  # web service (imports FastAPI only when run)
app.add_typer(record_cmd.app, name="record")  # negotiation record
global_cmd.register(app)  # issue 12: global tariff wars, US scenarios, one-sector 194-economy model
app.add_typer(sweep_cmd.app, name="sweep")  # sweeps on Dask, Parquet runs (issue 13)


def main() -> None:
    """Console-script entry point."""
    app()
