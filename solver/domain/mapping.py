"""How independent pieces of work are run: one after the other, or on Dask workers.

The engine never imports Dask. Work that splits into independent pieces (the variants of a
what-if, the plants and strategies of a bench suite) takes a ``Mapper``: ``serial`` here, or
the Dask client's mapper from ``solver.dask_work``, which the command line builds for
``--dask``. A mapper returns the results in the order of the items, so the serial and the
parallel run give the same answer wherever the pieces are deterministic.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Mapper(Protocol):
    """``fn`` applied to every item; ``done`` is called once per finished item (progress)."""

    def __call__(
        self,
        fn: Callable[[T], R],
        items: Sequence[T],
        done: Callable[[], None] | None = None,
    ) -> list[R]: ...


def serial(
    fn: Callable[[T], R], items: Sequence[T], done: Callable[[], None] | None = None
) -> list[R]:
    """Each item in turn, in this process."""
    results = []
    for item in items:
        results.append(fn(item))
        if done:
            done()
    return results
