#!/usr/bin/env bash
# Re-vendor the JavaScript that renders saved ipywidget state and math with no CDN.
# Run from anywhere; needs npm. Fetches exact versions with `npm pack` (no install scripts,
# no dependency tree) and copies only the files the pages load.
set -euo pipefail
HTML_MANAGER=1.0.15   # @jupyter-widgets/html-manager for ipywidgets 8 (widget protocol 2)
REQUIREJS=2.3.8
MATHJAX=3.2.2

here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
for spec in "@jupyter-widgets/html-manager@$HTML_MANAGER" "requirejs@$REQUIREJS" "mathjax@$MATHJAX"; do
  tgz=$(npm pack --silent "$spec")
  name=${spec%@*}; name=${name##*/}
  mkdir -p "$name" && tar -xzf "$tgz" -C "$name" --strip-components=1
done

rm -rf "$here/jupyter-widgets" "$here/requirejs" "$here/mathjax"
mkdir -p "$here/jupyter-widgets" "$here/requirejs" "$here/mathjax"
# embed-amd.js bundles @jupyter-widgets/base, controls and html-manager; webpack loads its
# icon fonts (Font Awesome) from the same folder as the script. Source maps are left out.
cp html-manager/dist/embed-amd.js "$here/jupyter-widgets/"
find html-manager/dist -maxdepth 1 -regex '.*\.\(woff2?\|ttf\|eot\|svg\)' -exec cp {} "$here/jupyter-widgets/" \;
cp requirejs/require.js "$here/requirejs/"
# tex-svg-full.js is self-contained: every TeX extension and the SVG fonts, no further loads.
cp mathjax/es5/tex-svg-full.js mathjax/LICENSE "$here/mathjax/"
echo "vendored into $here:"; (cd "$here" && du -sh jupyter-widgets requirejs mathjax)
