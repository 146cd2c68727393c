"""What a person may send as one turn, and the message when it is refused or kept with a warning.

A refused turn is never stored and stays in the text box, so nothing typed is lost. A kept turn is stored exactly
as typed (JSON escapes it in the file; the page escapes it on display): markup and chat-template markers are data,
never HTML and never a prompt instruction (the simulated user reads agent turns through strip_injection).
"""

from __future__ import annotations

import re
import unicodedata

from protod.text.sanitize import strip_injection

# A spoken turn is a few hundred characters; this bounds a runaway paste, far above any real turn.
MAX_TURN_CHARS = 2000
MAX_NAME_CHARS = 40

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MARKUP = re.compile(r"<[A-Za-z/!][^<>]{0,200}>")
_TEMPLATE = re.compile(r"<\|[^|<>\n]{0,40}\|>|\[/?INST\]|<</?SYS>>|<start_of_turn>|<end_of_turn>|</?s>")
LABELLER = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


NOTICES = {
    "template": "Your turn contains chat-template markers; they were kept as plain text and are not instructions to anyone.",
    "markup": "Your turn contains markup; it was kept and is shown as plain text.",
    "role": "Part of your turn reads like a role or state line (e.g. 'SYSTEM:'); it was kept as plain text.",
}


class TurnRefused(ValueError):
    """A turn that is not stored; the message says why and what to do."""


def check_turn(text: str) -> tuple[str, list[str]]:
    """(the turn as stored, codes of NOTICES for the person) or TurnRefused. Line ends are normalised and control
    characters dropped; everything else is kept as typed."""
    text = _CONTROL.sub("", unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))).strip()
    if not text:
        raise TurnRefused("Nothing to send: type what you say first.")
    if len(text) > MAX_TURN_CHARS:
        raise TurnRefused(f"Too long: {len(text):,} characters, and one turn holds at most {MAX_TURN_CHARS:,}. "
                          "Say it in fewer words (your text is still in the box).")
    if _TEMPLATE.search(text):
        return text, ["template"]
    if _MARKUP.search(text):
        return text, ["markup"]
    if strip_injection(text) != text:
        return text, ["role"]
    return text, []


def check_labeller(name: str) -> str:
    name = name.strip()
    if not LABELLER.match(name):
        raise TurnRefused("Your name as labeller: 1 to 40 letters, digits, '-' or '_' (it names your labels file).")
    return name
