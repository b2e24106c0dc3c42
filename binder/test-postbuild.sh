#!/usr/bin/env bash
# Runs binder/postBuild the way repo2docker does, as far as that works without Docker:
#   - as a fresh non-root user whose HOME is a clean copy of the repository (tracked files only),
#   - with an empty ~/.m2 (Maven downloads from Maven Central: needs network, a few minutes),
# then executes notebooks/quickstart.ipynb (the embedded CPU demo, CI-sized parameters) through the
# installed fairl-java kernelspec with Debian's `jupyter nbconvert --execute` and checks that the
# kernel (-Xmx1g) stayed under 2 GB resident (its peak VmHWM, which the notebook's last cell,
# %fairl_memory, reports).
# Needs root (to create the user), the packages of binder/apt.txt plus Debian's Jupyter, and
# Maven Central (as on Binder). scripts/test.sh runs it in CI (as root).
# Usage: sudo binder/test-postbuild.sh        exit 0 when everything held
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
user="${FAIRL_BINDER_USER:-fairlbinder}"
home="/tmp/$user-home"

if [ "$(id -u)" -ne 0 ]; then
  echo "test-postbuild: run as root (it creates the user $user)" >&2
  exit 2
fi
if id "$user" >/dev/null 2>&1; then
  userdel -r "$user" >/dev/null 2>&1 || true
fi
rm -rf "$home"
useradd --create-home --home-dir "$home" --shell /bin/bash "$user"

# a clean copy of the repository, as repo2docker copies it into $HOME
(cd "$repo" && git ls-files -z --cached --others --exclude-standard) |
  (cd "$repo" && xargs -0 cp --parents -t "$home" 2>/dev/null) || true
chown -R "$user:$user" "$home"
test ! -e "$home/.m2" || { echo "test-postbuild: ~/.m2 is not empty" >&2; exit 1; }

t0=$SECONDS
runuser -l "$user" -c "cd '$home' && env -u JAVA_TOOL_OPTIONS PATH=/usr/bin:/bin HOME='$home' bash binder/postBuild"
echo "test-postbuild: postBuild took $((SECONDS - t0)) s"

spec="$home/.local/share/jupyter/kernels/fairl-java/kernel.json"
test -f "$spec" || { echo "test-postbuild: no kernelspec at $spec" >&2; exit 1; }
grep -q -- '-Xmx1g' "$spec" || { echo "test-postbuild: kernelspec lacks -Xmx1g" >&2; exit 1; }
grep -q -- '-XX:SharedArchiveFile={resource_dir}/fairl-java.jsa' "$spec" &&
  test -s "$(dirname "$spec")/fairl-java.jsa" ||
  { echo "test-postbuild: the kernelspec has no class-data archive (start-up time)" >&2; exit 1; }

t1=$SECONDS
# a login shell starts with a clean environment: pass the CPU thread count on (CI pins it; an
# unpinned OpenMP pool on a busy machine spins)
runuser -l "$user" -c "cd '$home/notebooks' && PATH=/usr/bin:/bin HOME='$home' PYDEVD_DISABLE_FILE_VALIDATION=1 \
  OMP_NUM_THREADS='${OMP_NUM_THREADS:-2}' \
  /usr/bin/jupyter nbconvert --to notebook --execute --ExecutePreprocessor.kernel_name=fairl-java \
  --ExecutePreprocessor.timeout=300 --output '$home/executed.ipynb' quickstart.ipynb"
echo "test-postbuild: notebook ran in $((SECONDS - t1)) s"

peak="$(/usr/bin/python3 - "$home/executed.ipynb" <<'PY'
import json, re, sys
nb = json.load(open(sys.argv[1]))
for c in nb["cells"]:
    for o in c.get("outputs", []):
        text = "".join(o.get("data", {}).get("text/plain", ""))
        m = re.search(r"peak resident \(VmHWM\)\s*\|\s*([0-9.]+)", text)
        if m:
            print(m.group(1))
PY
)"
test -n "$peak" || { echo "test-postbuild: no VmHWM in the executed notebook" >&2; exit 1; }
echo "test-postbuild: kernel peak resident ${peak} MiB"
/usr/bin/python3 -c "import sys; sys.exit(0 if float('$peak') < 2048 else 1)" ||
  { echo "test-postbuild: kernel peak resident ${peak} MiB >= 2048 MiB" >&2; exit 1; }
echo "test-postbuild: ok"
