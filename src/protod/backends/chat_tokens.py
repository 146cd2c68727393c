"""Chat messages -> token ids, splicing in the ids an agent actually generated ("token in, token out").

Re-tokenising sampled text can silently produce a different sequence from the one the policy produced (BPE merges
differ at boundaries), and then training optimises tokens the model never chose. So the renderer lays out the chat
template as text with a placeholder where each assistant message goes, tokenises the template pieces, and puts the
recorded ids in the placeholders. The same function builds generation prompts and training sequences, so both
see the same ids, and `agent_mask` marks exactly the assistant tokens (the only ones a loss may touch).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from protod.backends.base import ChatMessage

# Thinking templates (Qwen3) open a <think> block unless told not to: the agent (or an LLM user) would speak its
# reasoning to the other side and spend max_new_tokens on it. TrainConfig.chat_template_args has the same default.
DEFAULT_TEMPLATE_ARGS = {"enable_thinking": False}
_MARK = "\ue000{}\ue001"  # private-use characters: never in real text, survive templates that strip content
_MARK_RE = re.compile("\ue000(\\d+)\ue001")


@dataclass
class RenderedChat:
    ids: list[int]
    agent_mask: list[bool]  # True at assistant-content positions (including a generated end-of-turn token)
    agent_spans: list[tuple[int, int]]  # [start, end) of each assistant message, in order


class ChatRenderer:
    def __init__(self, tokenizer: Any, template_args: dict[str, Any] | None = None):
        """`template_args`: extra variables for the chat template, for generation prompts and training renders
        alike; None: DEFAULT_TEMPLATE_ARGS (thinking off: a dialogue partner must not think aloud; templates
        without the variable ignore it). Pass {} for the template's own defaults."""
        if not getattr(tokenizer, "chat_template", None):
            raise ValueError("the tokenizer has no chat template; protod needs one to lay out dialogues")
        self.tokenizer = tokenizer
        self.template_args = dict(DEFAULT_TEMPLATE_ARGS if template_args is None else template_args)
        self.stop_ids = _stop_ids(tokenizer)
        self._generation_header: str | None = None

    def encode(self, text: str) -> list[int]:
        return list(self.tokenizer.encode(text, add_special_tokens=False)) if text else []

    def render(self, messages: list[ChatMessage], add_generation_prompt: bool) -> RenderedChat:
        """Token ids of a chat, with each assistant message's `token_ids` (if any) used verbatim.

        Shapes: len(ids) == len(agent_mask); one span per assistant message.
        """
        templated: list[dict[str, str]] = []
        agent_ids: list[list[int]] = []
        messages_by_mark: list[ChatMessage] = []
        for m in messages:
            if m["role"] == "assistant":
                ids = m.get("token_ids")
                agent_ids.append(list(ids) if ids is not None else self.encode(m["content"]))
                messages_by_mark.append(m)
                templated.append({"role": "assistant", "content": _MARK.format(len(agent_ids) - 1)})
            else:
                templated.append({"role": m["role"], "content": m["content"]})
        text = self._template(templated, add_generation_prompt)
        ids: list[int] = []
        spans: list[tuple[int, int]] = []
        pos = 0
        for match in _MARK_RE.finditer(text):
            ids += self.encode(text[pos : match.start()] + self._missing_header(text[: match.start()]))
            own = agent_ids[int(match.group(1))]
            spans.append((len(ids), len(ids) + len(own)))
            ids += own
            pos = match.end()
            if own and own[-1] in self.stop_ids:
                # A generated end-of-turn token is already in `own`: do not add the template's copy of it.
                stop_text = self.tokenizer.convert_ids_to_tokens(own[-1])
                if text.startswith(stop_text, pos):
                    pos += len(stop_text)
            elif messages_by_mark[int(match.group(1))].get("token_ids") is None:
                # A message given as text (a transcript, not a generation): the template's end-of-turn token belongs
                # to the agent's span, so imitation learns to stop where the turn ends (ids are unchanged).
                stop = self._stop_at(text, pos)
                if stop is not None:
                    ids.append(stop[0])
                    spans[-1] = (spans[-1][0], spans[-1][1] + 1)
                    pos += len(stop[1])
        ids += self.encode(text[pos:])
        mask = [False] * len(ids)
        for start, end in spans:
            mask[start:end] = [True] * (end - start)
        return RenderedChat(ids, mask, spans)

    def _template(self, messages: list[dict[str, str]], add_generation_prompt: bool) -> str:
        return self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=add_generation_prompt,
                                                  **self.template_args)

    def _missing_header(self, before: str) -> str:
        """What the generation prompt puts before an agent's turn that the template's rendering of a past assistant
        message leaves out, or "". A Qwen3 template with enable_thinking false prompts with
        "<|im_start|>assistant\n<think>\n\n</think>\n\n" but renders earlier assistant turns without the empty
        think block: the sampled tokens followed the block, so the training sequence must show it too (the same
        context the tokens were sampled in). Templates whose prompt header equals the rendered one add nothing."""
        if self._generation_header is None:
            probe = [{"role": "user", "content": "\ue002"}]
            bare = self._template(probe, False)
            prompted = self._template(probe, True)
            self._generation_header = prompted[len(bare):] if prompted.startswith(bare) else ""
        header = self._generation_header
        if not header or before.endswith(header):
            return ""
        for k in range(len(header) - 1, 0, -1):  # the template's own header is a prefix of the generation header
            if before.endswith(header[:k]):
                return header[k:]
        return ""

    def _stop_at(self, text: str, pos: int) -> tuple[int, str] | None:
        """(id, text) of the end-of-turn token that starts `text` at `pos`, if one does."""
        for tid in sorted(self.stop_ids):
            token = self.tokenizer.convert_ids_to_tokens(tid)
            if isinstance(token, str) and token and text.startswith(token, pos):
                return tid, token
        return None


def _stop_ids(tokenizer: Any) -> set[int]:
    """Token ids that end an assistant turn: EOS and the chat format's end-of-turn marker."""
    stops: set[int] = set()
    eos = tokenizer.eos_token_id
    if isinstance(eos, int):
        stops.add(eos)
    elif isinstance(eos, list):
        stops.update(eos)
    for token in ("<|im_end|>", "<|eot_id|>", "<|end|>", "<end_of_turn>"):
        tid = tokenizer.convert_tokens_to_ids(token)
        if isinstance(tid, int) and tid != tokenizer.unk_token_id and tid >= 0:
            stops.add(tid)
    return stops
