"""Session files: one JSON file per story under the saves folder.

Writes are atomic (temporary file, fsync, rename, fsync of the folder), so a crash or SIGKILL at any moment
leaves either the old file or the new one, never a torn one. Every file carries a schema version; older files
are migrated forward on load.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$")


class SaveError(Exception):
    """A save cannot be written or read; the message is fit to show a player."""


def migrate_0_to_1(data: dict[str, Any]) -> dict[str, Any]:
    """Schema 0 (pre-release) kept the story as a list of [command, narration] pairs and no sampler block."""
    data = dict(data)
    story = data.pop("story", None)
    if not isinstance(story, list) or not all(isinstance(p, list) and len(p) == 2 for p in story):
        raise ValueError("its story is not a list of [command, narration] pairs")
    data["turns"] = [{"command": c, "narration": n, "mode": "do"} for c, n in story]
    data.setdefault("sampler", {})
    data["schema"] = 1
    return data


MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {0: migrate_0_to_1}


def validate_name(name: str) -> str:
    name = name.strip()
    if name.endswith(".json"):
        name = name[:-5]
    if not _NAME.match(name) or name in (".", "..") or name.lower().endswith(".json"):
        raise SaveError(f"bad save name {name!r}: use letters, digits, spaces, '-', '_' or '.' (at most 64)")
    return name


def save_path(saves_dir: Path, name: str) -> Path:
    return Path(saves_dir) / f"{validate_name(name)}.json"


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass


def write_save(saves_dir: Path, name: str, data: dict[str, Any]) -> Path:
    path = save_path(saves_dir, name)
    if path.parent.exists() and not path.parent.is_dir():
        raise SaveError(f"cannot write save {path.name}: the saves folder {path.parent} is a file, not a folder")
    data = {**data, "schema": SCHEMA_VERSION, "name": validate_name(name),
            "updated": datetime.now().isoformat(timespec="seconds")}
    try:
        # compact: the C encoder is several times faster than indenting, and autosaves run after every change
        write_atomic(path, json.dumps(data, ensure_ascii=False, separators=(",", ":")))
    except OSError as e:
        raise SaveError(f"cannot write save {path}: {e.strerror or e}") from None
    return path


def read_save(saves_dir: Path, name: str) -> dict[str, Any]:
    path = save_path(saves_dir, name)
    if not path.is_file():
        raise SaveError(f"no save named {validate_name(name)!r} in {saves_dir}")
    return read_save_file(path)


def read_save_file(path: Path) -> dict[str, Any]:
    try:
        # utf-8-sig: a save opened and saved again in an editor that adds a byte-order mark still loads
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as e:
        raise SaveError(f"cannot read save {path}: {e}") from None
    except json.JSONDecodeError as e:
        raise SaveError(f"save {path.name} is corrupted (invalid JSON at line {e.lineno}); it was left untouched") from None
    except RecursionError:  # JSON nested thousands deep
        raise SaveError(f"save {path.name} is corrupted (nested too deeply); it was left untouched") from None
    except ValueError as e:  # e.g. an integer of thousands of digits
        raise SaveError(f"save {path.name} is corrupted ({e}); it was left untouched") from None
    if not isinstance(data, dict) or not isinstance(data.get("turns", None), list) and "story" not in data:
        raise SaveError(f"save {path.name} is not a storyteller session")
    # Only the pre-release format (a "story" list) may lack a schema: a session with turns and no schema was
    # damaged, and "migrating" it would drop its turns.
    version = data.get("schema", 0 if "story" in data and "turns" not in data else None)
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise SaveError(f"save {path.name} is corrupted (schema {version!r} is not a version number); "
                        "it was left untouched")
    if version > SCHEMA_VERSION:
        raise SaveError(f"save {path.name} has schema {version}, newer than this storyteller ({SCHEMA_VERSION}): upgrade")
    try:
        while version < SCHEMA_VERSION:
            data = MIGRATIONS[version](data)
            version = data["schema"]
    except (KeyError, TypeError, ValueError) as e:
        raise SaveError(f"save {path.name} is corrupted ({e}); it was left untouched") from None
    for i, turn in enumerate(data["turns"]):
        if not isinstance(turn, dict) or not isinstance(turn.get("narration"), str):
            raise SaveError(f"save {path.name} is corrupted (turn {i + 1} is malformed)")
    if not isinstance(data.get("opening", ""), str):
        raise SaveError(f"save {path.name} is corrupted (its opening is not text)")
    return data


@dataclass
class SaveInfo:
    name: str
    path: Path
    modified: datetime
    turns: int
    first_line: str
    error: str | None = None


def list_saves(saves_dir: Path, check: Callable[[dict[str, Any], str], Any] | None = None) -> list[SaveInfo]:
    """Saves newest first, with turn count and first line; unreadable files are listed with their error.
    `check(data, name)` may reject a readable save with a SaveError (the engine's own checks at load)."""
    saves_dir = Path(saves_dir)
    if not saves_dir.is_dir():
        return []
    infos = []
    for path in saves_dir.glob("*.json"):
        try:
            modified = datetime.fromtimestamp(path.stat().st_mtime)
        except OSError as e:  # a dangling link, a file removed meanwhile
            infos.append(SaveInfo(path.stem, path, datetime.fromtimestamp(0), 0, "", error=f"cannot read: {e.strerror}"))
            continue
        try:
            if not path.is_file():  # a FIFO or a device would block the reader
                raise SaveError(f"{path.name} is not a regular file")
            if validate_name(path.stem) != path.stem:  # "tale .json" would load tale.json: not a name to offer
                raise SaveError(f"{path.name}: this file name cannot be loaded by name; rename it")
            data = read_save_file(path)
            if check is not None:
                check(data, path.stem)
            story = data.get("opening") or next((t["narration"] for t in data["turns"]), "")
            first = story.strip().splitlines()[0] if story.strip() else ""
            infos.append(SaveInfo(path.stem, path, modified, len(data["turns"]), first[:80]))
        except SaveError as e:
            infos.append(SaveInfo(path.stem, path, modified, 0, "", error=str(e)))
    return sorted(infos, key=lambda s: s.modified, reverse=True)
