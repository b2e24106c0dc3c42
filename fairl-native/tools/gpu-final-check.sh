#!/usr/bin/env bash
# Final check of the committed state (run as bash <bundle>/final.sh after device-bundle.sh and
# copying this file there as final.sh): build (PCH), suites on CUDA and CPU, baseline 0.5B with
# GPU warm-up, decode probe.
set -uo pipefail
cd "$(dirname "$0")"
R=$OUT/native; mkdir -p "$R"
t0=$SECONDS
export FAIRL_JNI_INCLUDE=$PWD/jni FAIRL_NATIVE_BUILD_DIR=$PWD/buildn ENGINE_CACHE_DIR=$PWD/cache FAIRL_JOBS=16
timeout 300 bash fairl-native/build.sh > "$R/build.log" 2>&1; echo "BUILD rc=$? at $((SECONDS-t0)) s"; grep "fairl native build" "$R/build.log"
source buildn/fairl-native.env || exit 1
export OMP_NUM_THREADS=8 FAIRL_ENGINE_EXPECT=fairl-native
J="./jre/bin/java -cp jars/*:classes -Dai.djl.offline=true -Dorg.slf4j.simpleLogger.defaultLogLevel=warn"
SUITE="ai.fairl.engine.EngineInfoTest ai.fairl.engine.NdArrayOpsTest ai.fairl.engine.NdArrayLayerOpsTest ai.fairl.engine.TorchScriptOpsTest ai.fairl.engine.FusedOpsTest ai.fairl.engine.Bf16NativeTest"
for d in gpu cpu; do
  FAIRL_TEST_DEVICE=$d timeout 180 $J ai.fairl.engine.SuiteRunner $SUITE > "$R/suite-$d.log" 2>&1
  echo "SUITE $d rc=$?: $(grep SUMMARY "$R/suite-$d.log")"; grep -E "^FAIL" "$R/suite-$d.log" | head
  cp target/fairl-native-exercised.txt "$R/exercised-$d.txt" 2>/dev/null
done
cd tools/bench
PYTHONUNBUFFERED=1 timeout 150 python3 baseline.py --shapes qwen2.5-0.5b --rows sft,lora --out "$R/baseline-qwen.json" > "$R/baseline-qwen.log" 2>&1; echo "BASELINE rc=$? at $((SECONDS-t0)) s"; tail -3 "$R/baseline-qwen.log"
PYTHONUNBUFFERED=1 timeout 120 python3 decode_probe.py > "$R/decode_probe.log" 2>&1; echo "PROBE rc=$? at $((SECONDS-t0)) s"; grep PROBE "$R/decode_probe.log" | grep -v generation_config; head -c 2500 <(sed -n '/Name/,$p' "$R/decode_probe.log")
cd ../..; tar czf "$OUT/final.tgz" -C "$OUT" native; echo "DONE at $((SECONDS-t0)) s"
