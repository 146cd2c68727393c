"""Training on several processes (`torchrun --nproc_per_node N`, `accelerate launch`): who this process is, which
personas it rolls out, and the reductions that make N ranks take exactly the update one process would take.

The contract (tested with 2 processes on gloo): a step's personas are split into contiguous blocks, one per rank,
so the G rollouts of a persona (a group) stay on one rank and its advantages need nothing from other ranks; every
dialogue draws from generators seeded by (run seed, step, dialogue id), so the same dialogues come out whatever the
world size. The loss normalisers (PG tokens, all agent tokens) are summed over ranks before the first micro-batch,
each rank accumulates token-sum / GLOBAL tokens over its own micro-batches, and the gradients are summed over
ranks once before clipping: sum over ranks of (local token-sum gradient / global tokens) is the whole batch's
token-mean gradient. Every rank then takes the same optimizer step on the same gradient, so the replicas stay
identical without ever broadcasting weights again.

Why one all-reduce after accumulation instead of wrapping the model in DistributedDataParallel: DDP synchronises
inside backward and so needs every rank to run the same number of backward passes, but ranks hold different
numbers of micro-batches (filtered groups, failed dialogues, different lengths); `no_sync` plus a final synced
micro-batch would deadlock on a rank with none. DDP also averages over ranks, where our losses are already divided
by the global token count (a sum is needed). What is given up is DDP's overlap of communication with backward,
which matters little here: the update is a small part of an RL step (rollouts dominate), and LoRA gradients are
a few MB.

Nothing here runs a collective unless the world size is above 1: with WORLD_SIZE unset every function is the
identity, so the one-process path is unchanged.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Mapping, Sequence, TypeVar

import torch

T = TypeVar("T")
# Gradient buckets for the all-reduce: a flat copy of at most this many bytes at a time (not one copy of every
# gradient, which for a full fine-tune of 8B parameters would be another 32 GB).
BUCKET_BYTES = 256 * 2**20


@dataclass(frozen=True)
class Ranks:
    """This process's place in the job: `world_size` processes, this one is `rank` (`local_rank` on its node)."""

    world_size: int = 1
    rank: int = 0
    local_rank: int = 0

    @property
    def active(self) -> bool:
        """True when there is more than one process (collectives run)."""
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        """Rank 0 alone writes the log, the run files and the checkpoints."""
        return self.rank == 0


SINGLE = Ranks()


def ranks_from_env(env: Mapping[str, str] | None = None) -> Ranks:
    """Ranks from the variables torchrun and accelerate set (WORLD_SIZE, RANK, LOCAL_RANK); SINGLE when unset."""
    env = os.environ if env is None else env
    if "WORLD_SIZE" not in env:
        return SINGLE
    values = {}
    for key in ("WORLD_SIZE", "RANK", "LOCAL_RANK"):
        raw = env.get(key, "0")
        try:
            values[key] = int(raw)
        except ValueError:
            raise ValueError(f"environment variable {key}={raw!r}: expected an integer (set by torchrun / accelerate launch)") from None
    world, rank = values["WORLD_SIZE"], values["RANK"]
    if world < 1 or not 0 <= rank < world or values["LOCAL_RANK"] < 0:
        raise ValueError(f"environment: WORLD_SIZE={world}, RANK={rank}, LOCAL_RANK={values['LOCAL_RANK']}: "
                         "expected WORLD_SIZE >= 1 and 0 <= RANK < WORLD_SIZE")
    return Ranks(world, rank, values["LOCAL_RANK"])


def setup(ranks: Ranks, device: str | None) -> str | None:
    """Join the process group (once; a group the caller already started is reused) and return this rank's device.

    nccl when training on CUDA (device cuda:LOCAL_RANK, one GPU a process), gloo on CPU. The rendezvous address
    comes from the environment (MASTER_ADDR / MASTER_PORT, set by torchrun). One process: `device` unchanged.
    """
    if not ranks.active:
        return device
    import torch.distributed as dist

    cuda = torch.cuda.is_available() and (device is None or device.startswith("cuda"))
    if cuda:
        device = f"cuda:{ranks.local_rank}"
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if cuda else "gloo")
    if dist.get_world_size() != ranks.world_size or dist.get_rank() != ranks.rank:
        raise ValueError(f"the process group has world size {dist.get_world_size()}, rank {dist.get_rank()}, but the "
                         f"environment says WORLD_SIZE={ranks.world_size}, RANK={ranks.rank}")
    return device


def shard(items: Sequence[T], ranks: Ranks, what: str = "items") -> list[T]:
    """This rank's contiguous block of `items` (len(items) / world_size of them; the blocks in rank order are
    `items`). Raises a one-line error when the count does not divide evenly: `what` names it."""
    n, world = len(items), ranks.world_size
    if n % world:
        raise ValueError(f"{what} = {n} cannot be split evenly over {world} processes; make it a multiple of {world}")
    size = n // world
    return list(items[ranks.rank * size : (ranks.rank + 1) * size])


def shard_uneven(items: Sequence[T], ranks: Ranks) -> list[T]:
    """This rank's contiguous block when the count need not divide (sizes differ by at most one; some may be empty)."""
    n, world = len(items), ranks.world_size
    return list(items[ranks.rank * n // world : (ranks.rank + 1) * n // world])


def _device_for_collectives(device: Any) -> torch.device:
    """nccl reduces CUDA tensors only; gloo CPU tensors."""
    import torch.distributed as dist

    return torch.device(device) if dist.get_backend() == "nccl" else torch.device("cpu")


def all_reduce_values(values: Sequence[float], ranks: Ranks, op: str = "sum", device: Any = "cpu") -> list[float]:
    """Element-wise sum (op="sum") or max (op="max") of `values` [K] over ranks, in float64 (counts stay exact
    below 2**53). One process: `values` as floats, untouched."""
    if not ranks.active:
        return [float(v) for v in values]
    import torch.distributed as dist

    buf = torch.tensor([float(v) for v in values], dtype=torch.float64, device=_device_for_collectives(device))
    dist.all_reduce(buf, op=dist.ReduceOp.SUM if op == "sum" else dist.ReduceOp.MAX)
    return buf.tolist()


def reduce_stats(stats: Mapping[str, Any], ranks: Ranks, sums: Iterable[str], maxima: Iterable[str] = (),
                 device: Any = "cpu") -> dict[str, Any]:
    """`stats` with the keys in `sums` summed and those in `maxima` maxed over ranks (one collective each); other
    keys are kept as this rank has them (they must already agree, e.g. lr, grad_norm). Integers stay integers."""
    out = dict(stats)
    for keys, op in ((list(sums), "sum"), (list(maxima), "max")):
        if not keys:
            continue
        reduced = all_reduce_values([stats[k] for k in keys], ranks, op, device)
        for k, v in zip(keys, reduced):
            out[k] = int(round(v)) if isinstance(stats[k], int) and not isinstance(stats[k], bool) else v
    return out


def all_reduce_gradients(params: Sequence[torch.nn.Parameter], ranks: Ranks, bucket_bytes: int = BUCKET_BYTES) -> None:
    """Sum each parameter's gradient over ranks, in place (bucketed flat copies).

    A parameter that has a gradient on some rank but not on this one (it had no micro-batch) takes part with
    zeros; one that has none on any rank keeps `grad = None`, so AdamW skips it exactly as in one process.
    """
    if not ranks.active:
        return
    import torch.distributed as dist

    if not params:
        return
    first = params[0].device
    has = torch.tensor([p.grad is not None for p in params], dtype=torch.float32, device=_device_for_collectives(first))
    dist.all_reduce(has, op=dist.ReduceOp.MAX)
    live = [p for p, h in zip(params, has.tolist()) if h]
    for p in live:
        if p.grad is None:
            p.grad = torch.zeros_like(p)
    for bucket in _buckets(live, bucket_bytes):
        flat = torch.cat([p.grad.reshape(-1) for p in bucket])
        dist.all_reduce(flat)
        offset = 0
        for p in bucket:
            n = p.grad.numel()
            p.grad.copy_(flat[offset : offset + n].view_as(p.grad))
            offset += n


def _buckets(params: list[torch.nn.Parameter], bucket_bytes: int) -> Iterator[list[torch.nn.Parameter]]:
    """Consecutive runs of parameters with one dtype and device, each at most `bucket_bytes` (or one tensor)."""
    bucket: list[torch.nn.Parameter] = []
    size = 0
    for p in params:
        nbytes = p.grad.numel() * p.grad.element_size()
        if bucket and (size + nbytes > bucket_bytes or p.grad.dtype != bucket[0].grad.dtype or p.grad.device != bucket[0].grad.device):
            yield bucket
            bucket, size = [], 0
        bucket.append(p)
        size += nbytes
    if bucket:
        yield bucket


def broadcast_parameters(module: torch.nn.Module, ranks: Ranks) -> None:
    """Copy rank 0's parameters and buffers to every rank, so the replicas start identical whatever each process
    loaded (the same seed gives the same weights, this makes it a guarantee)."""
    if not ranks.active:
        return
    import torch.distributed as dist

    with torch.no_grad():
        for tensor in list(module.parameters()) + list(module.buffers()):
            dist.broadcast(tensor.data, src=0)


def first_disagreement(ranks: Ranks, record: Mapping[str, Any]) -> tuple[int, str, Any, Any] | None:
    """(rank, key, rank 0's value, that rank's value) of the first key of `record` (this rank's config and options)
    on which some rank differs from rank 0, or None. Every rank gets the same answer, so all stop together before
    step 1: a different max_steps would otherwise hang the job at its last collective, a different lr or algo
    finish with exit 0 and replicas that are not."""
    if not ranks.active:
        return None
    import torch.distributed as dist

    everyone: list[Any] = [None] * ranks.world_size
    dist.all_gather_object(everyone, dict(record))
    base = everyone[0]
    for rank, other in enumerate(everyone[1:], start=1):
        for key in sorted(set(base) | set(other)):
            if base.get(key) != other.get(key):
                return rank, key, base.get(key), other.get(key)
    return None


def barrier(ranks: Ranks) -> None:
    """Wait for every rank (no-op in one process)."""
    if ranks.active:
        import torch.distributed as dist

        dist.barrier()


@contextmanager
def main_first(ranks: Ranks) -> Iterator[None]:
    """Rank 0 runs the block first (e.g. writes a file the others then read), the other ranks after it."""
    if ranks.active and not ranks.is_main:
        barrier(ranks)
    yield
    if ranks.active and ranks.is_main:
        barrier(ranks)


# What a collective raises when another rank vanished mid-step (gloo, nccl): this rank did nothing wrong.
_PEER_LOST = ("Connection closed by peer", "Connection reset by peer", "Broken pipe", "NCCL communicator was aborted",
              "remote worker crashing", "ProcessGroupNCCL")


def peer_lost(error: BaseException) -> bool:
    """True when `error` is a collective failing because another rank is gone (not this rank's own failure)."""
    from torch.distributed import DistNetworkError

    return isinstance(error, DistNetworkError) or (
        isinstance(error, RuntimeError) and any(m in str(error) for m in _PEER_LOST))


def abandon(ranks: Ranks) -> None:
    """Leave the process group after a failure on this rank (no barrier: the others may never reach one), so that
    the process exits with its own error code instead of tearing down a live group at interpreter exit."""
    if ranks.active:
        import torch.distributed as dist

        try:
            if dist.is_initialized():
                dist.destroy_process_group()
        except Exception:  # the group is already broken; exiting is all that is left
            pass


def finish(ranks: Ranks) -> None:
    """Leave the process group at the end of a run (every rank; no-op in one process or without a group)."""
    if ranks.active:
        import torch.distributed as dist

        if dist.is_initialized():
            dist.barrier()
            dist.destroy_process_group()
