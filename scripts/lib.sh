# Shared by scripts/run and scripts/test: install what Hallpass needs on Debian/Ubuntu.
# Each step checks first, so a machine that has everything spends no time here.

set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
export PATH="$CARGO_HOME/bin:$PATH"

say() { printf '\033[1;36m==>\033[0m %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else echo "error: installing system packages needs root or sudo: $*" >&2; exit 1
  fi
}

# apt_install PKG... — installs the packages not yet installed.
apt_install() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    say "installing system packages: ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

need_rust() {
  if ! command -v cargo >/dev/null 2>&1; then
    echo "error: Rust is not installed. Install it with rustup (https://rustup.rs), then run this again." >&2
    exit 1
  fi
}

# The desktop build: WebKitGTK for Tauri, libdbus for the Secret Service keychain.
install_build_deps() {
  apt_install build-essential pkg-config libdbus-1-dev libwebkit2gtk-4.1-dev
  command -v node >/dev/null 2>&1 || apt_install nodejs npm
  need_rust
}

build_ui() {
  say "building the UI"
  (cd ui && npm ci --no-audit --no-fund --loglevel=error && npm run --silent check && npm run --silent build >/dev/null)
}

# The AWS emulator (moto) and its harness run from a virtualenv in .venv.
install_emulator() {
  apt_install python3 python3-venv python3-pip
  if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c "import moto, werkzeug" 2>/dev/null \
     || ! cmp -s tests/harness/requirements.txt .venv/.requirements; then
    say "installing the AWS emulator (moto) into .venv"
    python3 -m venv .venv
    .venv/bin/pip install -q --disable-pip-version-check -r tests/harness/requirements.txt
    cp tests/harness/requirements.txt .venv/.requirements
  fi
  export HALLPASS_PYTHON="$ROOT/.venv/bin/python"
}

install_test_tools() {
  # The keychain tests: a real Secret Service. The real-window tests: Xvfb,
  # WebKitWebDriver behind tauri-driver, ImageMagick for screenshots.
  apt_install gnome-keyring dbus xvfb xauth imagemagick webkit2gtk-driver
  if ! command -v cargo-nextest >/dev/null 2>&1; then
    say "installing cargo-nextest"
    cargo install cargo-nextest --locked --quiet
  fi
  if ! command -v cargo-deny >/dev/null 2>&1; then
    say "installing cargo-deny"
    cargo install cargo-deny --version '^0.20' --locked --quiet
  fi
  if ! command -v tauri-driver >/dev/null 2>&1; then
    say "installing tauri-driver"
    cargo install tauri-driver --version '^2' --locked --quiet
  fi
}
