"""Content hash of a dataset, so that a stored evaluation run names exactly the data it used.

``dataset_version(data)`` is ``"sha256:" + hexdigest`` of a canonical byte stream:

    for each field f in (trade, tariff, sigma, theta):
        f.name, then either b"absent" or  dtype "<f8" + shape + the C-ordered little-endian float64 bytes
    then the country labels and the sector labels (UTF-8, NUL-separated)

Fields are separated by NUL bytes; shape is written as decimal text. Two datasets get the same version
iff (up to SHA-256 collisions) their labels, shapes and the bit patterns of those four arrays agree, so
a re-read of the same files gives the same version and any edit of a flow, tariff or elasticity gives
another. Attributes (name, citation, ...) and other variables are deliberately not hashed.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from tradetalks.data.tradedata import TradeData

HASHED_FIELDS: tuple[str, ...] = ("trade", "tariff", "sigma", "theta")
PREFIX = "sha256:"


def dataset_version(data: TradeData) -> str:
    """Content hash of a dataset's trade, tariff, sigma and theta arrays and its labels.

    Parameters
    ----------
    data
        A validated :class:`tradetalks.data.TradeData`.

    Returns
    -------
    str
        ``"sha256:"`` followed by 64 lowercase hex digits (see the module docstring for the byte stream).
    """
    h = hashlib.sha256()
    for name in HASHED_FIELDS:
        h.update(name.encode() + b"\0")
        if name not in data.ds.data_vars:
            h.update(b"absent\0")
            continue
        arr = np.ascontiguousarray(np.asarray(data.ds[name].values, dtype="<f8"))
        h.update(b"<f8\0" + ",".join(str(n) for n in arr.shape).encode() + b"\0")
        h.update(arr.tobytes(order="C"))
        h.update(b"\0")
    h.update("\0".join(data.countries).encode() + b"\0\0")
    h.update("\0".join(data.sectors).encode() + b"\0")
    return PREFIX + h.hexdigest()
