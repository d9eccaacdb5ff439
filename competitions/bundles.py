"""Competition bundles: a folder or .zip with competition.toml, Markdown, data and solution.

The format is documented in docs/bundle.md.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
import tomllib
import zipfile
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import tomli_w
from sqlalchemy.orm import Session

from . import hosting, solutions
from .errors import DomainError
from .models import Competition, User
from .spec import parse_spec
from .storage import Storage

MANIFEST = "competition.toml"
DEFAULT_FILES = {"description": "description.md", "rules": "rules.md", "solution": "solution.csv", "data": "data"}


def import_bundle(session: Session, storage: Storage, owner: User, path: str | Path,
                  now: datetime) -> hosting.Created:
    """Create a competition from a bundle; the caller commits."""
    with _opened(Path(path)) as root:
        _refuse_symlinks(root)
        manifest = _read_manifest(root)
        settings = dict(manifest.get("competition", {}))
        layout = {**DEFAULT_FILES, **manifest.get("files", {})}
        settings["description_md"] = _read_text(root, layout["description"])
        settings["rules_md"] = _read_text(root, layout["rules"])
        spec = parse_spec(settings)
        solution_path = _inside(root, layout["solution"])
        if not solution_path.is_file():
            raise DomainError(f"The bundle has no solution file at {layout['solution']!r}.", field="solution")
        data = [_inside(root, p) for p in _data_paths(root, layout["data"])]
        _refuse_solution_as_data(solution_path, data)
        with solution_path.open("rb") as solution:
            handles = [(p.name, p.open("rb")) for p in data]
            try:
                return hosting.create_competition(session, storage, owner, spec, solution, handles, now)
            finally:
                for _, handle in handles:
                    handle.close()


def _refuse_symlinks(root: Path) -> None:
    """A bundle is plain files and folders: a symlink could point anywhere (another competition's
    answer key, /etc/passwd), so any symlink at all refuses the bundle, whatever it points at."""
    if Path(root).is_symlink():
        raise DomainError(f"{root} is a symbolic link; give the bundle folder itself.")
    for folder, dirs, files in os.walk(root, followlinks=False):
        for name in dirs + files:
            if (Path(folder) / name).is_symlink():
                relative = (Path(folder) / name).relative_to(root).as_posix()
                raise DomainError(f"{relative!r} is a symbolic link; a bundle may hold only plain files and folders.")


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _refuse_solution_as_data(solution: Path, data: list[Path]) -> None:
    """A data file with the solution's bytes would publish the answer key to every participant."""
    size = solution.stat().st_size
    same_size = [p for p in data if p.stat().st_size == size]
    if not same_size:
        return
    key = _digest(solution)
    for path in same_size:
        if _digest(path) == key:
            raise DomainError(f"The data file {path.name!r} is the solution file itself; publishing it would give "
                              "away the answer key. Remove it from the bundle's data.", field="data")


def export_bundle(session: Session, storage: Storage, competition: Competition, path: str | Path) -> Path:
    """Write a bundle that import_bundle turns back into the same competition."""
    path = Path(path)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "data").mkdir()
        (root / MANIFEST).write_text(tomli_w.dumps(_manifest_of(competition)))
        (root / "description.md").write_text(competition.description_md or "")
        (root / "rules.md").write_text(competition.rules_md or "")
        for f in competition.files:
            _copy_out(storage, f.sha256, root / "data" / f.name)
        current = solutions.current_solution(session, competition)
        if current is not None:
            _copy_out(storage, current.sha256, root / "solution.csv")
        return _write_out(root, path)


def _manifest_of(c: Competition) -> dict:
    settings = hosting.settings_of(c)
    for text in ("description_md", "rules_md"):  # written to their own files
        settings.pop(text)
    settings["start"], settings["deadline"] = settings.pop("start_at"), settings.pop("deadline_at")
    if not settings["metric_params"]:
        settings.pop("metric_params")
    # TOML has no null: an unset optional setting is simply left out.
    return {"competition": {k: v for k, v in settings.items() if v is not None}, "files": dict(DEFAULT_FILES)}


def _copy_out(storage: Storage, sha256: str, target: Path) -> None:
    with storage.open(sha256) as src, target.open("wb") as dst:
        shutil.copyfileobj(src, dst)


def _write_out(root: Path, path: Path) -> Path:
    if path.suffix.lower() == ".zip":
        path.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for item in sorted(root.rglob("*")):
                if item.is_file():
                    archive.write(item, item.relative_to(root).as_posix())
        return path
    if path.exists() and any(path.iterdir()):
        raise DomainError(f"{path} exists and is not empty; choose a new folder or a .zip path.")
    shutil.copytree(root, path, dirs_exist_ok=True)
    return path


@contextmanager
def _opened(path: Path):
    if path.is_dir():
        yield path
        return
    if not zipfile.is_zipfile(path):
        raise DomainError(f"{path} is neither a folder nor a .zip file.")
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            _inside(Path(tmp), info.filename)  # refuse "../" paths before extracting anything
            if stat.S_ISLNK(info.external_attr >> 16):
                raise DomainError(f"{info.filename!r} in {path.name} is a symbolic link; a bundle may hold only "
                                  "plain files and folders.")
        archive.extractall(tmp)
        yield _bundle_root(Path(tmp))


def _bundle_root(extracted: Path) -> Path:
    # Zips made by "compress this folder" hold one top folder: look inside it.
    if (extracted / MANIFEST).exists():
        return extracted
    children = [p for p in extracted.iterdir() if p.is_dir()]
    if len(children) == 1 and (children[0] / MANIFEST).exists():
        return children[0]
    return extracted


def _read_manifest(root: Path) -> dict:
    manifest = root / MANIFEST
    if not manifest.is_file():
        raise DomainError(f"The bundle has no {MANIFEST}.")
    try:
        data = tomllib.loads(manifest.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DomainError(f"{MANIFEST} is not valid TOML: {exc}") from None
    for key, value in data.get("competition", {}).items():
        if isinstance(value, datetime) and value.tzinfo is None:
            raise DomainError(f"{MANIFEST}: {key} needs a time zone, e.g. 2026-12-01T18:00:00Z.", field=key)
    return data


def _read_text(root: Path, relative: str) -> str:
    path = _inside(root, relative)
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def _data_paths(root: Path, data) -> list[str]:
    if isinstance(data, list):
        return data
    folder = _inside(root, data)
    if not folder.is_dir():
        return []
    return [p.relative_to(root).as_posix() for p in sorted(folder.iterdir()) if p.is_file()]


def _inside(root: Path, relative: str) -> Path:
    candidate = (root / relative).resolve()
    if not candidate.is_relative_to(root.resolve()):
        raise DomainError(f"{relative!r} points outside the bundle.")
    return candidate
