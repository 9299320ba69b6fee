# pipehat: the one entry point. Every target installs what it needs.
#   make demo    the `pipehat` command on the real sample messages in samples/
#   make test    every suite of every language, plus fmt, clippy and the no_std build
#   make bench   criterion benchmarks against the peer crates (workload from ../shared/bench)
#   make bench-report     the performance page's tables measured anew (Rust, Node, Python) and written into docs/performance.md
#   make bench-transport  MLLP and HL7-over-HTTP throughput against the Node and Python peers
#   make bench-engines    Spark, Polars and Dask readers against Spark's floor and a python-hl7 UDF
#   make bench-deid       de-identification in Python (files on every core, a regex script for scale) and Node
#   make bench-viewer     the viewer page: weight, time to interactive, selections in a 100,000-message file
#   make viewer-screenshots  the viewer's screenshots (npm/viewer/screenshots/) taken anew
#   make fuzz    every fuzz target for FUZZ_SECONDS each, then the bindings (fuzz-bindings)
#   make dist    the Python wheel and sdist into dist/
#   make generate  every generated file from its generator (make test checks they agree)

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
CARGO ?= cargo
FUZZ_SECONDS ?= 60
SHARED ?= ../shared
BENCH_DATA ?= target/bench-data
FUZZ_TARGETS := parse paths escapes stream extract columns edit mllp json route validate transport fhir deid
VENV ?= .venv
PY := $(VENV)/bin/python
WHEEL_DIR := target/wheels
# The wasm-bindgen CLI must match the wasm-bindgen crate exactly (bindings-wasm/Cargo.toml).
WASM_BINDGEN_VERSION := 0.2.130
# Honour CARGO_TARGET_DIR when set (CI caches, shared target dirs).
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
WASM := $(TARGET_DIR)/wasm32-unknown-unknown/release/pipehat_wasm.wasm

.PHONY: generate check-generated dictionary demo test bench fuzz fmt lint dist setup-rust setup-python setup-engines setup-wasm setup-browser setup-stunnel python-wheel npm-build test-rust test-nostd test-python test-npm test-browser test-viewer viewer-screenshots test-bundlers test-runtimes test-interop test-node-versions fuzz-bindings bench-data bench-report setup-bench-python bench-serde bench-transport bench-engines bench-deid bench-viewer help

help:
	@sed -n '2,9p' Makefile

setup-rust:
	@rustup target list --installed | grep -q '^wasm32-unknown-unknown$$' || rustup target add wasm32-unknown-unknown
	@rustup target list --installed | grep -q '^thumbv7em-none-eabihf$$' || rustup target add thumbv7em-none-eabihf
	@rustup component list --installed | grep -q '^clippy' || rustup component add clippy
	@rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt

# A virtualenv with the build and test tools, the optional table libraries the tests cover,
# and the MLLP peers the interop tests run against (python-hl7, hl7apy, mllp-http).
setup-python:
	@test -x $(PY) || python3 -m venv $(VENV)
	@$(PY) -c "import maturin, pytest, mypy, pyarrow, polars, pandas, hl7, hl7apy, mllp_http, jsonschema" 2>/dev/null || \
	  $(PY) -m pip install --quiet "maturin>=1.7,<2" pytest mypy pyarrow polars pandas "hl7==0.4.5" "hl7apy==1.3.5" "mllp-http==1.1.4" jsonschema

# Build the abi3 wheel and install it into the virtualenv: tests run against the installed wheel.
# The wheel carries the npm package's viewer page (pipehat view), copied from the web build.
python-wheel: setup-python npm-build
	rm -rf python/pipehat/_viewer
	node npm/bin/pipehat.mjs view --export python/pipehat/_viewer > /dev/null
	cd python && ../$(VENV)/bin/maturin build --release --quiet -o ../$(WHEEL_DIR)
	$(PY) -m pip install --quiet --force-reinstall --no-deps $(WHEEL_DIR)/pipehat-*-abi3-*.whl

demo: python-wheel
	@echo "== pipehat stats samples/*.hl7"
	@$(VENV)/bin/pipehat stats samples/*.hl7
	@echo; echo "== pipehat get samples/pyhl7__adt_a04__file2.hl7 MSH-9 MSH-10 PID-3.1 PID-5.1 PID-7   (a batch file)"
	@$(VENV)/bin/pipehat get samples/pyhl7__adt_a04__file2.hl7 MSH-9 MSH-10 PID-3.1 PID-5.1 PID-7
	@echo; echo "== pipehat show samples/lfh__vxu_v04__mixed_cr_lf.hl7   (CR and LF mixed)"
	@$(VENV)/bin/pipehat show samples/lfh__vxu_v04__mixed_cr_lf.hl7
	@echo; echo "== pipehat ack samples/nhl7c__adt_a08__1.hl7   (the ACK a receiver sends back)"
	@$(VENV)/bin/pipehat ack samples/nhl7c__adt_a08__1.hl7
	@echo; echo "== pipehat json --form friendly samples/pyhl7__frag__mllp.hl7   (an MLLP capture, for people)"
	@$(VENV)/bin/pipehat json --form friendly samples/pyhl7__frag__mllp.hl7
	@echo; echo '== pipehat filter '"'"'MSH-9.1 = "ADT" and MSH-9.2 in ("A01", "A04", "A08")'"'"' samples/pyhl7__adt_a04__file2.hl7 --count'
	@$(VENV)/bin/pipehat filter 'MSH-9.1 = "ADT" and MSH-9.2 in ("A01", "A04", "A08")' samples/pyhl7__adt_a04__file2.hl7 --count
	@echo; echo "== pipehat map core/mappings/oru-observations.json samples/msfhirconv__lab_oru_1.hl7   (one JSON row per OBX)"
	@$(VENV)/bin/pipehat map core/mappings/oru-observations.json samples/msfhirconv__lab_oru_1.hl7 | head -5
	@echo; echo "== pipehat table samples/*.hl7 --fields MSH-9,MSH-10,PID-3.1,PID-8 -o messages.parquet   (columns for Spark, Polars, DuckDB)"
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	  $(VENV)/bin/pipehat table samples/*.hl7 --fields MSH-9,MSH-10,PID-3.1,PID-8 -o $$tmp/messages.parquet && \
	  $(PY) -c "import polars as pl, sys; pl.Config.set_tbl_hide_dataframe_shape(True); print(pl.read_parquet(sys.argv[1]).drop('_file').head(4))" $$tmp/messages.parquet
	@echo; echo "== pipehat validate samples/hapi__adt__adt_a03.hl7   (against its declared version, 2.5)"
	@$(VENV)/bin/pipehat validate samples/hapi__adt__adt_a03.hl7 || true
	@echo; echo "== pipehat explain PID-3 PID-18 --version 2.5"
	@$(VENV)/bin/pipehat explain PID-3 PID-18 --version 2.5 | grep -v '^  \.'
	@echo; echo "== pipehat fhir samples/nhl7c__adt_a08__1.hl7 --report   (a FHIR R4 Bundle by the v2-to-FHIR IG; what was not mapped on stderr)"
	@$(VENV)/bin/pipehat fhir samples/nhl7c__adt_a08__1.hl7 --report | $(PY) -c "import json, sys; b = json.load(sys.stdin); print(b['type'], [e['resource']['resourceType'] for e in b['entry']])"
	@echo; echo "== pipehat deid --key-file samples/demo-deid.key samples/msfhirconv__lab_oru_1.hl7   (HIPAA Safe Harbor: names, addresses, dates, ids; the same tokens for the same key)"
	@$(VENV)/bin/pipehat deid --key-file samples/demo-deid.key samples/msfhirconv__lab_oru_1.hl7 | tr '\r' '\n' | head -4
	@echo; echo "== pipehat listen 0 --count 2 &  then  pipehat send 127.0.0.1:PORT ...   (MLLP on loopback: each message ACKed once received)"
	@log=$$(mktemp); $(VENV)/bin/pipehat listen 0 --count 2 > /dev/null 2> $$log & pid=$$!; port=; \
	  for i in $$(seq 100); do port=$$(grep -o 'listening on 127.0.0.1:[0-9]*' $$log | sed 's/.*://' || true); test -n "$$port" && break; sleep 0.1; done; \
	  $(VENV)/bin/pipehat send 127.0.0.1:$$port samples/nhl7c__adt_a08__1.hl7 samples/hapi__adt__adt_a03.hl7; \
	  wait $$pid; cat $$log; rm -f $$log
	@echo; echo "== the same job from Rust: cargo run --example summary"
	@$(CARGO) run --quiet --release -p pipehat --example summary -- samples/ | tail -4

test: setup-rust check-generated lint test-rust test-nostd test-npm test-node-versions test-browser test-viewer test-bundlers test-runtimes test-interop test-python test-fhir
	@echo "make test: all suites passed"

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy -p pipehat-wasm --target wasm32-unknown-unknown -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc -p pipehat --features dictionary,yaml,serde,fhir,deid --no-deps --quiet

test-rust:
	$(CARGO) test -p pipehat --features dictionary,yaml,fhir,deid --doc
	$(CARGO) test -p pipehat --no-default-features --features alloc --lib
	$(CARGO) test -p pipehat --features serde --lib
	$(CARGO) build -p pipehat --features dictionary,fhir,deid --examples
	$(CARGO) test -p pipehat --features dictionary,yaml,fhir,deid --lib --tests

# Every generated file, each written by its generator: the dictionary tables
# (from hl7apy), the charset tables (from Python's codecs) and the shared test
# cases (tests/*.py write tests/*.jsonl). Generators run at `make generate`,
# never at build time; `make test` fails when a committed file differs from
# what its generator writes (check-generated).
GENERATED := core/src/dictionary/data.rs core/src/charset_tables.rs core/src/fhir/tables.rs docs/fhir-map-gaps.md docs/deid-coverage.md \
  tests/cases.jsonl tests/columns_cases.jsonl tests/deid_cases.jsonl tests/errors.jsonl tests/fhir_cases.jsonl tests/mutations.jsonl tests/route_cases.jsonl tests/transport_cases.jsonl tests/validate_cases.jsonl tests/write_cases.jsonl

generate: setup-python
	@$(PY) -c "import hl7apy" 2>/dev/null || $(PY) -m pip install --quiet "hl7apy==1.3.5"
	$(PY) core/dictionary/generate.py core/src/dictionary/data.rs
	$(PY) core/tools/gen_charsets.py
	$(MAKE) --no-print-directory tests/fhir/node_modules/.installed
	$(PY) core/fhir/generate.py core/src/fhir/tables.rs docs/fhir-map-gaps.md
	$(CARGO) run -q -p pipehat --features deid --example deid_coverage > docs/deid-coverage.md.tmp && mv docs/deid-coverage.md.tmp docs/deid-coverage.md
	@for g in cases columns_cases deid_cases errors fhir_cases mutations route_cases transport_cases validate_cases write_cases; do $(PY) tests/$$g.py; done

# The generated files are regenerated in place and compared with what was
# there: a difference fails (and stays in the work tree, for git diff).
check-generated:
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	for f in $(GENERATED); do mkdir -p "$$tmp/$$(dirname $$f)"; cp "$$f" "$$tmp/$$f"; done; \
	$(MAKE) --no-print-directory generate > "$$tmp/log" || { cat "$$tmp/log"; exit 1; }; \
	status=0; for f in $(GENERATED); do \
	  cmp -s "$$f" "$$tmp/$$f" || { echo "check-generated: $$f differs from what its generator writes (make generate; git diff $$f)"; status=1; }; \
	done; \
	test $$status = 0 && echo "check-generated: $(words $(GENERATED)) generated files agree with their generators"; exit $$status

# The dictionary alone (part of make generate).
dictionary: setup-python
	@$(PY) -c "import hl7apy" 2>/dev/null || $(PY) -m pip install --quiet "hl7apy==1.3.5"
	$(PY) core/dictionary/generate.py core/src/dictionary/data.rs

# no_std: a target without std proves it; wasm32 with simd128 checks the vector path compiles.
test-nostd:
	$(CARGO) build -p pipehat --no-default-features --target thumbv7em-none-eabihf
	$(CARGO) build -p pipehat --no-default-features --features alloc --target thumbv7em-none-eabihf
	$(CARGO) build -p pipehat --no-default-features --features fhir,deid --target thumbv7em-none-eabihf
	$(CARGO) build -p pipehat --no-default-features --features json --target thumbv7em-none-eabihf
	RUSTFLAGS="-C target-feature=+simd128" $(CARGO) build -p pipehat --target wasm32-unknown-unknown

# The data engines' suites (python/tests/test_engines.py, test_spark.py): Spark 4 in local
# mode needs Java 17 or later (Debian's headless JRE when there is none), Dask and DuckDB.
SPARK_VERSION := 4.0.5
setup-engines: setup-python
	@java -version 2>&1 | grep -Eq 'version "(1[7-9]|[2-9][0-9])' || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless; }
	@$(PY) -c "import pyspark, dask.dataframe, duckdb; assert pyspark.__version__ == '$(SPARK_VERSION)'" 2>/dev/null || \
	  $(PY) -m pip install --quiet "pyspark==$(SPARK_VERSION)" "dask[dataframe]==2026.11.0" "duckdb==2.0.1"

test-python: python-wheel setup-stunnel setup-engines
	cd python && ../$(PY) -m mypy --strict pipehat/cli.py pipehat/__init__.py pipehat/errors.py pipehat/transport.py pipehat/mllp.py pipehat/http.py pipehat/bridge.py \
	  pipehat/arrow.py pipehat/spark.py pipehat/polars.py pipehat/dask.py pipehat/view.py
	cd /tmp && $(abspath $(PY)) -m mypy.stubtest pipehat --allowlist $(abspath python/stubtest-allowlist.txt)
	$(PY) -m pytest -q -p no:cacheprovider python/tests

dist: python-wheel npm-build
	@mkdir -p dist
	cp $(WHEEL_DIR)/pipehat-*-abi3-*.whl dist/
	cd python && ../$(VENV)/bin/maturin sdist -o ../dist
	cd npm && npm pack --silent --pack-destination ../dist

setup-wasm: setup-rust
	@wasm-bindgen --version 2>/dev/null | grep -q ' $(WASM_BINDGEN_VERSION)$$' || \
	  $(CARGO) install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION)

# The two .wasm modules (simd128) and their wasm-bindgen glue for Node
# (CommonJS) and the web (ESM): the core module (`--no-default-features`),
# and the full one (the default `full` feature: dictionary, validation,
# filters, routes, change detection, mappings). Then the facade's CJS copy.
npm-build: setup-wasm
	RUSTFLAGS="-C target-feature=+simd128" $(CARGO) build --release -p pipehat-wasm --target wasm32-unknown-unknown --no-default-features
	wasm-bindgen --target nodejs --weak-refs --remove-name-section --remove-producers-section --out-dir npm/pkg/node $(WASM)
	wasm-bindgen --target web --weak-refs --remove-name-section --remove-producers-section --out-dir npm/pkg/web $(WASM)
	RUSTFLAGS="-C target-feature=+simd128" $(CARGO) build --release -p pipehat-wasm --target wasm32-unknown-unknown
	wasm-bindgen --target nodejs --weak-refs --remove-name-section --remove-producers-section --out-dir npm/pkg/node-full $(WASM)
	wasm-bindgen --target web --weak-refs --remove-name-section --remove-producers-section --out-dir npm/pkg/web-full $(WASM)
	echo '{"type": "commonjs"}' > npm/pkg/node/package.json
	echo '{"type": "commonjs"}' > npm/pkg/node-full/package.json
	cd npm && node scripts/build.mjs
	@for m in web web-full; do echo "$$m: $$(wc -c < npm/pkg/$$m/pipehat_wasm_bg.wasm) bytes, $$(gzip -9c npm/pkg/$$m/pipehat_wasm_bg.wasm | wc -c) gzipped"; done

npm/node_modules/.installed: npm/package.json npm/package-lock.json
	cd npm && npm ci --no-audit --no-fund
	@touch $@

# FHIR: the 40 reference pairs' inputs and every corpus message with a map,
# converted and checked by three independent validators (fhir.resources,
# @medplum/core, fhir.js): any error fails.
test-fhir: python-wheel tests/fhir/node_modules/.installed
	@$(PY) -c "import fhir.resources" 2>/dev/null || $(PY) -m pip install --quiet "fhir.resources==8.3.0"
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(PY) tests/fhir/convert_all.py "$$tmp" && \
	$(PY) tests/fhir/validate.py "$$tmp"/*/*.json "$$tmp"/corpus.ndjson && \
	(cd tests/fhir && node validate.mjs "$$tmp"/*/*.json "$$tmp"/corpus.ndjson)

# FHIR R4 definitions (the FHIR generator's schema) and the npm validators.
tests/fhir/node_modules/.installed: tests/fhir/package.json tests/fhir/package-lock.json
	cd tests/fhir && npm ci --no-audit --no-fund
	@touch $@

test-npm: npm-build npm/node_modules/.installed
	cd npm && node --test test/*.test.mjs

npm/test-node-versions/node_modules/.installed: npm/test-node-versions/package.json npm/test-node-versions/package-lock.json
	cd npm/test-node-versions && npm ci --no-audit --no-fund
	@touch $@

# The package claims Node >= 18: the same suite on Node 18, 22 and 24 (from the npm registry).
NODE_VERSIONS := 18 22 24
test-node-versions: npm-build npm/node_modules/.installed npm/test-node-versions/node_modules/.installed
	@set -e; for v in $(NODE_VERSIONS); do \
	  bin=$(CURDIR)/npm/test-node-versions/node_modules/node$$v/bin/node; \
	  echo "Node $$($$bin --version)"; \
	  (cd npm && $$bin --test --test-reporter=dot test/*.test.mjs); \
	done

npm/test-runtimes/node_modules/.installed: npm/test-runtimes/package.json npm/test-runtimes/package-lock.json
	cd npm/test-runtimes && npm ci --no-audit --no-fund
	@touch $@

# Deno (web build), Bun (Node entry) and workerd (a local Worker parsing POSTed messages, answering HL7 over
# HTTP, and sending over MLLP to a loopback server with the Workers client), all from the npm registry.
test-runtimes: npm-build npm/test-runtimes/node_modules/.installed
	cd npm/test-runtimes && ./node_modules/.bin/deno run --allow-read --allow-net=127.0.0.1 deno.mjs
	cd npm/test-runtimes && ./node_modules/.bin/bun bun.mjs
	cd npm/test-runtimes && node workerd.mjs

npm/test-interop/node_modules/.installed: npm/test-interop/package.json npm/test-interop/package-lock.json
	cd npm/test-interop && npm ci --no-audit --no-fund
	@touch $@

# pipehat/mllp against the Node MLLP libraries people use (Python's peers run in test-python).
test-interop: npm-build npm/test-interop/node_modules/.installed
	cd npm/test-interop && node --test interop.test.mjs

npm/test-bundlers/node_modules/.installed: npm/test-bundlers/package.json npm/test-bundlers/package-lock.json
	cd npm/test-bundlers && npm ci --no-audit --no-fund
	@touch $@

# Vite and webpack builds of a page importing pipehat (through its exports map), run in Chromium.
test-bundlers: npm-build npm/node_modules/.installed npm/test-bundlers/node_modules/.installed setup-browser
	cd npm/test-bundlers && node run.mjs

# stunnel4 (Debian) for the TLS interop test: stunnel in front of pipehat's servers, and pipehat's clients behind it.
setup-stunnel:
	@command -v stunnel4 >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq stunnel4; }

setup-browser:
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

test-browser: npm-build npm/node_modules/.installed setup-browser
	cd npm && node test-browser/run.mjs

# The viewer page in Chromium (Playwright), served by `pipehat view` from npm and from Python.
test-viewer: npm-build python-wheel npm/node_modules/.installed setup-browser
	cd npm && PIPEHAT_PYTHON=$(abspath $(PY)) node test-viewer/run.mjs

# The viewer's screenshots (npm/viewer/screenshots/, in the README) taken anew.
viewer-screenshots: npm-build npm/node_modules/.installed setup-browser
	cd npm && node test-viewer/run.mjs --screenshots viewer/screenshots

fmt:
	$(CARGO) fmt --all

# serde-wasm-bindgen objects against JSON text + JSON.parse for toJSON() (a measurement build, not shipped).
bench-serde: setup-wasm bench-data
	RUSTFLAGS="-C target-feature=+simd128" $(CARGO) build --release -p pipehat-wasm --target wasm32-unknown-unknown --features serde-objects --target-dir target/serde-objects
	wasm-bindgen --target nodejs --out-dir target/serde-objects/pkg target/serde-objects/wasm32-unknown-unknown/release/pipehat_wasm.wasm
	echo '{"type": "commonjs"}' > target/serde-objects/pkg/package.json
	node npm/bench/serde-vs-json.mjs $(abspath target/serde-objects/pkg) $(abspath $(BENCH_DATA))

bench-data:
	@mkdir -p $(BENCH_DATA)
	@test -f $(BENCH_DATA)/mixed.hl7 || python3 $(SHARED)/bench/make_workload.py $(BENCH_DATA)

bench: bench-data
	PIPEHAT_BENCH_DATA=$(abspath $(BENCH_DATA)) $(CARGO) bench -p pipehat-benches

# The Python libraries the Python benchmarks measure against (pinned).
setup-bench-python: setup-python
	@$(PY) -m pip install --quiet -r python/bench/requirements.txt

# The tables of docs/performance.md's first part measured anew and written into
# it: criterion (Rust), then npm/bench/bench.mjs and python/bench/bench.py, each
# contender alone in its own process, alternated over 3 rounds (about 75 min
# on the 2-core development machine; not a test).
bench-report: npm-build python-wheel bench-data npm/bench/node_modules/.installed npm/test-node-versions/node_modules/.installed setup-bench-python
	PIPEHAT_BENCH_DATA=$(abspath $(BENCH_DATA)) $(CARGO) bench -p pipehat-benches --bench parse --bench paths --bench write --bench route -- --warm-up-time 1 --measurement-time 3
	cd npm/bench && node --expose-gc bench.mjs --data $(abspath $(BENCH_DATA))
	$(PY) python/bench/bench.py --data $(abspath $(BENCH_DATA))
	python3 benches/report.py --write docs/performance.md

npm/bench/node_modules/.installed: npm/bench/package.json npm/bench/package-lock.json
	cd npm/bench && npm ci --no-audit --no-fund
	@touch $@

# MLLP and HL7-over-HTTP against the peers of each language, server and client on this
# machine, each contender alone in its own process, alternated over rounds (not a test).
bench-transport: npm-build python-wheel bench-data npm/bench/node_modules/.installed
	cd npm/bench && node mllp.mjs --data $(abspath $(BENCH_DATA))
	PIPEHAT_BENCH_DATA=$(abspath $(BENCH_DATA)) $(PY) python/bench/mllp.py

# Spark, Polars and Dask against Spark's floor and a python-hl7 UDF (about 1 GB of
# files under target/bench-data/engines; not a test).
# De-identification from Python and Node (Rust: make bench, group deid); not a test.
bench-deid: python-wheel npm-build bench-data
	PIPEHAT_BENCH_DATA=$(abspath $(BENCH_DATA)) $(PY) python/bench/deid.py
	PIPEHAT_BENCH_DATA=$(abspath $(BENCH_DATA)) node npm/bench/deid.mjs

# The viewer page in Chromium: weight, time to interactive, selections in a 100,000-message file; not a test.
bench-viewer: npm-build npm/node_modules/.installed setup-browser bench-data
	cd npm && node bench/viewer.mjs

bench-engines: python-wheel setup-engines bench-data
	PIPEHAT_BENCH_DATA=$(abspath $(BENCH_DATA)) $(PY) python/bench/engines.py

fuzz: setup-rust
	@command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz
	@rustup toolchain list | grep -q nightly || rustup toolchain install nightly --profile minimal
	cd fuzz && for t in $(FUZZ_TARGETS); do \
	  mkdir -p corpus/$$t && cp -n ../tests/corpus/messages/*.hl7 corpus/$$t/ 2>/dev/null || true; \
	  $(CARGO) +nightly fuzz run $$t corpus/$$t -- -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 || exit 1; \
	done
	$(MAKE) fuzz-bindings

# The bindings' entry points: random broken corpus messages (tests/mutations.py)
# through the npm package and the Python wheel, FUZZ_SECONDS each.
fuzz-bindings: npm-build npm/node_modules/.installed python-wheel
	cd npm && node test/fuzz.mjs $(FUZZ_SECONDS)
	$(PY) python/tests/fuzz_mutations.py $(FUZZ_SECONDS)
