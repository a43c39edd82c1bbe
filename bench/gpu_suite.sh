#!/usr/bin/env bash
# The GPU benchmarks of issues 11 and 13 in one prepared run (random weights, full-size configs, no download):
# LTX-Video-size text-to-video and video-to-video (bf16), Whisper large-v3 size (fp16), the SD 1.5 AI-edit
# path (fp16). Logs and JSON land in $OUT (default ./out, which git ignores); a summary is printed last.
#
#   bash bench/gpu_suite.sh
#   bash bench/gpu_suite.sh --tiny     # tiny configs on the CPU: checks the plumbing in about a minute
#
# Wheels in .whl/ (e.g. diffusers, which a bare GPU image may lack) are installed to /tmp/site first.
set -u -o pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-out}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
PY=${PYTHON:-python3}
TINY=(); DRY=()
if [ "${1:-}" = "--tiny" ]; then TINY=(--tiny); DRY=(--dry-run); fi

if ls .whl/*.whl >/dev/null 2>&1 && ! "$PY" -c "import diffusers" 2>/dev/null; then
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
        || { echo "wheel install failed"; exit 3; }
    export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
fi

{
    date -u
    nvidia-smi || true
    "$PY" - <<'EOF'
import importlib, platform
print("python", platform.python_version())
for name in ("torch", "transformers", "diffusers", "accelerate", "tokenizers", "huggingface_hub", "numpy", "cv2"):
    try:
        print(f"{name} {importlib.import_module(name).__version__}")
    except Exception as exc:
        print(f"{name} missing ({type(exc).__name__}: {exc})")
import torch
if torch.cuda.is_available():
    p = torch.cuda.get_device_properties(0)
    print(f"cuda {torch.version.cuda}, {p.name}, {p.total_memory / 2**30:.0f} GiB, {p.multi_processor_count} SMs,"
          f" cudnn {torch.backends.cudnn.version()}")
EOF
} 2>&1 | tee "$OUT/env.txt"

run() {  # name, seconds allowed, command...
    local name=$1 limit=$2; shift 2
    echo "=== $name (limit ${limit}s): $*"
    local t0=$SECONDS
    timeout "$limit" "$@" 2>&1 | grep -v "should be kept in float32" | tee "$OUT/$name.log"
    echo "=== $name: exit ${PIPESTATUS[0]} after $((SECONDS - t0)) s"
}

run video 200 "$PY" bench/video_diffusion_throughput.py "${TINY[@]}" --json "$OUT/video.json" --attn-backends _native_cudnn
run asr 100 "$PY" bench/asr_throughput.py "${TINY[@]}" --minutes 5 30 --json "$OUT/asr.json"
run sd15 110 "$PY" bench/diffusion_throughput.py "${DRY[@]}" --json "$OUT/sd15.json"
# issue 13: LTX-Video-size T2V/V2V through t2v-desktop's own generation code (diffusion/generate.py)
run videogen 150 "$PY" bench/diffusion_throughput.py "${DRY[@]}" --family ltx --json "$OUT/videogen.json"

"$PY" - "$OUT" <<'EOF'
import json, sys
from pathlib import Path
out = Path(sys.argv[1])
print("\n===== summary =====")
def load(name):
    p = out / name
    return json.loads(p.read_text()) if p.exists() else None
v = load("video.json")
if v:
    print(f"LTX-Video size ({v['parameters_m']} M params), {v['dtype']}, {v['attention']}")
    for r in v["results"]:
        print("  ", {k: r[k] for k in r if k not in ("height", "width")} if r["kind"] != "t2v" else r)
else:
    print("video: no results")
a = load("asr.json")
for r in a or []:
    print("  whisper", {k: r[k] for k in ("path", "audio_s", "windows", "model_s", "x_realtime_model",
                                       "x_realtime_with_gpu_features", "x_realtime_with_cpu_features",
                                       "decode_tokens_per_s", "peak_gib")})
if not a:
    print("asr: no results")
s = load("sd15.json")
for r in s or []:
    print("  sd15", r)
if not s:
    print("sd15: no results")
EOF
