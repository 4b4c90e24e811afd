#!/usr/bin/env bash
# Checks `copydesk server` with a real LSP client that nobody here wrote: Neovim's built-in client, headless.
# Installs Neovim from Debian's packages when it is missing (as root), builds copydesk unless COPYDESK_BIN is set,
# opens a draft with letterspaced text after an astral-plane character (𠮷, two UTF-16 units), reads the
# diagnostics, applies the "fix all safe problems" code action, saves, and checks the file.
#   usage: scripts/check-lsp-neovim.sh [--no-install]       exit 0 ok, 1 failed, 3 Neovim missing
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v nvim >/dev/null 2>&1; then
    if [ "${1:-}" != "--no-install" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "check-lsp-neovim: installing neovim from Debian's packages" >&2
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq neovim) >&2 || true
    fi
fi
command -v nvim >/dev/null 2>&1 || { echo "check-lsp-neovim: Neovim is not installed (apt-get install neovim)" >&2; exit 3; }
BIN=${COPYDESK_BIN:-}
if [ -z "$BIN" ]; then swift build --product copydesk >&2; BIN="$(swift build --show-bin-path)/copydesk"; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '𠮷全 力 以 赴，打 赢 阻 击 战。\n第二行没有问题。\n' > "$work/draft.txt"
printf 'extends: [copydesk:recommended]\nstyle: print\n' > "$work/.lintrc.yml"
export COPYDESK_BIN="$BIN" COPYDESK_DRAFT="$work/draft.txt" COPYDESK_LSP_OUT="$work/out.txt"
timeout 60 nvim --headless --clean -n -u NONE -c "luafile scripts/check-lsp-neovim.lua" >/dev/null 2>&1 || true
cat "$work/out.txt" 2>/dev/null || true
fail() { echo "check-lsp-neovim: FAILED: $*" >&2; exit 1; }
# Neovim shows byte columns: the space after 𠮷全 (4 + 3 bytes) is column 8; the server said UTF-16 character 3.
grep -q '^DIAG 1:8 spacing.han-space-han' "$work/out.txt" || fail "no han-space-han diagnostic at line 1, byte column 8 (after 𠮷全)"
grep -q '^ACTION Fix all safe problems' "$work/out.txt" || fail "no fix-all code action"
grep -q '^WROTE' "$work/out.txt" || fail "the fix was not applied"
[ "$(head -1 "$work/draft.txt")" = "𠮷全力以赴，打赢阻击战。" ] || fail "fixed text is $(head -1 "$work/draft.txt")"
grep -q '^LEFT 0' "$work/out.txt" || fail "diagnostics remain after the fix"
echo "check-lsp-neovim: ok (Neovim $(nvim --version | head -1 | cut -d' ' -f2))"
