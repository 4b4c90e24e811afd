import Foundation
import Testing
@testable import CopydeskCore

/// One before/after pair of the conformance corpus (Fixtures/conformance.yml).
struct ConformancePair: Sendable, CustomTestStringConvertible {
    var index: Int
    var line: Int
    var style: String
    var format: String
    var before: String
    var after: String
    var note: String
    /// The `rules:` overrides, re-emitted as YAML flow text (nil: none).
    var rulesYAML: String?
    var knownIssue: String?
    /// OCR look-alike corrections that replace Han characters on purpose (一一 → ——), applied to `before`
    /// before the Han-order check.
    var hanChanges: [(String, String)] = []
    /// Apply unsafe fixes too (`--unsafe-fixes`), e.g. spaces between two Han words.
    var unsafeFixes = false

    var testDescription: String { "#\(index) [\(style)] \(note)" }
}

/// Loads the conformance corpus. Pairs come in groups; `style`, `format` and `rules` may be set on a group and
/// overridden per pair. Every string is read as written (double-quoted YAML keeps escapes such as \u200B).
enum ConformanceFixture {
    static var url: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/conformance.yml")
    }

    static let loaded: Result<[ConformancePair], Error> = Result { try load() }
    static var pairs: [ConformancePair] { (try? loaded.get()) ?? [] }

    static func load() throws -> [ConformancePair] {
        let text = try String(contentsOf: url, encoding: .utf8)
        let root = try YAMLValue.parse(text, file: url.path)
        let top = try StrictMapping(root, what: "the conformance fixture")
        try top.rejectUnknown(allowed: ["groups"])
        var out: [ConformancePair] = []
        let groupKeys: Set<String> = ["group", "style", "format", "rules", "pairs"]
        let pairKeys: Set<String> = ["before", "after", "style", "format", "rules", "note", "known-issue", "han-changes", "unsafe-fixes"]
        for g in try top.required("groups").list("groups") {
            let gm = try StrictMapping(g, what: "a group")
            try gm.rejectUnknown(allowed: groupKeys)
            let groupName = try gm["group"]?.string("group") ?? ""
            for p in try gm.required("pairs").list("pairs") {
                let pm = try StrictMapping(p, what: "a pair")
                try pm.rejectUnknown(allowed: pairKeys)
                let style = try (pm["style"] ?? gm["style"])?.choice("style", Config.styles)
                guard let style else { throw ConfigError(p.mark, "a pair needs a style (on the pair or its group)") }
                let format = try (pm["format"] ?? gm["format"])?.choice("format", ["text", "markdown"]) ?? "text"
                let before = try pm.required("before").string("before")
                let after = try pm.required("after").string("after")
                let note = try pm["note"]?.string("note") ?? ""
                let rules = pm["rules"] ?? gm["rules"]
                var hanChanges: [(String, String)] = []
                if let hc = pm["han-changes"] {
                    for e in try hc.pairs("han-changes") { hanChanges.append((e.key, try e.value.string("a han-changes replacement"))) }
                }
                out.append(ConformancePair(
                    index: out.count, line: p.mark.line, style: style, format: format,
                    before: before, after: after,
                    note: groupName.isEmpty ? note : "\(groupName): \(note)",
                    rulesYAML: rules.map(emit), knownIssue: try pm["known-issue"]?.string("known-issue"), hanChanges: hanChanges,
                    unsafeFixes: try pm["unsafe-fixes"]?.bool("unsafe-fixes") ?? false))
            }
        }
        return out
    }

    /// YAML flow text for a parsed value (scalars double-quoted, so nothing is re-typed).
    static func emit(_ v: YAMLValue) -> String {
        switch v {
        case .scalar(let s, _, _): return quote(s)
        case .null: return "null"
        case .sequence(let items, _): return "[" + items.map(emit).joined(separator: ", ") + "]"
        case .mapping(let pairs, _): return "{" + pairs.map { quote($0.key) + ": " + emit($0.value) }.joined(separator: ", ") + "}"
        }
    }

    /// A JSON string literal is also a valid YAML double-quoted scalar.
    static func quote(_ s: String) -> String { JSON.string(s) }

    /// The linter for a pair: its style and rule overrides on top of the built-in defaults.
    static func linter(for pair: ConformancePair) throws -> Linter {
        var yaml = "style: \(pair.style)\n"
        if let r = pair.rulesYAML { yaml += "rules: \(r)\n" }
        let config = try Config.parse(yaml, file: "<conformance #\(pair.index)>", directory: "/")
        return Linter(try RuleSet.build(config: config, catalog: RuleCatalog.loadBuiltIn()))
    }

    static func fix(_ text: String, path: String, linter: Linter, unsafe: Bool = false) -> FixApplier.Outcome {
        FixApplier.fix(SourceText(text), path: path, linter: linter, allowUnsafe: unsafe)
    }

    static func hanSequence(_ s: String) -> [UInt32] {
        s.unicodeScalars.map(\.value).filter { CharClass.of($0).contains(.han) }
    }

    static func show(_ s: String) -> String {
        s.unicodeScalars.map { u -> String in
            switch u.value {
            case 0x0A: return "\\n"
            case 0x0D: return "\\r"
            case 0x09: return "\\t"
            case 0x20: return "␠"
            case 0x3000: return "\\u3000"
            case 0xA0, 0x200B...0x200F, 0x2060, 0xAD, 0xFEFF: return String(format: "\\u%04X", u.value)
            default: return String(u)
            }
        }.joined()
    }
}

@Suite struct ConformanceTests {
    @Test func fixtureLoadsAndCoversBothStyles() throws {
        let pairs = try ConformanceFixture.loaded.get()
        #expect(pairs.count >= 150, "the conformance corpus needs at least 150 pairs, has \(pairs.count)")
        let print = pairs.filter { $0.style == "print" }.count, pangu = pairs.filter { $0.style == "pangu" }.count
        #expect(print >= 50 && pangu >= 50, "both styles need pairs: print \(print), pangu \(pangu)")
        #expect(pairs.contains { $0.format == "markdown" })
        #expect(pairs.contains { $0.before == $0.after }, "texts that must not change belong in the corpus")
    }

    /// Runs one pair: the fix gives `after`, converges, is idempotent, and keeps the Han characters in order.
    static func check(_ pair: ConformancePair) throws {
        let where_ = "pair #\(pair.index) (conformance.yml line \(pair.line), \(pair.style)\(pair.format == "markdown" ? ", markdown" : "")): \(pair.note)"
        let linter = try ConformanceFixture.linter(for: pair)
        let path = pair.format == "markdown" ? "pair.md" : "pair.txt"
        let out = ConformanceFixture.fix(pair.before, path: path, linter: linter, unsafe: pair.unsafeFixes)
        let fixed = String(decoding: out.bytes, as: UTF8.self)
        #expect(fixed == pair.after, """
            \(where_)
              before:   \(ConformanceFixture.show(pair.before))
              expected: \(ConformanceFixture.show(pair.after))
              actual:   \(ConformanceFixture.show(fixed))
              applied:  \(out.applied.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: ", "))
            """)
        #expect(out.unconverged.isEmpty, "\(where_): fixing did not converge (\(out.unconverged.joined(separator: ", ")))")
        // Idempotence: the expected text is a fixed point.
        let again = ConformanceFixture.fix(pair.after, path: path, linter: linter, unsafe: pair.unsafeFixes)
        let againText = String(decoding: again.bytes, as: UTF8.self)
        #expect(!again.changed && againText == pair.after, """
            \(where_): fixing the expected text changes it
              expected: \(ConformanceFixture.show(pair.after))
              refixed:  \(ConformanceFixture.show(againText))
              applied:  \(again.applied.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: ", "))
            """)
        #expect(again.unconverged.isEmpty, "\(where_): fixing the expected text did not converge")
        // Fixes never add, drop or reorder Chinese characters (declared look-alike corrections aside).
        var reference = pair.before
        for (from, to) in pair.hanChanges { reference = reference.replacingOccurrences(of: from, with: to) }
        #expect(ConformanceFixture.hanSequence(fixed) == ConformanceFixture.hanSequence(reference),
                "\(where_): the sequence of Han characters changed: \(ConformanceFixture.show(fixed))")
        #expect(ConformanceFixture.hanSequence(pair.after) == ConformanceFixture.hanSequence(reference),
                "\(where_): the fixture's after text changes the Han characters")
    }

    @Test(arguments: ConformanceFixture.pairs)
    func pair(_ pair: ConformancePair) throws {
        if let issue = pair.knownIssue {
            withKnownIssue("pair #\(pair.index): \(issue)") {
                try Self.check(pair)
            }
        } else {
            try Self.check(pair)
        }
    }

    // MARK: the real OCR sample

    /// `../shared/samples/ocr-county-page.txt` relative to the repository root, fixed in print style.
    @Test func ocrCountyPageSample() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let url = TS.sharedSampleURL ?? root.deletingLastPathComponent().appendingPathComponent("shared/samples/ocr-county-page.txt")
        guard let data = FileManager.default.contents(atPath: url.path) else { print("note: \(url.path) is absent; skipping the OCR sample conformance test"); return }
        let source = try SourceText(validating: [UInt8](data))
        let config = try Config.parse("style: print\n", file: "<sample>", directory: "/")
        let linter = Linter(try RuleSet.build(config: config, catalog: RuleCatalog.loadBuiltIn()))
        let out = FixApplier.fix(source, path: url.path, linter: linter, allowUnsafe: false)
        #expect(out.unconverged.isEmpty)
        let text = String(decoding: out.bytes, as: UTF8.self)
        let scalars = Array(text.unicodeScalars.map(\.value))
        func isHan(_ v: UInt32) -> Bool { CharClass.of(v).contains(.han) }
        func isSpace(_ v: UInt32) -> Bool { v == 0x20 || v == 0x09 || v == 0xA0 }
        func isFullwidthPunct(_ v: UInt32) -> Bool { !CharClass.of(v).isDisjoint(with: .fullwidthPunct) }

        // No Han–space–Han (byline lines aside: 记者 陈晓苏; and headline lines, where a space between two
        // phrases is a pause that only --unsafe-fixes removes), and no space next to full-width punctuation.
        let fixedSource = SourceText(text)
        let fixedDoc = Document(path: url.path, source: fixedSource)
        var bylineRanges: [Range<Int>] = []   // scalar offsets of byline and headline lines
        var scalarOffset = 0
        for l in 0..<fixedSource.lineCount {
            let r = fixedSource.lineContent(l)
            let n = fixedSource.string(r).unicodeScalars.count
            let isHeadline = fixedDoc.blocks.contains { $0.role == .headline && $0.lines.contains(l) }
            if ArticleStructure.isByline(fixedSource, r) || isHeadline { bylineRanges.append(scalarOffset..<(scalarOffset + n)) }
            scalarOffset += n + 1
        }
        var i = 0
        while i < scalars.count {
            guard isSpace(scalars[i]) else { i += 1; continue }
            var j = i
            while j < scalars.count && isSpace(scalars[j]) { j += 1 }
            let l: UInt32? = i > 0 ? scalars[i - 1] : nil, r: UInt32? = j < scalars.count ? scalars[j] : nil
            let context = String(String.UnicodeScalarView(scalars[max(0, i - 6)..<min(scalars.count, j + 6)].compactMap(Unicode.Scalar.init)))
            if let l, let r, isHan(l), isHan(r), !bylineRanges.contains(where: { $0.contains(i) }) { Issue.record("Han–space–Han left: «\(context)»") }
            if let l, isFullwidthPunct(l) { Issue.record("space after full-width punctuation: «\(context)»") }
            if let r, isFullwidthPunct(r), l != nil, l != 0x0A { Issue.record("space before full-width punctuation: «\(context)»") }
            i = j
        }
        #expect(text.contains("12月14日"))
        #expect(!text.contains("12 月 14 日"))
        #expect(text.contains("篱笆墙，全力以赴打赢疫情防控阻击战"))
        #expect(text.contains("市领导章旭升"))
        #expect(text.contains("330国道花街枫树塘站点"))
        #expect(text.contains("应急处置等工作流程"))

        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        // The byline stays a line of its own (both articles).
        #expect(lines.filter { $0 == "□融媒首席记者 陈晓苏" }.count == 2, "byline lines: \(lines.filter { $0.contains("陈晓苏") })")
        // The first headline and the headlines at the end stay separate lines.
        #expect(lines.first { !$0.isEmpty } == "沈晓红在永督导疫情防控工作时强调")
        for head in ["融媒记者开展疫情防控暗访“回头看”", "党员干部为疫情防控贡献力量", "花街镇开通老人疫苗接种“专车”"] {
            #expect(lines.contains(head), "headline line «\(head)» is not a line of its own")
        }
        #expect(lines.contains { $0.hasPrefix("整改基本到位") && $0.hasSuffix("细节有待完善") }, "headline «整改基本到位…细节有待完善» was joined")
        #expect(lines.contains { $0.hasPrefix("章旭升在看望慰问防疫一线工作人员时指出") })

        // Every Chinese character of the original, in the same order.
        let original = String(decoding: source.bytes, as: UTF8.self)
        #expect(ConformanceFixture.hanSequence(text) == ConformanceFixture.hanSequence(original))

        // Fixing again changes nothing.
        let again = FixApplier.fix(SourceText(text), path: url.path, linter: linter, allowUnsafe: false)
        #expect(!again.changed)
    }
}
