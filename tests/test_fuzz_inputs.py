"""Broken files of every kind end in a documented exit code and a message, never a traceback.

Plant files, scenario files and plan files are mutated at random (wrong types, huge and
non-finite numbers, bad bytes, duplicate keys, unknown references, deleted fields,
truncation) and fed to the CLI. An uncaught exception would surface as exit 70 (internal
error), so the assertion is: the exit code is one the CLI documents for that command, and it
is never 70.
"""

from __future__ import annotations

import json
import math

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver.cli import main
from tests.conftest import base_model

ODD_VALUES = [
    None,
    "x",
    "NOPE",
    -1,
    0,
    10**12,
    1e30,
    math.inf,
    -math.inf,
    math.nan,
    True,
    [],
    {},
    "2025-01-01",
    "9999-12-31T23:59",
    "1e400",
    "90m",
]
FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _paths(node, prefix=()):
    """Every path to a value inside nested dicts and lists."""
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


def _set(node, path, value, delete=False):
    for key in path[:-1]:
        node = node[key]
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = value


@st.composite
def mutated_text(draw, document: dict, dump) -> bytes:
    """The document with one to three mutations, as the bytes of a file."""
    data = json.loads(json.dumps(document))
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(data) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        if draw(st.booleans()) and isinstance(path[-1], str):
            _set(data, path, None, delete=True)
        else:
            _set(data, path, draw(st.sampled_from(ODD_VALUES)))
    text = dump(data).encode("utf-8", "surrogatepass")
    kind = draw(st.sampled_from(["plain", "bytes", "truncate", "duplicate"]))
    if kind == "bytes" and text:
        at = draw(st.integers(0, len(text) - 1))
        text = text[:at] + b"\xff\xfe" + text[at:]
    elif kind == "truncate" and text:
        text = text[: draw(st.integers(0, len(text) - 1))]
    elif kind == "duplicate":
        lines = text.splitlines(keepends=True)
        if lines:
            at = draw(st.integers(0, len(lines) - 1))
            lines.insert(at, lines[at])
            text = b"".join(lines)
    return text


def _yaml(data) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _json(data) -> str:
    return json.dumps(data, indent=1)


def _run(argv, capsys) -> int:
    code = main(argv)
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return code


@FUZZ
@given(text=mutated_text(base_model(), _yaml))
def test_plant_files_never_crash(tmp_path_factory, capsys, text):
    path = tmp_path_factory.mktemp("plant") / "plant.yaml"
    path.write_bytes(text)
    assert _run(["validate", str(path)], capsys) in (0, 2)


SCENARIO = {
    "model": "plant.yaml",
    "now": "2026-11-23T00:30",
    "changes": [
        {
            "kind": "add_order",
            "id": "R1",
            "customer": "C",
            "product": "P",
            "quantity": 1,
            "due": "2026-11-23T03:00",
            "price": 5.0,
        },
        {"kind": "change_due", "order": "O1", "due": "2026-11-23T04:00"},
    ],
    "settings": {"time_limit": 1, "workers": 1},
}


@FUZZ
@given(text=mutated_text(SCENARIO, _yaml))
def test_scenario_files_never_crash(tmp_path_factory, capsys, text):
    folder = tmp_path_factory.mktemp("scenario")
    model = base_model()
    model["settings"].update(time_limit=1, workers=1)
    (folder / "plant.yaml").write_text(_yaml(model))
    path = folder / "scenario.yaml"
    path.write_bytes(text)
    code = _run(["whatif", str(path), "--time-limit", "1", "--workers", "1"], capsys)
    assert code in (0, 1, 2, 3, 4, 5) and code != 1


def _plan_document(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("base")
    (folder / "plant.yaml").write_text(_yaml(base_model()))
    out = folder / "plan.json"
    assert main(["plan", str(folder / "plant.yaml"), "--time-limit", "2", "--json", str(out)]) == 0
    return json.loads(out.read_text())


PLAN_CACHE: dict[str, dict] = {}


@FUZZ
@given(data=st.data())
def test_plan_files_never_crash(tmp_path_factory, capsys, data):
    if "plan" not in PLAN_CACHE:
        PLAN_CACHE["plan"] = _plan_document(tmp_path_factory)
    text = data.draw(mutated_text(PLAN_CACHE["plan"], _json))
    folder = tmp_path_factory.mktemp("check")
    (folder / "plant.yaml").write_text(_yaml(base_model()))
    path = folder / "plan.json"
    path.write_bytes(text)
    assert _run(["check", str(folder / "plant.yaml"), str(path)], capsys) in (0, 1, 2)
