from solver.rules.ranking import order_margin, rank_orders, remaining_work
from tests.conftest import base_model


def three_orders(make_plant):
    model = base_model()
    model["customers"] += [{"id": "MID", "tier": "B"}, {"id": "LOW", "tier": "C"}]
    model["plant"]["horizon"] = "30d"
    first = model["orders"][0]
    model["orders"] = [
        dict(first, id="URGENT", customer="LOW", due="2026-11-23T02:00"),
        dict(first, id="KEY", customer="C", due="2026-12-10"),
        dict(first, id="RICH", customer="LOW", due="2026-12-10", price=50.0),
    ]
    return make_plant(model)


def test_components_follow_due_date_tier_and_margin(make_plant):
    plant = three_orders(make_plant)
    ranks = {r.order: r for r in rank_orders(plant)}
    assert ranks["URGENT"].urgency > ranks["KEY"].urgency == ranks["RICH"].urgency == 0
    assert ranks["KEY"].tier == 1.0 and ranks["URGENT"].tier == 0.3
    assert ranks["RICH"].margin == 1.0 and ranks["KEY"].margin < 0.1
    assert ranks["URGENT"].slack == 120 - 60


def test_score_and_weight_formula(make_plant):
    plant = three_orders(make_plant)
    weights = plant.settings.ranking
    total = weights.urgency + weights.tier + weights.margin
    for r in rank_orders(plant):
        expected = (
            weights.urgency * r.urgency + weights.tier * r.tier + weights.margin * r.margin
        ) / total
        assert abs(r.score - expected) < 1e-12
        assert r.weight == 1 + round(r.score * (plant.settings.max_weight - 1))


def test_ranking_is_sorted_by_score(make_plant):
    ranks = rank_orders(three_orders(make_plant))
    assert [r.position for r in ranks] == [1, 2, 3]
    assert all(a.score >= b.score for a, b in zip(ranks, ranks[1:], strict=False))


def test_margin_and_remaining_work(make_plant):
    plant = three_orders(make_plant)
    assert order_margin(plant, plant.orders["RICH"]) == 49.0
    assert remaining_work(plant, "KEY") == 60
