"""The `pwlkit` command line: a thin layer over the functions the notebooks call.

Each sub-command lives in its own module with ``register(subparsers)`` that adds a parser whose
``func(args) -> int`` does the work, and optionally ``kept(args) -> str``: what a run that
stops early keeps (said on stderr after Ctrl-C, SIGTERM or a failure such as a full disk).

`main` handles every command's failures the same way (`failure_line`): one line on stderr
and a non-zero exit status, never a traceback, for bad input (exit status 2), a file or folder
that cannot be read or written, a full disk, an unreachable Dask scheduler, a damaged file
(exit status 1 for those that are not the input's fault), and an interrupt (130 for SIGINT,
143 for SIGTERM). Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import importlib
import os
import signal
import sys
from collections.abc import Iterator, Mapping
from typing import Any

from pwlkit.checks import BadParameter, Folder, check_params, cli_option

COMMAND_MODULES = ("benchmarks", "fit", "study", "search", "report", "findings")

DATA_DIR = Folder(exists=True)
"""``--data-dir``: a folder that exists (a mistyped one is an error, not an empty search)."""


class UserError(BadParameter):
    """A problem with the user's input: printed as one clear line, exit status 2."""


class CommandFailed(Exception):
    """A command that could not finish (failed jobs): printed as one line, exit status 1."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the main thread is, so it unwinds like Ctrl-C: running jobs are
    stopped and everything finished stays stored."""


def check_options(
    values: Mapping[str, Any],
    constraints: Mapping[str, Any],
    names: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Check command-line options against their declared constraints (`pwlkit.checks`), before
    any work; ``None`` is an option not given. Errors name the option (``train_size`` is
    ``--train-size``, or ``names[key]``) and raise `UserError`."""
    return check_params(
        values,
        constraints,
        names=lambda key: (names or {}).get(key, cli_option(key)),
        error=UserError,
        skip_none=True,
    )


def add_device_option(parser: argparse.ArgumentParser) -> None:
    """``--device``: where predictors train and score (the same option on every command)."""
    parser.add_argument(
        "--device",
        default=None,
        help="cpu (default), cuda, cuda:N or auto (the GPU when torch sees one)",
    )


def check_device(device: str | None) -> str | None:
    """The resolved ``--device`` (None: not given); a missing GPU is a one-line error."""
    if device is None:
        return None
    from pwlkit.train.device import resolve_device

    return str(resolve_device(device, "--device"))


def warn(command: str, message: str) -> None:
    """One line on stderr: ``pwlkit COMMAND: warning: MESSAGE``."""
    print(f"pwlkit {command}: warning: {message}", file=sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pwlkit", description="Loss functions for predictor-based NAS: data, fits, studies."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for mod_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"pwlkit.cli.{mod_name}_cmd")
        except ModuleNotFoundError as exc:
            if exc.name != f"pwlkit.cli.{mod_name}_cmd":
                raise
            continue
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; its failures become one line on stderr (`failure_line`)."""
    args = build_parser().parse_args(argv)
    try:
        with _sigterm_raises():
            return int(args.func(args) or 0)
    except BrokenPipeError:  # `pwlkit study status ... | head -1`: the reader left, not an error
        _silence_stdout()
        return 141  # 128 + SIGPIPE, what a shell reports for a command cut off this way
    except KeyboardInterrupt as exc:
        how = "stopped by SIGTERM" if isinstance(exc, Terminated) else "interrupted"
        print(f"pwlkit {args.command}: {how}{_kept(args, ': ')}", file=sys.stderr)
        return 143 if isinstance(exc, Terminated) else 130
    except Exception as exc:  # known failures in one line (failure_line), the rest re-raised
        failure = failure_line(exc)
        if failure is None:
            raise
        status, text = failure
        note = _kept(args, "; ") if status == 1 else ""
        print(f"pwlkit {args.command}: error: {text}{note}", file=sys.stderr)
        return status


def _kept(args: argparse.Namespace, sep: str) -> str:
    """``sep`` and what a stopped run kept, as the command says (its ``kept(args)``), or ""."""
    kept = getattr(args, "kept", None)
    note = kept(args) if callable(kept) else None
    return f"{sep}{note}" if note else ""


def failure_line(exc: BaseException) -> tuple[int, str] | None:
    """(exit status, one line) for a failure that is not a bug, or None (show the traceback).

    2: the input cannot be used (a bad option or file, a path that is missing or not
    writable, a damaged file). 1: the command could not finish (a full disk, a Dask
    scheduler out of reach, evaluations or jobs that failed).
    """
    if isinstance(exc, KeyError) and exc.args:
        return 2, _one_line(exc.args[0])
    if isinstance(exc, (BadParameter, ValueError, EOFError)):
        return 2, _one_line(exc)
    if isinstance(exc, (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError)):
        return 2, _one_line(_describe_os_error(exc))
    if isinstance(exc, (OSError, CommandFailed)):
        return 1, _one_line(_describe_os_error(exc) if isinstance(exc, OSError) else exc)
    if _is_damaged_file(exc):
        return 2, _one_line(f"a damaged file: {type(exc).__name__}: {exc}")
    stopped = sys.modules.get("pwlkit.search.checkpoint")
    if stopped is not None and isinstance(exc, stopped.SearchStopped):
        return 1, _one_line(exc)
    return None


def _describe_os_error(exc: OSError) -> str:
    """An OSError as one sentence: what failed and on which file; on a full disk, what to do."""
    if exc.strerror is None:
        text = str(exc)  # pwlkit's own sentence (a folder it cannot write, a scheduler)
    else:
        text = exc.strerror + (f": {exc.filename}" if exc.filename is not None else "")
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        text += " (free some space and run again)"
    return text


def _is_damaged_file(exc: BaseException) -> bool:
    """A file that exists but cannot be parsed (YAML, pickle, zip, parquet)."""
    import pickle
    import zipfile

    yaml = sys.modules.get("yaml")
    kinds: tuple[type, ...] = (pickle.UnpicklingError, zipfile.BadZipFile)
    if yaml is not None:
        kinds += (yaml.YAMLError,)
    return isinstance(exc, kinds)


def _one_line(message: object) -> str:
    """A message on one line (YAML and Arrow errors span several)."""
    return " ".join(str(message).split())


@contextlib.contextmanager
def _sigterm_raises() -> Iterator[None]:
    """While a command runs, SIGTERM raises `Terminated` (a KeyboardInterrupt) as Ctrl-C
    raises KeyboardInterrupt, so both stop the same way and say what was kept."""

    def terminate(signum, frame):
        raise Terminated()

    try:
        previous = signal.signal(signal.SIGTERM, terminate)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again (the
    recipe of the Python docs for SIGPIPE)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real file behind stdout (tests)
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
