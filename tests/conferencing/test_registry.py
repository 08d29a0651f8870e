"""The backend registry: names to classes, found through entry points, with no vendor
imported by the contract itself."""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import subprocess
import sys
import textwrap

import pytest

from conferencing.base import ENTRY_POINTS, backend_class, backend_names, register, unregister


def installed() -> dict[str, str]:
    return {ep.name: ep.value for ep in importlib.metadata.entry_points(group=ENTRY_POINTS)}


def test_the_contract_imports_no_vendor():
    code = (
        "import sys, conferencing.base; "
        "sys.exit(sorted(n for n in sys.modules if n.startswith('conferencing.')) "
        "!= ['conferencing.base', 'conferencing.errors'])"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_an_unknown_name_lists_the_known_ones():
    with pytest.raises(LookupError, match="named 'zoomish'.*turbomeeting"):
        backend_class("zoomish")


def test_the_bundled_backends_come_through_entry_points_and_no_test_backend_stays():
    """Tests register theirs for themselves (tests/conftest.py register_backend)."""
    assert backend_names() == sorted(installed())
    assert {"turbomeeting", "trueconf", "openmeetings", "webex", "bigbluebutton"} <= set(
        installed()
    )
    for name, value in installed().items():
        cls = backend_class(name)
        assert cls.name == name and f"{cls.__module__}:{cls.__qualname__}".startswith(
            value.split(":")[0]
        )


@pytest.mark.parametrize("name", backend_names())
def test_each_backend_names_a_fake_that_offers_what_make_run_needs(name):
    fake = importlib.import_module(backend_class(name).fake)
    assert fake.__name__ == f"conferencing.fakes.{name}"
    assert callable(fake.main) and isinstance(fake.PORT, int)
    served = fake.Fake()
    assert served.backend_options() == fake.DEMO
    assert served.site_url("http://127.0.0.1:1").startswith("http://127.0.0.1:1")


def test_an_installed_package_adds_a_backend_without_editing_the_portal(tmp_path):
    """A distribution on the path with an entry point is all a new vendor needs."""
    (tmp_path / "zoomish.py").write_text(
        "class Zoomish:\n    capabilities = frozenset()\n", encoding="utf-8"
    )
    info = tmp_path / "zoomish-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: zoomish\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        f"[{ENTRY_POINTS}]\nzoomish = zoomish:Zoomish\n", encoding="utf-8"
    )
    code = textwrap.dedent(
        """
        from conferencing.base import backend_class, backend_names
        assert "zoomish" in backend_names(), backend_names()
        assert backend_class("zoomish").name == "zoomish"
        assert backend_class("zoomish").__module__ == "zoomish"
        """
    )
    path = os.pathsep.join([str(tmp_path), *sys.path])
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": path},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


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
