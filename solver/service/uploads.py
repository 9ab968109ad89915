"""Plant uploads: the files of a plant (as text or a zip of its folder) into the store.

A plant is a model file and the tables it names (``orders: demo-orders.csv``), so an upload is
a set of files: they are written to a temporary folder, loaded with every rule a file gets,
and saved in the store (which keeps their content). Problems name the uploaded file as it was
called in the upload, never the temporary folder.
"""

from __future__ import annotations

import dataclasses
import io
import tempfile
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from solver.domain.errors import DataError, Problem
from solver.domain.plant import Plant
from solver.input.loading import load_plant
from solver.store.store import Store

UPLOAD = "upload"
MODEL_SUFFIXES = (".yaml", ".yml", ".json")


def read_zip(data: bytes, max_bytes: int) -> dict[str, bytes]:
    """The files of a zip archive by their names in it (folders and dot-files left out).

    Raises
    ------
    DataError
        For bytes that are not a zip, a name that leaves the folder, or more than
        ``max_bytes`` unpacked.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise DataError(
            [Problem(UPLOAD, "zip", "", "not a zip archive; zip the plant's folder")]
        ) from None
    files: dict[str, bytes] = {}
    total = 0
    with archive:
        for info in archive.infolist():
            name = info.filename
            if info.is_dir() or any(part.startswith((".", "__")) for part in name.split("/")):
                continue
            total += info.file_size
            if total > max_bytes:
                raise DataError([Problem(UPLOAD, "zip", "", _too_big(max_bytes))])
            try:
                files[name] = archive.read(info)
            except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError) as exc:
                # A damaged member, an unknown compression, a password.
                message = f"cannot unpack: {exc}"
                raise DataError([Problem(UPLOAD, "zip", name, message)]) from None
    return _without_common_folder(files)


def store_upload(
    store: Store, files: dict[str, bytes], model: str | None, max_bytes: int
) -> tuple[int, Plant, bool]:
    """Load the uploaded plant and save it in the store.

    Parameters
    ----------
    store : Store
    files : dict
        File name (relative, ``/`` between folders) -> content.
    model : str, optional
        Which file is the model; needed only when several are YAML or JSON.
    max_bytes : int
        The largest upload accepted, all files together.

    Returns
    -------
    (int, Plant, bool)
        The plant's id, the plant, and whether it was new to the store.

    Raises
    ------
    DataError
        For a bad file name, no or several model candidates, or any problem of the plant.
    """
    if sum(len(v) for v in files.values()) > max_bytes:
        raise DataError([Problem(UPLOAD, "files", "", _too_big(max_bytes))])
    names = {name: _safe_name(name) for name in files}
    model = _model_name(list(files), model)
    with tempfile.TemporaryDirectory(prefix="replan-upload-") as folder:
        root = Path(folder)
        for name, data in files.items():
            target = root.joinpath(*names[name].parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        try:
            plant = load_plant(root.joinpath(*PurePosixPath(model).parts))
        except DataError as exc:
            raise DataError([_relative(p, root) for p in exc.problems]) from None
        plant = plant.replace(source=model)
        existed = store.plant_with_hash(plant.input_hash) is not None
        # The store reads the files' content now, while the folder exists.
        plant_id = store.save_plant(plant)
    return plant_id, plant, not existed


def _safe_name(name: str) -> PurePosixPath:
    """A relative name inside the plant's folder, else a problem naming it."""
    path = PurePosixPath(name.replace("\\", "/"))
    if not name.strip() or path.is_absolute() or ".." in path.parts or ":" in name:
        raise DataError(
            [
                Problem(
                    UPLOAD,
                    "files",
                    name,
                    "give a file name relative to the plant's folder, e.g. demo-orders.csv",
                )
            ]
        )
    return path


def _model_name(names: list[str], model: str | None) -> str:
    if model is not None:
        if model not in names:
            raise DataError(
                [Problem(UPLOAD, "model", "", f"{model!r} is not among the files: {names}")]
            )
        return model
    candidates = [n for n in names if n.lower().endswith(MODEL_SUFFIXES)]
    if len(candidates) == 1:
        return candidates[0]
    found = f"several: {', '.join(candidates)}" if candidates else "none"
    raise DataError(
        [
            Problem(
                UPLOAD,
                "model",
                "",
                f"say which file is the model (YAML or JSON files found: {found})",
            )
        ]
    )


def _without_common_folder(files: dict[str, bytes]) -> dict[str, bytes]:
    """``demo/demo.yaml`` -> ``demo.yaml`` when every file is in one top folder (a zipped
    folder), so that names match the ones the model gives."""
    tops = {name.split("/", 1)[0] for name in files}
    if len(tops) == 1 and all("/" in name for name in files):
        return {name.split("/", 1)[1]: data for name, data in files.items()}
    return files


def _relative(problem: Problem, root: Path) -> Problem:
    """The problem with the temporary folder taken out of its file name (and message)."""
    prefix = str(root) + "/"
    resolved = str(root.resolve()) + "/"
    file = problem.file.replace(resolved, "").replace(prefix, "")
    message = problem.message.replace(resolved, "").replace(prefix, "")
    return dataclasses.replace(problem, file=file, message=message)


def _too_big(max_bytes: int) -> str:
    return f"the upload is larger than the server's limit of {max_bytes / 2**20:g} MB"
