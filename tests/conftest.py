"""Shared fixtures: reference datasets skip when absent, fail when TRADETALKS_REQUIRE_REFERENCE_DATA=1."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tradetalks.data import TradeData, load
from tradetalks.data.registry import available, dataset_folder, info_for, reference_required


def _need(name: str) -> None:
    if available(name):
        return
    folder = info_for(name).folder
    msg = f"reference dataset '{name}' (folder '{folder}') not found; set TRADETALKS_DATA_DIR"
    if reference_required():
        pytest.fail(msg + " (TRADETALKS_REQUIRE_REFERENCE_DATA=1)")
    pytest.skip(msg)


@pytest.fixture
def reference() -> Callable[..., TradeData]:
    """``reference(name, **options)`` loads a reference dataset or skips/fails when it is absent."""

    def _load(name: str, **options: object) -> TradeData:
        _need(name)
        return load(name, **options)

    return _load


@pytest.fixture
def reference_folder() -> Callable[[str], Path]:
    """``reference_folder(name)``: the raw folder of a dataset, for tests reading published tables."""

    def _folder(name: str) -> Path:
        _need(name)
        return dataset_folder(name)

    return _folder
