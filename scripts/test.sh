#!/usr/bin/env bash
# The one test command (README and CI run exactly this): installs what the tests need, then
# lint, type check and the test suite. Safe to rerun; uses sudo only when not root.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# Debian packages: ffmpeg/ffprobe for decoding, chromium + driver for the browser tests of report.html.
need=()
command -v ffmpeg >/dev/null || need+=(ffmpeg)
command -v ffprobe >/dev/null || need+=(ffmpeg)
command -v chromium >/dev/null || need+=(chromium)
command -v chromedriver >/dev/null || need+=(chromium-driver)
command -v espeak-ng >/dev/null || need+=(espeak-ng)              # narration for the lecture test video
command -v tesseract >/dev/null || need+=(tesseract-ocr)          # the second OCR engine
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)  # legible test slides
command -v ip >/dev/null || need+=(iproute2)   # the Ray test runs in a loopback-only network namespace
python3 -c "import venv, ensurepip" 2>/dev/null || need+=(python3-venv)
if [ ${#need[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then "$PY" -m venv .venv; fi
quiet_pip() {  # pip warns about every missing local mirror on some machines: keep the log readable
  .venv/bin/python -m pip "$@" 2>&1 | { grep -v '^WARNING: Location' || true; }
}
quiet_pip install -q --upgrade pip
quiet_pip install -q -e '.[test]'

.venv/bin/ruff check vidscan tests benchmarks
.venv/bin/ruff format --check vidscan tests benchmarks
.venv/bin/mypy
# Plugins named explicitly (autoloading is off), so the run is the same whatever else is installed;
# two workers, one per core, each taking whole test files.
PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 .venv/bin/python -m pytest -p xdist -p pytest_timeout -n 2 --dist loadfile "$@"
