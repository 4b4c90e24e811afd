import Foundation
import Testing
@testable import CopydeskCore

/// A file with many findings has its report rendered in blocks on several cores (issue 16). The bytes must be
/// those of one pass on one core, for every streamed format, with the text attached or detached.
@Suite struct ParallelReportTests {
    static func bigReport() throws -> (FileReport, [Rule]) {
        let config = try Config.parse("extends: [copydesk:recommended]\nstyle: pangu\n", file: "/par/.lintrc.yml", directory: "/par")
        let set = try RuleSet.build(config: config, catalog: RuleCatalog.loadBuiltIn())
        let linter = Linter(set)
        var lines: [String] = []
        for i in 0..<4_000 {
            // Spaces between Chinese characters, mixed scripts, an astral character and a zero-width space
            // before findings (columns in three units), a tab, quotes to escape; every 40th line long (windows).
            var line = "第\(i)段 全 力 以 赴，中文English混排 𠀀\u{200B}字\t“引用\"x\"”。"
            if i % 40 == 0 { line += String(repeating: "很长的一行文字 ", count: 30) }
            lines.append(line)
            if i % 9 == 0 { lines.append("") }
        }
        let text = lines.joined(separator: "\n") + "\n"
        let diagnostics = linter.lint(Document(path: "big.txt", text: text))
        return (FileReport(path: "big.txt", source: SourceText(text), diagnostics: diagnostics), set.rules)
    }

    static let serial = Parallel.Limits(threshold: 1 << 18, maxChunks: 1)
    static let parallel = Parallel.Limits(threshold: 1 << 18, maxChunks: 4)

    @Test func blocksRenderedOnSeveralCoresAreTheSameBytes() throws {
        let (file, rules) = try Self.bigReport()
        #expect(file.diagnostics.count >= 8 * 2_048, "enough findings for the parallel path")
        #expect(Parallel.$limits.withValue(Self.parallel) { Parallel.chunks(forBytes: file.diagnostics.count * 64) } > 1)
        #expect(Set(file.diagnostics.map(\.ruleID)).count >= 3)

        for color in [false, true] {
            let reporter = TextReporter(color: color)
            let one = Parallel.$limits.withValue(Self.serial) { reporter.renderFile(file) }
            let many = Parallel.$limits.withValue(Self.parallel) { reporter.renderFile(file) }
            #expect(one.utf8.count > 1_000_000)
            #expect(one == many)
        }
        for detached in [false, true] {
            var f = file
            if detached { f.detachSource() }
            let run = RunReport(files: [f], rules: rules)
            let json = try Parallel.$limits.withValue(Self.parallel) { try StreamingReportTests.streamJSON(run) }
            #expect(json == JSONReporter().render(run))
            #expect(json == (try Parallel.$limits.withValue(Self.serial) { try StreamingReportTests.streamJSON(run) }))
            let sarif = try Parallel.$limits.withValue(Self.parallel) { try StreamingReportTests.streamSARIF(run, base: "/par") }
            #expect(sarif == SARIFReporter(baseDirectory: "/par").render(run))
            #expect(sarif.contains("\"primaryLocationLineHash\""))
        }
    }

    /// The fingerprint's trim on bytes removes exactly what Foundation's `trimmingCharacters(in:
    /// .whitespacesAndNewlines)` removes, for every scalar in that set and for ones next to it.
    @Test func fingerprintTrimMatchesFoundation() {
        var candidates: [UInt32] = Array(0x00...0x21) + [0x7F, 0x85, 0xA0, 0xAD, 0x1680, 0x180E, 0x2028, 0x2029, 0x202F, 0x205F,
                                                         0x2060, 0x3000, 0x3001, 0xFEFF, 0x1F600, 0x4E2D]
        candidates += Array(0x1FFF...0x200F)
        for v in candidates {
            let u = String(Unicode.Scalar(v)!)
            for s in [u + "中文 x" + u, u + u + "a", "a" + u + u, u, u + "\u{3000}" + u, "\u{3000}" + u + "中"] {
                let src = SourceText(s)
                let r = Locator.trimmed(src, 0..<src.bytes.count)
                #expect(src.string(r) == s.trimmingCharacters(in: .whitespacesAndNewlines), "U+\(String(v, radix: 16))")
            }
        }
    }
}
