"""No event the page would have to evaluate from a string: the CSP refuses `eval`.

Reflex sends some events as JavaScript text that the page runs with `eval`
(`call_script`, `run_script`, the toast, clearing an upload's selection, a
`call_function` callback). Under the app's CSP (no 'unsafe-eval') they fail
silently, so the app uses none of them; read statically, so a failure names
the file and the line.
"""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "nomask_app"
EVALUATED = {
    "call_script",
    "run_script",
    "clear_selected_files",
    "cancel_upload",
    "toast",
    "window_alert",
    "set_clipboard",
    "console_log",
}


def _uses() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            where = f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
            if name in EVALUATED:
                found.append(f"{where} {name}")
            if name == "call_function" and any(k.arg == "callback" for k in node.keywords):
                found.append(f"{where} call_function(callback=...)")
    return found


def test_no_event_needs_eval():
    assert _uses() == []
