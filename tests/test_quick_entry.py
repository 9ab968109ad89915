"""Quick entry (issue 13, item 6): `replan whatif MODEL --add-order ... --cancel ... --due ...
--quantity ... --now ...` answers exactly as a scenario file with the same changes does, and
every bad value is refused (exit 2) naming the flag, its field and the value given.

The plant is the tiny one of tests/conftest.py: P takes 60 minutes per unit on M1, around the
clock; every run uses MACHINE (2 workers, seed 0, deterministic by default for whatif), so that
the two runs of a comparison can only differ where the input does.
"""

from __future__ import annotations

import json

import pytest

from solver.changes.quick_entry import FLAGS, Entry, quick_scenario
from solver.cli import main
from solver.domain.errors import DataError
from tests.conftest import MACHINE, base_model, write_model

T0 = "2026-11-23T"
RUN = ["--time-limit", "5", *MACHINE]


def plant_model() -> dict:
    """O1, O2, O3 of product P (60 minutes per unit on M1), due 02:00, 04:00, 06:00."""
    model = base_model()
    model["settings"].update(max_weight=1)
    model["products"][0]["routing"][0]["resources"][0].update(setup="0m", per_unit="60m")
    order = model["orders"][0]
    model["orders"] = [
        dict(order, id=oid, due=T0 + due, price=100.0)
        for oid, due in (("O1", "02:00"), ("O2", "04:00"), ("O3", "06:00"))
    ]
    return model


# Each case: the quick-entry flags, and the same changes as a scenario file's YAML lines
# (written as a planner would, unquoted, so that YAML's own typing of dates and numbers is
# what the flags' text is compared with).
CASES = {
    "add order": (
        ["--add-order", "R1,C,P,2,2026-11-23T03:00,100"],
        "  - {kind: add_order, id: R1, customer: C, product: P, quantity: 2,"
        " due: 2026-11-23T03:00, price: 100}",
    ),
    "add order without price (intake)": (
        ["--add-order", "R1,C,P,1,2026-11-24"],
        "  - {kind: add_order, id: R1, customer: C, product: P, quantity: 1, due: 2026-11-24}",
    ),
    "cancel": (["--cancel", "O1"], "  - {kind: cancel_order, order: O1}"),
    "due": (
        ["--due", "O3", "2026-11-23T01:00"],
        "  - {kind: change_due, order: O3, due: 2026-11-23T01:00}",
    ),
    "quantity": (["--quantity", "O2", "3"], "  - {kind: change_quantity, order: O2, quantity: 3}"),
}


def scenario_file(tmp_path, changes: list[str], now: str | None = None):
    lines = ["model: plant.yaml", *([f"now: {now}"] if now else []), "changes:", *changes]
    path = tmp_path / "scenario.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def answer(tmp_path, name: str, args: list[str]) -> tuple[int, dict]:
    """Exit code and the evaluation JSON, without what only says when and from which input it
    was made (solve times, solver statistics, provenance hashes, the scenario's name)."""
    out = tmp_path / f"{name}.json"
    code = main(["whatif", *args, *RUN, "--json", str(out)])
    return code, _comparable(json.loads(out.read_text()))


def _comparable(value):
    if isinstance(value, dict):
        dropped = {"scenario", "solve_time", "stats", "provenance"}
        return {k: _comparable(v) for k, v in value.items() if k not in dropped}
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    return value


def same_answer(tmp_path, flags: list[str], lines: list[str], now: str | None = None) -> dict:
    model = write_model(tmp_path, plant_model())
    file_code, from_file = answer(tmp_path, "file", [str(scenario_file(tmp_path, lines, now))])
    quick_args = [str(model), *flags, *(["--now", now] if now else [])]
    quick_code, from_flags = answer(tmp_path, "quick", quick_args)
    assert (quick_code, from_flags) == (file_code, from_file)
    return from_flags


@pytest.mark.parametrize("case", list(CASES))
def test_each_flag_answers_as_the_scenario_file_does(tmp_path, capsys, case):
    flags, line = CASES[case]
    evaluation = same_answer(tmp_path, flags, [line])
    (outcome,) = evaluation["outcomes"]
    assert outcome["verdict"] in ("ACCEPT", "ACCEPT WITH DATE", "REJECT")
    if case == "add order without price (intake)":
        assert outcome["verdict"] == "REJECT" and "missing price" in outcome["reason"]
    elif case == "cancel":
        assert outcome["cancelled"] == ["O1"]
    else:
        assert outcome["plan"] is not None and outcome["promise"] is not None


def test_flags_in_the_order_typed_with_now_answer_as_the_file(tmp_path, capsys):
    # The quantity refers to the order the first flag adds: order matters, as in a file.
    flags = [
        "--add-order",
        "R1, C, P, 1, 2026-11-23T05:00, 100",  # spaces after commas, as typed on a phone
        "--quantity",
        "R1",
        "2",
        "--cancel",
        "O1",
        "--due",
        "O2",
        "2026-11-23T03:00",
    ]
    lines = [
        "  - {kind: add_order, id: R1, customer: C, product: P, quantity: 1,"
        " due: 2026-11-23T05:00, price: 100}",
        "  - {kind: change_quantity, order: R1, quantity: 2}",
        "  - {kind: cancel_order, order: O1}",
        "  - {kind: change_due, order: O2, due: 2026-11-23T03:00}",
    ]
    evaluation = same_answer(tmp_path, flags, lines, now="2026-11-23T00:30")
    assert evaluation["now"] == "2026-11-23T00:30:00"
    (outcome,) = evaluation["outcomes"]
    assert outcome["asked"] == ["R1", "O2"] and outcome["cancelled"] == ["O1"]
    assert outcome["plan"] is not None and outcome["promises"]


def test_quick_entry_builds_the_scenario_a_file_would_load(tmp_path):
    model = write_model(tmp_path, plant_model())
    flags, line = CASES["add order"]
    scenario = quick_scenario(model, [Entry(flags[0], tuple(flags[1:]))], "2026-11-23T00:30")
    assert scenario.model_path == model.resolve()
    (change,) = scenario.data.changes
    assert (change.id, change.quantity, change.price, change.due.isoformat()) == (
        "R1",
        2,
        100.0,
        "2026-11-23T03:00:00",
    )
    # What the quick entry hands a stored what-if is the scenario file that asks the same.
    assert b"add_order" in scenario.path.read_bytes()


def test_a_relative_model_path_resolves_from_the_current_directory(tmp_path, monkeypatch, capsys):
    write_model(tmp_path, plant_model())
    monkeypatch.chdir(tmp_path)
    assert main(["whatif", "plant.yaml", "--cancel", "O1", *RUN]) == 0
    assert "ACCEPT" in capsys.readouterr().out


def test_help_explains_both_forms(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["whatif", "--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert "whatif SCENARIO" in out and "whatif MODEL (--add-order" in out
    assert all(flag in out for flag in [*FLAGS, "--now"])


# Bad input: exit 2, the flag and its field named, the value shown, no traceback ---------------


def refused(tmp_path, capsys, *flags: str, model: str | None = None) -> str:
    """Run a quick entry that must be refused; the problems as one line of words (the table
    wraps long cells, so words are compared, not the lines rich draws)."""
    model = model or str(write_model(tmp_path, plant_model()))
    assert main(["whatif", model, *flags, *RUN]) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "internal error" not in captured.err
    assert captured.out == ""  # nothing was evaluated
    cells = [cell.strip() for line in captured.err.splitlines() for cell in line.split("│")]
    return " ".join(cell for cell in cells if cell)


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--add-order", "R1,C,P"], ["--add-order R1,C,P", "3 field(s)", "give 5 or 6"]),
        (["--add-order", "R1,C,P,1,2,3,4"], ["7 field(s)", "ID,CUSTOMER,PRODUCT,QTY,DUE[,PRICE]"]),
        (["--add-order", "R1,C,P,many,2026-11-24,100"], ["field 4 (QTY)", "'many'", "e.g. 150"]),
        (["--add-order", "R1,C,,1,2026-11-24,100"], ["field 3 (PRODUCT)", "is empty"]),
        (["--add-order", "R1,C,P,1,2026-11-24,cheap"], ["field 6 (PRICE)", "'cheap'"]),
        (["--quantity", "O1", "1.5"], ["--quantity O1 1.5", "field 2 (QTY)", "'1.5'"]),
        (["--quantity", "O1", "0"], ["field 2 (QTY)", "greater than 0", "'0'"]),
        (["--due", "O1", "2026-02-30"], ["--due O1 2026-02-30", "field 2 (DATE)", "ISO date"]),
        (["--cancel", "O1", "--now", "tomorrow"], ["--now", "'tomorrow'", "ISO date"]),
        (["--now", "2026-11-23T08:00"], ["--now", "give it with --add-order"]),
    ],
)
def test_a_bad_value_names_the_flag_and_field(tmp_path, capsys, flags, expected):
    problems = refused(tmp_path, capsys, *flags)
    for words in expected:
        assert " ".join(words.split()) in problems


def test_every_problem_is_reported_at_once(tmp_path):
    model = write_model(tmp_path, plant_model())
    entries = [
        Entry("--add-order", ("R1,C",)),
        Entry("--quantity", ("O1", "lots")),
        Entry("--due", ("O2", "soon")),
    ]
    with pytest.raises(DataError) as error:
        quick_scenario(model, entries, "never")
    found = [(p.record, p.field) for p in error.value.problems]
    assert found == [
        ("--now", ""),
        ("--add-order R1,C", ""),
        ("--quantity O1 lots", "field 2 (QTY)"),
        ("--due O2 soon", "field 2 (DATE)"),
    ]


def test_an_unknown_order_names_the_flag_after_the_plant_is_read(tmp_path, capsys):
    problems = refused(tmp_path, capsys, "--due", "O1", "2026-11-24", "--cancel", "NOPE")
    assert "--cancel NOPE" in problems and "field 1 (ID)" in problems
    assert "unknown order 'NOPE'" in problems and "known: O1, O2, O3" in problems


def test_an_existing_order_id_for_add_order_names_field_1(tmp_path, capsys):
    problems = refused(tmp_path, capsys, "--add-order", "O2,C,P,1,2026-11-24,100")
    assert "field 1 (ID)" in problems and "already exists" in problems


def test_quick_flags_with_a_scenario_file_are_refused(tmp_path, capsys):
    write_model(tmp_path, plant_model())
    scenario = scenario_file(tmp_path, [CASES["cancel"][1]])
    problems = refused(tmp_path, capsys, "--cancel", "O1", model=str(scenario))
    assert "is a scenario file" in problems and "plant.yaml" in problems


def test_a_missing_model_is_named(tmp_path, capsys):
    problems = refused(tmp_path, capsys, "--cancel", "O1", model=str(tmp_path / "nope.yaml"))
    assert "MODEL" in problems and "no model file" in problems


def test_an_output_onto_the_model_is_refused(tmp_path, capsys):
    model = str(write_model(tmp_path, plant_model()))
    problems = refused(tmp_path, capsys, "--cancel", "O1", "--json", model, model=model)
    assert "outputs never replace inputs" in problems
