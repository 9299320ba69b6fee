import json
import pathlib

import pytest

import pipehat

TESTS = pathlib.Path(__file__).resolve().parents[2] / "tests"
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
