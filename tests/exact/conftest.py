"""The tally of the exact what-if run, shown at its end (with ``-q`` too): per change kind the
plants, those with failing claims, the reference's verdicts (with the engine's where it
differs) and how often a conditional claim was put."""

from __future__ import annotations

from collections import Counter

import pytest

TALLY = pytest.StashKey[Counter]()


@pytest.fixture
def tally(request) -> Counter:
    """Counts of the session: (kind, "plants"), (kind, "failed plants"),
    (kind, protect, reference verdict, engine verdict) and (kind, "note", text)."""
    return request.config.stash.setdefault(TALLY, Counter())


def pytest_terminal_summary(terminalreporter, config) -> None:
    counts = config.stash.get(TALLY, None)
    if not counts:
        return
    terminalreporter.section("exact what-if reference")
    kinds = list(dict.fromkeys(key[0] for key in counts))  # in the order they ran
    for kind in kinds:
        verdicts: Counter = Counter()
        notes: Counter = Counter()
        for key, n in counts.items():
            if key[0] == kind and len(key) == 4:
                _, protect, exact, engine = key
                shown = f"{protect}: {exact}" + ("" if exact == engine else f" (engine {engine})")
                verdicts[shown] += n
            elif key[0] == kind and key[1] == "note":
                notes[key[2]] += n
        line = (
            f"{kind}: {counts[(kind, 'plants')]} plants, {counts[(kind, 'failed plants')]} with "
            "failing claims; reference verdicts "
            + ", ".join(f"{k} x{n}" for k, n in sorted(verdicts.items()))
        )
        if notes:
            line += "; " + ", ".join(f"{k} x{n}" for k, n in sorted(notes.items()))
        terminalreporter.write_line(line)
