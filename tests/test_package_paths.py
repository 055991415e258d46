"""One deal, one answer (issue 9): every entry point builds the one ``Package`` and gives the same figures.

Identity tests (no published figure is involved): the same package evaluated through the Python API, a
TOML file through the CLI, a web desk request, the scenario endpoint and the re-evaluation of a stored
offer gives the same headline figures to 1e-9 (relative, absolute floor 1e-9), because all of them go
through :func:`tradetalks.policy.package.package_tariffs` and :func:`tradetalks.policy.evaluate.evaluate`
with one set of solver options.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tradetalks.cli.app import app as cli
from tradetalks.data import load
from tradetalks.errors import SpecError
from tradetalks.policy.evaluate import evaluate
from tradetalks.policy.outcome import outcome
from tradetalks.policy.package import Package, TariffMeasure, package_tariffs
from tradetalks.policy.scenarios import builtin_spec
from tradetalks.vocabulary import DEFAULT_DATASET
from tradetalks.web import schemas, services
from tradetalks.web.app import create_app
from tradetalks.web.desk import desk_package

TOKEN = "test-token-h9-paths"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
STATIC = Path(services.__file__).parent / "static"

DESK: dict[str, dict[str, object]] = {
    "deal": {"base": "jp-us-deal"},
    "no-deal": {"base": "jp-us-no-deal"},
    "autos-and-cut": {"us_auto_tariff_pct": 27.5, "jp_tariff_change_pp": -1.0},
    "level-and-pledge": {"us_reciprocal_pct": 10, "reciprocal_stacking": "all-in",
                         "purchases_agriculture_usd_bn": 20, "purchase_meaning": "level",
                         "investment_usd_bn": 100, "investment_years": 5, "investment_mode": "capital-flow"},
    "april-energy-rule": {"base": "jp-us-2025-04", "purchases_energy_usd_bn": 7,
                          "extra_rules": ["USA:CHN:*+=5"]},
}
"""The deal, the no-deal scenario and three hand-built packages, as desk requests."""

FIELDS = ("welfare_pct", "welfare_ev_usd_bn", "real_wage_pct", "wage_pct", "auto_output_pct",
          "exports_after", "imports_after", "revenue_after")


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def figures_from_outcome(o: dict[str, object]) -> dict[str, float]:
    """Headline figures from an outcome dictionary (``Outcome.as_dict``)."""
    h = o["headline"]
    assert isinstance(h, dict)
    out = {"balance": float(h["balance.USA-JPN.after"])}
    for c in ("USA", "JPN"):
        row = o["countries"][c]  # type: ignore[index]
        for f in FIELDS:
            out[f"{c}.{f}"] = float(row[f])
    return out


def figures_from_impact(im: dict[str, object]) -> dict[str, float]:
    """The same figures from the web's impact JSON."""
    out = {"balance": float(im["balance_after_usd_bn"])}  # type: ignore[arg-type]
    names = {"exports_after": "exports_new_usd_bn", "imports_after": "imports_new_usd_bn",
             "revenue_after": "revenue_new_usd_bn", "welfare_ev_usd_bn": "welfare_ev_usd_bn"}
    for c, side in (("USA", "us"), ("JPN", "jp")):
        for f in FIELDS:
            out[f"{c}.{f}"] = float(im[side][names.get(f, f)])  # type: ignore[index]
    return out


def assert_same(a: dict[str, float], b: dict[str, float], where: str) -> None:
    assert a.keys() == b.keys()
    bad = {k: (a[k], b[k]) for k in a if not close(a[k], b[k])}
    assert not bad, f"{where}: {bad}"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = Path(tmp_path_factory.mktemp("paths")) / "record.sqlite3"
    with TestClient(create_app(api_token=TOKEN, database_url=f"sqlite:///{db}"),
                    base_url="http://localhost", client=("127.0.0.1", 50001)) as c:
        yield c


@pytest.fixture(scope="module")
def packages() -> dict[str, Package]:
    return {k: desk_package(schemas.PackageSpec.model_validate(v)) for k, v in DESK.items()}


@pytest.fixture(scope="module")
def api_figures(packages: dict[str, Package]) -> dict[str, dict[str, float]]:
    d = load(DEFAULT_DATASET)
    return {k: figures_from_outcome(outcome(evaluate(p, d)).as_dict()) for k, p in packages.items()}


def test_builtin_packages_are_the_scenarios(packages: dict[str, Package]) -> None:
    """The desk's base-only requests are the built-in scenarios' packages, field for field (apart from the name)."""
    for key, name in (("deal", "jp-us-deal"), ("no-deal", "jp-us-no-deal")):
        want = Package.from_spec(builtin_spec(name))
        got = packages[key]
        assert got.tariffs == want.tariffs and got.purchases == want.purchases and got.pledges == want.pledges
        assert got.base_date == want.base_date and got.options == want.options
        assert (got.measures_on, got.measures_off) == (want.measures_on, want.measures_off)


def test_payload_and_toml_round_trip(packages: dict[str, Package], tmp_path: Path) -> None:
    """``from_payload(to_payload())`` and a TOML file give the same package and the same tariff matrix."""
    d = load(DEFAULT_DATASET)
    for key, p in packages.items():
        q = Package.from_payload(json.loads(json.dumps(p.to_payload())))
        f = tmp_path / f"{key}.toml"
        f.write_text(p.to_toml(), encoding="utf-8")
        from tradetalks.policy.spec import load_spec

        r = Package.from_spec(load_spec(f))
        for other in (q, r):
            assert other.tariffs == p.tariffs and other.purchases == p.purchases and other.pledges == p.pledges
            np.testing.assert_array_equal(package_tariffs(other, d).matrix, package_tariffs(p, d).matrix)


def test_every_entry_point_agrees(client: TestClient, packages: dict[str, Package],
                                  api_figures: dict[str, dict[str, float]], tmp_path: Path) -> None:
    """Python API = TOML file through the CLI = web desk = stored offer (both payload forms), to 1e-9."""
    runner = CliRunner()
    for key, p in packages.items():
        want = api_figures[key]
        f = tmp_path / f"{key}.toml"
        f.write_text(p.to_toml(), encoding="utf-8")
        res = runner.invoke(cli, ["evaluate", str(f), "--json"])
        assert res.exit_code == 0, res.output
        doc = json.loads(res.output)
        assert_same(figures_from_outcome(doc["scenarios"][p.name]["outcome"]), want, f"{key}: CLI TOML")
        r = client.post("/api/package/evaluate", json=DESK[key], headers=AUTH)
        assert r.status_code == 200, r.text
        assert_same(figures_from_impact(r.json()), want, f"{key}: web desk")
        for stored in ({"package": p.to_payload()}, {"web_package": DESK[key]}):
            im = services.evaluate_offer(json.loads(json.dumps(stored))).model_dump()
            assert_same(figures_from_impact(im), want, f"{key}: stored offer {next(iter(stored))}")


def test_scenario_endpoint_and_cli_name_agree(client: TestClient, api_figures: dict[str, dict[str, float]]) -> None:
    """The deal preset (a desk request ``{"base": "jp-us-deal"}``) shows what ``tradetalks evaluate
    jp-us-deal`` prints, and the scenario endpoint gives the same (deal and no deal)."""
    runner = CliRunner()
    for key, name in (("deal", "jp-us-deal"), ("no-deal", "jp-us-no-deal")):
        res = runner.invoke(cli, ["evaluate", name, "--json"])
        assert res.exit_code == 0, res.output
        cli_fig = figures_from_outcome(json.loads(res.output)["scenarios"][name]["outcome"])
        assert_same(cli_fig, api_figures[key], f"{name}: CLI by name")
        r = client.post(f"/api/scenarios/{name}/evaluate", headers=AUTH)
        assert r.status_code == 200, r.text
        assert_same(figures_from_impact(r.json()["impact"]), cli_fig, f"{name}: scenario endpoint")


def test_deal_preset_is_the_scenario() -> None:
    """The desk's "July 2025 deal" button sends the built-in deal as the base, with no slider override."""
    js = (STATIC / "app.js").read_text(encoding="utf-8")
    bases = re.search(r"const BASES = (\{[^}]*\})", js)
    assert bases is not None
    assert json.loads(bases.group(1))["p-deal"] == "jp-us-deal"
    assert 'id="p-deal"' in (STATIC / "index.html").read_text(encoding="utf-8")
    assert "us_agri_exports_to_jp_bn" not in js  # no level-vs-increment arithmetic in the browser


def test_real_wage_bar_shows_the_real_wage(client: TestClient) -> None:
    """The impact chart's 'real wage' bar plots ``real_wage_pct``, which is ŵ/P̂ − 1 with P̂ = Ê/Ŵ (an
    identity on the solved result), not the nominal wage."""
    js = (STATIC / "app.js").read_text(encoding="utf-8")
    assert '{ label: "real wage", field: "real_wage_pct" }' in js
    assert '{ label: "nominal wage", field: "wage_pct" }' in js
    pr = evaluate(builtin_spec("jp-us-deal"), load(DEFAULT_DATASET))
    ds = pr.result.ds
    r = client.post("/api/package/evaluate", json={"base": "jp-us-deal"}, headers=AUTH).json()
    for side, c in (("us", "USA"), ("jp", "JPN")):
        k = pr.result.countries.index(c)
        p_hat = float(ds["income_new"].values[k] / ds["income_base"].values[k]) / (1 + float(ds["welfare_pct"].values[k]) / 100)
        want = 100.0 * (float(ds["wage_hat"].values[k]) / p_hat - 1.0)
        assert close(r[side]["real_wage_pct"], want)
        assert abs(r[side]["real_wage_pct"] - r[side]["wage_pct"]) > 1e-3


def test_group_measures_take_set_or_add_only() -> None:
    """A product-group measure with a sector-only mode is refused with a named error naming the field."""
    p = Package(name="bad", base_date=builtin_spec("jp-us-deal").date,
                tariffs=(TariffMeasure("USA", "JPN", 10, "all-in", group="cars"),))
    with pytest.raises(SpecError, match=r"tariff_change\[0\]\.mode"):
        package_tariffs(p, load(DEFAULT_DATASET))


def test_sector_modes() -> None:
    """set / add / cut (floored at 0) / all-in (max) on a sector, against the array arithmetic."""
    d = load(DEFAULT_DATASET)
    date = builtin_spec("jp-us-2024-baseline").date
    j, u, k = d.index("JPN"), d.index("USA"), d.sector_index("agriculture")
    t0 = float(d.tariff[u, j, k])
    for mode, rate, want in (("set", 3.0, 0.03), ("add", 3.0, t0 + 0.03), ("cut", 1000.0, 0.0),
                             ("all-in", 100 * t0 + 1, t0 + 0.01)):
        p = Package(name="m", base_date=date, tariffs=(TariffMeasure("JPN", "USA", rate, mode, sector="agriculture"),))  # type: ignore[arg-type]
        m = package_tariffs(p, d).matrix
        assert m is not None
        assert m[u, j, k] == pytest.approx(want, abs=1e-15)


def test_bargaining_instrument_vector_is_a_package(client: TestClient, tmp_path: Path) -> None:
    """The bargaining layer's instrument vector (the desk frontier's space: US autos, US rest, Japan all)
    becomes the one Package (:func:`tradetalks.bargain.transfers.package_of`); its tariffs equal the space's
    and its evaluation agrees through the Python API, a TOML file through the CLI and a stored offer."""
    from tradetalks.bargain.transfers import package_of

    space = services._space(schemas.FrontierSpec.model_validate({}))
    x = np.array([0.20, 0.05, 0.01])
    p = package_of(space, x, name="bargaining-point")
    d = load(DEFAULT_DATASET)
    m = package_tariffs(p, d).matrix
    assert m is not None
    np.testing.assert_allclose(m, space.tariffs(x), rtol=0, atol=1e-12)
    want = figures_from_outcome(outcome(evaluate(p, d)).as_dict())
    f = tmp_path / "point.toml"
    f.write_text(p.to_toml(), encoding="utf-8")
    res = CliRunner().invoke(cli, ["evaluate", str(f), "--json"])
    assert res.exit_code == 0, res.output
    assert_same(figures_from_outcome(json.loads(res.output)["scenarios"][p.name]["outcome"]), want, "CLI TOML")
    im = services.evaluate_offer({"package": json.loads(json.dumps(p.to_payload()))}).model_dump()
    assert_same(figures_from_impact(im), want, "stored offer")
