"""Scenario / package files: the built-ins validate; bad files give a SpecError naming file, field, expectation.

No numerical reference: these are validation rules (each case states the rule it exercises).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tradetalks.data import TradeData
from tradetalks.errors import ScenarioNotFoundError, SpecError
from tradetalks.policy.pledge import value_pledge
from tradetalks.policy.scenarios import BUILTIN, builtin_spec, list_scenarios, resolve
from tradetalks.policy.spec import ScenarioSpec, check_labels, load_spec, parse_text
from tradetalks.vocabulary import DEFAULT_THIRD_COUNTRIES

GOOD = '''
name = "my-deal"
title = "test"
date = 2025-09-16
baseline = "jp-us-2024-baseline"

[measures]
on = ["ieepa-jp-25-letter"]
off = ["ieepa-jp-15-all-in"]

[options]
closure = "balanced"

[mapping]
"motor_vehicles.cars" = 0.7

[[tariff_change]]
importer = "JPN"
exporter = "USA"
sector = "agriculture"
rate_pct = 0

[[purchase_commitment]]
name = "energy"
sector = "mining"
exporter = "USA"
importer = "JPN"
usd_bn_per_year = 7

[[investment_pledge]]
name = "fund"
investor = "JPN"
host = "USA"
usd_bn = 550
horizon_years = 3.4
profit_share_host = 0.9
'''


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "scenario.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_good_file(tmp_path: Path) -> None:
    spec = load_spec(write(tmp_path, GOOD))
    assert isinstance(spec, ScenarioSpec)
    assert spec.options.closure == "balanced" and spec.options.third_countries == DEFAULT_THIRD_COUNTRIES
    assert spec.purchase_commitment[0].kind == "incremental"
    assert spec.investment_pledge[0].mode == "terms"  # default: valued from the vehicle's terms
    band = value_pledge()
    central = band.case("central").annual_transfer_usd_bn / band.terms.total_usd_bn
    assert spec.investment_pledge[0].nx_change_usd_m() == pytest.approx(550_000 * central)
    with pytest.raises(AttributeError):
        spec.name = "x"  # type: ignore[misc]


def test_string_date_accepted() -> None:
    spec = parse_text('name = "a"\ndate = "2025-09-16"', "s.toml")
    assert spec.date.isoformat() == "2025-09-16"


@pytest.mark.parametrize("name", BUILTIN)
def test_builtin_scenarios_validate(name: str) -> None:
    spec = builtin_spec(name)
    assert spec.name == name and spec.title
    assert resolve(name) is spec


def test_builtin_deal_side_items_are_sourced() -> None:
    deal = builtin_spec("jp-us-deal")
    assert {c.name for c in deal.purchase_commitment} == {"agriculture", "energy"}
    for item in (*deal.purchase_commitment, *deal.investment_pledge, *deal.unmodelled):
        assert getattr(item, "source_address", "").startswith("http"), item
    assert len(list_scenarios()) == 7


# --- bad files: (what is wrong, text, field named in the error, words of the expectation) ---------

BASE = 'name = "x"\ndate = 2025-09-16\n'
PC = '[[purchase_commitment]]\nname = "e"\nsector = "mining"\nexporter = "USA"\nimporter = "JPN"\n'
IP = '[[investment_pledge]]\nname = "f"\ninvestor = "JPN"\nhost = "USA"\nusd_bn = 1\nhorizon_years = 1\n'

BAD: list[tuple[str, str, str, str]] = [
    ("toml syntax error", 'name = "x\ndate = 2025-01-01', "(file)", "valid TOML"),
    ("empty file", "", "name", "required"),
    ("missing date", 'name = "x"', "date", "required"),
    ("unknown top-level field", BASE + "dat = 1", "dat", "no such field"),
    ("date not a date", 'name = "x"\ndate = "yesterday"', "date", "YYYY-MM-DD"),
    ("impossible date", 'name = "x"\ndate = "2025-13-01"', "date", "YYYY-MM-DD"),
    ("date out of range", 'name = "x"\ndate = 1890-01-01', "date", "between"),
    ("name not a slug", 'name = "My Deal"\ndate = 2025-01-01', "name", "lower-case"),
    ("unknown closure", BASE + '[options]\nclosure = "open"', "options.closure", "'data' or 'balanced'"),
    ("unknown measure", BASE + '[measures]\non = ["s301"]', "measures.on[0]", "a measure id"),
    ("measure both on and off", BASE + '[measures]\non = ["s122-10"]\noff = ["s122-10"]', "measures", "not both"),
    ("measures.on not a list", BASE + '[measures]\non = "s122-10"', "measures.on", "tuple"),
    ("negative purchase", BASE + PC + "usd_bn_per_year = -7", "purchase_commitment[0].usd_bn_per_year",
     "greater than 0"),
    ("amount as text", BASE + PC + 'usd_bn_per_year = "7bn"', "purchase_commitment[0].usd_bn_per_year",
     "a number"),
    ("unknown commitment kind", BASE + PC + 'usd_bn_per_year = 7\nkind = "maybe"',
     "purchase_commitment[0].kind", "'incremental' or 'level'"),
    ("lower-case country", BASE + PC.replace('"JPN"', '"jpn"') + "usd_bn_per_year = 7",
     "purchase_commitment[0].importer", "upper-case country code"),
    ("buyer = seller", BASE + PC.replace('"JPN"', '"USA"') + "usd_bn_per_year = 7",
     "purchase_commitment[0].importer", "different from the exporter"),
    ("duplicate commitment names", BASE + PC + "usd_bn_per_year = 7\n" + PC + "usd_bn_per_year = 8",
     "purchase_commitment", "unique names"),
    ("profit share above one", BASE + IP + "profit_share_host = 1.5", "investment_pledge[0].profit_share_host",
     "less than or equal to 1"),
    ("unknown pledge mode", BASE + IP + 'mode = "gift"', "investment_pledge[0].mode", "'capital_flow'"),
    ("zero horizon", BASE + IP.replace("horizon_years = 1", "horizon_years = 0"),
     "investment_pledge[0].horizon_years", "greater than 0"),
    ("unknown field in a list item", BASE + IP + "colour = 1", "investment_pledge[0].colour", "no such field"),
    ("tariff change with sector and group",
     BASE + '[[tariff_change]]\nimporter = "USA"\nexporter = "JPN"\nrate_pct = 1\nsector = "a"\ngroup = "cars"',
     "tariff_change[0]", "exactly one"),
    ("unknown product group",
     BASE + '[[tariff_change]]\nimporter = "USA"\nexporter = "JPN"\nrate_pct = 1\ngroup = "yachts"',
     "tariff_change[0].group", "a product group"),
    ("negative tariff", BASE + '[[tariff_change]]\nimporter = "USA"\nexporter = "JPN"\nrate_pct = -5\nsector = "a"',
     "tariff_change[0].rate_pct", "greater than or equal to 0"),
    ("mapping key malformed", BASE + '[mapping]\ncars = 0.5', "mapping.cars", "sector.group"),
    ("mapping weight above one", BASE + '[mapping]\n"motor_vehicles.cars" = 1.2', "mapping.motor_vehicles.cars",
     "less than or equal to 1"),
    ("mapping weights of a sector above one",
     BASE + '[mapping]\n"motor_vehicles.cars" = 0.7\n"motor_vehicles.parts" = 0.5', "mapping (motor_vehicles)",
     "at most 1"),
    ("mapping sets 'other'", BASE + '[mapping]\n"metals.other" = 0.5', "mapping.metals.other",
     "other than 'other'"),
    ("tolerance too loose", BASE + "[options]\ncommitment_rtol = 0.5", "options.commitment_rtol",
     "less than or equal to 0.01"),
    ("boolean as number", BASE + PC + "usd_bn_per_year = true", "purchase_commitment[0].usd_bn_per_year",
     "a number"),
]


@pytest.mark.parametrize(("what", "text", "field", "expect"), BAD, ids=[b[0] for b in BAD])
def test_bad_file(tmp_path: Path, what: str, text: str, field: str, expect: str) -> None:
    """Each bad file raises SpecError naming the file, the field and the expectation."""
    p = write(tmp_path, text)
    with pytest.raises(SpecError) as info:
        load_spec(p)
    err = info.value
    assert err.source == str(p), what
    assert err.field == field, (what, str(err))
    assert expect in err.expected, (what, str(err))
    assert str(p) in str(err) and field in str(err)


def test_missing_file_and_unknown_name(tmp_path: Path) -> None:
    with pytest.raises(ScenarioNotFoundError):
        load_spec(tmp_path / "nope.toml")
    with pytest.raises(ScenarioNotFoundError, match="jp-us-deal"):
        resolve("jp-us-dael")


def test_labels_checked_against_dataset(tmp_path: Path) -> None:
    """A sector or country the dataset lacks is a SpecError naming the field."""
    import numpy as np

    spec = load_spec(write(tmp_path, GOOD))
    d = TradeData.from_arrays(np.ones((2, 2, 1)) + np.eye(2)[:, :, None], ["USA", "JPN"], ["agriculture"])
    with pytest.raises(SpecError) as info:
        check_labels(spec, d.countries, d.sectors)
    assert info.value.field == "purchase_commitment[0].sector"
