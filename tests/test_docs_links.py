"""Every relative link of the README and the docs points at a file that exists and, with an
``#anchor``, at a heading of that file (GitHub's heading slugs), so moving a section between
pages cannot leave a dead link behind."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "results" / "README.md"]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.DOTALL | re.MULTILINE)


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = FENCE.sub("", page.read_text())
    return {slug(m.group(1)) for m in re.finditer(r"^#+ (.+)$", text, re.MULTILINE)}


def test_slug_follows_github():
    assert slug("Every loss on NB201 CIFAR-10, 10 seeds") == "every-loss-on-nb201-cifar-10-10-seeds"
    assert slug("`auto` on NB201 at N = 78") == "auto-on-nb201-at-n--78"
    assert slug("Beyond the paper (`pwlkit.claims.goals`)") == "beyond-the-paper-pwlkitclaimsgoals"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page):
    dead = []
    for target in LINK.findall(FENCE.sub("", page.read_text())):
        if re.match(r"[a-z]+:", target):  # http:, https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            dead.append(f"{target} (no file {path})")
        elif anchor and file.suffix == ".md" and anchor not in anchors(file):
            dead.append(f"{target} (no heading #{anchor} in {file.name})")
    assert not dead, f"{page.relative_to(ROOT)}: {dead}"
