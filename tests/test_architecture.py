"""The arrows between the apps point one way, and the code stays in readable pieces.

import-linter holds the imports (``[tool.importlinter]`` in pyproject.toml; ``make lint``
and CI run it). These tests hold what it cannot see: that its list of gdpr's internals is
complete, that gdpr's models point at no other app's tables, and the size of modules and
functions.
"""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys
import tomllib

from django.apps import apps

ROOT = pathlib.Path(__file__).resolve().parent.parent
PRODUCT = ("registry", "accounts", "organizations", "billing", "communications", "gdpr")
# gdpr may know the user (accounts) and Django's own apps, nothing else.
GDPR_MAY_POINT_AT = {"gdpr", "accounts", "auth", "contenttypes"}
MAX_MODULE_LINES = 650
MAX_FUNCTION_LINES = 80


def _contracts() -> list[dict]:
    with open(ROOT / "pyproject.toml", "rb") as handle:
        return tomllib.load(handle)["tool"]["importlinter"]["contracts"]


def test_the_contract_names_every_internal_module_of_gdpr():
    contract = next(c for c in _contracts() if c["name"].endswith("(gdpr.api)"))
    children = {
        f"gdpr.{path.stem if path.is_file() else path.name}"
        for path in (ROOT / "gdpr").iterdir()
        if (path.suffix == ".py" and path.stem != "__init__")
        or (path.is_dir() and (path / "__init__.py").exists())
    }
    children -= {"gdpr.api", "gdpr.migrations"}
    assert children - set(contract["forbidden_modules"]) == set()


def test_the_import_contracts_hold():
    result = subprocess.run(  # noqa: S603  (our own tool, no input)
        [str(pathlib.Path(sys.executable).parent / "lint-imports"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:]


def test_gdpr_models_point_at_no_other_app():
    for model in apps.get_app_config("gdpr").get_models():
        for field in model._meta.get_fields():
            if field.is_relation and field.related_model is not None and field.concrete:
                label = field.related_model._meta.app_label
                assert label in GDPR_MAY_POINT_AT, f"{model.__name__}.{field.name} → {label}"


def _product_modules():
    for package in PRODUCT:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def test_no_module_is_too_long():
    long = {
        str(path.relative_to(ROOT)): lines
        for path in _product_modules()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_no_function_is_too_long():
    long = {}
    for path in _product_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long[f"{path.relative_to(ROOT)}:{node.name}"] = lines
    assert long == {}
