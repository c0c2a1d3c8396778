"""The repository's own Markdown (README, CONTRIBUTING, CHANGELOG) links only to what exists.

docs/ is checked by `mkdocs build --strict` in CI; these files sit outside the site.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FILES = ["README.md", "CONTRIBUTING.md", "CHANGELOG.md"]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def heading_anchors(path: Path) -> set[str]:
    """The anchors a Markdown renderer makes of the file's headings (GitHub's and MkDocs' agree on these)."""
    anchors = set()
    for heading in re.findall(r"^#+ (.+)$", path.read_text(encoding="utf-8"), re.MULTILINE):
        text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
        anchors.add(text.replace(" ", "-"))
    return anchors


@pytest.mark.parametrize("name", FILES)
def test_relative_links_reach_files_and_headings(name):
    for target in LINK.findall((ROOT / name).read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        file = (ROOT / path) if path else ROOT / name
        assert file.exists(), f"{name} links to {target}, which does not exist"
        if anchor:
            assert anchor in heading_anchors(file), f"{name} links to {target}: no such heading"


def test_the_readme_stays_short():
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 220
