#!/usr/bin/env bash
# Measures the core natively and the component through wasmtime, and
# writes bench/RESULTS.md. Timings depend on the machine; nothing here is
# a test.
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/RESULTS.md
raw=$(mktemp)

rustup target add wasm32-wasip2 >/dev/null 2>&1 || true
cargo build --target wasm32-wasip2 -p rolechain --profile component
size=$(wc -c <target/wasm32-wasip2/component/rolechain.wasm)
cargo bench -q --bench core 2>/dev/null | grep '^{' >"$raw"
cargo bench -q -p rolechain-cli --bench component 2>/dev/null | grep '^{' >>"$raw"

{
  echo "# Benchmark results"
  echo
  echo "Written by \`scripts/bench.sh\` on $(date -u +%Y-%m-%d), on $(nproc) cores of"
  echo "\`$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')\`, with $(rustc --version)."
  echo "Each timing is the median over batches of calls (\`benches/core.rs\`,"
  echo "\`host-examples/cli/benches/component.rs\`); rerun the script to compare."
  echo
  echo "| what | result |"
  echo "|---|---|"
  echo "| component (\`--profile component\`) | $size bytes |"
  python3 - "$raw" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    row = json.loads(line)
    if "bytes" in row:
        print(f"| {row['bench']} (embedded in the CLI) | {row['bytes']} bytes |")
        continue
    ns = row["median_ns"]
    text = f"{ns / 1e6:.2f} ms" if ns >= 1e6 else f"{ns / 1e3:.2f} µs"
    print(f"| {row['bench']} | {text} |")
PY
} >"$out"
rm -f "$raw"
cat "$out"
