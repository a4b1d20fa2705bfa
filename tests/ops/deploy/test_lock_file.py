"""requirements.lock, which `make install` installs with --require-hashes, holds every dependency
pyproject.toml names, at a version its specifier allows, each with at least one hash. A
dependency added to pyproject.toml without `make lock` fails here, not on a clean machine."""

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from alliance.settings import BASE_DIR

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)")


def _locked() -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes), read from the lock's entries."""
    entries: dict[str, tuple[str, int]] = {}
    current = ""
    for line in (BASE_DIR / "requirements.lock").read_text().splitlines():
        pinned = PIN.match(line)
        if pinned:
            current = canonicalize_name(pinned.group(1))
            entries[current] = (pinned.group(2), 0)
        elif line.strip().startswith("--hash=sha256:") and current:
            version, hashes = entries[current]
            entries[current] = (version, hashes + 1)
    return entries


def _wanted() -> list[Requirement]:
    project = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())["project"]
    return [
        Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]
    ]


def _problems(wanted: list[Requirement], locked: dict[str, tuple[str, int]]) -> list[str]:
    problems = []
    for requirement in wanted:
        name = canonicalize_name(requirement.name)
        if name not in locked:
            problems.append(f"{requirement.name} is not in requirements.lock")
        elif not requirement.specifier.contains(locked[name][0], prereleases=True):
            problems.append(f"{requirement} but the lock has {locked[name][0]}")
    return problems


def test_every_dependency_is_locked_at_an_allowed_version() -> None:
    problems = _problems(_wanted(), _locked())
    assert not problems, "run `make lock`: " + "; ".join(problems)


def test_every_locked_package_has_a_hash() -> None:
    locked = _locked()
    assert len(locked) > 50
    assert [name for name, (_, hashes) in locked.items() if hashes == 0] == []


def test_a_new_or_changed_dependency_is_caught() -> None:
    locked = _locked()
    django = locked["django"][0]
    assert _problems([Requirement("not-a-real-package-x==1.0")], locked) == [
        "not-a-real-package-x is not in requirements.lock"
    ]
    assert _problems([Requirement("Django<6")], locked) == [f"Django<6 but the lock has {django}"]
    assert _problems([Requirement("Django==6.1.*")], locked) == []
