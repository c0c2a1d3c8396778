"""Where the instance folder is: the same one for every entry point run from the project."""

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path

PACKAGE_DIR = Path(os.path.abspath(__file__)).parent


def instance_path(environ: Mapping[str, str], *, package_dir: Path = PACKAGE_DIR) -> str | None:
    """MINIBANK_INSTANCE_PATH, else ``instance/`` at the root of a source checkout, else None (Flask's default).

    A checkout is the package at ``<root>/src/minibank`` with the bank's ``<root>/pyproject.toml``:
    bin/run, `minibank` and `flask --app minibank` then share ``<root>/instance``, whichever folder
    they are started from. An installed package gets Flask's ``<prefix>/var/minibank-instance``.
    """
    chosen = environ.get("MINIBANK_INSTANCE_PATH")
    if chosen:
        return os.path.abspath(chosen)  # Flask takes only an absolute instance path
    root = package_dir.parent.parent
    if package_dir.parent.name == "src" and _project_name(root / "pyproject.toml") == "minibank":
        return str(root / "instance")
    return None


def _project_name(pyproject: Path) -> str | None:
    try:
        return tomllib.loads(pyproject.read_text()).get("project", {}).get("name")
    except (OSError, tomllib.TOMLDecodeError):
        return None
