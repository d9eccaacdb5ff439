"""`holdout validate` before joining says to join first, in the words of validation."""
from __future__ import annotations

from client_support import predictions


def test_validate_before_joining_says_to_join_in_its_own_words(world, holdout, monkeypatch, tmp_path):
    monkeypatch.setenv("HOLDOUT_SERVER", world.server)
    monkeypatch.setenv("HOLDOUT_TOKEN", world.token)
    path = tmp_path / "preds.csv"
    path.write_bytes(predictions(0.5))
    refused = holdout("validate", world.slug, path)
    assert refused.code == 1
    assert refused.err == f"error: join the competition before validating a file: holdout join {world.slug}\n"
    assert "submit" not in refused.err
    # The API says the same, for scripts and notebooks.
    as_json = holdout("validate", world.slug, path, "--json")
    assert as_json.code == 1 and "before validating a file" in as_json.err
    import json
    import urllib.error
    import urllib.request

    boundary = "b0undary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.csv\"\r\n\r\n"
            ).encode() + predictions(0.5) + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(f"{world.server}/api/v1/competitions/{world.slug}/validate", data=body,
                                     headers={"Authorization": f"Bearer {world.token}",
                                              "Content-Type": f"multipart/form-data; boundary={boundary}"})
    try:
        urllib.request.urlopen(request)
        raise AssertionError("validated without joining")
    except urllib.error.HTTPError as exc:
        answer = json.loads(exc.read())
        assert exc.code == 403 and answer["error"] == "join_required"
        assert answer["message"].startswith("Join this competition (and accept its rules) before validating a file.")
    assert holdout("join", world.slug).code == 0
    assert holdout("validate", world.slug, path).code == 0


def test_sizes_read_as_on_the_web_pages():
    """The client and the Data tab say the same size for the same file (decimal kB/MB)."""
    from holdout_client.render import size
    from webapp.filters import filesize

    for n in (0, 999, 1000, 33_792, 202_100, 9_949_999, 10_000_000, 5_300_000_000):
        assert size(n) == filesize(n).replace("\u00a0", " "), n
    assert size(None) == "-"
