#!/usr/bin/env bash
# Linux packaging CI: build the frozen bundle, the .deb and the tarball, prove they work.
#
#   packaging/ci.sh            (from anywhere; needs root or sudo for apt/dpkg)
#
# 1. install the apt packages the build and the frozen Qt app need (bare Debian/Ubuntu OK)
# 2. uv run python packaging/build.py  -> dist/sds-desktop/, .deb, .tar.gz
# 3. report the bundle size (fail above SDS_MAX_BUNDLE_MB, default 160 decimal megabytes =
#    160,000,000 bytes; see packaging/README.md for what it holds)
# 4. validate the desktop entry and AppStream metainfo shipped in the .deb
# 5. run the frozen `sds-desktop --self-test` (offscreen; again on the xcb plugin under
#    Xvfb and on the wayland plugin under a headless weston; again inside a throwaway
#    D-Bus session with gnome-keyring, where it must pick the SecretService keyring),
#    then the one from the unpacked tarball
# 6. dpkg -i the .deb, run /usr/bin/sds-desktop --self-test, dpkg -r, check nothing is left
# Every self-test must exit 0, print "SELF-TEST OK" and write nothing unexpected to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PATH="$HOME/.local/bin:$PATH"
MAX_MB=${SDS_MAX_BUNDLE_MB:-160}
# stderr lines a healthy self-test may print (extended regex); none are known today.
ALLOWED_STDERR=${SDS_ALLOWED_STDERR:-'^$'}

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
step() { printf '\n== %s ==\n' "$*"; }

step "apt packages"
pkgs=(dpkg-dev appstream desktop-file-utils binutils icu-devtools
      libegl1 libgl1 libglib2.0-0 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1
      libfreetype6 libdbus-1-3 libx11-6 libx11-xcb1 libxcb1 libxcb-cursor0 libxcb-icccm4
      libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-shape0 libxcb-randr0
      libxcb-xinerama0 libxcb-xkb1 libwayland-client0 libwayland-cursor0 libwayland-egl1
      tzdata dbus dbus-daemon gnome-keyring xvfb xauth weston)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
else
    echo "all present"
fi
if ! command -v uv >/dev/null 2>&1; then
    python3 -m pip install --quiet --user uv || python3 -m pip install --quiet uv
fi
uv sync --locked --quiet

step "build (packaging/build.py)"
rm -rf dist/sds-desktop dist/*.deb dist/*.tar.gz
uv run python packaging/build.py 2>&1 | grep -v -E "WARNING: (Library not found|Library .* required via ctypes)"
version=$(uv run python -c "import tomllib; print(tomllib.load(open('pyproject.toml','rb'))['project']['version'])")
arch=$(dpkg --print-architecture)
deb="dist/sds-desktop_${version}_${arch}.deb"
tarball=$(ls dist/sds-desktop-"${version}"-linux-*.tar.gz)
[ -f "$deb" ] && [ -f "$tarball" ]

step "sizes"
bundle_bytes=$(cat dist/bundle-size.txt)
bundle_human=$(awk -v b="$bundle_bytes" 'BEGIN { printf "%.1f MiB = %.1f MB", b / 1048576, b / 1e6 }')
printf 'bundle   %s (%s bytes, du: %s)\n' "$bundle_human" "$bundle_bytes" "$(du -sh dist/sds-desktop | cut -f1)"
printf 'deb      %s (%s bytes)\n' "$(du -h "$deb" | cut -f1)" "$(stat -c %s "$deb")"
printf 'tarball  %s (%s bytes)\n' "$(du -h "$tarball" | cut -f1)" "$(stat -c %s "$tarball")"
if [ "$bundle_bytes" -gt $(( MAX_MB * 1000000 )) ]; then
    echo "bundle is ${bundle_human}, over the ${MAX_MB} MB budget" >&2
    exit 1
fi

step "desktop entry and metainfo"
work=$(mktemp -d)
weston_pid=""
cleanup() {
    if [ -n "$weston_pid" ]; then kill "$weston_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
dpkg-deb -x "$deb" "$work/deb"
desktop-file-validate "$work"/deb/usr/share/applications/*.desktop
appstreamcli validate --no-net "$work"/deb/usr/share/metainfo/*.metainfo.xml
for s in 16 32 48 64 128 256; do
    test -f "$work/deb/usr/share/icons/hicolor/${s}x${s}/apps/sds-desktop.png"
done
test -f "$work/deb/usr/share/icons/hicolor/scalable/apps/sds-desktop.svg"
echo "ok"

# run_selftest LABEL COMMAND...: exit 0, one OK line on stdout, no unexpected stderr.
# EXTRA_ALLOWED (regex) admits more stderr lines, e.g. from a wrapper like dbus-daemon.
run_selftest() {
    local label=$1; shift
    local out="$work/$label.out" err="$work/$label.err" rc=0
    mkdir -p "$work/$label-config" "$work/$label-home"
    # a clean environment: no venv, no PYTHONPATH, not the repository as cwd
    (cd "$work" && env -i HOME="$work/$label-home" PATH=/usr/bin:/bin LANG=C.UTF-8 \
        "$@" --self-test --config-dir "$work/$label-config") >"$out" 2>"$err" || rc=$?
    echo "[$label] $(cat "$out")"
    if [ "$rc" -ne 0 ] || ! grep -q '^SELF-TEST OK: ' "$out"; then
        echo "[$label] self-test failed (exit $rc); stderr:" >&2
        cat "$err" >&2
        exit 1
    fi
    if grep -v -E "$ALLOWED_STDERR" "$err" | grep -v -E "${EXTRA_ALLOWED:-^$}" | grep -q .; then
        echo "[$label] unexpected stderr output:" >&2
        cat "$err" >&2
        exit 1
    fi
}

step "frozen self-test"
run_selftest frozen "$ROOT/dist/sds-desktop/sds-desktop"

step "frozen self-test on X11 (xcb under Xvfb)"
# The offscreen run never loads the xcb platform plugin nor the xcb-util libraries we
# bundle; this one does.
run_selftest xcb xvfb-run -a env SDS_SELFTEST_QPA=xcb "$ROOT/dist/sds-desktop/sds-desktop"

step "frozen self-test on Wayland (headless weston)"
mkdir -p "$work/xdg-runtime" && chmod 700 "$work/xdg-runtime"
XDG_RUNTIME_DIR="$work/xdg-runtime" weston --backend=headless-backend.so \
    --socket=sds-ci-wayland --idle-time=0 >"$work/weston.log" 2>&1 &
weston_pid=$!
for _ in $(seq 50); do
    [ -S "$work/xdg-runtime/sds-ci-wayland" ] && break
    sleep 0.1
done
if [ ! -S "$work/xdg-runtime/sds-ci-wayland" ]; then
    echo "weston did not start:" >&2
    cat "$work/weston.log" >&2
    exit 1
fi
run_selftest wayland env XDG_RUNTIME_DIR="$work/xdg-runtime" WAYLAND_DISPLAY=sds-ci-wayland \
    SDS_SELFTEST_QPA=wayland "$ROOT/dist/sds-desktop/sds-desktop"
kill "$weston_pid" && wait "$weston_pid" 2>/dev/null || true
weston_pid=""

step "frozen self-test with a Secret Service"
# A private session bus and an unlocked, empty gnome-keyring: the frozen app must find the
# SecretService backend (proves keyring's entry points, secretstorage, jeepney and
# cryptography are bundled). The self-test itself still writes no secret anywhere.
printf '%s\n' '#!/bin/sh' \
    "printf '' | gnome-keyring-daemon --unlock --components=secrets >/dev/null" \
    'exec "$@"' >"$work/with-keyring.sh"
chmod +x "$work/with-keyring.sh"
EXTRA_ALLOWED='^dbus-daemon\[[0-9]+\]: |gnome-keyring-daemon' run_selftest keyring \
    dbus-run-session -- "$work/with-keyring.sh" "$ROOT/dist/sds-desktop/sds-desktop"
grep -q 'keyring=SecretService.Keyring' "$work/keyring.out" || {
    echo "the frozen app did not pick the SecretService keyring" >&2
    exit 1
}

step "tarball self-test"
mkdir -p "$work/tar"
tar -xzf "$tarball" -C "$work/tar"
run_selftest tarball "$work/tar/sds-desktop-${version}/sds-desktop/sds-desktop"

step "install the .deb"
if dpkg -s sds-desktop >/dev/null 2>&1; then $SUDO dpkg -r sds-desktop >/dev/null; fi
$SUDO dpkg -i "$deb"
dpkg -s sds-desktop | grep -E '^(Status|Version|Installed-Size):'
test -x /usr/bin/sds-desktop && test -x /opt/sds-desktop/sds-desktop
run_selftest installed /usr/bin/sds-desktop

step "remove the .deb"
$SUDO dpkg -r sds-desktop
leftovers=()
for path in /opt/sds-desktop /usr/bin/sds-desktop \
            /usr/share/applications/edu.nd.crc.sdsdesktop.desktop \
            /usr/share/metainfo/edu.nd.crc.sdsdesktop.metainfo.xml \
            /usr/share/icons/hicolor/256x256/apps/sds-desktop.png \
            /usr/share/man/man1/sds-desktop.1.gz /usr/share/doc/sds-desktop; do
    if [ -e "$path" ] || [ -L "$path" ]; then leftovers+=("$path"); fi
done
if [ "${#leftovers[@]}" -gt 0 ]; then
    echo "left behind after dpkg -r: ${leftovers[*]}" >&2
    exit 1
fi
echo "removed cleanly: /opt/sds-desktop and /usr/bin/sds-desktop are gone"

step "packaging CI passed"
echo "bundle ${bundle_human}; $(basename "$deb") $(du -h "$deb" | cut -f1); $(basename "$tarball") $(du -h "$tarball" | cut -f1)"
