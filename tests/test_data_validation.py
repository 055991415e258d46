"""One test per validation rule of TradeData (DESIGN.md §3, issue 2 item 4).

Each test breaks one rule in a small valid dataset and asserts the named error class and that the
message names the field and the offending labels (and the value where there is one).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import xarray as xr

from tradetalks.data import TradeData
from tradetalks.errors import (
    ElasticityError,
    LabelError,
    MissingDomesticSalesError,
    MissingValueError,
    NegativeFlowError,
    ShapeError,
    ShareError,
    TariffRangeError,
    ValidationError,
)

C = ["USA", "JPN", "CHN"]
S = ["autos", "steel"]


def _arrays() -> dict[str, Any]:
    trade = np.array(
        [
            [[100.0, 50.0], [10.0, 5.0], [8.0, 4.0]],
            [[30.0, 2.0], [80.0, 40.0], [6.0, 3.0]],
            [[20.0, 9.0], [7.0, 1.0], [90.0, 60.0]],
        ]
    )
    tariff = np.full((3, 3, 2), 0.05)
    tariff[np.arange(3), np.arange(3), :] = 0.0
    io = np.full((3, 2, 2), 0.5)
    return {
        "trade": trade,
        "tariff": tariff,
        "sigma": np.array([4.0, 6.0]),
        "theta": np.array([3.0, 5.0]),
        "io_share": io,
        "va_share": np.full((3, 2), 0.4),
        "final_share": np.array([[0.3, 0.7]] * 3),
    }


def _build(**changes: Any) -> TradeData:
    a = _arrays()
    a.update(changes)
    trade = a.pop("trade")
    tariff = a.pop("tariff")
    return TradeData.from_arrays(trade, changes.pop("countries", C), S, tariff, **a)


def _msg(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return str(exc.value)


def test_valid_example_builds() -> None:
    """The unbroken example is valid (so each failure below is due to its one change)."""
    td = _build()
    assert td.countries == C and td.sectors == S


def test_negative_flow() -> None:
    trade = _arrays()["trade"]
    trade[1, 0, 0] = -3.0
    with pytest.raises(NegativeFlowError) as exc:
        _build(trade=trade)
    assert exc.value.field == "trade"
    assert "(JPN, USA, autos)=-3" in _msg(exc)


def test_nan_flow() -> None:
    trade = _arrays()["trade"]
    trade[2, 1, 1] = np.nan
    with pytest.raises(MissingValueError) as exc:
        _build(trade=trade)
    assert exc.value.field == "trade"
    assert "(CHN, JPN, steel)=nan" in _msg(exc)


def test_missing_domestic_sales() -> None:
    trade = _arrays()["trade"]
    trade[1, 1, :] = 0.0
    with pytest.raises(MissingDomesticSalesError) as exc:
        _build(trade=trade)
    assert exc.value.field == "trade"
    assert "JPN" in _msg(exc) and "domestic" in _msg(exc)


def test_duplicate_labels() -> None:
    with pytest.raises(LabelError) as exc:
        TradeData.from_arrays(_arrays()["trade"], ["USA", "JPN", "USA"], S)
    assert exc.value.field == "exporter"
    assert "duplicates ['USA']" in _msg(exc)


def test_mismatched_labels() -> None:
    a = _arrays()
    ds = xr.Dataset(
        {
            "trade": (("exporter", "importer", "sector"), a["trade"]),
            "tariff": (("exporter", "importer", "sector"), a["tariff"]),
        },
        coords={"exporter": C, "importer": ["USA", "CHN", "JPN"], "sector": S},
    )
    with pytest.raises(LabelError) as exc:
        TradeData(ds)
    assert exc.value.field == "importer"
    assert "'CHN', 'JPN'" in _msg(exc) and "exporter" in _msg(exc)


def test_shape_mismatch() -> None:
    with pytest.raises(ShapeError) as exc:
        _build(tariff=np.zeros((3, 3, 3)))
    assert exc.value.field == "trade"
    assert "(3, 3, 2)" in _msg(exc)


def test_shape_mismatch_sigma() -> None:
    with pytest.raises(ShapeError) as exc:
        _build(sigma=np.array([4.0, 5.0, 6.0]))
    assert exc.value.field == "trade" and "sector" in _msg(exc)


def test_tariff_negative() -> None:
    tariff = _arrays()["tariff"]
    tariff[0, 1, 1] = -0.1
    with pytest.raises(TariffRangeError) as exc:
        _build(tariff=tariff)
    assert exc.value.field == "tariff"
    assert "(USA, JPN, steel)=-0.1" in _msg(exc) and "[0.0, 10.0]" in _msg(exc)


def test_tariff_above_ten() -> None:
    tariff = _arrays()["tariff"]
    tariff[2, 0, 0] = 12.5
    with pytest.raises(TariffRangeError) as exc:
        _build(tariff=tariff)
    assert exc.value.field == "tariff"
    assert "(CHN, USA, autos)=12.5" in _msg(exc)


def test_nonzero_diagonal_tariff() -> None:
    tariff = _arrays()["tariff"]
    tariff[1, 1, 0] = 0.02
    with pytest.raises(TariffRangeError) as exc:
        _build(tariff=tariff)
    assert exc.value.field == "tariff"
    assert "diagonal" in _msg(exc) and "(JPN, JPN, autos)=0.02" in _msg(exc)


@pytest.mark.parametrize(("var", "value"), [("sigma", 1.0), ("sigma", 0.5), ("theta", 0.0), ("theta", -2.0)])
def test_nonpositive_elasticity(var: str, value: float) -> None:
    """sigma must exceed 1 and theta 0."""
    arr = _arrays()[var]
    arr[1] = value
    with pytest.raises(ElasticityError) as exc:
        _build(**{var: arr})
    assert exc.value.field == var
    assert f"(steel)={value:g}" in _msg(exc)


def test_io_shares_not_summing_to_one() -> None:
    io = _arrays()["io_share"]
    io[2, 0, 1] = 0.7  # CHN, input autos, using sector steel: column sums to 1.2
    with pytest.raises(ShareError) as exc:
        _build(io_share=io)
    assert exc.value.field == "io_share"
    assert "(CHN, steel)=1.2" in _msg(exc) and "input_sector" in _msg(exc)


def test_final_shares_not_summing_to_one() -> None:
    fs = _arrays()["final_share"]
    fs[0] = [0.3, 0.6]
    with pytest.raises(ShareError) as exc:
        _build(final_share=fs)
    assert exc.value.field == "final_share"
    assert "(USA)=0.9" in _msg(exc)


def test_va_share_out_of_range() -> None:
    va = _arrays()["va_share"]
    va[1, 0] = 1.5
    with pytest.raises(ShareError) as exc:
        _build(va_share=va)
    assert exc.value.field == "va_share" and "(JPN, autos)=1.5" in _msg(exc)


def test_country_sector_variable_must_be_finite() -> None:
    """Further (country, sector) variables such as lambda_pol are checked for NaN."""
    lam = np.ones((3, 2))
    lam[0, 1] = np.inf
    a = _arrays()
    with pytest.raises(MissingValueError) as exc:
        TradeData.from_arrays(a["trade"], C, S, a["tariff"], country_sector={"lambda_pol": lam})
    assert exc.value.field == "lambda_pol" and "(USA, steel)=inf" in _msg(exc)


def test_validation_runs_on_load(tmp_path: Any) -> None:
    """A saved file edited to break a rule fails on load with the named error."""
    td = _build()
    ds = td.to_dataset()
    ds["trade"].values[0, 2, 0] = -1.0
    path = tmp_path / "bad.nc"
    ds.to_netcdf(path)
    with pytest.raises(NegativeFlowError, match=r"\(USA, CHN, autos\)=-1"):
        TradeData.load(path)
