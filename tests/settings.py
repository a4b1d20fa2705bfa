"""Test settings: the production settings with ALLIANCE_ENV=test (a throw-away key, fast hashing)."""

import os

os.environ.setdefault("ALLIANCE_ENV", "test")

from alliance.settings import *  # noqa: E402,F403
