"""What a run must record beside its results to be reproduced: versions, pack fingerprint, seed, config."""

from __future__ import annotations

import hashlib
import json
import platform
import sys
from datetime import datetime, timezone
from importlib import metadata
from typing import Any

from protod.world import Scenario

_PACKAGES = ("protod", "pydantic", "pyyaml", "typer", "rich", "torch", "transformers", "peft", "accelerate", "openai")


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def pack_fingerprint(pack: Scenario) -> str:
    """sha256 of the validated pack: two runs are comparable only if this matches."""
    blob = json.dumps(pack.model_dump(mode="json"), sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def run_record(pack: Scenario, config: dict[str, Any]) -> dict[str, Any]:
    return {
        "config": config,
        "scenario": {"id": pack.id, "fingerprint": pack_fingerprint(pack)},
        "versions": package_versions(),
        "command": " ".join(sys.argv),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
