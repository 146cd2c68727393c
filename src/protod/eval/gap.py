"""The paper's pilot study: does sampling more from the concern-blind view reach what the concern-aware view does?

Runs the same model in the deployable view and in the privileged view on the same personas, max(k) rollouts each,
and compares the deployable view's pass@k curve with the privileged view's pass@1 (and its own curve). If
deployable pass@16 stays below privileged pass@1, sampling cannot close the gap; conditioning on concerns can.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from protod.eval.evaluate import evaluate
from protod.eval.report import gap_figure
from protod.store.files import atomic_save, atomic_write_json
from protod.world import Scenario


def _first_error(run_dir: Path) -> str:
    from protod.run.trajectories import read_trajectories

    for rec in read_trajectories(run_dir / "trajectories.jsonl"):
        if rec.get("error"):
            return str(rec["error"])[:200]
    return "no finished dialogue"


def proactivity_gap(pack: Scenario, deployable: Any, privileged: Any, simulator: Any, ks: list[int], n: int, seed: int,
                    out_dir: Path, batch_size: int = 64, on_done: Callable[[str], None] | None = None,
                    config: dict[str, Any] | None = None, resume: bool = False) -> dict[str, Any]:
    if sorted(set(ks)) != ks or ks[0] < 1:
        raise ValueError(f"--k must be increasing positive integers, e.g. 1,2,4,8,16; got {ks}")
    report = evaluate(pack, {"deployable": deployable, "privileged": privileged}, {simulator.name: simulator},
                      n, max(ks), seed, out_dir, batch_size=batch_size, config=config, on_done=on_done,
                      resume=resume)
    by_view = {r["agent"]: r for r in report["results"]}
    dep, priv = by_view["deployable"], by_view["privileged"]
    for view, cell in (("deployable", dep), ("privileged", priv)):
        if not cell["pass_at_k"]:  # no dialogue finished: no pass@k to compare (a dead endpoint, a model that fails)
            raise ValueError(f"{getattr(deployable, 'name', 'the model')}: every {view}-view dialogue ended in an error "
                             f"({_first_error(Path(cell['run_dir']))}); the transcripts are in {cell['run_dir']}")
    gap = {
        "deployable_pass_at_k": {str(k): dep["pass_at_k"][str(k)] for k in ks},
        "privileged_pass_at_k": {str(k): priv["pass_at_k"][str(k)] for k in ks},
        "privileged_pass_at_1": priv["pass_at_k"]["1"],
        "deployable_acceptance_ci": [dep["ci_low"], dep["ci_high"]],
        "privileged_acceptance_ci": [priv["ci_low"], priv["ci_high"]],
        "acceptance_ci_method": priv["ci_method"],  # max(k) dialogues of one user are not independent
        # the noise floor of the two views' comparison at this size (80% power, alpha 0.05; protod.eval.passk)
        "min_detectable_difference": max(dep["min_detectable_difference"], priv["min_detectable_difference"]),
        "deployable_pass_hat_k": {str(k): dep["pass_hat_k"][str(k)] for k in ks},
        "deployable_acceptance": dep["acceptance"], "privileged_acceptance": priv["acceptance"],
        "gap_closed_by_sampling": dep["pass_at_k"][str(max(ks))] >= priv["pass_at_k"]["1"],
        "n": n, "ks": ks, "seed": seed, "config": report["config"], "versions": report["versions"],
    }
    # the figure first: gap.json is what marks the gap finished (a demo reuses it), so it is written last
    figure = gap_figure(gap)
    atomic_save(out_dir / "gap.png", lambda tmp: figure.savefig(tmp, format="png", dpi=110, bbox_inches="tight"),
                "the transcripts are intact", resumable=True)
    atomic_write_json(out_dir / "gap.json", gap, "the transcripts are intact", resumable=True)
    return gap
