"""One no-deal point per kind across entry points (issue 9 "one deal, one answer", issue 11 item 1).

The web's frontier request (``web.services``) and the CLI's ``frontier --no-deal KIND`` must build the same
no-deal point: both go through :func:`tradetalks.bargain.problem.nodeal_point`. The point's payoffs do not
depend on the instruments of the space (they are the objectives at the no-deal tariffs), so the desk's
three-instrument space and the CLI's default space must agree. Tolerance 1e-7 in objective units
(100 ln Ĝ): the web calibrates its baseline with the evaluation's solver options, the CLI with the defaults.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from tradetalks.cli.app import app
from tradetalks.web import schemas, services

KINDS = ("status-quo", "escalation", "bilateral-war")  # the kinds the web offers (schemas.NoDealName)


@pytest.mark.parametrize("kind", KINDS)
def test_web_and_cli_no_deal_points_agree(kind: str) -> None:
    spec = schemas.FrontierSpec.model_validate({"nodeal": kind})
    web = services._nodeal(services._space(spec), spec)
    assert web.name == kind
    res = CliRunner().invoke(app, ["frontier", "--parties", "USA,JPN", "--no-deal", kind, "--points", "2", "--json"])
    assert res.exit_code == 0, res.output
    cli = json.loads(res.output)["no_deal"]
    assert cli["name"] == kind
    np.testing.assert_allclose(web.u, cli["u"], rtol=0, atol=1e-7)
