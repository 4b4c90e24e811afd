#!/usr/bin/env bash
# Checks the HTML report in a real headless browser (issue 13):
#   1. installs Chromium from Debian's packages when it is missing (and a CJK font for the screenshot),
#   2. renders `copydesk lint --format html` and `--format json` of examples/ (one run, two reports),
#   3. loads the page in headless Chromium, lets its JavaScript run, dumps the DOM and compares the highlighted
#      findings (<mark class="f …" data-rule=…>) with the JSON report: the total and the count of every rule,
#   4. checks that the page is self-contained (no external scripts, styles, fonts or images),
#   5. opens the page at a finding (#f=N) and checks that the detail panel shows it,
#   6. writes a screenshot (default: a temporary file; --screenshot docs/html-report.png refreshes the README's).
# Usage: scripts/check-html-report.sh [--screenshot FILE] [--binary PATH]
# Exit: 0 the check passed; 1 it failed; 3 Chromium is missing and could not be installed (not root, no apt-get).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
shot=""
bin="${COPYDESK_BIN:-}"
while [ $# -gt 0 ]; do
  case "$1" in
    --screenshot) shot="$2"; shift 2 ;;
    --binary) bin="$2"; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

find_chromium() { command -v chromium || command -v chromium-browser || command -v google-chrome || true; }
chrome=$(find_chromium)
if [ -z "$chrome" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "check-html-report: installing chromium (apt-get)…" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null && apt-get install -y -qq chromium >/dev/null
    chrome=$(find_chromium)
  fi
  if [ -z "$chrome" ]; then
    echo "check-html-report: Chromium is not installed and could not be installed (needs root and apt-get)" >&2
    exit 3
  fi
fi
# A CJK font, so the screenshot shows Chinese instead of boxes (the DOM check does not need it).
if command -v fc-list >/dev/null && [ -z "$(fc-list :lang=zh 2>/dev/null)" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei >/dev/null 2>&1 || echo "check-html-report: no CJK font installed; the screenshot will show boxes" >&2
fi

if [ -z "$bin" ]; then
  swift build --product copydesk >&2
  bin="$(swift build --show-bin-path)/copydesk"
fi
case "$bin" in /*) ;; *) bin="$root/$bin" ;; esac   # the batch below runs in another folder
command -v python3 >/dev/null || { echo "check-html-report: python3 is needed to read the DOM" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
html="$work/report.html"; json="$work/report.json"
set +e
"$bin" lint --format "html=$html" --format "json=$json" examples/ 2>"$work/lint.err"
rc=$?
set -e
if [ "$rc" -gt 1 ]; then echo "check-html-report: copydesk failed (exit $rc):" >&2; cat "$work/lint.err" >&2; exit 1; fi

browse() {   # browse URL OUTFILE EXTRA-FLAGS…: dump the DOM after the page's scripts ran
  local url=$1 out=$2; shift 2
  "$chrome" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run --hide-scrollbars \
    --user-data-dir="$work/profile" --virtual-time-budget=10000 "$@" "$url" >"$out" 2>>"$work/chromium.log"
}
browse "file://$html" "$work/dom.html" --dump-dom
browse "file://$html#f=2" "$work/dom-f2.html" --dump-dom
if [ -z "$shot" ]; then shot="$work/report.png"; fi
mkdir -p "$(dirname "$shot")"
browse "file://$html#f=2" /dev/null --window-size=1280,860 --screenshot="$shot"
[ -s "$shot" ] || { echo "check-html-report: no screenshot was written" >&2; exit 1; }

python3 - "$html" "$json" "$work/dom.html" "$work/dom-f2.html" <<'PY'
import collections, html.parser, json, re, sys
page, report, dom, dom2 = (open(p, encoding="utf-8").read() for p in sys.argv[1:5])
diags = json.loads(report)["diagnostics"]
want = collections.Counter(d["rule"] for d in diags)
problems = []

class Marks(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.rules = collections.Counter(); self.attrs = {}; self.cur = None
        self.stack = []; self.detail = ""; self.in_detail = 0; self.in_msg = False; self.msg = ""
    def handle_starttag(self, tag, attrs):
        a = dict(attrs); cls = (a.get("class") or "").split()
        if tag == "body": self.attrs = a
        if tag == "mark" and "f" in cls:
            self.rules[a.get("data-rule")] += 1
            if "cur" in cls: self.cur = a.get("data-rule")
        if self.in_detail: self.in_detail += 1
        if a.get("id") == "detail": self.in_detail = 1
        if self.in_detail and "msg" in cls: self.in_msg = True
    def handle_endtag(self, tag):
        if self.in_detail: self.in_detail -= 1
        self.in_msg = False
    def handle_data(self, data):
        if self.in_detail: self.detail += data
        if self.in_msg: self.msg += data

m = Marks(); m.feed(dom)
if m.attrs.get("data-ready") != "1": problems.append("the page's script did not finish (no data-ready on <body>)")
total = sum(m.rules.values())
if total != len(diags): problems.append(f"{total} highlighted findings in the DOM, {len(diags)} in the JSON report")
for rule in sorted(set(want) | set(m.rules)):
    if want[rule] != m.rules[rule]: problems.append(f"rule {rule}: {m.rules[rule]} highlighted, {want[rule]} in the JSON report")
if m.attrs.get("data-visible") != str(len(diags)): problems.append(f"navigation counts {m.attrs.get('data-visible')} findings, JSON {len(diags)}")
if len(diags) < 10: problems.append("the example drafts should have findings to check")

# Self-contained: no external resources of any kind.
for pat in [r'<script[^>]+src=', r'<link[^>]+href=', r'<img[^>]+src=', r'@import', r'url\(', r'https?://[^"\s]*\.(?:css|js|woff2?|ttf|png)']:
    if re.search(pat, page, re.I): problems.append(f"external asset in the page: {pat}")

m2 = Marks(); m2.feed(dom2)
if m2.cur is None: problems.append("#f=2 selected no highlighted finding")
else:
    msgs = {d["message"] for d in diags if d["rule"] == m2.cur}
    if m2.msg.strip() not in msgs: problems.append(f"detail panel shows {m2.msg.strip()!r}, not a message of {m2.cur}")
    if m2.cur not in m2.detail: problems.append("detail panel does not name the rule")
    # A finding whose every match in the JSON report has a fix shows it (texts before → after, from the file's texts).
    same = [d for d in diags if d["rule"] == m2.cur and d["message"] == m2.msg.strip()]
    if same and all(d.get("fix") and d["fix"].get("edits") for d in same):
        if "修改：" not in m2.detail or "→" not in m2.detail: problems.append("detail panel does not show the fix of a fixable finding")

if problems:
    print("check-html-report: FAILED", *problems, sep="\n  ", file=sys.stderr); sys.exit(1)
print(f"check-html-report: OK: {total} findings highlighted in Chromium = JSON report ({len(want)} rules); page {len(page)} bytes, self-contained")
PY

# 7. A batch with a paragraph copied between files: the page streams each file, then a second entry ("more") for each
#    file with a copy elsewhere in the run. Every finding must still be highlighted once, and the files counted once.
mkdir -p "$work/batch"
printf 'extends: [copydesk:recommended, copydesk:duplicates]\n' > "$work/batch/.lintrc.yml"
para='县农业农村局近日召开春耕备耕工作会议，全面部署今年粮食生产任务，要求各乡镇抓紧落实种子、化肥、农药等农资供应，加强技术指导服务，确保不误农时。'
printf '稿件甲\n\n%s\n\n全 力 以 赴 。\n' "$para" > "$work/batch/a.txt"
printf '稿件乙\n\n%s\n' "$para" > "$work/batch/b.txt"
set +e
(cd "$work/batch" && "$bin" lint --format "html=$work/batch.html" --format "json=$work/batch.json" . 2>"$work/batch.err")
rc=$?
set -e
if [ "$rc" -gt 1 ]; then echo "check-html-report: copydesk failed on the batch (exit $rc):" >&2; cat "$work/batch.err" >&2; exit 1; fi
browse "file://$work/batch.html" "$work/batch-dom.html" --dump-dom
python3 - "$work/batch.json" "$work/batch-dom.html" <<'PY'
import collections, json, re, sys
diags = json.loads(open(sys.argv[1], encoding="utf-8").read())["diagnostics"]
dom = open(sys.argv[2], encoding="utf-8").read()
marks = collections.Counter(re.findall(r'<mark class="f[^"]*"[^>]*data-rule="([^"]+)"', dom))
want = collections.Counter(d["rule"] for d in diags)
problems = []
if marks != want: problems.append(f"highlighted {dict(marks)}, JSON report {dict(want)}")
if want["duplicates.paragraph"] != 2: problems.append(f"expected the copy reported in both files, JSON has {want['duplicates.paragraph']}")
more = re.findall(r'<h2>([^<]*)（与本批其他文件重复）</h2>', dom)
if sorted(more) != ["a.txt", "b.txt"]: problems.append(f"the page should show a second entry for each of the two files, shows {more}")
if "2 个文件" not in dom: problems.append("the page should count 2 files")
if problems:
    print("check-html-report: FAILED (batch)", *problems, sep="\n  ", file=sys.stderr); sys.exit(1)
print(f"check-html-report: OK: batch with a copy between files: {sum(marks.values())} findings highlighted = JSON report")
PY
echo "check-html-report: screenshot: $shot"
