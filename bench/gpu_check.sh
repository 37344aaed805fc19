#!/usr/bin/env bash
# The CUDA paths, checked end to end on a machine with an NVIDIA GPU (never needed by the product):
# the sample project trained on the GPU (segmentation with the second stage, then good-only),
# evaluated there, exported to ONNX, the bundle verified by the runtime on each ONNX Runtime
# device it offers, and the learn/runtime tests run with CUDA as the "auto" device.
#
#   bench/gpu_check.sh OUTDIR [SECONDS_PER_RUN]
#
# Everything it prints also lands in OUTDIR/gpu_check.log; each step's exit status is in the
# summary at the end. Run from the repository root with `workbench` importable (pip install -e .).
set -u
out=${1:?usage: bench/gpu_check.sh OUTDIR [SECONDS_PER_RUN]}
seconds=${2:-90}
mkdir -p "$out"
log="$out/gpu_check.log"
work=$(mktemp -d)
summary=()
py=${PYTHON:-python3}

step() {  # step NAME COMMAND...: run, log, remember its status
    local name=$1
    shift
    echo "=== $name: $*" | tee -a "$log"
    local t0=$SECONDS
    "$@" >>"$log" 2>&1
    local rc=$?
    echo "=== $name: rc=$rc in $((SECONDS - t0)) s" | tee -a "$log"
    summary+=("$name rc=$rc $((SECONDS - t0))s")
    return $rc
}

wb() { "$py" -m workbench.cli "$@"; }
wbrun() { "$py" -m workbench.runtime.cli "$@"; }

step gpu "$py" - <<'EOF'
import torch, onnxruntime as ort
print("torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())
if torch.cuda.is_available():
    print(torch.cuda.get_device_name(0), "bf16", torch.cuda.is_bf16_supported())
print("onnxruntime", ort.__version__, ort.get_available_providers())
from workbench.learn.device import pick_device, precision_candidates, describe_precision
d = pick_device("auto")
print("auto device", d, [describe_precision(p) for p in precision_candidates(d)])
EOF
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv >>"$log" 2>&1

p="$work/sample"
step sample wb sample "$p" --seed 0 --json
run_id() { "$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["run_id"])' "$1" 2>/dev/null; }
echo "=== train_seg" | tee -a "$log"
wb train "$p" --preset fast --time-limit "$seconds" --set region_stage=true --json >"$work/seg.json" 2>>"$log"
summary+=("train_seg rc=$?")
cat "$work/seg.json" >>"$log"
seg=$(run_id "$work/seg.json")
step eval_seg wb evaluate "$p" --run "$seg" --split test --json
step export_seg wb export "$p" --run "$seg" --format onnx --out "$work/seg.wbx" --force --json
for dev in cpu cuda; do
    step "verify_seg_$dev" wbrun verify "$work/seg.wbx" --backend onnxruntime --device "$dev"
done
echo "=== train_anomaly" | tee -a "$log"
wb train "$p" --task anomaly --preset fast --time-limit "$seconds" --json >"$work/ano.json" 2>>"$log"
summary+=("train_anomaly rc=$?")
cat "$work/ano.json" >>"$log"
ano=$(run_id "$work/ano.json")
step eval_anomaly wb evaluate "$p" --run "$ano" --split test --json
for r in "$p"/runs/*/; do cp "$r/metrics.json" "$out/metrics-$(basename "$r").json" 2>/dev/null; done

step tests timeout "${TEST_SECONDS:-300}" "$py" -m pytest -q -p no:cacheprovider \
    ${TESTS:-tests/learn tests/runtime tests/export} -m "not gui"

echo "=== summary" | tee -a "$log"
printf '%s\n' "${summary[@]}" | tee -a "$log"
rm -rf "$work"
