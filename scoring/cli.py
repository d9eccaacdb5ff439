"""Command line: ``python -m scoring score|validate|metrics``.

Exit codes: 0 success (and a valid submission), 2 invalid submission (problems
as JSON on stdout), 1 solution or usage error (one line on stderr).  Nothing
ever prints a traceback.
"""
from __future__ import annotations

import argparse
import json
import sys

from .api import score_submission, validate_submission
from .metrics import METRICS
from .metrics.registry import plugin_problems
from .problems import SubmissionError

EXIT_OK, EXIT_ERROR, EXIT_INVALID = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse would exit 2, which here means "invalid submission"
        raise _UsageError(message)


class _UsageError(Exception):
    pass


def _parser(prog: str = "python -m scoring") -> argparse.ArgumentParser:
    parser = _Parser(prog=prog, description="Score Kaggle-style submissions offline.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, text in (("score", "score a submission"), ("validate", "check a submission without scoring")):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("--solution", required=True, help="solution CSV (.csv, .csv.gz or .zip)")
        sub.add_argument("--submission", required=True, help="submission CSV (.csv, .csv.gz or .zip)")
        sub.add_argument("--metric", required=True, help="metric name (see: python -m scoring metrics)")
        sub.add_argument(
            "--param", action="append", default=[], metavar="K=V",
            help="metric parameter, repeatable (labels=cat,dog,bird declares the labels)",
        )
        sub.add_argument("--id-column", default=None, help="id column name (default: the solution's first column)")
    listing = commands.add_parser("metrics", help="list the metrics")
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return parser


def _params(pairs) -> dict:
    params = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise _UsageError(f"--param expects NAME=VALUE, got {pair!r}")
        params[name.strip()] = value.strip()
    return params


def _print_json(data) -> None:
    sys.stdout.write(json.dumps(data, indent=2, allow_nan=False) + "\n")


def _run(args) -> int:
    if args.command == "metrics":
        return _list_metrics(args.json)
    params = _params(args.param)
    if args.id_column is not None:
        params["id_column"] = args.id_column
    if args.command == "validate":
        problems = validate_submission(args.solution, args.submission, args.metric, **params)
        _print_json({"valid": not problems, "problems": [p.to_dict() for p in problems]})
        return EXIT_INVALID if problems else EXIT_OK
    try:
        result = score_submission(args.solution, args.submission, args.metric, **params)
    except SubmissionError as error:
        _print_json({"problems": [p.to_dict() for p in error.problems]})
        return EXIT_INVALID
    _print_json(result.to_dict())
    return EXIT_OK


def _list_metrics(as_json: bool) -> int:
    # Plugins that could not be registered are named on stderr; the listing itself is unaffected.
    for problem in plugin_problems():
        sys.stderr.write(f"warning: {problem}; it is not available\n")
    if as_json:
        _print_json([m.to_dict() for m in METRICS.values()])
        return EXIT_OK
    rows = [("name", "kind", "better", "weights", "source", "params", "description")]
    for m in METRICS.values():
        # A parameter without a default (labels) is optional: shown in brackets.
        params = ", ".join(f"[{k}]" if v is None else f"{k}={v}" for k, v in m.params.items()) or "-"
        source = f"plugin ({m.plugin})" if m.plugin else "built-in"
        rows.append((m.name, m.kind, "higher" if m.greater_is_better else "lower", "yes" if m.weighted else "-",
                     source, params, m.description))
    last = len(rows[0]) - 1
    widths = [max(len(r[i]) for r in rows) for i in range(last)]
    for r in rows:
        sys.stdout.write("  ".join(r[i].ljust(widths[i]) for i in range(last)) + "  " + r[last] + "\n")
    return EXIT_OK


def main(argv=None, prog: str = "python -m scoring") -> int:
    """``prog`` names the command in usage lines: `holdout offline` when the client runs it."""
    try:
        return _run(_parser(prog).parse_args(argv))
    except SystemExit as exit_:  # --help
        return int(exit_.code or 0)
    except KeyboardInterrupt:
        sys.stderr.write("error: interrupted\n")
        return EXIT_ERROR
    except BaseException as error:  # noqa: BLE001 - the contract is "never a traceback"
        message = " ".join(str(error).split()) or type(error).__name__
        sys.stderr.write(f"error: {message}\n")
        return EXIT_ERROR
