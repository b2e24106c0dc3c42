#!/usr/bin/env bash
# Installs what building and testing FAI-RL for Java needs on a Debian/Ubuntu machine:
# JDK 17, Maven, Jupyter (for the notebook kernel's tests), fonts for charts, Node.js/npm
# (tokenizer fixtures and the chat-template oracle), and the C++ toolchain plus Debian's
# libtorch for the CPU build of fairl-native. The README and .ci/run both call this script.
# Safe to re-run: it installs only what is missing.
set -euo pipefail

PKGS=(
  openjdk-17-jdk-headless maven
  jupyter-notebook jupyter-nbconvert python3-nbclient python3-jupyter-kernel-test python3-ipykernel
  fonts-dejavu-core fontconfig
  nodejs npm
  g++ cmake make libtorch-dev libgloo-dev
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# Node and npm may come from outside Debian (e.g. nodesource); accept any working npm.
if command -v npm >/dev/null 2>&1; then
  filtered=()
  for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || filtered+=("$p"); done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi

if ((${#missing[@]})); then
  echo "install-prereqs: installing ${missing[*]}"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "install-prereqs: everything present"
fi
