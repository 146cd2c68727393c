"""`--resume` is exact or refused in one line: sharded checkpoints load, every key must match, and a longer run
either continues the LR schedule exactly (constant) or is refused (linear / cosine decay over max_steps)."""

import json
from pathlib import Path

import pytest
import torch

from protod.world import load_scenario
from protod.train import checkpoint
from protod.train.config import load_config
from protod.train.trainer import Trainer as _Trainer

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
SMALL = ["personas_per_step=2", "group_size=2", "max_new_tokens=6", "save_every=2"]


def Trainer(cfg, out, resume=False):
    """The trainer on dialogues of at most 3 agent turns: resume is about state, not dialogue length (seconds)."""
    pack = load_scenario("merchant_recruitment").model_copy(update={"turn_budget": 3})
    return _Trainer(cfg, out, resume=resume, pack=pack)


def _cfg(*extra):
    return load_config(CONFIGS / "tiny-grpo.yaml", SMALL + list(extra))


def _log(run):
    return [json.loads(x) for x in (run / "train_log.jsonl").read_text().splitlines()]


def test_a_sharded_checkpoint_resumes_to_the_uninterrupted_run(tmp_path, monkeypatch):
    monkeypatch.setattr(checkpoint, "MAX_SHARD_SIZE", "200KB")  # a tiny full model in several shards
    cfg = _cfg("max_steps=2", "save_every=1", "lora=false")
    whole, part = tmp_path / "whole", tmp_path / "part"
    Trainer(cfg, whole).train()
    assert (whole / "checkpoint-1" / "model.safetensors.index.json").is_file()
    assert not (whole / "checkpoint-1" / "model.safetensors").exists()
    assert len(list((whole / "checkpoint-1").glob("model-*.safetensors"))) >= 2

    def killed_after_step_2(record):
        if record["step"] == 2:
            raise KeyboardInterrupt  # step 2 is logged, its checkpoint is not written

    with pytest.raises(KeyboardInterrupt):
        Trainer(cfg, part).train(on_step=killed_after_step_2)
    resumed = Trainer(cfg, part, resume=True)  # from the sharded checkpoint-1
    assert resumed.step == 1
    resumed.train()
    a, b = checkpoint.read_weights(whole / "checkpoint-2", "model"), checkpoint.read_weights(part / "checkpoint-2", "model")
    assert a.keys() == b.keys()
    diff = max((a[k] - b[k]).abs().max().item() for k in a)
    assert diff == 0.0, diff
    assert [x["loss"] for x in _log(whole)] == [x["loss"] for x in _log(part)]


def test_a_checkpoint_that_does_not_match_the_model_is_refused_in_one_line(tmp_path):
    from safetensors.torch import load_file, save_file

    cfg = _cfg("max_steps=2", "lora=false")
    Trainer(cfg, tmp_path / "run").train()
    weights = tmp_path / "run" / "checkpoint-2" / "model.safetensors"
    state = load_file(weights)
    key = next(k for k in state if "layers.1.mlp" in k)
    state[key.replace("layers.1", "layers.7")] = state.pop(key)  # a key this model does not have; one it needs is gone
    save_file(state, str(weights), metadata={"format": "pt"})
    with pytest.raises(ValueError) as err:
        Trainer(cfg, tmp_path / "run", resume=True)
    message = str(err.value)
    assert "\n" not in message and "does not match this model" in message
    assert key in message and "layers.7" in message and "refusing to resume" in message


def test_a_lora_checkpoint_of_another_layout_is_refused(tmp_path):
    Trainer(_cfg("max_steps=2"), tmp_path / "run").train()
    with pytest.raises(ValueError, match=r"does not match this model: .*unknown to the model"):
        Trainer(_cfg("max_steps=2", "lora_targets=[q_proj, v_proj]"), tmp_path / "run", resume=True)
    with pytest.raises(ValueError, match=r"adapter does not fit this model \(.*size mismatch"):
        Trainer(_cfg("max_steps=2", "lora_r=8"), tmp_path / "run", resume=True)


def test_more_steps_on_resume_continue_a_constant_schedule_exactly(tmp_path):
    whole, part = tmp_path / "whole", tmp_path / "part"
    Trainer(_cfg("max_steps=3", "warmup_steps=1"), whole).train()
    Trainer(_cfg("max_steps=2", "warmup_steps=1"), part).train()
    longer = Trainer(_cfg("max_steps=3", "warmup_steps=1"), part, resume=True)
    assert longer.step == 2
    longer.train()
    assert [x["lr"] for x in _log(part)] == [x["lr"] for x in _log(whole)]
    a = checkpoint.read_weights(whole / "checkpoint-3", "adapter_model")
    b = checkpoint.read_weights(part / "checkpoint-3", "adapter_model")
    assert max((a[k] - b[k]).abs().max().item() for k in a) == 0.0


@pytest.mark.parametrize("schedule", ["cosine", "linear"])
def test_more_steps_on_resume_of_a_decaying_schedule_are_refused(tmp_path, schedule):
    Trainer(_cfg("max_steps=2", f"schedule={schedule}"), tmp_path / "run").train()
    with pytest.raises(ValueError) as err:
        Trainer(_cfg("max_steps=4", f"schedule={schedule}"), tmp_path / "run", resume=True)
    message = str(err.value)
    assert "\n" not in message and f"max_steps 2 -> 4 on --resume: the {schedule} schedule" in message
    # step 3 of a 2-step run: the schedule has decayed to 0; over 4 steps both would be at half the peak
    assert "from 0 to 0.5 x lr" in message
    with pytest.raises(ValueError, match="schedule was"):
        Trainer(_cfg("max_steps=2", "schedule=constant"), tmp_path / "run", resume=True)
    same = Trainer(_cfg("max_steps=2", f"schedule={schedule}"), tmp_path / "run", resume=True)  # unchanged: resumes
    assert same.step == 2
