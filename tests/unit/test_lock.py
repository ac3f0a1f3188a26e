"""requirements.lock pins every dependency of pyproject.toml (main and test) at a version its
specifier allows, with hashes: CI and users install what the tests passed with."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]


def pins() -> dict[str, tuple[Version, list[str]]]:
    found: dict[str, tuple[Version, list[str]]] = {}
    name = None
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if match := re.match(r"^([A-Za-z0-9_.\-]+)==([^\s\\]+)", line):
            name = canonicalize_name(match.group(1))
            found[name] = (Version(match.group(2)), [])
        elif name and (hashed := re.search(r"--hash=sha256:([0-9a-f]{64})", line)):
            found[name][1].append(hashed.group(1))
    return found


def requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]]


def test_every_dependency_is_pinned_within_its_bounds_with_hashes():
    locked = pins()
    for requirement in requirements():
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{name} is not in requirements.lock: run `python3 run.py lock`"
        version, hashes = locked[name]
        assert version in requirement.specifier, f"{name}=={version} is outside {requirement.specifier}"
        assert hashes, f"{name} has no hash"


def test_every_main_dependency_has_an_upper_bound():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for text in project["dependencies"]:
        requirement = Requirement(text)
        assert any(spec.operator in ("<", "<=", "~=", "==") for spec in requirement.specifier), text
