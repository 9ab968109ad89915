"""`replan serve`: the HTTP API with FastAPI's test client.

Every endpoint, bad input (422 naming the field, the engine's problems with file, record and
field), unknown ids (404), the solve limit (429 with Retry-After), cancel (the job ends
'cancelled' and its process is gone), the token rule (401 without, 200 with), and the
planner's day end to end: upload the demo, plan and release it, ask the rush order of
``scenarios/rush-order.yaml``, accept it, and see the released plan change and the decision
in the history. Solves are tiny (1-3 s, 1-2 workers); the properties asserted are status
codes, fields and the engine's own verdict strings, never solver numbers.
"""

from __future__ import annotations

import io
import json
import socket
import time
import warnings
import zipfile
from pathlib import Path

import psutil
import pytest
import yaml

from solver.cli import main
from solver.domain.errors import DataError
from solver.replay.generate import generate_plant
from solver.service.app import create_app
from solver.service.settings import TOKEN_VARIABLE, ServiceSettings, service_settings
from solver.whatif.outcome import ACCEPT, ACCEPT_AS_ASKED, ACCEPT_WITH_DATE, IMPACT, REJECT

with warnings.catch_warnings():
    # Starlette 1.x asks for httpx2 behind FastAPI's test client; httpx works the same.
    warnings.filterwarnings("ignore", message=".*httpx2.*")
    from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parent.parent
DEMO = {
    "demo.yaml": (ROOT / "models/demo.yaml").read_text(),
    "demo-orders.csv": (ROOT / "models/demo-orders.csv").read_text(),
}
VERDICTS = {ACCEPT, ACCEPT_AS_ASKED, ACCEPT_WITH_DATE, IMPACT, REJECT}
TINY = {"time_limit": 2, "workers": 2, "deterministic": True}
WHATIF = {"time_limit": 2, "workers": 1, "whatif_time_limit": 1}
TOKEN = "s3cret-token-for-tests"


def rush_order() -> dict:
    """The change as asked of ``scenarios/rush-order.yaml`` (its variants left out: one
    answer is enough here), as the JSON a client would send."""
    scenario = yaml.load((ROOT / "scenarios/rush-order.yaml").read_text(), Loader=yaml.BaseLoader)
    change = scenario["changes"][0]
    change["quantity"] = int(change["quantity"])
    change["price"] = float(change["price"])
    return {"now": scenario["now"], "changes": [change], "settings": scenario["settings"]}


def wait(client: TestClient, job: dict, timeout: float = 90) -> dict:
    """Poll a job until it ends."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = client.get(f"/jobs/{job['id']}").json()
        if state["state"] in ("done", "failed", "cancelled"):
            return state
        time.sleep(0.2)
    raise AssertionError(f"job {job['id']} still {state['state']} after {timeout} s")


def wait_running(client: TestClient, job: dict, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while client.get(f"/jobs/{job['id']}").json()["state"] != "running":
        assert time.monotonic() < deadline, "the job never started"
        time.sleep(0.1)


def events(client: TestClient, job_id: str) -> list[tuple[str, dict]]:
    """The job's server-sent events, read to the end of the stream: (event, data)."""
    with client.stream("GET", f"/jobs/{job_id}/events") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        text = "".join(response.iter_text())
    found = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in fields:
            found.append((fields["event"], json.loads(fields["data"])))
    return found


def fields_of(response) -> list[str]:
    """The last element of each 422 ``loc`` (FastAPI's validation errors)."""
    return [str(error["loc"][-1]) for error in response.json()["detail"]]


@pytest.fixture
def client(tmp_path):
    app = create_app(tmp_path / "store.db", ServiceSettings(max_solves=2))
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    """The demo uploaded, planned and released once for the tests that read it."""
    folder = tmp_path_factory.mktemp("desk")
    app = create_app(folder / "store.db", ServiceSettings(max_solves=2))
    with TestClient(app) as test_client:
        plant = test_client.post("/plants", json={"files": DEMO}).json()
        job = test_client.post(f"/plants/{plant['id']}/plans", json={**TINY, "release": True})
        assert job.status_code == 202
        done = wait(test_client, job.json())
        assert done["state"] == "done", done
        yield test_client, plant, done


# -- plants -------------------------------------------------------------------------------


def test_a_plant_uploaded_as_text_is_listed_and_read_back_with_its_ids(client):
    response = client.post("/plants", json={"files": DEMO})
    assert response.status_code == 201
    plant = response.json()
    assert plant["created"] is True
    assert plant["files"] == ["demo-orders.csv", "demo.yaml"]
    assert "SO-1001" in plant["orders"] and "ACME" in plant["customers"]
    assert "CTRL-100" in plant["products"] and "AOI" in plant["resources"]
    again = client.post("/plants", json={"files": DEMO, "model": "demo.yaml"}).json()
    assert (again["id"], again["created"]) == (plant["id"], False)
    listed = client.get("/plants").json()
    assert [p["id"] for p in listed] == [plant["id"]]
    got = client.get(f"/plants/{plant['id']}").json()
    assert got["input_hash"] == plant["input_hash"] and got["orders"] == plant["orders"]


def test_a_zipped_plant_folder_is_the_same_plant(client):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in DEMO.items():
            archive.writestr(f"demo/{name}", text)
    response = client.post(
        "/plants/zip", content=buffer.getvalue(), headers={"Content-Type": "application/zip"}
    )
    assert response.status_code == 201, response.text
    as_text = client.post("/plants", json={"files": DEMO}).json()
    assert response.json()["input_hash"] == as_text["input_hash"]
    assert as_text["created"] is False


def test_a_bad_plant_is_422_with_the_engines_file_record_and_field(client):
    broken = DEMO["demo.yaml"].replace("resolution: 5m", "resolution: 5 parsecs")
    response = client.post("/plants", json={"files": {**DEMO, "demo.yaml": broken}})
    assert response.status_code == 422
    body = response.json()
    problem = body["problems"][0]
    assert problem["file"] == "demo.yaml" and "resolution" in problem["field"]
    assert "replan-upload" not in response.text  # the server's temporary folder stays hidden
    missing_table = client.post("/plants", json={"files": {"demo.yaml": DEMO["demo.yaml"]}})
    assert missing_table.status_code == 422
    assert "demo-orders.csv" in missing_table.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "files"),
        ({"files": {}}, "files"),
        ({"files": DEMO, "colour": "red"}, "colour"),
    ],
)
def test_a_malformed_upload_is_422_naming_the_field(client, body, field):
    response = client.post("/plants", json=body)
    assert response.status_code == 422
    assert field in fields_of(response)


def test_uploads_that_are_not_a_plant_folder_are_refused(client):
    outside = client.post("/plants", json={"files": {"../evil.yaml": "plant: {}"}})
    assert outside.status_code == 422 and "relative" in outside.json()["detail"]
    two_models = client.post("/plants", json={"files": {"a.yaml": "x: 1", "b.yaml": "x: 1"}})
    assert two_models.status_code == 422 and "model" in two_models.json()["problems"][0]["record"]
    not_zip = client.post(
        "/plants/zip", content=b"not a zip", headers={"Content-Type": "application/zip"}
    )
    assert not_zip.status_code == 422 and "zip" in not_zip.json()["detail"]


def test_an_upload_over_the_servers_limit_is_refused(tmp_path):
    app = create_app(tmp_path / "store.db", ServiceSettings(max_upload_mb=0.001))
    with TestClient(app) as client:
        response = client.post("/plants", json={"files": DEMO})
        assert response.status_code == 422 and "limit" in response.json()["detail"]
        zipped = client.post(
            "/plants/zip", content=b"x" * 2048, headers={"Content-Type": "application/zip"}
        )
        assert zipped.status_code == 413


# -- unknown ids and bad requests -----------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/plants/999"),
        ("post", "/plants/999/plans"),
        ("get", "/plans/999"),
        ("get", "/plans/released"),
        ("get", "/plans/candidate"),
        ("get", "/plans/999/diff/998"),
        ("post", "/plans/999/release"),
        ("get", "/plans/999/explain/SO-1001"),
        ("get", "/whatifs/999"),
        ("post", "/whatifs/999/accept"),
        ("post", "/whatifs/999/reject"),
        ("get", "/jobs/nosuchjob"),
        ("delete", "/jobs/nosuchjob"),
        ("get", "/jobs/nosuchjob/events"),
    ],
)
def test_unknown_ids_are_404_with_a_message(client, method, path):
    body = {"json": {}} if method == "post" else {}
    response = getattr(client, method)(path, **body)
    assert response.status_code == 404, response.text
    assert response.json()["detail"]


def test_a_whatif_with_nothing_released_and_no_plant_is_422(client):
    response = client.post("/whatifs", json={**rush_order(), **WHATIF})
    assert response.status_code == 422
    assert "released" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"time_limit": 0}, "time_limit"),
        ({"time_limit": "soon"}, "time_limit"),
        ({"workers": 0}, "workers"),
        ({"release": "perhaps"}, "release"),
        ({"speed": "fast"}, "speed"),
    ],
)
def test_bad_solve_options_are_422_naming_the_field(desk, body, field):
    client, plant, _ = desk
    response = client.post(f"/plants/{plant['id']}/plans", json=body)
    assert response.status_code == 422
    assert field in fields_of(response)


def test_a_setting_the_engine_refuses_is_422_with_its_problem(desk):
    client, plant, _ = desk
    response = client.post(f"/plants/{plant['id']}/plans", json={"memory": "lots"})
    assert response.status_code == 422
    problem = response.json()["problems"][0]
    assert (problem["file"], problem["field"]) == ("request", "memory")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ([{"kind": "add_order", "id": "X", "quantity": -5}], "quantity"),
        ([{"kind": "cancel_order"}], "order"),
        ([{"kind": "teleport", "order": "SO-1001"}], "changes"),
    ],
)
def test_a_bad_change_is_422_naming_the_field(desk, changes, field):
    client, _, _ = desk
    response = client.post("/whatifs", json={"changes": changes, **WHATIF})
    assert response.status_code == 422
    assert any(field in str(error["loc"]) for error in response.json()["detail"])


def test_a_bad_quick_entry_or_scenario_value_is_422_with_the_engines_problem(desk):
    client, _, _ = desk
    quick = client.post(
        "/whatifs", json={"quick": [{"flag": "add-order", "values": ["RUSH,ACME"]}], **WHATIF}
    )
    assert quick.status_code == 422
    assert quick.json()["problems"][0]["record"].startswith("--add-order")
    late_now = client.post("/whatifs", json={**rush_order(), "now": "yesterday", **WHATIF})
    assert late_now.status_code == 422
    assert late_now.json()["problems"][0]["field"] == "now"
    setting = client.post("/whatifs", json={**rush_order(), "settings": {"protect": "all"}})
    assert setting.status_code == 422
    assert setting.json()["problems"][0]["field"] == "settings.protect"
    strategy = client.post("/whatifs", json={**rush_order(), "strategy": "guess", **WHATIF})
    assert strategy.status_code == 422 and "strategy" in strategy.json()["detail"]


def test_a_change_only_the_plant_can_refuse_fails_its_job_with_the_problem(desk):
    client, _, _ = desk
    body = {"changes": [{"kind": "cancel_order", "order": "SO-9999"}], **WHATIF}
    job = client.post("/whatifs", json=body)
    assert job.status_code == 202
    failed = wait(client, job.json())
    assert failed["state"] == "failed"
    assert failed["error"]["status"] == 422
    assert "SO-9999" in json.dumps(failed["error"])
    assert "Traceback" not in json.dumps(failed)


def test_a_bug_is_500_with_one_line_and_no_traceback(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("solver.store.store.Store.history", broken)
    app = create_app(tmp_path / "store.db")
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/history")
    assert response.status_code == 500
    assert response.json() == {"detail": "internal error: RuntimeError; see the server log"}


# -- plans --------------------------------------------------------------------------------


def test_a_plan_job_reports_its_states_and_the_stored_plan(desk):
    client, plant, done = desk
    assert done["result_url"] == f"/plans/{done['result']['plan_id']}"
    assert done["result"]["released"] is True and done["result"]["violations"] == []
    plan = client.get(done["result_url"]).json()
    assert plan["released"] is True and plan["plant_id"] == plant["id"]
    assert {o["order"] for o in plan["plan"]["outcomes"]} == set(plant["orders"])
    assert client.get("/plans/released").json()["id"] == plan["id"]
    listed = client.get("/plans", params={"plant": plant["id"]}).json()
    assert plan["id"] in [p["id"] for p in listed]
    seen = events(client, done["id"])  # a finished job replays its events, then ends
    states = [data["state"] for kind, data in seen if kind == "state"]
    assert states == ["queued", "running", "done"]
    assert seen[-1][1]["result_url"] == done["result_url"]
    with client.stream(
        "GET", f"/jobs/{done['id']}/events", headers={"Last-Event-ID": "2"}
    ) as resumed:
        text = "".join(resumed.iter_text())
    assert "id: 1\n" not in text and "id: 2\n" not in text and '"done"' in text
    jobs = client.get("/jobs").json()
    assert done["id"] in [j["id"] for j in jobs]


def test_the_openapi_document_shows_the_plan_file_schema(desk):
    client, _, _ = desk
    spec = client.get("/openapi.json").json()
    assert "PlanFile" in spec["components"]["schemas"]
    assert "/jobs/{job_id}/events" in spec["paths"]
    assert client.get("/docs").status_code == 200
    assert client.get("/health").json()["status"] == "ok"


def test_explain_gives_the_chain_of_an_order_and_404_for_an_unknown_one(desk):
    client, _, done = desk
    plan_id = done["result"]["plan_id"]
    response = client.get(f"/plans/{plan_id}/explain/SO-1008")
    assert response.status_code == 200
    explanation = response.json()
    assert explanation["order"] == "SO-1008" and explanation["chain"]
    assert {"headline", "binding_cause", "late_by_hours"} <= set(explanation)
    unknown = client.get(f"/plans/{plan_id}/explain/SO-1O08")
    assert unknown.status_code == 404 and "did you mean" in unknown.json()["detail"]


# -- the concurrency limit and cancel ---------------------------------------------------------


def test_a_solve_over_the_limit_is_429_and_a_cancelled_job_leaves_no_process(tmp_path):
    # 200 generated orders keep CP-SAT busy for the whole time limit.
    big = yaml.safe_dump(generate_plant(200, seed=1), sort_keys=False)
    app = create_app(tmp_path / "store.db", ServiceSettings(max_solves=1))
    with TestClient(app) as client:
        plant = client.post("/plants", json={"files": {"big.yaml": big}}).json()
        slow = {"time_limit": 60, "workers": 1}
        first = client.post(f"/plants/{plant['id']}/plans", json=slow)
        assert first.status_code == 202
        refused = client.post(f"/plants/{plant['id']}/plans", json=slow)
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) >= 1
        assert "limit" in refused.json()["detail"]
        wait_running(client, first.json())
        job = app.state.runner.get(first.json()["id"])
        pid = job.process.pid
        assert psutil.pid_exists(pid)
        cancelled = client.delete(f"/jobs/{job.id}")
        assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
        assert not job.process.is_alive() and not psutil.pid_exists(pid)
        assert client.get(f"/jobs/{job.id}").json()["state"] == "cancelled"
        assert client.delete(f"/jobs/{job.id}").status_code == 409
        states = [d["state"] for kind, d in events(client, job.id) if kind == "state"]
        assert states[-1] == "cancelled"
        assert client.get("/plans").json() == []  # nothing of it was saved
        # The slot is free again; a job cancelled while still queued never runs.
        again = client.post(f"/plants/{plant['id']}/plans", json=slow)
        assert again.status_code == 202
        assert client.delete(f"/jobs/{again.json()['id']}").json()["state"] == "cancelled"
        last = client.post(f"/plants/{plant['id']}/plans", json=slow)
        assert last.status_code == 202
        wait_running(client, last.json())
        process = app.state.runner.get(last.json()["id"]).process
    # Stopping the server ends the solves still running.
    assert not process.is_alive()


# -- the token ------------------------------------------------------------------------------


def test_with_a_token_every_request_needs_it(tmp_path):
    app = create_app(tmp_path / "store.db", ServiceSettings(token=TOKEN))
    with TestClient(app) as client:
        for path in ("/plants", "/history", "/jobs", "/docs", "/openapi.json"):
            assert client.get(path).status_code == 401
        wrong = client.get("/plants", headers={"Authorization": "Bearer wrong"})
        assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
        good = {"Authorization": f"Bearer {TOKEN}"}
        assert client.get("/plants", headers=good).status_code == 200
        assert client.post("/plants", json={"files": DEMO}, headers=good).status_code == 201
        spec = client.get("/openapi.json", headers=good).json()
        assert "HTTPBearer" in spec["components"]["securitySchemes"]


def test_with_a_token_the_page_and_its_files_load_but_hold_no_data(tmp_path):
    app = create_app(tmp_path / "store.db", ServiceSettings(token=TOKEN))
    with TestClient(app) as client:
        for path in ("/", "/static/app.js", "/static/api.js", "/vendor/plotly.min.js"):
            assert client.get(path).status_code == 200, path
        # Only reading the page is open: the same paths refuse anything else, the API all.
        assert client.post("/", json={}).status_code == 401
        for path in ("/released", "/plants", "/static/../plants"):
            assert client.get(path).status_code == 401, path


def test_only_loopback_without_a_token():
    assert service_settings(host="127.0.0.1").token is None
    assert service_settings(host="::1").host == "::1"
    assert service_settings(host="localhost").host == "localhost"
    with pytest.raises(DataError, match="loopback"):
        service_settings(host="0.0.0.0")
    assert service_settings(host="0.0.0.0", token=TOKEN).token == TOKEN
    with pytest.raises(DataError, match="16 characters"):
        service_settings(token="short")
    with pytest.raises(DataError, match="max-solves"):
        service_settings(max_solves=0)


def test_serve_on_the_network_without_a_token_is_a_usage_error(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv(TOKEN_VARIABLE, raising=False)
    store = str(tmp_path / "store.db")
    assert main(["serve", "--store", store, "--host", "0.0.0.0"]) == 2
    assert "token" in capsys.readouterr().err
    empty = tmp_path / "token"
    empty.write_text("\n")
    assert main(["serve", "--store", store, "--host", "0.0.0.0", "--token-file", str(empty)]) == 2
    monkeypatch.setenv(TOKEN_VARIABLE, "short")
    assert main(["serve", "--store", store, "--host", "0.0.0.0"]) == 2
    monkeypatch.delenv(TOKEN_VARIABLE)
    capsys.readouterr()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        assert main(["serve", "--store", store, "--port", port]) == 2
    assert "cannot listen" in capsys.readouterr().err
    assert not Path(store).exists()  # refused before the store was opened


# -- the planner's day, end to end -------------------------------------------------------------


def test_upload_plan_release_ask_accept_and_the_history(client):
    plant = client.post("/plants", json={"files": DEMO}).json()
    job = client.post(f"/plants/{plant['id']}/plans", json=TINY).json()
    planned = wait(client, job)["result"]
    assert planned["released"] is False
    released = client.post(f"/plans/{planned['plan_id']}/release", json={"by": "ann"})
    assert released.status_code == 200
    first = client.get("/plans/released").json()["id"]
    assert first == planned["plan_id"]

    # Two questions at once (the limit is 2): the rush order, and a cancellation typed as a
    # quick entry.
    rush = client.post("/whatifs", json={**rush_order(), **WHATIF})
    cancel = client.post(
        "/whatifs", json={"quick": [{"flag": "cancel", "values": ["SO-1003"]}], **WHATIF}
    )
    assert (rush.status_code, cancel.status_code) == (202, 202)
    seen = events(client, rush.json()["id"])
    assert [d["state"] for kind, d in seen if kind == "state"][-1] == "done"
    asked = wait(client, rush.json())["result"]
    dropped = wait(client, cancel.json())["result"]
    assert asked["verdict"] in VERDICTS and dropped["verdict"] in VERDICTS

    whatif = client.get(f"/whatifs/{asked['evaluation_id']}").json()
    assert whatif["verdict"] == whatif["result"]["outcomes"][0]["verdict"] == asked["verdict"]
    assert whatif["released_id"] == first
    assert "RUSH-ACME" in whatif["scenario_text"]
    proposal = whatif["proposals"]["as asked"]
    listed = client.get("/whatifs").json()
    assert {w["id"] for w in listed} == {asked["evaluation_id"], dropped["evaluation_id"]}

    rejected = client.post(
        f"/whatifs/{dropped['evaluation_id']}/reject", json={"by": "bob", "note": "keep it"}
    )
    assert rejected.status_code == 200
    accepted = client.post(
        f"/whatifs/{asked['evaluation_id']}/accept", json={"by": "ann", "note": "Acme is A"}
    )
    assert accepted.status_code == 200 and accepted.json()["plan_id"] == proposal
    now_released = client.get("/plans/released").json()
    assert now_released["id"] == proposal != first
    assert "RUSH-ACME" in {o["order"] for o in now_released["plan"]["outcomes"]}

    # Decided once: accepting again, or the rejected one, is a conflict.
    again = client.post(f"/whatifs/{asked['evaluation_id']}/accept", json={})
    assert again.status_code == 409 and "evaluate" in again.json()["detail"]
    assert client.post(f"/whatifs/{dropped['evaluation_id']}/accept", json={}).status_code == 409
    unknown_variant = client.post(
        f"/whatifs/{asked['evaluation_id']}/accept", json={"variant": "by sea"}
    )
    assert unknown_variant.status_code == 404

    history = client.get("/history").json()
    kinds = [(d["kind"], d["plan_id"], d["by"]) for d in history]
    assert kinds[:3] == [
        ("released", proposal, "ann"),
        ("superseded", first, "ann"),
        ("accepted", proposal, "ann"),
    ]
    assert history[2]["note"] == "Acme is A" and history[2]["variant"] == "as asked"
    assert any(d["kind"] == "rejected" and d["note"] == "keep it" for d in history)
    assert len(client.get("/history", params={"limit": 2}).json()) == 2
    assert client.get("/history", params={"since": "1d"}).json() == history
    assert client.get("/history", params={"since": "lately"}).status_code == 422
    assert client.get(f"/whatifs/{asked['evaluation_id']}").json()["decisions"] == ["accepted"]

    assert client.get("/plans/released~1").json()["id"] == first
    diff = client.get(f"/plans/{first}/diff/released").json()
    rush_row = next(row for row in diff["orders"] if row["order"] == "RUSH-ACME")
    assert rush_row["change"] == "added"
    assert {k["kpi"] for k in diff["kpis"]}
    explained = client.get("/plans/released/explain/RUSH-ACME")
    assert explained.status_code == 200 and explained.json()["made"] is True
