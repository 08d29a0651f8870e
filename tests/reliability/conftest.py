"""Fixtures of the reliability scenarios."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.reliability.processes import ROOT


@pytest.fixture(scope="session")
def static_root(tmp_path_factory) -> Path:
    """collectstatic, as a deployment runs it: pages name their files from its manifest."""
    root = tmp_path_factory.mktemp("static")
    env = os.environ | {"SECRET_KEY": "reliability-secret-key", "STATIC_ROOT": str(root)}
    command = [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"]
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    return root
