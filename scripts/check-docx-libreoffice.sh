#!/usr/bin/env bash
# Checks copydesk's Word support against a real Word processor nobody here wrote: LibreOffice Writer, headless.
# Installs it from Debian's packages when missing (as root; libreoffice-writer-nogui, ~40 s here), builds copydesk
# unless COPYDESK_BIN is set, then:
#   1. LibreOffice turns a text draft into draft.docx; `copydesk lint draft.docx` must report the same findings
#      (rule, line = paragraph, column) as `copydesk lint draft.txt`.
#   2. `copydesk lint --fix draft.docx`; LibreOffice must open the fixed file and its text (--convert-to txt) must be
#      the expected fixed text.
#   3. A package with formatted runs (bold, a run boundary inside a finding) built by python3's zipfile: fixed, opened
#      by LibreOffice, text as expected, and the fix across two runs left alone.
#   usage: scripts/check-docx-libreoffice.sh [--no-install]      exit 0 ok, 1 failed, 3 LibreOffice missing
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v soffice >/dev/null 2>&1; then
    if [ "${1:-}" != "--no-install" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "check-docx-libreoffice: installing libreoffice-writer-nogui from Debian's packages" >&2
        start=$(date +%s)
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui) >&2 || true
        echo "check-docx-libreoffice: install took $(( $(date +%s) - start )) s" >&2
    fi
fi
command -v soffice >/dev/null 2>&1 || { echo "check-docx-libreoffice: LibreOffice is not installed (apt-get install libreoffice-writer-nogui)" >&2; exit 3; }
BIN=${COPYDESK_BIN:-}
if [ -z "$BIN" ]; then swift build --product copydesk >&2; BIN="$(swift build --show-bin-path)/copydesk"; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "check-docx-libreoffice: FAILED: $*" >&2; exit 1; }
office() { timeout 120 soffice -env:UserInstallation="file://$work/profile" --headless "$@" >"$work/soffice.log" 2>&1 || { cat "$work/soffice.log" >&2; fail "soffice $*"; }; }
# LibreOffice's text export: UTF-8 with a BOM; CRLF where it chooses.
astext() { office --convert-to "txt:Text (encoded):UTF8,LF,,," --outdir "$work/txt" "$1"; sed -e '1s/^\xEF\xBB\xBF//' -e 's/\r$//' "$work/txt/$(basename "${1%.*}").txt"; }
cat > "$work/draft.txt" <<'DRAFT'
青山镇召开冬季供暖保障会议

本报讯 12 月 3 日上午，青山镇召开冬季供暖保障工作会议。

会议要求各村 全 力 以 赴 ，确保群众温暖过冬。

镇长 张三 说：“今年的煤炭储备达到 ２０ 万吨。”
DRAFT
cat > "$work/expected.txt" <<'FIXED'
青山镇召开冬季供暖保障会议

本报讯　12月3日上午，青山镇召开冬季供暖保障工作会议。

会议要求各村全力以赴，确保群众温暖过冬。

镇长 张三 说：“今年的煤炭储备达到20万吨。”
FIXED
printf 'extends: [copydesk:recommended]\nstyle: print\n' > "$work/.lintrc.yml"
mkdir -p "$work/lo" "$work/txt"
cp "$work/draft.txt" "$work/lo/draft.txt"
( cd "$work/lo" && office --infilter="Text (encoded):UTF8,LF,,," --convert-to docx:"MS Word 2007 XML" --outdir "$work" draft.txt )
[ -s "$work/draft.docx" ] || fail "LibreOffice did not write draft.docx"
# 1. The same findings from the .docx as from the text it was made of (paragraphs apart, so that the text's
#    reading has one block per paragraph as the .docx has).
findings() { "$BIN" lint --config "$work/.lintrc.yml" --format json "$1" | python3 -c '
import json, sys
for d in json.load(sys.stdin)["diagnostics"]:
    print(d["rule"], d["start"]["line"], d["start"]["column"])'; }
findings "$work/draft.txt" > "$work/f-txt" || true
findings "$work/draft.docx" > "$work/f-docx" || true
[ -s "$work/f-txt" ] || fail "the text draft has no findings (the check needs some)"
diff -u "$work/f-txt" "$work/f-docx" >&2 || fail "the .docx LibreOffice wrote lints differently from its text"
echo "check-docx-libreoffice: $(wc -l < "$work/f-docx") findings, the same in draft.txt and the draft.docx LibreOffice made of it"
# 2. Fix the .docx; LibreOffice opens it and shows the fixed text.
"$BIN" lint --config "$work/.lintrc.yml" --fix "$work/draft.docx" >"$work/fix.out" 2>&1 || true
astext "$work/draft.docx" > "$work/fixed.txt" || fail "LibreOffice could not open the fixed file"
diff -u "$work/expected.txt" "$work/fixed.txt" >&2 || fail "the fixed .docx, read by LibreOffice, is not the expected text"
# Fixing again changes nothing.
sum1=$(sha256sum < "$work/draft.docx")
"$BIN" lint --config "$work/.lintrc.yml" --fix "$work/draft.docx" >/dev/null 2>&1 || true
[ "$sum1" = "$(sha256sum < "$work/draft.docx")" ] || fail "a second --fix changed the file"
# 3. Runs with formatting, built by hand.
python3 - "$work/runs.docx" <<'PY'
import sys, zipfile
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
def r(t, b=False):
    sp = ' xml:space="preserve"' if t != t.strip() else ''
    return '<w:r>' + ('<w:rPr><w:b/></w:rPr>' if b else '') + f'<w:t{sp}>{t}</w:t></w:r>'
body = ('<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr>' + r('供暖会议召开') + '</w:p>'
        + '<w:p>' + r('各村要') + r('全 力 以 赴 ', True) + r('，他说..') + r('.然后散会。') + '</w:p>')
doc = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document {W}><w:body>{body}<w:sectPr/></w:body></w:document>'
ct = '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
rels = '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>'
with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:
    z.writestr('[Content_Types].xml', ct); z.writestr('_rels/.rels', rels); z.writestr('word/document.xml', doc)
PY
"$BIN" lint --no-config --fix "$work/runs.docx" >"$work/runs.out" 2>&1 || true
grep -q 'punctuation.ellipsis' "$work/runs.out" || fail "the ellipsis across two runs was not reported: $(cat "$work/runs.out")"
unzip -p "$work/runs.docx" word/document.xml | grep -q '<w:rPr><w:b/></w:rPr><w:t[^>]*>全力以赴</w:t>' || fail "the bold run lost its formatting or was not fixed"
astext "$work/runs.docx" > "$work/runs.txt" || fail "LibreOffice could not open the fixed runs.docx"
printf '供暖会议召开\n各村要全力以赴，他说...然后散会。\n' | diff -u - "$work/runs.txt" >&2 || fail "runs.docx, fixed and read by LibreOffice, is not the expected text"
echo "check-docx-libreoffice: ok ($(soffice --version 2>/dev/null | head -1))"
