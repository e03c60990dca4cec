#!/usr/bin/env bash
# The full test command: installs what the tests need, then runs the
# lints, the Rust tests (native core, component through wasmtime, CLI) and
# the end-to-end tests against moto. Ends with one `N passed, N failed`
# line that adds up every runner.
#
# Idempotent: a second run reuses the Rust target, the virtual environment
# and the build outputs.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
logs=$(mktemp -d)
passed=0
failed=0

step() { printf '\n== %s\n' "$*"; }

# A check that is not a test runner counts as one test.
check() {
  local name=$1
  shift
  if "$@" >"$logs/check.log" 2>&1; then
    passed=$((passed + 1))
    echo "ok: $name"
  else
    failed=$((failed + 1))
    echo "FAILED: $name"
    tail -n 60 "$logs/check.log"
  fi
}

step "toolchain"
rustup target add wasm32-wasip2 >/dev/null 2>&1 || rustup target add wasm32-wasip2
python3 -m venv "$root/.venv" >/dev/null 2>&1 || true
if ! "$root/.venv/bin/python" -c "import moto, boto3, pytest" >/dev/null 2>&1; then
  "$root/.venv/bin/pip" install -q -r "$root/tests/e2e/requirements.txt"
fi

step "format and lints"
check "cargo fmt --check" cargo fmt --all --check
check "clippy (native, all targets)" cargo clippy --workspace --all-targets -- -D warnings
check "clippy (wasm32-wasip2 component)" \
  cargo clippy -p rolechain --lib --target wasm32-wasip2 -- -D warnings

step "component build"
check "component build (profile component)" \
  cargo build --target wasm32-wasip2 -p rolechain --profile component
wasm="$root/target/wasm32-wasip2/component/rolechain.wasm"
[ -f "$wasm" ] && echo "component size: $(wc -c <"$wasm") bytes"

step "cargo test"
cargo test --workspace --no-fail-fast 2>&1 | tee "$logs/cargo.log"
cargo_status=${PIPESTATUS[0]}
read -r cp cf < <(awk '/^test result:/ {
    for (i = 1; i <= NF; i++) {
      if ($(i+1) ~ /^passed/) p += $i
      if ($(i+1) ~ /^failed/) f += $i
    }
  } END { print p + 0, f + 0 }' "$logs/cargo.log")
passed=$((passed + cp))
failed=$((failed + cf))
if [ "$cargo_status" -ne 0 ] && [ "$cf" -eq 0 ]; then
  # A build failure runs no test but must still fail the run.
  failed=$((failed + 1))
  echo "FAILED: cargo test exited with $cargo_status"
fi

step "end-to-end tests (CLI against moto on 127.0.0.1)"
cargo build --release -p rolechain-cli 2>&1 | tail -n 3
ROLECHAIN_BIN="$root/target/release/rolechain" \
  "$root/.venv/bin/python" -m pytest -q -p no:cacheprovider "$root/tests/e2e" 2>&1 \
  | tee "$logs/pytest.log"
pytest_status=${PIPESTATUS[0]}
summary=$(grep -E '^[=]* *[0-9]+ (passed|failed|error)' "$logs/pytest.log" | tail -n 1)
pp=$(grep -oE '[0-9]+ passed' <<<"$summary" | grep -oE '[0-9]+' || echo 0)
pf=$(grep -oE '[0-9]+ (failed|errors?)' <<<"$summary" | awk '{ s += $1 } END { print s + 0 }')
pp=${pp:-0}
pf=${pf:-0}
passed=$((passed + pp))
failed=$((failed + pf))
if [ "$pytest_status" -ne 0 ] && [ "$pf" -eq 0 ]; then
  failed=$((failed + 1))
  echo "FAILED: pytest exited with $pytest_status"
fi

rm -rf "$logs"
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
