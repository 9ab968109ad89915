"""``benchmarks/overnight.py`` runs, measures the child's peak, and keeps the best objective
any run found as the reference (a later, worse run never lowers the bar)."""

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
    kept = json.loads(reference.read_text())
    assert kept == {"40_with_seed1": row.objective}
    # A reference better than anything this plant allows stays as it is.
    reference.write_text(json.dumps({"40_with_seed1": 1.0}))
    overnight.main([*args, "--reference", str(reference)])
    assert json.loads(reference.read_text()) == {"40_with_seed1": 1.0}
    again = pd.read_csv(tmp_path / "overnight.csv")
    assert again.above_reference_pct.iloc[0] > 0
    assert (tmp_path / "overnight.png").exists()
