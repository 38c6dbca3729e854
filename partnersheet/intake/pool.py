"""Reading many files: in two worker processes for a large batch, results streamed back as read,
and one file that kills its reader costs only that file."""

from __future__ import annotations

import gc
import hashlib
import os
import threading
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path

from ..spec import TemplateRegistry, as_registry
from .problems import ProblemCode, make_problem
from .read import Submission, Unreadable, read_submission

PARALLEL_FROM = 150  # below this, starting worker processes costs more than it saves
CHUNK = 16


def read_many(
    paths: list[Path], workers: int | None = None, templates: TemplateRegistry | None = None
) -> Iterator[Submission | Unreadable]:
    """Read files, in two processes for big batches; results stream back as they finish.

    The registry pickles as its folders, so worker processes know the same user templates.
    A file that kills the process reading it (a crash in a native library, memory exhausted)
    must not cost the others their results: when the pool breaks, the files that were being read
    at that moment are read again each in a process of its own, the one that breaks again is
    reported as ``reader-crashed``, and the rest of the batch goes on in a fresh pool.
    """
    registry = as_registry(templates)
    if workers is None:
        workers = min(2, os.cpu_count() or 1) if len(paths) >= PARALLEL_FROM else 1
    with gc_paused():  # reading makes many small objects that all stay alive
        if workers <= 1:
            for path in paths:
                yield read_submission(path, registry)
            return
        todo = list(paths)
        while todo:
            suspects: list[Path] = []
            yield from _pooled(todo, workers, suspects, registry)
            for path in suspects:
                yield _read_alone(path, registry)


_PAUSES = threading.Lock()
_paused = 0  # how many gc_paused blocks are running, in any thread
_was_enabled = False


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: for work that builds many objects that stay alive.

    Each full collection walks every live object, and a batch's answers are hundreds of thousands
    of them, all alive until the end: collecting is wasted work (about a tenth of a compile). The
    objects made and dropped are freed by reference counting as ever; the few cycles (XlsxWriter's
    workbook and its sheets refer to each other) wait for the next collection after it. The setting
    is the process's: blocks running at once (nested, or in two threads) are counted, and the
    collector is put back as the first of them found it only when the last one ends.
    """
    global _paused, _was_enabled
    with _PAUSES:
        if _paused == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _PAUSES:
            _paused -= 1
            if _paused == 0 and _was_enabled:
                gc.enable()


def _read_chunk(paths: list[Path], registry: TemplateRegistry) -> list[Submission | Unreadable]:
    return [read_submission(path, registry) for path in paths]


def _pooled(
    todo: list[Path], workers: int, suspects: list[Path], registry: TemplateRegistry
) -> Iterator[Submission | Unreadable]:
    """Read ``todo`` in a pool, a few chunks in flight at a time, removing each file from it as it is read.

    If the pool breaks, the files of the chunks in flight are moved to ``suspects`` and the rest
    stay in ``todo``.
    """
    chunks = [todo[i : i + CHUNK] for i in range(0, len(todo), CHUNK)]
    todo.clear()
    in_flight: dict[Future[list[Submission | Unreadable]], list[Path]] = {}
    with ProcessPoolExecutor(workers) as pool:
        try:
            while chunks or in_flight:
                while chunks and len(in_flight) < 2 * workers:
                    chunk = chunks.pop(0)
                    in_flight[pool.submit(_read_chunk, chunk, registry)] = chunk
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in done:
                    results = future.result()  # raises BrokenProcessPool when a worker died
                    del in_flight[future]
                    yield from results
        except BrokenProcessPool:
            for future, chunk in in_flight.items():
                if future.done() and future.exception() is None:
                    yield from future.result()
                else:
                    suspects.extend(chunk)
            todo.extend(path for chunk in chunks for path in chunk)


def _read_alone(path: Path, registry: TemplateRegistry) -> Submission | Unreadable:
    """Read one file in a process of its own; if that process dies, the file is the reason."""
    with ProcessPoolExecutor(1) as pool:
        try:
            return pool.submit(read_submission, path, registry).result()
        except BrokenProcessPool:
            pass
    name = str(path)
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        digest = ""
    detail = "the reading process was ended by the operating system"
    return Unreadable(name, digest, make_problem(ProblemCode.READER_CRASHED, name, detail=detail))
