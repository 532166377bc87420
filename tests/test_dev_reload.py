"""`reflex run` (`make dev`) restarts the backend on code changes, not on the app's own data."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _reload_paths(data_dir: str) -> list[str]:
    """The paths Reflex's dev server watches, as it computes them in the project."""
    child = (
        "import json, sys\n"
        # As under the `reflex` command: the project on the path by its absolute
        # name, so Reflex watches the project's top-level entries.
        f"sys.path[0] = {str(ROOT)!r}\n"
        "from reflex.utils.exec import get_reload_paths\n"
        "print(json.dumps([str(path) for path in get_reload_paths()]))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("REFLEX_HOT_RELOAD")}
    env["NOMASK_DATA_DIR"] = data_dir
    result = subprocess.run(
        [sys.executable, "-c", child],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_dev_server_watches_the_code_and_not_the_data_directory():
    # Each start of the backend writes to the data directory (the SQLite
    # journal): watched, it restarted the backend in a loop.
    watched = _reload_paths("data")

    assert str(ROOT / "nomask_app") in watched
    assert str(ROOT / "data") not in watched
