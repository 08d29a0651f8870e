"""The vendor stays below the contract: walked import by import, not taken on trust."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from conferencing.base import backend_class, backend_names

ROOT = Path(__file__).resolve().parents[1]
#: The packages of the installed backends, by the registry: conferencing.<vendor>.
VENDORS = {backend_class(name).__module__.split(".")[1] for name in backend_names()}
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


def test_no_app_imports_a_vendor_package():
    """Not even the adapter: it reaches a vendor through the registry and the vendor's
    Django side (portal/vendors.py)."""
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name
            for name in imported_modules(path)
            if name.startswith("conferencing.") and name.split(".")[1] in VENDORS
        )
        for path in python_files(*APPS)
    }
    assert {path: names for path, names in offenders.items() if names} == {}
    assert any(
        name.startswith("conferencing.turbomeeting")
        for name in imported_modules(ROOT / "vendors" / "turbomeeting" / "apps.py")
    )  # the walk sees a vendor import where there is one


def test_the_registry_sees_the_bundled_vendors():
    assert {"turbomeeting", "trueconf", "openmeetings", "webex"} <= VENDORS


def test_no_app_imports_a_vendors_django_side():
    """portal, meetings and webinars reach a vendor's Django side through the adapter's
    hooks (portal/vendors.py), never by importing ``vendors.*``; nor does conferencing."""
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name for name in imported_modules(path) if name.split(".")[0] == "vendors"
        )
        for path in python_files("conferencing", *APPS)
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_a_vendors_django_side_imports_no_webinars():
    """vendors/<name>/ may use conferencing, portal and meetings, and nothing above."""
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name for name in imported_modules(path) if name.split(".")[0] == "webinars"
        )
        for path in python_files("vendors")
    }
    assert python_files("vendors")
    assert {path: names for path, names in offenders.items() if names} == {}


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
    "portal/accounts/servers.py",
    "portal/health.py",
    "meetings/services/",  # a package: each of its modules may
    "meetings/launch.py",
    "meetings/polling/asking.py",
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
        f"{path.parent.relative_to(ROOT)}/"
        if path.parent.name == "services"
        else str(path.relative_to(ROOT))
        for path in python_files(*APPS)
        if path != ADAPTER and takes_a_backend(path)
    }
    assert callers == CALLERS


LAYERS = ["conferencing", "portal", "meetings", "webinars"]
#: Templates by the layer whose code renders them. The chrome every page shares
#: (base.html, the partials at the top, Django's sign-in pages under registration/)
#: wires the apps together, as urls.py does.
TEMPLATE_LAYERS = {
    "accounts": "portal",
    "admin": "portal",
    "meetings": "meetings",
    "webinars": "webinars",
    "webhooks": "portal",
    "exports": "portal",
}
TEMPLATES = ROOT / "templates"


def _layer_of_module(module: str) -> str | None:
    top = module.split(".")[0]
    return top if top in LAYERS else None


def _above(layer: str) -> set[str]:
    return set(LAYERS[LAYERS.index(layer) + 1 :])


def _templates(layer: str) -> list[Path]:
    return [
        path
        for folder, owner in TEMPLATE_LAYERS.items()
        if owner == layer
        for path in (TEMPLATES / folder).rglob("*")
        if path.is_file()
    ]


def _strings(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and type(n.value) is str}


#: Query calls whose string arguments, or keyword names, are lookups.
BY_STRING = {"select_related", "prefetch_related", "values", "values_list", "only", "order_by"}
BY_KEYWORD = {"filter", "exclude", "get", "Q", "get_or_create", "update_or_create", "aggregate"}


def _relations_named(path: Path) -> set[str]:
    """Attributes read (``meeting.webinar``) and the first step of ORM lookups
    (``filter(webinar__x=...)``, ``select_related("webinar")``) in a module."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.Call):
            called = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if called in BY_KEYWORD:
                names |= {kw.arg.split("__")[0] for kw in node.keywords if kw.arg}
            if called in BY_STRING:
                names |= {
                    arg.value.lstrip("-").split("__")[0]
                    for arg in node.args
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                }
    return names


#: Project configuration wires everything together: it may name any layer.
CONFIG = {("portal", "urls.py"), ("portal", "celery.py"), ("portal", "settings.py")}
#: Known crossings, each with the reason it stays for now.
KNOWN_ACCESSORS = {
    # A customer's meeting server cannot change while meetings live on it.
    "portal/accounts/services.py": {"meetings"},
}
KNOWN_URL_NAMES: dict[str, set[str]] = {}


def reverse_accessors_from_above() -> dict[str, set[str]]:
    """Per layer: the names a higher layer's relations add to this layer's models
    (``Meeting.webinar``, ``Host.webinars``), as attributes and as query lookups."""
    from django.apps import apps

    names: dict[str, set[str]] = {layer: set() for layer in LAYERS}
    for model in apps.get_models():
        layer = _layer_of_module(model.__module__)
        if layer is None:
            continue
        for field in model._meta.get_fields():
            if not (field.auto_created and not field.concrete and field.is_relation):
                continue
            higher = _layer_of_module(field.related_model.__module__)
            if higher in _above(layer):
                names[layer] |= {field.get_accessor_name(), field.name}
    return names


def test_reverse_accessors_of_a_higher_layer_are_not_used_below_it():
    """Meetings' code and templates do not reach a webinar through its meeting, host or customer."""
    accessors = reverse_accessors_from_above()
    assert "webinar" in accessors["meetings"] and "webinars" in accessors["portal"]  # seen
    offenders = {}
    for layer in ("portal", "meetings"):
        names = accessors[layer]
        for path in python_files(layer):
            if "migrations" in path.parts or path.parts[-2:] in CONFIG:
                continue
            if bad := _relations_named(path) & names:
                offenders[str(path.relative_to(ROOT))] = bad
        for path in _templates(layer):
            used = set(re.findall(r"\.([a-z_]+)\b", " ".join(TAG.findall(path.read_text()))))
            if bad := used & names:
                offenders[str(path.relative_to(ROOT))] = bad
    assert offenders == KNOWN_ACCESSORS


TAG = re.compile(r"{[{%](.*?)[%}]}", re.S)


def url_names_by_layer() -> dict[str, set[str]]:
    """Per layer: the URL names its views answer under."""
    from django.urls import URLPattern, URLResolver, get_resolver

    names: dict[str, set[str]] = {layer: set() for layer in LAYERS}

    def walk(patterns) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                view = getattr(pattern.callback, "cls", None) or pattern.callback
                if layer := _layer_of_module(view.__module__):
                    names[layer].add(pattern.name)

    walk(get_resolver().url_patterns)
    return names


def test_url_names_of_a_higher_layer_are_not_reversed_below_it():
    """Meetings' code and templates do not link to webinars' pages by name."""
    defined = url_names_by_layer()
    assert "dashboard-webinar" in defined["webinars"] and "webinar-detail" in defined["webinars"]
    offenders = {}
    for layer in ("portal", "meetings"):
        names = set().union(*(defined[higher] for higher in _above(layer)))
        for path in python_files(layer):
            if path.parts[-2:] in CONFIG:
                continue
            if bad := _strings(path) & names:
                offenders[str(path.relative_to(ROOT))] = bad
        for path in _templates(layer):
            used = set(re.findall(r"{%\s*url\s+['\"]([^'\"]+)['\"]", path.read_text()))
            if bad := used & names:
                offenders[str(path.relative_to(ROOT))] = bad
    assert offenders == KNOWN_URL_NAMES


#: The project tree's shared chrome; every other template sits under its app's folder.
SHARED_TEMPLATES = {"base.html", "charts", "forms", "registration", "admin"}


def test_templates_live_in_the_project_tree_under_the_app_that_renders_them():
    assert {path.name for path in TEMPLATES.iterdir()} <= SHARED_TEMPLATES | set(TEMPLATE_LAYERS)
    assert not [
        p for app in ("portal", "meetings", "webinars") for p in (ROOT / app).rglob("templates")
    ]


def test_services_never_import_tasks():
    """Tasks call services; services queue a task by its name (portal.queueing)."""
    services = [
        path
        for app in ("portal/accounts", "meetings", "webinars")
        for path in [ROOT / app / "services.py", *(ROOT / app / "services").glob("*.py")]
        if path.exists()
    ]
    assert len(services) >= 3
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name
            for name in imported_modules(path)
            if name.split(".")[-1] == "tasks" or ".tasks." in name
        )
        for path in services
    }
    assert {path: names for path, names in offenders.items() if names} == {}
