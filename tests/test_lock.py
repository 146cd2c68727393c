"""The locks agree with pyproject.toml and the Makefile: for each venv (.venv from requirements/lock.txt, .venv-vllm
from requirements/vllm-lock.txt), every dependency the Makefile's install asks for (pyproject's core + the named extras,
with the extras they pull in, + any requirement named beside them) has an exact pin in its lock that its specifier
allows, and the lock is a plain list of pins (no paths, hashes or protod). Reads files only: no network, no pip, no
vLLM venv.

`packaging` is pytest's own dependency, so it is present wherever the tests run."""

import re
import sys
import tomllib
from pathlib import Path
from typing import NamedTuple

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements" / "lock.txt"
VLLM_LOCK = ROOT / "requirements" / "vllm-lock.txt"
# What the main venv installs: `pip install -e '.[dev]'` (Makefile).
MAIN_EXTRAS = ("dev",)


class Venv(NamedTuple):
    rule: str  # the Makefile rule of its stamp, with the prerequisites it must have
    lock: Path
    lock_variable: str  # the lock's Makefile variable
    model_packages: str  # the Makefile variable naming its --no-deps packages
    refresh: str  # the make target that rewrites the lock
    must_pin: set[str]  # a few names its install asks for (so a misread Makefile line fails)


VENVS = {
    "main": Venv(
        "$(STAMP): pyproject.toml $(LOCK)\n",
        LOCK,
        "$(LOCK)",
        "MODEL_PACKAGES",
        "make lock",
        {"torch", "pydantic", "pytest"},
    ),
    "vllm": Venv(
        "$(VLLM_STAMP): pyproject.toml $(VLLM_LOCK)\n",
        VLLM_LOCK,
        "$(VLLM_LOCK)",
        "VLLM_MODEL_PACKAGES",
        "make lock-vllm",
        {"vllm-cpu", "torch", "transformers", "pytest"},
    ),
}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([0-9][A-Za-z0-9.!_-]*)$")


def declared_requirements(pyproject: dict, extras=MAIN_EXTRAS) -> list[Requirement]:
    """The core dependencies plus those of `extras`, following the project's references to its own extras
    (`protod[hf,openai]`), each extra once and each requirement once (torch is in several extras)."""
    project = pyproject["project"]
    name = canonicalize_name(project["name"])
    optional = project.get("optional-dependencies", {})
    found, seen, todo = [], set(), list(extras)
    for line in project.get("dependencies", []):
        found.append(Requirement(line))
    while todo:
        extra = todo.pop()
        if extra in seen:
            continue
        seen.add(extra)
        if extra not in optional:
            raise KeyError(f"pyproject.toml: no optional-dependencies extra {extra!r}")
        for line in optional[extra]:
            req = Requirement(line)
            if canonicalize_name(req.name) == name:
                todo.extend(sorted(req.extras))
            else:
                found.append(req)
    return list({str(req): req for req in found}.values())


def read_lock(text: str) -> dict[str, Version]:
    """Canonical name -> pinned version. Anything but `name==version` lines and comments is an error."""
    pins: dict[str, Version] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = PIN.match(line)
        if match is None:
            raise ValueError(f"lock line {number}: expected name==version, got {line!r}")
        key = canonicalize_name(match.group(1))
        if key in pins:
            raise ValueError(f"lock line {number}: {match.group(1)} pinned twice")
        pins[key] = Version(match.group(2))
    return pins


def disagreements(requirements: list[Requirement], pins: dict[str, Version]) -> list[str]:
    """One line per declared dependency the lock leaves unpinned or pins outside its specifier."""
    problems = []
    for req in requirements:
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue  # not for this platform, so not in a lock resolved here
        pinned = pins.get(canonicalize_name(req.name))
        if pinned is None:
            problems.append(f"{req}: not pinned in the lock")
        elif not req.specifier.contains(pinned, prereleases=True):
            problems.append(f"{req}: the lock pins {pinned}")
    return problems


def model_packages(makefile: str, variable: str = "MODEL_PACKAGES") -> list[str]:
    match = re.search(rf"^{variable}\s*:?=\s*(.+)$", makefile, re.MULTILINE)
    assert match, f"Makefile: no {variable} line"
    return match.group(1).split()


def stamp_installs(makefile: str, rule: str) -> list[str]:
    """The `pip install` lines of the recipe that follows `rule` (the stamp's target and prerequisites)."""
    recipe = makefile.split(rule, 1)
    assert len(recipe) == 2, f"Makefile: no rule {rule.strip()!r} (the venv's stamp must depend on its lock)"
    return [line for line in recipe[1].split("\n\n", 1)[0].splitlines() if "pip install" in line]


def quoted_requirements(install: str) -> tuple[tuple[str, ...], list[Requirement]]:
    """What a Makefile or lock.sh install names in single quotes: the project's extras (`'.[vllm-cpu]'`) and any
    other requirement (`'pytest>=8'`)."""
    extras, others = [], []
    for arg in re.findall(r"'([^']+)'", install):
        project = re.fullmatch(r"\.\[([^\]]*)\]", arg)
        if project:
            extras.extend(extra.strip() for extra in project.group(1).split(","))
        else:
            others.append(Requirement(arg))
    return tuple(extras), others


@pytest.mark.parametrize("venv", sorted(VENVS))
def test_pyproject_and_lock_agree(venv):
    spec = VENVS[venv]
    installs = stamp_installs((ROOT / "Makefile").read_text(), spec.rule)
    extras, others = quoted_requirements(installs[0])
    requirements = declared_requirements(tomllib.loads((ROOT / "pyproject.toml").read_text()), extras) + others
    assert spec.must_pin <= {canonicalize_name(r.name) for r in requirements}
    problems = disagreements(requirements, read_lock(spec.lock.read_text()))
    message = f"{spec.lock.name} disagrees with pyproject.toml (run `{spec.refresh}`):\n"
    assert not problems, message + "\n".join(problems)


@pytest.mark.parametrize("venv", sorted(VENVS))
def test_lock_pins_the_model_packages_and_not_protod(venv):
    spec = VENVS[venv]
    pins = read_lock(spec.lock.read_text())  # also: every line is an exact pin, none twice
    for package in model_packages((ROOT / "Makefile").read_text(), spec.model_packages):
        where = f"Makefile {spec.model_packages}"
        assert canonicalize_name(package) in pins, f"{package} ({where}) is not pinned in {spec.lock.name}"
    assert "protod" not in pins
    assert "pip" not in pins


@pytest.mark.parametrize("venv", sorted(VENVS))
def test_makefile_installs_from_the_lock(venv):
    spec = VENVS[venv]
    installs = stamp_installs((ROOT / "Makefile").read_text(), spec.rule)
    assert len(installs) == 2 and all(f"-c {spec.lock_variable}" in line for line in installs), installs


@pytest.mark.parametrize("venv", sorted(VENVS))
def test_lock_script_resolves_what_the_makefile_installs(venv):
    # `make lock(-vllm)` must resolve the install the stamp makes, or the lock would pin another set of packages.
    script = (ROOT / "requirements" / "lock.sh").read_text()
    match = re.search(rf"^\s*{venv}\)\n(?:\s*#.*\n)*\s*install=\(([^)]*)\)", script, re.MULTILINE)
    assert match, f"requirements/lock.sh: no install=(...) for {venv}"
    makefile = stamp_installs((ROOT / "Makefile").read_text(), VENVS[venv].rule)[0]
    assert re.findall(r"'[^']+'", match.group(1)) == re.findall(r"'[^']+'", makefile)


# The checks above must be able to fail: known answers on small made-up projects.

PYPROJECT = {
    "project": {
        "name": "demo-pkg",
        "dependencies": ["pydantic>=2.7,<3"],
        "optional-dependencies": {
            "hf": ["torch==2.13.0", "transformers>=5.0,<6"],
            "win": ["pywin32>=300; sys_platform == 'win32'"],
            "semantic": ["torch==2.13.0"],
            "dev": ["pytest>=8", "demo-pkg[hf,win,semantic]"],
        },
    }
}


def test_declared_requirements_follow_self_extras():
    names = sorted(str(r.name) for r in declared_requirements(PYPROJECT))
    assert names == ["pydantic", "pytest", "pywin32", "torch", "transformers"]
    assert [str(r.name) for r in declared_requirements(PYPROJECT, extras=())] == ["pydantic"]
    with pytest.raises(KeyError, match="nope"):
        declared_requirements(PYPROJECT, extras=("nope",))


def test_disagreements_known_answers():
    reqs = declared_requirements(PYPROJECT)
    good = read_lock("# c\npydantic==2.14.4\nPyTest==9.2.0\ntorch==2.13.0\ntransformers==5.25.0\n")
    # pywin32 is only for Windows: elsewhere a lock resolved there need not pin it.
    windows = ['pywin32>=300; sys_platform == "win32": not pinned in the lock'] if sys.platform == "win32" else []
    assert disagreements(reqs, good) == windows
    bad = read_lock("pydantic==3.0.0\npytest==9.2.0\ntorch==2.14.0\n")
    assert disagreements(reqs, bad) == [
        "pydantic<3,>=2.7: the lock pins 3.0.0",
        "torch==2.13.0: the lock pins 2.14.0",
        "transformers<6,>=5.0: not pinned in the lock",
    ]


def test_quoted_requirements_known_answers():
    extras, others = quoted_requirements("$(PY) -m pip install --quiet -c $(LOCK) -e '.[hf, openai]' 'pytest>=8'")
    assert extras == ("hf", "openai") and [str(r) for r in others] == ["pytest>=8"]
    assert quoted_requirements("$(PY) -m pip install -c $(LOCK) --no-deps $(MODEL_PACKAGES)") == ((), [])


def test_torch_pin_matches_a_local_build():
    # The lock drops local labels; pyproject's torch==2.13.0 must still accept the +cpu build and the plain pin.
    reqs = [Requirement("torch==2.13.0")]
    assert disagreements(reqs, {"torch": Version("2.13.0")}) == []
    assert disagreements(reqs, {"torch": Version("2.13.0+cpu")}) == []


@pytest.mark.parametrize(
    "line",
    ["-e /work/main", "protod @ file:///x", "torch>=2.13", "numpy==2.4.6 --hash=sha256:00", "torch==2.13.0+cpu"],
)
def test_read_lock_refuses_anything_but_pins(line):
    with pytest.raises(ValueError, match="lock line 2"):
        read_lock("# header\n" + line + "\n")


def test_read_lock_refuses_a_package_pinned_twice():
    with pytest.raises(ValueError, match="Jinja2 pinned twice"):
        read_lock("jinja2==3.1.6\nJinja2==3.1.6\n")
