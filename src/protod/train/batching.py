"""Micro-batches of training sequences: one padded forward, logits only where agent tokens are predicted.

The vocabulary projection is the expensive, memory-bound part of a forward at training lengths ([B, L, V] floats);
the losses need it only at the M agent-token positions. So the decoder runs on the padded batch and the output
head on the gathered M hidden states: [B, L, H] -> [M, H] -> [M, V]. Right padding: under a causal mask, pads
after a sequence cannot change its outputs, so a padded micro-batch gives the same logits as one forward per
sequence (tested). This assumes logits = output_head(last hidden state), true for the Llama/Qwen/Mistral families
(models with logit soft-capping would need their own head call).
"""

from __future__ import annotations

from contextlib import nullcontext
from functools import partial
from typing import Any

import torch
from torch import Tensor

from protod.train.sequences import TrainSequence


def micro_batches(items: list[Any], size: int) -> list[list[Any]]:
    """Consecutive chunks of at most `size` items (the last may be shorter)."""
    return [items[i : i + size] for i in range(0, len(items), size)]


def decoder_and_head(model: Any) -> tuple[Any, Any]:
    """(decoder stack, output head) of a causal LM, PEFT-wrapped or not."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model  # PEFT: LoRA layers live in base
    return base.get_decoder(), base.get_output_embeddings()


def logits_at(model: Any, input_ids: Tensor, attention: Tensor, rows: Tensor, cols: Tensor) -> Tensor:
    """The decoder on the padded batch [B, L], the head on the hidden states at (rows[m], cols[m]) only: [M, V]."""
    decoder, head = decoder_and_head(model)
    hidden = decoder(input_ids=input_ids, attention_mask=attention, use_cache=False).last_hidden_state
    return head(hidden[rows, cols])


class AgentLogits(torch.nn.Module):
    """`logits_at` as a module's forward, so that it can be the root of FSDP sharding (protod.train.fsdp): the
    root's hooks then gather the embeddings and the head that the decoder and head calls read."""

    def __init__(self, model: Any):
        super().__init__()
        self.model = model

    def forward(self, input_ids: Tensor, attention: Tensor, rows: Tensor, cols: Tensor) -> Tensor:
        return logits_at(self.model, input_ids, attention, rows, cols)


def autocast_for(device: Any, bf16: bool) -> Any:
    """bf16 autocast on the device when the precision policy is bfloat16 (TrainConfig.precision; the rollouts run
    under the same one); a no-op for float32."""
    if bf16:
        return torch.autocast(torch.device(device).type, dtype=torch.bfloat16)
    return nullcontext()


def agent_logits(model: Any, seqs: list[TrainSequence], pad_id: int, device: Any, teacher: bool = False,
                 bf16: bool = False) -> Tensor:
    """Logits [M, V] (float32) predicting the agent tokens of `seqs`, concatenated in order (M = sum of len(tokens)).

    teacher=True reads each sequence's privileged rendering (teacher_ids / teacher_pred_pos) instead. `model` may be
    an `AgentLogits` root (sharded training): the same computation through its forward.
    """
    ids = [s.teacher_ids if teacher else s.ids for s in seqs]
    pos = [s.teacher_pred_pos if teacher else s.pred_pos for s in seqs]
    width = max(len(x) for x in ids)
    input_ids = torch.full((len(ids), width), pad_id, dtype=torch.long)
    attention = torch.zeros((len(ids), width), dtype=torch.long)
    for i, x in enumerate(ids):
        input_ids[i, : len(x)] = x
        attention[i, : len(x)] = 1
    rows = torch.cat([torch.full_like(p, i) for i, p in enumerate(pos)]).to(device)
    cols = torch.cat(pos).to(device)
    run = model if isinstance(model, AgentLogits) else partial(logits_at, model)
    with autocast_for(device, bf16):
        logits = run(input_ids.to(device), attention.to(device), rows, cols)
    return logits.float()
