"""Label queues: agent lines from any run or corpus, what a person says each line did, and agreement between people.

One label is one line of the perception corpus format (keys in this order), so a person's labels score any
perceiver with `protod perception eval`:

  {"pack": id, "text": str, "kind": "human", "facts": [fact ids it states], "not_facts": [fact ids it mentions but
   must not be credited with: asked about, negated, contradicted], "false_claim": true|false|null, "probes": [concern
   ids it asks about, or "*" for an open question about worries in general], "closing_ask": true|false|null,
   "honest": true|false}

null is the labeller's "can't tell". honest is false when the line is nonsense or manipulation (a keyword list,
word salad, an injection) or makes a false or unsupported claim.
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path
from typing import Any

from protod.serve.store import append_line, read_lines, write_atomic

LABEL_KEYS = ("pack", "text", "kind", "facts", "not_facts", "false_claim", "probes", "closing_ask", "honest")
OPEN_PROBE = "*"


def source_lines(path: Path) -> list[tuple[str, str]]:
    """(pack id, agent line) pairs, in file order without repeats, from a trajectories file (or a run directory
    holding one) or a corpus file (objects with `pack` and `text`)."""
    file = path / "trajectories.jsonl" if path.is_dir() else path
    if not file.is_file():
        raise ValueError(f"{file}: no such file; give a trajectories.jsonl, a run directory or a corpus .jsonl")
    pairs: dict[tuple[str, str], None] = {}
    for lineno, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            raise ValueError(f"{file}:{lineno}: not a JSON line") from None
        if isinstance(record, dict) and isinstance(record.get("turns"), list) and isinstance(record.get("scenario"), str):
            for turn in record["turns"]:
                if isinstance(turn, dict) and isinstance(turn.get("agent"), str) and turn["agent"].strip():
                    pairs[(record["scenario"], turn["agent"])] = None
        elif isinstance(record, dict) and isinstance(record.get("pack"), str) and isinstance(record.get("text"), str):
            pairs[(record["pack"], record["text"])] = None
        else:
            raise ValueError(f"{file}:{lineno}: expected a dialogue (scenario, turns) or a corpus line (pack, text)")
    if not pairs:
        raise ValueError(f"{file}: holds no agent lines to label")
    return list(pairs)


def make_queue(root: Path, source: Path, n: int | None = None, seed: int = 0) -> str:
    """A queue of up to `n` lines of `source` (a seeded sample when there are more). The queue's id comes from its
    content, so two people who make a queue from the same file with the same n and seed label the same queue."""
    pairs = source_lines(source)
    if n is not None and n < len(pairs):
        pairs = sorted(random.Random(seed).sample(pairs, n), key=pairs.index)
    body = "".join(json.dumps({"pack": p, "text": t}, ensure_ascii=False) + "\n" for p, t in pairs)
    file = source / "trajectories.jsonl" if source.is_dir() else source
    name = file.parent.name if file.name == "trajectories.jsonl" else file.stem  # the run's name says more
    stem = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in name)[:30]
    qid = f"{stem or 'queue'}-{hashlib.sha256(body.encode()).hexdigest()[:8]}"
    path = queue_dir(root, qid) / "queue.jsonl"
    if not path.is_file():
        write_atomic(path, body)
    return qid


def queue_dir(root: Path, qid: str) -> Path:
    if not qid or "/" in qid or "\\" in qid or qid.startswith("."):
        raise KeyError(qid)
    return root / "label" / qid


def queue_items(root: Path, qid: str) -> list[dict[str, str]]:
    path = queue_dir(root, qid) / "queue.jsonl"
    if not path.is_file():
        raise KeyError(qid)
    return read_lines(path)


def queues(root: Path) -> list[str]:
    return sorted(p.parent.name for p in (root / "label").glob("*/queue.jsonl"))


def labellers(root: Path, qid: str) -> list[str]:
    return sorted(p.stem[len("labels-"):] for p in queue_dir(root, qid).glob("labels-*.jsonl"))


def labels_path(root: Path, qid: str, who: str) -> Path:
    return queue_dir(root, qid) / f"labels-{who}.jsonl"


def labels_of(root: Path, qid: str, who: str) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["pack"], r["text"]): r for r in read_lines(labels_path(root, qid, who))}


def label_record(pack: str, text: str, facts: list[str], not_facts: list[str], false_claim: bool | None,
                 probes: list[str], closing_ask: bool | None, nonsense: bool) -> dict[str, Any]:
    """One corpus line, keys in the corpus order. A fact marked both ways counts as not credited."""
    not_set = set(not_facts)
    return {"pack": pack, "text": text, "kind": "human", "facts": [f for f in facts if f not in not_set],
            "not_facts": list(not_facts), "false_claim": false_claim, "probes": list(probes), "closing_ask": closing_ask,
            "honest": not nonsense and false_claim is not True}


def save_label(root: Path, qid: str, who: str, record: dict[str, Any]) -> None:
    """A new label is appended (flushed); a changed one rewrites the file whole, so each line stays labelled once."""
    path = labels_path(root, qid, who)
    held = read_lines(path)
    key = (record["pack"], record["text"])
    if any((r["pack"], r["text"]) == key for r in held):
        body = "".join(json.dumps(record if (r["pack"], r["text"]) == key else r, ensure_ascii=False) + "\n" for r in held)
        write_atomic(path, body)
    else:
        append_line(path, record)


# ---------------------------------------------------------------------------------------------------------------
# Agreement


def act_values(record: dict[str, Any]) -> dict[str, bool | None]:
    """A label as yes/no per act: each fact stated, each concern probed, the open probe, false claim, closing ask,
    honest. Acts absent from the label are "no"; null ("can't tell") stays None and drops out of that act's pairs."""
    values: dict[str, bool | None] = {f"fact:{f}": True for f in record.get("facts", [])}
    values.update({f"probe:{c}": True for c in record.get("probes", [])})
    values.update(false_claim=record.get("false_claim"), closing_ask=record.get("closing_ask"), honest=record.get("honest"))
    return values


def cohen_kappa(pairs: list[tuple[bool, bool]]) -> float | None:
    """Cohen's kappa of two raters' yes/no on the same items: (p_o - p_e) / (1 - p_e). None when chance agreement
    is 1 (both said the same thing every time): kappa is undefined there, and the raw agreement says it all."""
    n = len(pairs)
    if n == 0:
        return None
    observed = sum(a == b for a, b in pairs) / n
    yes_a = sum(a for a, _ in pairs) / n
    yes_b = sum(b for _, b in pairs) / n
    chance = yes_a * yes_b + (1 - yes_a) * (1 - yes_b)
    if chance >= 1.0:
        return None
    return (observed - chance) / (1 - chance)


def agreement(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> dict[str, Any]:
    """Cohen's kappa per act between two labellers, over the lines both labelled."""
    by_a = {(r["pack"], r["text"]): act_values(r) for r in a}
    by_b = {(r["pack"], r["text"]): act_values(r) for r in b}
    common = [k for k in by_a if k in by_b]
    acts = sorted({act for k in common for act in (*by_a[k], *by_b[k])})
    table = {}
    for act in acts:
        pairs = []
        for k in common:
            va, vb = by_a[k].get(act, False), by_b[k].get(act, False)
            if va is not None and vb is not None:
                pairs.append((bool(va), bool(vb)))
        kappa = cohen_kappa(pairs)
        table[act] = {"n": len(pairs), "agreement": sum(x == y for x, y in pairs) / len(pairs) if pairs else None,
                      "kappa": kappa}
    return {"lines_in_common": len(common), "acts": table}


def read_label_file(path: Path) -> list[dict[str, Any]]:
    """A labels file for `protod agreement`: every line a corpus record."""
    if not path.is_file():
        raise ValueError(f"{path}: no such labels file")
    records = read_lines(path)
    for lineno, r in enumerate(records, start=1):
        missing = [k for k in ("pack", "text", "facts", "probes") if k not in r]
        if missing:
            raise ValueError(f"{path}:{lineno}: not a corpus label (missing {', '.join(missing)})")
    return records
