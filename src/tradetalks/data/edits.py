"""Tariff edits: "importer:exporter:sector=rate" rules applied to a dataset's tariff array.

One rule sets (``=``) or adds to (``+=``) the tariff that ``importer`` imposes on ``exporter``'s goods in
``sector``; each part may be ``*`` (all; never the diagonal). Rates are in **percent** (27.5 = 27.5 %), as
users quote them; the result is a fraction array in the orientation of DESIGN.md §3. Rules apply in order.

A CSV file of rules has columns ``importer, exporter, sector, tariff_pct`` (sets) and optionally ``op``
(``set`` or ``add``).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradetalks.data.tradedata import TradeData
from tradetalks.data.validation import TARIFF_MAX
from tradetalks.errors import BoundsError, FileFormatError, LabelError, TariffRangeError
from tradetalks.inputs import MAX_LIST, PCT_MAX, check_range, parse_float, read_text

FloatArray = npt.NDArray[np.float64]

_RULE = re.compile(r"^\s*([^:=+\s]+)\s*:\s*([^:=+\s]+)\s*:\s*([^:=+\s]+)\s*(\+?=)\s*([-+0-9.eE]+)\s*%?\s*$")


@dataclass(frozen=True)
class TariffEdit:
    """One rule: ``importer`` on ``exporter`` in ``sector``: set or add ``pct`` percent."""

    importer: str
    exporter: str
    sector: str
    pct: float
    op: Literal["set", "add"] = "set"

    @classmethod
    def parse(cls, text: str) -> TariffEdit:
        """Parse ``"USA:JPN:motor_vehicles=27.5"`` or ``"USA:*:*+=10"``.

        Raises
        ------
        FileFormatError
            The text is not of that form.
        """
        m = _RULE.match(text)
        if not m:
            raise FileFormatError(
                f"tariff rule: expected 'IMPORTER:EXPORTER:SECTOR=PCT' or '...+=PCT' (parts may be '*'); "
                f"found {text!r}"
            )
        imp, exp, sec, op, val = m.groups()
        pct = parse_float(val, f"tariff rule {text.strip()[:80]!r}: rate in percent", lo=-PCT_MAX, hi=PCT_MAX)
        return cls(imp, exp, sec, pct, "add" if op == "+=" else "set").checked()

    def checked(self) -> TariffEdit:
        """This rule if its parts make sense: finite rate within ±1000 %, importer ≠ exporter.

        Raises
        ------
        LabelError
            A self-pair (a country cannot levy a tariff on its own goods).
        NonFiniteError, BoundsError
            A NaN/inf or out-of-range rate.
        """
        check_range(
            self.pct, f"tariff rule {self.importer}:{self.exporter}:{self.sector}", lo=-PCT_MAX, hi=PCT_MAX
        )
        if self.importer != "*" and self.importer == self.exporter:
            raise LabelError(
                "tariff rule",
                "an importer different from the exporter (the diagonal is domestic sales, never tariffed)",
                f"{self.importer}:{self.exporter}:{self.sector}",
            )
        return self


def read_edits(path: str | Path) -> list[TariffEdit]:
    """Read rules from a CSV file (columns importer, exporter, sector, tariff_pct[, op])."""
    p = Path(path)
    if not p.is_file():
        raise FileFormatError(f"tariff file: expected an existing CSV file; found no file at '{p}'")
    text = read_text(p, "tariff file")
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, nrows=MAX_LIST + 1)
    except (ValueError, pd.errors.ParserError) as exc:
        raise FileFormatError(f"'{p}': expected CSV; {exc}") from exc
    if len(df) > MAX_LIST:
        raise BoundsError("tariff file", f"at most {MAX_LIST} rules", f"more in '{p}'")
    need = {"importer", "exporter", "sector", "tariff_pct"}
    if not need <= set(df.columns):
        raise FileFormatError(f"'{p}': expected columns {sorted(need)}; found {list(df.columns)}")
    out = []
    for k, row in df.iterrows():
        op = str(row.get("op", "set") or "set").strip()
        if op not in ("set", "add"):
            raise FileFormatError(f"'{p}' row {k}: op: expected 'set' or 'add'; found {op!r}")
        pct = parse_float(row["tariff_pct"], f"'{p}' row {k}: tariff_pct", lo=-PCT_MAX, hi=PCT_MAX)
        out.append(
            TariffEdit(
                str(row["importer"]).strip(),
                str(row["exporter"]).strip(),
                str(row["sector"]).strip(),
                pct,
                "add" if op == "add" else "set",
            ).checked()
        )
    return out


def _pick(labels: list[str], key: str, what: str) -> list[int]:
    if key == "*":
        return list(range(len(labels)))
    if key not in labels:
        raise LabelError(what, f"one of {labels} or '*'", repr(key))
    return [labels.index(key)]


def apply_edits(data: TradeData, edits: Iterable[TariffEdit], base: FloatArray | None = None) -> FloatArray:
    """New tariff array (fractions) after applying the rules in order to ``base`` (default the data's).

    Raises
    ------
    LabelError
        Unknown country or sector label.
    TariffRangeError
        A resulting tariff outside [0, 10] (0–1000 %).
    """
    t = np.array(data.tariff if base is None else base, dtype=float)
    c, s = data.countries, data.sectors
    for e in edits:
        e.checked()
        ii = _pick(c, e.exporter, "exporter")
        jj = _pick(c, e.importer, "importer")
        ss = _pick(s, e.sector, "sector")
        for j in jj:
            for i in ii:
                if i == j:
                    continue
                if e.op == "set":
                    t[i, j, ss] = e.pct / 100.0
                else:
                    t[i, j, ss] += e.pct / 100.0
    bad = (t < 0) | (t > TARIFF_MAX)
    if bad.any():
        i, j, k = np.argwhere(bad)[0]
        raise TariffRangeError(
            "tariff",
            f"rates in [0, {100 * TARIFF_MAX:.0f}] %",
            f"{100 * t[i, j, k]:.4g} % on ({c[i]} -> {c[j]}, {s[k]}) after the edits",
        )
    return t
