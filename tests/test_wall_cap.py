"""A deterministic solve's wall-clock cap only stops a runaway search; it must not decide an
answer. The solves a command cuts from its limit (a what-if's parts, LNS steps, promise-date
searches) therefore keep the command's cap instead of ten times their own, smaller, limit."""

from __future__ import annotations

import shutil

import pytest
import yaml

from solver.cli import main
from solver.domain.settings import WALL_CAP_FACTOR_MAX, Settings
from solver.solve.cpsat import model as cpsat_model
from tests.conftest import FAST, ROOT, scenario_model, with_baseline


def cap(settings: Settings) -> float:
    return settings.wall_cap


@pytest.mark.parametrize(
    "cut",
    [
        lambda s: s.share(0.3),
        lambda s: s.share(0.25, at_least=0.2),
        lambda s: s.within(1.6),
        lambda s: s.cut_to(0.5),
    ],
    ids=["share", "share-at-least", "within", "cut_to"],
)
def test_a_cut_keeps_the_wall_clock_cap_and_cuts_the_work(cut):
    whole = Settings(time_limit=4, deterministic=True, wall_cap_factor=10, wall_cap_min=0)
    part = cut(whole)
    assert part.time_limit < whole.time_limit
    assert cap(part) == pytest.approx(cap(whole)) == 40
    assert part.deterministic_time in (None, part.time_limit)


def test_a_cut_with_its_own_deterministic_time_cuts_that_too():
    whole = Settings(time_limit=4, deterministic=True, deterministic_time=2, wall_cap_min=0)
    assert whole.share(0.5).deterministic_time == 1
    assert whole.within(1.5).deterministic_time == 1.5
    assert whole.cut_to(0.5).deterministic_time == 0.5
    assert cap(whole.share(0.5)) == cap(whole.within(1.5)) == cap(whole.cut_to(0.5)) == 40


def test_a_cut_stays_within_the_factors_bounds():
    whole = Settings(time_limit=10, deterministic=True, wall_cap_factor=10, wall_cap_min=0)
    tiny = whole.cut_to(0.001)  # 100 s would be 100,000 times its limit
    assert tiny.wall_cap_factor == WALL_CAP_FACTOR_MAX and cap(tiny) == pytest.approx(1)
    bigger = whole.share(0.1, at_least=200)  # a share larger than the whole
    assert bigger.time_limit == 200 and bigger.wall_cap_factor == 1


def test_the_cap_is_never_shorter_than_its_minimum():
    # The default: a 1-s solve may run a minute of wall time, not 10 s (a busy machine took
    # 13.6 s for one of the demo's what-if solves), and so may every part cut from it.
    whole = Settings(time_limit=1, deterministic=True)
    assert whole.wall_cap == 60
    assert whole.share(0.3).wall_cap == whole.cut_to(0.25).wall_cap == pytest.approx(60)
    assert Settings(time_limit=10, deterministic=True).wall_cap == 100


def test_a_cut_without_determinism_leaves_the_deterministic_time_alone():
    whole = Settings(time_limit=4, deterministic=False, deterministic_time=3)
    part = whole.cut_to(1)
    assert (part.time_limit, part.deterministic_time) == (1, 3)


def test_every_solve_of_a_dated_whatif_has_the_commands_cap(baseline_of, tmp_path, monkeypatch):
    # change-quantity is answered with a date: besides the proposal it solves promise dates and
    # the as-asked option, each with a share of the budget (FAST: 1 s a solve; the cap is the
    # default minimum, 60 s).
    scenario = ROOT / "scenarios" / "change-quantity.yaml"
    path = with_baseline(scenario, baseline_of(scenario_model(scenario)), tmp_path)
    seen: list[tuple[float, float]] = []
    original = cpsat_model.solver_parameters

    def spy(solver, settings):
        original(solver, settings)
        seen.append(
            (solver.parameters.max_time_in_seconds, cpsat_model.deterministic_limit(settings))
        )

    monkeypatch.setattr(cpsat_model, "solver_parameters", spy)
    assert main(["whatif", str(path), *FAST]) == 3
    assert len(seen) > 2
    assert all(wall == pytest.approx(60) for wall, _ in seen)
    assert min(work for _, work in seen) < 1  # the shares were cut all the same


@pytest.mark.parametrize(
    ("value", "valid"),
    [(-1, "greater than or equal to 0"), ("a minute", "valid number"), (10**6, "less than")],
)
def test_a_bad_wall_cap_min_names_the_file_the_field_and_what_is_valid(
    tmp_path, capsys, value, valid
):
    model = yaml.safe_load((ROOT / "models" / "demo.yaml").read_text())
    model["settings"]["wall_cap_min"] = value
    shutil.copy(ROOT / "models" / "demo-orders.csv", tmp_path / "demo-orders.csv")
    path = tmp_path / "demo.yaml"
    path.write_text(yaml.safe_dump(model, sort_keys=False))
    assert main(["plan", str(path), "--time-limit", "1"]) == 2
    captured = capsys.readouterr()
    printed = " ".join((captured.out + captured.err).split())
    assert str(path.name) in printed and "wall_cap_min" in printed and valid in printed
    assert "Traceback" not in printed
