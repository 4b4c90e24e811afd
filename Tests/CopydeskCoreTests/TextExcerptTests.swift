import Foundation
import Testing
@testable import CopydeskCore

/// The text report measures only the window around each finding (issue 16, sixth session); these tests hold it to
/// the bytes of the way it was done before — every line laid out scalar by scalar, columns and cells looked up in
/// the layout — kept here as `Reference`, on random lines of every kind of scalar the report treats apart.
@Suite struct TextExcerptTests {
    /// Scalars of every width and kind: ideographs, ASCII, full-width and ambiguous punctuation, combining
    /// marks (0 cells), invisible ones (shown as `·`), controls and tabs, astral ideographs and emoji, half-width
    /// kana, the hexagram block (narrow, right after the wide ones), a BOM, Latin-1 letters and a soft hyphen.
    static let alphabet: [String] = [
        "汉", "字", "龘", "中", "a", "Z", "7", " ", " ", "\t", "，", "。", "“", "”", "·", "—", "…", "\u{301}", "\u{200B}",
        "\u{FEFF}", "\u{1}", "\u{7F}", "😀", "𠀀", "ｱ", "\u{4DC0}", "é", "\u{AD}", "\u{3000}", "Ａ", "〔", "\u{2028}",
        "ß", "×", "\u{2060}", "㐀",
    ]

    static func randomText(_ rng: inout SplitMix64, lines: Int) -> String {
        var out = ""
        for l in 0..<lines {
            // Mostly long lines (windows), some short ones, some empty; mostly ideographs as in news text.
            let n = [0, 3, 40, 60, 120, 300, 900][Int(rng.next() % 7)]
            for _ in 0..<n {
                let r = Int(rng.next() % 100)
                out += r < 55 ? ["汉", "字", "中", "龘"][r % 4] : alphabet[Int(rng.next() % UInt64(alphabet.count))]
            }
            if l + 1 < lines { out += rng.next() % 4 == 0 ? "\r\n" : "\n" }
        }
        return out
    }

    /// Findings anywhere (also inside a scalar and past the line's end), some with a one-edit fix, in text order
    /// or not.
    static func randomDiagnostics(_ rng: inout SplitMix64, _ src: SourceText, count: Int, sorted: Bool) -> [Diagnostic] {
        let n = src.bytes.count
        var out: [Diagnostic] = []
        let reps = ["", " ", "，", "a b", "\n", "“引”"]
        for k in 0..<count {
            let a = n == 0 ? 0 : Int(rng.next() % UInt64(n + 1))
            let len = [0, 1, 3, 6, 30, 400][Int(rng.next() % 6)]
            let b = min(n, a + len)
            var fix: Fix? = nil
            switch rng.next() % 4 {
            case 0: fix = Fix(edit: Edit(range: a..<b, replacement: reps[k % reps.count]), safety: k % 3 == 0 ? .unsafe : .safe)
            case 1: fix = Fix(edits: [Edit(range: a..<a, replacement: "x"), Edit(range: b..<b, replacement: "y")], safety: .safe)
            default: break
            }
            let sev: Severity = [.error, .warning, .info][k % 3]
            out.append(Diagnostic(ruleID: "r.\(k % 11)", severity: sev, message: k % 7 == 0 ? "消息 \(k % 13)" : "消息",
                                  range: a..<b, fix: fix, isRuleFailure: k % 97 == 0))
        }
        if sorted { out.sort { ($0.range.lowerBound, $0.range.upperBound) < ($1.range.lowerBound, $1.range.upperBound) } }
        return out
    }

    @Test(arguments: [100, 20, 7, 1, 0, Int.max])
    func excerptsMatchTheWholeLineLayout(width: Int) {
        var rng = SplitMix64(seed: UInt64(truncatingIfNeeded: width &+ 1600))
        for round in 0..<40 {
            let src = SourceText(Self.randomText(&rng, lines: 1 + round % 6))
            let ds = Self.randomDiagnostics(&rng, src, count: 60, sorted: round % 3 != 0)
            for color in [false, true] {
                for language in [ReportLanguage.en, .zh] {
                    var r = TextReporter(color: color, language: language)
                    r.maxExcerptWidth = width
                    let got = r.renderFile(FileReport(path: "稿/a.txt", source: src, diagnostics: ds))
                    let want = Reference(color: color, language: language, width: width).render(ds, src, path: "稿/a.txt")
                    #expect(got == want, "round \(round), width \(width), color \(color)")
                    if got != want { return }
                }
            }
        }
    }

    /// Enough findings for the blocks rendered on several cores, lines of the web news' length.
    @Test func manyFindingsMatchTheWholeLineLayout() {
        var rng = SplitMix64(seed: 1616)
        let src = SourceText(Self.randomText(&rng, lines: 400))
        let ds = Self.randomDiagnostics(&rng, src, count: 12_000, sorted: true)
        #expect(BlockBuffers.workers(forFindings: ds.count, block: 2048) != nil || Parallel.chunks(forBytes: 1 << 30) == 1)
        let got = TextReporter(color: false).renderFile(FileReport(path: "a.txt", source: src, diagnostics: ds))
        let want = Reference(color: false, language: .en, width: 100).render(ds, src, path: "a.txt")
        #expect(got == want)
    }

    /// Findings far into long lines, reached by counting the scalars before their windows (`ExcerptCursor.skip`):
    /// web news after `--fix`, one finding mid-paragraph; several on a line, out of text order too; and the place
    /// where counting stops just after a character of no width whose cells before it equal those where the window
    /// starts (the window then starts at that character: the cursor must lay the line out from its start).
    @Test func findingsDeepInLongLinesMatchTheWholeLineLayout() {
        let han = String(repeating: "新闻报道中的段落", count: 40)     // 320 ideographs, 960 bytes
        // 48 bytes with 10 cells: 4 ideographs, 2 ASCII letters, 17 combining accents (no cells).
        let region = "汉字" + String(repeating: "\u{301}", count: 17) + "ab汉字"
        #expect(region.utf8.count == 48)
        let line = han + "字\u{301}" + region + "误" + han
        let at = (han + "字\u{301}" + region).utf8.count
        let src = SourceText(line + "\n" + han + "，" + han + "\n")
        let second = line.utf8.count + 1
        var ds = [Diagnostic(ruleID: "r.a", severity: .error, message: "消息", range: at..<(at + 3), fix: nil)]
        for (k, off) in [700, 40, 1500, 1501, 900, 2000].enumerated() {
            ds.append(Diagnostic(ruleID: "r.\(k)", severity: .warning, message: "消息", range: (second + off)..<(second + off),
                                 fix: Fix(edit: Edit(range: (second + off)..<(second + off), replacement: " "), safety: .safe)))
        }
        for width in [20, 100, 7] {
            for sorted in [true, false] {
                var list = ds
                if sorted { list.sort { $0.range.lowerBound < $1.range.lowerBound } }
                var r = TextReporter(color: false)
                r.maxExcerptWidth = width
                let got = r.renderFile(FileReport(path: "a.txt", source: src, diagnostics: list))
                let want = Reference(color: false, language: .en, width: width).render(list, src, path: "a.txt")
                #expect(got == want, "width \(width), sorted \(sorted)")
            }
        }
    }

    /// Findings that share their label object (as a rule's findings do), among others that each have a message of
    /// their own (as the duplicate rules' do): the label tails are found by identity, evicted when more than
    /// eight are in use, and their buffer compacted again and again; every head stays that of its own finding.
    @Test func sharedAndOwnLabelsMatchTheWholeLineLayout() {
        var rng = SplitMix64(seed: 1636)
        let src = SourceText(Self.randomText(&rng, lines: 300))
        let n = src.bytes.count
        let shared = (0..<12).map { k in
            Diagnostic(ruleID: "rule.shared-\(k)", severity: [.error, .warning, .info][k % 3], message: "共享的消息\(k)，长一些：" + String(repeating: "字", count: k * 3),
                       range: 0..<0, fix: nil)
        }
        var ds: [Diagnostic] = []
        for k in 0..<6_000 {
            let a = Int(rng.next() % UInt64(n + 1)), b = min(n, a + Int(rng.next() % 5))
            if k % 4 == 3 {
                ds.append(Diagnostic(ruleID: "dup.own", severity: .warning, message: "与第 \(k) 行重复", range: a..<b, fix: nil))
            } else {
                var d = shared[Int(rng.next() % 12)]
                d.range = a..<b
                ds.append(d)
            }
        }
        ds.sort { ($0.range.lowerBound, $0.range.upperBound) < ($1.range.lowerBound, $1.range.upperBound) }
        for color in [false, true] {
            let got = TextReporter(color: color, language: .zh).renderFile(FileReport(path: "a.txt", source: src, diagnostics: ds))
            #expect(got == Reference(color: color, language: .zh, width: 100).render(ds, src, path: "a.txt"))
        }
    }

    /// The label tails are kept from file to file (with the writer and the line layout): a later file whose
    /// finding has the same rule but another message or severity, or whose first finding is on line 1 again,
    /// is written as if it were the only one.
    @Test func laterFilesAreRenderedAsAlone() {
        let a = SourceText("第一行 有空格\n第二行"), b = SourceText("ab 另一个文件的第一行，长一些\n第二行")
        func report(_ src: SourceText, _ message: String, _ severity: Severity, _ at: Int) -> FileReport {
            FileReport(path: "a.txt", source: src, diagnostics: [
                Diagnostic(ruleID: "r.same", severity: severity, message: message, range: at..<(at + 1), fix: nil),
            ])
        }
        let files = [report(a, "甲", .error, 9), report(b, "乙", .error, 9), report(a, "乙", .warning, 1), report(b, "丙", .info, 43),
                     report(a, "甲", .error, 9), report(b, "甲", .error, 2)]
        for color in [false, true] {
            let r = TextReporter(color: color, language: .zh)
            for f in files {
                let alone = Reference(color: color, language: .zh, width: 100).render(f.diagnostics, f.source!, path: "a.txt")
                #expect(r.renderFile(f) == alone)
                #expect(r.renderedBytes(f) == Array(alone.utf8))
            }
        }
    }

    /// The table of cells and plainness answers as `cellWidth` and `isPlainScalar` do, for every BMP scalar and
    /// a sample of astral ones.
    @Test func cellTableMatchesCellWidth() {
        let t = TextReporter.cellTable
        var wrong: [String] = []
        for v in UInt32(0)..<0x11000 where !(0xD800...0xDFFF).contains(v) {
            let info = TextReporter.cellInfo(v, t)
            if Int(info & 3) != TextReporter.cellWidth(v) || (info & TextReporter.notPlain == 0) != TextReporter.isPlainScalar(v) {
                wrong.append("U+" + String(v, radix: 16))
            }
        }
        #expect(wrong.isEmpty, "\(wrong.prefix(20))")
    }

    @Test func byteWriterIntegers() {
        var w = ByteWriter(capacity: 1)
        defer { w.free() }
        var values = [0, 7, 9, 10, 99, 100, 12_345, 999_999, 1_000_000, Int.max, -1, -4_560, Int.min + 1]
        // Every length, at and around each power of ten (the digits go two at a time), and a spread of others.
        var p = 1
        for _ in 0..<18 { p *= 10; values += [p - 1, p, p + 1, p + 9, p + 10, 2 * p + 55] }
        var rng = SplitMix64(seed: 16)
        for _ in 0..<2_000 { values.append(rng.int(1_000_000_000)) }
        for v in values { w.putInt(v); w.put(0x2C) }
        w.repeating(0x7E, 3); w.put("…"); w.put([0x41, 0x42])
        let want = values.map(String.init).joined(separator: ",") + ",~~~…AB"
        #expect(String(decoding: w.buffer, as: UTF8.self) == want)
    }

    /// UTF-8 validation in chunks on several cores answers as one pass and as the standard library, whatever
    /// the chunk bounds fall on (inside sequences, in runs of stray continuation bytes, on truncated sequences).
    @Test(arguments: [2, 3, 8])
    func chunkedValidationAgrees(chunks: Int) {
        var rng = SplitMix64(seed: UInt64(chunks))
        let pieces: [[UInt8]] = [
            Array("a".utf8), Array("全".utf8), Array("é".utf8), Array("𠮷".utf8), [0x80], [0x80, 0x80, 0x80, 0x80],
            [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE5], [0xE5, 0x85], [0xF0, 0x9F], [0xFF],
        ]
        var seen = [false, false]
        for _ in 0..<400 {
            var b: [UInt8] = []
            let bad = rng.next() % 3 == 0
            for _ in 0..<Int(rng.next() % 200) {
                b += pieces[bad ? Int(rng.next() % UInt64(pieces.count)) : Int(rng.next() % 4)]
            }
            let reference = String(validating: b, as: UTF8.self) != nil
            let got = Parallel.$limits.withValue(Parallel.Limits(threshold: 16, maxChunks: chunks)) { SourceText.isValidUTF8(b) }
            #expect(got == reference, "\(b)")
            #expect(SourceText.isValidUTF8(b, 0..<b.count) == reference)
            seen[reference ? 1 : 0] = true
        }
        #expect(seen == [true, true])
    }

    /// Files read into memory not filled first: every size around the first read's and the probe's, a FIFO fed
    /// in pieces (short reads that are not the end), and the size limit on a FIFO.
    @Test func readingFilesAndPipes() throws {
        let dir = try TS.makeTempDir("copydesk-read")
        defer { try? FileManager.default.removeItem(at: dir) }
        let runner = try Runner(options: Runner.Options())
        var rng = SplitMix64(seed: 4)
        for size in [0, 1, 4095, 4096, 4097, 8193, 100_000] {
            let bytes = (0..<size).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let url = dir.appendingPathComponent("f\(size)")
            try Data(bytes).write(to: url)
            guard case .success(let got) = runner.read(url.path) else { Issue.record("read failed: \(size)"); continue }
            #expect(got == bytes, "size \(size)")
        }
        let fifo = dir.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let payload = (0..<20_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        func feed() {
            // On a thread of its own with SIGPIPE blocked: the reader that stops at the limit closes its end first.
            Thread.detachNewThread {
                var set = sigset_t()
                sigemptyset(&set); sigaddset(&set, SIGPIPE)
                pthread_sigmask(SIG_BLOCK, &set, nil)
                let fd = open(fifo, O_WRONLY)
                guard fd >= 0 else { return }
                var at = 0
                for piece in [1, 100, 4000, 3, 9000, 6896] {
                    _ = payload[at..<(at + piece)].withUnsafeBytes { Foundation.write(fd, $0.baseAddress!, piece) }
                    at += piece
                    usleep(2000)
                }
                close(fd)
            }
        }
        feed()
        guard case .success(let got) = runner.read(fifo) else { Issue.record("FIFO read failed"); return }
        #expect(got == payload)
        var small = Runner.Options()
        small.maxFileSize = 5_000
        feed()
        guard case .failure(.tooLarge) = try Runner(options: small).read(fifo) else { Issue.record("no size limit on a FIFO"); return }
    }

    /// The zero-byte search that decides "binary" and rules UTF-16 out: the first zero within the limit only.
    @Test func firstZeroWithinLimit() {
        #expect(SourceText.firstZero([], within: 8192) == nil)
        #expect(SourceText.firstZero([1, 2, 3], within: 8192) == nil)
        #expect(SourceText.firstZero([1, 0, 3, 0], within: 8192) == 1)
        let late = [UInt8](repeating: 0x41, count: 9000) + [0]
        #expect(SourceText.firstZero(late, within: 8192) == nil)
        #expect(SourceText.firstZero(late, within: 9001) == 9000)
        #expect(SourceText.utf16Encoding(Array("行一\n行二\n".utf8)) == nil)
        let le = Array("行\n".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        #expect(SourceText.utf16Encoding(le)?.0 == .utf16LE)
    }

    /// The text report as it was made before (whole-line layouts, arrays of offsets and cells).
    struct Reference {
        let color: Bool, language: ReportLanguage, width: Int

        func paint(_ s: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }

        func render(_ ds: [Diagnostic], _ src: SourceText, path: String) -> String {
            var out: [UInt8] = []
            var layout = Layout()
            for d in ds {
                let line = src.lineIndex(of: d.range.lowerBound) + 1
                if layout.line != line { layout.load(src, line: line) }
                let column = layout.index(ofByte: d.range.lowerBound) + 1
                if color { out += "\u{1B}[1m".utf8 }
                out += "\(path):\(line):\(column):".utf8
                if color { out += "\u{1B}[0m".utf8 }
                out += " ".utf8
                let code = d.severity == .error ? "1;31" : d.severity == .warning ? "1;33" : "1;36"
                out += paint(language.severity(d.severity), code).utf8
                out += ": ".utf8
                out += (d.isRuleFailure && language == .zh ? language.fileError(d.message) : d.message).utf8
                out += " ".utf8
                if color { out += "\u{1B}[2m".utf8 }
                out += "[\(d.ruleID)]".utf8
                if color { out += "\u{1B}[0m".utf8 }
                out += "\n".utf8
                excerpt(&out, src, d, layout)
            }
            return String(decoding: out, as: UTF8.self)
        }

        struct Layout {
            var line = 0
            var range: Range<Int> = 0..<0
            var offsets: [Int] = [], cells: [Int] = []
            var total = 0

            mutating func load(_ src: SourceText, line: Int) {
                self.line = line
                range = src.lineContent(line - 1)
                offsets = []; cells = []; total = 0
                for (o, u) in scalars(src.bytes[range]) {
                    offsets.append(o); cells.append(total); total += TextReporter.cellWidth(u)
                }
            }

            func scalars(_ b: ArraySlice<UInt8>) -> [(Int, UInt32)] {
                var out: [(Int, UInt32)] = [], o = b.startIndex
                for u in String(decoding: b, as: UTF8.self).unicodeScalars {
                    out.append((o, u.value)); o += String(u).utf8.count
                }
                return out
            }

            func index(ofByte offset: Int) -> Int { offsets.firstIndex { $0 >= offset } ?? offsets.count }
            func index(ofCell c: Int) -> Int { cells.firstIndex { $0 >= c } ?? cells.count }
            func cell(atIndex k: Int) -> Int { k < cells.count ? cells[k] : total }
        }

        func excerpt(_ out: inout [UInt8], _ src: SourceText, _ d: Diagnostic, _ layout: Layout) {
            let lr = layout.range
            let startByte = max(lr.lowerBound, min(d.range.lowerBound, lr.upperBound))
            let endByte = max(startByte, min(d.range.upperBound, lr.upperBound))
            var caretStart = layout.cell(atIndex: layout.index(ofByte: startByte))
            let caretWidth = layout.cell(atIndex: layout.index(ofByte: endByte)) - caretStart
            var first = 0, last = layout.offsets.count, prefix = false, suffix = false
            if layout.total > width {
                let lo = max(0, caretStart - width / 2), hi = lo + width
                first = layout.index(ofCell: lo)
                last = layout.index(ofCell: hi)
                caretStart -= layout.cell(atIndex: first)
                if first > 0 { prefix = true; caretStart += 2 }
                if last < layout.offsets.count { suffix = true }
            }
            let from = first < layout.offsets.count ? layout.offsets[first] : lr.upperBound
            let to = last < layout.offsets.count ? layout.offsets[last] : lr.upperBound
            let blue = color ? "\u{1B}[34m" : "", reset = color ? "\u{1B}[0m" : ""
            let digits = String(layout.line).count
            var s = " \(blue)\(layout.line)\(reset) \(blue)|\(reset) "
            s += (prefix ? "…" : "") + TextReporter.displayable(src.bytes[from..<to]) + (suffix ? "…" : "") + "\n"
            s += " " + String(repeating: " ", count: digits) + " \(blue)|\(reset) " + String(repeating: " ", count: caretStart)
            s += (color ? "\u{1B}[1;32m" : "") + "^" + String(repeating: "~", count: max(0, caretWidth - 1)) + reset
            if let fix = d.fix, fix.edits.count == 1, let e = fix.edits.first {
                s += " " + (color ? "\u{1B}[32m" : "")
                if e.replacement.isEmpty { s += "删除" } else {
                    s += (e.range.isEmpty ? "插入 “" : "改为 “")
                    s += e.replacement.replacingOccurrences(of: " ", with: "␠").replacingOccurrences(of: "\n", with: "⏎") + "”"
                }
                s += color ? "\u{1B}[0m" : ""
                if fix.safety == .unsafe { s += paint(language.unsafeHint, "2") }
            }
            out += (s + "\n").utf8
        }
    }
}
