"""Loading a pack: YAML read with bounds on size and alias expansion, validated against the schema, then checked
(`protod.world.checks`). Validation reports *every* problem with its field path and, when the pack came from a file,
its line number, so that `protod scenarios validate FILE` is useful to someone authoring a pack.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from protod.world.checks import authoring_problems, cross_reference_problems
from protod.world.problems import Problem, ScenarioError, short
from protod.world.schema import Scenario

BUILTIN_PACKAGE = "protod.scenarios"


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """1-based line of the YAML node at pydantic location `loc` (deepest node found)."""
    line = node.start_mark.line + 1 if node is not None else None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = next((v for k, v in node.value if getattr(k, "value", None) == str(key)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            nxt = node.value[key]
        else:
            nxt = None
        if nxt is None:
            break
        node = nxt
        line = node.start_mark.line + 1
    return line


def _loc_path(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc)


# Bounds on what a pack file may cost to read: a real pack is ~25 KB and ~3,000 YAML values.
MAX_PACK_BYTES = 1_000_000
MAX_PACK_NODES = 200_000  # YAML values after alias expansion (an alias bomb expands to billions)
# libyaml's parser when PyYAML was built with it (about 10x faster on big files); same safe constructor either way.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _expanded_size(root: yaml.Node) -> int:
    """How many values `root` stands for once every alias is expanded (memoised per node: linear in the file)."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[yaml.Node] = [root]
    while stack:
        node = stack[-1]
        if id(node) in sizes:
            stack.pop()
            continue
        if isinstance(node, yaml.ScalarNode):
            sizes[id(node)] = 1
            stack.pop()
            continue
        kids = [x for kv in node.value for x in kv] if isinstance(node, yaml.MappingNode) else list(node.value)
        todo = [k for k in kids if id(k) not in sizes and id(k) not in open_nodes]
        if todo and id(node) not in open_nodes:
            open_nodes.add(id(node))
            stack.extend(todo)
            continue
        # children done (a child still open is a recursive alias: it counts once)
        sizes[id(node)] = min(1 + sum(sizes.get(id(k), 1) for k in kids), MAX_PACK_NODES + 1)
        open_nodes.discard(id(node))
        stack.pop()
    return sizes[id(root)]


def _duplicate_keys(root: yaml.Node) -> list[Problem]:
    """Keys given twice in one mapping (YAML would silently keep the last), with the line of the second."""
    problems: list[Problem] = []
    seen_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, str]] = [(root, "")]
    while stack:
        node, path = stack.pop()
        if id(node) in seen_nodes or isinstance(node, yaml.ScalarNode):
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            keys: set[str] = set()
            for k, v in node.value:
                key = str(getattr(k, "value", ""))
                where = f"{path}.{key}" if path else key
                if key in keys:
                    problems.append(Problem(where, "duplicate key (YAML keeps only the last one)", k.start_mark.line + 1))
                keys.add(key)
                stack.append((v, where))
        else:
            stack.extend((v, f"{path}.{i}" if path else str(i)) for i, v in enumerate(node.value))
    return sorted(problems, key=lambda p: p.line or 0)


def _yaml_problem(err: yaml.YAMLError) -> Problem:
    mark = getattr(err, "problem_mark", None)
    line = mark.line + 1 if mark is not None else None
    what = getattr(err, "problem", None) or str(err).splitlines()[0]
    return Problem("", f"not valid YAML: {str(what)[:200]}", line)


def _compose(text: str, source: str) -> tuple[yaml.Node, Any]:
    """Parse once: the node tree (for line numbers and checks) and the data built from it (safe types only)."""
    try:
        loader = _LOADER(text)
    except yaml.YAMLError as err:  # the reader rejects control characters up front
        raise ScenarioError(source, [_yaml_problem(err)]) from None
    try:
        root = loader.get_single_node()
        if root is None:
            raise ScenarioError(source, [Problem("", "the file is empty; expected a mapping of pack fields", 1)])
        if _expanded_size(root) > MAX_PACK_NODES:
            raise ScenarioError(source, [Problem("", f"YAML aliases expand to more than {MAX_PACK_NODES:,} values (an alias bomb?)", root.start_mark.line + 1)])
        dupes = _duplicate_keys(root)
        if dupes:
            raise ScenarioError(source, dupes)
        return root, loader.construct_document(root)
    except yaml.YAMLError as err:
        raise ScenarioError(source, [_yaml_problem(err)]) from None
    except RecursionError:
        raise ScenarioError(source, [Problem("", "YAML nested too deeply")]) from None
    finally:
        loader.dispose()


def parse_scenario(text: str, source: str = "<string>") -> Scenario:
    """Parse and validate a pack from YAML text. Raises ScenarioError listing every problem."""
    if len(text) > MAX_PACK_BYTES:
        raise ScenarioError(source, [Problem("", f"pack is {len(text):,} characters; the limit is {MAX_PACK_BYTES:,}")])
    root, data = _compose(text, source)
    if not isinstance(data, dict):
        raise ScenarioError(source, [Problem("", f"expected a mapping at the top level, got {type(data).__name__}", 1)])
    problems: list[Problem] = []
    pack = None
    try:
        pack = Scenario.model_validate(data)
    except ValidationError as err:
        for e in err.errors():
            loc = tuple(e["loc"])
            msg = e["msg"]
            if e["type"] == "missing":
                msg = "required field is missing"
            elif e["type"] == "extra_forbidden":
                msg = "unknown field (check the spelling)"
            elif e["type"] == "finite_number":
                msg = "must be a finite number (not .inf or .nan)"
            elif "input" in e and e["type"] != "value_error":
                msg = f"{msg} (got {short(e['input'])})"
            problems.append(Problem(_loc_path(loc), msg, _line_of(root, loc)))
    try:
        extra = cross_reference_problems(data) + authoring_problems(data)
    except (TypeError, AttributeError):
        # Mistyped sections (a list where a name belongs) can trip the raw-data checks; the schema errors above
        # already name them, and a pack that passed the schema has the right types.
        if pack is not None:
            raise
        extra = []
    for p in extra:
        loc = tuple(int(part) if part.isdigit() else part for part in p.path.split("."))
        problems.append(Problem(p.path, p.message, _line_of(root, loc)))
    if problems or pack is None:
        raise ScenarioError(source, problems)
    return pack


def read_pack_text(path: Path) -> str:
    """The text of a pack file: bounded in size, UTF-8 (a BOM is fine); otherwise one ScenarioError line."""
    try:
        size = path.stat().st_size
        if size > MAX_PACK_BYTES:
            raise ScenarioError(str(path), [Problem("", f"file is {size:,} bytes; the limit for a pack is {MAX_PACK_BYTES:,}")])
        raw = path.read_bytes()
    except OSError as err:
        raise ScenarioError(str(path), [Problem("", f"cannot read the file ({err.strerror or err})")]) from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ScenarioError(str(path), [Problem("", "the file is UTF-16; save the pack as UTF-8")])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise ScenarioError(str(path), [Problem("", f"not UTF-8 text (byte {err.start}); save the pack as UTF-8", line)]) from None


def builtin_scenarios() -> list[str]:
    """Ids of the packs that ship with protod."""
    files = resources.files(BUILTIN_PACKAGE).iterdir()
    return sorted(f.name[: -len(".yaml")] for f in files if f.name.endswith(".yaml"))


_CACHE: dict[str, Scenario] = {}


def load_scenario(id_or_path: str | Path) -> Scenario:
    """Load a built-in pack by id (e.g. 'merchant_recruitment') or a user-authored pack from a YAML path."""
    key = str(id_or_path)
    if key in _CACHE:  # only built-ins are cached: a user's file may change between calls
        return _CACHE[key]
    if re.fullmatch(r"[a-z][a-z0-9_]*", key) and key in builtin_scenarios():
        text = resources.files(BUILTIN_PACKAGE).joinpath(f"{key}.yaml").read_text(encoding="utf-8")
        _CACHE[key] = parse_scenario(text, source=f"{key}.yaml")
        return _CACHE[key]
    path = Path(key)
    if not path.is_file():
        raise ScenarioError(key, [Problem("", f"no built-in scenario or file by that name; built-ins are {builtin_scenarios()}")])
    return parse_scenario(read_pack_text(path), source=str(path))
