"""One function per subcommand: (args, settings) -> exit code. HTTP errors propagate to cli.main."""
from __future__ import annotations

import getpass
import sys
import urllib.parse
from pathlib import Path, PurePosixPath

from . import config, render
from .api import Api, quote
from .errors import EXIT_INVALID, EXIT_OK, ApiError, ClientError
from .render import out


def _api(settings: config.Settings, *, token_required: bool = False) -> Api:
    if not settings.server:
        raise ClientError(f"no server configured: pass --server URL, set {config.SERVER_ENV}, "
                          "or run `holdout login --server URL`")
    if token_required and not settings.token:
        raise ClientError(f"this needs an API token: run `holdout login`, set {config.TOKEN_ENV} or pass --token")
    return Api(settings.server, settings.token)


def _comp(slug: str) -> str:
    return f"/competitions/{quote(slug)}"


def login(args, settings) -> int:
    if not settings.server:
        raise ClientError(f"which server? pass --server URL (or set {config.SERVER_ENV})")
    if args.token:
        token = args.token
    elif args.token_stdin:
        token = sys.stdin.readline()
    else:
        token = getpass.getpass("API token (from your profile page): ")
    token = token.strip()
    if not token:
        raise ClientError("no token given")
    try:
        # Any authenticated request checks the token; the listing is cheap and open to every learner.
        Api(settings.server, token).call("GET", "/competitions")
    except ApiError as exc:
        if exc.status == 401:
            raise ClientError(f"{settings.server} refused the token: {exc}") from None
        raise
    path = config.save(settings.server, token)
    if args.json:
        render.print_json({"server": settings.server, "config": str(path)})
    else:
        out(f"Logged in to {settings.server}; token saved in {path}")
    return EXIT_OK


def competitions(args, settings) -> int:
    rows = _api(settings).call("GET", "/competitions")
    if args.json:
        render.print_json(rows)
        return EXIT_OK
    render.table(["slug", "title", "metric", "state", "deadline"],
                 [[c["slug"], c["title"], c["metric"], c["state"], render.when(c.get("deadline"))] for c in rows],
                 empty="No competitions to show.")
    return EXIT_OK


def files(args, settings) -> int:
    rows = _api(settings).call("GET", _comp(args.slug) + "/files")
    if args.json:
        render.print_json(rows)
        return EXIT_OK
    render.table(["name", "size", "sha256"], [[f["name"], render.size(f["size"]), f["sha256"]] for f in rows],
                 empty="This competition has no files.")
    return EXIT_OK


def _safe_name(name: str) -> str:
    # The server names its files, but a file name must never climb out of --dir.
    base = PurePosixPath(name.replace("\\", "/")).name
    if base in ("", ".", "..") or base != name:
        raise ClientError(f"refusing to save a file with the unsafe name {name!r}")
    return base


def download(args, settings) -> int:
    api = _api(settings)
    listing = api.call("GET", _comp(args.slug) + "/files")
    target_dir = Path(args.dir) if args.dir else Path(args.slug)
    target_dir.mkdir(parents=True, exist_ok=True)
    for f in listing:
        target = target_dir / _safe_name(f["name"])
        got = api.download(_comp(args.slug) + "/files/" + quote(f["name"]), target)
        if got != f["sha256"]:
            target.unlink(missing_ok=True)
            raise ClientError(f"{f['name']}: sha256 mismatch (expected {f['sha256']}, got {got}); "
                              "the damaged file was removed, try again")
        if not args.json:
            out(f"{target}  {render.size(f['size'])}  sha256 ok")
    if args.json:
        render.print_json(listing)
    elif not listing:
        out("This competition has no files.")
    return EXIT_OK


def join(args, settings) -> int:
    query = {"invite": args.invite} if args.invite else None
    body = _api(settings, token_required=True).call("POST", _comp(args.slug) + "/join", query=query)
    if args.json:
        render.print_json(body)
    else:
        out(f"Joined {args.slug} as team {body.get('team')}. Joining accepts the competition's rules.")
    return EXIT_OK


def validate(args, settings) -> int:
    try:
        body = _api(settings, token_required=True).upload(_comp(args.slug) + "/validate", args.file, {})
    except ApiError as exc:
        if exc.body.get("error") == "join_required":
            # Validation needs the rules accepted too; say so in its own words, with the command to run.
            raise ClientError(f"join the competition before validating a file: holdout join {args.slug}") from None
        raise
    if args.json:
        render.print_json(body)
    elif body.get("valid"):
        out(f"{args.file} passes every check (nothing scored, no submission used).")
    else:
        problems = body.get("problems") or []
        render.err(f"error: {args.file} has {len(problems)} problem(s):")
        for p in problems:
            render.err(render.problem(p))
    return EXIT_OK if body.get("valid") else EXIT_INVALID


def submit(args, settings) -> int:
    body = _api(settings, token_required=True).upload(_comp(args.slug) + "/submissions", args.file,
                                                       {"description": args.message or ""})
    if args.json:
        render.print_json(body)
        return EXIT_OK
    out(f"Submission {body.get('id')}: {body.get('status')}")
    out(f"Public score: {render.score(body.get('public_score'), body.get('public_ci'))}")
    for line in ((body.get("feedback") or {}).get("summary") or [])[1:]:  # the first is the score, above
        out(line)
    if body.get("remaining_today") is not None:
        out(f"Submissions left today: {body['remaining_today']} (the count resets at {render.when(body.get('resets_at'))})")
    return EXIT_OK


def submissions(args, settings) -> int:
    rows = _api(settings, token_required=True).call("GET", _comp(args.slug) + "/submissions")
    if args.json:
        render.print_json(rows)
        return EXIT_OK
    private = any("private_score" in s for s in rows)
    headers = ["id", "created", "status", "public", "95% interval"] + (["private"] if private else [])
    render.table(headers + ["selected", "description"], [
        [s["id"], render.when(s.get("created_at")), s.get("status") + (" (late)" if s.get("late") else ""),
         render.number(s.get("public_score")), render.interval(s.get("public_ci"))]
        + ([render.number(s.get("private_score"))] if private else [])
        + ["yes" if s.get("selected") else "", s.get("description") or ""]
        for s in rows], empty="No submissions yet.")
    return EXIT_OK


def select(args, settings) -> int:
    if args.clear == bool(args.ids):
        raise ClientError("give submission ids to select, or --clear (not both)")
    body = _api(settings, token_required=True).call(
        "PUT", _comp(args.slug) + "/selection", body={"submission_ids": [] if args.clear else args.ids})
    if args.json:
        render.print_json(body)
    elif body.get("selected"):
        out("Selected for the private leaderboard: " + ", ".join(str(i) for i in body["selected"]))
    else:
        out("Selection cleared: your best public scores count automatically.")
    return EXIT_OK


def leaderboard(args, settings) -> int:
    body = _api(settings).call("GET", _comp(args.slug) + "/leaderboard",
                               query={"board": "private" if args.private else "public",
                                      "page": str(args.page), "per_page": str(args.per_page)})
    if args.json:
        render.print_json(body)
        return EXIT_OK
    entries = body.get("entries", [])
    members = any(e.get("members") for e in entries)  # servers before teams send no members
    render.table(["rank", "team", "score", "95% interval", "entries", "last"] + (["members"] if members else []), [
        [e.get("rank"), e.get("team"), render.number(e.get("score")), render.interval(e.get("ci")),
         e.get("entries"), render.when(e.get("last_submission_at"))]
        + ([", ".join(e.get("members") or [])] if members else []) for e in entries],
        empty="No scored submissions yet.")
    total, page, per_page = body.get("total"), body.get("page"), body.get("per_page")
    if total is not None and per_page and total > per_page:  # servers before paging send the whole board
        pages = -(-total // per_page)
        out(f"Page {page} of {pages} ({total} teams); see more with --page N.")
    return EXIT_OK


# --- teams -------------------------------------------------------------------------------------


def _team(slug: str) -> str:
    return _comp(slug) + "/team"


def invitation_code(value: str) -> str:
    """The code of an invitation given as the code itself or as its link (the link's last path segment)."""
    segments = [s for s in urllib.parse.urlsplit(value.strip()).path.split("/") if s]
    code = urllib.parse.unquote(segments[-1]).strip() if segments else ""
    if not code:
        raise ClientError(f"no invitation code in {value!r}: give the code or the whole invite link")
    return code


def _print_team(team: dict) -> None:
    out(f"Team: {team.get('name')}")
    out("Members:")
    render.table(["username", "joined"], [[m.get("username"), render.when(m.get("joined_at"))]
                                          for m in team.get("members") or []], empty="(none)", indent="  ")
    invitations = team.get("invitations") or []
    if invitations:
        out("Pending invitations:")
        links = any(i.get("url") for i in invitations)
        render.table(["id", "for", "invited by", "expires"] + (["link"] if links else []), [
            [i.get("id"), i.get("username") or "anyone with the link", i.get("invited_by"),
             render.when(i.get("expires_at"))] + ([i.get("url")] if links else []) for i in invitations],
            indent="  ")
    else:
        out("Pending invitations: none")
    deadline = render.when(team.get("merge_deadline"))
    if team.get("can_merge"):
        out(f"Team merger deadline: {deadline} (inviting, merging and leaving are still possible)")
    else:
        out(f"Team merger deadline: {deadline} (passed: this team can no longer merge or change members)")
    if team.get("merged_at"):
        out(f"This team was merged on {render.when(team['merged_at'])}: final selections were reset to the "
            "automatic choice (choose again with `holdout select`).")


def team_show(args, settings) -> int:
    body = _api(settings, token_required=True).call("GET", _team(args.slug))
    if args.json:
        render.print_json(body)
    else:
        _print_team(body)
    return EXIT_OK


def team_rename(args, settings) -> int:
    body = _api(settings, token_required=True).call("PATCH", _team(args.slug), body={"name": args.name})
    if args.json:
        render.print_json(body)
    else:
        out(f"Your team in {args.slug} is now called {body.get('name')}.")
    return EXIT_OK


def team_invite(args, settings) -> int:
    body = {"username": args.username} if args.username else {}
    row = _api(settings, token_required=True).call("POST", _team(args.slug) + "/invitations", body=body)
    if args.json:
        render.print_json(row)
        return EXIT_OK
    expires = render.when(row.get("expires_at"))
    if row.get("username"):
        out(f"Invited {row['username']} to team {row.get('team')}; the invitation is open until {expires} "
            "(the team merger deadline).")
        out(f"They see it with `holdout team invitations`, or open {row.get('url')}")
    else:
        out(f"One-time invite link for team {row.get('team')}, valid until {expires} (the team merger deadline):")
        out(f"  {row.get('url')}")
        out(f"Code: {row.get('code')} (accept with `holdout team accept CODE_OR_LINK`)")
    return EXIT_OK


def team_invitations(args, settings) -> int:
    rows = _api(settings, token_required=True).call("GET", "/invitations")
    if args.json:
        render.print_json(rows)
        return EXIT_OK
    render.table(["code", "competition", "team", "invited by", "expires"], [
        [i.get("code"), i.get("competition"), i.get("team"), i.get("invited_by"), render.when(i.get("expires_at"))]
        for i in rows], empty="No pending invitations.")
    if rows:
        out("Accept with `holdout team accept CODE`, or decline with `holdout team decline CODE`.")
    return EXIT_OK


def _answer(args, settings, verb: str):
    code = invitation_code(args.invitation)
    try:
        return _api(settings, token_required=True).call("POST", f"/invitations/{quote(code)}/{verb}")
    except ApiError as exc:
        # A link from another server cannot be found here; say so rather than only "no such invitation".
        link = urllib.parse.urlsplit(args.invitation.strip())
        if exc.status == 404 and link.netloc and link.netloc.lower() != urllib.parse.urlsplit(settings.server).netloc.lower():
            raise ApiError(404, {**exc.body, "message": f"{exc} (the link is for {link.scheme}://{link.netloc}, "
                                                        f"but this client talks to {settings.server})"}) from None
        raise


def team_accept(args, settings) -> int:
    body = _answer(args, settings, "accept")
    if args.json:
        render.print_json(body)
        return EXIT_OK
    members = ", ".join(m.get("username", "?") for m in body.get("members") or [])
    out(f"You are now in team {body.get('name')}: {members}.")
    out("The teams were merged: final selections were reset to the automatic choice "
        "(choose again with `holdout select`).")
    return EXIT_OK


def team_decline(args, settings) -> int:
    body = _answer(args, settings, "decline")
    if args.json:
        render.print_json(body)
    else:
        out("Invitation declined.")
    return EXIT_OK


def team_leave(args, settings) -> int:
    body = _api(settings, token_required=True).call("DELETE", _team(args.slug) + "/members/me")
    if args.json:
        render.print_json(body)
    else:
        out(f"You left your team in {args.slug}; you are now team {body.get('name')}, a team of one.")
    return EXIT_OK


def offline(args, settings) -> int:
    # Imported here: the scorer pulls in pandas, which the online commands never need.
    from scoring.cli import main as scoring_main

    return scoring_main(args.scoring_args, prog="holdout offline")
