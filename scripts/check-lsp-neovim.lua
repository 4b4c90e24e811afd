-- Drives `copydesk server` with Neovim's own LSP client (headless): opens a draft, waits for the diagnostics,
-- applies the first safe quick fix and the "fix all" action, and writes what happened to $COPYDESK_LSP_OUT.
-- Run by scripts/check-lsp-neovim.sh; works with Neovim 0.7 (Debian 12) and later.
local bin = os.getenv('COPYDESK_BIN')
local draft = os.getenv('COPYDESK_DRAFT')
local out = io.open(os.getenv('COPYDESK_LSP_OUT'), 'w')
local function say(s) out:write(s .. '\n'); out:flush() end
local function finish(code) out:close(); vim.cmd('qall!'); os.exit(code) end

vim.cmd('edit ' .. vim.fn.fnameescape(draft))
local buf = vim.api.nvim_get_current_buf()
local client_id = vim.lsp.start_client({
  name = 'copydesk',
  cmd = { bin, 'server' },
  root_dir = vim.fn.fnamemodify(draft, ':h'),
})
if not client_id then say('ERROR could not start the client'); finish(1) end
vim.lsp.buf_attach_client(buf, client_id)

-- Wait for diagnostics.
local ok = vim.wait(10000, function() return #vim.diagnostic.get(buf) > 0 end, 20)
if not ok then say('ERROR no diagnostics within 10 s'); finish(1) end
local diags = vim.diagnostic.get(buf)
table.sort(diags, function(a, b) return a.lnum < b.lnum or (a.lnum == b.lnum and a.col < b.col) end)
for _, d in ipairs(diags) do
  say(string.format('DIAG %d:%d %s %s', d.lnum + 1, d.col + 1, tostring(d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)), d.message))
end
local client = vim.lsp.get_client_by_id(client_id)
say('ENCODING ' .. tostring(client.offset_encoding))

-- Code actions on the first diagnostic's line.
local first = diags[1]
local params = {
  textDocument = { uri = vim.uri_from_bufnr(buf) },
  range = { start = { line = first.lnum, character = 0 }, ['end'] = { line = first.lnum, character = 200 } },
  context = { diagnostics = {} },
}
local results = vim.lsp.buf_request_sync(buf, 'textDocument/codeAction', params, 10000)
local actions = {}
for _, r in pairs(results or {}) do for _, a in ipairs(r.result or {}) do table.insert(actions, a) end end
for _, a in ipairs(actions) do say('ACTION ' .. a.title) end
local fixall
for _, a in ipairs(actions) do if a.kind == 'source.fixAll.copydesk' then fixall = a end end
if not fixall then say('ERROR no fix-all action'); finish(1) end
vim.lsp.util.apply_workspace_edit(fixall.edit, client.offset_encoding)
vim.cmd('write')
say('WROTE')

-- After the edit the server is told (didChange) and publishes again: the safe findings are gone.
vim.wait(3000, function() return false end, 200)
-- Findings of the rule whose safe fixes were applied (other rules, such as a missing byline, may remain).
local left = 0
for _, d in ipairs(vim.diagnostic.get(buf)) do
  local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
  if code == 'spacing.han-space-han' then left = left + 1 end
end
say('LEFT ' .. left)
finish(0)
