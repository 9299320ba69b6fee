"""The viewer: ``pipehat view FILE`` serves the npm package's viewer page
(copied into the wheel as ``pipehat/_viewer``) on a loopback address and
opens it in the browser.

What is served, and with which headers, is read from the page's own
``viewer/serve.json`` and ``viewer/files.json``, as the Node server
(``npx pipehat view``) reads them: this module serves those files and
nothing else, adding ``viewer/open.mjs`` and its parts, which hand FILE to
the page.

>>> import pipehat.view
>>> viewer = pipehat.view.start("samples/nhl7c__adt_a08__1.hl7")  # doctest: +SKIP
>>> viewer.url  # doctest: +SKIP
'http://127.0.0.1:40631/3f0c.../viewer/index.html#open'
>>> viewer.close()  # doctest: +SKIP
"""

from __future__ import annotations

import base64
import http.server
import json
import os
import secrets
import shutil
import socket
import threading
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Union, cast
from urllib.parse import urlsplit

from . import transport as _t

__all__ = ["Viewer", "ViewerMissing", "config", "open_modules", "start", "export"]

VIEWER = Path(__file__).parent / "_viewer"


class ViewerMissing(RuntimeError):
    """This installation has no viewer page (a build without the npm package's files)."""

    code = "viewer_missing"


def config() -> Dict[str, Any]:
    """serve.json with the list of files the page loads (files.json)."""
    try:
        serve = json.loads((VIEWER / "viewer" / "serve.json").read_text("utf-8"))
        files = json.loads((VIEWER / "viewer" / "files.json").read_text("utf-8"))["files"]
    except (OSError, ValueError, KeyError):
        raise ViewerMissing(
            "this pipehat has no viewer page: build the wheel with `make python-wheel` [viewer_missing]"
        ) from None
    return {**serve, "files": files}


def open_modules(name: str, data: Optional[bytes], part: int) -> Dict[str, Callable[[], bytes]]:
    """The modules that hand a file to the page, by name under viewer/:
    open.mjs (imported when the address ends in #open) says the file's name,
    size and number of parts, and open/N.mjs holds part N in base64 (`part`
    bytes each, loaded in parallel). Without a file, open.mjs says null."""
    if data is None:
        return {"open.mjs": lambda: b"export default null;\n"}
    parts = -(-len(data) // part)
    head = json.dumps({"name": name, "size": len(data), "part": part, "parts": parts})
    modules: Dict[str, Callable[[], bytes]] = {"open.mjs": lambda: f"export default {head};\n".encode("utf-8")}
    for i in range(parts):
        piece = memoryview(data)[i * part : (i + 1) * part]
        modules[f"open/{i}.mjs"] = _part_module(piece)
    return modules


def _part_module(piece: memoryview) -> Callable[[], bytes]:
    return lambda: b'export default "' + base64.b64encode(piece) + b'";\n'


class Viewer:
    """A running viewer: ``url`` to open, ``close()`` to stop it."""

    def __init__(self, server: http.server.ThreadingHTTPServer, url: str, thread: threading.Thread) -> None:
        self._server = server
        self.url = url
        self._thread = thread

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> "Viewer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Server(http.server.ThreadingHTTPServer):
    """The viewer's server: what its handler answers with."""

    daemon_threads = True
    token = ""
    hosts: "set[str]" = set()  # the Host headers that name this server
    opened: Dict[str, Callable[[], bytes]] = {}
    served: "set[str]" = set()
    headers: Dict[str, str] = {}
    types: Dict[str, str] = {}
    index = ""


class _Server6(_Server):
    address_family = socket.AF_INET6


class _Handler(http.server.BaseHTTPRequestHandler):
    server_version = "pipehat"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass  # no request log: addresses hold the token

    def _answer(self, status: int, body: bytes = b"", extra: Optional[Dict[str, str]] = None) -> None:
        self.send_response(status)
        for k, v in {**cast(_Server, self.server).headers, **(extra or {})}.items():
            self.send_header(k, v)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self) -> None:
        server = cast(_Server, self.server)
        if self.headers.get("host", "") not in server.hosts:
            return self._answer(403)
        path = urlsplit(self.path).path
        prefix = f"/{server.token}/"
        if path in (f"/{server.token}", prefix):
            return self._answer(302, extra={"location": prefix + server.index})
        if not path.startswith(prefix):
            return self._answer(404)
        name = path[len(prefix) :]
        made = server.opened.get(name[len("viewer/") :]) if name.startswith("viewer/") else None
        if made is not None:
            body = made()
        elif name in server.served:
            body = (VIEWER / name).read_bytes()
        else:
            return self._answer(404)
        self._answer(200, body, {"content-type": server.types.get(os.path.splitext(name)[1], "application/octet-stream")})

    do_HEAD = do_GET

    def _refuse(self) -> None:
        self._answer(405, extra={"allow": "GET, HEAD"})

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse


def start(
    file: Union[str, "os.PathLike[str]", None] = None,
    *,
    host: Optional[str] = None,
    port: int = 0,
) -> Viewer:
    """Serves the viewer on a loopback address (``host``, default 127.0.0.1;
    ``port`` 0 takes any free one), with ``file`` opened in the page.

    Every address carries a random token, and requests naming another host
    are refused, so that neither another local user's guess nor a web page
    through DNS rebinding can read the file. Raises ViewerMissing, OSError
    (the file) and TransportError (``public_address``).
    """
    cfg = config()
    host = host or cfg["host"]
    if not _t.is_loopback(host):
        raise _t.error("public_address")
    given = Path(file).read_bytes() if file is not None else None
    v6 = ":" in host
    server = (_Server6 if v6 else _Server)((host, port), _Handler)
    server.token = secrets.token_hex(16)
    port = server.server_port
    server.hosts = {f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"}
    server.opened = open_modules(Path(file).name if file is not None else "", given, cfg["part"])
    server.served = set(cfg["files"])
    server.headers = {"content-security-policy": cfg["csp"], **cfg["headers"]}
    server.types = cfg["types"]
    server.index = cfg["index"]
    thread = threading.Thread(target=server.serve_forever, name="pipehat-viewer", daemon=True)
    thread.start()
    shown = f"[{host}]" if v6 else host
    url = f"http://{shown}:{port}/{server.token}/{server.index}{'#open' if given is not None else ''}"
    return Viewer(server, url, thread)


def export(directory: Union[str, "os.PathLike[str]"]) -> List[str]:
    """Writes the viewer as a static site to ``directory`` (``index.html``
    there leads to the page); returns the files written."""
    cfg = config()
    out = Path(directory)
    written = []
    for name in cfg["files"]:
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(VIEWER / name, target)
        written.append(name)
    index = cfg["index"]
    (out / "index.html").write_text(
        f'<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0; url={index}">'
        f'<title>pipehat viewer</title><a href="{index}">pipehat viewer</a>\n',
        "utf-8",
    )
    written.append("index.html")
    return written
