#!/usr/bin/env bash
# GPU validation of fairl-native (packed by fairl-native/tools/device-bundle.sh; run as run.sh in
# the bundle): build against the host's PyTorch, run the op
# suite on CPU and CUDA, GpuCheck (DJL side) and torch_ops.py (PyTorch side), tar results to $OUT.
set -uo pipefail
cd "$(dirname "$0")"
R=$OUT/native; mkdir -p "$R"
exec > >(tee "$R/run.log") 2>&1
t0=$SECONDS
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm,clocks.max.sm --format=csv | tee "$R/nvidia-smi.csv"
python3 -c 'import torch,os;print("torch",torch.__version__,"cuda",torch.version.cuda,torch.cuda.get_device_name(),os.path.dirname(torch.__file__))'
export FAIRL_JNI_INCLUDE=$PWD/jni FAIRL_NATIVE_BUILD_DIR=$PWD/buildn ENGINE_CACHE_DIR=$PWD/cache FAIRL_JOBS=16
timeout 420 bash fairl-native/build.sh 2>&1 | grep -v "^In file\|^ \|inlined\|^/usr/include\|warning";  echo "BUILD rc=$? at $((SECONDS-t0)) s"
cp buildn/*/libdjl_torch.so "$R/" 2>/dev/null
cp buildn/*.cmake.log "$R/" 2>/dev/null
[[ -f buildn/fairl-native.env ]] || { tar czf "$OUT/native-results.tgz" -C "$OUT" native; exit 1; }
source buildn/fairl-native.env
export OMP_NUM_THREADS=8 FAIRL_ENGINE_EXPECT=fairl-native
J="./jre/bin/java -cp jars/*:classes -Dai.djl.offline=true -Dorg.slf4j.simpleLogger.defaultLogLevel=warn"
SUITE="ai.fairl.engine.EngineInfoTest ai.fairl.engine.NdArrayOpsTest ai.fairl.engine.NdArrayLayerOpsTest ai.fairl.engine.TorchScriptOpsTest ai.fairl.engine.FusedOpsTest ai.fairl.engine.Bf16NativeTest"
for dev in cuda cpu; do
  d=$([[ $dev == cuda ]] && echo gpu || echo cpu)
  FAIRL_TEST_DEVICE=$d timeout 180 $J ai.fairl.engine.SuiteRunner $SUITE > "$R/suite-$dev.log" 2>&1
  echo "SUITE $dev rc=$? at $((SECONDS-t0)) s: $(grep SUMMARY "$R/suite-$dev.log")"
  grep -E "^FAIL" "$R/suite-$dev.log" | head -20
  cp target/fairl-native-exercised.txt "$R/exercised-$dev.txt" 2>/dev/null
done
timeout 180 $J -Xmx8g ai.fairl.engine.GpuCheck > "$R/gpucheck.log" 2>&1; echo "GPUCHECK rc=$? at $((SECONDS-t0)) s"
grep -E "RESULT|engine:|Exception|Error" "$R/gpucheck.log" | head -20
timeout 120 python3 tools/bench/torch_ops.py > "$R/torch_ops.log" 2>&1; echo "TORCH_OPS rc=$? at $((SECONDS-t0)) s"
grep -E "RESULT|torch |Error" "$R/torch_ops.log" | head -20
PYTHONUNBUFFERED=1 timeout 330 python3 tools/bench/baseline.py --out "$R/baseline.json" > "$R/baseline.log" 2>&1; echo "BASELINE rc=$? at $((SECONDS-t0)) s"
tail -8 "$R/baseline.log"
tar czf "$OUT/native-results.tgz" -C "$OUT" native
echo "DONE at $((SECONDS-t0)) s"
