"""Sharded training (`distributed: fsdp`): weights, gradients and optimizer state split over the ranks with PyTorch's
FSDP2 (`torch.distributed.fsdp.fully_shard`), for policies whose update does not fit one device.

Why `fully_shard` itself rather than Accelerate's FSDP2 plugin: the plugin applies the same `fully_shard`, but
through `accelerator.prepare`, which then owns the loop's conventions (its backward, its gradient accumulation, its
state-dict saving). protod's update is not that loop: ranks hold different numbers of micro-batches, rollouts run
between updates on the whole weights, and the teacher is the same network with its adapters disabled. Calling
`fully_shard` directly keeps each of those decisions visible here, and works the same under torchrun or
`accelerate launch` (both only set the environment).

What sharding demands, and how the trainer meets it:
- every forward and backward of a sharded model is a collective (each layer's weights are all-gathered before it
  runs, its gradients reduce-scattered after), so every rank must run the same number of them in the same order:
  the trainer pads each rank's micro-batches up to the largest count with a placeholder micro-batch whose loss is
  multiplied by zero (`placeholder_sequence`);
- the losses take logits at the agent positions only, by calling the decoder and the output head separately
  (protod.train.batching); so the root of the sharding is `AgentLogits`, a module whose forward is exactly that,
  and the embeddings, final norm and (tied) head form the root's group, gathered by its hooks;
- rollouts decode a different number of tokens on each rank, so they run on whole weights (`gathered`: every group
  all-gathered once and kept until the rollouts end) and decoding itself needs no collective;
- gradients are summed over ranks, not averaged (divide factor 1): the losses are already divided by the step's
  global token counts (protod.train.distributed);
- checkpoints hold the whole weights and an optimizer state in the one-process layout (`full_state`), so a sharded
  run resumes on any number of ranks, sharded or not, and a one-process checkpoint resumes sharded.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

import torch

from protod.train.batching import AgentLogits, decoder_and_head
from protod.train.sequences import TrainSequence


def shard(model: Any) -> AgentLogits:
    """Shard `model` (a causal LM, PEFT-wrapped or not) in place over the default process group; return the
    sharding root to run training forwards through (`agent_logits(root, ...)`).

    One FSDP group per decoder layer (its weights are gathered only while it runs), one for the rest (embeddings,
    final norm, head). Every rank must call this with identical weights (they are sliced, not broadcast).
    """
    from torch.distributed.fsdp import fully_shard

    decoder, _ = decoder_and_head(model)
    layers = getattr(decoder, "layers", None)
    if layers is None:
        raise ValueError(f"distributed: fsdp: {type(decoder).__name__} has no `layers` list to shard by; use distributed: ddp")
    root = AgentLogits(model)
    for layer in layers:
        fully_shard(layer)
    fully_shard(root)
    for module in fsdp_modules(root):
        module.set_gradient_divide_factor(1.0)  # a sum over ranks: the losses are divided by global token counts
        module.set_force_sum_reduction_for_comms(True)  # a plain SUM (gloo has no pre-multiplied sum; nccl: the same)
    device = next(iter(model.parameters())).device
    with torch.no_grad():  # the first forward must go through the root: it makes the root the root (lazy init)
        one = torch.zeros((1, 1), dtype=torch.long, device=device)
        root(one, torch.ones_like(one), torch.zeros(1, dtype=torch.long, device=device), torch.zeros(1, dtype=torch.long, device=device))
    root.reshard()  # the root keeps its group gathered after a forward: shard it again, so that the parameters the
    return root     # optimizer is then given are the sharded ones


def fsdp_modules(root: torch.nn.Module) -> list[Any]:
    """Every sharded module under `root` (root included), outermost first."""
    from torch.distributed.fsdp import FSDPModule

    return [m for m in root.modules() if isinstance(m, FSDPModule)]


@contextmanager
def gathered(roots: list[torch.nn.Module]) -> Iterator[None]:
    """Whole weights on every rank for the block (collective on entry and exit; none inside): for rollouts, whose
    decode loops run a different number of forwards on each rank, and for reading the whole weights."""
    modules = [m for root in roots for m in fsdp_modules(root)]
    inner = [m for root in roots for m in fsdp_modules(root)[1:]]
    for m in inner:
        m.set_reshard_after_forward(False, recurse=False)  # a forward in the block must not free its layer again
    for m in modules:
        m.unshard()
    try:
        yield
    finally:
        for m in modules:
            m.reshard()
        for m in inner:
            m.set_reshard_after_forward(True, recurse=False)


def placeholder_sequence(pad_id: int) -> TrainSequence:
    """A one-token sequence for a rank with fewer micro-batches than another: it runs the same forwards and backward
    as a real micro-batch (so the collectives line up) and its loss is multiplied by zero."""
    ids = torch.tensor([pad_id, pad_id])
    zero = torch.tensor([0])
    return TrainSequence(ids=ids, pred_pos=zero, tokens=torch.tensor([pad_id]), turn=zero, teacher_ids=ids, teacher_pred_pos=zero)


def full_state(model: Any, optimizer: torch.optim.Optimizer) -> tuple[dict[str, Any], dict[str, Any]]:
    """(whole model state dict, optimizer state dict in the one-process layout), on CPU, on rank 0 (the other ranks
    get empty dicts). A collective: every rank calls it."""
    from torch.distributed.checkpoint.state_dict import StateDictOptions, get_model_state_dict, get_optimizer_state_dict

    options = StateDictOptions(full_state_dict=True, cpu_offload=True)
    # a tied weight (the head reading the embeddings) is one parameter under two names; gathered, it would be saved
    # twice, so keep the first name only, as a one-process save does
    aliases = {n for n, _ in model.named_parameters(remove_duplicate=False)} - {n for n, _ in model.named_parameters()}
    model_state = {k: v for k, v in get_model_state_dict(model, options=options).items() if k not in aliases}
    by_name = get_optimizer_state_dict(model, optimizer, options=options)
    return model_state, (optimizer_by_index(by_name, trainable_names(model)) if by_name else {})


def load_optimizer_state(model: Any, optimizer: torch.optim.Optimizer, state: dict[str, Any]) -> None:
    """Load a one-process-layout optimizer state (every rank holds it whole) into the sharded optimizer."""
    from torch.distributed.checkpoint.state_dict import StateDictOptions, set_optimizer_state_dict

    set_optimizer_state_dict(model, optimizer, optimizer_by_name(state, trainable_names(model)),
                             options=StateDictOptions(full_state_dict=True))


def trainable_names(model: Any) -> list[str]:
    """Names of the trainable parameters in the optimizer's order (the trainer's `trainable` list)."""
    return [name for name, p in model.named_parameters() if p.requires_grad]


def optimizer_by_name(state: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """torch's optimizer state layout (parameters numbered in optimizer order) -> the layout keyed by parameter
    name that torch.distributed.checkpoint reads. Pure; `optimizer_by_index` is its inverse."""
    return {"state": {names[int(i)]: s for i, s in state["state"].items()},
            "param_groups": [{**g, "params": [names[int(i)] for i in g["params"]]} for g in state["param_groups"]]}


def optimizer_by_index(state: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """Inverse of `optimizer_by_name`."""
    index = {name: i for i, name in enumerate(names)}
    return {"state": {index[n]: s for n, s in state["state"].items()},
            "param_groups": [{**g, "params": [index[n] for n in g["params"]]} for g in state["param_groups"]]}


def as_float(value: Any) -> float:
    """A scalar that may be a DTensor (e.g. the gradient norm of sharded gradients) as a Python float."""
    return float(value.full_tensor() if hasattr(value, "full_tensor") else value)
