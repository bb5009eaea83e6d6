"""Atomic file writes: a reader never sees a half-written result; JSON-lines logs read back after a kill."""
from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path

from alk5_pysb.errors import UserInputError


@contextlib.contextmanager
def atomic_path(path, make_folder: bool = False):
    """Yield a temporary path beside ``path``; on success it replaces ``path`` in one rename.

    Raises UserInputError (one line) when the folder is missing or not writable.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if make_folder:
        folder.mkdir(parents=True, exist_ok=True)
    if not folder.is_dir():
        raise UserInputError(f"cannot write {path}: folder {folder} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.stem}.", suffix=path.suffix)
    except OSError as err:
        raise UserInputError(f"cannot write {path}: {err.strerror}") from None
    os.close(fd)
    try:
        yield Path(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)   # mkstemp makes 0600; give the usual permissions
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def make_folder(folder, what: str = "results") -> Path:
    """Create ``folder`` (and parents), or a one-line UserInputError when it is a file or cannot be made."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise UserInputError(f"{folder} is a file, not a folder: {what} are written to a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UserInputError(f"cannot create folder {folder}: {err.strerror}") from None
    return folder


def atomic_write(path, data: str | bytes, make_folder: bool = False) -> Path:
    with atomic_path(path, make_folder) as tmp:
        if isinstance(data, bytes):
            tmp.write_bytes(data)
        else:
            tmp.write_text(data, encoding="utf-8")
    return Path(path)


def rounded(value, digits: int = 6):
    """``value`` (numbers, or dicts and lists of them) with every float rounded to ``digits`` significant digits:
    results written to committed files then do not change with the last bits of another machine's arithmetic."""
    import math
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float) or hasattr(value, "dtype"):
        number = float(value)
        if not math.isfinite(number) or number == 0.0:
            return number
        return float(f"{number:.{digits}g}")
    if isinstance(value, dict):
        return {k: rounded(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [rounded(v, digits) for v in value]
    return value


def read_json_lines(path) -> list[dict]:
    """The rows of a JSON-lines log written as work finishes (empty when there is none); a line cut by a kill is
    skipped, so its work runs again."""
    path = Path(path)
    if not path.is_file():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return rows
