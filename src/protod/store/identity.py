"""What makes two runs the same run, so that `--resume` never mixes results of different ones.

A run directory records its identity when it starts (command, pack and its fingerprint, agent, simulator, seed and
the result-relevant config). `--resume` compares the identity it would write with the recorded one and refuses a
mismatch with one line naming the first field that differs. Settings that cannot change results (batch size,
progress display) are not part of the identity.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from protod.store.files import atomic_write_text

IDENTITY_FILE = "identity.json"
# Config keys that do not change what a dialogue or a training step computes.
NOT_IDENTITY = frozenset({"batch_size", "n", "device", "max_steps", "save_every", "distributed", "concurrency", "cache_dir",
                          "agents", "simulators"})  # eval: each cell has its own agent and simulator


class IdentityMismatch(ValueError):
    """`--resume` on a directory that holds another run."""


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if k in NOT_IDENTITY and prefix in ("", "config."):
                continue
            out.update(_flatten(v, f"{prefix}{k}."))
        return out or {prefix[:-1]: {}}
    return {prefix[:-1]: value}


def first_difference(recorded: dict[str, Any], now: dict[str, Any]) -> tuple[str, Any, Any] | None:
    """(field, recorded value, value now) of the first identity field that differs, or None."""
    a, b = _flatten(recorded), _flatten(now)
    for key in list(a) + [k for k in b if k not in a]:
        if a.get(key, "<absent>") != b.get(key, "<absent>"):
            return key, a.get(key, "<absent>"), b.get(key, "<absent>")
    return None


def describe(diff: tuple[str, Any, Any]) -> str:
    field, old, new = diff
    show = lambda v: str(v)[:80] if isinstance(v, (str, int, float)) else json.dumps(v)[:80]  # noqa: E731
    return f"the run holds {field}={show(old)}, this command has {field}={show(new)}"


def check_identity(path: Path, now: dict[str, Any]) -> None:
    """Raise IdentityMismatch if `path` records another identity than `now`. A missing file passes (older run
    directories have none, and their records are still checked one by one); a damaged one is refused, since it can
    no longer say which run the directory holds."""
    if not path.exists():
        return
    todo = "delete it to resume without the identity check, or use --overwrite / another --out"
    try:
        recorded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else "not valid JSON"
        raise IdentityMismatch(f"{path}: unreadable ({reason}); {todo}") from None
    if not isinstance(recorded, dict):
        raise IdentityMismatch(f"{path}: expected a JSON object, found {type(recorded).__name__}; {todo}")
    diff = first_difference(recorded, json.loads(json.dumps(now)))
    if diff is not None:
        raise IdentityMismatch(f"{path.parent}: --resume of a different run: {describe(diff)}; "
                               "use the same settings, another --out, or --overwrite")


def write_identity(path: Path, identity: dict[str, Any]) -> None:
    atomic_write_text(path, json.dumps(identity, indent=2, sort_keys=True) + "\n",
                      "every dialogue finished before is intact", resumable=True)
