"""Outputs never destroy inputs: resolved before the solve, written atomically, `-` is stdout."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import yaml

import solver.cli
import solver.report.files
from solver.cli import main
from solver.domain.errors import DataError
from solver.domain.plan import Plan
from solver.report.output import Batch, open_output, resolve_folder, resolve_outputs, write_text
from tests.conftest import ROOT, base_model, write_model

FAST = ["--time-limit", "1", "--workers", "2", "--seed", "0"]


def no_solve(*args, **kwargs):
    raise AssertionError("the run solved although an output was refused")


def leftovers(folder: Path) -> list[str]:
    """Temporary files an atomic write would leave behind."""
    return sorted(p.name for p in folder.rglob("*.tmp"))


@pytest.fixture
def demo(tmp_path) -> Path:
    """The demo plant and its orders CSV, copied: tests never write into the repository."""
    for name in ("demo.yaml", "demo-orders.csv"):
        shutil.copy(ROOT / "models" / name, tmp_path / name)
    return tmp_path / "demo.yaml"


@pytest.fixture
def tiny(tmp_path) -> Path:
    return write_model(tmp_path, base_model())


def problems_of(excinfo) -> list[tuple[str, str]]:
    return [(p.record, p.file) for p in excinfo.value.problems]


# resolve_outputs ---------------------------------------------------------------------------


def test_an_output_onto_an_input_is_refused_and_another_file_is_not(tmp_path):
    model = tmp_path / "m.yaml"
    model.write_text("x")
    with pytest.raises(DataError) as excinfo:
        resolve_outputs({"--json": str(model), "--csv": None}, [model])
    assert problems_of(excinfo) == [("--json", str(model))]
    # the same file spelled another way, relative and through a detour
    other = tmp_path / "sub"
    other.mkdir()
    with pytest.raises(DataError):
        resolve_outputs({"--json": str(other / ".." / "m.yaml")}, [model])
    targets = resolve_outputs({"--json": str(tmp_path / "plan.json"), "--csv": None}, [model])
    assert list(targets) == ["--json"] and targets["--json"].path == tmp_path / "plan.json"


def test_a_hard_link_to_an_input_is_the_same_file(tmp_path):
    model = tmp_path / "m.yaml"
    model.write_text("x")
    os.link(model, tmp_path / "link.yaml")
    with pytest.raises(DataError) as excinfo:
        resolve_outputs({"--html": str(tmp_path / "link.yaml")}, [model])
    assert "which this run reads" in excinfo.value.problems[0].message


def test_two_outputs_naming_one_file_are_refused(tmp_path):
    same = str(tmp_path / "out.txt")
    with pytest.raises(DataError) as excinfo:
        resolve_outputs({"--json": same, "--csv": same}, [])
    assert problems_of(excinfo) == [("--csv", same)]
    assert len(resolve_outputs({"--json": same, "--csv": same + ".csv"}, [])) == 2


def test_standard_output_only_for_json_and_csv_and_only_once(tmp_path):
    assert resolve_outputs({"--json": "-"}, [])["--json"].to_stdout
    with pytest.raises(DataError) as excinfo:
        resolve_outputs({"--html": "-"}, [])
    assert problems_of(excinfo) == [("--html", "-")]
    with pytest.raises(DataError) as excinfo:
        resolve_outputs({"--json": "-", "--csv": "-"}, [])
    assert problems_of(excinfo) == [("--csv", "-")]


def test_missing_folders_are_created_and_a_file_in_the_way_is_refused(tmp_path):
    deep = tmp_path / "a" / "b" / "plan.json"
    resolve_outputs({"--json": str(deep)}, [])
    assert deep.parent.is_dir() and not deep.exists()
    (tmp_path / "file").write_text("x")
    with pytest.raises(DataError) as excinfo:
        resolve_outputs({"--json": str(tmp_path / "file" / "sub" / "p.json")}, [])
    assert "is a file" in excinfo.value.problems[0].message
    assert not (tmp_path / "file").is_dir()
    with pytest.raises(DataError) as excinfo:
        resolve_outputs({"--json": str(tmp_path / "a")}, [])  # a folder, not a file
    assert "folder" in excinfo.value.problems[0].message


def test_every_refusal_is_reported_at_once_and_nothing_is_created(tmp_path):
    model = tmp_path / "m.yaml"
    model.write_text("x")
    (tmp_path / "file").write_text("x")
    requested = {"--json": str(model), "--csv": str(tmp_path / "file" / "s.csv"), "--html": "-"}
    requested["--purchases"] = str(tmp_path / "new" / "p.csv")
    with pytest.raises(DataError) as excinfo:
        resolve_outputs(requested, [model])
    assert [p.record for p in excinfo.value.problems] == ["--json", "--csv", "--html"]
    assert not (tmp_path / "new").exists()  # refused runs create no folder


def test_a_folder_of_outputs_is_checked_file_by_file(tmp_path):
    suite = tmp_path / "out" / "summary.md"
    suite.parent.mkdir()
    suite.write_text("name: x")
    with pytest.raises(DataError) as excinfo:
        resolve_folder("--out", tmp_path / "out", ["bench.csv", "summary.md"], [suite])
    assert problems_of(excinfo) == [("--out", str(suite))]
    assert resolve_folder("--out", tmp_path / "o2", ["bench.csv"], [suite]) == tmp_path / "o2"
    assert (tmp_path / "o2").is_dir()


# atomic writes -----------------------------------------------------------------------------


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path, error):
    target = tmp_path / "plan.json"
    target.write_text("old")
    with pytest.raises(error), open_output(target) as handle:
        handle.write("half a new pl")
        raise error()
    assert target.read_text() == "old" and leftovers(tmp_path) == []
    write_text(target, "new")
    assert target.read_text() == "new" and leftovers(tmp_path) == []


def test_a_new_file_gets_the_usual_permissions_and_a_replaced_one_keeps_its_own(tmp_path):
    umask = os.umask(0)
    os.umask(umask)
    write_text(tmp_path / "new.txt", "x")
    assert (tmp_path / "new.txt").stat().st_mode & 0o777 == 0o666 & ~umask
    kept = tmp_path / "kept.txt"
    kept.write_text("x")
    kept.chmod(0o640)
    write_text(kept, "y")
    assert kept.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize("error", [None, OSError, KeyboardInterrupt])
def test_a_batch_replaces_all_its_files_or_none(tmp_path, error, capsys):
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text("old a")

    def write_both():
        with Batch() as batch:
            write_text(first, "new a", batch)
            write_text("-", "to stdout", batch)
            assert first.read_text() == "old a"  # staged, not yet in place
            if error is not None:
                raise error()
            write_text(second, "new b", batch)

    if error is None:
        write_both()
        assert (first.read_text(), second.read_text()) == ("new a", "new b")
        assert capsys.readouterr().out == "to stdout"
    else:
        with pytest.raises(error):
            write_both()
        assert first.read_text() == "old a" and not second.exists()
        assert capsys.readouterr().out == ""
    assert leftovers(tmp_path) == []


# the command line --------------------------------------------------------------------------


def test_plan_refuses_json_onto_its_model(demo, monkeypatch, capsys):
    monkeypatch.setattr(solver.cli, "solve_plan", no_solve)
    before = demo.read_bytes()
    assert main(["plan", str(demo), *FAST, "--json", str(demo)]) == 2
    err = capsys.readouterr().err
    assert "--json" in err and "which this run reads" in err
    assert demo.read_bytes() == before


def test_plan_refuses_csv_onto_its_orders_csv_however_spelled(demo, monkeypatch, capsys):
    monkeypatch.setattr(solver.cli, "solve_plan", no_solve)
    orders = demo.parent / "demo-orders.csv"
    before = orders.read_bytes()
    (demo.parent / "sub").mkdir()
    for spelling in (str(orders), str(demo.parent / "sub" / ".." / "demo-orders.csv")):
        assert main(["plan", str(demo), *FAST, "--csv", spelling]) == 2
        assert "--csv" in capsys.readouterr().err
    assert orders.read_bytes() == before


def test_plan_writes_next_to_its_inputs_into_a_new_folder(tmp_path, tiny, capsys):
    plan_file, steps = tmp_path / "new" / "deeper" / "plan.json", tmp_path / "steps.csv"
    assert main(["plan", str(tiny), *FAST, "--json", str(plan_file), "--csv", str(steps)]) == 0
    assert "plan written to" in capsys.readouterr().out
    assert json.loads(plan_file.read_text())["steps"]  # valid JSON, a plan
    assert Plan.from_json(plan_file).steps
    assert steps.read_text().startswith("resource,start,end,order")
    assert main(["check", str(tiny), str(plan_file)]) == 0
    assert leftovers(tmp_path) == []


def test_plan_refuses_a_folder_that_is_a_file_before_solving(tmp_path, tiny, monkeypatch, capsys):
    monkeypatch.setattr(solver.cli, "solve_plan", no_solve)
    (tmp_path / "blocker").write_text("x")
    code = main(["plan", str(tiny), *FAST, "--json", str(tmp_path / "blocker" / "p.json")])
    assert code == 2
    err = capsys.readouterr().err
    assert "--json" in err and "is a file" in err


def test_plan_refuses_two_outputs_onto_one_file(tmp_path, tiny, monkeypatch, capsys):
    monkeypatch.setattr(solver.cli, "solve_plan", no_solve)
    same = str(tmp_path / "out.json")
    assert main(["plan", str(tiny), *FAST, "--json", same, "--html", same]) == 2
    assert "--html" in capsys.readouterr().err
    assert not Path(same).exists()


@pytest.mark.parametrize("option", ["--json", "--csv"])
def test_dash_gives_pure_json_or_csv_on_stdout(tiny, option, capsys):
    assert main(["plan", str(tiny), *FAST, option, "-"]) == 0
    captured = capsys.readouterr()
    if option == "--json":
        assert json.loads(captured.out)["steps"]
    else:
        lines = captured.out.splitlines()
        assert lines[0].startswith("resource,start,end,order") and len(lines) == 2
    assert "Key figures" in captured.err and "written to standard output" in captured.err


def test_a_failure_while_writing_keeps_the_old_outputs(tmp_path, tiny, monkeypatch, capsys):
    plan_file, page = tmp_path / "plan.json", tmp_path / "plan.html"
    plan_file.write_text("old plan")

    def broken_page(plant, plan, why_late=None):
        raise RuntimeError("page failed")

    monkeypatch.setattr(solver.cli, "plan_page", broken_page)
    code = main(["plan", str(tiny), *FAST, "--json", str(plan_file), "--html", str(page)])
    assert code == 70
    assert "internal error: RuntimeError: page failed" in capsys.readouterr().err
    assert plan_file.read_text() == "old plan" and not page.exists()
    assert leftovers(tmp_path) == []


def test_ctrl_c_while_solving_reports_no_plan_and_writes_nothing(
    tmp_path, tiny, monkeypatch, capsys
):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(solver.cli, "solve_plan", interrupted)
    plan_file = tmp_path / "plan.json"
    assert main(["plan", str(tiny), *FAST, "--json", str(plan_file)]) == 130
    captured = capsys.readouterr()
    assert captured.err.strip() == "interrupted: no plan reported, nothing written"
    assert "Key figures" not in captured.out and "written to" not in captured.out
    assert not plan_file.exists() and leftovers(tmp_path) == []


def test_ctrl_c_while_writing_leaves_every_output_as_it_was(tmp_path, tiny, monkeypatch, capsys):
    plan_file, steps = tmp_path / "plan.json", tmp_path / "steps.csv"
    steps.write_text("old steps")

    def interrupted(plant, plan):  # the JSON is staged by then; the CSV breaks off
        raise KeyboardInterrupt

    monkeypatch.setattr(solver.report.files, "steps_frame", interrupted)
    assert main(["plan", str(tiny), *FAST, "--json", str(plan_file), "--csv", str(steps)]) == 130
    assert "interrupted" in capsys.readouterr().err
    assert not plan_file.exists() and steps.read_text() == "old steps"
    assert leftovers(tmp_path) == []


def tiny_scenario(tmp_path: Path, baseline: str | None = None) -> Path:
    write_model(tmp_path, base_model())
    scenario = {"model": "plant.yaml", "changes": [{"kind": "cancel_order", "order": "O1"}]}
    if baseline is not None:
        scenario["baseline"] = baseline
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(scenario, sort_keys=False))
    return path


def test_whatif_refuses_json_onto_its_baseline_or_model(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(solver.cli, "evaluate", no_solve)
    scenario = tiny_scenario(tmp_path, baseline="baseline.json")
    baseline = tmp_path / "baseline.json"
    baseline.write_text('{"not": "read"}')
    for target in (baseline, tmp_path / "plant.yaml", scenario):
        before = target.read_bytes()
        assert main(["whatif", str(scenario), *FAST, "--json", str(target)]) == 2
        assert "--json" in capsys.readouterr().err
        assert target.read_bytes() == before


def test_whatif_writes_json_to_a_file_or_stdout(tmp_path, capsys):
    scenario = tiny_scenario(tmp_path)
    out = tmp_path / "out" / "whatif.json"
    assert main(["whatif", str(scenario), *FAST, "--json", str(out)]) in (0, 3, 4)
    assert json.loads(out.read_text())
    capsys.readouterr()
    assert main(["whatif", str(scenario), *FAST, "--json", "-"]) in (0, 3, 4)
    captured = capsys.readouterr()
    verdicts = [o["verdict"] for o in json.loads(captured.out)["outcomes"]]
    assert verdicts == [o["verdict"] for o in json.loads(out.read_text())["outcomes"]]
    assert "evaluation written to standard output" in captured.err


def test_bench_refuses_an_out_folder_that_is_a_file(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(solver.cli, "run_suite", no_solve)
    suite = tmp_path / "suite.yaml"
    suite.write_text(yaml.safe_dump({"plants": [{"generate": {"orders": 5}}]}))
    (tmp_path / "out").write_text("x")
    assert main(["bench", str(suite), "--out", str(tmp_path / "out")]) == 2
    assert "--out" in capsys.readouterr().err


def test_bench_refuses_to_overwrite_its_suite(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(solver.cli, "run_suite", no_solve)
    suite = tmp_path / "summary.md"  # a suite file where the summary would go
    suite.write_text(yaml.safe_dump({"plants": [{"generate": {"orders": 5}}]}))
    before = suite.read_bytes()
    assert main(["bench", str(suite), "--out", str(tmp_path)]) == 2
    assert "--out" in capsys.readouterr().err and suite.read_bytes() == before
