"""Test settings: the production settings with ALLIANCE_ENV=test (throw-away key, fast hashing)."""

import os

os.environ.setdefault("ALLIANCE_ENV", "test")

from alliance.settings import *  # noqa: F403
