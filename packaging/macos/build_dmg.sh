#!/usr/bin/env bash
# macOS: sign "dist/SDS Desktop.app", wrap it in a DMG, sign + notarize + staple the DMG.
#
#   packaging/macos/build_dmg.sh <version>       (called by packaging/build.py on macOS)
#
# Signing is optional and driven by the environment (see packaging/README.md):
#   SDS_CODESIGN_IDENTITY   "Developer ID Application: <Team> (<TEAMID>)"; unset = unsigned
#   SDS_NOTARY_PROFILE      keychain profile made with `xcrun notarytool store-credentials`;
#                           unset = not notarized
set -euo pipefail
cd "$(dirname "$0")/../.."
version=${1:?usage: build_dmg.sh <version>}
app="dist/SDS Desktop.app"
dmg="dist/SDS-Desktop-${version}.dmg"
entitlements="packaging/macos/entitlements.plist"
[ -d "$app" ] || { echo "missing $app: run packaging/build.py first" >&2; exit 1; }

if [ -n "${SDS_CODESIGN_IDENTITY:-}" ]; then
    echo "== codesign (hardened runtime) =="
    # Sign inside-out: every dylib/so and the Python framework first, then the app itself.
    find "$app/Contents" -type f \( -name '*.dylib' -o -name '*.so' -o -perm -u+x \) -print0 |
        xargs -0 codesign --force --timestamp --options runtime \
            --entitlements "$entitlements" --sign "$SDS_CODESIGN_IDENTITY"
    codesign --force --timestamp --options runtime --entitlements "$entitlements" \
        --sign "$SDS_CODESIGN_IDENTITY" "$app"
    codesign --verify --deep --strict --verbose=2 "$app"
else
    echo "SDS_CODESIGN_IDENTITY not set: the app stays ad-hoc signed (local testing only)"
fi

echo "== DMG =="
staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
cp -R "$app" "$staging/"
ln -s /Applications "$staging/Applications"
rm -f "$dmg"
hdiutil create -volname "SDS Desktop ${version}" -srcfolder "$staging" -ov -format UDZO "$dmg"

if [ -n "${SDS_CODESIGN_IDENTITY:-}" ]; then
    codesign --force --timestamp --sign "$SDS_CODESIGN_IDENTITY" "$dmg"
fi
if [ -n "${SDS_NOTARY_PROFILE:-}" ] && [ -n "${SDS_CODESIGN_IDENTITY:-}" ]; then
    echo "== notarize =="
    xcrun notarytool submit "$dmg" --keychain-profile "$SDS_NOTARY_PROFILE" --wait
    xcrun stapler staple "$dmg"
    spctl --assess --type open --context context:primary-signature --verbose=2 "$dmg"
else
    echo "not notarized (needs SDS_CODESIGN_IDENTITY and SDS_NOTARY_PROFILE)"
fi
echo "dmg: $dmg"
