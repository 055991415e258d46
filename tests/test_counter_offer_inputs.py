"""``tradetalks counter-offer`` refuses offer values that are not finite numbers ≥ 0 with a named error and
exit code 2 before any solve (issue 15's "NaN passes > 0 checks": ``float('nan')`` used to be clipped into
the package unchanged). The web takes the same items through the same parser
(:func:`tradetalks.bargain.advisor.parse_offer`; see ``tests/test_web_bargain_jobs.py``)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tradetalks.cli.app import app


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("nan", "NonFiniteError"),
        ("inf", "NonFiniteError"),
        ("-5", "BoundsError"),
        ("1.2.3", "NumberFormatError"),
    ],
)
def test_counter_offer_refuses_non_numbers(value: str, error: str) -> None:
    res = CliRunner().invoke(
        app,
        [
            "counter-offer",
            "--dataset",
            "world2014",
            "-i",
            "USA:all",
            "-i",
            "JPN:all",
            "--offer",
            f"USA:all={value}",
        ],
    )
    assert res.exit_code == 2, res.output
    assert error in res.output and "--offer USA:all" in res.output
    assert "Traceback" not in res.output


def test_no_instruments_is_a_named_error() -> None:
    """An empty instrument list (the web's ``instruments: []``) is a SpecError, not an optimiser crash."""
    from tradetalks.bargain.space import instruments_for
    from tradetalks.data import load
    from tradetalks.errors import SpecError

    with pytest.raises(SpecError, match="at least one"):
        instruments_for(load("world2014"), "USA", "JPN", [])
