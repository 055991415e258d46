"""One definition of every bound (issue 15 item 1): the web's request bounds are the constants of
:mod:`tradetalks.inputs`, imported by ``web/schemas.py`` and ``web/routers/common.py`` — never numbers of
their own. A dataset name is checked for length in one place (:func:`tradetalks.data.registry.check_name`)
before anything touches the file system, on every entry point.

Checked two ways: (1) every numeric bound in the OpenAPI schema of the service's own models and
parameters (minimum/maximum, exclusive bounds, lengths, item counts and the counted repetition of a
pattern) equals an ``inputs`` constant (lower bounds may also be 0 or 1: "non-negative", "non-empty",
"positive id"); (2) the source of those two modules passes no number literal other than 0 or 1 as a bound.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from tradetalks import inputs
from tradetalks.data import registry
from tradetalks.errors import BoundsError
from tradetalks.web import schemas as S
from tradetalks.web.app import create_app

WEB = Path(inputs.__file__).parent / "web"
UPPER = ("maximum", "exclusiveMaximum", "maxLength", "maxItems")
LOWER = ("minimum", "exclusiveMinimum", "minLength", "minItems")
REPEAT = re.compile(r"\{(\d+),(\d+)\}")


def _constants() -> set[float]:
    out: set[float] = set()
    for name, v in vars(inputs).items():
        if not name.isupper():
            continue
        for x in v if isinstance(v, tuple) else (v,):
            if isinstance(x, (int, float)) and not isinstance(x, bool):
                out |= {float(x), -float(x)}
    return out


def _bounds(node: Any, where: str) -> Iterator[tuple[str, str, float]]:
    """(where, keyword, value) of every numeric bound below ``node``; a pattern's ``{0,n}`` counts as a
    maximum length n + 1."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k in UPPER + LOWER and isinstance(v, (int, float)):
                yield where, k, float(v)
            elif k == "pattern" and isinstance(v, str):
                for _lo, hi in REPEAT.findall(v):
                    yield where, "pattern", float(int(hi) + 1)
            else:
                yield from _bounds(v, f"{where}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _bounds(v, f"{where}[{i}]")


@pytest.fixture(scope="module")
def openapi(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    db = tmp_path_factory.mktemp("bounds") / "r.sqlite3"
    with TestClient(create_app(database_url=f"sqlite:///{db}", warm=False), base_url="http://localhost") as c:
        doc: dict[str, Any] = c.get("/openapi.json").json()
    return doc


def test_every_bound_of_the_web_schema_is_an_inputs_constant(openapi: dict[str, Any]) -> None:
    own = {n for n, v in vars(S).items() if isinstance(v, type) and issubclass(v, BaseModel) and v.__module__ == S.__name__}
    found = [b for name, comp in openapi["components"]["schemas"].items() if name in own
             for b in _bounds(comp, name)]
    for path, ops in openapi["paths"].items():
        for method, op in ops.items():
            for p in op.get("parameters", []):
                found += list(_bounds(p.get("schema", {}), f"{method.upper()} {path} {p['name']}"))
    assert len(found) > 40  # the walk sees the bounds
    allowed = _constants()
    bad = [(w, k, v) for w, k, v in found
           if v not in allowed and not (k in LOWER and v in (0.0, 1.0))
           and not (k == "pattern" and w.endswith("JobId"))]
    assert not bad, f"bounds that are not inputs.py constants: {bad}"


def _literal_bounds(path: Path) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.keyword) and node.arg in ("ge", "le", "gt", "lt", "max_length", "min_length"):
            v = node.value
            if isinstance(v, ast.UnaryOp):
                v = v.operand
            if isinstance(v, ast.Constant) and isinstance(v.value, (int, float)) and v.value not in (0, 1):
                out.append(f"{path.name}:{node.lineno} {node.arg}={v.value}")
            if isinstance(v, ast.BinOp):  # e.g. 2**31 - 1: a number of its own
                out.append(f"{path.name}:{node.lineno} {node.arg}=<expression>")
    return out


@pytest.mark.parametrize("module", ["schemas.py", "routers/common.py"])
def test_the_web_modules_define_no_bound_of_their_own(module: str) -> None:
    assert not _literal_bounds(WEB / module)


def test_the_web_and_the_cli_share_the_bargaining_bounds() -> None:
    """The web's bargaining power and discount factor: the CLI's bounds (``WEIGHT_MAX``, ``DISCOUNT_RANGE``)."""
    props = S.BargainSpec.model_json_schema()["properties"]
    beta = props["beta"]["prefixItems"][0]
    delta = props["delta"]["prefixItems"][0]
    assert (beta["exclusiveMinimum"], beta["maximum"]) == (0, inputs.WEIGHT_MAX)
    assert (delta["exclusiveMinimum"], delta["exclusiveMaximum"]) == inputs.DISCOUNT_RANGE


@pytest.mark.parametrize("name", ["x" * 100_000, "a\x00b", ""])
def test_a_bad_dataset_name_is_refused_before_the_file_system(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """registry.load / info_for refuse it with BoundsError without calling Path.exists or opening a file."""
    touched: list[str] = []

    def spy(self: Path, *a: object, **k: object) -> bool:
        touched.append(str(self)[:40])
        raise AssertionError("the file system was touched")

    monkeypatch.setattr(Path, "exists", spy)
    monkeypatch.setattr(Path, "is_dir", spy)
    for fn in (registry.load, registry.info_for):
        with pytest.raises(BoundsError):
            fn(name)
    assert not touched


def test_registry_names_fit_the_web_pattern() -> None:
    assert all(re.match(registry.NAME_PATTERN, n) for n in registry.DATASETS)
    assert not re.match(registry.NAME_PATTERN, "a" * (inputs.MAX_DATASET_NAME + 1))
