"""Parsed YAML kept by the file's content, so a command does not parse an unchanged config again.

ruamel.yaml (pure Python, keeping every line number) is nearly all of loading a config: about 0.5 s for
the sample's files, seconds for a 200-metric framework, on every ``outcomes`` command and every worker
start. What it produces for a file (plain data plus the line of every path) depends only on the file's
bytes, so it is kept under their SHA-256: in memory for this process, and on disk in the user's own cache
folder (``OUTCOMES_CACHE_DIR``, default ``~/.cache/outcomes``, made readable and writable by the user
only, because what is kept there is unpickled; set ``OUTCOMES_CACHE_DIR=off`` to keep nothing on disk).
Validation always runs again: only the parsing is kept.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
import threading
from pathlib import Path
from typing import Any, Callable

import ruamel.yaml

#: Part of every key: a new parser or a new shape of what is kept never reads an old entry.
FORMAT = f"1-ruamel-{ruamel.yaml.__version__}"

Parsed = tuple[Any, dict]
#: Pickled, so every caller gets its own copy to change (templates are merged into the data in place).
_MEMORY: dict[str, bytes] = {}
_LOCK = threading.Lock()


def cache_dir() -> Path | None:
    setting = os.environ.get("OUTCOMES_CACHE_DIR", "")
    if setting.lower() == "off":
        return None
    return Path(setting).expanduser() if setting else Path.home() / ".cache" / "outcomes"


def parsed(text: str, parse: Callable[[str], Parsed]) -> Parsed:
    """``parse(text)``, or a fresh copy of what it gave before for the very same text."""
    key = hashlib.sha256(f"{FORMAT}\n{text}".encode()).hexdigest()
    with _LOCK:
        kept = _MEMORY.get(key)
    if kept is None:
        folder = cache_dir()
        kept = _read(folder / "config" / f"{key}.pickle") if folder else None
        if kept is None:
            kept = pickle.dumps(parse(text), protocol=pickle.HIGHEST_PROTOCOL)  # a YAML error raises: nothing kept
            if folder:
                _write(folder / "config", f"{key}.pickle", kept)
        with _LOCK:
            _MEMORY[key] = kept
    return pickle.loads(kept)


def _read(path: Path) -> bytes | None:
    try:
        kept = path.read_bytes()
        pickle.loads(kept)  # a half-written or foreign file is parsed again, not trusted
        return kept
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError, TypeError):
        return None


def _write(folder: Path, name: str, kept: bytes) -> None:
    """Atomically (a temporary file renamed), and never an error: a cache that cannot be written is no cache."""
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            out.write(kept)
        os.replace(temporary, folder / name)
    except OSError:
        pass
