"""``benchmarks/whatif_latency.py`` keeps each baseline it solves and reads it back, packed or
not, so that runs on other days (and machines) answer for the same baselines."""

from __future__ import annotations

import gzip

from benchmarks import whatif_latency
from benchmarks.whatif_latency import generated, kept_baseline


def test_a_kept_baseline_is_read_back_plain_or_packed(tmp_path, monkeypatch):
    plant = generated(30, 1, 2).with_settings(deterministic=True, seed=0)
    path = tmp_path / "30_1.json"
    solved = kept_baseline(plant, 1, path)
    assert path.exists()

    def no_solve(_plant):
        raise AssertionError("a kept baseline is read, not solved again")

    monkeypatch.setattr(whatif_latency, "solve_plan", no_solve)
    assert kept_baseline(plant, 1, path).steps == solved.steps
    packed = tmp_path / "30_1.json.gz"
    packed.write_bytes(gzip.compress(path.read_bytes()))
    path.unlink()
    again = kept_baseline(plant, 1, path)
    assert again.steps == solved.steps and again.objective == solved.objective
    assert not path.exists()  # nothing unpacked is left beside it
