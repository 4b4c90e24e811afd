#!/usr/bin/env bash
# Exercises the CI examples in examples/ci/ on a temporary git repository:
#   - the GitLab CI job's `script:` lines (read with PyYAML) on a shallow clone, then its Code Quality report
#     (GitLab's documented fields), JUnit XML and HTML artifacts;
#   - the GitHub Actions workflow's steps as shell: a base commit with a committed baseline, a pull-request commit,
#     a shallow clone (depth 1) as actions/checkout makes it, `git fetch --depth=1 origin main`, then the workflow's
#     own lint command (read from examples/ci/github-workflow.yml): it must fail on the new finding only, and write
#     SARIF and HTML;
#   - with --pre-commit: pre-commit installed from PyPI into a virtual environment, a temporary repository whose
#     .pre-commit-config.yaml names this checkout (its HEAD commit) as hook repository, `pre-commit install`, a
#     commit blocked by the copydesk hook, then copydesk-fix fixing the draft (pre-commit builds copydesk in
#     release mode, which takes minutes; set PRE_COMMIT_HOME to keep the build between runs).
# Usage: scripts/check-ci-examples.sh [--binary PATH] [--pre-commit | --only-pre-commit]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bin="${COPYDESK_BIN:-}"; precommit=0; workflow=1
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) bin="$2"; shift 2 ;;
    --pre-commit) precommit=1; shift ;;
    --only-pre-commit) precommit=1; workflow=0; shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
fail() { echo "check-ci-examples: FAILED: $*" >&2; exit 1; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
g() { git -c user.name=ci -c user.email=ci@example.com -c init.defaultBranch=main -c protocol.file.allow=always "$@"; }

if [ "$workflow" = 1 ]; then
if [ -z "$bin" ]; then swift build --product copydesk >&2; bin="$(swift build --show-bin-path)/copydesk"; fi
bin=$(realpath "$bin")

# The newsroom's repository: a draft with old findings and a committed baseline.
mkdir -p "$work/origin/drafts" && cd "$work/origin"
printf 'extends: [copydesk:recommended]\n' > .lintrc.yml
printf '本报记者 张三\n\n本报讯 12 月 3 日上午，青山镇召开会议。\n' > drafts/old.txt
g init -q && "$bin" baseline create . 2>/dev/null && g add . && g commit -qm base
# The pull request: a paragraph above the old findings, and one new finding.
g checkout -qb pr
printf '本报记者 张三\n\n导语，全 力以赴。\n\n本报讯 12 月 3 日上午，青山镇召开会议。\n' > drafts/old.txt
g commit -qam pr

# CI: a shallow clone of the pull request, the base fetched with depth 1, the workflow's lint command.
g clone -q --depth 1 --branch pr "file://$work/origin" "$work/ci" && cd "$work/ci"
g fetch -q --no-tags --depth=1 origin main:refs/remotes/origin/main
cmd=$(python3 - "$root/examples/ci/github-workflow.yml" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r"- name: Lint the changed drafts\n\s+run: \|\n((?:\s{10}.*\n)+)", text)
print(m.group(1).replace("\\\n", " ").strip() if m else "")
PY
)
[ -n "$cmd" ] || fail "no lint step found in examples/ci/github-workflow.yml"
cmd=${cmd//'${{ github.base_ref }}'/main}
cmd=${cmd/copydesk /"$bin" }
set +e; out=$(eval "$cmd" 2>&1); rc=$?; set -e
[ "$rc" = 1 ] || fail "the workflow's lint step exited $rc (expected 1: one new finding): $out"
echo "$out" | grep -q '::error file=drafts/old.txt,line=3' || fail "no annotation for the new finding: $out"
[ "$(echo "$out" | grep -c '^::')" = 1 ] || fail "old findings (in the baseline) were reported: $out"
python3 -c "import json,sys; r=json.load(open('copydesk.sarif'))['runs'][0]['results']; sys.exit(0 if len(r)==1 else 1)" || fail "SARIF should hold the one new finding"
grep -q 'id="copydesk-data"' copydesk-report.html || fail "no HTML report"
echo "check-ci-examples: OK: GitHub workflow steps (shallow clone, baseline, SARIF, annotations, HTML)"

# GitLab CI: the job in examples/ci/gitlab-ci.yml, read with a YAML parser (PyYAML), its `script:` lines run as the
# runner runs them (bash, `set -eo pipefail`, one line after the other) in a clone of the merge request's branch of
# depth 20 (the job's GIT_DEPTH) holding only that branch, with GitLab's merge-request variables. `before_script:`
# (a release build put on PATH) is replaced by the binary under test on PATH. Then: the exit status (1: one new
# finding), every artifact the job declares exists, the Code Quality report has the fields GitLab documents
# (description, check_name, fingerprint unique per issue, severity info|minor|major|critical|blocker,
# location.path relative, location.lines.begin >= 1) and the one new finding, the JUnit XML parses with one failure.
cd "$work"
g clone -q --depth 20 --branch pr "file://$work/origin" "$work/gl" && cd "$work/gl"
python3 - "$root/examples/ci/gitlab-ci.yml" "$work/gl-job.sh" "$work/gl-artifacts" <<'PY' || fail "examples/ci/gitlab-ci.yml: no runnable copydesk job"
import sys, yaml
job = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))["copydesk"]
assert any("merge_request_event" in r.get("if", "") for r in job["rules"]), "the job runs in merge request pipelines"
assert job["before_script"][0].startswith("swift build -c release"), job["before_script"]
assert "PATH=" in job["before_script"][1], job["before_script"]
lines = job["script"]
assert all(isinstance(l, str) for l in lines) and any(l.startswith("copydesk lint") for l in lines), lines
open(sys.argv[2], "w").write("set -eo pipefail\n" + "".join(l + "\n" for l in lines))
a = job["artifacts"]
assert a["when"] == "always"
open(sys.argv[3], "w").write("\n".join([a["reports"]["codequality"], a["reports"]["junit"]] + a["paths"]) + "\n")
PY
set +e
out=$(PATH="$(dirname "$bin"):$PATH" CI_PIPELINE_SOURCE=merge_request_event CI_MERGE_REQUEST_TARGET_BRANCH_NAME=main \
      CI_MERGE_REQUEST_SOURCE_BRANCH_NAME=pr GIT_DEPTH=20 bash "$work/gl-job.sh" 2>&1); rc=$?
set -e
[ "$rc" = 1 ] || fail "the GitLab job's script exited $rc (expected 1: one new finding): $out"
while read -r artifact; do [ -s "$artifact" ] || fail "the GitLab job declares the artifact $artifact but did not write it"; done < "$work/gl-artifacts"
python3 - "$(sed -n 1p "$work/gl-artifacts")" "$(sed -n 2p "$work/gl-artifacts")" <<'PY' || fail "GitLab reports: see above"
import json, os, sys, xml.etree.ElementTree as ET
issues = json.load(open(sys.argv[1], encoding="utf-8"))
assert isinstance(issues, list), "Code Quality: not a JSON array"
prints = set()
for i in issues:
    assert isinstance(i.get("description"), str) and i["description"], i
    assert isinstance(i.get("check_name"), str) and i["check_name"], i
    assert isinstance(i.get("fingerprint"), str) and i["fingerprint"] not in prints, i
    prints.add(i["fingerprint"])
    assert i.get("severity") in {"info", "minor", "major", "critical", "blocker"}, i
    loc = i["location"]
    assert isinstance(loc["path"], str) and not os.path.isabs(loc["path"]) and os.path.isfile(loc["path"]), loc
    assert isinstance(loc["lines"]["begin"], int) and loc["lines"]["begin"] >= 1, loc
found = [(i["location"]["path"], i["location"]["lines"]["begin"], i["severity"]) for i in issues]
assert found == [("drafts/old.txt", 3, "major")], f"Code Quality should hold the one new finding: {found}"
root = ET.parse(sys.argv[2]).getroot()
assert root.tag == "testsuites" and root.get("failures") == "1", ET.tostring(root)[:300]
PY
grep -q 'id="copydesk-data"' copydesk-report.html || fail "GitLab job: no HTML report"
echo "check-ci-examples: OK: GitLab CI job script (shallow clone, baseline, Code Quality, JUnit, HTML)"
fi

if [ "$precommit" = 1 ]; then
  # pre-commit from PyPI, in a virtual environment of its own (not whatever happens to be installed).
  python3 -m venv "$work/venv" && "$work/venv/bin/pip" install -q pre-commit >&2
  pc="$work/venv/bin/pre-commit"
  export PRE_COMMIT_HOME="${PRE_COMMIT_HOME:-$work/pre-commit-home}"
  rev=$(git -C "$root" rev-parse HEAD)
  [ -z "$(git -C "$root" status --porcelain)" ] || echo "check-ci-examples: note: uncommitted changes are not part of the hook repository (rev $rev)" >&2
  # A newsroom repository that uses this checkout as its hook repository, as the comment in
  # .pre-commit-hooks.yaml says; pre-commit clones it and builds copydesk (swift build -c release).
  mkdir -p "$work/pc" && cd "$work/pc" && g init -q
  cat > .pre-commit-config.yaml <<YAML
repos:
  - repo: $root
    rev: $rev
    hooks: [{id: copydesk}]
YAML
  printf '全力以赴。\n' > clean.md && g add .pre-commit-config.yaml clean.md
  "$pc" install >&2
  g commit -qm clean || fail "pre-commit hook copydesk refused a clean draft"
  printf '正文，全 力 以 赴。\n' > draft.txt && g add draft.txt
  set +e; out=$(g commit -qm draft 2>&1); rc=$?; set -e
  [ "$rc" != 0 ] || fail "pre-commit hook copydesk let a draft with a finding be committed: $out"
  echo "$out" | grep -q 'draft.txt:1:5: error' || fail "pre-commit hook copydesk: exit $rc: $out"
  [ -z "$(g log --format=%s | grep -x draft)" ] || fail "the draft was committed"
  echo "check-ci-examples: OK: pre-commit hook copydesk blocks a commit (draft.txt:1:5: error) and passes a clean one"
  # copydesk-fix: applies the safe fix and fails the run because a file was modified, as pre-commit does.
  cat > .pre-commit-config.yaml <<YAML
repos:
  - repo: $root
    rev: $rev
    hooks: [{id: copydesk-fix}]
YAML
  set +e; out=$("$pc" run copydesk-fix --files draft.txt 2>&1); rc=$?; set -e
  [ "$rc" = 1 ] && echo "$out" | grep -q 'files were modified by this hook' || fail "pre-commit hook copydesk-fix: exit $rc: $out"
  [ "$(cat draft.txt)" = '正文，全力以赴。' ] || fail "pre-commit hook copydesk-fix did not fix draft.txt: $(cat draft.txt)"
  set +e; out=$("$pc" run copydesk-fix --files draft.txt 2>&1); rc=$?; set -e
  [ "$rc" = 0 ] || fail "pre-commit hook copydesk-fix on the fixed draft: exit $rc: $out"
  g add .pre-commit-config.yaml draft.txt && g commit -qm draft || fail "the fixed draft could not be committed"
  echo "check-ci-examples: OK: pre-commit hook copydesk-fix fixes draft.txt, then passes; the fixed draft commits"
fi
