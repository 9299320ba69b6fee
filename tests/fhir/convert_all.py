"""Converts the FHIR reference pairs' inputs (tests/fhir/pairs) and every
corpus message whose structure the v2-to-FHIR IG maps (tests/corpus) to
Bundles, for the validators and the content score that `make test-fhir`
runs:

    python tests/fhir/convert_all.py OUT_DIR

writes OUT_DIR/<source>/<id>.json per pair and OUT_DIR/corpus.ndjson.
"""
import csv
import json
import pathlib
import sys

import pipehat

HERE = pathlib.Path(__file__).resolve().parent


def main(out: pathlib.Path) -> int:
    pairs = HERE / "pairs"
    n = 0
    with open(pairs / "MANIFEST.tsv", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            bundle = pipehat.parse((pairs / row["input"]).read_bytes()).to_fhir()
            target = out / row["source"] / (row["id"] + ".json")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(bundle), encoding="utf-8")
            n += 1
    converted = skipped = 0
    with open(out / "corpus.ndjson", "w", encoding="utf-8") as f:
        for path in sorted((HERE.parent / "corpus" / "messages").iterdir()):
            if path.suffix != ".hl7":
                continue
            for chunk in pipehat.split(path.read_bytes()):
                if chunk.kind != "message":
                    continue
                try:
                    msg = pipehat.parse(chunk.bytes)
                except pipehat.ParseError:
                    skipped += 1  # the corpus keeps some broken messages on purpose
                    continue
                try:
                    bundle = msg.to_fhir()
                except pipehat.FhirError as e:
                    assert e.code == "fhir_no_map", (path.name, e.code)
                    skipped += 1
                    continue
                f.write(json.dumps(bundle) + "\n")
                converted += 1
    print(f"{n} pairs and {converted} corpus messages converted ({skipped} corpus messages have no map or do not parse)")
    return 0


if __name__ == "__main__":
    sys.exit(main(pathlib.Path(sys.argv[1])))
