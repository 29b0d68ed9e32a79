"""The `pwlkit` command line: a thin layer over the functions the notebooks call.

Each sub-command lives in its own module with ``register(subparsers)`` that adds a parser whose
``func(args) -> int`` does the work.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Mapping
from typing import Any

from pwlkit.checks import BadParameter, Folder, check_params, cli_option

COMMAND_MODULES = ("benchmarks", "fit", "study", "search", "report", "findings")

DATA_DIR = Folder(exists=True)
"""``--data-dir``: a folder that exists (a mistyped one is an error, not an empty search)."""


class UserError(BadParameter):
    """A problem with the user's input: printed as one clear line, exit status 2."""


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
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (BadParameter, KeyError, ValueError, FileNotFoundError) as exc:
        msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"pwlkit {args.command}: error: {msg}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `pwlkit study status ... | head -1`: the reader left, not an error
        _silence_stdout()
        return 141  # 128 + SIGPIPE, what a shell reports for a command cut off this way


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
