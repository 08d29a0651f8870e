"""The backend registry: names to classes, with no vendor imported by the contract itself."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conferencing.base import BUNDLED, backend_class, backend_names, register, unregister


def test_the_contract_imports_no_vendor():
    code = (
        "import sys, conferencing.base; "
        "sys.exit(any(name.split('.')[1:2] and name.split('.')[1] in conferencing.base.BUNDLED "
        "for name in sys.modules if name.startswith('conferencing.')))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_an_unknown_name_lists_the_known_ones():
    with pytest.raises(LookupError, match="named 'zoomish'.*turbomeeting"):
        backend_class("zoomish")


def test_the_bundled_backends_are_named_and_no_test_backend_stays_registered():
    """Tests register theirs for themselves (tests/conftest.py register_backend)."""
    assert backend_names() == sorted(BUNDLED)


def test_a_backend_registered_elsewhere_is_found_by_name_until_unregistered():
    @register("test-registry-extra")
    class Extra:
        capabilities = frozenset()

    assert backend_class("test-registry-extra") is Extra
    assert "test-registry-extra" in backend_names()
    unregister("test-registry-extra")
    assert "test-registry-extra" not in backend_names()
    with pytest.raises(LookupError):
        backend_class("test-registry-extra")
