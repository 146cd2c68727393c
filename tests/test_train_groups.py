"""Groups and the update's bookkeeping: an errored dialogue never leaves its group's baseline to the survivors
(the whole group goes, or it stays with reward 0, and the log counts it); one pass needs no pi_old forward; an
external engine gets the weights once per step, after the step's last optimizer step."""

from pathlib import Path

import pytest

from protod.backends.base import Generation
from protod.world import load_scenario
from protod.train.config import load_config
from protod.train.trainer import Trainer

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
SHORT = load_scenario("merchant_recruitment").model_copy(update={"turn_budget": 3})


class Engine:
    """A rollout engine in front of the trainer's own HF backend (same weights, so always in sync), whose first
    generation of the run fails as a real backend reports a failure (an error Generation), and which counts the
    weight pushes it receives."""

    def __init__(self, backend, fail_first=True):
        self.backend, self.name, self.fail_first, self.syncs = backend, "engine", fail_first, 0

    def generate(self, conversations, params, seeds):
        out = self.backend.generate(conversations, params, seeds)
        if self.fail_first:
            self.fail_first = False
            out[0] = Generation(text="", finish_reason="error", error="engine: injected failure")
        return out

    def sync_weights(self, model):
        self.syncs += 1


def _trainer(tmp_path, *extra, fail_first=True):
    cfg = load_config(CONFIGS / "tiny-grpo.yaml", ["personas_per_step=2", "group_size=3", "max_new_tokens=4",
                                                   "filter_zero_variance=false", *extra])
    tr = Trainer(cfg, tmp_path, pack=SHORT)
    tr.rollout_backend = Engine(tr.backend, fail_first)
    return tr


def test_an_errored_dialogue_takes_its_whole_group_out_and_is_logged(tmp_path):
    tr = _trainer(tmp_path)
    record = tr.train(max_steps=1)[0]
    assert record["dialogues_errored"] == 1 and record["groups_errored"] == 1
    assert record["dialogues"] == 3 and record["groups"] == 1  # 2 groups of 3 sampled: the failed one's group left


def test_zero_reward_keeps_an_errored_dialogue_in_its_group_baseline(tmp_path):
    tr = _trainer(tmp_path, "errored_dialogues=zero_reward")
    trajs, errored, groups_errored = tr._errored_handled(tr.rollouts())
    assert (errored, groups_errored, len(trajs)) == (1, 1, 6)
    bad = next(t for t in trajs if t.status != "ok")
    group = [t for t in trajs if t.persona.id == bad.persona.id]
    # rewards: the errored one 0, the others 1 -> its group mates get a positive advantage against a baseline of 2/3
    rewards = {t.episode_id: (0.0 if t.status != "ok" else 1.0) for t in trajs}
    items, groups, filtered = tr.prepare(trajs, rewards)
    assert groups == 2 and filtered == 0
    ok_mates = [t for t in group if t.status == "ok"]
    mates_adv = [a for s, a in items if a is not None and float(a.abs().sum()) > 0]
    assert len(mates_adv) >= len(ok_mates) and all(float(a[0]) > 0 for a in mates_adv)


@pytest.mark.parametrize("updates, tis_cap, forwards_per_batch", [(1, "2.0", 1), (1, "null", 1), (2, "2.0", 3)])
def test_one_pass_runs_no_pi_old_forward_and_the_engine_gets_one_push_a_step(tmp_path, updates, tis_cap, forwards_per_batch):
    tr = _trainer(tmp_path, f"updates_per_batch={updates}", f"tis_cap={tis_cap}", "micro_batch=2", fail_first=False)
    calls = []
    logits = tr._logits
    tr._logits = lambda model, seqs, teacher=False: (calls.append(len(seqs)), logits(model, seqs, teacher))[1]
    logs = tr.train(max_steps=2)
    batches = [r["dialogues"] for r in logs]
    assert sum(calls) == forwards_per_batch * sum(batches)  # every dialogue through the policy this many times
    assert tr.rollout_backend.syncs == 2 and tr.pushes == 2  # one push a step, whatever updates_per_batch
