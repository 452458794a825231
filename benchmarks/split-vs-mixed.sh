#!/usr/bin/env bash
# Split vs mixed on one host, same model and same load:
#   A: the gateway with 2 mixed machines of one kernel thread each  (--embedded mixed=2 --threads 1)
#   B: the gateway with 1 prompt + 1 token machine, one thread each (--embedded prompt=1,token=1 --threads 1)
# Each side: start the gateway on a free 127.0.0.1 port, wait for /ready, run the load test (Poisson arrivals,
# lengths sampled from the Azure conversation trace and scaled to the context, fixed seed), scrape /metrics, stop
# the gateway. Then `Splitwise.LoadTest compare` writes comparison.md and the plots.
#
# Usage: benchmarks/split-vs-mixed.sh [OUT_DIR]      (default out/split-vs-mixed; run from anywhere)
# Settings (environment, defaults below): MODEL MAX_MODEL_LEN RATE REQUESTS SEED DURATION DRAIN TIMEOUT
#   BASELINE_REQUESTS TRACE KV_CACHE_GB SKIP_BUILD=1 (reuse the Release build)
#   GATEWAY_FLAGS (extra gateway flags for both sides, e.g. "--kv-lease-seconds 60"; default none)
# Everything is bounded: at most REQUESTS requests per side, none sent after DURATION s, in-flight ones cancelled
# DRAIN s later, 180 s to become ready, 20 s to stop. Whatever happens, the gateway this script started is stopped.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-$ROOT/out/split-vs-mixed}"
MODEL="${MODEL:-synthetic:llama-160m-q8_0}"
MAX_MODEL_LEN="${MAX_MODEL_LEN:-1024}"
RATE="${RATE:-0.5}"
REQUESTS="${REQUESTS:-100}"
SEED="${SEED:-11}"
DURATION="${DURATION:-220}"
DRAIN="${DRAIN:-90}"
TIMEOUT="${TIMEOUT:-240}"
BASELINE_REQUESTS="${BASELINE_REQUESTS:-3}"
KV_CACHE_GB="${KV_CACHE_GB:-1}"
TRACE="${TRACE:-$ROOT/../shared/traces/AzureLLMInferenceTrace_conv.csv}"
read -r -a EXTRA_FLAGS <<< "${GATEWAY_FLAGS:-}"

GATEWAY_DLL="$ROOT/Splitwise.Gateway/bin/Release/net10.0/Splitwise.Gateway.dll"
LOADTEST_DLL="$ROOT/benchmarks/Splitwise.LoadTest/bin/Release/net10.0/Splitwise.LoadTest.dll"

[[ -f "$TRACE" ]] || { echo "error: trace $TRACE not found (set TRACE=...)" >&2; exit 2; }
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

GATEWAY_PID=""
stop_gateway() {
  [[ -n "$GATEWAY_PID" ]] || return 0
  if kill -0 "$GATEWAY_PID" 2>/dev/null; then
    kill -TERM "$GATEWAY_PID" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$GATEWAY_PID" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$GATEWAY_PID" 2>/dev/null && kill -KILL "$GATEWAY_PID" 2>/dev/null || true
  fi
  wait "$GATEWAY_PID" 2>/dev/null || true
  GATEWAY_PID=""
}
trap stop_gateway EXIT
trap 'echo "interrupted" >&2; exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

if [[ "${SKIP_BUILD:-0}" != "1" ]]; then
  echo "== build (Release, once)"
  dotnet build "$ROOT/Splitwise.Gateway" -c Release --nologo -v q
  dotnet build "$ROOT/benchmarks/Splitwise.LoadTest" -c Release --nologo -v q
fi

{
  echo "date_utc=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "host=$(hostname) cpus=$(nproc) cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "model=$MODEL max_model_len=$MAX_MODEL_LEN rate=$RATE requests=$REQUESTS seed=$SEED duration=$DURATION drain=$DRAIN kv_cache_gb=$KV_CACHE_GB gateway_flags=${GATEWAY_FLAGS:-none}"
  echo "load_before=$(cut -d' ' -f1-3 /proc/loadavg)"
} > "$OUT/machine.txt"

run_side() {
  local label="$1" embedded="$2" dir="$OUT/$1"
  rm -rf "$dir"; mkdir -p "$dir"
  local port; port="$(free_port)"
  echo "== $label: gateway --embedded $embedded --threads 1 on 127.0.0.1:$port (load $(cut -d' ' -f1-3 /proc/loadavg))"
  # Warnings and errors only: the per-request info lines would dwarf everything else in the log.
  Logging__LogLevel__Default=Warning dotnet "$GATEWAY_DLL" --model "$MODEL" --host 127.0.0.1 --port "$port" --max-model-len "$MAX_MODEL_LEN" \
    --embedded "$embedded" --threads 1 --kv-cache-gb "$KV_CACHE_GB" "${EXTRA_FLAGS[@]}" > "$dir/gateway.log" 2>&1 &
  GATEWAY_PID=$!

  local ready=0
  for _ in $(seq 1 360); do
    local body; body="$(curl -sS --max-time 5 "http://127.0.0.1:$port/ready" 2>/dev/null || true)"
    [[ "$body" == *'"status":"ready"'* ]] && { ready=1; break; }
    [[ "$body" == *'"status":"failed"'* ]] && break
    kill -0 "$GATEWAY_PID" 2>/dev/null || break
    sleep 0.5
  done
  if [[ "$ready" != 1 ]]; then
    echo "error: the $label gateway did not become ready (log: $dir/gateway.log):" >&2
    tail -20 "$dir/gateway.log" >&2
    exit 1
  fi

  echo "load_${label}_start=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"
  # The load test exits 1 when no request succeeded; the comparison then shows it, so the script carries on.
  dotnet "$LOADTEST_DLL" --base-url "http://127.0.0.1:$port/v1" --trace "$TRACE" --length-fit scale \
    --rate "$RATE" --requests "$REQUESTS" --duration "$DURATION" --drain "$DRAIN" --timeout "$TIMEOUT" --seed "$SEED" \
    --baseline-requests "$BASELINE_REQUESTS" --baseline-output-len 16 --no-live --out "$dir" 2>&1 | tee >(sed 's/\x1b\[[0-9;]*m//g' > "$dir/loadtest.log") || true
  echo "load_${label}_end=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"

  curl -fsS --max-time 10 "http://127.0.0.1:$port/metrics" > "$dir/metrics.txt" || echo "warning: could not scrape /metrics of $label" >&2
  stop_gateway
  [[ -f "$dir/result.json" ]] || { echo "error: $label wrote no result.json (see $dir/loadtest.log)" >&2; exit 1; }
}

SECONDS=0
run_side mixed "mixed=2"
run_side split "prompt=1,token=1"

echo "== compare"
metrics_flags=()
if [[ -s "$OUT/mixed/metrics.txt" && -s "$OUT/split/metrics.txt" ]]; then
  metrics_flags=(--metrics "$OUT/mixed/metrics.txt,$OUT/split/metrics.txt"
    --metric-match splitwise_kv_transfer,splitwise_kv_transfers,splitwise_kv_frames_rejected,splitwise_request_retries,splitwise_requests_total)
fi
dotnet "$LOADTEST_DLL" compare "$OUT/mixed/result.json" "$OUT/split/result.json" --labels mixed,split --out "$OUT" "${metrics_flags[@]}"
echo "wall_seconds=$SECONDS" >> "$OUT/machine.txt"
echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"
echo "== done in ${SECONDS}s: $OUT/comparison.md"
