"""The vendor stays below the contract: walked import by import, not taken on trust."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDORS = {"turbomeeting", "trueconf", "openmeetings", "webex"}
ADAPTER = ROOT / "portal" / "servers.py"
APPS = ["portal", "meetings", "webinars"]


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def python_files(*folders: str) -> list[Path]:
    return [p for folder in folders for p in (ROOT / folder).rglob("*.py")]


def test_only_the_adapter_imports_a_vendor_package():
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name
            for name in imported_modules(path)
            if name.startswith("conferencing.") and name.split(".")[1] in VENDORS
        )
        for path in python_files(*APPS)
        if path != ADAPTER
    }
    assert {path: names for path, names in offenders.items() if names} == {}
    assert any(
        name.startswith("conferencing.turbomeeting") for name in imported_modules(ADAPTER)
    )  # the walk sees a vendor import where there is one


def test_conferencing_imports_no_django():
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name for name in imported_modules(path) if name.split(".")[0] == "django"
        )
        for path in python_files("conferencing")
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_imports_flow_one_way():
    """conferencing ← portal ← meetings ← webinars: nothing imports a layer above it."""
    above = {
        "conferencing": {"portal", "meetings", "webinars"},
        "portal": {"meetings", "webinars"},
        "meetings": {"webinars"},
    }
    offenders = {}
    for layer, forbidden in above.items():
        for path in python_files(layer):
            if layer == "portal" and path.parts[-2:] in {
                ("portal", "urls.py"),
                ("portal", "celery.py"),
            }:
                continue  # project configuration wires everything together
            bad = sorted(n for n in imported_modules(path) if n.split(".")[0] in forbidden)
            if bad:
                offenders[str(path.relative_to(ROOT))] = bad
    assert offenders == {}


#: The modules that call a meeting server, each through the customer's backend from the
#: adapter: the services, start and join links, live-status polling and /healthz.
CALLERS = {
    "portal/accounts/services.py",
    "portal/health.py",
    "meetings/services.py",
    "meetings/launch.py",
    "meetings/polling.py",
}


def takes_a_backend(path: Path) -> bool:
    """Whether the module takes a backend from the adapter (``servers.backend(...)``)."""
    return any(
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "servers"
        and node.attr in {"backend", "server_backend"}
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
    )


def test_only_services_launch_polling_and_health_call_a_server():
    """Views, pages and feeds go through them (README, "Layout")."""
    callers = {
        str(path.relative_to(ROOT))
        for path in python_files(*APPS)
        if path != ADAPTER and takes_a_backend(path)
    }
    assert callers == CALLERS


#: The project tree's shared chrome; every other template sits under its app's folder.
TEMPLATES = ROOT / "templates"
SHARED_TEMPLATES = {"base.html", "charts", "forms", "registration", "admin"}


def test_templates_live_in_the_project_tree_under_the_app_that_renders_them():
    assert {path.name for path in TEMPLATES.iterdir()} <= SHARED_TEMPLATES | {
        "accounts",
        "meetings",
        "webinars",
    }
    assert not [
        p for app in ("portal", "meetings", "webinars") for p in (ROOT / app).rglob("templates")
    ]
