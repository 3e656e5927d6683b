"""docs/notebooks/quickstart.py runs headless (matplotlib's Agg backend), warnings as errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import ENGINE_VARS, REPO

NOTEBOOK = REPO / "docs" / "notebooks" / "quickstart.py"

# Runs the notebook as a script, then checks that it drew a figure and saves it.
RUNNER = """
import runpy, sys
import matplotlib.pyplot as plt
runpy.run_path(sys.argv[1], run_name="__main__")
figures = plt.get_fignums()
assert figures, "the notebook drew no figure"
figure = plt.figure(figures[-1])
assert figure.axes and figure.axes[0].lines, "the figure has no plotted line"
figure.savefig(sys.argv[2])
"""


def test_quickstart_notebook_runs(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ENGINE_VARS}
    env["MPLBACKEND"] = "Agg"
    png = tmp_path / "quickstart.png"
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", RUNNER, str(NOTEBOOK), str(png)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "rolled up 60/60 days" in done.stdout
    assert "plotted 60 days" in done.stdout
    assert png.stat().st_size > 10_000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["quickstart.png"], "the notebook writes no files"
