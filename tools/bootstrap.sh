#!/usr/bin/env bash
# Set up everything on a fresh Debian / Raspberry Pi OS machine, then run one job.
#   tools/bootstrap.sh demo   -> run the node on the bundled demo clip
#   tools/bootstrap.sh test   -> run the test suite (starts its own mosquitto)
#   tools/bootstrap.sh setup  -> only set up
#   tools/bootstrap.sh train  -> retrain every shipped model from scratch (hours on 2 cores;
#                                needs ../shared/data/real/ro_frames; see models/README.md)
# Idempotent: a second run only checks what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
job="${1:-setup}"
shift || true

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)

missing=()
command -v python3 >/dev/null 2>&1 || missing+=(python3)
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
if [ "$job" = test ] && ! command -v mosquitto >/dev/null 2>&1 && [ ! -x /usr/sbin/mosquitto ]; then
    missing+=(mosquitto)
fi
# The RTSP outage test serves a clip with GStreamer's RTSP server under the system python3.
if [ "$job" = test ] && ! /usr/bin/python3 -c 'import gi; gi.require_version("GstRtspServer", "1.0")' >/dev/null 2>&1; then
    missing+=(gir1.2-gst-rtsp-server-1.0 python3-gi gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav)
fi
# The benchmark scene generator (also checked by the tests) renders plates in DejaVu fonts.
if [ "$job" = test ] && [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf ]; then
    missing+=(fonts-dejavu-core)
fi
# The OCR training data is drawn in many open typefaces (tools/synth/fonts.py lists them);
# the tests render a few crops with them too.
if { [ "$job" = test ] || [ "$job" = train ]; } && command -v python3 >/dev/null 2>&1; then
    read -r -a fonts <<< "$(python3 -m tools.synth.fonts)"
    missing+=("${fonts[@]}")
fi
if [ "${#missing[@]}" -gt 0 ]; then
    echo "bootstrap: installing ${missing[*]} with apt-get" >&2
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e ".[dev]"
    touch "$stamp"
fi
if [ "$job" = train ] && ! .venv/bin/python -c 'import torch' >/dev/null 2>&1; then
    .venv/bin/python -m pip install -q -e ".[dev,train]"
fi

case "$job" in
    demo) exec .venv/bin/anpr-edge run --config firmware_config/demo.toml "$@" ;;
    test) exec .venv/bin/python -m pytest "$@" ;;
    train) exec .venv/bin/python -m tools.train_all "$@" ;;
    setup) echo "bootstrap: ready (.venv)" ;;
    *) echo "usage: tools/bootstrap.sh demo|test|train|setup" >&2; exit 2 ;;
esac
