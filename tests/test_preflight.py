"""`protod train --preflight`: every shipped config passes for the hardware it names, the numbers are the sizing
formula's, and a run that cannot work is one line per problem with exit 2. Nothing heavy loads (no weights)."""

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from protod.cli import app
from protod.train.config import load_config
from protod.train.preflight import kv_bytes_per_token, model_shape, preflight
from protod.train.sizing import GB, MODELS, UpdateShape, update_memory

CONFIGS = sorted(Path(__file__).resolve().parents[1].joinpath("configs").glob("*.yaml"))
# The hardware each config names: the 4B recipe is planned for one node of 8 GPUs (device_memory_gb in the file).
NPROC = {"qwen3-4b-siavpo.yaml": 8}


def _preflight(*args):
    return CliRunner().invoke(app, ["train", "--preflight", *[str(a) for a in args]])


@pytest.mark.parametrize("config", CONFIGS, ids=lambda p: p.name)
def test_every_config_passes_for_the_hardware_it_names(config):
    r = _preflight("--config", config, "--nproc", NPROC.get(config.name, 1))
    assert r.exit_code == 0, r.output
    assert "preflight: OK" in r.output and "problem:" not in r.output
    assert "chat template args" in r.output and "precision:" in r.output


@pytest.mark.parametrize("model, row", [("Qwen2.5-1.5B-Instruct", 0), ("Qwen3-4B-Instruct-2507", 1), ("Qwen3-8B", 2)])
def test_the_trainer_budget_is_the_sizing_tables_and_the_engine_is_counted_beside_it(model, row):
    cfg = load_config(CONFIGS[[c.name for c in CONFIGS].index("qwen3-4b-siavpo.yaml")], [f"model=hf:/no/such/{model}"])
    pf = preflight(cfg, nproc=8)
    assert not pf.problems, pf.problems
    assert pf.numbers["trainer"] == pytest.approx(update_memory(MODELS[row], True, UpdateShape(), lora_r=64)["total"])
    assert pf.numbers["engine_weights"] == MODELS[row].params() * 2  # bf16 on CUDA
    # 8 ranks x 2 personas x 8 dialogues at 4096 tokens: the default KV cache holds the rank's whole rollout batch
    assert pf.numbers["kv_cache"] == 16 * 4096 * kv_bytes_per_token(MODELS[row], 2)
    assert pf.numbers["total"] <= 80 * GB
    assert "executor external_launcher" in pf.text() and "dtype bfloat16" in pf.text() and "CUDA graphs" in pf.text()


def test_the_issue_s_kv_arithmetic():
    """Qwen3-4B: 288 KiB of KV a token in fp32, 144 KiB in bf16; 1 GiB in fp32 holds < one 4096-token dialogue."""
    assert kv_bytes_per_token(MODELS[1], 4) == 288 * 1024
    assert kv_bytes_per_token(MODELS[1], 2) == 144 * 1024
    assert 2**30 // kv_bytes_per_token(MODELS[1], 4) < 4096


def test_the_old_defaults_cannot_start_and_say_so_in_one_line(tmp_path):
    # the issue's case: fp32 engine, a 1 GiB KV cache, max_model_len 4096
    r = _preflight("--config", "configs/qwen3-4b-siavpo.yaml", "--nproc", 8, "--set", "precision=float32",
                   "--set", "vllm_kv_cache_gb=1")
    assert r.exit_code == 2, r.output
    problems = [line for line in r.output.splitlines() if line.startswith("problem:")]
    assert len(problems) == 1 and "holds less than one dialogue of vllm_max_model_len 4096" in problems[0], problems
    assert "288.0 KiB a token" in r.output


@pytest.mark.parametrize("sets, expected", [
    (["device_memory_gb=32"], "one device needs"),                      # 4B LoRA + engine weights on a 32 GB GPU
    (["personas_per_step=12"], "cannot be split evenly over 8 ranks"),
    (["device_memory_gb=null"], "no CUDA device here and no device_memory_gb"),
    (["distributed=fsdp"], "rollout_engine: vllm with distributed: fsdp"),
    (["lora=false"], "one device needs"),                               # full fine-tune of 4B under ddp on 80 GB
])
def test_a_run_that_cannot_work_exits_2_with_one_line_per_problem(sets, expected):
    args = [x for s in sets for x in ("--set", s)]
    r = _preflight("--config", "configs/qwen3-4b-siavpo.yaml", "--nproc", 8, *args)
    assert r.exit_code == 2, r.output
    assert any(line.startswith("problem:") and expected in line for line in r.output.splitlines()), r.output
    assert "Traceback" not in r.output


def test_a_local_model_is_sized_from_its_config_json_without_loading_weights(tmp_path):
    d = tmp_path / "my-model"
    d.mkdir()
    (d / "config.json").write_text(json.dumps({
        "hidden_size": 256, "num_attention_heads": 4, "num_key_value_heads": 2, "num_hidden_layers": 3,
        "intermediate_size": 512, "vocab_size": 1000, "tie_word_embeddings": True, "max_position_embeddings": 1024}))
    (d / "model.safetensors").write_text("not weights: the preflight must not read them")
    cfg = load_config(None, [f"model=hf:{d}", "rollout_engine=vllm", "vllm_max_model_len=2048", "vllm_kv_cache_gb=0.01"])
    shape, where, positions = model_shape(cfg)
    assert (shape.hidden, shape.layers, shape.kv_heads, shape.head_dim, shape.vocab) == (256, 3, 2, 64, 1000)
    assert where.endswith("config.json") and positions == 1024
    pf = preflight(cfg)
    assert any("max_position_embeddings 1024" in w for w in pf.warnings)
    # fp32 on CPU: 2 x 3 layers x 2 kv heads x 64 x 4 B = 3 KiB a token; 0.01 GiB holds 3,495 tokens >= one dialogue
    assert pf.numbers["kv_per_token"] == 3 * 1024 and not pf.problems, pf.text()


def test_an_unknown_remote_model_is_a_problem_not_a_guess():
    pf = preflight(load_config(None, ["model=hf:/nowhere/mystery-model"]))
    assert any("cannot size it" in p for p in pf.problems)


def test_replaced_keys_are_one_line_errors():
    with pytest.raises(ValueError, match="'bf16' was replaced by precision"):
        load_config(None, ["bf16=true"])
    with pytest.raises(ValueError, match="'vllm_dtype' was replaced by precision"):
        load_config(None, ["vllm_dtype=float32"])


def test_readme_shows_what_the_preflight_prints_and_the_sizing_table_it_uses():
    from protod.train.sizing import table

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme[readme.index("## Scaling out"):]
    block = section[section.index("```text\n") + 8:]
    block = block[: block.index("```")].strip().splitlines()
    r = _preflight("--config", "configs/qwen3-4b-siavpo.yaml", "--nproc", 8)
    printed = r.output.splitlines()
    assert block[0] == printed[0] and block[-1] == printed[-1]
    assert all(line in printed for line in block), [line for line in block if line not in printed]
    assert table() in readme  # the README's sizing table is the formula's
    for model, numbers in [("Qwen2.5-1.5B-Instruct", "(trainer 16.8 GB, engine 3.1 GB,\nKV 1.9 GB, total 24.8 of 80)"),
                           ("Qwen3-8B", "(trainer 35.5, engine 16.4, KV 9.7, total 64.6)")]:
        pf = preflight(load_config("configs/qwen3-4b-siavpo.yaml", [f"model=hf:/models/{model}"]), nproc=8)
        got = [pf.numbers[k] / GB for k in ("trainer", "engine_weights", "kv_cache", "total")]
        assert [f"{x:.1f}" for x in got] == re.findall(r"\d+\.\d+", numbers), (got, numbers)
        assert numbers in readme
