"""The learner's command line for a Holdout server: `holdout ...` or `python -m holdout_client ...`.

It talks to the server only through the JSON API (/api/v1) with the standard library's
urllib, and uses `scoring` only for offline checks, so it installs beside the scorer alone.
"""
__version__ = "0.1.0"
