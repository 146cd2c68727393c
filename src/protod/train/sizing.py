"""Memory per GPU of one update, from the formula in protod.train.config (the micro_batch comment), for sizing a
cluster before renting it. `python -m protod.train.sizing` prints the README's table.

Per GPU = model states + one micro-batch's working memory:
  model states (bytes per parameter; divided by the world size under distributed: fsdp):
    weights 2 (bf16), for every parameter;
    trainable parameters: + 2 gradient (bf16) + 12 optimizer (fp32 master copy, Adam m and v) = 16 in all, the
      usual mixed-precision accounting (ZeRO paper); LoRA trains only the adapters, the base stays frozen at 2;
    a full fine-tune whose AOPD teacher is frozen or that has a KL penalty keeps a frozen copy: + 2 per parameter
      (LoRA disables its adapters instead, free);
  working memory of one micro-batch (never sharded, it is this rank's data):
    activations: micro_batch * L * H * layers * c values (c ~ 16 per hidden unit, bf16); with gradient
      checkpointing micro_batch * L * H * layers (the kept layer inputs) + one layer's c values;
    logits of its n agent tokens: n * V * 4 B * 3 (student logits, log-softmax, gradient); top_p < 1 adds n * V * 12;
    teacher terms: n * V * 4 B (full-vocabulary AOPD modes), n * k * 12 B (forward_kl_topk), n * 4 B (sampled);
  under fsdp, + the whole weights of the largest FSDP group while it runs (embeddings + head, or one layer).
Not counted: the CUDA context and allocator slack (~1-3 GB), and the rollout engine: with `rollout_engine: vllm`
on the same GPU, vLLM takes its own share (gpu_memory_utilization: its weights, 2 B per parameter, plus KV cache).
"""

from __future__ import annotations

from dataclasses import dataclass

GB = 1e9


@dataclass(frozen=True)
class ModelShape:
    """A decoder-only transformer's sizes (from its config.json)."""

    name: str
    hidden: int
    layers: int
    intermediate: int
    heads: int
    kv_heads: int
    head_dim: int
    vocab: int
    tied: bool

    def layer_params(self) -> int:
        """Attention (q, k, v, o) + gated MLP (gate, up, down) weights of one layer (norms and biases are noise)."""
        attn = self.hidden * self.head_dim * (2 * self.heads + 2 * self.kv_heads)
        return attn + 3 * self.hidden * self.intermediate

    def embedding_params(self) -> int:
        """Input embeddings + output head (one matrix when tied)."""
        return self.vocab * self.hidden * (1 if self.tied else 2)

    def params(self) -> int:
        return self.layers * self.layer_params() + self.embedding_params()

    def lora_params(self, r: int) -> int:
        """LoRA adapters of rank r on q, k, v, o of every layer: r * (fan_in + fan_out) per matrix."""
        q_out, kv_out = self.heads * self.head_dim, self.kv_heads * self.head_dim
        per_layer = r * ((self.hidden + q_out) * 2 + (self.hidden + kv_out) * 2)
        return self.layers * per_layer


# Public configs: Qwen2.5-1.5B-Instruct, Qwen3-4B-Instruct-2507, Qwen3-8B.
MODELS = (
    ModelShape("1.5B (Qwen2.5-1.5B)", 1536, 28, 8960, 12, 2, 128, 151_936, True),
    ModelShape("4B (Qwen3-4B)", 2560, 36, 9728, 32, 8, 128, 151_936, True),
    ModelShape("8B (Qwen3-8B)", 4096, 36, 12288, 32, 8, 128, 151_936, False),
)


@dataclass(frozen=True)
class UpdateShape:
    """What one micro-batch holds; the defaults are configs/qwen3-4b-siavpo.yaml's (12 agent turns of up to 128
    tokens, ~4k tokens a dialogue with prompt and user turns)."""

    micro_batch: int = 4
    seq_len: int = 4096
    agent_tokens: int = 1536  # per dialogue
    gradient_checkpointing: bool = True
    aopd_mode: str | None = "forward_kl_topk"
    aopd_topk: int = 64
    top_p: float = 1.0
    activation_values: int = 16  # c: values kept per hidden unit per layer without checkpointing


def update_memory(model: ModelShape, lora: bool, shape: UpdateShape = UpdateShape(), lora_r: int = 64,
                  frozen_copy: bool = True, world_size: int = 1, sharded: bool = False, dtype_bytes: int = 2) -> dict[str, float]:
    """Bytes per GPU of one update, by part: weights, grads_optimizer, reference, activations, logits, teacher,
    gathered (fsdp) and total. `frozen_copy`: a full fine-tune keeps the initial weights (AOPD teacher frozen or
    kl_coef > 0). `sharded`: distributed: fsdp over `world_size` ranks (model states divided by it). `dtype_bytes`:
    the precision policy's bytes per value (2 bf16, 4 float32) for frozen weights, the frozen copy and activations;
    trainable parameters cost 16 B either way. `shape.aopd_mode` None: no teacher terms (no AOPD)."""
    p = model.params()
    trainable = model.lora_params(lora_r) if lora else p
    split = world_size if sharded else 1
    n = shape.micro_batch * shape.agent_tokens
    tokens = shape.micro_batch * shape.seq_len
    layer_values = tokens * model.hidden * shape.activation_values
    b = dtype_bytes
    if shape.gradient_checkpointing:
        activations = b * (tokens * model.hidden * model.layers + layer_values)
    else:
        activations = b * layer_values * model.layers
    teacher = {"forward_kl_topk": n * shape.aopd_topk * 12, "reverse_kl_sampled": n * 4, None: 0}.get(shape.aopd_mode, n * model.vocab * 4)
    parts = {
        "weights": (b * p + 2 * trainable if lora else 2 * p) / split,
        "grads_optimizer": 14 * trainable / split,
        "reference": b * p / split if (frozen_copy and not lora) else 0.0,
        "activations": float(activations),
        "logits": n * model.vocab * (12 + (12 if shape.top_p < 1 else 0)),
        "teacher": float(teacher),
        "gathered": 2.0 * max(model.embedding_params(), model.layer_params()) if sharded else 0.0,
    }
    return parts | {"total": sum(parts.values())}


def table(shape: UpdateShape = UpdateShape(), lora_r: int = 64, gpus: int = 8) -> str:
    """The README's sizing table (GB per GPU, 1 GB = 1e9 bytes), markdown."""
    head = (f"| policy | training | params | trainable | ddp: GB / GPU | fsdp over {gpus}: GB / GPU |\n"
            "|---|---|---:|---:|---:|---:|")
    rows = []
    for model in MODELS:
        for lora in (True, False):
            ddp = update_memory(model, lora, shape, lora_r)
            fsdp = update_memory(model, lora, shape, lora_r, world_size=gpus, sharded=True)
            trainable = model.lora_params(lora_r) if lora else model.params()
            rows.append(f"| {model.name} | {f'LoRA r={lora_r}' if lora else 'full'} | {model.params() / 1e9:.2f}B | "
                        f"{trainable / 1e6:,.0f}M | {ddp['total'] / GB:.1f} | {fsdp['total'] / GB:.1f} |")
    return "\n".join([head, *rows])


if __name__ == "__main__":
    s = UpdateShape()
    print(f"micro_batch {s.micro_batch}, {s.seq_len} tokens a dialogue, {s.agent_tokens} of them agent tokens, "
          f"gradient checkpointing {'on' if s.gradient_checkpointing else 'off'}, AOPD {s.aopd_mode} (k={s.aopd_topk}), "
          "bf16 weights and gradients, fp32 master weights + Adam states for trainable parameters, a frozen copy for "
          "full fine-tunes\n")
    print(table(s))
    print("\nby part, 4B full fine-tune, ddp (GB):", {k: round(v / GB, 2) for k, v in update_memory(MODELS[1], False, s).items()})
