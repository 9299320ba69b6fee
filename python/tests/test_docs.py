"""Every Python example in README.md, python/README.md and docs/*.md runs (from the repository
root, so that samples/ and core/mappings/ are at hand), as do the command
lines of the sh examples; JSON examples parse."""

import json
import pathlib
import re
import shlex
import socket
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", ROOT / "python" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w+)[^\n]*\n(.*?)^```", re.M | re.S)


def blocks(language):
    out = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for m in (m for m in FENCE.finditer(text) if m.group(1) == language):
            line = text.count("\n", 0, m.start()) + 1
            out.append(pytest.param(m.group(2), id=f"{page.relative_to(ROOT)}:{line}"))
    return out


@pytest.mark.parametrize("code", blocks("python"))
def test_python_example_runs(code, monkeypatch):
    monkeypatch.chdir(ROOT)
    exec(compile(code, "<example>", "exec"), {"__name__": "__example__"})


def commands(code):
    """The pipehat command lines of an sh example (make lines are the README's two commands)."""
    for line in code.splitlines():
        line = line.split("  #")[0].strip()
        if line.startswith("pipehat "):
            yield line


# Commands whose exit status 1 is an answer, not a failure.
ANSWERS_WITH_STATUS_1 = {"validate", "diff"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("code", [p for p in blocks("sh") if any(commands(p.values[0]))])
def test_command_line_example_runs(code, tmp_path):
    cli = [sys.executable, "-m", "pipehat"]
    # Servers in examples listen on 2575 and 8443: here, on ports nobody uses.
    code = code.replace("2575", str(free_port())).replace("8443", str(free_port()))
    background = []
    try:
        for line in commands(code):
            args = shlex.split(line)[1:]
            if args[-1] == "&":  # a server: started, and stopped when the example ends
                args = [a.replace("spool.sqlite", str(tmp_path / "spool.sqlite")) for a in args[:-1]]
                proc = subprocess.Popen(cli + args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                background.append(proc)
                assert "listening" in proc.stderr.readline(), line
                continue
            if ">" in args:  # the output is read here instead
                args = args[: args.index(">")]
            r = subprocess.run(cli + args, cwd=ROOT, capture_output=True, check=False, timeout=60)
            allowed = {0, 1} if args[0] in ANSWERS_WITH_STATUS_1 else {0}
            assert r.returncode in allowed, (line, r.stderr.decode())
            assert r.stdout, line
    finally:
        for proc in background:
            proc.terminate()
            proc.wait(20)


@pytest.mark.parametrize("code", blocks("json"))
def test_json_example_parses(code):
    json.loads(code)
