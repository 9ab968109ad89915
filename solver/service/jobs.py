"""Jobs: long solves run off the request thread, each in a child process, at most N at once.

A job is ``queued`` when submitted, ``running`` once its process reports, then ``done``,
``failed`` or ``cancelled``. A process per job (forkserver on Linux, spawn elsewhere) is what
makes cancel real: CP-SAT does not stop for a Python thread, but a process can be ended, and
the store writes one transaction at a time, so nothing is left half-written. A watcher thread
per job reads the process's messages (``work.run``) into the job's events, which the API
serves as server-sent events.

Jobs live in memory only: their results are in the store (plans, evaluations); a restarted
server forgets the jobs themselves.
"""

from __future__ import annotations

import math
import multiprocessing
import queue as queues
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from solver.service import work

ACTIVE = ("queued", "running")
TERMINAL = ("done", "failed", "cancelled")
KEPT = 500  # finished jobs remembered; the oldest are forgotten beyond it
POLL = 0.2  # seconds between looks at a job's queue and process
STOP_WAIT = 5.0  # seconds a process gets to end after terminate, before kill


class Busy(Exception):
    """Every solve slot is taken; ``retry_after`` is a guess in whole seconds."""

    def __init__(self, limit: int, retry_after: int):
        super().__init__(f"{limit} solve(s) already running, the server's limit")
        self.limit = limit
        self.retry_after = retry_after


@dataclass
class JobRecord:
    """One job as the runner keeps it (``models.Job`` is what the API shows of it)."""

    id: str
    kind: str
    state: str
    created_at: datetime
    estimate: float  # seconds the solve is expected to take, for Retry-After
    result_url: Callable[[dict], str]
    started_at: datetime | None = None
    ended_at: datetime | None = None
    result: dict | None = None
    error: dict | None = None
    progress: dict | None = None
    events: list[dict] = field(default_factory=list)
    process: Any = None

    def view(self) -> dict:
        """The job as JSON-ready values (``models.Job``)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "state": self.state,
            "created_at": self.created_at,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "result": self.result,
            "result_url": self.result_url(self.result) if self.result is not None else None,
            "error": self.error,
            "progress": self.progress,
        }


def process_context() -> Any:
    """forkserver where there is one (a process forked from a server that imported the engine
    once starts in milliseconds), else spawn; never plain fork of a threaded server."""
    if sys.platform.startswith("linux"):
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["solver.service.work"])
        return context
    return multiprocessing.get_context("spawn")


class JobRunner:
    """Submits, watches and cancels jobs; refuses a job beyond ``max_solves`` with Busy.

    Parameters
    ----------
    store_url : str
        The store every job's process opens.
    max_solves : int
        Jobs queued or running at once.
    """

    def __init__(self, store_url: str, max_solves: int):
        self.store_url = store_url
        self.max_solves = max_solves
        self._context = process_context()
        self._lock = threading.Lock()
        self._jobs: dict[str, JobRecord] = {}

    def submit(
        self, kind: str, payload: dict, estimate: float, result_url: Callable[[dict], str]
    ) -> JobRecord:
        """Start a job (``work.run(kind, ...)``) in a process of its own.

        Raises
        ------
        Busy
            When ``max_solves`` jobs are queued or running.
        """
        now = datetime.now(UTC)
        with self._lock:
            active = [j for j in self._jobs.values() if j.state in ACTIVE]
            if len(active) >= self.max_solves:
                raise Busy(self.max_solves, _retry_after(active))
            job = JobRecord(uuid.uuid4().hex[:12], kind, "queued", now, estimate, result_url)
            self._jobs[job.id] = job
            self._event(job, "state", {"state": "queued"})
            self._forget_old()
        # The process starts on the watcher's thread: the request answers 202 at once.
        thread = threading.Thread(
            target=self._watch, args=(job, payload), name=f"job-{job.id}", daemon=True
        )
        thread.start()
        return job

    def get(self, job_id: str) -> JobRecord | None:
        with self._lock:
            return self._jobs.get(job_id)

    def all(self) -> list[JobRecord]:
        with self._lock:
            return sorted(self._jobs.values(), key=lambda j: j.created_at, reverse=True)

    def events_since(self, job_id: str, after: int) -> tuple[list[dict], bool]:
        """The job's events with an id above ``after``, and whether the job has ended."""
        with self._lock:
            job = self._jobs[job_id]
            return [e for e in job.events if e["id"] > after], job.state in TERMINAL

    def cancel(self, job_id: str) -> bool:
        """Cancel a queued or running job: its process is ended before this returns.

        Returns
        -------
        bool
            False when the job had already ended (nothing to cancel).
        """
        with self._lock:
            job = self._jobs[job_id]
            if job.state in TERMINAL:
                return False
            self._end(job, "cancelled")
            process = job.process
        if process is not None:
            _stop(process)
        return True

    def shutdown(self) -> None:
        """Cancel every job still queued or running (the server is stopping)."""
        for job in self.all():
            if job.state in ACTIVE:
                self.cancel(job.id)

    # -- the watcher ---------------------------------------------------------------------

    def _watch(self, job: JobRecord, payload: dict) -> None:
        messages = self._context.Queue()
        process = self._context.Process(
            target=work.run,
            args=(job.kind, self.store_url, payload, messages),
            name=f"replan-job-{job.id}",
            daemon=True,
        )
        try:
            process.start()
        except Exception as exc:  # no process: the job fails, the server stays up
            with self._lock:
                if job.state in ACTIVE:
                    job.error = _failure(f"the solve process did not start: {exc}")
                    self._end(job, "failed")
            return
        with self._lock:
            job.process = process
            cancelled = job.state == "cancelled"
        if cancelled:  # cancelled while the process was starting
            _stop(process)
            return
        self._read(job, process, messages)
        messages.close()
        with self._lock:
            if job.state == "cancelled":
                return  # ``cancel`` ends and reaps the process; one waiter only
        process.join(STOP_WAIT)
        with self._lock:
            if job.state in ACTIVE:  # the process ended without a word: killed or crashed
                job.error = _failure(
                    f"the solve process ended unexpectedly (exit code {process.exitcode})"
                )
                self._end(job, "failed")

    def _read(self, job: JobRecord, process: Any, messages: Any) -> None:
        """Messages until the result or error, the process's end, or a cancel."""
        while True:
            with self._lock:
                if job.state == "cancelled":
                    return
            try:
                what, data = messages.get(timeout=POLL)
            except queues.Empty:
                if process.is_alive():
                    continue
                try:  # the last messages may still be in the pipe
                    what, data = messages.get(timeout=POLL)
                except queues.Empty:
                    return
            except (EOFError, OSError):  # the pipe broke with the process
                return
            with self._lock:
                if job.state == "cancelled":
                    return
                self._message(job, what, data)
                if job.state in TERMINAL:
                    return

    def _message(self, job: JobRecord, what: str, data: Any) -> None:
        if what == "state" and data == "running":
            job.state, job.started_at = "running", datetime.now(UTC)
            self._event(job, "state", {"state": "running"})
        elif what == "progress":
            job.progress = data
            self._event(job, "progress", data)
        elif what == "result":
            job.result = data
            self._end(job, "done")
        elif what == "error":
            job.error = {"problems": [], **data}
            self._end(job, "failed")

    # -- helpers (under the lock) --------------------------------------------------------

    def _end(self, job: JobRecord, state: str) -> None:
        job.state, job.ended_at = state, datetime.now(UTC)
        data: dict[str, Any] = {"state": state}
        if job.result is not None:
            data["result"] = job.result
            data["result_url"] = job.result_url(job.result)
        if job.error is not None:
            data["error"] = job.error
        self._event(job, "state", data)

    def _event(self, job: JobRecord, kind: str, data: dict) -> None:
        job.events.append({"id": len(job.events) + 1, "event": kind, "data": data})

    def _forget_old(self) -> None:
        ended = [j for j in self._jobs.values() if j.state in TERMINAL]
        for job in sorted(ended, key=lambda j: j.created_at)[: max(0, len(ended) - KEPT)]:
            del self._jobs[job.id]


def _stop(process: Any) -> None:
    """End a job's process: SIGTERM, then SIGKILL if it lingers; reaped before returning."""
    if process.is_alive():
        process.terminate()
        process.join(STOP_WAIT)
    if process.is_alive():
        process.kill()
    process.join(STOP_WAIT)


def _retry_after(active: list[JobRecord]) -> int:
    """Seconds until the first running job is expected to end (at least 1)."""
    now = time.time()
    left = [(j.started_at or j.created_at).timestamp() + j.estimate - now for j in active]
    return max(1, math.ceil(min(left, default=1)))


def _failure(detail: str) -> dict:
    return {"status": 500, "detail": detail, "problems": []}
