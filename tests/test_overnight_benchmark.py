"""``benchmarks/overnight.py`` runs, measures the child's peak, and keeps the best objective
any run found as the reference (a later, worse run never lowers the bar), for the plant's
dispatch objective (a reference found under other objective terms does not compare)."""

from __future__ import annotations

import json

import pandas as pd

from benchmarks import overnight


def test_a_small_overnight_run_writes_its_table_and_keeps_the_reference(tmp_path):
    reference = tmp_path / "reference.json"
    args = ["--orders", "40", "--supply", "with", "--limits", "1", "--out", str(tmp_path)]
    overnight.main([*args, "--reference", str(reference)])
    table = pd.read_csv(tmp_path / "overnight.csv")
    (row,) = table.itertuples()
    assert row.exit == 0 and row.peak_mb > 0 and row.objective <= row.dispatch
    # Lateness is a part of each objective (purchases are the rest, with materials).
    assert 0 <= row.lateness <= row.objective and 0 <= row.dispatch_lateness <= row.dispatch
    kept = json.loads(reference.read_text())
    assert kept == {"40_with_seed1": {"objective": row.objective, "dispatch": row.dispatch}}
    # A reference better than anything this plant allows stays as it is.
    better = {"40_with_seed1": {"objective": 1.0, "dispatch": row.dispatch}}
    reference.write_text(json.dumps(better))
    overnight.main([*args, "--reference", str(reference)])
    assert json.loads(reference.read_text()) == better
    again = pd.read_csv(tmp_path / "overnight.csv")
    assert again.above_reference_pct.iloc[0] > 0
    assert (tmp_path / "overnight.png").exists()


def test_a_reference_found_under_another_dispatch_objective_is_replaced(tmp_path):
    reference = tmp_path / "reference.json"
    # Found when the objective had other terms (its dispatch differed), or a bare number of
    # the older format: neither compares with today's plan.
    for stale in ({"objective": 1.0, "dispatch": 2.0}, 1.0):
        reference.write_text(json.dumps({"40_with_seed1": stale}))
        args = ["--orders", "40", "--supply", "with", "--limits", "1", "--out", str(tmp_path)]
        overnight.main([*args, "--reference", str(reference)])
        (row,) = pd.read_csv(tmp_path / "overnight.csv").itertuples()
        assert row.reference == row.objective and row.above_reference_pct == 0
        kept = json.loads(reference.read_text())["40_with_seed1"]
        assert kept == {"objective": row.objective, "dispatch": row.dispatch}
