"""An installed package may be read-only (site-packages owned by root, a container image): predicting
with a linear model writes nothing beside the code. The package is copied to a temporary folder,
made read-only, and run from there in a fresh process."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import seqkit

SCRIPT = """
import sys
from seqkit.models.linear.model import LinearClassifier
model = LinearClassifier.load(sys.argv[1])
P = model.predict_proba(["good film", "bad plot"], threads=1)  # short texts: the NumPy path
assert P.shape == (2, 2), P
model._vocab()  # what the kernel's path builds first: the tokenizer and its character table
print("ok")
"""


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def test_predicting_writes_nothing_into_a_read_only_package(tmp_path):
    from tests.fuzz.test_model_readers import LINEAR

    model = tmp_path / "m.npz"
    model.write_bytes(LINEAR)
    site = tmp_path / "site"
    shutil.copytree(Path(seqkit.__file__).parent, site / "seqkit", ignore=shutil.ignore_patterns("__pycache__"))
    before = _files(site)
    for p in [site, *site.rglob("*")]:
        p.chmod(p.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site), "HOME": str(home), "PYTHONDONTWRITEBYTECODE": "1",
           "NUMBA_DISABLE_JIT": "1"}  # the kernels as Python: no compilation (Numba's own cache is its concern)
    env.pop("SEQKIT_CACHE_DIR", None)
    env.pop("XDG_CACHE_HOME", None)
    try:
        p = subprocess.run([sys.executable, "-c", SCRIPT, str(model)], capture_output=True, text=True, env=env,
                           timeout=600, cwd=tmp_path)
        assert p.returncode == 0 and p.stdout.strip() == "ok", p.stderr
        assert _files(site) == before  # nothing written beside the code (root ignores the mode: compare files)
        assert any((home / ".cache" / "seqkit").glob("char_classes-*.npy"))  # the table went to the user's cache
    finally:
        for q in [site, *site.rglob("*")]:
            q.chmod(q.stat().st_mode | stat.S_IWUSR)
