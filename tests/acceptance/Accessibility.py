"""axe-core (npm, pinned in package-lock.json) injected into the page Robot drives.

The script is read from node_modules and run in the browser through Selenium:
it is never served by PirateChat.
"""

from __future__ import annotations

from pathlib import Path

from robot.api import logger
from robot.api.deco import keyword, library
from robot.libraries.BuiltIn import BuiltIn

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ["violations"]})
   .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                            nodes: v.nodes.map(n => n.target.join(" "))}))))
   .catch(e => done([{id: "axe-error", impact: "critical", help: String(e), nodes: []}]));
"""


@library(scope="GLOBAL", auto_keywords=False)
class Accessibility:
    @keyword("the page has no serious accessibility violations")
    def no_serious_violations(self) -> None:
        driver = BuiltIn().get_library_instance("SeleniumLibrary").driver
        driver.set_script_timeout(30)
        driver.execute_script(AXE.read_text(encoding="utf-8"))
        violations = driver.execute_async_script(RUN)
        for v in violations:
            logger.info(f"axe: {v['impact']} {v['id']}: {v['help']} at {v['nodes']}")
        serious = [v for v in violations if v["impact"] in ("serious", "critical")]
        if serious:
            raise AssertionError("axe-core found serious or critical violations: " + "; ".join(
                f"{v['id']} ({v['impact']}: {v['help']}) at {', '.join(v['nodes'][:5])}"
                for v in serious))
