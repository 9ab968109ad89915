"""The Gantt charts of the HTML pages in a real browser: labels, key, window, now line,
highlights; and the tables that put what matters first (late orders, early warnings).

Each browser test reads the live charts through a small script (``PROBE``) that writes what a
reader would see into the DOM: the key's entries and swatches, where the key and the plot
area are, the zoom buttons, the time axis's range before and after a button is pressed, the now
line, and each bar's order, label and outline. Chromium as in ``test_html``.
"""

from __future__ import annotations

import html
import json
import re
from datetime import datetime, timedelta

import yaml

from solver.changes.scenario import load_scenario
from solver.domain.timegrid import format_duration, format_moment
from solver.report.gantt import ASKED, LATE, WINDOW
from solver.report.html import PROPOSAL_DIV, plan_page, whatif_page, write_page
from solver.report.html_why_late import GANTT_DIV
from solver.rules.ranking import rank_orders
from solver.whatif.evaluate import evaluate
from solver.whatif.warnings import BREAK, EXTERNAL, INTERNAL, Warning
from tests.conftest import base_model, solve_checked, write_model
from tests.report.test_html import assert_loaded, read, render, table
from tests.test_whatif import baseline_file, plant_model, rush, tiered_model

DAY = "2026-11-23T"

# After load: each chart's state as JSON in ``data-probe`` on the body; the last chart's "week"
# button is pressed and its new range recorded as ``after``.
PROBE = """<script>
window.addEventListener("load", () => setTimeout(() => {
  const box = el => {
    const r = el.getBoundingClientRect();
    return [r.left, r.top, r.right, r.bottom];
  };
  const charts = {};
  document.querySelectorAll(".plotly-graph-div").forEach(gd => {
    const drawn = [...gd.querySelectorAll("g.point")].filter(
      p => p.querySelector("path").getAttribute("d") !== "M0,0Z");
    charts[gd.id] = {
      range: gd._fullLayout.xaxis.range.slice(),
      key: [...gd.querySelectorAll("g.legend g.traces")].map(g => {
        const swatch = g.querySelector("path");
        return { name: g.querySelector("text.legendtext").textContent, fill: swatch.style.fill,
                 stroke: swatch.style.stroke, width: swatch.style.strokeWidth };
      }),
      legendBox: box(gd.querySelector("g.legend")),
      // A key taller than its box scrolls: an entry below the box is hidden.
      keyFits: [...gd.querySelectorAll("g.legend g.traces")].every(
        g => box(g)[3] <= box(gd.querySelector("g.legend rect.bg"))[3] + 1),
      plotBox: box(gd.querySelector("rect.nsewdrag")),
      buttons: [...gd.querySelectorAll("g.updatemenu-button")].map(b => b.textContent),
      lines: gd._fullLayout.shapes.filter(s => s.type === "line").map(s => [s.x0, s.x1, s.yref]),
      notes: gd._fullLayout.annotations.map(a => a.text),
      bars: drawn.map(p => {
        const text = p.querySelector("text"), path = p.querySelector("path");
        return { order: text ? text.textContent : null,
                 shown: !!text && text.style.display !== "none" && !/scale\\(0\\)/.test(
                   text.getAttribute("transform") || ""),
                 stroke: path.style.stroke, width: path.style.strokeWidth, fill: path.style.fill };
      }),
    };
  });
  // The last chart only, so that the screenshot shows the others as they open.
  const last = [...document.querySelectorAll(".plotly-graph-div")].pop();
  const week = [...last.querySelectorAll("g.updatemenu-button")].find(
    b => b.textContent === "week");
  week.dispatchEvent(new MouseEvent("click", { bubbles: true }));
  setTimeout(() => {
    charts[last.id].after = last._fullLayout.xaxis.range.slice();
    document.body.dataset.probe = JSON.stringify(charts);
  }, 500);
}, 300));
</script>"""


def probe(dom: str) -> dict:
    (found,) = re.findall(r'data-probe="([^"]*)"', dom)
    return json.loads(html.unescape(found))


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def rgb(colour: str) -> str:
    """``#d11`` or ``#7b2cbf`` as the browser writes it: ``rgb(221, 17, 17)``."""
    digits = colour[1:]
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return "rgb({}, {}, {})".format(*(int(digits[k : k + 2], 16) for k in (0, 2, 4)))


def four_resources() -> dict:
    """CUT, WELD (a day shift), PAINT (down on day 3), PACK; one step per product, ranking by
    tier alone (A weighs 10, B 5 or 6, C 1), so each priority class has orders:

    - WIDE (A): two days on CUT, wide enough for its label in a two-week window;
    - THIN (C): 10 minutes on PACK, far too thin for one;
    - LATE (C): an hour on PACK, due half an hour in: late whatever the plan;
    - SHIFT (B): four hours on WELD;
    - FAR (B): released on day 18, so the plan runs past two weeks.
    """
    model = base_model()
    model["plant"]["horizon"] = "4w"
    model["settings"].update(
        max_weight=10,
        workers=2,
        seed=0,
        time_limit=5,
        ranking={"urgency": 0, "tier": 1, "margin": 0},
        tiers={"A": 1.0, "B": 0.5, "C": 0.0},
    )
    days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    model["calendars"] = [
        {"id": "day", "shifts": [{"days": days, "start": "06:00", "end": "18:00"}]}
    ]
    down = {"from": "2026-11-25T00:00", "to": "2026-11-25T12:00", "reason": "service"}
    model["resources"] = [
        {"id": "CUT"},
        {"id": "WELD", "calendar": "day"},
        {"id": "PAINT", "downtime": [down]},
        {"id": "PACK"},
    ]
    work = [("LONG", "CUT", "2d"), ("TINY", "PACK", "10m"), ("BOX", "PACK", "1h")]
    work += [("FRAME", "WELD", "4h"), ("COAT", "PAINT", "3h")]
    model["products"] = [
        {
            "id": product,
            "unit_cost": 1.0,
            "routing": [{"id": "s1", "resources": [{"resource": resource, "setup": time}]}],
        }
        for product, resource, time in work
    ]
    model["customers"] = [{"id": t, "tier": t} for t in "ABC"]
    order = {"quantity": 1, "price": 100.0, "due": "2026-12-15T00:00"}
    model["orders"] = [
        {**order, "id": "WIDE", "customer": "A", "product": "LONG"},
        {**order, "id": "THIN", "customer": "C", "product": "TINY"},
        {**order, "id": "LATE", "customer": "C", "product": "BOX", "due": DAY + "00:30"},
        {**order, "id": "SHIFT", "customer": "B", "product": "FRAME"},
        {**order, "id": "FAR", "customer": "B", "product": "COAT", "release": "2026-12-11T00:00"},
    ]
    return model


def test_the_plan_chart_labels_wide_bars_keys_every_mark_and_opens_on_two_weeks(
    make_plant, tmp_path
):
    plant = make_plant(four_resources())
    plan = solve_checked(plant)
    late = {o.order for o in plan.outcomes if o.tardiness > 0}
    assert late == {"LATE"}
    page = tmp_path / "plan.html"
    write_page(page, plan_page(plant, plan).replace("</body>", PROBE + "</body>"))
    dom = render(page, "plan-gantt-4-resources.png")
    assert_loaded(dom)
    charts = probe(dom)
    chart = charts[GANTT_DIV]

    # The key: one entry per priority class, in its own colour with a white edge; then late
    # (the red outline), off shift and downtime; beside the plot, not over its first row.
    key = {entry["name"]: entry for entry in chart["key"]}
    assert list(key) == ["high priority", "medium", "low", "late", "off shift", "downtime"]
    assert key["medium"]["stroke"] == "rgb(255, 255, 255)"
    assert key["late"]["stroke"] == rgb(LATE) and key["late"]["fill"] != key["medium"]["fill"]
    assert chart["legendBox"][0] >= chart["plotBox"][2], "the key overlaps the plot"
    assert chart["keyFits"], "the key scrolls: some entries are hidden"

    # Labels where they fit; outlines only on the late order.
    bars = {bar["order"]: bar for bar in chart["bars"]}
    assert set(bars) == {s.order for s in plan.steps}
    assert bars["WIDE"]["shown"] and not bars["THIN"]["shown"]
    assert bars["LATE"]["stroke"] == rgb(LATE)
    assert {o for o, bar in bars.items() if bar["stroke"] == rgb(LATE)} == late

    # Two weeks from the plan's start (with a little lead before it), a dotted now line there;
    # the zoom buttons, and "week" shows a week from now.
    now = plant.grid.start
    start, end = map(moment, chart["range"])
    assert end == now + WINDOW and now - timedelta(days=1) < start < now
    assert chart["buttons"] == ["day", "week", "2 weeks", "month", "all"]
    assert chart["lines"] == [[now.isoformat(), now.isoformat(), "paper"]]
    assert "now" in chart["notes"]
    by_order = list(charts.values())[-1]
    assert by_order["buttons"] == chart["buttons"] and by_order["range"] == chart["range"]
    start, end = map(moment, by_order["after"])
    assert end == now + timedelta(days=7) and start < now

    # The late orders, highest priority first, as the plan has them.
    rows = table(read(dom), "Late orders (1)")
    assert rows[0] == ["order", "customer", "tier", "due", "planned completion", "late by"]
    ranked = [r.order for r in rank_orders(plant) if r.order in late]
    assert [row[0] for row in rows[1:]] == ranked
    (outcome,) = [o for o in plan.outcomes if o.order == "LATE"]
    grid = plant.grid
    assert rows[1] == [
        "LATE",
        plant.customers["C"].name,
        "C",
        "Mon 23 Nov 00:30",
        format_moment(grid.to_datetime(outcome.completion)),
        format_duration(grid.to_timedelta(outcome.tardiness)),
    ]


def test_a_short_plan_opens_on_all_of_it(make_plant, tmp_path):
    """Two weeks of a plan three hours long would be empty days: the chart shows the plan."""
    model = plant_model(O1="02:00", O2="04:00")
    plant = make_plant(model)
    plan = solve_checked(plant)
    page = plan_page(plant, plan)
    ranges = re.findall(r'"xaxis":\{[^{}]*?"range":\["([^"]+)","([^"]+)"\]', page)
    assert ranges, "no initial range"
    last = max(s.end for s in plan.steps)
    for start, end in ranges:
        span = moment(end) - moment(start)
        assert span < timedelta(hours=4)
        assert moment(end) >= plant.grid.to_datetime(last)


def whatif(tmp_path, shot: str | None = None):
    """The tier-A rush of ``test_html.test_whatif_page_recommends_accepting_a_tier_a_rush_as_asked``
    (accepted as asked: O1 moves an hour later): its evaluation, and with ``shot`` its page in
    the browser with the probe."""
    model = tiered_model(rush_tier="A", other_tier="C")
    base = baseline_file(tmp_path, model, {"O1": ("M1", 0, 60)})
    write_model(tmp_path, model)
    scenario = tmp_path / "scenario.yaml"
    changes = [rush("01:00", customer="RC")]
    scenario.write_text(
        yaml.safe_dump({"model": "plant.yaml", "baseline": str(base), "changes": changes})
    )
    evaluation = evaluate(load_scenario(scenario))
    if shot is None:
        return evaluation, ""
    page = tmp_path / "whatif.html"
    write_page(page, whatif_page(evaluation).replace("</body>", PROBE + "</body>"))
    dom = render(page, shot)
    assert_loaded(dom)
    return evaluation, dom


def test_the_proposal_hatches_moved_steps_and_outlines_the_asked_order(tmp_path):
    evaluation, dom = whatif(tmp_path, "whatif-highlights.png")
    outcome = evaluation.outcomes[0]
    assert outcome.asked == ["R"]
    charts = probe(dom)
    proposal = charts[PROPOSAL_DIV]
    key = {entry["name"]: entry for entry in proposal["key"]}
    assert key["asked"]["stroke"] == rgb(ASKED)
    assert key["moved"]["fill"].startswith("url(")  # the hatch
    bars = {bar["order"]: bar for bar in proposal["bars"]}
    assert bars["R"]["stroke"] == rgb(ASKED) and bars["R"]["width"] == "3px"
    before = {s.order: (s.resource, s.start) for s in evaluation.baseline.steps}
    after = {s.order: (s.resource, s.start) for s in outcome.plan.steps}
    moved = {o for o in before if before[o] != after[o]} | {"R"}
    assert moved - {"R"}, "the rush moves nothing: the test shows no hatch"
    assert {o for o, bar in bars.items() if bar["fill"].startswith("url(")} == moved
    # The baseline (the first chart) has nothing asked or moved; both open at the what-if's
    # now, with its line.
    baseline = next(iter(charts.values()))
    assert not {"asked", "moved"} & {entry["name"] for entry in baseline["key"]}
    now = evaluation.plant.grid.to_datetime(evaluation.now).isoformat()
    assert proposal["lines"] == baseline["lines"] == [[now, now, "paper"]]


def test_early_warnings_put_breaks_and_risks_first_and_fold_the_internal_alerts(tmp_path):
    evaluation, _ = whatif(tmp_path)
    outcome = evaluation.outcomes[0]
    moved = sorted(m.order for m in outcome.moves)
    alerts = [
        Warning(INTERNAL, f"Q{k:02}", "K", "on time with only 1h to spare") for k in range(30)
    ]
    alerts += [Warning(INTERNAL, o, "C", "on time with only 5m to spare") for o in moved]
    outcome.warnings = [
        *alerts,
        Warning(EXTERNAL, "X2", "K", "planned 2h late; recoverable"),
        Warning(BREAK, "B1", "K", "planned 1d late; no lever saves it"),
        Warning(EXTERNAL, "X1", "K", "planned 1h late; recoverable"),
        Warning(BREAK, "B0", "K", "planned 2d late; no lever saves it"),
    ]
    page = whatif_page(evaluation)
    reader = read(page)
    heading = f"Early warnings (2 confirmed break(s), 2 external risk notice(s), {len(alerts)}"
    urgent = table(reader, heading)
    assert [(row[0], row[1]) for row in urgent[1:]] == [
        (BREAK, "B0"),
        (BREAK, "B1"),
        (EXTERNAL, "X1"),
        (EXTERNAL, "X2"),
    ]
    folded = table(reader, f"Internal alerts ({len(alerts)}, {len(moved)} on orders that move)")
    assert len(folded) == 1 + len(alerts)
    assert [row[0] for row in folded[1 : 1 + len(moved)]] == moved  # those that move first
    (details,) = re.findall(r'<details class="internal-alerts"[^>]*>', page)
    assert " open" not in details  # folded until asked for
