"""``examples/tour.ipynb`` runs, cell by cell, in a real Jupyter kernel.

The notebook is executed with nbclient in a ``python3`` kernel of *this*
interpreter (the kernel spec is written into a temporary Jupyter path that
comes first in the search, so a user-wide ``python3`` spec of another Python
cannot be picked up); any cell error fails the test.  Skipped only when
nbclient is not installed (it is in the ``dev`` extra, with nbformat and
ipykernel).
"""

import json
import os
import sys
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "tour.ipynb"
CELL_TIMEOUT_S = 240


def test_committed_notebook_has_no_outputs():
    nb = json.loads(NOTEBOOK.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, (
                "clear the notebook's outputs before committing it"
            )


@pytest.fixture
def python3_kernel(tmp_path, monkeypatch):
    """A ``python3`` kernel spec that launches ``sys.executable``."""
    pytest.importorskip("nbclient")
    # nbclient without ipykernel is a broken dev install: fail, don't skip
    import ipykernel  # noqa: F401
    from jupyter_client.kernelspec import KernelSpecManager

    spec_dir = tmp_path / "jupyter" / "kernels" / "python3"
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (sklreg tests)",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    # connection files and IPython's profile in tmp_path, not in $HOME
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    # the kernel inherits the environment: headless plots, few threads, and
    # the sklreg of this checkout
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.setenv(var, os.environ.get(var, "1"))
    root = str(NOTEBOOK.parents[1])
    paths = [root, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))
    resolved = KernelSpecManager().get_kernel_spec("python3")
    assert resolved.argv[0] == sys.executable, resolved.argv
    return "python3"


def test_tour_notebook_runs(python3_kernel):
    nbclient = pytest.importorskip("nbclient")
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        kernel_name=python3_kernel,
        timeout=CELL_TIMEOUT_S,
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()  # raises CellExecutionError on the first failing cell

    outputs = [cell.get("outputs", []) for cell in nb.cells if cell.cell_type == "code"]
    text = "".join(
        out.get("text", "") + out.get("data", {}).get("text/plain", "")
        for cell_outputs in outputs
        for out in cell_outputs
    )
    html = "".join(
        out.get("data", {}).get("text/html", "")
        for cell_outputs in outputs
        for out in cell_outputs
    )
    images = [
        out
        for cell_outputs in outputs
        for out in cell_outputs
        if "image/png" in out.get("data", {})
    ]
    # each part of the tour showed its result
    assert "GridSearchCV" in html and "LogisticRegression" in html
    assert "MLPClassifier" in html
    assert "test accuracy" in text and "alpha_" in text
    assert images, "the regularization path was not drawn"
    stderr = "".join(
        out.get("text", "")
        for cell_outputs in outputs
        for out in cell_outputs
        if out.get("name") == "stderr"
    )
    assert "LassoCV" in stderr, "no progress bar in the output"
