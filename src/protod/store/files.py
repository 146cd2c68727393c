"""Files protod writes and reads back: written whole (temp name, then rename), read through a pydantic model, and one
run per output directory at a time (a lock).

A reader refuses a damaged or foreign file with one line naming the file, the field and what to do; a writer that
fails (full disk, no permission) names the file and says the previous version is intact. Both raise ValueError, which
the CLI prints as its one `error:` line (exit 2).
"""

from __future__ import annotations

import errno
import re
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

M = TypeVar("M", bound=BaseModel)
MAX_RUN_FILE_BYTES = 64 * 2**20  # a run file is a few KB; more is not one protod wrote (and would stall the reader)
LOCK_FILE = ".protod.lock"


class WriteFailed(ValueError):
    """A file could not be written (disk full, no permission); what was there before is unchanged.

    `resumable`: the run can continue where it stopped once the cause is fixed (the CLI then says how)."""

    def __init__(self, message: str, resumable: bool = False):
        super().__init__(message)
        self.resumable = resumable

    def __reduce__(self):  # crosses from a demo's training worker with its flag
        return type(self), (str(self), self.resumable)


# The OS errors of a write that cannot be done (as opposed to a missing input): disk full, a file-size or disk quota,
# a read-only file system, no permission.
WRITE_ERRNOS = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM)
FULL_ERRNOS = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EROFS)  # only a write meets these


def write_failed(path: Path | str, e: OSError, intact: str = "the previous version is intact",
                 resumable: bool = False) -> WriteFailed:
    reason = "disk full" if e.errno == errno.ENOSPC else e.strerror or type(e).__name__
    return WriteFailed(f"{path}: cannot write it ({reason}); {intact}", resumable)


@contextmanager
def writing(path: Path | str, intact: str, resumable: bool = True, errnos: tuple[int, ...] = WRITE_ERRNOS) -> Iterator[None]:
    """Turn a failed write inside the block (disk full, no permission, also an OS error carried only in a Rust
    library's message) into one WriteFailed naming the file (the OS error's own file when it names one)."""
    try:
        yield
    except WriteFailed:
        raise
    except Exception as e:
        err = os_error_of(e)
        if err is None or err.errno not in errnos:
            raise
        raise write_failed(getattr(err, "filename", None) or path, err, intact, resumable) from None


def os_error_of(e: BaseException) -> OSError | None:
    """The OS error behind `e`: an OSError, or the Rust libraries' (tokenizers, safetensors) plain exceptions that
    carry one only in their text, "... (os error 28)"."""
    if isinstance(e, OSError):
        return e
    m = re.search(r"\(os error (\d+)\)", str(e))
    if m:
        code = int(m.group(1))
        return OSError(code, os.strerror(code))
    return None


def atomic_write_text(path: Path, text: str, intact: str = "the previous version is intact",
                      resumable: bool = False) -> None:
    """Replace `path` with `text` whole: written to a temporary name beside it, then renamed over it, so a full disk
    or a kill leaves the old file as it was (never a truncated one). A failure is a WriteFailed saying `intact`."""
    atomic_save(path, lambda tmp: tmp.write_text(text, encoding="utf-8"), intact, resumable)


def atomic_write_json(path: Path, value: Any, intact: str = "the previous version is intact",
                      resumable: bool = False) -> None:
    atomic_write_text(path, json.dumps(value, indent=2) + "\n", intact, resumable)


def atomic_save(path: Path, save: Any, intact: str = "the previous version is intact", resumable: bool = False) -> None:
    """`save(tmp)` writes the file under a temporary name beside `path` (a figure's savefig, a text); it is then
    synced and renamed over `path`. On failure the temporary file is removed and `path` is as it was."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        save(tmp)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError as e:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        raise write_failed(path, e, intact, resumable) from None


def _field(loc: tuple[Any, ...]) -> str:
    # a key with a line break or other control character in it is shown escaped: the error stays one line
    return ".".join(s if (s := str(x)).isprintable() else repr(s) for x in loc) or "(top level)"


def read_model(path: Path, model: type[M], todo: str) -> M:
    """`path` parsed as JSON and validated by `model`; a missing, unreadable or malformed file is a ValueError naming
    the file, the first bad field and `todo` (what the user can do about it)."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_RUN_FILE_BYTES:
            raise ValueError(f"{path}: larger than {MAX_RUN_FILE_BYTES // 2**20} MB, not a file protod wrote; {todo}")
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{path}: missing; {todo}") from None
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not UTF-8 text; {todo}") from None
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}:{e.lineno}: not valid JSON ({e.msg}); {todo}") from None
    except RecursionError:
        raise ValueError(f"{path}: nested too deeply to read; {todo}") from None
    return validate(raw, model, str(path), todo)


def read_jsonl(path: Path, model: type[M], todo: str) -> list[M]:
    """Every line of a JSON-lines log validated by `model`. A torn last line (a kill mid-write) is dropped; any other
    bad line is an error naming its number."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not UTF-8 text; {todo}") from None
    out = []
    numbered = [(i, line) for i, line in enumerate(lines, 1) if line.strip()]
    for i, line in numbered:
        try:
            raw = json.loads(line)
        except (json.JSONDecodeError, RecursionError):
            if i == numbered[-1][0]:
                break  # torn by a kill: that step is redone
            raise ValueError(f"{path}:{i}: not valid JSON; {todo}") from None
        out.append(validate(raw, model, f"{path}:{i}", todo))
    return out


def validate(raw: Any, model: type[M], where: str, todo: str) -> M:
    try:
        return model.validate_python(raw) if isinstance(model, TypeAdapter) else model.model_validate(raw)
    except ValidationError as e:
        first = e.errors()[0]
        first["msg"] = re.sub(r" or instance of \w+", "", first["msg"])  # the model's class name means nothing to a user
        more = f" (and {e.error_count() - 1} more)" if e.error_count() > 1 else ""
        raise ValueError(f"{where}: {_field(first['loc'])}: {first['msg']}{more}; {todo}") from None
    except RecursionError:
        raise ValueError(f"{where}: nested too deeply to read; {todo}") from None


# -- one run per directory -----------------------------------------------------------------------------------------
class RunLocked(ValueError):
    """Another protod process is writing into this output directory."""


@contextmanager
def run_lock(out_dir: Path, command: str) -> Iterator[None]:
    """Hold `out_dir` for this process: a second run (demo, train, eval, ...) into the same directory is refused at once
    instead of interleaving its logs and transcripts with the first. The lock is the kernel's (flock), so a killed
    run never leaves a stale one; the file is removed on a clean exit."""
    import fcntl

    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f"{out_dir}: exists and is not a directory; --out must be a directory")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise write_failed(out_dir, e, "nothing was written") from None
    path = out_dir / LOCK_FILE
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            raise write_failed(path, e, "nothing was written") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.read(fd, 200).decode("utf-8", "replace").strip() or "another protod process"
            os.close(fd)
            raise RunLocked(f"{out_dir}: in use by {holder}; wait for it to finish (or stop it), or use another --out") from None
        try:  # the file we locked may have been removed by a run that just finished: lock the one on disk
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                break
        except FileNotFoundError:
            pass
        os.close(fd)
    os.ftruncate(fd, 0)
    os.write(fd, f"`protod {command}` (pid {os.getpid()})".encode())
    try:
        yield
    finally:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass
        os.close(fd)
