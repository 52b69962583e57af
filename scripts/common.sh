# Shell functions shared by scripts/setup and scripts/compat-setup (sourced, not run).
# Expects ROOT (the repository) to be set.

CACHE=$ROOT/.cache
PYROOT=$CACHE/python3.14

log() { printf '==> %s\n' "$*" >&2; }

# True when "$1" is a Python >= 3.14.2 that can import ssl (needed by pip and aiohttp).
usable_python() {
  [ -x "$1" ] || return 1
  "$1" -c 'import ssl, sys; sys.exit(0 if sys.version_info >= (3, 14, 2) else 1)' 2>/dev/null
}

# new_venv PYTHON DIR: a fresh virtual environment with pip in DIR.
new_venv() {
  local py=$1 dir=$2 wheel
  rm -rf "$dir"
  "$py" -m venv --without-pip "$dir"
  # The venv's ensurepip would pick up the system's old pip wheel: use the one Debian ships.
  wheel=$(find "$(dirname "$py")/../share/python-wheels" -name 'pip-*.whl' 2>/dev/null | head -n 1 || true)
  if [ -n "$wheel" ]; then
    "$dir/bin/python" "$wheel/pip" install -q --disable-pip-version-check pip >&2
  else
    "$dir/bin/python" -m ensurepip -q >&2
  fi
}

# The private Python's headers sit outside the compiler's search path; name them for the
# requirements built from source (pymicro-vad, pyspeex-noise).
use_private_headers() {
  if [ -d "$PYROOT/usr/include/python3.14" ]; then
    export CPATH="$PYROOT/usr/include${CPATH:+:$CPATH}"
  fi
}

# stamp TEXT FILE...: one line naming TEXT and the contents of the files, to tell whether an
# environment was built from exactly these.
stamp() {
  local text=$1
  shift
  printf '%s %s\n' "$text" "$(cat -- "$@" | sha256sum | cut -d ' ' -f 1)"
}

# stamp_matches FILE STAMP: true when FILE holds exactly STAMP.
stamp_matches() {
  [ -f "$1" ] && [ "$(cat -- "$1")" = "$2" ]
}
