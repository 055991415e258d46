"""Parameter types shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path as PathParam
from fastapi import Query

from tradetalks.data import registry
from tradetalks.data.registry import DEFAULT_DATASET
from tradetalks.inputs import MAX_DRAWS, MAX_ID, MAX_PAGE, MAX_SCENARIO_NAME, MAX_SEED

DatasetQ = Annotated[str, Query(pattern=registry.NAME_PATTERN)]
JobId = Annotated[str, PathParam(pattern=r"^[0-9a-f]{32}$")]
RecId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]
Offset = Annotated[int, Query(ge=0, le=MAX_ID)]
ScenarioName = Annotated[str, PathParam(pattern=rf"^[a-z0-9][a-z0-9\-]{{0,{MAX_SCENARIO_NAME - 1}}}$")]
OptId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
DrawsQ = Annotated[int, Query(ge=0, le=MAX_DRAWS, description="issue 13: Monte Carlo draws of the elasticities "
                                                             "for 5-95 % bands (0: none)")]
SeedQ = Annotated[int, Query(ge=0, le=MAX_SEED, description="seed of the draws")]

__all__ = [
    "DEFAULT_DATASET",
    "DatasetQ",
    "DrawsQ",
    "JobId",
    "Limit",
    "Offset",
    "OptId",
    "RecId",
    "ScenarioName",
    "SeedQ",
]
