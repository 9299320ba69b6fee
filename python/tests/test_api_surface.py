"""tests/api_surface.json (also checked by the Rust and JavaScript suites):
every Python name of a capability exists, and the stubs declare it."""

import json
import pathlib
import re

import pipehat

ROOT = pathlib.Path(__file__).resolve().parents[2]
SURFACE = json.loads((ROOT / "tests" / "api_surface.json").read_text(encoding="utf-8"))["capabilities"]
STUBS = (ROOT / "python" / "pipehat" / "_native.pyi").read_text(encoding="utf-8")
FACADE = (ROOT / "python" / "pipehat" / "__init__.py").read_text(encoding="utf-8")
ERRORS = (ROOT / "python" / "pipehat" / "errors.py").read_text(encoding="utf-8")
MODULES = [(ROOT / "python" / "pipehat" / f"{m}.py").read_text(encoding="utf-8") for m in ("transport", "mllp", "http", "bridge", "arrow", "spark", "polars", "dask", "view")]


def declared(name: str) -> bool:
    """Whether a stub (or the pure-Python modules) declares the last part of `name`."""
    last = name.split(".")[-1]
    pattern = re.compile(rf"^\s*(async def|def|class) {re.escape(last)}\b|^{re.escape(last)}\s*[:=]", re.M)
    return any(pattern.search(text) for text in (STUBS, FACADE, ERRORS, *MODULES))


def test_every_python_name_exists_and_is_declared():
    missing = []
    for row in SURFACE:
        name = row["python"]
        if name is None:
            assert row.get("why"), row
            continue
        target = pipehat
        for part in name.split("."):
            target = getattr(target, part, None)
            if target is None:
                missing.append(f"{name} (runtime)")
                break
        if not declared(name):
            missing.append(f"{name} (stub)")
    assert missing == []
