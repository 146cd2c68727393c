"""`protod perception ...`: score any simulator's perception on the labelled natural-speech corpus; train the learned
perceiver."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any, Optional

import typer
from rich.table import Table

from protod.backends import SPEC_HELP, load_backend
from protod.store.files import atomic_write_text
from protod.cli.common import ENDPOINT_DEFAULTS, RETRIES_HELP, TIMEOUT_HELP, progress, app, friendly, out

perception_app = typer.Typer(help="Measure (and train) how the simulated user hears natural speech: `eval`, `sweep`, `train`.")
app.add_typer(perception_app, name="perception")

DEFAULT_CORPUS = Path("data/perception")


def _fmt_rate(cell: Any) -> str:
    if not cell or cell.get("rate") is None:
        return "-"
    return f"{cell['rate']:.3f} ({cell['n']})"


@perception_app.command("eval")
@friendly
def perception_eval(
    corpus: list[Path] = typer.Option([DEFAULT_CORPUS], "--corpus", "-c", help="Corpus JSONL file(s) or directories of them (repeatable). A splits.json beside them names the train/test packs."),
    simulator: str = typer.Option("rule", "--simulator", help="Whose perception: rule | semantic | learned | cus-llm (needs --sim-model)."),
    sim_model: Optional[str] = typer.Option(None, "--sim-model", help=f"Judge model for cus-llm: {SPEC_HELP}."),
    packs: list[Path] = typer.Option([], "--packs", help="Directory of pack YAML files named <id>.yaml (repeatable; default: examples/packs and data/perception/packs of this checkout)."),
    split: Optional[str] = typer.Option(None, "--split", help="Only the packs of this split (train | dev | test)."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Write the summary and every line's perception here (JSON)."),
    limit: int = typer.Option(0, "--limit", min=0, help="Score only the first N lines of each pack (0 = all): a quick look."),
    timeout: float = typer.Option(ENDPOINT_DEFAULTS["timeout"], "--timeout", min=0.1, help=TIMEOUT_HELP),
    max_retries: int = typer.Option(ENDPOINT_DEFAULTS["max_retries"], "--max-retries", min=0, max=10, help=RETRIES_HELP),
) -> None:
    """Score a simulator's perception on a labelled corpus: fact recall, hard negatives credited, false claims
    flagged, probe recall, honest lines punished, small talk misread; overall, per split, per kind and per pack.
    Prints a table against the natural-speech bars; --json keeps every line's perception."""
    from protod.audit import perception as pe
    from protod.user.simulator import make_simulator

    lines = pe.load_corpora(corpus)
    splits = pe.load_splits(corpus)
    if split is not None:
        if split not in set(splits.values()):
            raise ValueError(f"--split {split!r}: the corpus's splits.json names {sorted(set(splits.values())) or 'no split'}")
        lines = [ln for ln in lines if splits.get(ln.pack) == split]
    pack_dirs = packs or pe.default_pack_dirs()
    by_pack: dict[str, list] = {}
    for ln in lines:
        by_pack.setdefault(ln.pack, []).append(ln)
    if limit:
        by_pack = {k: v[:limit] for k, v in by_pack.items()}
    backend = load_backend(sim_model, timeout=timeout, max_retries=max_retries) if sim_model else None
    rows: list[dict[str, Any]] = []
    started = time.perf_counter()
    with progress() as bar:
        task = bar.add_task(f"perception ({simulator})", total=sum(len(v) for v in by_pack.values()))
        for ref, pack_lines in by_pack.items():
            pack = pe.resolve_pack(ref, pack_dirs)
            for i, ln in enumerate(pack_lines):
                pe.check_labels(ln, pack, where=f"{ref} line {i + 1}: ")
            perceiver = pe.perceiver_of(make_simulator(simulator, pack, backend))
            for start in range(0, len(pack_lines), 64):
                chunk = pack_lines[start : start + 64]
                perceptions, metas = pe.perceive_texts(perceiver, [ln.text for ln in chunk])
                for ln, p, meta in zip(chunk, perceptions, metas):
                    rows.append({"line": ln.model_dump(), "split": splits.get(ln.pack), "score": pe.score(ln, p, pack),
                                 "heard": pe.heard(p), **({"meta": meta} if meta else {})})
                bar.advance(task, len(chunk))
    seconds = time.perf_counter() - started
    summary = pe.summarise(rows)
    blocks = {"overall": (summary["overall"], summary["by_kind"])}
    for name in sorted(summary["by_split"]):
        if name == "unsplit":
            continue
        kinds = pe.summarise([r for r in rows if r.get("split") == name])["by_kind"]
        blocks[name] = (summary["by_split"][name], kinds)
    values = {name: pe.bar_values(b, k) for name, (b, k) in blocks.items()}
    judge = [r["meta"] for r in rows if "meta" in r]
    extra: dict[str, Any] = {}
    if judge:
        extra["judge_valid_rate"] = sum(not m.get("fallback") for m in judge) / len(judge)
        # Valid on the first reply (no retry, no repair needed beyond parsing), and asked under a schema the
        # endpoint accepted: what schema-constrained decoding buys over parse/repair/retry.
        extra["judge_first_try_valid_rate"] = sum(not m.get("fallback") and m.get("attempts") == 1 for m in judge) / len(judge)
        extra["judge_schema_constrained_rate"] = sum(bool(m.get("schema_constrained")) for m in judge) / len(judge)

    table = Table(title=f"Perception of {simulator} on {len(rows)} corpus lines ({seconds:.0f} s)")
    table.add_column("metric")
    for name in blocks:
        table.add_column(name)
    table.add_column("bar")
    for metric, (direction, bar_value) in pe.BARS.items():
        cells = []
        for name in blocks:
            v = values[name].get(metric)
            ok = pe.meets(values[name])[metric]
            cells.append("-" if v is None else f"{v:.3f}" + ("" if ok is None else (" ok" if ok else " MISS")))
        table.add_row(metric, *cells, f"{'>=' if direction == 'min' else '<='} {bar_value}")
    out.print(table)
    kinds = Table(title="per kind (overall)")
    kinds.add_column("kind")
    kinds.add_column("lines")
    for m in pe.METRICS:
        kinds.add_column(m)
    for kind, cell in summary["by_kind"].items():
        kinds.add_row(kind, str(cell["lines"]), *(_fmt_rate(cell.get(m)) for m in pe.METRICS))
    out.print(kinds)
    if "judge_valid_rate" in extra:
        out.print(f"judge answered in valid JSON for {extra['judge_valid_rate']:.1%} of lines "
                  f"({extra['judge_first_try_valid_rate']:.1%} at the first try; schema-constrained calls: "
                  f"{extra['judge_schema_constrained_rate']:.1%})")
    if json_out is not None:
        record = {"simulator": simulator, "sim_model": sim_model, "corpus": [str(c) for c in corpus], "split": split,
                  "seconds": round(seconds, 2), "lines_per_s": round(len(rows) / seconds, 2) if seconds else None,
                  "bars": {n: {"values": v, "meets": pe.meets(v)} for n, v in values.items()}, **extra,
                  "summary": summary, "lines": rows}
        atomic_write_text(json_out, json.dumps(record, indent=1))
        out.print(f"Per-line perceptions and summary: {json_out}")


# Column headings of the sweep table (seven bars side by side).
_SHORT = {"fact_recall": "facts", "fact_recall[fact_paraphrase]": "paraphrases", "probe_recall": "probes",
          "honest_punished": "honest punished", "hard_negative_credited": "hard neg. credited",
          "false_claim_flagged[invented]": "invented flagged", "distractor_misread": "small talk"}


@perception_app.command("sweep")
@friendly
def perception_sweep(
    grid: list[str] = typer.Option(..., "--grid", "-g", help="NAME=V1,V2,... for a threshold of the learned perceiver (repeatable; every combination is tried), e.g. --grid entail=0.3,0.4,0.5 --grid probe=0.1,0.2."),
    model: Optional[Path] = typer.Option(None, "--model", help="A trained perceiver directory (default: the shipped one, or PROTOD_PERCEIVER)."),
    corpus: list[Path] = typer.Option([DEFAULT_CORPUS], "--corpus", "-c", help="Corpus JSONL file(s) or directories (repeatable)."),
    packs: list[Path] = typer.Option([], "--packs", help="Directory of pack YAML files named <id>.yaml (default: examples/packs and data/perception/packs of this checkout)."),
    split: str = typer.Option("dev", "--split", help="The packs to choose on: dev (default) or train. The test split is refused: thresholds chosen on it would make its scores no test."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Write every setting's bar values here (JSON)."),
) -> None:
    """Choose the learned perceiver's thresholds: score it on the dev packs at every combination of the --grid values
    (the rest stay the model's own) and print the bars side by side. The first setting costs a full evaluation
    (minutes on 2 cores); each further one takes seconds, because every pair's scores are cached."""
    from protod.audit import perception as pe
    from protod.user.learned_model import DEFAULT_MODEL, Thresholds, shared_models

    if split == "test":
        raise ValueError("--split test: thresholds are chosen on dev (or train); the test packs are scored once, after every choice")
    settings = pe.parse_grid(grid)
    model_dir = model or DEFAULT_MODEL
    if not (Path(model_dir) / "config.json").is_file():
        raise ValueError(f"--model {model_dir}: no trained perceiver here (expected config.json, head.safetensors and adapter/)")
    lines = pe.load_corpora(corpus)
    splits = pe.load_splits(corpus)
    if split not in set(splits.values()):
        raise ValueError(f"--split {split!r}: the corpus's splits.json names {sorted(set(splits.values())) or 'no split'}")
    pack_dirs = packs or pe.default_pack_dirs()
    by_pack: dict[str, tuple] = {}
    for ln in lines:
        if splits.get(ln.pack) == split:
            if ln.pack not in by_pack:
                by_pack[ln.pack] = (pe.resolve_pack(ln.pack, pack_dirs), [])
            pe.check_labels(ln, by_pack[ln.pack][0], where=f"{ln.pack}: ")
            by_pack[ln.pack][1].append(ln)
    pair_model, encoder = shared_models(str(model_dir))
    own = pair_model.config.get("thresholds", {})
    base = Thresholds(**{k: v for k, v in own.items() if k in Thresholds.__dataclass_fields__})
    total = math.prod(len(values) for values in settings.values())
    started = time.perf_counter()
    with progress() as bar:
        task = bar.add_task(f"{total} threshold settings on {sum(len(v[1]) for v in by_pack.values())} {split} lines", total=total)
        results = pe.sweep_thresholds(by_pack, pair_model, encoder, base, settings, on_setting=lambda _: bar.advance(task))
    table = Table(title=f"Learned perceiver on the {split} packs, {total} settings ({time.perf_counter() - started:.0f} s)")
    for name in settings:
        table.add_column(name)
    for metric, (direction, bar_value) in pe.BARS.items():
        table.add_column(f"{_SHORT[metric]} {'>=' if direction == 'min' else '<='}{bar_value}")
    for r in results:
        cells = [f"{v:.3f}" + ("" if ok is None else (" ok" if ok else "")) if v is not None else "-"
                 for v, ok in ((r["values"].get(m), r["meets"][m]) for m in pe.BARS)]
        table.add_row(*(f"{r['thresholds'][n]:g}" for n in settings), *cells)
    out.print(table)
    out.print(f"Unswept thresholds stay the model's own ({model_dir}/config.json).")
    if json_out is not None:
        atomic_write_text(json_out, json.dumps({"model_config": pair_model.config.get("train_config"), "split": split,
                                                "base_thresholds": own, "settings": results}, indent=1))
        out.print(f"Settings and bar values: {json_out}")


@perception_app.command("train")
@friendly
def perception_train(
    corpus: list[Path] = typer.Option([DEFAULT_CORPUS], "--corpus", "-c", help="Corpus JSONL file(s) or directories (repeatable)."),
    split: str = typer.Option("train", "--split", help="Train on the packs of this split only (splits.json beside the corpus); `all` uses every line (then nothing is held out)."),
    packs: list[Path] = typer.Option([], "--packs", help="Directory of pack YAML files named <id>.yaml (default: examples/packs and data/perception/packs of this checkout)."),
    out_dir: Path = typer.Option(Path("runs/perceiver"), "--out", "-o", help="Where the trained perceiver goes (adapter/, head.safetensors, config.json)."),
    epochs: float = typer.Option(2.0, "--epochs", min=0.1, max=50, help="Passes over the train pairs; a fraction ends the last pass early (the shipped perceiver: see its config.json)."),
    seed: int = typer.Option(0, "--seed"),
    lr: float = typer.Option(5e-4, "--lr", min=1e-6, max=1.0),
    frozen_layers: int = typer.Option(0, "--frozen-layers", min=0, max=5, help="MiniLM layers kept frozen (0 = adapt all six, the shipped recipe; more frozen layers train faster and hear less)."),
    frames: bool = typer.Option(True, "--frames/--no-frames", help="Also train on each fact put inside frames that disown it (contradicted) or still assert it (stated); on for the shipped perceiver."),
    hard_twins: bool = typer.Option(False, "--hard-twins/--no-hard-twins", help="Also train on twins of each fact with a limit lifted or a false clause added (contradicted) and with a second true fact added (stated)."),
    negatives_repeat: int = typer.Option(1, "--negatives-repeat", min=1, max=10, help="Train on each hard-negative line (wrong number, dropped qualifier, added false clause, invented promise, claim in a question) this many times."),
    init_from: Optional[Path] = typer.Option(None, "--init-from", help="Fine-tune: start from this trained perceiver (a directory with config.json, e.g. src/protod/user/models/perceiver) instead of a fresh adapter; its thresholds are kept and its weights' hash is recorded."),
    replay: float = typer.Option(1.0, "--replay", min=0.01, max=1.0, help="Share of the ordinary pairs kept (seeded); hard-negative lines and --hard-twins pairs are always kept. Below 1 for a short fine-tune that spends its steps on the negatives."),
) -> None:
    """Train the learned perceiver (MiniLM + LoRA cross-encoder) on the corpus's train packs, on CPU in minutes.
    Use it with `--simulator learned` after copying it over src/protod/user/models/perceiver, or score it first
    with `protod perception eval --simulator learned` (PROTOD_PERCEIVER=DIR points the simulator at it)."""
    from protod.audit import perception as pe
    from protod.user.learned_train import PerceiverTrainConfig, train_perceiver

    lines = pe.load_corpora(corpus)
    splits = pe.load_splits(corpus)
    if split != "all":
        if split not in set(splits.values()):
            raise ValueError(f"--split {split!r}: the corpus's splits.json names {sorted(set(splits.values())) or 'no split'} (or pass --split all)")
        lines = [ln for ln in lines if splits.get(ln.pack) == split]
    pack_dirs = packs or pe.default_pack_dirs()
    pack_of = {ref: pe.resolve_pack(ref, pack_dirs) for ref in dict.fromkeys(ln.pack for ln in lines)}
    for i, ln in enumerate(lines):
        pe.check_labels(ln, pack_of[ln.pack], where=f"{ln.pack}: ")
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f"{out_dir}: exists and is not a directory; --out must be a directory")
    extra: dict = {}
    if init_from is not None:
        if not (init_from / "config.json").is_file() or not (init_from / "head.safetensors").is_file():
            raise ValueError(f"--init-from {init_from}: no trained perceiver here (expected config.json, head.safetensors and adapter/)")
        # a fine-tune keeps the thresholds chosen for its parent until they are re-chosen on dev
        extra = {"init_from": str(init_from), "thresholds": json.loads((init_from / "config.json").read_text())["thresholds"]}
    cfg = PerceiverTrainConfig(seed=seed, epochs=epochs, lr=lr, frozen_layers=frozen_layers, frames=frames,
                                hard_twins=hard_twins, negatives_repeat=negatives_repeat, replay=replay, **extra)
    with progress() as bar:
        task = bar.add_task(f"training on {len(lines)} lines of {len(pack_of)} packs", total=None)

        def on_step(step: int, total: int, loss: float) -> None:
            bar.update(task, completed=step, total=total, description=f"training (loss {loss:.3f})")

        record = train_perceiver(lines, pack_of, out_dir, cfg, on_step=on_step)
    out.print(f"Trained on {record['lines']} lines ({record['pairs']} pairs, packs {', '.join(record['packs'])}) in "
              f"{record['seconds']:.0f} s; final loss {record['final_loss']}. Perceiver: {out_dir}")
