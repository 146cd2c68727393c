"""Perception evaluation: how well a simulator hears what natural callers say, scored on a labelled corpus.

The corpus (data/perception/*.jsonl, see data/perception/README.md) holds agent lines written the way fluent callers
speak, each labelled with what it must be heard as: the facts it states, the facts it must not be credited with,
whether it makes a false or unsupported claim, the worries it asks about ("*" = an open question about whatever
worries the person), whether it asks to close, and whether it is honest speech that must not be punished.

`score(line, perception)` is a pure function from one label and one `Perception` to per-metric outcomes;
`summarise` aggregates them overall, per kind, per pack and per split. Metrics (all rates in [0, 1]):

- fact_recall: labelled (line, fact) pairs whose fact was credited, over honest lines that state facts.
- hard_negative_credited: (line, fact) pairs in `not_facts` that were credited anyway.
- false_claim_flagged: lines labelled false_claim=true heard as a false or unsupported claim.
- probe_recall: lines that ask about a worry heard as asking about it or its area ("*": heard as any probe), and
  not as a closing ask or a barrage.
- honest_punished: honest lines heard as nonsense, a barrage, a false or unsupported claim, or a closing ask they
  are labelled not to be.
- distractor_misread: small talk heard as anything but small talk (a fact, a probe, a claim, nonsense, a closing
  ask, pressure).
- fact_overcredited: of the facts credited on honest lines that state facts, those the line does not state (a
  neighbour of the fact said, heard too: a worry it would settle that the caller never answered). No bar; reported.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from protod.world import Scenario, load_scenario
from protod.user.state import Perception

KINDS = (
    "fact_close", "fact_paraphrase", "fact_context", "fact_multi", "probe_pointed", "probe_area", "probe_open",
    "situation_question", "closing_ask", "small_talk", "pitch", "pressure", "mixed", "neg_negated", "neg_wrong_number",
    "neg_dropped_qualifier", "neg_added_false_clause", "neg_invented_promise", "neg_claim_in_question", "neg_bare_cue",
    "human",
)
METRICS = ("fact_recall", "hard_negative_credited", "false_claim_flagged", "probe_recall", "honest_punished",
           "distractor_misread", "fact_overcredited")
# The bars of issue 20 on the test domains: (metric, "max" | "min", value).
BARS = {
    "fact_recall": ("min", 0.90),
    "fact_recall[fact_paraphrase]": ("min", 0.85),
    "probe_recall": ("min", 0.85),
    "honest_punished": ("max", 0.03),
    "hard_negative_credited": ("max", 0.03),
    "false_claim_flagged[invented]": ("min", 0.80),
    "distractor_misread": ("max", 0.05),
}
INVENTED_KINDS = ("neg_invented_promise", "neg_dropped_qualifier")


class CorpusLine(BaseModel):
    """One labelled agent line (one JSON object per corpus line)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    pack: str = Field(min_length=1, description="Pack id (built-in or a file <id>.yaml in a pack directory) or a path.")
    text: str = Field(min_length=1, max_length=4000)
    kind: Literal[KINDS]  # type: ignore[valid-type]
    facts: list[str] = Field(default_factory=list)
    not_facts: list[str] = Field(default_factory=list)
    false_claim: bool | None = None
    probes: list[str] = Field(default_factory=list)
    closing_ask: bool | None = None
    honest: bool


class CorpusError(ValueError):
    """A corpus file that cannot be read: the message names the file, the line and the field."""


def load_corpus(path: str | Path, limit: int = 1_000_000) -> list[CorpusLine]:
    """Read a corpus JSONL file; any bad line is a CorpusError naming file:line and the field."""
    path = Path(path)
    if not path.is_file():
        raise CorpusError(f"{path}: no such corpus file")
    lines: list[CorpusLine] = []
    with path.open(encoding="utf-8") as fh:
        for n, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            if len(lines) >= limit:
                raise CorpusError(f"{path}: more than {limit} lines")
            try:
                data = json.loads(raw)
            except json.JSONDecodeError as e:
                raise CorpusError(f"{path}:{n}: not a JSON object ({e.msg})") from None
            if not isinstance(data, dict):
                raise CorpusError(f"{path}:{n}: expected a JSON object, got {type(data).__name__}")
            try:
                lines.append(CorpusLine.model_validate(data))
            except ValidationError as e:
                first = e.errors()[0]
                field = ".".join(str(p) for p in first["loc"]) or "line"
                raise CorpusError(f"{path}:{n}: field {field!r}: {first['msg']}") from None
    if not lines:
        raise CorpusError(f"{path}: the corpus is empty")
    return lines


def load_corpora(paths: Sequence[str | Path]) -> list[CorpusLine]:
    """Several files (or directories of *.jsonl) as one corpus."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(p.glob("*.jsonl"))
            if not found:
                raise CorpusError(f"{p}: a corpus directory with no *.jsonl file")
            files += found
        else:
            files.append(p)
    return [line for f in files for line in load_corpus(f)]


def default_pack_dirs() -> list[Path]:
    """The pack directories of a source checkout, when it has them: examples/packs (the example packs the corpus's
    new domains use) and data/perception/packs (domains written only to train the learned perceiver)."""
    here = Path(__file__).resolve()
    root = next((p for p in here.parents if (p / "examples" / "packs").is_dir()), None)
    if root is None:
        return []
    return [d for d in (root / "examples" / "packs", root / "data" / "perception" / "packs") if d.is_dir()]


def resolve_pack(ref: str, pack_dirs: Iterable[Path] = ()) -> Scenario:
    """A pack by built-in id, by <dir>/<id>.yaml in a pack directory, or by path."""
    from protod.world import builtin_scenarios

    if ref in builtin_scenarios():
        return load_scenario(ref)
    for d in pack_dirs:
        candidate = Path(d) / f"{ref}.yaml"
        if candidate.is_file():
            return load_scenario(candidate)
    if Path(ref).is_file():
        return load_scenario(ref)
    where = ", ".join(str(d) for d in pack_dirs) or "no pack directory"
    raise CorpusError(f"pack {ref!r}: not a built-in pack, not found in {where} (pass --packs DIR), not a file")


def check_labels(line: CorpusLine, pack: Scenario, where: str = "") -> None:
    """Every id a label names exists in the pack (a typo would silently count as a miss)."""
    for field in ("facts", "not_facts"):
        for fid in getattr(line, field):
            if fid not in pack.fact_by_id:
                raise CorpusError(f"{where}{field}: {fid!r} is not a fact of pack {pack.id}")
    for cid in line.probes:
        if cid != "*" and cid not in pack.concern_by_id:
            raise CorpusError(f"{where}probes: {cid!r} is not a concern of pack {pack.id}")


# ---------------------------------------------------------------------------------------------------------------
# Scoring


def _punished(line: CorpusLine, p: Perception) -> list[str]:
    """Why an honest line was punished (empty when it was not)."""
    why = []
    if p.nonsense:
        why.append("nonsense")
    if p.barrage:
        why.append("barrage")
    if p.false_claims:
        why.append("false_claim")
    if getattr(p, "unsupported", False):
        why.append("unsupported_claim")
    if p.closing_ask and line.closing_ask is not True:
        why.append("closing_ask")
    return why


def score(line: CorpusLine, p: Perception, pack: Scenario) -> dict[str, Any]:
    """Per-metric outcomes of one line: {metric: (hits, total)} plus what was heard, for the per-line report."""
    out: dict[str, Any] = {}
    credited = set(p.facts)
    flagged = bool(p.false_claims) or bool(getattr(p, "unsupported", False))
    if line.honest and line.facts:
        out["fact_recall"] = (sum(f in credited for f in line.facts), len(line.facts))
        if credited:
            out["fact_overcredited"] = (len(credited - set(line.facts)), len(credited))
    if line.not_facts:
        out["hard_negative_credited"] = (sum(f in credited for f in line.not_facts), len(line.not_facts))
    if line.false_claim is True:
        out["false_claim_flagged"] = (int(flagged), 1)
    if line.probes:
        if "*" in line.probes:
            heard = bool(p.probes)
        else:
            areas = {pack.concern_by_id[c].area for c in line.probes}
            heard = any(c in line.probes or pack.concern_by_id[c].area in areas for c in p.probes)
        out["probe_recall"] = (int(heard and not p.barrage and not (p.closing_ask and line.closing_ask is False)), 1)
    if line.honest:
        out["honest_punished"] = (int(bool(_punished(line, p))), 1)
    if line.kind == "small_talk":
        misread = bool(credited or p.probes or flagged or p.nonsense or p.closing_ask or p.pressure or p.barrage)
        out["distractor_misread"] = (int(misread), 1)
    return out


def heard(p: Perception) -> dict[str, Any]:
    """What a perception says, as JSON."""
    return {
        "acts": p.acts(), "facts": list(p.facts), "false_claims": list(p.false_claims), "probes": list(p.probes),
        "closing_ask": p.closing_ask, "nonsense": p.nonsense, "barrage": p.barrage,
        "unsupported": bool(getattr(p, "unsupported", False)),
    }


def _rate(pairs: list[tuple[int, int]]) -> dict[str, Any]:
    hits, total = sum(h for h, _ in pairs), sum(t for _, t in pairs)
    return {"rate": hits / total if total else None, "n": total}


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """rows: [{"line": CorpusLine-like dict, "score": score(...)}] -> overall / per kind / per pack / per split."""

    def block(subset: list[dict[str, Any]]) -> dict[str, Any]:
        by_metric: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for r in subset:
            for metric, pair in r["score"].items():
                by_metric[metric].append(tuple(pair))
        return {m: _rate(by_metric[m]) for m in METRICS if by_metric.get(m)}

    groups: dict[str, dict[str, list]] = {"kind": defaultdict(list), "pack": defaultdict(list), "split": defaultdict(list)}
    for r in rows:
        groups["kind"][r["line"]["kind"]].append(r)
        groups["pack"][r["line"]["pack"]].append(r)
        groups["split"][r.get("split") or "unsplit"].append(r)
    summary = {"lines": len(rows), "overall": block(rows)}
    for name, g in groups.items():
        summary[f"by_{name}"] = {k: {"lines": len(v), **block(v)} for k, v in sorted(g.items())}
    return summary


def bar_values(block: dict[str, Any], by_kind: dict[str, Any]) -> dict[str, float | None]:
    """The numbers the bars are about, from one overall block and its per-kind blocks."""
    values = {m: (block.get(m) or {}).get("rate") for m in ("fact_recall", "probe_recall", "honest_punished",
                                                            "hard_negative_credited", "distractor_misread")}
    values["fact_recall[fact_paraphrase]"] = ((by_kind.get("fact_paraphrase") or {}).get("fact_recall") or {}).get("rate")
    hits = total = 0
    for k in INVENTED_KINDS:
        cell = (by_kind.get(k) or {}).get("false_claim_flagged")
        if cell and cell["rate"] is not None:
            hits += cell["rate"] * cell["n"]
            total += cell["n"]
    values["false_claim_flagged[invented]"] = hits / total if total else None
    return values


def meets(values: dict[str, float | None]) -> dict[str, bool | None]:
    out: dict[str, bool | None] = {}
    for name, (direction, bar) in BARS.items():
        v = values.get(name)
        out[name] = None if v is None else (v >= bar if direction == "min" else v <= bar)
    return out


# ---------------------------------------------------------------------------------------------------------------
# Running a simulator's perception over the corpus


def perceiver_of(simulator: Any) -> Any:
    """The perception half of a simulator; a role-play simulator has none of its own (it only emits state)."""
    perceiver = getattr(simulator, "perceiver", None)
    if perceiver is None or not (hasattr(perceiver, "perceive") or hasattr(perceiver, "perceive_batch")):
        name = getattr(simulator, "name", type(simulator).__name__)
        raise ValueError(f"simulator {name!r} has no perception to score (it writes its own state); use rule, "
                         "semantic, learned or cus-llm")
    return perceiver


def perceive_texts(perceiver: Any, texts: Sequence[str], batch_size: int = 32) -> tuple[list[Perception], list[dict]]:
    """Perceptions of texts, in order, and per text the perceiver's call metadata (LLM judges: attempts, fallback)."""
    if hasattr(perceiver, "warm"):
        perceiver.warm(list(texts))
    if hasattr(perceiver, "perceive_batch"):
        perceptions: list[Perception] = []
        metas: list[dict] = []
        for start in range(0, len(texts), batch_size):
            chunk = list(texts[start : start + batch_size])
            results = perceiver.perceive_batch(chunk, [start + i for i in range(len(chunk))])
            for r in results:
                if isinstance(r, Perception):
                    perceptions.append(r)
                    metas.append({})
                else:
                    perceptions.append(r.perception)
                    metas.append({"fallback": bool(r.fallback), **(r.meta or {})})
        return perceptions, metas
    return [perceiver.perceive(t) for t in texts], [{} for _ in texts]


def load_splits(corpus_paths: Sequence[str | Path]) -> dict[str, str]:
    """pack id -> split ("train" | "dev" | "test") from a splits.json beside the corpus files, when there is one."""
    for p in map(Path, corpus_paths):
        candidate = (p if p.is_dir() else p.parent) / "splits.json"
        if candidate.is_file():
            try:
                data = json.loads(candidate.read_text(encoding="utf-8"))
                return {pack: split for split, packs in data.items() for pack in packs}
            except (json.JSONDecodeError, AttributeError, TypeError):
                raise CorpusError(f"{candidate}: expected {{\"train\": [pack ids], \"test\": [pack ids]}}") from None
    return {}


# ---------------------------------------------------------------------------------------------------------------
# Choosing the learned perceiver's thresholds


def parse_grid(specs: Sequence[str]) -> dict[str, list[float]]:
    """["entail=0.3,0.4", "probe=0.1"] -> {"entail": [0.3, 0.4], "probe": [0.1]}: threshold names of
    protod.user.learned_model.Thresholds, each with the values to try."""
    from dataclasses import fields

    from protod.user.learned_model import Thresholds

    known = {f.name: f.type for f in fields(Thresholds)}
    grid: dict[str, list[float]] = {}
    for spec in specs:
        name, sep, values = spec.partition("=")
        name = name.strip()
        if not sep or name not in known:
            raise ValueError(f"--grid {spec!r}: expected NAME=V1,V2,... with NAME one of {', '.join(sorted(known))}")
        try:
            cast = int if known[name] in (int, "int") else float
            grid[name] = [cast(v) for v in values.split(",") if v.strip()]
        except ValueError:
            raise ValueError(f"--grid {spec!r}: the values of {name} must be numbers separated by commas") from None
        if not grid[name]:
            raise ValueError(f"--grid {spec!r}: no values given for {name}")
    return grid


def sweep_thresholds(by_pack: dict[str, tuple[Scenario, list[CorpusLine]]], model: Any, encoder: Any, base: Any,
                     grid: dict[str, list[float]], on_setting: Any = None) -> list[dict[str, Any]]:
    """Bar values of the learned perceiver at every setting of `grid` (the product of its values; `base`: the
    Thresholds the rest keep). The pair model caches every pair it scores, so the first setting costs a full
    evaluation and each further one only the perceiver's reading of cached scores. Returns
    [{"thresholds": {name: value}, "values": bar values, "meets": ...}] in grid order."""
    import itertools
    from dataclasses import replace

    from protod.user.learned import LearnedPerceiver

    names = list(grid)
    out: list[dict[str, Any]] = []
    for combo in itertools.product(*grid.values()):
        setting = dict(zip(names, combo))
        thresholds = replace(base, **setting)
        rows: list[dict[str, Any]] = []
        for pack, lines in by_pack.values():
            perceiver = LearnedPerceiver(pack, model, encoder, thresholds=thresholds)
            perceptions, _ = perceive_texts(perceiver, [ln.text for ln in lines])
            rows += [{"line": ln.model_dump(), "score": score(ln, p, pack)} for ln, p in zip(lines, perceptions)]
        summary = summarise(rows)
        values = bar_values(summary["overall"], summary["by_kind"])
        out.append({"thresholds": setting, "values": values, "meets": meets(values)})
        if on_setting is not None:
            on_setting(out[-1])
    return out
