import Foundation
import Testing
@testable import CopydeskCore

/// The shortcuts of the report path (issue 16, fifth session) give the bytes and values of the plain way:
/// diagnostics of a chunked text made on several cores, one line's fingerprints hashed together, result heads
/// reused from earlier findings of the same rule, severity and message.
@Suite struct ReportSpeedTests {
    /// A text of many lines, some repeated, with up to nine rules' findings on one line.
    static func source() -> SourceText {
        var lines: [String] = []
        for i in 0..<120 {
            var l = "  第\(i % 17)段 全 力 以 赴，中文English混排 𠀀\u{200B}字\t“引用\"x\"”。 "
            if i % 5 == 0 { l = "重复的一行\u{3000}" }
            if i % 11 == 0 { l += String(repeating: "很长的一行文字 ", count: 40) }
            lines.append(l)
        }
        return SourceText(lines.joined(separator: i18nBreak) + "\n")
    }
    static let i18nBreak = "\r\n"

    static let ruleIDs = ["a.one", "b.two", "c.three", "d.four", "e.five", "f.six", "g.seven", "h.eight", "i.nine"]

    /// Findings in text order: on each line a number of rules (1 to 9) each with one or two findings.
    static func diagnostics(_ src: SourceText, shuffled: Bool = false) -> [Diagnostic] {
        var out: [Diagnostic] = []
        for line in 0..<(src.lineCount) {
            let r = src.lineContent(line)
            guard !r.isEmpty else { continue }
            let rules = 1 + line % 9
            for k in 0..<(rules * 2 - line % 2) {
                let at = r.lowerBound + (k * 7) % r.count
                out.append(Diagnostic(ruleID: ruleIDs[(k * 5 + line) % rules], severity: .warning, message: "m", range: at..<at, fix: nil))
            }
        }
        out.sort { $0.range.lowerBound < $1.range.lowerBound }
        if shuffled {
            var rng = SplitMix64(seed: 16)
            out.shuffle(using: &rng)
        }
        return out
    }

    @Test func fingerprintsOfALineTogetherMatchOneByOne() {
        let src = Self.source()
        for shuffled in [false, true] {
            let ds = Self.diagnostics(src, shuffled: shuffled)
            #expect(ds.count > 500)
            let one = Locator(source: src, positions: [:], fingerprints: [:])
            let expected = ds.map { one.fingerprintValue(ruleID: $0.ruleID, offset: $0.range.lowerBound) }
            let together = Locator(source: src, positions: [:], fingerprints: [:])
            #expect(together.fingerprintValues(ds, ds.indices) == expected)
            // In pieces (the waves of a large SARIF report), one locator for all of them.
            var pieces: [UInt64] = []
            var i = 0
            while i < ds.count { let j = min(ds.count, i + 37); pieces += together.fingerprintValues(ds, i..<j); i = j }
            #expect(pieces == expected)
            // And what the hex strings say.
            #expect(expected.prefix(50).map { StableHash.hex($0) } == ds.prefix(50).map { one.fingerprint(ruleID: $0.ruleID, offset: $0.range.lowerBound) })
        }
        // The same as the hash of the rule, NUL and the trimmed line as one string.
        let line = "  全力以赴 \u{3000}"
        let s = SourceText(line)
        let loc = Locator(source: s, positions: [:], fingerprints: [:])
        let ds = Self.ruleIDs.map { Diagnostic(ruleID: $0, severity: .info, message: "", range: 3..<4, fix: nil) }
        #expect(loc.fingerprintValues(ds, ds.indices).map { StableHash.hex($0) }
                == Self.ruleIDs.map { StableHash.fnv1a64($0, "\u{0}", "全力以赴") })
    }

    /// Findings of one rule with different messages and severities, more heads than are kept, fixes that
    /// insert, replace (with characters to escape) and delete: streamed and rendered-ahead JSON and SARIF are
    /// the one-document reporters' bytes.
    @Test func resultHeadsFollowMessageAndSeverity() throws {
        let rules = try ReporterTests.rules()
        let ids = rules.map(\.id)
        let text = String(repeating: "中文 English \"引号\" 全 力\\以赴\u{2028}。\n", count: 40)
        let src = SourceText(text)
        var ds: [Diagnostic] = []
        let severities: [Severity] = [.error, .warning, .info]
        for i in 0..<(src.lineCount - 1) {
            let r = src.lineContent(i)
            for k in 0..<4 {
                let at = r.lowerBound + k * 3
                let message = k == 3 ? "消息 \(i % 12) \"q\"" : "固定消息"
                var fix: Fix? = nil
                switch (i + k) % 5 {
                case 0: fix = Fix(edits: [Edit(range: at..<at, replacement: " ")], safety: .safe)
                case 1: fix = Fix(edits: [Edit(range: at..<(at + 3), replacement: "“\"\\\u{2028}”")], safety: .unsafe)
                case 2: fix = Fix(edits: [Edit(range: at..<(at + 3), replacement: "")], safety: .safe)
                case 3: fix = Fix(edits: [Edit(range: at..<(at + 1), replacement: "x"), Edit(range: (at + 3)..<(at + 3), replacement: "y")], safety: .safe)
                default: break
                }
                ds.append(Diagnostic(ruleID: ids[(i + k) % ids.count], severity: severities[(i / 3 + k) % 3], message: message,
                                     range: at..<(at + 3), fix: fix))
            }
        }
        let file = FileReport(path: "drafts/heads.txt", source: src, diagnostics: ds)
        #expect(Set(ds.map { "\($0.ruleID)|\($0.severity)|\($0.message)" }).count > 8, "more heads than the cache keeps")
        for detached in [false, true] {
            var f = file
            if detached { f.detachSource(fingerprints: true) }
            let run = RunReport(files: [f, f], rules: rules)
            #expect(try StreamingReportTests.streamJSON(run) == JSONReporter().render(run))
            #expect(try StreamingReportTests.streamSARIF(run, base: ReporterTests.base) == SARIFReporter(baseDirectory: ReporterTests.base).render(run))
            let json = try StreamingReportTests.captured { sink in
                let w = JSONStreamWriter(sink: sink, toolVersion: run.toolVersion)
                for f in run.files { w.add(f, prepared: JSONStreamWriter.prepare(f)) }
                w.finish(configErrors: [], notLinted: 0)
            }
            #expect(json == JSONReporter().render(run))
            let sarif = try StreamingReportTests.captured { sink in
                let w = SARIFStreamWriter(sink: sink, rules: rules, toolVersion: run.toolVersion, baseDirectory: ReporterTests.base)
                for f in run.files {
                    let p = w.prepare(f)
                    #expect(p != nil)
                    w.add(f, prepared: p)
                }
                w.finish()
            }
            #expect(sarif == SARIFReporter(baseDirectory: ReporterTests.base).render(run))
        }
        // Fix descriptions written as bytes are the escaped summaries.
        for d in ds {
            guard let fix = d.fix else { continue }
            var a: [UInt8] = [], b: [UInt8] = []
            fix.appendSummaryJSON(&a)
            JSONBytes.string(&b, fix.summary)
            #expect(a == b, "\(fix.summary)")
        }
    }

    /// A large text's findings come in many lists (its chunks and its whole-text checks), made diagnostics on
    /// several cores: the same diagnostics, in the same order, as from one list on one core.
    @Test func conversionOnSeveralCoresKeepsTheOrder() throws {
        let config = try Config.parse("extends: [copydesk:recommended]\nstyle: pangu\n", file: "/par/.lintrc.yml", directory: "/par")
        let linter = Linter(try RuleSet.build(config: config, catalog: RuleCatalog.loadBuiltIn()))
        var lines: [String] = []
        for i in 0..<1_500 {
            // Findings of several rules at one place (ties broken by rule id), numbers and pairs for the
            // whole-text checks, some lines repeated.
            lines.append(i % 7 == 0 ? "（未闭合的括号 1,000 个 ，，全 力以赴" : "第\(i)段 全 力 以 赴，中文English混排“引号\"x\"”。12 3.5 abc中文 ")
        }
        let text = lines.joined(separator: "\n") + "\n"
        let key = { (d: Diagnostic) in
            "\(d.ruleID) \(d.range) \(d.severity) \(d.message) \(d.ruleIndex) \(d.fix?.edits.map { "\($0.range)=\($0.replacement)" } ?? [])"
        }
        let one = Parallel.$limits.withValue(Parallel.Limits(threshold: 1 << 30, maxChunks: 1)) {
            linter.lint(Document(path: "p.txt", text: text)).map(key)
        }
        for maxChunks in [2, 4, 8] {
            let (many, chunks) = Parallel.$limits.withValue(Parallel.Limits(threshold: 4_096, maxChunks: maxChunks)) {
                (linter.lint(Document(path: "p.txt", text: text)).map(key), Parallel.chunks(forBytes: text.utf8.count))
            }
            #expect(chunks > 1)
            #expect(many.count >= 4_096, "enough findings for the conversion on several cores")
            #expect(many == one)
        }
    }
}
