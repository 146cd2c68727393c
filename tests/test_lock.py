"""requirements/lock.txt agrees with pyproject.toml: every dependency pyproject declares for the main venv (core + the
dev extra, with the extras dev pulls in) has an exact pin in the lock that its specifier allows, and the lock is a
plain list of pins (no paths, hashes or protod). Reads files only: no network, no pip.

`packaging` is pytest's own dependency, so it is present wherever the tests run."""

import re
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements" / "lock.txt"
# What the main venv installs: `pip install -e '.[dev]'` (Makefile).
MAIN_EXTRAS = ("dev",)
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


def model_packages(makefile: str) -> list[str]:
    match = re.search(r"^MODEL_PACKAGES\s*:?=\s*(.+)$", makefile, re.MULTILINE)
    assert match, "Makefile: no MODEL_PACKAGES line"
    return match.group(1).split()


def test_pyproject_and_lock_agree():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    requirements = declared_requirements(pyproject)
    assert {"torch", "transformers", "pydantic", "pytest"} <= {canonicalize_name(r.name) for r in requirements}
    problems = disagreements(requirements, read_lock(LOCK.read_text()))
    assert not problems, "requirements/lock.txt disagrees with pyproject.toml (run `make lock`):\n" + "\n".join(problems)


def test_lock_pins_the_model_packages_and_not_protod():
    pins = read_lock(LOCK.read_text())  # also: every line is an exact pin, none twice
    for package in model_packages((ROOT / "Makefile").read_text()):
        assert canonicalize_name(package) in pins, f"{package} (Makefile MODEL_PACKAGES) is not pinned in the lock"
    assert "protod" not in pins
    assert "pip" not in pins


def test_makefile_installs_from_the_lock():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("$(STAMP): pyproject.toml $(LOCK)\n", 1)
    assert len(recipe) == 2, "the venv stamp must depend on the lock"
    installs = [line for line in recipe[1].split("\n\n", 1)[0].splitlines() if "pip install" in line]
    assert len(installs) == 2 and all("-c $(LOCK)" in line for line in installs), installs


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
