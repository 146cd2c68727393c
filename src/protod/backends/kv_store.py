"""KV caches kept between calls, found by the token ids they cover (a small prefix cache).

A dialogue's next prompt is its previous prompt + the ids the model generated + the user's reply + the generation
prompt, because chat_tokens splices recorded ids back in. So the cache left by the previous turn covers a prefix of
the new prompt, and only the rest needs a forward pass. The store does not trust that: it matches prompts against
cached ids token by token (the runtime check of the prefix property) and reuses exactly the longest common prefix,
which is valid because a causal model's keys and values at position j depend only on tokens <= j. A prompt whose
history was rewritten (a template that drops old reasoning, a dialogue edited by a caller) just reuses less.

Lookup is by chained hashes of fixed-size blocks of ids (one dict probe per block), then a token-level extension
inside the last partial block; the match is verified by comparing ids, so a hash collision can only cost reuse.
Memory is bounded by `capacity_tokens` (least recently used entries go first).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

BLOCK = 16


@dataclass(eq=False)
class CachedPrefix:
    """Keys and values for `ids`: one (keys, values) pair per layer, each [kv_heads, len(ids), head_dim]."""

    ids: list[int]
    kv: list[tuple[Any, Any]]
    hashes: list[int] = field(default_factory=list)  # chained hash of ids[: (k + 1) * BLOCK], k = 0, 1, ...


def block_hashes(ids: list[int], block: int = BLOCK) -> list[int]:
    """Chained hashes of every full block: equal hashes at k <=> (almost surely) equal ids[: (k + 1) * block]."""
    out, h = [], 0
    for start in range(0, len(ids) - block + 1, block):
        h = hash((h, tuple(ids[start : start + block])))
        out.append(h)
    return out


class PrefixStore:
    def __init__(self, capacity_tokens: int, block: int = BLOCK):
        if capacity_tokens < 0:
            raise ValueError(f"capacity_tokens must be >= 0, got {capacity_tokens}")
        self.capacity_tokens = capacity_tokens
        self.block = block
        self._entries: OrderedDict[int, CachedPrefix] = OrderedDict()  # id(entry) -> entry, oldest use first
        self._index: dict[int, set[int]] = {}  # block hash -> ids of entries holding that prefix
        self.tokens = 0
        self.evictions = 0

    def __len__(self) -> int:
        return len(self._entries)

    def entries(self) -> list[CachedPrefix]:
        return list(self._entries.values())

    def lookup(self, ids: list[int]) -> tuple[CachedPrefix | None, int]:
        """The entry sharing the longest prefix with `ids`, and that prefix's length (0: none). Marks it used."""
        candidates: set[int] = set()
        matched = 0
        h = 0
        for start in range(0, len(ids) - self.block + 1, self.block):
            h = hash((h, tuple(ids[start : start + self.block])))
            found = self._index.get(h)
            if not found:
                break
            candidates, matched = found, start + self.block
        if not candidates:
            return None, 0
        best, best_n = None, 0
        for key in candidates:
            entry = self._entries[key]
            n = matched
            limit = min(len(entry.ids), len(ids))
            while n < limit and entry.ids[n] == ids[n]:
                n += 1
            if n > best_n:
                best, best_n = entry, n
        if best is None or best.ids[:matched] != ids[:matched]:  # a hash collision: reuse nothing rather than garbage
            return None, 0
        self._entries.move_to_end(id(best))
        return best, best_n

    def add(self, ids: list[int], kv: list[tuple[Any, Any]]) -> CachedPrefix | None:
        """Keep `kv` for `ids`, evicting least recently used entries beyond capacity. None if it can never fit."""
        if len(ids) > self.capacity_tokens or len(ids) < self.block:
            return None
        same, n = self.lookup(ids)
        if same is not None and n == len(ids) == len(same.ids):  # e.g. two rollouts that generated the same reply
            return same
        entry = CachedPrefix(list(ids), kv, block_hashes(ids, self.block))
        self._entries[id(entry)] = entry
        for h in entry.hashes:
            self._index.setdefault(h, set()).add(id(entry))
        self.tokens += len(ids)
        while self.tokens > self.capacity_tokens:
            self.discard(next(iter(self._entries.values())))
            self.evictions += 1
        return entry

    def discard(self, entry: CachedPrefix) -> None:
        if self._entries.pop(id(entry), None) is None:
            return
        self.tokens -= len(entry.ids)
        for h in entry.hashes:
            holders = self._index.get(h)
            if holders is not None:
                holders.discard(id(entry))
                if not holders:
                    del self._index[h]

    def clear(self) -> None:
        self._entries.clear()
        self._index.clear()
        self.tokens = 0
