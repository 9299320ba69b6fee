import json
import os
import pathlib
import sys

import pytest

import pipehat

TESTS = pathlib.Path(__file__).resolve().parents[2] / "tests"

# Spark (test_spark.py and the examples of docs/engines.md): its Python workers run
# this interpreter, where pipehat is installed; the driver binds loopback only and
# serves no web UI.
os.environ["PYSPARK_PYTHON"] = sys.executable
os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
os.environ.setdefault(
    "PYSPARK_SUBMIT_ARGS",
    "--conf spark.ui.enabled=false --conf spark.ui.showConsoleProgress=false "
    "--conf spark.driver.bindAddress=127.0.0.1 --conf spark.driver.host=127.0.0.1 pyspark-shell",
)
CORPUS = TESTS / "corpus"


def corpus_messages():
    """(file name, bytes, Message) for every corpus message that parses."""
    for path in sorted((CORPUS / "messages").iterdir()):
        data = path.read_bytes()
        try:
            yield path.name, data, pipehat.parse(data)
        except pipehat.ParseError:
            continue


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.fixture(scope="session", autouse=True)
def installed_wheel():
    # The suite runs against the installed wheel, never the source tree.
    assert "site-packages" in pipehat.__file__, pipehat.__file__


class HttpReceiver:
    """pipehat's HL7-over-HTTP endpoint behind the standard library's threaded
    server on loopback (HTTPS with an SSLContext), calling `handler(message)`."""

    def __init__(self, handler, port=0, ssl=None):
        import http.server
        import threading

        from pipehat.http import Endpoint

        endpoint = Endpoint(handler)

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, out, data = endpoint.exchange_sync("POST", headers, body)
                self.send_response(status)
                for k, v in out:
                    self.send_header(k, v)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                return

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        if ssl is not None:
            self.httpd.socket = ssl.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="session")
def workload(tmp_path_factory):
    """The shared benchmark workload (adt, oru, mixed, big), written by
    ../shared/bench/make_workload.py: the files the benchmarks read."""
    import subprocess

    script = TESTS.parents[1] / "shared" / "bench" / "make_workload.py"
    out = tmp_path_factory.mktemp("workload")
    subprocess.run([sys.executable, str(script), str(out)], check=True, capture_output=True)
    return out
