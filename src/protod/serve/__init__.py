"""`protod serve`: a local web page where a person plays the user or the agent, or labels what agent turns did.

- store.py     session files (one JSON event a line, flushed before the page answers) and the finished runs
- inputs.py    what a typed turn may be (length, control characters, chat-template markers) and the message if not
- dialogue.py  the two play modes over protod's own agents, simulators and views (no dialogue logic of its own)
- labels.py    label queues from any run or corpus, labels in the perception corpus format, Cohen's kappa per act
- app.py       the FastAPI app: server-rendered pages (Jinja2, autoescaped) and one small script

Only app.py imports the web stack, so the rest is importable (and testable) without the `serve` extra.
"""
