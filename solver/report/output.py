"""Output files of a run: checked before any solve, written atomically, never onto an input.

A command resolves every output option first (``resolve_outputs``, ``resolve_folder``): an
output that is the same file as an input the run reads, two outputs naming one file, a folder
given for a file, or a parent folder that cannot be created is refused with a DataError that
names the option and the path, before any solve starts. Missing parent folders are created then.

Each output is written to a temporary file in its own folder and moved into place with
``os.replace``: readers see the old file or the new one, never a part. Inside a ``Batch`` the
moves wait until the batch ends, so an exception (KeyboardInterrupt included) while writing any
of a run's outputs leaves every target as it was and no temporary file behind.

``-`` (``STDOUT``) names standard output for the options that allow it (``--json``, ``--csv``);
the command line then sends all its messages to standard error.
"""

from __future__ import annotations

import io
import os
import stat
import sys
import tempfile
from collections.abc import Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING

from solver.domain.errors import DataError, Problem

if TYPE_CHECKING:
    from solver.changes.scenario import Scenario
    from solver.domain.plant import Plant
    from solver.replay.suite import Suite

STDOUT = "-"
STDOUT_OPTIONS = ("--json", "--csv", "--orders-csv")


@dataclass(frozen=True)
class Target:
    """Where one output goes: ``path`` (resolved), or standard output when it is None."""

    option: str
    given: str
    path: Path | None

    @property
    def to_stdout(self) -> bool:
        return self.path is None

    def __str__(self) -> str:
        return "standard output" if self.path is None else self.given


# Inputs a command reads -------------------------------------------------------------------


def model_inputs(model: str | Path) -> list[Path]:
    """A plant file and the orders CSV it names (read from the YAML, not validated)."""
    from solver.input.loading import read_yaml  # the loader imports much; keep this module light
    from solver.input.tables import table_files

    path = Path(model)
    files = [path]
    try:
        raw = read_yaml(path)
    except DataError:
        return files  # the command's own loading reports it
    return files + table_files(raw, path.parent)


def plant_inputs(plant: Plant, model: str | Path) -> list[Path]:
    """Every file a loaded plant was read from (``Plant.files``), and its model file."""
    return [*(Path(f) for f in plant.files), *model_inputs(model)]


def scenario_inputs(scenario: Scenario) -> list[Path]:
    """A what-if's scenario file, its model (and orders CSV) and its baseline plan; of these,
    the ones that are files (a quick entry's scenario, a plant or plan handed over in memory are
    ``InlineSource``s, which no output can overwrite)."""
    model = scenario.model_path
    files = [scenario.path, *(model_inputs(model) if isinstance(model, Path) else [])]
    files.append(scenario.baseline_path)
    return [path for path in files if isinstance(path, Path)]


def suite_inputs(suite: Suite) -> list[Path]:
    """A bench suite file and the plant files (and templates) it names."""
    from solver.replay.generate import TEMPLATE

    files = [suite.path]
    folder = suite.path.parent
    for spec in suite.data.plants:
        if spec.file is not None:
            files += model_inputs(folder / spec.file)
        if spec.generate is not None:
            template = folder / spec.generate.template if spec.generate.template else TEMPLATE
            files += model_inputs(template)
    return files


# Resolving outputs ------------------------------------------------------------------------


def _canonical(path: str | Path) -> Path:
    return Path(path).expanduser().resolve()


def _same_file(a: Path, b: Path) -> bool:
    if a == b:
        return True
    try:
        return os.path.samefile(a, b)  # hard links, case-insensitive file systems
    except OSError:
        return False  # one of them does not exist (yet)


def _blocking_ancestor(path: Path) -> Path | None:
    """The nearest existing ancestor of ``path`` when it is not a folder."""
    for parent in path.parents:
        if parent.exists():
            return None if parent.is_dir() else parent
    return None


def _resolve(
    requested: Iterable[tuple[str, str | None]],
    inputs: Iterable[str | Path],
    stdout_options: Collection[str],
) -> list[Target]:
    read: list[tuple[Path, str]] = []
    for item in inputs:
        if item:
            canonical = _canonical(item)
            if all(canonical != seen for seen, _ in read):
                read.append((canonical, str(item)))
    problems: list[Problem] = []
    targets: list[Target] = []
    stdout_by: str | None = None

    def refuse(given: str, option: str, message: str) -> None:
        problems.append(Problem(given, option, "", message))

    for option, given in requested:
        if given is None:
            continue
        given = str(given)
        if given == STDOUT:
            if option not in stdout_options:
                refuse(
                    given,
                    option,
                    "'-' (standard output) is only for " + " and ".join(STDOUT_OPTIONS),
                )
            elif stdout_by is not None:
                refuse(given, option, f"{stdout_by} already writes to standard output")
            else:
                stdout_by = option
                targets.append(Target(option, given, None))
            continue
        if not given.strip():
            refuse(given, option, "empty file name")
            continue
        path = _canonical(given)
        read_as = next((name for canonical, name in read if _same_file(path, canonical)), None)
        twin = next((t for t in targets if t.path and _same_file(path, t.path)), None)
        blocker = _blocking_ancestor(path)
        if read_as is not None:
            refuse(
                given,
                option,
                f"is the input {read_as}, which this run reads; outputs never replace inputs: "
                "give another file",
            )
        elif twin is not None:
            refuse(given, option, f"{twin.option} writes the same file; give each output its own")
        elif path.is_dir():
            refuse(given, option, "is a folder; give a file name")
        elif blocker is not None:
            refuse(given, option, f"cannot create its folder: {blocker} is a file")
        else:
            targets.append(Target(option, given, path))
    if problems:
        raise DataError(problems)
    for target in targets:
        if target.path is None:
            continue
        folder = target.path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            refuse(
                target.given, target.option, f"cannot create its folder {folder}: {exc.strerror}"
            )
            continue
        if not os.access(folder, os.W_OK | os.X_OK):
            refuse(target.given, target.option, f"its folder {folder} is not writable")
    if problems:
        raise DataError(problems)
    return targets


def resolve_outputs(
    requested: Mapping[str, str | None],
    inputs: Iterable[str | Path],
    stdout_options: Collection[str] = STDOUT_OPTIONS,
) -> dict[str, Target]:
    """Check the output options of a command against its inputs; create missing folders.

    Parameters
    ----------
    requested : Mapping[str, str or None]
        Option name (``"--json"``) to the path given; None when the option is absent.
    inputs : iterable of paths
        Every file the run reads.
    stdout_options : collection of str
        Options that may name standard output with ``-``.

    Returns
    -------
    dict[str, Target]
        The given options only.

    Raises
    ------
    DataError
        Listing every refused output: record is the option, file the path as given.
    """
    return {t.option: t for t in _resolve(requested.items(), inputs, stdout_options)}


def resolve_folder(
    option: str, folder: str | Path, names: Iterable[str], inputs: Iterable[str | Path]
) -> Path:
    """Check the files ``names`` a command writes in ``folder`` as ``resolve_outputs`` does."""
    _resolve(((option, str(Path(folder) / name)) for name in names), inputs, ())
    return Path(folder)


# Writing ----------------------------------------------------------------------------------


class Batch:
    """Outputs staged as temporary files, moved into place together when the batch ends.

    On an exception inside ``with Batch() as batch:`` every staged file is removed and no
    target changes; standard output gets nothing either.
    """

    def __init__(self) -> None:
        self._staged: list[tuple[Path, Target]] = []
        self._stdout: list[str | bytes] = []

    def __enter__(self) -> Batch:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if kind is None:
            self.commit()
        else:
            self.discard()

    def commit(self) -> None:
        """Move every staged file into place, then write what goes to standard output."""
        chunks, self._stdout = self._stdout, []
        try:
            while self._staged:
                tmp, target = self._staged[0]
                try:
                    os.replace(tmp, target.path)
                except OSError as exc:
                    raise _write_error(target, exc) from None
                self._staged.pop(0)
        finally:
            self.discard()
        for chunk in chunks:
            _emit(chunk)

    def discard(self) -> None:
        """Remove every staged file; nothing is written."""
        for tmp, _ in self._staged:
            _remove(tmp)
        self._staged.clear()
        self._stdout.clear()


def _emit(chunk: str | bytes) -> None:
    if isinstance(chunk, bytes):
        sys.stdout.flush()
        sys.stdout.buffer.write(chunk)
        sys.stdout.buffer.flush()
    else:
        sys.stdout.write(chunk)
        sys.stdout.flush()


def _remove(path: Path | str) -> None:
    with suppress(FileNotFoundError):
        os.unlink(path)


def _new_file_mode(path: Path) -> int:
    """The target's permissions when it exists; else what the umask gives a new file."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _as_target(target: Target | str | Path) -> Target:
    if isinstance(target, Target):
        return target
    if str(target) == STDOUT:
        return Target("output", STDOUT, None)
    return Target("output", str(target), Path(target))


@contextmanager
def open_output(
    target: Target | str | Path,
    *,
    binary: bool = False,
    newline: str | None = None,
    batch: Batch | None = None,
) -> Iterator[IO]:
    """A handle whose content replaces ``target`` atomically when the block ends cleanly.

    Text is UTF-8. Without ``batch`` the file is moved into place at the end of the block;
    with one, when the batch ends. An exception in the block removes the temporary file and
    leaves the target untouched; an OSError becomes a DataError naming the option and path.
    """
    target = _as_target(target)
    if target.path is None:
        buffer: IO = io.BytesIO() if binary else io.StringIO(newline=newline)
        yield buffer
        if batch is None:
            _emit(buffer.getvalue())
        else:
            batch._stdout.append(buffer.getvalue())
        return
    path = target.path
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise _write_error(target, exc) from None
    try:
        if binary:
            handle = os.fdopen(fd, "wb")
        else:
            handle = os.fdopen(fd, "w", encoding="utf-8", newline=newline)
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, _new_file_mode(path))
        if batch is None:
            os.replace(tmp, path)
        else:
            batch._staged.append((Path(tmp), target))
    except BaseException as exc:
        _remove(tmp)
        if isinstance(exc, OSError):
            raise _write_error(target, exc) from None
        raise


def _write_error(target: Target, exc: OSError) -> DataError:
    reason = exc.strerror or str(exc)
    return DataError([Problem(target.given, target.option, "", f"cannot write: {reason}")])


def write_text(target: Target | str | Path, text: str, batch: Batch | None = None) -> None:
    """Replace ``target`` with ``text`` (UTF-8) atomically."""
    with open_output(target, batch=batch) as handle:
        handle.write(text)
