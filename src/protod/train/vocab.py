"""A tiny model's vocabulary: SmolLM2's byte-level BPE cut down to the tokens one pack's dialogues use.

Why: a 128-wide, 2-layer demo model over SmolLM2's 49,152 tokens spends most of every step in the output layer and
its softmax (lm_head alone ~6.3M of its ~7M parameters; measured: ~60% of an SFT step, most of a decode step). The
dialogues of one pack, rendered in both views, use under two thousand distinct tokens.

How the cut keeps every text readable and unchanged: the kept set is closed under the merges that build its tokens
(every way a kept token can be made keeps its parts), and all 256 byte tokens and the special tokens stay. Any text
still tokenizes; a text whose full tokenization uses only kept tokens tokenizes to exactly the same pieces, since
every merge BPE applies on the way builds a part of a final piece, and all such merges are kept. Other text falls back
to shorter pieces (ultimately bytes). Ids are renumbered in the original order, so the special tokens keep theirs.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

TOKENIZER_FILE = "tokenizer.json"


def kept_pieces(bpe: dict[str, Any], keep_ids: Iterable[int], always: Iterable[str] = ()) -> set[str]:
    """The token strings to keep: those of `keep_ids` and `always`, every base (unmerged) token, and every part of
    every merge that makes a kept token, transitively. bpe: the "model" object of a tokenizer.json (type BPE)."""
    vocab: dict[str, int] = bpe["vocab"]
    by_id = {i: s for s, i in vocab.items()}
    makers: dict[str, list[tuple[str, str]]] = {}
    for merge in bpe["merges"]:
        a, b = _pair(merge)
        makers.setdefault(a + b, []).append((a, b))
    keep = {s for s in vocab if s not in makers}  # the byte alphabet (and specials): every text can be spelled
    todo = [by_id[i] for i in keep_ids if i in by_id] + [s for s in always if s in vocab]
    seen: set[str] = set()
    while todo:
        piece = todo.pop()
        if piece not in seen:
            seen.add(piece)
            keep.add(piece)
            todo += [part for pair in makers.get(piece, ()) for part in pair]
    return keep


def trim_bpe(tokenizer_json: dict[str, Any], keep: set[str]) -> dict[str, Any]:
    """A copy of a byte-level BPE tokenizer.json holding only `keep` (renumbered 0..K-1 in the original id order) and
    the merges between kept tokens that make kept tokens, in their original rank order."""
    model = tokenizer_json["model"]
    if model.get("type") != "BPE":
        raise ValueError(f"trim_bpe: expected a BPE tokenizer, got {model.get('type')!r}")
    old = sorted((i, s) for s, i in model["vocab"].items() if s in keep)
    new_id = {s: n for n, (_, s) in enumerate(old)}
    merges = []
    for merge in model["merges"]:
        a, b = _pair(merge)
        if a in new_id and b in new_id and a + b in new_id:
            merges.append(merge)
    out = json.loads(json.dumps(tokenizer_json))
    out["model"]["vocab"] = new_id
    out["model"]["merges"] = merges
    remap = {i: new_id[s] for i, s in old}
    for added in out.get("added_tokens", []):
        if added["id"] not in remap:
            raise ValueError(f"trim_bpe: special token {added['content']!r} (id {added['id']}) is not kept")
        added["id"] = remap[added["id"]]
    return out


def trimmed_tokenizer(tokenizer: Any, keep_ids: Iterable[int]) -> Any:
    """`tokenizer` (a fast HF tokenizer over a byte-level BPE) cut down to `keep_ids` and what spelling them needs."""
    from protod.backends.hf import load_tokenizer

    specials = list(tokenizer.all_special_tokens)
    with tempfile.TemporaryDirectory(prefix="protod-vocab-") as tmp:
        tokenizer.save_pretrained(tmp)
        path = Path(tmp) / TOKENIZER_FILE
        full = json.loads(path.read_text(encoding="utf-8"))
        keep = kept_pieces(full["model"], keep_ids, always=[a["content"] for a in full.get("added_tokens", [])] + specials)
        path.write_text(json.dumps(trim_bpe(full, keep), ensure_ascii=False), encoding="utf-8")
        return load_tokenizer(tmp)


def pack_token_ids(pack: Any, tokenizer: Any, dialogues: int = 24, seed: int = 0) -> set[int]:
    """The token ids of one pack's world as a policy meets it: every string in the pack, and scripted dialogues on
    it (passive, prober, oracle) rendered through the chat template in both views -- prompts, agent lines and the
    simulated user's replies."""
    from protod.agent.registry import make_scripted_agent
    from protod.backends.chat_tokens import ChatRenderer
    from protod.user.persona import PersonaSampler
    from protod.run.rollout import run_episodes
    from protod.train.sequences import build_sequence

    ids: set[int] = set()
    for text in _strings(pack.model_dump(mode="json")):
        ids.update(tokenizer(text, add_special_tokens=False)["input_ids"])
    renderer = ChatRenderer(tokenizer)
    personas = PersonaSampler(pack, seed).sample(dialogues)
    for n, agent in enumerate(("passive", "prober", "oracle")):
        for traj in run_episodes(pack, make_scripted_agent(agent), personas, seed=seed + n):
            seq = build_sequence(pack, renderer, traj, teacher_concerns=tuple(c.id for c in traj.persona.concerns))
            ids.update(seq.ids.tolist())
            ids.update(seq.teacher_ids.tolist())
    return ids


def _pair(merge: str | list[str]) -> tuple[str, str]:
    """A merge as tokenizer.json writes it: "a b" (older files) or ["a", "b"]."""
    a, b = merge.split(" ", 1) if isinstance(merge, str) else merge
    return a, b


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
