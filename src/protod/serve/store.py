"""Files behind `protod serve`: nothing a person typed is lost, and a restarted server continues where it stopped.

Layout under --out (default runs/people):
  sessions/<id>.jsonl          one play session, one JSON event a line (start, agent, turn, end), appended in order
  play-user/trajectories.jsonl finished sessions where a person played the user: the schema of simulated dialogues,
  play-agent/trajectories.jsonl   so `protod report` and the metrics read them unchanged (each dir has metrics.json)
  label/<queue>/queue.jsonl    the agent lines of one labelling queue
  label/<queue>/labels-<who>.jsonl  one person's labels, in the perception corpus format
"""

from __future__ import annotations

import json
import os
import re
import secrets
import threading
import time
from pathlib import Path
from typing import Any

SESSION_ID = re.compile(r"^[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$")


def append_line(path: Path, record: dict[str, Any]) -> None:
    """Append one JSON line and push it to disk before returning: the page answers only after this."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def write_atomic(path: Path, text: str) -> None:
    """Replace `path` whole or not at all (a temp file in the same directory, then a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def read_lines(path: Path) -> list[dict[str, Any]]:
    """The JSON objects of a file written by append_line. A torn last line (a crash mid-write) is dropped; a bad
    complete line is an error naming the line, since nothing here writes one."""
    if not path.is_file():
        return []
    raw = path.read_bytes()
    records = []
    lines = raw.splitlines(keepends=True)
    for lineno, line in enumerate(lines, start=1):
        if not line.endswith(b"\n") and lineno == len(lines):
            break
        try:
            record = json.loads(line)
        except ValueError as e:
            raise ValueError(f"{path}:{lineno}: not a JSON line ({e})") from None
        if not isinstance(record, dict):
            raise ValueError(f"{path}:{lineno}: expected a JSON object")
        records.append(record)
    return records


class SessionStore:
    """The play sessions under `root`/sessions, one event file each, with a lock per session (a double-clicked
    button must not append a turn twice)."""

    def __init__(self, root: Path):
        self.root = root
        self.sessions = root / "sessions"
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def new_id(self) -> str:
        return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)

    def path(self, sid: str) -> Path:
        if not SESSION_ID.match(sid):
            raise KeyError(sid)
        return self.sessions / f"{sid}.jsonl"

    def lock(self, sid: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(sid, threading.Lock())

    def events(self, sid: str) -> list[dict[str, Any]]:
        path = self.path(sid)
        if not path.is_file():
            raise KeyError(sid)
        return read_lines(path)

    def append(self, sid: str, event: dict[str, Any]) -> None:
        append_line(self.path(sid), event)

    def list(self) -> list[dict[str, Any]]:
        """Every session, newest first: its start event and whether it has ended."""
        found = []
        for path in sorted(self.sessions.glob("*.jsonl"), reverse=True):
            try:
                events = read_lines(path)
            except ValueError:
                continue  # shown nowhere rather than breaking the index; the file is left as it is
            if events and events[0].get("event") == "start":
                ended = any(e.get("event") == "end" for e in events)
                turns = sum(1 for e in events if e.get("event") == "turn")
                found.append({**events[0], "id": path.stem, "ended": ended, "turns": turns})
        return found
