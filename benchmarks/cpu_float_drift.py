"""How much float results move when torch runs other CPU kernels, same versions, same seeds.

Run once per setting, then compare:
  python benchmarks/cpu_float_drift.py --dump a.pt
  ATEN_CPU_CAPABILITY=avx2 MKL_ENABLE_INSTRUCTIONS=AVX2 ONEDNN_MAX_CPU_ISA=AVX2 python benchmarks/cpu_float_drift.py --dump b.pt
  python benchmarks/cpu_float_drift.py --compare a.pt b.pt
The environment variables cap torch's own kernels, MKL and oneDNN at AVX2: on an AVX-512 machine that stands in for
an older CPU (it is not one: cache sizes, and whatever else a real CPU differs in, stay). Embedded SmolLM2-135M,
float32: last-position logits of 8 prompts, 48 greedy tokens and 48 seeded sampled tokens per prompt.
"""

import argparse
import os

PROMPTS = [
    "Hello, I am calling from a delivery platform about your restaurant.",
    "What worries you most about joining a new app?",
    "The commission is 15 percent and payouts are weekly.",
    "I do not have time for this call.",
    "Can you tell me how the refunds work?",
    "We guarantee a minimum number of orders in the first month.",
    "Couriers choose their own hours and get paid per delivery.",
    "Is there a contract, and can I cancel it?",
]
NEW_TOKENS = 48


def dump(path: str) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from protod.backends.hf import smollm2_dir

    directory = smollm2_dir()
    tokenizer = AutoTokenizer.from_pretrained(directory, local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(directory, local_files_only=True, dtype=torch.float32).eval()
    out = {"capability": torch.backends.cpu.get_cpu_capability(), "threads": torch.get_num_threads(),
           "logits": [], "greedy": [], "sampled": []}
    with torch.no_grad():
        for i, prompt in enumerate(PROMPTS):
            ids = tokenizer(prompt, return_tensors="pt").input_ids
            out["logits"].append(model(ids).logits[0, -1].clone())
            greedy = model.generate(ids, max_new_tokens=NEW_TOKENS, do_sample=False, pad_token_id=tokenizer.eos_token_id)
            out["greedy"].append(greedy[0, ids.shape[1]:].tolist())
            torch.manual_seed(1000 + i)
            sampled = model.generate(ids, max_new_tokens=NEW_TOKENS, do_sample=True, temperature=1.0, top_p=1.0,
                                     top_k=0, pad_token_id=tokenizer.eos_token_id)
            out["sampled"].append(sampled[0, ids.shape[1]:].tolist())
    torch.save(out, path)
    print(f"{path}: capability {out['capability']}, {out['threads']} threads, "
          f"MKL/oneDNN caps {os.environ.get('MKL_ENABLE_INSTRUCTIONS', '-')}/{os.environ.get('ONEDNN_MAX_CPU_ISA', '-')}")


def first_difference(a: list[int], b: list[int]) -> int | None:
    for k, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return k
    return None if len(a) == len(b) else min(len(a), len(b))


def compare(path_a: str, path_b: str) -> None:
    import torch

    a, b = torch.load(path_a), torch.load(path_b)
    print(f"A: {a['capability']}, {a['threads']} threads   B: {b['capability']}, {b['threads']} threads")
    diffs = [(x - y).abs().max().item() for x, y in zip(a["logits"], b["logits"])]
    scale = max(x.abs().max().item() for x in a["logits"])
    print(f"last-position logits: max |A-B| {max(diffs):.2e} (largest |logit| {scale:.1f}); "
          f"{sum(d == 0 for d in diffs)}/{len(diffs)} prompts bit-identical")
    for kind in ("greedy", "sampled"):
        firsts = [first_difference(x, y) for x, y in zip(a[kind], b[kind])]
        moved = [f for f in firsts if f is not None]
        print(f"{kind}: {len(moved)}/{len(firsts)} continuations differ"
              + (f", first differing token at {sorted(moved)} of {NEW_TOKENS}" if moved else ""))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--dump", metavar="OUT")
    group.add_argument("--compare", nargs=2, metavar=("A", "B"))
    args = parser.parse_args()
    dump(args.dump) if args.dump else compare(*args.compare)
