#!/usr/bin/env bash
# Render a DOCX to PDF (LibreOffice, headless) and then to one PNG per page.
# Usage: tools/render_preview.sh REPORT.docx OUTDIR [DPI]
set -euo pipefail

if [[ $# -lt 2 ]]; then
    echo "usage: $0 DOCX OUTDIR [DPI]" >&2
    exit 2
fi
docx=$1
outdir=$2
dpi=${3:-70}
command -v soffice >/dev/null || { echo "soffice not found (apt-get install libreoffice-writer-nogui)" >&2; exit 1; }
command -v pdftoppm >/dev/null || { echo "pdftoppm not found (apt-get install poppler-utils)" >&2; exit 1; }

mkdir -p "$outdir"
name=$(basename "${docx%.*}")
# A private profile so a running LibreOffice (or a parallel call) does not block this one.
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
soffice -env:UserInstallation="file://$profile" --headless --convert-to pdf \
    --outdir "$outdir" "$docx" >/dev/null
rm -f "$outdir/$name"-*.png
pdftoppm -png -r "$dpi" "$outdir/$name.pdf" "$outdir/$name"
ls "$outdir/$name.pdf" "$outdir/$name"-*.png
