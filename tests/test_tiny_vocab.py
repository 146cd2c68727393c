"""A tiny model's vocabulary cut to one pack's tokens: every text still reads, the pack's text reads exactly as before."""

import json
from pathlib import Path

import pytest

from protod.user.persona import PersonaSampler
from protod.run.rollout import run_episodes
from protod.agent.registry import make_scripted_agent
from protod.world import load_scenario
from protod.train.vocab import kept_pieces, pack_token_ids, trim_bpe, trimmed_tokenizer

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def cut(smollm2_tokenizer):
    pack = load_scenario("merchant_recruitment")
    ids = pack_token_ids(pack, smollm2_tokenizer)
    return pack, ids, trimmed_tokenizer(smollm2_tokenizer, ids)


def test_known_answer_on_a_four_merge_bpe():
    # a b c d; merges build "ab", "abc", "cd", "abcd"; keeping "abc" keeps its makers' parts, not "cd" or "abcd"
    bpe = {"type": "BPE", "vocab": {"<s>": 0, "a": 1, "b": 2, "c": 3, "d": 4, "ab": 5, "abc": 6, "cd": 7, "abcd": 8},
           "merges": [["a", "b"], ["ab", "c"], ["c", "d"], ["ab", "cd"]]}
    keep = kept_pieces(bpe, [6])
    assert keep == {"<s>", "a", "b", "c", "d", "ab", "abc"}
    small = trim_bpe({"model": bpe, "added_tokens": [{"id": 0, "content": "<s>"}]}, keep)
    assert small["model"]["vocab"] == {"<s>": 0, "a": 1, "b": 2, "c": 3, "d": 4, "ab": 5, "abc": 6}
    assert small["model"]["merges"] == [["a", "b"], ["ab", "c"]]
    # a token made two ways keeps the parts of both (so BPE's path to it is the same whichever merge ranks first)
    bpe["vocab"]["bc"] = 9
    bpe["merges"].insert(0, ["b", "c"])
    bpe["merges"].append(["a", "bc"])
    assert "bc" in kept_pieces(bpe, [6])


def test_the_cut_is_small_and_keeps_the_special_tokens(smollm2_tokenizer, cut):
    _, ids, small = cut
    assert 256 < len(small) < 4000 < len(smollm2_tokenizer)
    for name in ("bos_token_id", "eos_token_id", "pad_token_id"):
        assert getattr(small, name) == getattr(smollm2_tokenizer, name)
    msgs = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello?"}]
    assert small.apply_chat_template(msgs, tokenize=False) == smollm2_tokenizer.apply_chat_template(msgs, tokenize=False)


def test_the_packs_dialogues_tokenize_exactly_as_before(smollm2_tokenizer, cut):
    pack, ids, small = cut
    # other users than the ones the vocabulary was read from
    personas = PersonaSampler(pack, 99).sample(12)
    checked = total = 0
    for traj in run_episodes(pack, make_scripted_agent("oracle"), personas, seed=5):
        for turn in traj.turns:
            for text in (turn["agent"], turn["user"]):
                total += 1
                full = smollm2_tokenizer(text, add_special_tokens=False)["input_ids"]
                if set(full) <= ids:
                    pieces = smollm2_tokenizer.convert_ids_to_tokens(full)
                    assert small.convert_ids_to_tokens(small(text, add_special_tokens=False)["input_ids"]) == pieces
                    checked += 1
    assert checked > 0.8 * total, (checked, total)  # nearly all lines use only the pack's tokens


def test_any_text_still_reads_and_decodes_to_itself(smollm2_tokenizer, cut):
    _, _, small = cut
    # another domain's lines (the perception corpus): many words the merchant pack never uses
    texts = [json.loads(line)["text"] for line in (ROOT / "data" / "perception" / "home_broadband.jsonl").open()][:200]
    texts += ["Zürich's café charges €4,50 — naïve? 日本語 🙂", "  two  spaces\n\nand tabs\t!", "xqzvvk"]
    longer = 0
    for text in texts:
        got = small(text, add_special_tokens=False)["input_ids"]
        assert max(got) < len(small) and small.decode(got) == text
        longer += len(got) > len(smollm2_tokenizer(text, add_special_tokens=False)["input_ids"])
    assert longer  # unseen words come in shorter pieces


def test_a_run_resumes_on_its_own_vocabulary_and_refuses_another(tmp_path):
    from protod.train.checkpoint import load_policy
    from protod.train.config import TrainConfig

    cfg = TrainConfig(model="tiny-random", algo="sft", lora=False)
    model, tok, _ = load_policy(cfg, tmp_path)
    assert model.config.vocab_size == len(tok) < 4000
    again, tok2, _ = load_policy(cfg, tmp_path, fresh_base=False)  # a resumed run (or another rank) reads it back
    assert len(tok2) == len(tok) and tok2("Hello there")["input_ids"] == tok("Hello there")["input_ids"]
    with pytest.raises(ValueError, match="tiny_vocab=full"):
        load_policy(cfg.model_copy(update={"tiny_vocab": "full"}), tmp_path, fresh_base=False)
