"""``--dask``: independent work (what-if variants, bench plants and strategies) on Dask workers.

A ``LocalCluster`` of worker processes on this machine by default, or an existing cluster
given by its scheduler's address (``--scheduler tcp://host:8786``). Each worker runs one piece
at a time (one thread), since every piece is a CP-SAT solve with its own ``workers``; two
Dask workers with 2 CP-SAT workers each keep 4 threads busy. Results come back in the order
of the pieces, so with the deterministic setting the answer is the serial run's
(``tests/test_dask.py``). Only the command line builds a cluster; the engine gets a
``Mapper`` (``solver.domain.mapping``).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from solver.domain.mapping import Mapper

T = TypeVar("T")
R = TypeVar("R")

CONNECT_SECONDS = 10


class DaskUnavailable(Exception):
    """The scheduler could not be reached, or the cluster could not be started."""


@contextlib.contextmanager
def dask_mapper(scheduler: str | None = None, workers: int = 2) -> Iterator[Mapper]:
    """A mapper over a Dask cluster, closed (and a local cluster stopped) on leaving.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running scheduler; without it a ``LocalCluster`` of ``workers``
        single-threaded worker processes is started here.
    workers : int
        Worker processes of the local cluster (ignored with ``scheduler``).

    Raises
    ------
    DaskUnavailable
        When the scheduler cannot be reached within ``CONNECT_SECONDS`` or the local
        cluster cannot start.
    """
    from dask.distributed import Client, LocalCluster

    cluster = None
    try:
        if scheduler is None:
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",  # any free port: two runs at once must not clash
                silence_logs=logging.ERROR,
            )
            client = Client(cluster)
        else:
            client = Client(scheduler, timeout=CONNECT_SECONDS)
    except (OSError, TimeoutError, ValueError) as exc:
        if cluster is not None:
            cluster.close()
        where = scheduler or f"a local cluster of {workers} workers"
        raise DaskUnavailable(f"cannot use Dask ({where}): {exc}") from exc

    def mapped(
        fn: Callable[[T], R], items: Sequence[T], done: Callable[[], None] | None = None
    ) -> list[R]:
        from dask.distributed import as_completed

        # Not pure: two equal pieces (two replications) are still two runs.
        futures = client.map(fn, list(items), pure=False)
        for _ in as_completed(futures):
            if done:
                done()
        return client.gather(futures)

    try:
        yield mapped
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
