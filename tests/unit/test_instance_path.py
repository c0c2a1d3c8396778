"""The instance folder, and with it the default SQLite database: one for every entry point."""

from pathlib import Path

import pytest

from minibank.instance import instance_path

ROOT = Path(__file__).resolve().parents[2]


def layout(tmp_path: Path, *, pyproject: str | None) -> Path:
    """A package folder at <tmp>/root/src/minibank, with or without a pyproject.toml at <tmp>/root."""
    package = tmp_path / "root" / "src" / "minibank"
    package.mkdir(parents=True)
    if pyproject is not None:
        (tmp_path / "root" / "pyproject.toml").write_text(pyproject)
    return package


def test_this_checkout_keeps_its_instance_folder_at_its_root():
    assert instance_path({}) == str(ROOT / "instance")


def test_a_source_checkout_anywhere_keeps_it_at_its_root(tmp_path):
    package = layout(tmp_path, pyproject='[project]\nname = "minibank"\n')
    assert instance_path({}, package_dir=package) == str(tmp_path / "root" / "instance")


@pytest.mark.parametrize("pyproject", [None, '[project]\nname = "another"\n', "not toml ["])
def test_an_installed_package_leaves_it_to_flask(tmp_path, pyproject):
    assert instance_path({}, package_dir=layout(tmp_path, pyproject=pyproject)) is None


def test_the_setting_wins_and_is_made_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert instance_path({"MINIBANK_INSTANCE_PATH": "var/bank"}) == str(tmp_path / "var" / "bank")
    assert instance_path({"MINIBANK_INSTANCE_PATH": "/srv/bank"}) == "/srv/bank"
