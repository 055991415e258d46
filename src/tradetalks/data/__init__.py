"""Data layer: :class:`TradeData`, validation, readers of the reference datasets, bundled data."""

from tradetalks.data.registry import DATASETS, available, load, reference_dir
from tradetalks.data.tradedata import TradeData

__all__ = ["DATASETS", "TradeData", "available", "load", "reference_dir"]
