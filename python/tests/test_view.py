"""``pipehat view``'s server (pipehat.view) over HTTP: the shared cases of
tests/viewer_server_cases.json, which the npm package's server answers
alike. The page itself runs in Chromium in npm/test-viewer/run.mjs, served
by this module too."""

import base64
import http.client
import json
import pathlib
import re
import subprocess
import sys
from urllib.parse import urlsplit

import pytest

import pipehat
import pipehat.view

ROOT = pathlib.Path(__file__).resolve().parents[2]
CASES = json.loads((ROOT / "tests" / "viewer_server_cases.json").read_text("utf-8"))["cases"]
SAMPLE = ROOT / "samples" / "nhl7c__adt_a08__1.hl7"
SERVE = json.loads((pipehat.view.VIEWER / "viewer" / "serve.json").read_text("utf-8"))


def get(url, path, host, method="GET"):
    u = urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        if host:
            conn.putheader("Host", host.replace("PORT", str(u.port)))
        conn.endheaders()
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def test_the_server_answers_the_shared_cases():
    with pipehat.view.start(SAMPLE) as viewer:
        token = urlsplit(viewer.url).path.split("/")[1]
        assert re.fullmatch(r"[0-9a-f]{32}", token)
        assert viewer.url.startswith("http://127.0.0.1:") and viewer.url.endswith("/viewer/index.html#open")
        for c in CASES:
            path = c["path"] if c.get("bare") else f"/{token}/{c['path']}"
            status, headers, _ = get(viewer.url, path, c["host"], c.get("method", "GET"))
            assert status == c["status"], c["name"]
            assert headers["content-security-policy"] == SERVE["csp"], c["name"]
            if "type" in c:
                assert headers["content-type"] == c["type"], c["name"]
            if "location" in c:
                assert headers["location"] == f"/{token}/{c['location']}", c["name"]
        _, _, body = get(viewer.url, f"/{token}/{SERVE['open']}", "127.0.0.1:PORT")
        given = json.loads(re.fullmatch(r"export default (.*);\n", body.decode(), re.S).group(1))
        data = SAMPLE.read_bytes()
        assert given == {"name": SAMPLE.name, "size": len(data), "part": SERVE["part"], "parts": 1}
        _, _, body = get(viewer.url, f"/{token}/viewer/open/0.mjs", "127.0.0.1:PORT")
        assert base64.b64decode(re.fullmatch(r'export default "(.*)";\n', body.decode(), re.S).group(1)) == data


def test_a_file_is_handed_over_in_parts():
    data = b"MSH|^~\\&|0123456789"
    modules = pipehat.view.open_modules("f.hl7", data, 6)
    assert list(modules) == ["open.mjs", "open/0.mjs", "open/1.mjs", "open/2.mjs", "open/3.mjs"]
    assert modules["open.mjs"]() == f'export default {{"name": "f.hl7", "size": {len(data)}, "part": 6, "parts": 4}};\n'.encode()
    back = b"".join(base64.b64decode(re.search(rb'"(.*)"', modules[f"open/{i}.mjs"]()).group(1)) for i in range(4))
    assert back == data
    assert list(pipehat.view.open_modules("", None, 6)) == ["open.mjs"]


def test_without_a_file_and_on_ipv6_loopback():
    with pipehat.view.start(host="::1") as viewer:
        assert viewer.url.startswith("http://[::1]:") and viewer.url.endswith("/viewer/index.html")
        token = urlsplit(viewer.url).path.split("/")[1]
        _, _, body = get(viewer.url, f"/{token}/{SERVE['open']}", "[::1]:PORT")
        assert body == b"export default null;\n"


def test_other_addresses_and_missing_files_are_refused():
    with pytest.raises(pipehat.TransportError) as e:
        pipehat.view.start(host="0.0.0.0")
    assert e.value.code == "public_address"
    with pytest.raises(FileNotFoundError):
        pipehat.view.start("no/such/file.hl7")


def test_export_writes_the_page_files_and_an_index(tmp_path):
    written = pipehat.view.export(tmp_path)
    files = pipehat.view.config()["files"]
    assert written == [*files, "index.html"]
    for f in written:
        assert (tmp_path / f).is_file(), f
    assert "url=viewer/index.html" in (tmp_path / "index.html").read_text("utf-8")


def test_the_command(tmp_path):
    r = subprocess.run([sys.executable, "-m", "pipehat", "view", "--export", str(tmp_path / "site")], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "site" / "viewer" / "index.html").is_file()
    r = subprocess.run([sys.executable, "-m", "pipehat", "view", "no/such/file.hl7", "--no-open"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "no/such/file.hl7" in r.stderr
    # A served file: the address printed, then stopped by SIGINT.
    p = subprocess.Popen([sys.executable, "-m", "pipehat", "view", str(SAMPLE), "--no-open"], stdout=subprocess.PIPE, text=True)
    try:
        line = p.stdout.readline()
        url = re.search(r"http://\S+", line).group(0)
        token = urlsplit(url).path.split("/")[1]
        status, _, body = get(url, f"/{token}/viewer/index.html", "127.0.0.1:PORT")
        assert status == 200 and b"pipehat viewer" in body
    finally:
        p.send_signal(2)
        assert p.wait(20) == 0
