"""Parameter types shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path as PathParam
from fastapi import Query

from tradetalks.data.registry import DEFAULT_DATASET
from tradetalks.inputs import MAX_ID

DatasetQ = Annotated[str, Query(pattern=r"^[a-z0-9][a-z0-9\-]{0,39}$")]
JobId = Annotated[str, PathParam(pattern=r"^[0-9a-f]{32}$")]
RecId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=MAX_ID)]
ScenarioName = Annotated[str, PathParam(pattern=r"^[a-z0-9][a-z0-9\-]{0,63}$")]
OptId = Annotated[int | None, Query(ge=1, le=MAX_ID)]

__all__ = [
    "DEFAULT_DATASET",
    "DatasetQ",
    "JobId",
    "Limit",
    "Offset",
    "OptId",
    "RecId",
    "ScenarioName",
]
