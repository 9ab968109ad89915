"""Jobs: poll, list, cancel, and follow one's progress as server-sent events."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import StreamingResponse

from solver.service.deps import RunnerDep
from solver.service.errors import ApiError
from solver.service.jobs import JobRecord, JobRunner
from solver.service.models import Job

router = APIRouter(prefix="/jobs", tags=["jobs"])

NOT_FOUND = {404: {"description": "no such job (jobs are forgotten when the server restarts)"}}
EVENT_POLL = 0.25  # seconds between looks at a job's events
KEEP_ALIVE = 15.0  # seconds of silence after which a comment keeps proxies from closing


@router.get("", response_model=list[Job])
def list_jobs(jobs: RunnerDep) -> list[dict]:
    """Jobs this server ran or runs, newest first."""
    return [job.view() for job in jobs.all()]


@router.get("/{job_id}", response_model=Job, responses=NOT_FOUND)
def get_job(job_id: str, jobs: RunnerDep) -> dict:
    """A job's state (queued, running, done, failed, cancelled), its latest progress, and when
    done its result and ``result_url``; when failed, its error (status, detail, problems)."""
    return _job(jobs, job_id).view()


@router.delete(
    "/{job_id}",
    response_model=Job,
    responses={**NOT_FOUND, 409: {"description": "the job had already ended"}},
)
def cancel_job(job_id: str, jobs: RunnerDep) -> dict:
    """Cancel a queued or running job: its solve process is ended before the answer, and
    nothing of it is saved."""
    job = _job(jobs, job_id)
    if not jobs.cancel(job_id):
        raise ApiError(409, f"job {job_id} already ended ({job.state})")
    return job.view()


@router.get(
    "/{job_id}/events",
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "`state` events (queued, running, then done, failed or cancelled "
            "with the result or error) and `progress` events (seconds, objective, bound) of "
            "plan solves; the stream ends with the job",
        },
        **NOT_FOUND,
    },
)
async def job_events(
    job_id: str,
    request: Request,
    jobs: RunnerDep,
    last_event_id: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    """A job's progress as server-sent events, from the first (or after ``Last-Event-ID``)."""
    _job(jobs, job_id)
    after = int(last_event_id) if last_event_id and last_event_id.isdigit() else 0

    async def stream():
        seen, quiet = after, 0.0
        while True:
            try:
                events, ended = jobs.events_since(job_id, seen)
            except KeyError:  # forgotten meanwhile
                return
            for event in events:
                data = json.dumps(event["data"], default=str)
                yield f"id: {event['id']}\nevent: {event['event']}\ndata: {data}\n\n"
                seen, quiet = event["id"], 0.0
            if ended or await request.is_disconnected():
                return
            await asyncio.sleep(EVENT_POLL)
            quiet += EVENT_POLL
            if quiet >= KEEP_ALIVE:
                yield ": keep-alive\n\n"
                quiet = 0.0

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)


def _job(jobs: JobRunner, job_id: str) -> JobRecord:
    job = jobs.get(job_id)
    if job is None:
        raise ApiError(404, f"no job {job_id!r} (jobs are forgotten when the server restarts)")
    return job
