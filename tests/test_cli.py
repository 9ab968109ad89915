import json

import pytest

from solver.cli import main
from solver.plan import Plan
from tests.conftest import ROOT, base_model, write_model

DEMO = str(ROOT / "models" / "demo.yaml")


def test_validate_ok_and_broken(tmp_path, capsys):
    assert main(["validate", DEMO]) == 0
    assert "40 orders" in capsys.readouterr().out
    model = base_model()
    model["orders"][0]["quantity"] = -1
    assert main(["validate", str(write_model(tmp_path, model))]) == 2
    err = capsys.readouterr().err
    assert "orders 'O1'" in err and "quantity" in err


def test_schema_is_json_schema(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert {"plant", "orders", "resources"} <= set(schema["properties"])


def test_rank_prints_the_list(capsys):
    assert main(["rank", DEMO, "--top", "3"]) == 0
    assert "Order ranking (3 of 40)" in capsys.readouterr().out


def test_plan_writes_json_and_csv_that_check_accepts(tmp_path, capsys):
    plan_file, csv_file = tmp_path / "plan.json", tmp_path / "steps.csv"
    code = main(
        [
            "plan",
            DEMO,
            "--time-limit",
            "5",
            "--workers",
            "2",
            "--seed",
            "0",
            "--json",
            str(plan_file),
            "--csv",
            str(csv_file),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0 and "Key figures" in out and "bottleneck" in out
    plan = Plan.from_json(plan_file)
    assert len(plan.outcomes) == 40
    assert csv_file.read_text().startswith("resource,start,end,order")
    assert main(["check", DEMO, str(plan_file)]) == 0
    assert "no violations" in capsys.readouterr().out


def test_check_reports_violations_of_a_tampered_plan(tmp_path, capsys):
    plan_file = tmp_path / "plan.json"
    assert (
        main(["plan", DEMO, "--time-limit", "3", "--workers", "2", "--json", str(plan_file)]) == 0
    )
    data = json.loads(plan_file.read_text())
    data["steps"][3]["start"] -= 7
    plan_file.write_text(json.dumps(data))
    capsys.readouterr()
    assert main(["check", DEMO, str(plan_file)]) == 1
    assert "violation" in capsys.readouterr().out


def test_check_refuses_a_file_that_is_not_a_plan(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    assert main(["check", DEMO, str(bad)]) == 2
    assert "not a replan plan JSON" in capsys.readouterr().err


def test_plan_with_lns_reports_no_bound_and_checks(tmp_path, capsys):
    plan_file = tmp_path / "plan.json"
    code = main(
        [
            "plan",
            DEMO,
            "--search",
            "lns",
            "--time-limit",
            "3",
            "--workers",
            "2",
            "--json",
            str(plan_file),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0 and "no bound proven" in out and "none proven" in out
    assert Plan.from_json(plan_file).best_bound is None
    assert main(["check", DEMO, str(plan_file)]) == 0


def test_plan_on_the_zero_inventory_model_prints_purchases_and_split(tmp_path, capsys):
    plan_file = tmp_path / "plan.json"
    custom = str(ROOT / "models" / "custom.yaml")
    args = ["plan", custom, "--time-limit", "10", "--workers", "2", "--seed", "0"]
    buys = tmp_path / "purchases.csv"
    code = main([*args, "--json", str(plan_file), "--purchases", str(buys), "--pab", "day"])
    assert code == 0  # 0: the checker found nothing
    out = capsys.readouterr().out
    assert "Purchases (" in out and "for orders (pegging)" in out and "Supplier split" in out
    plan = Plan.from_json(plan_file)
    assert plan.purchases and all(p.orders for p in plan.purchases)
    fabric = {p.supplier for p in plan.purchases if p.material == "FABRIC"}
    assert len(fabric) >= 2  # Texfast's weekly capacity cannot carry all the fabric
    assert main(["check", custom, str(plan_file)]) == 0
    import pandas as pd

    rows = pd.read_csv(buys)
    assert set(rows["order"]) == {s.order for s in plan.supplies if s.source != "stock"}
    assert "no shortfall in any day" in out or "shortfalls (PAB < 0)" in out


SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


def test_scenario_schema(capsys):
    assert main(["schema", "--scenario"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert {"model", "changes", "variants", "now"} <= set(schema["properties"])


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.stem for s in SCENARIOS])
def test_every_bundled_scenario_gives_a_verdict_and_valid_plans(scenario, capsys):
    # Exit 1 would mean a plan broke a rule; 2 bad input; 0, 3, 4 are verdicts.
    code = main(["whatif", str(scenario), "--time-limit", "1", "--workers", "2", "--seed", "0"])
    assert code in (0, 3, 4)
    out = capsys.readouterr().out
    assert any(v in out for v in ("ACCEPT", "REJECT", "IMPACT"))
