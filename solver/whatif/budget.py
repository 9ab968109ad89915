"""How one change set's answer shares ``whatif_time_limit`` among its solves.

A what-if answers while the customer is on the phone, so its solves share one budget instead
of each taking ``time_limit``: measured at 200 orders with 10 s per solve, one answer took
59-206 s (benchmarks/whatif_latency.py --quality). The proposal gets the largest share, as
every answer starts from it; the promise dates are solved only when the proposal misses an
asked date or harms an order, the as-asked option only when the proposal misses a date, and
the warnings check only when an order is late.
"""

from __future__ import annotations

from solver.domain.plant import Plant

SHARES = {"proposal": 0.4, "promise": 0.3, "as_asked": 0.2, "warnings": 0.1}


def budgeted(plant: Plant, part: str) -> Plant:
    """The plant with the solve limit of one part of the answer (``SHARES``).

    Parameters
    ----------
    plant : Plant
    part : str
        One of ``SHARES``' keys.

    Returns
    -------
    Plant
        A copy whose ``time_limit`` (and deterministic limit) is at most the part's share of
        ``whatif_time_limit``.
    """
    seconds = SHARES[part] * plant.settings.whatif_time_limit
    return plant.replace(settings=plant.settings.within(seconds))
