"""What-if solves with parallel (not interleaved) workers must not crash the process.

OR-Tools 9.15's local search segfaults on the neighbourhood models of a what-if with presolve
off (``cpsat.model._without_local_search``). The what-if below crashed with exit -11 on every
run before that guard; it runs in a child process so that a crash fails this test instead of
killing the test run.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
from pydantic import TypeAdapter
from benchmarks.whatif_latency import generated, rush_change
from solver.changes.apply import Change
from solver.solve.dispatch import best_dispatch
from solver.whatif.evaluate import evaluate_changes

plant = generated(200, 2, 2).with_settings(
    deterministic=False, workers=2, presolve="off", whatif_time_limit=4
)
change = TypeAdapter(Change).validate_python(rush_change(plant))
outcome = evaluate_changes(plant, best_dispatch(plant), 0, "rush", [change])
print(outcome.verdict)
"""


def test_parallel_what_if_on_a_200_order_plant_answers_without_crashing():
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=root, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"exit {done.returncode}: {done.stderr[-2000:]}"
    verdicts = {"ACCEPT", "ACCEPT WITH DATE", "ACCEPT AS ASKED", "REJECT"}
    assert done.stdout.strip().splitlines()[-1] in verdicts
