"""The demo's results: the summary.json a run writes (`summarise`: arms, curves, paired differences with their
intervals, timings, hardware and policy fingerprints), and how it reads for a person (the README block, the HTML
report's table and figures, the verdict lines)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from protod.eval.ablation import arm_acceptance, intervals_separate, paired_difference, seed_spread, user_scores
from protod.eval.passk import kendall_tau
from protod.eval.demo_plan import ARMS, DemoPlan, EVAL_SEED, RESTART, SCENARIO, TRAIN_PERSONA_SEED


def hardware(device: str | None, steps: list[dict[str, Any]]) -> dict[str, Any]:
    """Where this call ran and what training cost: mean seconds per RL step (`steps`: every run's train_log records)
    and, on CUDA, the largest peak memory of any step (rollouts and update) and of this process (gap and evaluation,
    and training when in-process). Step numbers come from the logs, so reused runs keep those of the call that ran
    them; the process peak is this call's."""
    import platform

    import torch

    dev = torch.device(device or "cpu")
    out: dict[str, Any] = {"device": str(dev), "cpu_threads": torch.get_num_threads(), "machine": platform.machine(),
                           "train_step_s": round(sum(r["step_s"] for r in steps) / len(steps), 2) if steps else None}
    if dev.type == "cuda":
        peaks = [r["peak_mem_gib"] for r in steps if "peak_mem_gib" in r]
        out.update(gpu=torch.cuda.get_device_name(dev), train_peak_mem_gib=max(peaks) if peaks else None,
                   process_peak_mem_gib=round(torch.cuda.max_memory_allocated(dev) / 2**30, 3))
    return out


CURVE_KEYS = ("reward_mean", "acceptance", "probing_rate", "aopd_loss", "groups_filtered")
METRIC_KEYS = ("concern_discovery_rate", "probing_rate", "unsupported_claim_rate", "mean_turns_to_accept")


def policy_fingerprint(out_dir: Path, name: str) -> str:
    """What a policy computes, as a hash of its weights: the starting policy's for `start` and for an adapter that is
    still a no-op (every LoRA B matrix zero: no update ever landed), else the hash of its trained tensors."""
    import hashlib

    from safetensors.numpy import load_file

    from protod.train.checkpoint import latest

    ckpt = latest(out_dir / ("start" if name == "start" else f"train/{name}"))
    if ckpt is None:
        return f"missing:{name}"
    adapter = ckpt / "adapter_model.safetensors"
    if name != "start" and adapter.is_file():
        tensors = load_file(adapter)
        if all(not t.any() for k, t in tensors.items() if "lora_B" in k):
            return policy_fingerprint(out_dir, "start")
    else:
        tensors = load_file(ckpt / "model.safetensors") if (ckpt / "model.safetensors").is_file() else {}
    digest = hashlib.sha256()
    for key in sorted(tensors):
        digest.update(key.encode())
        digest.update(tensors[key].tobytes())
    return digest.hexdigest()[:16]


def _records(cell: dict[str, Any]) -> list[dict[str, Any]]:
    from protod.run.trajectories import read_trajectories

    return read_trajectories(Path(cell["run_dir"]) / "trajectories.jsonl")


def _curves(logs: list[list[dict[str, Any]]]) -> dict[str, list[float | None]]:
    """Per step, the mean over seeds of each training curve (None where no seed logged it)."""
    steps = max((len(log) for log in logs), default=0)
    out: dict[str, list[float | None]] = {}
    for key in CURVE_KEYS:
        row: list[float | None] = []
        for i in range(steps):
            xs = [log[i].get(key) for log in logs if i < len(log) and log[i].get(key) is not None]
            row.append(round(sum(xs) / len(xs), 4) if xs else None)
        out[key] = row
    return out


def summarise(plan: DemoPlan, gap: dict[str, Any], evals: dict[str, dict[str, Any]], out_dir: Path,
              seconds: dict[str, float], train_seconds: dict[str, float], device: str | None = None) -> dict[str, Any]:
    from protod.store.provenance import package_versions
    from protod.store.records import TrainLogLine
    from protod.store.files import read_jsonl

    from protod.eval.probing import first_probe_targets
    from protod.world import load_scenario

    cells = {sim: {r["agent"]: r for r in ev["results"]} for sim, ev in evals.items()}
    scores = {sim: {name: user_scores(_records(cell)) for name, cell in by.items()} for sim, by in cells.items()}
    pack = load_scenario(SCENARIO)
    arms: dict[str, Any] = {}
    steps: list[dict[str, Any]] = []
    groups = {"start": ["start"], **{arm: [f"{arm}-s{s}" for s in plan.seeds] for arm in plan.arms}}
    for arm, names in groups.items():
        entry: dict[str, Any] = {"label": "starting policy" if arm == "start" else ARMS[arm].label,
                                 "why": "the conservative policy every arm starts from" if arm == "start" else ARMS[arm].why,
                                 "policies": names}
        for sim in cells:
            acc = arm_acceptance([scores[sim][n] for n in names])
            per = [cells[sim][n] for n in names]
            entry[sim] = {
                **acc,
                "pass_at_k": {k: seed_spread([c["pass_at_k"][k] for c in per])["mean"] for k in per[0]["pass_at_k"]},
                "pass_hat_k": {k: seed_spread([c["pass_hat_k"][k] for c in per])["mean"] for k in per[0]["pass_hat_k"]},
                **{key: seed_spread([c[key] for c in per]) for key in METRIC_KEYS},
            }
        # which concern the blind policy asks about first, against the user's own and the observable prior's
        entry["first_probe"] = first_probe_targets(pack, [rec for n in names for rec in _records(cells["rule"][n])])
        if arm != "start":
            logs = [[r.model_dump() for r in read_jsonl(out_dir / "train" / n / "train_log.jsonl", TrainLogLine, RESTART)]
                    for n in names]
            entry["curves"] = _curves(logs)
            steps += [r for log in logs for r in log]
            entry["train_seconds"] = [train_seconds.get(n) for n in names]
        arms[arm] = entry
    comparisons: dict[str, Any] = {}
    for sim in cells:
        for other in plan.arms:
            if other != "siavpo" and "siavpo" in plan.arms:
                comparisons[f"{sim}:siavpo-vs-{other}"] = paired_difference(
                    [scores[sim][n] for n in groups["siavpo"]], [scores[sim][n] for n in groups[other]])
    headline = None
    if "siavpo" in plan.arms and "grpo" in plan.arms:
        si, gr = arms["siavpo"]["rule"], arms["grpo"]["rule"]
        headline = {"siavpo": [si["acceptance"], si["ci_low"], si["ci_high"]], "grpo": [gr["acceptance"], gr["ci_low"], gr["ci_high"]],
                    "intervals_separate": intervals_separate(si, gr), "paired": comparisons.get("rule:siavpo-vs-grpo")}
    matrix = {name: {sim: cells[sim][name]["acceptance"] for sim in cells} for name in cells["rule"]}
    # Kendall tau over distinct policies: an arm whose weights never moved (every group filtered) is the starting
    # policy again, and counting it twice would inflate the agreement between simulators
    first_of: dict[str, str] = {}  # fingerprint -> the first policy with those weights
    for name in matrix:
        first_of.setdefault(policy_fingerprint(out_dir, name), name)
    distinct = list(first_of.values())
    taus = {}
    sim_names = list(cells)
    for i, a in enumerate(sim_names):
        for b in sim_names[i + 1:]:
            taus[f"{a}~{b}"] = kendall_tau([matrix[n][a] for n in distinct], [matrix[n][b] for n in distinct])
    return {
        "scenario": SCENARIO,
        "plan": json.loads(json.dumps(asdict(plan))),
        "model": {"tiny": f"tiny random Qwen2 ({plan.tiny_hidden}-d, {plan.tiny_layers} layers, SmolLM2 tokenizer cut to the pack's tokens), SFT {plan.sft_steps} steps",
                  "smollm2": "SmolLM2-135M-Instruct (embedded), LoRA"}[plan.model],
        "gap": {"deployable_pass_at_k": gap["deployable_pass_at_k"], "privileged_pass_at_k": gap["privileged_pass_at_k"],
                "privileged_pass_at_1": gap["privileged_pass_at_1"], "closed_by_sampling": gap["gap_closed_by_sampling"],
                "users": gap["n"]},
        "budget": {"training_dialogues_per_run": plan.rollouts_per_run, "steps": plan.rl_steps,
                   "dialogues_per_step": plan.personas_per_step * plan.group_size, "eval_users": plan.eval_n,
                   "eval_rollouts_per_user": {sim: (plan.eval_k if sim == "rule" else 1) for sim in cells},
                   "train_persona_seed": TRAIN_PERSONA_SEED, "eval_persona_seed": EVAL_SEED},
        "seeds": list(plan.seeds),
        "arms": arms,
        "comparisons": comparisons,
        "headline": headline,
        "matrix": matrix,
        "kendall_tau": taus,
        "distinct_policies": distinct,
        "seconds": seconds,
        "hardware": hardware(device, steps),
        "versions": package_versions(),
    }


# -- rendering ------------------------------------------------------------------------------------------------------
def _ci(x: dict[str, Any]) -> str:
    return f"{x['acceptance']:.3f} ({x['ci_low']:.2f}–{x['ci_high']:.2f})"


def _pm(x: dict[str, float], digits: int = 2) -> str:
    if x["mean"] != x["mean"]:  # NaN: nothing to average (e.g. no acceptance, so no turns-to-accept)
        return "–"
    return f"{x['mean']:.{digits}f} ± {x['std']:.{digits}f}"


def arm_table(summary: dict[str, Any], why: bool = False) -> tuple[list[str], list[list[str]]]:
    """The ablation table (column names, one row of text per arm) that the CLI, README and report.html all show."""
    sims = list(summary["budget"]["eval_rollouts_per_user"])
    over = "seeds and users" if next(iter(summary["arms"].values()))["rule"].get("users_ci") is not None else "users"
    columns = ["arm", f"acceptance, rule (95% CI over {over})", "per seed", "pass@k (rule)", "concerns found", "probing rate",
               "unsupported claims", *[f"acceptance, {s}" for s in sims if s != "rule"], *(["why it is here"] if why else [])]
    rows = []
    for a in summary["arms"].values():
        r = a["rule"]
        rows.append([a["label"], _ci(r), " / ".join(f"{x:.3f}" for x in r["per_seed"]),
                     ", ".join(f"@{k} {v:.2f}" for k, v in r["pass_at_k"].items()), _pm(r["concern_discovery_rate"]),
                     _pm(r["probing_rate"]), _pm(r["unsupported_claim_rate"], 3), *[_ci(a[s]) for s in sims if s != "rule"],
                     *([a["why"]] if why else [])])
    return columns, rows


def _markdown_table(columns: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns), *("| " + " | ".join(r) + " |" for r in rows)]


def results_markdown(summary: dict[str, Any]) -> str:
    """README's Results block, rendered from summary.json alone (so the README cannot drift from the run)."""
    gap, budget = summary["gap"], summary["budget"]
    ks = list(gap["deployable_pass_at_k"])
    lines = [
        f"Model: {summary['model']}. Training: {budget['steps']} steps x {budget['dialogues_per_step']} dialogues = "
        f"{budget['training_dialogues_per_run']} dialogues per run, seeds {', '.join(map(str, summary['seeds']))}. "
        f"Held-out: {budget['eval_users']} users, rollouts per user: "
        + ", ".join(f"{s} {k}" for s, k in budget["eval_rollouts_per_user"].items())
        + f". Wall time {summary['seconds']['total'] / 60:.1f} min ({timing_line(summary['seconds'])}).",
        "",
        f"**Proactivity gap** of the starting policy ({gap['users']} held-out users): deployable pass@1 "
        f"{gap['deployable_pass_at_k'][ks[0]]:.3f}, pass@{ks[-1]} {gap['deployable_pass_at_k'][ks[-1]]:.3f}; "
        f"privileged pass@1 {gap['privileged_pass_at_1']:.3f} ({'closed' if gap['closed_by_sampling'] else 'not closed'} by sampling).",
        "",
        *_markdown_table(*arm_table(summary)),
        "",
    ]
    lines += [f"- {line}" for line in verdict_lines(summary)]
    return "\n".join(lines) + "\n"


def timing_line(seconds: dict[str, float]) -> str:
    """Where the wall time went. Stages 2-4 run interleaved on worker processes: their wall time, then each kind's
    worker time (summed over its jobs, so it adds up to about workers x wall)."""
    if "gap_train_eval_wall" not in seconds:  # a summary from before the stages were interleaved
        return ", ".join(f"{k} {v:.0f} s" for k, v in seconds.items() if k != "total")
    workers = int(seconds.get("workers", 1))
    return (f"start {seconds['start']:.0f} s; then gap, training and evaluation interleaved on {workers} worker "
            f"process{'es' if workers > 1 else ''}, {seconds['gap_train_eval_wall']:.0f} s (worker time: gap "
            f"{seconds['gap']:.0f} s, training {seconds['train']:.0f} s, evaluation {seconds['eval']:.0f} s)")


def _paired_ci(p: dict[str, Any]) -> str:
    """A paired difference's interval; a summary with both says which noise each one covers."""
    ci = f"95% CI {p['ci_low']:+.3f} to {p['ci_high']:+.3f}"
    if p.get("users_ci") is None:
        return ci
    low, high = p["users_ci"]
    return f"{ci} over training seeds and users; {low:+.3f} to {high:+.3f} over users with these trained policies fixed"


def verdict_lines(summary: dict[str, Any]) -> list[str]:
    """What a reader needs after the table, as plain sentences (README lists them, the CLI prints them): the
    headline bar, every paired comparison on the same users, and how far the simulators agree on the ranking."""
    out = []
    head = summary.get("headline")
    if head:
        p = head["paired"]
        out.append(f"Headline bar (SI-AVPO's interval above GRPO's, rule simulator): "
                   f"{'met' if head['intervals_separate'] else 'not met'}. SI-AVPO − GRPO on the same users: "
                   f"{p['difference']:+.3f} ({_paired_ci(p)}).")
    labels = {arm: a["label"] for arm, a in summary["arms"].items()}
    for key, p in summary["comparisons"].items():
        sim, pair = key.split(":", 1)
        a, b = pair.split("-vs-")
        if (sim, b) != ("rule", "grpo"):
            out.append(f"{labels[a]} − {labels[b]} on the same users, {sim} simulator: {p['difference']:+.3f} "
                       f"({_paired_ci(p)}).")
    floors = [p["min_detectable_difference"] for p in summary["comparisons"].values()
              if p.get("min_detectable_difference") is not None]
    flips = [(a["label"], a["rule"]["seed_flips"]) for a in summary["arms"].values() if a["rule"].get("seed_flips") is not None]
    if floors:
        out.append(f"Noise floor at this size: paired differences below {min(floors):.3f}–{max(floors):.3f} are not "
                   "detectable (80% power, alpha 0.05, from the intervals over seeds and users)"
                   + ("; users whose outcome flips between two seeds of one arm: "
                      + ", ".join(f"{label} {share:.0%}" for label, share in flips) if flips else "") + ".")
    probing = [(a["label"], a["first_probe"]) for a in summary["arms"].values()
               if (a.get("first_probe") or {}).get("probed") and a["first_probe"].get("first_hits_primary") is not None
               and a["first_probe"].get("first_hits_prior") is not None]
    if probing:
        base = probing[0][1].get("prior_hits_primary") or 0.0
        out.append("First concern probed (rule simulator; share of dialogues with a probe) hits the user's own primary "
                   "concern / the trait prior's top concern: "
                   + "; ".join(f"{label} {f['first_hits_primary']:.2f} / {f['first_hits_prior']:.2f}" for label, f in probing)
                   + f". The trait prior alone names the primary concern for {base:.2f} of users.")
    distinct = [n for n in summary.get("distinct_policies") or () if n in summary["matrix"]] or list(summary["matrix"])
    same = len(summary["matrix"]) - len(distinct)
    for pair, tau in summary["kendall_tau"].items():
        which = "distinct policies" if summary.get("distinct_policies") else "policies"
        out.append(f"Kendall tau of the {len(distinct)} {which}' acceptance, {pair.replace('~', ' vs ')}: {tau:.2f}"
                   + (f" ({same} whose weights never moved from another's counted once)." if same else "."))
    return out


README_BEGIN = "<!-- demo-results:begin (generated by `protod results docs/demo-summary.json --readme README.md`) -->"
README_END = "<!-- demo-results:end -->"


def write_readme_block(readme: Path, summary: dict[str, Any]) -> None:
    """Replace the generated block between README_BEGIN and README_END with results_markdown(summary)."""
    text = readme.read_text(encoding="utf-8")
    if README_BEGIN not in text or README_END not in text:
        raise ValueError(f"{readme}: no generated results block (expected the markers {README_BEGIN!r} and {README_END!r})")
    head, rest = text.split(README_BEGIN, 1)
    _, tail = rest.split(README_END, 1)
    from protod.store.files import atomic_write_text

    # whole or not at all: written in place, a full disk once cut README to its first 8 KB
    atomic_write_text(readme, head + README_BEGIN + "\n" + results_markdown(summary) + README_END + tail)


def demo_report_html(summary: dict[str, Any], out_dir: Path) -> str:
    """The demo's own section of report.html: the ablation table and the training curves per arm (the gap plot is the
    report's own, from the gap directory: once)."""
    import html

    from protod.eval.report import png_img, html_table

    table = html_table(*arm_table(summary, why=True))
    figs = [png_img(_curves_figure(summary))]
    verdict = "<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in verdict_lines(summary)) + "</ul>"
    return ("<h2>Demo: arms with equal budgets</h2>"
            f"<p>{html.escape(summary['model'])}; {summary['budget']['training_dialogues_per_run']} training dialogues per run; "
            f"seeds {html.escape(', '.join(map(str, summary['seeds'])))}; {summary['budget']['eval_users']} held-out users. "
            "Intervals resample users (every seed and rollout of a user kept together).</p>"
            + table + verdict + "<div class='figs'>" + "".join(figs) + "</div>")


def _curves_figure(summary: dict[str, Any]) -> Any:
    from protod.eval.report import pyplot

    plt = pyplot()
    # Two by two at the page's width (one row of four was four thumbnails), one legend for all below them
    fig, axes = plt.subplots(2, 2, figsize=(10, 6.6))
    labels: dict[str, Any] = {}
    for ax, key, title in zip(axes.flat, ("reward_mean", "acceptance", "probing_rate", "aopd_loss"),
                              ("reward", "training acceptance", "probing rate", "AOPD loss")):
        for arm, a in summary["arms"].items():
            values = a.get("curves", {}).get(key)
            if values and any(v is not None for v in values):
                line, = ax.plot(range(1, len(values) + 1), [v if v is not None else float("nan") for v in values],
                                label=a["label"])
                labels.setdefault(a["label"], line)
        ax.set_title(title, fontsize=11)
        ax.set_xlabel("step")
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    if labels:
        fig.legend(list(labels.values()), list(labels), loc="lower center", ncol=min(len(labels), 4), fontsize=9,
                   bbox_to_anchor=(0.5, 0.0))
    return fig
