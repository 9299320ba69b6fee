# pipehat: the one entry point. Every target installs what it needs.
#   make demo    summarise the real sample messages in samples/
#   make test    every suite of every language, plus fmt, clippy and the no_std build
#   make bench   criterion benchmarks against the peer crates (workload from ../shared/bench)
#   make fuzz    every fuzz target for FUZZ_SECONDS each

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
CARGO ?= cargo
FUZZ_SECONDS ?= 60
SHARED ?= ../shared
BENCH_DATA ?= target/bench-data
FUZZ_TARGETS := parse paths escapes stream

.PHONY: demo test bench fuzz fmt lint setup-rust test-rust test-nostd bench-data help

help:
	@sed -n '2,6p' Makefile

setup-rust:
	@rustup target list --installed | grep -q '^wasm32-unknown-unknown$$' || rustup target add wasm32-unknown-unknown
	@rustup target list --installed | grep -q '^thumbv7em-none-eabihf$$' || rustup target add thumbv7em-none-eabihf
	@rustup component list --installed | grep -q '^clippy' || rustup component add clippy
	@rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt

demo:
	$(CARGO) run --quiet --release -p pipehat --example summary -- samples/

test: setup-rust lint test-rust test-nostd
	@echo "make test: all suites passed"

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

test-rust:
	$(CARGO) test -p pipehat --doc
	$(CARGO) test -p pipehat --no-default-features --features alloc --lib
	$(CARGO) test -p pipehat --features serde --lib
	$(CARGO) build -p pipehat --examples
	$(CARGO) test -p pipehat --lib --tests

# no_std: a target without std proves it; wasm32 with simd128 checks the vector path compiles.
test-nostd:
	$(CARGO) build -p pipehat --no-default-features --target thumbv7em-none-eabihf
	$(CARGO) build -p pipehat --no-default-features --features alloc --target thumbv7em-none-eabihf
	RUSTFLAGS="-C target-feature=+simd128" $(CARGO) build -p pipehat --target wasm32-unknown-unknown

fmt:
	$(CARGO) fmt --all

bench-data:
	@mkdir -p $(BENCH_DATA)
	@test -f $(BENCH_DATA)/mixed.hl7 || python3 $(SHARED)/bench/make_workload.py $(BENCH_DATA)

bench: bench-data
	PIPEHAT_BENCH_DATA=$(abspath $(BENCH_DATA)) $(CARGO) bench -p pipehat-benches

fuzz: setup-rust
	@command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz
	@rustup toolchain list | grep -q nightly || rustup toolchain install nightly --profile minimal
	cd fuzz && for t in $(FUZZ_TARGETS); do \
	  mkdir -p corpus/$$t && cp -n ../tests/corpus/messages/*.hl7 corpus/$$t/ 2>/dev/null || true; \
	  $(CARGO) +nightly fuzz run $$t corpus/$$t -- -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 || exit 1; \
	done
