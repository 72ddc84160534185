"""The results file: one reader and one policy for every command that reads it.

A results file is JSON Lines, one record per line: an article's facts
(:class:`~factsift.schema.ArticleFacts`) or an error record (``id``,
``source``, ``error``), each with the ``key`` of its article. The policy,
the same for ``batch``, ``show``, ``report``, ``export`` and ``eval``:

- The last line for a key wins: a ``--retry-failed`` run that was
  interrupted may have left an old error line and the new result under one
  key; the result is what counts. A record without a key stands alone.
- A line that is not a record (not JSON, not an object, or, for
  :func:`read_results`, not a valid result) is skipped, and all such lines
  are reported once, in one warning that names them by line number. Blank
  lines are passed over.

The writer's side (:class:`ResultsFile`) is stricter: factsift only appends
to, repairs or compacts a file whose every line is a factsift record, except
for a cut-off last line, which is what a killed run leaves behind.

Annotation files (gold, ECB+ topics) are JSON Lines too, but hand-made: they are
read strictly (:func:`read_json_objects`), and a bad line is an error naming it.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

from pydantic import ValidationError

from factsift.errors import OutputError
from factsift.schema import ArticleFacts

__all__ = ["ResultsWarning", "read_records", "read_results"]

Status = Literal["ok", "partial", "error"]


class ResultsWarning(UserWarning):
    """Lines of a results file that were skipped, named by number."""


@dataclass(frozen=True)
class BadLine:
    """A line that is not a factsift record, and why."""

    number: int
    reason: str


def record_status(record: object) -> Status | None:
    """``ok``, ``partial`` or ``error`` for a factsift record; None for anything else.

    A light check of the shape (the fields every record has), not a full
    validation: it runs on every line when a run resumes.
    """
    if not isinstance(record, dict) or not isinstance(record.get("id"), str):
        return None
    key = record.get("key")
    if key is not None and not isinstance(key, str):
        return None
    if "error" in record:
        return "error" if isinstance(record["error"], str) else None
    if not all(isinstance(record.get(name), str) for name in ("text", "model", "strategy")):
        return None
    if not isinstance(record.get("prompt"), dict):
        return None
    return "partial" if record.get("partial") is True else "ok"


def _parse(line: bytes, *, strict: bool = True) -> tuple[dict[str, Any] | None, Status | str]:
    """The record on ``line`` and its status, or None and why it is not one.

    ``strict``: only what factsift writes (see :func:`record_status`); else any
    JSON object (readers of results, which may also be hand-made predictions).
    """
    try:
        record = json.loads(line)
    except ValueError as err:  # JSONDecodeError and UnicodeDecodeError alike
        return None, f"not JSON ({getattr(err, 'msg', err)})"
    if not strict and isinstance(record, dict):
        return record, "error" if "error" in record else "ok"
    status = record_status(record)
    if status is None:
        return None, "not a factsift record" if strict else "not a JSON object"
    return record, status


@dataclass
class Scan:
    """What one pass over a results file found, without keeping the records."""

    lines: int = 0
    #: key -> (line number, status) of the last line for that key.
    latest: dict[str, tuple[int, Status]] = field(default_factory=dict)
    bad: list[BadLine] = field(default_factory=list)
    #: Lines a later line of the same key replaces.
    superseded: int = 0
    #: The last line has no newline: a run was killed while writing it.
    cut_off: bool = False

    def status(self, key: str) -> Status | None:
        held = self.latest.get(key)
        return held[1] if held is not None else None


def scan_results(path: str | Path) -> Scan:
    """Read ``path`` once, keeping only each key's last line and status (flat memory)."""
    scan = Scan()
    with Path(path).open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            scan.lines = number
            scan.cut_off = not line.endswith(b"\n")
            if not line.strip():
                continue  # no data, and none lost: not worth refusing a file for
            record, status = _parse(line)
            if record is None:
                scan.bad.append(BadLine(number, status))
                continue
            key = record.get("key")
            if isinstance(key, str):
                scan.superseded += key in scan.latest
                scan.latest[key] = (number, status)  # type: ignore[assignment]
    return scan


def _report(path: str | Path, bad: list[BadLine]) -> None:
    if not bad:
        return
    shown = ", ".join(f"{b.number} ({b.reason})" for b in bad[:10])
    more = f" and {len(bad) - 10} more" if len(bad) > 10 else ""
    warnings.warn(
        ResultsWarning(f"{path}: skipped {len(bad)} line(s) that are not results: {shown}{more}"),
        stacklevel=4,
    )


def read_records(path: str | Path) -> list[dict[str, Any]]:
    """The records of a results file as dicts, in file order: the last line per key.

    Lines that are not factsift records are skipped and reported once
    (a :class:`ResultsWarning`). Raises OSError when the file cannot be read.
    """
    return [record for record, _ in _read(path, validate=False)]


def read_results(path: str | Path) -> list[ArticleFacts | dict[str, Any]]:
    """Like :func:`read_records`, with each article's facts as :class:`ArticleFacts`
    (error records stay dicts); a record that does not validate counts as a bad line."""
    return [item for _, item in _read(path, validate=True)]


def _read(
    path: str | Path, *, validate: bool
) -> list[tuple[dict[str, Any], ArticleFacts | dict[str, Any]]]:
    kept: dict[object, tuple[int, dict[str, Any], ArticleFacts | dict[str, Any]]] = {}
    bad: list[BadLine] = []
    with Path(path).open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            record, status = _parse(line, strict=False)
            if record is None:
                bad.append(BadLine(number, status))
                continue
            item: ArticleFacts | dict[str, Any] = record
            if validate and status != "error":
                try:
                    item = ArticleFacts.model_validate(record)
                except ValidationError as err:
                    first = err.errors()[0]
                    where = ".".join(str(part) for part in first["loc"]) or "record"
                    bad.append(BadLine(number, f"not a valid result: {where}: {first['msg']}"))
                    continue
            key = record.get("key")
            slot: object = key if isinstance(key, str) else ("line", number)
            kept.pop(slot, None)  # re-inserted: dicts keep insertion order
            kept[slot] = (number, record, item)
    _report(path, bad)
    return [(record, item) for _, record, item in sorted(kept.values(), key=lambda k: k[0])]


def read_json_objects(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each JSON object of a JSON Lines file, with its line number; blank lines are passed over.

    Strict, for files written by hand (gold annotations): a line that is not a JSON
    object raises ValueError naming the file and the line.
    """
    with Path(path).open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: not valid JSON: {exc.msg}") from None
            if not isinstance(record, dict):
                raise ValueError(f"{path}:{number}: expected a JSON object per line")
            yield number, record


# --------------------------------------------------------------------------- writing


class ResultsFile:
    """A results file that a batch appends to: checked, locked, repaired, compacted.

    ``open()`` takes an advisory lock on ``<output>.lock`` (a second run on the
    same output stops at once), refuses a file that factsift did not write, cuts
    away a cut-off last line and compacts the file to one line per key when an
    interrupted ``--retry-failed`` left two. Use it as a context manager.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        # Beside the real file: every spelling of the output (a symlink, ./x) shares
        # one lock, and the compacted copy is renamed within one filesystem.
        real = Path(os.path.realpath(path))
        self._real = real
        self.lock_path = real.with_name(real.name + ".lock")
        self.tmp_path = real.with_name(real.name + ".tmp")
        self._lock: IO[bytes] | None = None
        self.scan = Scan()

    # -- the lock ----------------------------------------------------------

    def lock(self) -> None:
        """Take the output's lock, or raise OutputError naming who holds it."""
        try:
            handle = self.lock_path.open("a+b")
        except OSError as err:
            raise OutputError(
                f"{self.path}: cannot create its lock file {self.lock_path.name} "
                f"({err.strerror}); write the output to a folder you can write to"
            ) from err
        try:
            held = _try_lock(handle)
        except OSError as err:
            if err.errno not in (errno.ENOLCK, errno.ENOSYS, errno.EOPNOTSUPP):
                handle.close()
                raise
            # A filesystem without locks (some NFS setups): go on, unprotected.
            warnings.warn(
                ResultsWarning(
                    f"{self.path}: the filesystem cannot lock files ({err.strerror}); "
                    "a second run on this output would not be noticed"
                ),
                stacklevel=2,
            )
            held = True
        if not held:
            holder = _read_pid(self.lock_path)
            handle.close()
            who = f" (process {holder})" if holder else ""
            raise OutputError(
                f"{self.path} is being written by another factsift run{who}; "
                "wait for it to finish, or write to another file with -o"
            )
        with contextlib.suppress(OSError):  # the pid only makes the message better
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n".encode())
            handle.flush()
        self._lock = handle

    def unlock(self) -> None:
        if self._lock is not None:
            # The lock file stays: removing it would let a third run lock a new
            # file while a second still waits on the old one.
            with contextlib.suppress(OSError):
                self._lock.seek(0)
                self._lock.truncate()
            self._lock.close()  # closing releases the lock
            self._lock = None

    # -- checking and repairing -------------------------------------------

    def prepare(self) -> Scan:
        """Check the file is factsift's, repair a cut-off last line, compact
        superseded lines; the scan of what is in it (empty for a new file).

        Raises OutputError, with the file untouched, if any line (but a
        cut-off last one) is not a factsift record.
        """
        if not self.path.exists():
            self.scan = Scan()
            return self.scan
        if not self.path.is_file():
            raise OutputError(f"{self.path} is not a regular file; choose a file with -o")
        try:
            scan = scan_results(self.path)
        except OSError as err:
            raise OutputError(f"{self.path}: cannot read it ({err.strerror})") from err
        tail = scan.bad[-1] if scan.cut_off and scan.bad else None
        if tail is not None and tail.number == scan.lines and self._cut_off_record(tail):
            bad = scan.bad[:-1]
        else:
            bad, tail = scan.bad, None
        if bad:
            first = bad[0]
            raise OutputError(
                f"{self.path} was not written by factsift (line {first.number}: {first.reason}); "
                "it was left as it is: choose another output file with -o"
            )
        if scan.cut_off:
            with self.path.open("rb+") as raw:
                if tail is not None:  # a killed run's last line: cut away, its article redone
                    data = raw.read()
                    raw.truncate(data.rfind(b"\n") + 1)
                else:  # a whole record that only lost its newline
                    raw.seek(0, os.SEEK_END)
                    raw.write(b"\n")
                raw.flush()
                os.fsync(raw.fileno())
        if scan.superseded:
            self.compact()
        if scan.cut_off or scan.superseded:
            scan = scan_results(self.path)
        self.scan = scan
        return scan

    def _cut_off_record(self, tail: BadLine) -> bool:
        # What a killed run leaves: the start of a record, not valid JSON. A whole
        # JSON value that is not a record is someone else's line.
        if not tail.reason.startswith("not JSON"):
            return False
        with self.path.open("rb") as handle:
            for number, line in enumerate(handle, start=1):
                if number == tail.number:
                    return _RECORD_START.match(line) is not None
        return False

    def compact(self) -> None:
        """Keep the last line per key (and every unkeyed record), in file order.

        Written to a temporary file, synced and renamed over the original,
        then the folder is synced: a crash leaves the old file or the new one.
        """
        scan = scan_results(self.path)
        if not scan.superseded:
            return
        winners = {number for number, _ in scan.latest.values()}
        with self.path.open("rb") as source, self.tmp_path.open("wb") as target:
            for number, line in enumerate(source, start=1):
                record, _ = _parse(line)
                key = record.get("key") if record is not None else None
                if not isinstance(key, str) or number in winners:
                    target.write(line)
            target.flush()
            os.fsync(target.fileno())
        os.replace(self.tmp_path, self._real)
        _sync_folder(self._real.parent)

    # -- appending ---------------------------------------------------------

    def open(self) -> IO[str]:
        return self.path.open("a", encoding="utf-8")

    def __enter__(self) -> ResultsFile:
        if self.path.exists() and not self.path.is_file():  # before a lock file is made
            raise OutputError(f"{self.path} is not a regular file; choose a file with -o")
        self.lock()
        try:
            self.prepare()
        except BaseException:
            self.unlock()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.unlock()

    def close(self) -> None:
        """Release the lock (for ``contextlib.closing``)."""
        self.unlock()


#: How every record factsift writes begins (compact or spaced JSON).
_RECORD_START = re.compile(rb'^\{"id": ?"')


def _try_lock(handle: IO[bytes]) -> bool:
    """Lock ``handle`` without waiting; False if another process holds it."""
    if sys.platform == "win32":  # pragma: no cover - Windows only
        import msvcrt

        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError as err:
            if err.errno in (errno.EACCES, errno.EDEADLK):
                return False
            raise
        return True
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as err:
        if err.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
            return False
        raise
    return True


def _read_pid(path: Path) -> int | None:
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


def _sync_folder(folder: Path) -> None:
    # The rename is durable once the folder's entry is; not possible on Windows.
    if sys.platform == "win32":  # pragma: no cover
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
