import Foundation

/// `--format html`: one self-contained page for editors (inline CSS and JavaScript, no external assets): each
/// draft's text with every finding highlighted in place, details (message, rule, authority, fix before → after) on
/// hover and click, a list of rules with counts, filters by severity and rule, next/previous finding, a summary per
/// file, a CJK font stack and a print style.
///
/// Size and speed: the page carries the text as data (one JSON document) and renders it page by page in the
/// browser (at most a few hundred lines in the DOM per file). A draft up to `fullTextLimit` bytes is shown whole;
/// a larger one only as windows of `context` characters around its findings (merged where they touch), so the
/// report grows with the findings, not with the draft. Messages are stored once for the run, the fixes' texts once
/// per file. The page is written as the run goes (`HTMLStreamWriter`): each file's part as soon as the file is done.
///
/// Positions in the data are UTF-16 offsets into each shown piece of text (what JavaScript strings index), worked
/// out here from the UTF-8 byte offsets; the shown line and column are 1-based scalar columns as in the text format.
public struct HTMLReporter: Reporter {
    public var baseDirectory: String?
    /// Drafts up to this many bytes are shown whole.
    public var fullTextLimit: Int
    /// Characters of context on each side of a finding in drafts shown as excerpts.
    public var context: Int

    public init(baseDirectory: String? = FileManager.default.currentDirectoryPath, fullTextLimit: Int = 1 << 20, context: Int = 40) {
        self.baseDirectory = baseDirectory; self.fullTextLimit = fullTextLimit; self.context = context
    }

    /// Number of integers per finding in the data: piece, start, end (UTF-16 in the piece), rule, severity,
    /// message (an index into the run's `strings`), fix before, fix after (indices into the file's `texts`, -1
    /// without a fix), fix safety (0 none, 1 safe, 2 unsafe), line, column.
    static let findingWidth = 11

    struct Piece {
        private var line32: Int32, flags32: Int32
        var start: Int, end: Int
        var line: Int { get { Int(line32) } set { line32 = Int32(truncatingIfNeeded: newValue) } }
        var flags: Int { get { Int(flags32) } set { flags32 = Int32(truncatingIfNeeded: newValue) } }
        init(line: Int, start: Int, end: Int, flags: Int) {
            line32 = Int32(truncatingIfNeeded: line); flags32 = Int32(truncatingIfNeeded: flags); self.start = start; self.end = end
        }
    }

    /// Interns strings by their bytes: each distinct message or fix text is written once. An open-addressing table
    /// of 64-bit FNV-1a hashes (a dictionary of `String`s hashed each key's normalised form: 40% of the page's time
    /// on a draft with a quarter of a million fixes).
    struct Strings {
        /// The strings' bytes one after the other, and where each starts (one more entry: the end).
        private(set) var bytes: [UInt8] = []
        private(set) var starts: [UInt32] = [0]
        /// The low 32 bits of each string's hash.
        private var hashes: [UInt32] = []
        /// Slot -> id + 1 (0: empty); a power of two, at most half full.
        private var slots = [Int32](repeating: 0, count: 64)
        var count: Int { hashes.count }

        mutating func id(_ s: String) -> Int {
            var s = s
            return s.withUTF8 { id($0) }
        }

        mutating func id(_ p: UnsafeBufferPointer<UInt8>) -> Int {
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for b in p { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
            let mask = slots.count - 1
            h ^= h >> 32
            var k = Int(UInt32(truncatingIfNeeded: h)) & mask
            while slots[k] != 0 {
                let i = Int(slots[k]) - 1
                if hashes[i] == UInt32(truncatingIfNeeded: h) && Int(starts[i + 1] - starts[i]) == p.count
                    && (p.count == 0 || bytes.withUnsafeBufferPointer({ memcmp($0.baseAddress! + Int(starts[i]), p.baseAddress!, p.count) == 0 })) {
                    return i
                }
                k = (k + 1) & mask
            }
            let id = hashes.count
            hashes.append(UInt32(truncatingIfNeeded: h))
            bytes.append(contentsOf: p)
            starts.append(UInt32(truncatingIfNeeded: bytes.count))
            slots[k] = Int32(id + 1)
            if hashes.count * 2 > slots.count { grow() }
            return id
        }

        private mutating func grow() {
            slots = [Int32](repeating: 0, count: slots.count * 2)
            let mask = slots.count - 1
            for (i, h) in hashes.enumerated() {
                var k = Int(h) & mask
                while slots[k] != 0 { k = (k + 1) & mask }
                slots[k] = Int32(i + 1)
            }
        }

        /// The strings as a JSON array (`<` as `\u003c`) after `out`, into `sink` 64 KB at a time (`out` is emptied).
        func writeList(_ out: inout [UInt8], to sink: ByteSink) {
            out.append(0x5B)
            bytes.withUnsafeBufferPointer { p in
                for i in 0..<count {
                    if i > 0 { out.append(0x2C) }
                    EscapeBytes.jsonForScript(&out, UnsafeBufferPointer(rebasing: p[Int(starts[i])..<Int(starts[i + 1])]))
                    if out.count >= 1 << 16 { sink.write(bytes: out); out.removeAll(keepingCapacity: true) }
                }
            }
            out.append(0x5D)
            sink.write(bytes: out)
            out.removeAll(keepingCapacity: true)
        }
    }

    /// The page of the whole run: what `HTMLStreamWriter` writes, file after file.
    public func render(_ report: RunReport) -> String {
        let sink = ByteSink(fd: -1)
        let w = HTMLStreamWriter(sink: sink, rules: report.rules, toolVersion: report.toolVersion, reporter: self)
        for f in report.files { w.add(f) }
        w.finish(configErrors: report.configErrors, notLinted: report.notLinted)
        return String(decoding: sink.collected, as: UTF8.self)
    }

    /// One file's part of the page's data, written into `sink` piece by piece (a 25 MB draft's part was one string
    /// of its text and 11 strings per finding). JSON strings are written with `<` as `\u003c` (see
    /// `HTMLStreamWriter`); the structure has none.
    func renderFile(_ f: FileReport, strings: inout Strings, rule: (String, Severity) -> Int, more: Bool = false, into sink: ByteSink) {
        let path = ReportPath.display(f.path, base: baseDirectory)
        var out: [UInt8] = []
        EscapeBytes.ascii(&out, "{\"path\":"); EscapeBytes.jsonForScript(&out, path)
        if more { EscapeBytes.ascii(&out, ",\"more\":true") }
        EscapeBytes.ascii(&out, ",\"counts\":[")
        for (k, s) in [Severity.error, .warning, .info].enumerated() {
            if k > 0 { out.append(0x2C) }
            EscapeBytes.int(&out, f.diagnostics.reduce(0) { $0 + ($1.severity == s ? 1 : 0) })
        }
        out.append(0x5D)
        if let e = f.error { EscapeBytes.ascii(&out, ",\"error\":"); EscapeBytes.jsonForScript(&out, e) }
        if let n = f.notice { EscapeBytes.ascii(&out, ",\"notice\":"); EscapeBytes.jsonForScript(&out, n) }
        guard let src = f.source else {
            // No text (unreadable, or the caller detached it): findings are listed without the draft.
            if f.source == nil && !f.diagnostics.isEmpty && f.error == nil {
                EscapeBytes.ascii(&out, ",\"error\":")
                EscapeBytes.jsonForScript(&out, "the text of this file was not kept; findings are not shown in place")
            }
            EscapeBytes.ascii(&out, ",\"pieces\":[],\"findings\":[],\"texts\":[]}")
            sink.write(bytes: out)
            return
        }
        let bytes = src.bytes
        let full = bytes.count <= fullTextLimit && !more
        EscapeBytes.ascii(&out, full ? ",\"full\":true" : ",\"full\":false")
        EscapeBytes.ascii(&out, ",\"lines\":"); EscapeBytes.int(&out, src.lineCount)
        EscapeBytes.ascii(&out, ",\"size\":"); EscapeBytes.int(&out, bytes.count)
        let diagnostics = f.diagnostics
        // In order of their start (mostly already so: then no list of indices is made).
        var sorted: [Int]? = nil
        if zip(diagnostics, diagnostics.dropFirst()).contains(where: { $0.range.lowerBound > $1.range.lowerBound }) {
            sorted = diagnostics.indices.sorted { (diagnostics[$0].range.lowerBound, $0) < (diagnostics[$1].range.lowerBound, $1) }
        }
        let order = Order(sorted: sorted, count: diagnostics.count)
        let pieces = full ? wholeLines(src) : windows(src, order.lazy.map { diagnostics[$0].range })

        // Piece texts, flat: line (0-based), flags (1: starts mid-line, 2: ends mid-line), text.
        EscapeBytes.ascii(&out, ",\"pieces\":[")
        bytes.withUnsafeBufferPointer { p in
            for (k, piece) in pieces.enumerated() {
                if k > 0 { out.append(0x2C); out.append(0x0A) }
                EscapeBytes.int(&out, piece.line); out.append(0x2C); EscapeBytes.int(&out, piece.flags); out.append(0x2C)
                EscapeBytes.jsonForScript(&out, UnsafeBufferPointer(rebasing: p[piece.start..<piece.end]))
                if out.count >= 1 << 16 { sink.write(bytes: out); out.removeAll(keepingCapacity: true) }
            }
        }
        EscapeBytes.ascii(&out, "],\"findings\":[")

        // Findings, in order of their start: a cursor walks the pieces, UTF-16 offsets are counted incrementally.
        var pi = 0, cursor = pieces.first?.start ?? 0, cursor16 = 0
        let locator = Locator(source: src, positions: [:], fingerprints: [:])
        var written = 0
        var beforeText: [UInt8] = [], afterText: [UInt8] = []
        var fixLine = 0
        // The fixes' texts before and after, interned per file (nearly every one differs: on a batch, one table for
        // the run grew with the run's fixes).
        var texts = Strings()
        for i in order {
            let d = diagnostics[i]
            let s = d.range.lowerBound, e = d.range.upperBound
            while pi + 1 < pieces.count && pieces[pi + 1].start <= s { pi += 1; cursor = pieces[pi].start; cursor16 = 0 }
            guard !pieces.isEmpty else { break }
            let p = pieces[pi]
            let cs = min(max(s, p.start), p.end)
            if cs < cursor { cursor = p.start; cursor16 = 0 }
            cursor16 += HTMLReporter.utf16Count(bytes, cursor..<cs); cursor = cs
            let ce = min(max(e, cs), p.end)
            let e16 = cursor16 + HTMLReporter.utf16Count(bytes, cs..<ce)
            var before = -1, after = -1, safety = 0
            if let fix = d.fix, fix.editCount > 0 {
                fixText(src, fix, before: &beforeText, after: &afterText, lineHint: &fixLine)
                before = beforeText.withUnsafeBufferPointer { texts.id($0) }
                after = afterText.withUnsafeBufferPointer { texts.id($0) }
                safety = fix.safety == .safe ? 1 : 2
            }
            let pos = locator.position(s)
            if written > 0 { out.append(0x2C); out.append(0x0A) }
            written += 1
            for (k, v) in [pi, cursor16, e16, rule(d.ruleID, d.severity), HTMLReporter.severityIndex(d.severity),
                           strings.id(d.message), before, after, safety, pos.line, pos.column].enumerated() {
                if k > 0 { out.append(0x2C) }
                EscapeBytes.int(&out, v)
            }
            if out.count >= 1 << 16 { sink.write(bytes: out); out.removeAll(keepingCapacity: true) }
        }
        EscapeBytes.ascii(&out, "],\"texts\":")
        texts.writeList(&out, to: sink)
        sink.write("}")
    }

    static func severityIndex(_ s: Severity) -> Int {
        switch s {
        case .error: return 0
        case .warning: return 1
        case .info: return 2
        }
    }

    static func utf16Count(_ bytes: [UInt8], _ r: Range<Int>) -> Int {
        var n = 0
        for i in r {
            let b = bytes[i]
            if b & 0xC0 != 0x80 { n += b >= 0xF0 ? 2 : 1 }
        }
        return n
    }

    func wholeLines(_ src: SourceText) -> [Piece] {
        (0..<src.lineCount).map { li in let r = src.lineContent(li); return Piece(line: li, start: r.lowerBound, end: r.upperBound, flags: 0) }
    }

    /// `n` scalars back from `o`, not before `floor`.
    static func back(_ bytes: [UInt8], _ o: Int, _ n: Int, floor: Int) -> Int {
        var o = o, k = 0
        while o > floor && k < n {
            o -= 1
            while o > floor && bytes[o] & 0xC0 == 0x80 { o -= 1 }
            k += 1
        }
        return o
    }

    /// `n` scalars forward from `o`, not past `ceiling`.
    static func forward(_ bytes: [UInt8], _ o: Int, _ n: Int, ceiling: Int) -> Int {
        var o = o, k = 0
        while o < ceiling && k < n {
            o += 1
            while o < ceiling && bytes[o] & 0xC0 == 0x80 { o += 1 }
            k += 1
        }
        return o
    }

    /// Indices `0..<count`, or `sorted` when given.
    struct Order: RandomAccessCollection {
        let sorted: [Int]?
        let count: Int
        var startIndex: Int { 0 }
        var endIndex: Int { count }
        subscript(i: Int) -> Int { sorted?[i] ?? i }
    }

    /// Windows of `context` characters around each finding (within its lines), merged, cut at line ends.
    func windows<R: Sequence>(_ src: SourceText, _ ranges: R) -> [Piece] where R.Element == Range<Int> {
        let bytes = src.bytes
        var spans: [Range<Int>] = []
        var near = 0   // the ranges come in order: each line is looked for from the one before
        for r in ranges {
            let ls = src.lineIndex(of: min(r.lowerBound, bytes.count), near: near)
            let le = src.lineIndex(of: min(r.upperBound, bytes.count), near: ls)
            near = ls
            let lo = HTMLReporter.back(bytes, min(r.lowerBound, bytes.count), context, floor: src.lineStarts[ls])
            let lineEnd = src.lineContent(le).upperBound
            let hi = max(HTMLReporter.forward(bytes, min(r.upperBound, lineEnd), context, ceiling: lineEnd), lo)
            if let last = spans.last, lo <= last.upperBound {
                spans[spans.count - 1] = last.lowerBound..<max(last.upperBound, hi)
            } else {
                spans.append(lo..<hi)
            }
        }
        var pieces: [Piece] = []
        near = 0
        for span in spans {
            let first = src.lineIndex(of: span.lowerBound, near: near), last = src.lineIndex(of: span.upperBound, near: first)
            near = last
            for li in first...last {
                let c = src.lineContent(li)
                let s = max(c.lowerBound, span.lowerBound), e = min(c.upperBound, span.upperBound)
                if li > first && s >= e && li == last { continue }   // the window ends at this line's start
                let flags = (s > c.lowerBound ? 1 : 0) | (e < c.upperBound ? 2 : 0)
                if let prev = pieces.last, prev.line == li, prev.end >= s {
                    pieces[pieces.count - 1].end = max(prev.end, e)
                    pieces[pieces.count - 1].flags = (prev.flags & 1) | (max(prev.end, e) < c.upperBound ? 2 : 0)
                } else {
                    pieces.append(Piece(line: li, start: s, end: max(s, e), flags: flags))
                }
            }
        }
        return pieces
    }

    /// The fix as text before and after: the edited span with up to 3 characters around it on its line, or, when
    /// the edits lie far apart, each edit on its own (joined by " … ").
    /// `lineHint`: the line of the last fix (fixes come in order).
    func fixText(_ src: SourceText, _ fix: Fix, before: inout [UInt8], after: inout [UInt8], lineHint: inout Int) {
        before.removeAll(keepingCapacity: true); after.removeAll(keepingCapacity: true)
        let bytes = src.bytes
        let sorted = fix.editCount == 1 ? [fix.firstEdit!] : fix.edits.sorted { $0.range.lowerBound < $1.range.lowerBound }
        let lo = sorted.first!.range.lowerBound, hi = sorted.map(\.range.upperBound).max()!
        if hi - lo <= 240 {
            let line = src.lineIndex(of: min(lo, bytes.count), near: lineHint)
            lineHint = line
            let c = src.lineContent(line)
            let s = HTMLReporter.back(bytes, lo, 3, floor: min(c.lowerBound, lo))
            let endLine = src.lineContent(src.lineIndex(of: min(hi, bytes.count), near: line))
            let e = HTMLReporter.forward(bytes, hi, 3, ceiling: max(endLine.upperBound, hi))
            var at = s
            for ed in sorted where ed.range.lowerBound >= at {
                after += bytes[at..<ed.range.lowerBound]
                after += ed.replacement.utf8
                at = ed.range.upperBound
            }
            if at < e { after += bytes[at..<e] }
            before += bytes[s..<e]
            return
        }
        for (k, ed) in sorted.enumerated() {
            if k > 0 { before += " … ".utf8; after += " … ".utf8 }
            before += bytes[ed.range]
            after += ed.replacement.utf8
        }
    }

    static let head = #"""
    <!DOCTYPE html>
    <html lang="zh-CN">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="generator" content="copydesk">
    <title>copydesk 校对报告</title>
    <style>
    :root{--err:#c62828;--errbg:#fde0dc;--warn:#a15c00;--warnbg:#fff0c2;--info:#1f5fa8;--infobg:#dcebfb;--line:#8a8a8a;--bd:#d9d9d9;--cur:#6a1b9a}
    *{box-sizing:border-box}
    html,body{margin:0;padding:0}
    body{font-family:"PingFang SC","Hiragino Sans GB","Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","WenQuanYi Micro Hei","Droid Sans Fallback",system-ui,-apple-system,"Segoe UI",sans-serif;font-size:15px;line-height:1.7;color:#1d1d1d;background:#fafafa}
    header{position:sticky;top:0;z-index:5;background:#fff;border-bottom:1px solid var(--bd);padding:8px 16px;display:flex;flex-wrap:wrap;gap:8px 18px;align-items:center}
    header h1{font-size:17px;margin:0;font-weight:600}
    .tot span{margin-right:10px}
    .sev0{color:var(--err)}.sev1{color:var(--warn)}.sev2{color:var(--info)}
    label{cursor:pointer;white-space:nowrap}
    button{font:inherit;font-size:13px;padding:2px 10px;border:1px solid #bbb;border-radius:4px;background:#f4f4f4;cursor:pointer}
    button:hover{background:#e8e8e8} button:disabled{opacity:.45;cursor:default}
    #layout{display:grid;grid-template-columns:260px minmax(0,1fr) 320px;gap:0;align-items:start}
    aside{position:sticky;top:58px;max-height:calc(100vh - 64px);overflow:auto;padding:10px 12px;font-size:13px}
    #side{border-right:1px solid var(--bd)} #detail{border-left:1px solid var(--bd)}
    aside h2{font-size:13px;margin:12px 0 4px;color:#555;font-weight:600}
    #rules li,#filelist li{list-style:none;display:flex;gap:6px;align-items:baseline;padding:1px 0}
    #rules,#filelist{margin:0;padding:0}
    #rules .n,#filelist .n{margin-left:auto;color:#666;font-variant-numeric:tabular-nums}
    #rules label{flex:1;min-width:0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
    #rules code{font-size:12px}
    .only{font-size:11px;padding:0 4px;border:none;background:none;color:#1f5fa8;white-space:nowrap}
    #rules li .only{visibility:hidden} #rules li:hover .only{visibility:visible}
    a{color:#1f5fa8;text-decoration:none} a:hover{text-decoration:underline}
    main{padding:8px 18px 40px;min-width:0}
    section.file{background:#fff;border:1px solid var(--bd);border-radius:6px;margin:12px 0;padding:0 0 8px}
    section.file>h2{font-size:15px;margin:0;padding:8px 12px;border-bottom:1px solid var(--bd);background:#f5f5f5;border-radius:6px 6px 0 0;word-break:break-all}
    .fsum{padding:4px 12px;font-size:13px;color:#444}
    .fsum .ferr{color:var(--err)}
    .pager{padding:2px 12px;font-size:13px;color:#555}
    .text{font-size:16px;line-height:1.9;padding:4px 0}
    .row{display:flex;align-items:flex-start}
    .ln{flex:0 0 4.2em;text-align:right;padding-right:.8em;color:var(--line);font-size:12px;font-family:ui-monospace,Menlo,Consolas,monospace;user-select:none;line-height:2.5}
    .tx{flex:1;white-space:pre-wrap;word-break:break-all;padding-right:12px;min-height:1.9em}
    .gap{color:var(--line);font-size:12px;padding-left:5em}
    .ell{color:var(--line)}
    mark.f{background:none;color:inherit;border-radius:2px;cursor:pointer;padding:1px 0}
    mark.f.s0{background:var(--errbg);box-shadow:inset 0 -2px 0 var(--err)}
    mark.f.s1{background:var(--warnbg);box-shadow:inset 0 -2px 0 var(--warn)}
    mark.f.s2{background:var(--infobg);box-shadow:inset 0 -2px 0 var(--info)}
    mark.f.ins{padding:0 1px;box-shadow:none}
    mark.f.ins::before{content:"\2038";font-size:12px;vertical-align:-.3em}
    mark.f.s0.ins::before{color:var(--err)} mark.f.s1.ins::before{color:var(--warn)} mark.f.s2.ins::before{color:var(--info)}
    mark.f.ws{min-width:.5em;display:inline-block}
    mark.f.cur{outline:2px solid var(--cur);outline-offset:1px}
    #tip{position:fixed;z-index:10;max-width:380px;background:#fff;border:1px solid #999;border-radius:6px;box-shadow:0 3px 14px rgba(0,0,0,.18);padding:8px 10px;font-size:13px;display:none;pointer-events:none}
    .card .msg{font-size:15px;font-weight:600;margin:2px 0 4px}
    .card .meta{color:#555;font-size:12px}
    .card .auth{margin-top:4px;font-size:12px;color:#333}
    .card .desc{margin-top:4px;font-size:12px;color:#444}
    .fix{margin-top:6px;font-size:14px}
    .fix code{font-family:inherit;background:#f1f1f1;border:1px solid #ddd;border-radius:3px;padding:0 4px;white-space:pre-wrap;word-break:break-all}
    .fix del{text-decoration:none} .fix .arrow{margin:0 6px;color:#777}
    .badge{display:inline-block;font-size:11px;border-radius:3px;padding:0 5px;color:#fff}
    .badge.s0{background:var(--err)}.badge.s1{background:var(--warn)}.badge.s2{background:var(--info)}
    .muted{color:#777}
    #cfg{margin:8px 18px;color:var(--err);font-size:13px}
    @media (max-width:1100px){#layout{grid-template-columns:220px minmax(0,1fr)}#detail{grid-column:1/3;position:static;max-height:none;border-left:none;border-top:1px solid var(--bd)}}
    @media (max-width:720px){#layout{display:block}aside{position:static;max-height:none}}
    @media print{header .ctl,#side,#detail,.pager,#tip{display:none!important}#layout{display:block}header{position:static}
      body{background:#fff;font-size:11pt}section.file{border:none;break-inside:auto}mark.f{-webkit-print-color-adjust:exact;print-color-adjust:exact}
      mark.f.cur{outline:none}}
    </style>
    </head>
    <body>
    <header>
    <h1>copydesk 校对报告</h1>
    <div class="tot" id="tot"></div>
    <div class="ctl" id="sevs"></div>
    <div class="ctl"><button id="prev" title="上一个 (k)">◀ 上一个</button> <span id="pos" class="muted">—</span> <button id="next" title="下一个 (j)">下一个 ▶</button></div>
    </header>
    <div id="cfg"></div>
    <div id="layout">
    <aside id="side"><h2>文件</h2><ul id="filelist"></ul><h2>规则 <button class="only" id="allrules">全部</button></h2><ul id="rules"></ul></aside>
    <main id="files"><noscript>此报告需要 JavaScript 才能显示文本。</noscript></main>
    <aside id="detail" class="card"><p class="muted">点击高亮处查看说明；键盘 j / k 跳到下一个 / 上一个。</p></aside>
    </div>
    <div id="tip" class="card"></div>
    <script type="application/json" id="copydesk-data">
    """#

    static let tail = #"""
    </script>
    <script>
    (function(){
    'use strict';
    var D=JSON.parse(document.getElementById('copydesk-data').textContent);
    var S=D.strings,W=11,SEVN=['错误','警告','提示'],SEVK=['error','warning','info'];
    var SAFE=['','可自动修复（--fix）','需确认的修复（--unsafe-fixes）'];
    var PAGE_PIECES=400,PAGE_CHARS=60000;
    var st={sev:[true,true,true],rule:D.rules.map(function(){return true;}),cur:-1};
    var $=function(id){return document.getElementById(id);};
    function el(tag,cls,text){var e=document.createElement(tag);if(cls)e.className=cls;if(text!=null)e.textContent=text;return e;}
    // Pages of each file, and the global order of findings (file, index) for next/previous.
    var F=D.files.map(function(f,fi){
      var np=f.pieces.length/3,pages=[0],chars=0,cnt=0;
      for(var p=0;p<np;p++){var len=f.pieces[3*p+2].length;if(cnt>0&&(cnt>=PAGE_PIECES||chars+len>PAGE_CHARS)){pages.push(p);cnt=0;chars=0;}cnt++;chars+=len;}
      if(np>0)pages.push(np);
      return {f:f,pages:pages,page:0,body:null,pager:null,base:0,n:f.findings.length/W,all:false};
    });
    var total=0;F.forEach(function(x){x.base=total;total+=x.n;});
    var gfile=new Int32Array(total);F.forEach(function(x,fi){for(var k=0;k<x.n;k++)gfile[x.base+k]=fi;});
    function fv(x,k,j){return x.f.findings[k*W+j];}
    function visible(x,k){return st.sev[fv(x,k,4)]&&st.rule[fv(x,k,3)];}
    function pageOf(x,piece){var lo=0,hi=x.pages.length-2;while(lo<hi){var m=(lo+hi+1)>>1;if(x.pages[m]<=piece)lo=m;else hi=m-1;}return lo;}
    function firstFinding(x,piece){var lo=0,hi=x.n;while(lo<hi){var m=(lo+hi)>>1;if(fv(x,m,0)<piece)lo=m+1;else hi=m;}return lo;}
    function vis(s){return s.replace(/ /g,'\u2423').replace(/\u3000/g,'\u25a1').replace(/\t/g,'\u21e5').replace(/\n/g,'\u21b5');}
    function card(g,box){
      var x=F[gfile[g]],k=g-x.base,r=D.rules[fv(x,k,3)],sv=fv(x,k,4);box.textContent='';
      var h=el('div');h.appendChild(el('span','badge s'+sv,SEVN[sv]));h.appendChild(document.createTextNode(' '));h.appendChild(el('code',null,r[0]));box.appendChild(h);
      box.appendChild(el('div','msg',S[fv(x,k,5)]));
      box.appendChild(el('div','meta',x.f.path+':'+fv(x,k,9)+':'+fv(x,k,10)));
      if(fv(x,k,6)>=0){var fx=el('div','fix');fx.appendChild(el('span','muted','修改：'));fx.appendChild(el('code','before',vis(x.f.texts[fv(x,k,6)])));
        fx.appendChild(el('span','arrow','→'));fx.appendChild(el('code','after',vis(x.f.texts[fv(x,k,7)])));
        fx.appendChild(el('div','meta',SAFE[fv(x,k,8)]));box.appendChild(fx);}
      if(r[3])box.appendChild(el('div','auth','依据：'+r[3]));
      if(r[2])box.appendChild(el('div','desc',r[2]));
    }
    function renderFile(fi){
      var x=F[fi],f=x.f;if(!x.body)return;
      var frag=document.createDocumentFragment();
      if(x.pages.length<2){x.body.replaceChildren();x.pager.textContent='';return;}
      var p0=x.all?0:x.pages[x.page],p1=x.all?x.pages[x.pages.length-1]:x.pages[x.page+1];
      var k=firstFinding(x,p0),prevLine=-1;
      for(var p=p0;p<p1;p++){
        var line=f.pieces[3*p],flags=f.pieces[3*p+1],text=f.pieces[3*p+2];
        if(!f.full&&line>prevLine+1&&(p>p0||line>0))frag.appendChild(el('div','gap','⋯ '+(p>p0?line-prevLine-1:line)+' 行 ⋯'));
        var row=el('div','row'),ln=el('span','ln',line===prevLine?'':String(line+1)),tx=el('span','tx');
        if(flags&1)tx.appendChild(el('span','ell','…'));
        var cur=0;
        for(;k<x.n&&fv(x,k,0)===p;k++){
          if(!visible(x,k))continue;
          var s=Math.max(fv(x,k,1),cur),e=Math.max(s,fv(x,k,2));
          if(s>cur)tx.appendChild(document.createTextNode(text.slice(cur,s)));
          var seg=text.slice(s,e),m=el('mark','f s'+fv(x,k,4)+(seg.length?(seg.trim()?'':' ws'):' ins'),seg);
          m.setAttribute('data-g',x.base+k);m.setAttribute('data-rule',D.rules[fv(x,k,3)][0]);
          if(x.base+k===st.cur)m.classList.add('cur');
          tx.appendChild(m);cur=e;
        }
        if(cur<text.length)tx.appendChild(document.createTextNode(text.slice(cur)));
        if(flags&2)tx.appendChild(el('span','ell','…'));
        row.appendChild(ln);row.appendChild(tx);frag.appendChild(row);prevLine=line;
      }
      x.body.replaceChildren(frag);
      renderPager(fi);
    }
    function renderPager(fi){
      var x=F[fi],n=x.pages.length-1;x.pager.textContent='';
      if(n<=1||x.all)return;
      var a=el('button',null,'◀ 上一页'),b=el('button',null,'下一页 ▶');a.disabled=x.page===0;b.disabled=x.page===n-1;
      a.onclick=function(){x.page--;renderFile(fi);};b.onclick=function(){x.page++;renderFile(fi);};
      x.pager.appendChild(a);x.pager.appendChild(document.createTextNode(' 第 '+(x.page+1)+' / '+n+' 页 '));x.pager.appendChild(b);
    }
    function counts(){
      var byRule=D.rules.map(function(){return 0;}),bySev=[0,0,0];
      F.forEach(function(x){for(var k=0;k<x.n;k++){byRule[fv(x,k,3)]++;bySev[fv(x,k,4)]++;}});
      return {rule:byRule,sev:bySev};
    }
    function build(){
      var c=counts(),tot=$('tot');
      tot.appendChild(el('span',null,D.files.filter(function(f){return !f.more;}).length+' 个文件'));
      for(var i=0;i<3;i++)tot.appendChild(el('span','sev'+i,c.sev[i]+' '+SEVN[i]));
      if(total===0)tot.appendChild(el('span',null,'未发现问题'));
      var sevs=$('sevs');
      SEVN.forEach(function(n,i){var l=el('label','sev'+i),cb=el('input');cb.type='checkbox';cb.checked=true;cb.setAttribute('data-sev',SEVK[i]);
        cb.onchange=function(){st.sev[i]=cb.checked;refresh();};l.appendChild(cb);l.appendChild(document.createTextNode(' '+n));sevs.appendChild(l);});
      var ul=$('rules');
      var order=D.rules.map(function(r,i){return i;}).sort(function(a,b){return c.rule[b]-c.rule[a]||(D.rules[a][0]<D.rules[b][0]?-1:1);});
      order.forEach(function(i){var r=D.rules[i],li=el('li'),cb=el('input');cb.type='checkbox';cb.checked=true;cb.id='r'+i;
        cb.onchange=function(){st.rule[i]=cb.checked;refresh();};
        var lab=el('label');lab.htmlFor='r'+i;lab.title=r[0];lab.appendChild(el('code','sev'+SEVK.indexOf(r[1]),r[0]));
        var only=el('button','only','仅此');only.title='只看这条规则';only.onclick=function(){st.rule=st.rule.map(function(_,j){return j===i;});syncRules();refresh();};
        li.appendChild(cb);li.appendChild(lab);li.appendChild(only);li.appendChild(el('span','n',String(c.rule[i])));li.setAttribute('data-rule',r[0]);li.setAttribute('data-count',c.rule[i]);ul.appendChild(li);});
      $('allrules').onclick=function(){st.rule=st.rule.map(function(){return true;});syncRules();refresh();};
      var cfg=$('cfg');
      (D.configErrors||[]).forEach(function(e){cfg.appendChild(el('div',null,e[0]+':'+e[1]+':'+e[2]+': 配置错误: '+e[3]));});
      (D.notLinted||[]).forEach(function(p){cfg.appendChild(el('div',null,p+': 未检查（配置有误）'));});
      var main=$('files'),fl=$('filelist');
      F.forEach(function(x,fi){var f=x.f,sec=el('section','file');sec.id='file'+fi;
        sec.appendChild(el('h2',null,f.more?f.path+'（与本批其他文件重复）':f.path));
        var sum=el('div','fsum');
        if(f.error)sum.appendChild(el('span','ferr','无法检查：'+f.error));
        else if(f.notice)sum.appendChild(el('span','muted','已跳过：'+f.notice));
        else{sum.appendChild(document.createTextNode(x.n===0?'未发现问题':f.counts.map(function(n,i){return n+' '+SEVN[i];}).join(' · ')));
          if(f.full===false)sum.appendChild(el('div','muted','文件较大（'+(f.size/1048576).toFixed(1)+' MB，'+f.lines+' 行）：只显示问题附近的文字。'));}
        sec.appendChild(sum);x.pager=el('div','pager');sec.appendChild(x.pager);x.body=el('div','text');sec.appendChild(x.body);main.appendChild(sec);
        var li=el('li'),a=el('a',null,f.more?f.path+'（跨文件重复）':f.path);a.href='#file'+fi;li.appendChild(a);li.appendChild(el('span','n',f.error?'!':String(x.n)));fl.appendChild(li);
        renderFile(fi);});
      main.addEventListener('click',function(ev){var m=ev.target.closest&&ev.target.closest('mark.f');if(m)select(+m.getAttribute('data-g'),false);});
      var tip=$('tip');
      main.addEventListener('mouseover',function(ev){var m=ev.target.closest&&ev.target.closest('mark.f');if(!m){tip.style.display='none';return;}
        card(+m.getAttribute('data-g'),tip);var r=m.getBoundingClientRect();tip.style.display='block';
        var top=r.bottom+6;if(top+tip.offsetHeight>window.innerHeight)top=Math.max(4,r.top-tip.offsetHeight-6);
        tip.style.top=top+'px';tip.style.left=Math.max(4,Math.min(r.left,window.innerWidth-tip.offsetWidth-8))+'px';});
      main.addEventListener('mouseleave',function(){tip.style.display='none';});
      $('next').onclick=function(){step(1);};$('prev').onclick=function(){step(-1);};
      document.addEventListener('keydown',function(ev){if(ev.target.tagName==='INPUT'||ev.metaKey||ev.ctrlKey||ev.altKey)return;
        if(ev.key==='j'||ev.key==='n')step(1);else if(ev.key==='k'||ev.key==='p')step(-1);});
      window.addEventListener('beforeprint',function(){F.forEach(function(x,fi){if(x.pages.length<=21){x.all=true;renderFile(fi);}});});
      window.addEventListener('afterprint',function(){F.forEach(function(x,fi){if(x.all){x.all=false;renderFile(fi);}});});
      updatePos();
      var h=/^#f=(\d+)$/.exec(location.hash);if(h&&+h[1]<total)select(+h[1],true);
    }
    function syncRules(){st.rule.forEach(function(v,i){$('r'+i).checked=v;});}
    function refresh(){F.forEach(function(x,fi){renderFile(fi);});updatePos();}
    function visibleG(g){var x=F[gfile[g]];return visible(x,g-x.base);}
    function step(d){
      if(total===0)return;var g=st.cur;
      for(var i=0;i<total;i++){g=g+d;if(g>=total)g=0;if(g<0)g=total-1;if(visibleG(g)){select(g,true);return;}}
    }
    function select(g,scroll){
      var old=document.querySelector('mark.f.cur');if(old)old.classList.remove('cur');
      st.cur=g;var fi=gfile[g],x=F[fi],k=g-x.base,pg=pageOf(x,fv(x,k,0));
      if(!x.all&&pg!==x.page){x.page=pg;renderFile(fi);}
      var m=document.querySelector('mark.f[data-g="'+g+'"]');
      if(m){m.classList.add('cur');if(scroll)m.scrollIntoView({block:'center'});}
      card(g,$('detail'));updatePos();
    }
    function updatePos(){
      var n=0,before=0;for(var g=0;g<total;g++)if(visibleG(g)){n++;if(g<=st.cur)before++;}
      $('pos').textContent=(st.cur>=0&&visibleG(st.cur)?before:'—')+' / '+n;
      $('prev').disabled=$('next').disabled=n===0;
      document.body.setAttribute('data-visible',n);
    }
    build();
    document.body.setAttribute('data-ready','1');
    })();
    </script>
    </body>
    </html>

    """#
}

/// `--format html` written as the run goes: the page's head and each file's part of the data (its text pieces and
/// findings) as soon as the file is done, its text then let go; the rules, the interned strings and the counts
/// after the last file (the page reads the data by key). Inside `<script>`, `<` only occurs in JSON strings, where
/// `\u003c` reads the same and no `</script>` can close the element.
public final class HTMLStreamWriter: DocumentStreamWriter {
    private let sink: ByteSink
    private let reporter: HTMLReporter
    private let known: [String: Rule]
    private var strings = HTMLReporter.Strings()
    private var ruleIndex: [String: Int] = [:]
    private var ruleRows: [String] = []
    private var counts = [0, 0, 0]
    private var first = true

    public convenience init(sink: ByteSink, rules: [Rule], baseDirectory: String? = FileManager.default.currentDirectoryPath) {
        self.init(sink: sink, rules: rules, toolVersion: copydeskVersion, reporter: HTMLReporter(baseDirectory: baseDirectory))
    }

    init(sink: ByteSink, rules: [Rule], toolVersion: String, reporter: HTMLReporter) {
        self.sink = sink
        self.reporter = reporter
        known = Dictionary(rules.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        sink.write(HTMLReporter.head)
        write("{\"tool\":\"copydesk\",\"version\":" + JSON.string(toolVersion) + ",\"files\":[\n")
    }

    /// `s` with `<` written as `\u003c`.
    private func write(_ s: String) {
        var s = s
        s.withUTF8 { p in
            sink.append { out in
                var run = 0
                for i in 0..<p.count where p[i] == 0x3C {
                    if run < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: p[run..<i])) }
                    EscapeBytes.ascii(&out, "\\u003c")
                    run = i + 1
                }
                if run < p.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: p[run..<p.count])) }
            }
        }
    }

    private func rule(_ id: String, _ sev: Severity) -> Int {
        if let i = ruleIndex[id] { return i }
        let r = known[id]
        let row = JSON.array([JSON.string(id), JSON.string((r?.severity ?? sev).rawValue), JSON.string(r?.description ?? ""),
                              r?.authority.map(JSON.string) ?? "null", JSON.string(r?.fixSafety.rawValue ?? "none")])
        ruleIndex[id] = ruleRows.count; ruleRows.append(row)
        return ruleRows.count - 1
    }

    public func add(_ f: FileReport) { add(f, more: false) }

    /// A second entry for the file (`"more":true`): the page shows it as that file's duplicates across files, with
    /// the text near its findings only, and does not count the file twice.
    public func addMore(_ f: FileReport) { add(f, more: true) }

    private func add(_ f: FileReport, more: Bool) {
        for (k, s) in [Severity.error, .warning, .info].enumerated() { counts[k] += f.count(s) }
        if first { first = false } else { sink.write(",\n") }
        reporter.renderFile(f, strings: &strings, rule: rule, more: more, into: sink)
    }

    public func finish(configErrors: [ConfigError], notLinted: [String]) {
        let errors = configErrors.map { c in
            JSON.array([JSON.string(c.mark.file), "\(c.mark.line)", "\(c.mark.column)", JSON.string(c.message)])
        }
        write("],\"counts\":" + JSON.array(counts.map(String.init)) + ",\"rules\":" + JSON.array(ruleRows)
              + ",\"strings\":")
        var list: [UInt8] = []
        strings.writeList(&list, to: sink)
        write(",\"configErrors\":" + JSON.array(errors) + ",\"notLinted\":" + JSON.array(notLinted.map(JSON.string)) + "}")
        sink.write(HTMLReporter.tail)
        sink.flush()
    }
}
