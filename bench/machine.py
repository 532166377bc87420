"""One line that says which machine and commit a benchmark ran on.

Figures differ a lot between the machines sessions get (the same commit gave a
first token of 27 ms on an AMD EPYC and 36 ms on an Intel Xeon), so every
result names its CPU.
"""

import os
import platform
import re
import subprocess
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent


def describe() -> str:
    """Cores and CPU model, RAM, OS, Python and the short commit id."""
    cpuinfo = Path("/proc/cpuinfo")
    found = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text()) if cpuinfo.exists() else None
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    ram = psutil.virtual_memory().total / 2**30
    return (
        f"{os.cpu_count()} cores ({found.group(1) if found else platform.processor()}), "
        f"{ram:.1f} GiB RAM, {platform.platform()}, Python {platform.python_version()}, "
        f"commit {commit}"
    )
