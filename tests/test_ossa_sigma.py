"""Issue 11 item 7: Ossa's (2014) rescaled elasticities from the CLI, and MFN cooperative tariffs there."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from tradetalks.cli.app import app


@pytest.mark.reference
@pytest.mark.parametrize(("name", "mean"), [("ossa2014-sigma3.5", 3.5), ("ossa2014-sigma5", 5.0),
                                            ("ossa2014-sigma6.5", 6.5)])  # fmt: skip
def test_rescaled_sigma_datasets(reference, name: str, mean: float) -> None:  # type: ignore[no-untyped-def]
    """Ossa's robustness elasticities (sigma_s.csv columns 2–4; SOURCE.md: rescaled to means 3.5, 5.0 and
    6.5, to 1e-6) load by name, keep the sectors' ranking of the main case (a rescaling), and carry no
    political-economy weights (Ossa re-calibrates them per σ; not implemented), so --political-weights is
    refused with a message, not a traceback."""
    main = reference("ossa2014")
    data = reference(name)
    sig = np.asarray(data.param("sigma"))
    assert abs(sig.mean() - mean) < 1e-6
    np.testing.assert_array_equal(np.argsort(sig), np.argsort(np.asarray(main.param("sigma"))))
    assert not data.has("lambda_pol") and main.has("lambda_pol")
    res = CliRunner().invoke(app, ["war", "--dataset", name, "--players", "USA,JPN", "--political-weights"])
    assert res.exit_code == 2 and "lambda_pol" in res.output
