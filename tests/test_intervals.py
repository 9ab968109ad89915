from hypothesis import given
from hypothesis import strategies as st

from solver.domain.intervals import clip, containing, merge, subtract, total

spans = st.lists(
    st.tuples(st.integers(0, 200), st.integers(1, 40)).map(lambda t: (t[0], t[0] + t[1])),
    max_size=8,
)


def test_merge_joins_touching_and_overlapping():
    assert merge([(5, 8), (0, 3), (3, 4), (7, 10)]) == [(0, 4), (5, 10)]


def test_subtract_cuts_holes():
    assert subtract([(0, 10)], [(2, 3), (8, 12)]) == [(0, 2), (3, 8)]


@given(spans, spans)
def test_subtract_leaves_exactly_the_points_outside_holes(intervals, holes):
    result = subtract(intervals, holes)
    inside = {t for s, e in merge(intervals) for t in range(s, e)}
    holed = {t for s, e in holes for t in range(s, e)}
    assert {t for s, e in result for t in range(s, e)} == inside - holed
    assert total(result) == len(inside - holed)


def test_clip_and_containing():
    windows = clip([(-5, 5), (10, 20)], 0, 15)
    assert windows == [(0, 5), (10, 15)]
    assert containing(windows, 10, 15) and not containing(windows, 4, 11)


def test_subtract_with_many_holes_across_intervals():
    assert subtract([(0, 10), (20, 30)], [(5, 25), (27, 28), (40, 50)]) == [
        (0, 5),
        (25, 27),
        (28, 30),
    ]


def test_first_overload_counts_units_and_lets_back_to_back_spans_touch():
    from solver.domain.intervals import first_overload

    assert first_overload([(0, 60, 1), (60, 120, 1)], 1) is None
    assert first_overload([(0, 60, 1), (30, 90, 1)], 1) == 30
    assert first_overload([(0, 60, 1), (30, 90, 1), (40, 50, 1)], 2) == 40
    assert first_overload([(0, 100, 2), (10, 20, 1)], 2) == 10
