"""Validates FHIR R4 Bundles with the Python validator fhir.resources 8.3.0
(its R4B models: `Bundle.model_validate`). Prints each Bundle with an error
and exits 1 if there was any.

    python tests/fhir/validate.py FILE...
"""
import json
import sys

from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError


def main(files):
    total = bad = 0
    for path in files:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        docs = [line for line in text.splitlines() if line.strip()] if path.endswith(".ndjson") else [text]
        for i, doc in enumerate(docs, start=1):
            total += 1
            try:
                Bundle.model_validate(json.loads(doc))
            except ValidationError as e:
                bad += 1
                where = f"{path}:{i}" if len(docs) > 1 else path
                print(f"{where}: {e.error_count()} errors")
                for err in e.errors()[:20]:
                    loc = ".".join(str(x) for x in err["loc"])
                    print(f"  fhir.resources: {loc} {err['msg']}")
    print(f"{total - bad} of {total} Bundles valid under fhir.resources (R4B models)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
