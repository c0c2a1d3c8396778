"""axe-core on the pages the browser tests reach: any violation fails the test."""

import shutil
import subprocess
from pathlib import Path

from ..support.services import require

AXE_CORE = "axe-core@4"

# axe's default rules: WCAG 2.x levels A and AA, and its best practices (landmarks, headings...).
RUN_AXE = """async () => {
    const results = await axe.run(document, {resultTypes: ["violations"]});
    return results.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help,
        targets: v.nodes.map(n => n.target.join(" ")),
    }));
}"""


def install_axe(cache: Path) -> str:
    """Install axe-core from npm into ``cache`` and return the text of its axe.min.js."""
    npm = shutil.which("npm")
    if not npm:
        require("npm", "npm is missing (it installs axe-core); install it with: apt-get install -y npm")
    command = [npm, "install", "--no-save", "--no-audit", "--no-fund", "--prefix", str(cache), AXE_CORE]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    script = cache / "node_modules" / "axe-core" / "axe.min.js"
    if done.returncode or not script.is_file():
        require("axe-core", f"`{' '.join(command)}` failed: {(done.stderr or done.stdout).strip()[-500:]}")
    return script.read_text(encoding="utf-8")


def assert_accessible(page, axe_source: str, state: str = "") -> None:
    """Run axe-core on the page as it stands and fail with each violation's rule, impact and targets.

    The app's Content-Security-Policy allows only this site's scripts, so ``page.add_script_tag``
    (an inline script) is refused; Playwright's ``page.evaluate`` runs outside the page's CSP, so
    axe goes in that way and the pages under test keep their real policy. The page needs
    JavaScript enabled (``page.evaluate`` waits forever without it)."""
    if page.evaluate("typeof window.axe") == "undefined":
        page.evaluate(axe_source + "\n;undefined")
    violations = page.evaluate(RUN_AXE)
    if violations:
        where = f"{state} ({page.url})" if state else page.url
        lines = [f"axe-core found {len(violations)} accessibility violation(s) on {where}:"]
        for v in violations:
            lines.append(f"- {v['id']} [{v['impact']}]: {v['help']}")
            lines.extend(f"    at {target}" for target in v["targets"])
        raise AssertionError("\n".join(lines))
