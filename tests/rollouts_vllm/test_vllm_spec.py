"""The `vllm:` model spec and its errors: no vLLM needed, so these run in the main suite too."""

import pytest

from protod.backends import BackendError, load_backend, parse_model_spec


def test_vllm_spec_parses_to_a_directory():
    assert parse_model_spec("vllm:/models/q") == parse_model_spec(" vllm:/models/q ")
    spec = parse_model_spec("vllm:runs/ckpt")
    assert (spec.kind, spec.model, spec.base_url) == ("vllm", "runs/ckpt", None)
    with pytest.raises(ValueError, match="vllm:<local dir>"):
        parse_model_spec("vllm:")


def test_missing_directory_or_bare_adapter_is_one_clear_error(tmp_path):
    with pytest.raises(BackendError, match="no transformers model directory"):
        load_backend(f"vllm:{tmp_path / 'nope'}")
    (tmp_path / "adapter_config.json").write_text("{}")
    with pytest.raises(BackendError, match="LoRA adapter"):
        load_backend(f"vllm:{tmp_path}")


def test_cli_names_the_bad_vllm_directory_in_one_line(tmp_path):
    from typer.testing import CliRunner

    from protod.cli import app

    r = CliRunner().invoke(app, ["simulate", "--agent", "llm", "--model", f"vllm:{tmp_path / 'nope'}", "-n", "1",
                                 "--out", str(tmp_path / "out")])
    assert r.exit_code == 2 and "no transformers model directory" in r.output and "Traceback" not in r.output
