"""`holdout` argument parsing and the one place that turns failures into exit codes.

Exit codes: 0 ok, 2 invalid submission (HTTP 422, or validate found problems), 1 anything else,
always with a one-line message on stderr and never a traceback.
"""
from __future__ import annotations

import argparse
import sys

from . import __version__, commands, config, render
from .errors import EXIT_ERROR, EXIT_INVALID, ApiError, ClientError


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse would exit 2, which here means "invalid submission"
        raise _UsageError(f"{message} (see: {self.prog} --help)")


def _common() -> argparse.ArgumentParser:
    # SUPPRESS defaults, so an option given before the subcommand is not reset by the subparser.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--server", default=argparse.SUPPRESS, help=f"server URL (or {config.SERVER_ENV})")
    common.add_argument("--token", default=argparse.SUPPRESS, help=f"API token (or {config.TOKEN_ENV})")
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="print the server's raw JSON answer")
    return common


def parser() -> argparse.ArgumentParser:
    common = _common()
    top = _Parser(prog="holdout", parents=[common], description="Take part in Holdout competitions from the shell.")
    top.add_argument("--version", action="version", version=f"holdout-client {__version__}")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    def add(name, text, func):
        p = sub.add_parser(name, help=text, description=text, parents=[common])
        p.set_defaults(func=func)
        return p

    p = add("login", "check an API token and save it with the server URL", commands.login)
    p.add_argument("--token-stdin", action="store_true", help="read the token from stdin instead of a prompt")
    add("competitions", "list the competitions you can see", commands.competitions)
    add("files", "list a competition's data files", commands.files).add_argument("slug")
    p = add("download", "download every data file and check its sha256", commands.download)
    p.add_argument("slug")
    p.add_argument("--dir", help="target folder (default: ./SLUG)")
    p = add("join", "join a competition (accepting its rules)", commands.join)
    p.add_argument("slug")
    p.add_argument("--invite", help="invite token of an unlisted competition")
    p = add("validate", "check a file on the server without scoring it", commands.validate)
    p.add_argument("slug")
    p.add_argument("file")
    p = add("submit", "submit predictions and show the public score", commands.submit)
    p.add_argument("slug")
    p.add_argument("file")
    p.add_argument("-m", "--message", help="description of this submission")
    add("submissions", "list your team's submissions", commands.submissions).add_argument("slug")
    p = add("select", "choose final submissions for the private leaderboard", commands.select)
    p.add_argument("slug")
    p.add_argument("ids", nargs="*", type=int, metavar="ID")
    p.add_argument("--clear", action="store_true", help="go back to the automatic choice")
    p = add("leaderboard", "show the leaderboard", commands.leaderboard)
    p.add_argument("slug")
    p.add_argument("--private", action="store_true", help="the private board (after finalize)")
    p.add_argument("--page", type=int, default=1, help="which page of the board (default 1)")
    p.add_argument("--per-page", type=int, default=100, help="teams a page, up to 1000 (default 100)")
    team = sub.add_parser("team", help="your team: show, rename, invite, answer invitations, leave",
                          description="Teams: see and rename yours, invite others, accept or decline "
                                      "invitations (a merge), leave.", parents=[common])
    tsub = team.add_subparsers(dest="team_command", required=True, metavar="ACTION", parser_class=_Parser)

    def add_team(name, text, func):
        p = tsub.add_parser(name, help=text, description=text, parents=[common])
        p.set_defaults(func=func)
        return p

    add_team("show", "your team: members, pending invitations, merger deadline", commands.team_show
             ).add_argument("slug")
    p = add_team("rename", "rename your team (any member may)", commands.team_rename)
    p.add_argument("slug")
    p.add_argument("name")
    p = add_team("invite", "invite a user by name, or (no name) make a one-time invite link", commands.team_invite)
    p.add_argument("slug")
    p.add_argument("username", nargs="?")
    add_team("invitations", "your pending invitations across competitions", commands.team_invitations)
    add_team("accept", "accept an invitation: your team merges into the inviting team", commands.team_accept
             ).add_argument("invitation", metavar="CODE_OR_URL")
    add_team("decline", "decline an invitation", commands.team_decline
             ).add_argument("invitation", metavar="CODE_OR_URL")
    add_team("leave", "leave your team for a new team of one", commands.team_leave).add_argument("slug")
    p = sub.add_parser("offline", help="score or validate offline with the server's scorer (python -m scoring)",
                       add_help=False)
    p.add_argument("scoring_args", nargs=argparse.REMAINDER)
    p.set_defaults(func=commands.offline)
    return top


def _api_error(exc: ApiError, as_json: bool) -> int:
    body = exc.body
    if as_json:
        render.print_json(body)
    message = str(exc)
    if exc.status == 422 and "problems" in body:
        render.err(f"error: {message}")
        for p in body["problems"]:
            render.err(render.problem(p))
        return EXIT_INVALID
    if exc.status == 429 and body.get("retry_after") is not None:
        message += f" Try again in {render.duration(body['retry_after'])}."
    elif exc.status == 401:
        message += " (run `holdout login --server URL` with a current token)"
    if body.get("rule"):  # a refused team merge names the rule that failed
        message += f" [rule: {body['rule']}]"
    if body.get("field"):
        message += f" [field: {body['field']}]"
    render.err(f"error: {message}")
    return EXIT_ERROR


def _offline_args(argv: list[str]) -> list[str] | None:
    """The arguments after `offline`, when that is the command: they all belong to the scorer
    (argparse's REMAINDER would take `holdout offline --help` as the client's own, unknown, option)."""
    for i, arg in enumerate(argv):
        if arg == "offline":
            return argv[i + 1:]
        if not arg.startswith("-") or arg in ("-h", "--help", "--version"):
            return None
        if arg in ("--server", "--token") and i + 1 < len(argv):
            return _offline_args(argv[i + 2:])
    return None


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    as_json = False
    offline = _offline_args(argv)
    try:
        if offline is not None:
            return commands.offline(argparse.Namespace(scoring_args=offline), None)
        args = parser().parse_args(argv)
        as_json = getattr(args, "json", False)
        args.json = as_json
        args.token = getattr(args, "token", None)
        settings = config.resolve(getattr(args, "server", None), args.token)
        return args.func(args, settings)
    except ApiError as exc:
        return _api_error(exc, as_json)
    except SystemExit as exit_:  # --help, --version
        return exit_.code if isinstance(exit_.code, int) else 0
    except KeyboardInterrupt:
        render.err("error: interrupted")
        return EXIT_ERROR
    except (ClientError, _UsageError) as exc:
        render.err(f"error: {' '.join(str(exc).split())}")
        return EXIT_ERROR
    except BaseException as exc:  # noqa: BLE001 - the contract is "never a traceback"
        message = " ".join(str(exc).split()) or type(exc).__name__
        render.err(f"error: {type(exc).__name__}: {message}")
        return EXIT_ERROR
