import Foundation
import Testing
@testable import CopydeskCore

/// Random drafts (seeded, so a failure is reproducible from its seed) through every built-in rule except
/// `ocr.broken-line` (it joins lines on purpose, which the line checks below forbid; `FixSafetyTests` holds its joins to composed pages).
/// For each draft, in both styles, with and without unsafe fixes, the fixer must:
/// - change bytes only inside the edits it applied (checked pass by pass, from the edits `applyOnceIndices` reports),
///   touch no line break, and keep every line ending (LF or CRLF) as it was;
/// - keep every Han character, in order, and in the same blank-line separated block (same number of blocks);
/// - converge and be idempotent (fixing the output changes nothing);
/// - leave no finding with an applicable fix, in particular none of a rule whose fix it applied.
/// The Han alphabet has no 一: `punctuation.dash-lookalike-line-start` reads a line-start 一一 as —— on purpose.
enum RandomDraft {
    static let han = Array("全力以赴打赢疫情防控阻击战市委书记会议召开青山镇冬季供暖保障工作新闻报道记者张三李四年月日号时分秒")
    static let words = ["全力以赴", "疫情防控", "青山镇", "市委书记", "冬季供暖", "新闻", "工作会议"]
    static let latin = ["GDP", "iPhone", "Rust", "5G", "COVID-19", "API", "Swift", "abc"]
    static let numbers = ["12", "3.5", "2024", "100", "0", "-5", "+3", "12 月 14 日", "12月14日", "10：30", "3．5", "１２", "ＡＢ",
                          "50 %", "50%", "-5 ℃", "-5℃", "90 °"]
    static let fullPunct = Array("，。、；：？！“”‘’（）《》【】").map(String.init) + ["……", "——", "…", "，，", "、、", "，。"]
    static let halfPunct = [",", ".", ";", ":", "?", "!", "(", ")", "\"", "'", "-", "...", "--", "。?", "!?"]
    /// Every kind of whitespace a draft brings: spaces, runs, tab, ideographic space, NBSP, en/thin spaces, and
    /// the invisible characters pasted text carries.
    static let spaces = [" ", " ", " ", "  ", "   ", "\t", "\u{3000}", "\u{A0}", "\u{2002}", "\u{2009}", "\u{200B}", "\u{2060}", "\u{FEFF}", "\u{AD}"]
    static let inlineMarkdown = ["`a  b`", "`全 力`", "[新闻 稿](https://example.com/a_b)", "https://example.com/x?y=1", "a@b.cn",
                                 "**重 点**", "*强调*", "<b>加 粗</b>", "<!-- 注 释 -->"]

    static func hanRun<R: RandomNumberGenerator>(_ rng: inout R) -> String {
        let n = Int.random(in: 1...5, using: &rng)
        let chars = (0..<n).map { _ in String(han.randomElement(using: &rng)!) }
        // Letterspaced sometimes (the OCR defect the fixer removes).
        return Bool.random(using: &rng) ? chars.joined() : chars.joined(separator: spaces.randomElement(using: &rng)!)
    }

    static func inline<R: RandomNumberGenerator>(_ rng: inout R, markdown: Bool) -> String {
        var s = ""
        for _ in 0..<Int.random(in: 1...14, using: &rng) {
            switch Int.random(in: 0..<20, using: &rng) {
            case 0..<6: s += hanRun(&rng)
            case 6: s += words.randomElement(using: &rng)!
            case 7, 8: s += latin.randomElement(using: &rng)!
            case 9, 10: s += numbers.randomElement(using: &rng)!
            case 11, 12, 13: s += fullPunct.randomElement(using: &rng)!
            case 14, 15: s += halfPunct.randomElement(using: &rng)!
            case 16, 17: s += spaces.randomElement(using: &rng)!
            default: s += markdown ? inlineMarkdown.randomElement(using: &rng)! : "https://example.com/a"
            }
        }
        return s
    }

    /// One block of lines (no blank line inside, except in a code fence).
    static func block<R: RandomNumberGenerator>(_ rng: inout R, markdown: Bool) -> [String] {
        let pad = { (r: inout R) in Int.random(in: 0..<4, using: &r) == 0 ? spaces.randomElement(using: &r)! : "" }
        if markdown {
            switch Int.random(in: 0..<7, using: &rng) {
            case 0: return [String(repeating: "#", count: Int.random(in: 1...3, using: &rng)) + " " + inline(&rng, markdown: true)]
            case 1: return (0..<Int.random(in: 1...3, using: &rng)).map { _ in ["- ", "* ", "1. "].randomElement(using: &rng)! + inline(&rng, markdown: true) + pad(&rng) }
            case 2: return (0..<Int.random(in: 1...2, using: &rng)).map { _ in "> " + inline(&rng, markdown: true) }
            case 3:
                var lines = ["```" + ["", "text", "swift"].randomElement(using: &rng)!]
                for _ in 0..<Int.random(in: 1...3, using: &rng) { lines.append(Bool.random(using: &rng) ? inline(&rng, markdown: false) : "") }
                return lines + ["```"]
            default: return (0..<Int.random(in: 1...3, using: &rng)).map { _ in pad(&rng) + inline(&rng, markdown: true) + pad(&rng) }
            }
        }
        switch Int.random(in: 0..<8, using: &rng) {
        case 0: return [hanRun(&rng)]                                              // a short headline-like line
        case 1: return ["本报记者 张三 李四"]
        case 2: return ["本报讯" + inline(&rng, markdown: false)]
        case 3: return [["（二）", "1.", "(3)", "①"].randomElement(using: &rng)! + inline(&rng, markdown: false)]
        default: return (0..<Int.random(in: 1...3, using: &rng)).map { _ in pad(&rng) + inline(&rng, markdown: false) + pad(&rng) }
        }
    }

    /// A draft: blocks separated by blank lines (some holding only whitespace), LF, CRLF or mixed endings.
    static func draft<R: RandomNumberGenerator>(_ rng: inout R, markdown: Bool) -> String {
        var lines: [String] = []
        for b in 0..<Int.random(in: 1...6, using: &rng) {
            if b > 0 { lines.append(["", "", " ", "\t", "\u{3000}"].randomElement(using: &rng)!) }
            lines += block(&rng, markdown: markdown)
        }
        let eol = Int.random(in: 0..<3, using: &rng)   // 0 LF, 1 CRLF, 2 mixed
        var out = ""
        for (i, l) in lines.enumerated() {
            out += l
            if i < lines.count - 1 || Bool.random(using: &rng) {
                out += eol == 0 ? "\n" : eol == 1 ? "\r\n" : (Bool.random(using: &rng) ? "\n" : "\r\n")
            }
        }
        return out
    }

    // MARK: properties

    static func isHan(_ u: Unicode.Scalar) -> Bool { CharClass.of(u.value).contains(.han) }

    /// A line is blank when it holds only whitespace or invisible characters (what a reader sees as empty).
    static func isBlank(_ line: Substring) -> Bool {
        line.unicodeScalars.allSatisfy { $0.properties.isWhitespace || [0x200B, 0x200C, 0x2060, 0xFEFF, 0xAD].contains($0.value) }
    }

    /// The Han characters of each blank-line separated block, in order.
    static func blocks(_ text: String) -> [String] {
        var out: [String] = []
        var current: String? = nil
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if isBlank(line) {
                if let c = current { out.append(c); current = nil }
            } else {
                var s = current ?? ""
                s.unicodeScalars.append(contentsOf: line.unicodeScalars.filter(isHan))
                current = s
            }
        }
        if let c = current { out.append(c) }
        return out
    }

    /// The line terminators in order (`\n` or `\r\n`) and whether the text ends without one.
    static func lineEndings(_ bytes: [UInt8]) -> [Bool] {
        var out: [Bool] = []
        for (i, b) in bytes.enumerated() where b == 0x0A { out.append(i > 0 && bytes[i - 1] == 0x0D) }
        return out
    }
}

@Suite struct FixPropertyTests {
    static func linter(_ style: String) throws -> Linter {
        let yaml = "extends: [copydesk:all]\nstyle: \(style)\nrules:\n  ocr.broken-line: off\n"
        let config = try Config.parse(yaml, file: "/prop/.lintrc.yml", directory: "/prop")
        let set = try RuleSet.build(config: config, catalog: RuleCatalog.loadBuiltIn())
        #expect(!set.rules.contains { $0.id == "ocr.broken-line" })
        // Every built-in rule of the style but that one.
        let catalog = try RuleCatalog.loadBuiltIn()
        let expected = catalog.rules.filter { ($0.styles.isEmpty || $0.styles.contains(style)) && $0.id != "ocr.broken-line" }.map(\.id)
        #expect(Set(set.rules.map(\.id)) == Set(expected))
        return Linter(set)
    }

    /// The fixer's loop with full re-lints, checking each pass's bytes against the edits it reports.
    static func tracedFix(_ text: String, path: String, linter: Linter, unsafe: Bool, issue: (String) -> Void) -> (bytes: [UInt8], applied: Set<String>) {
        var bytes = Array(text.utf8)
        var applied: Set<String> = []
        for _ in 0..<FixApplier.maxPasses {
            let diags = linter.lint(Document(path: path, source: SourceText(trusted: bytes, hasBOM: false)))
            let (next, used, edits) = FixApplier.applyOnceIndices(bytes, diags, allowUnsafe: unsafe)
            if used.isEmpty { break }
            for d in used { applied.insert(diags[d].ruleID) }
            // Outside the applied edits, the bytes are the old ones; edits come in order and do not overlap.
            var o = 0, n = 0
            for e in edits {
                if e.range.lowerBound < o { issue("edits out of order or overlapping: \(edits)"); break }
                let gap = e.range.lowerBound - o
                if n + gap > next.count || !bytes[o..<e.range.lowerBound].elementsEqual(next[n..<(n + gap)]) {
                    issue("bytes changed outside the applied edits before \(e.range)")
                    break
                }
                n += gap + e.newLength
                o = e.range.upperBound
                if e.touchesLineBreak { issue("an edit touches a line break: \(e) by \(used.map { diags[$0].ruleID })") }
            }
            if n > next.count || !bytes[o...].elementsEqual(next[n...]) { issue("bytes changed after the last applied edit") }
            bytes = next
        }
        return (bytes, applied)
    }

    static let seeds: [UInt64] = Array(1...12)

    @Test(arguments: seeds)
    func fixingRandomDraftsKeepsTheText(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let linters = try ["print": Self.linter("print"), "pangu": Self.linter("pangu")]
        var changedCount = 0
        for i in 0..<60 {
            let markdown = i % 2 == 1
            let path = markdown ? "draft.md" : "draft.txt"
            let text = RandomDraft.draft(&rng, markdown: markdown)
            for (style, linter) in linters.sorted(by: { $0.key < $1.key }) {
                for withUnsafe in [false, true] {
                    let label = "seed \(seed) draft \(i) \(style)\(withUnsafe ? " unsafe" : "") \(path): \(ConformanceFixture.show(text))"
                    var issues: [String] = []
                    let traced = Self.tracedFix(text, path: path, linter: linter, unsafe: withUnsafe) { issues.append($0) }
                    for m in issues { Issue.record("\(label)\n  \(m)") }
                    let out = FixApplier.fix(SourceText(text), path: path, linter: linter, allowUnsafe: withUnsafe)
                    let fixed = String(decoding: out.bytes, as: UTF8.self)
                    #expect(out.bytes == traced.bytes, "\(label)\n  the fixer and the traced passes disagree")
                    #expect(out.unconverged.isEmpty, "\(label)\n  not converged: \(out.unconverged)")
                    if out.changed { changedCount += 1 }
                    // Han characters: all kept, in order, each in its block; the blocks stay as many.
                    let before = RandomDraft.blocks(text), after = RandomDraft.blocks(fixed)
                    #expect(before.count == after.count, "\(label)\n  blocks \(before.count) → \(after.count): \(ConformanceFixture.show(fixed))")
                    #expect(before == after, "\(label)\n  Han characters moved or changed: \(ConformanceFixture.show(fixed))")
                    #expect(RandomDraft.lineEndings(Array(text.utf8)) == RandomDraft.lineEndings(out.bytes), "\(label)\n  line endings changed: \(ConformanceFixture.show(fixed))")
                    // Nothing fixable is left, in particular of the rules that were applied.
                    let remaining = linter.lint(Document(path: path, text: fixed))
                    for d in remaining {
                        guard let f = d.fix, f.safety == .safe || withUnsafe else { continue }
                        let was = out.applied[d.ruleID] != nil ? " (a rule whose fix was applied)" : ""
                        Issue.record("\(label)\n  fixable finding left\(was): \(d.ruleID) at \(d.range) in \(ConformanceFixture.show(fixed))")
                    }
                    // Idempotent.
                    let again = FixApplier.fix(SourceText(fixed), path: path, linter: linter, allowUnsafe: withUnsafe)
                    #expect(!again.changed && again.bytes == out.bytes,
                            "\(label)\n  refixing changes it: \(ConformanceFixture.show(fixed)) → \(ConformanceFixture.show(String(decoding: again.bytes, as: UTF8.self))) by \(again.applied)")
                }
            }
        }
        #expect(changedCount > 100)   // the drafts do give the fixer work
    }

    /// A `characters` fix that also takes the spaces after the character (`你好, 再见` → `你好，再见`: the spaces a
    /// `space: forbid` rule would delete on the next pass, `BoundaryScanner.trimmedGap`) leaves the text the fixer
    /// left without it, in fewer passes: drafts thick with half-width marks and spaces between Han characters, in
    /// both styles, with and without unsafe fixes.
    @Test(arguments: [UInt64(1), 2, 3])
    func chainedFixesLeaveTheSameText(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let pieces = [",", ":", ";", "?", "!", ", ", ",  ", "? ", ": ", " ", " ", "  ", "\t", "\u{3000}", "\u{A0}", "，", "。", "“", "a", "5", "https://example.com/a"]
        var trimmed = 0
        for style in ["print", "pangu"] {
            let chained = try Self.linter(style)
            let set = try RuleSet.build(config: Config.parse("extends: [copydesk:all]\nstyle: \(style)\nrules:\n  ocr.broken-line: off\n",
                                                             file: "/prop/.lintrc.yml", directory: "/prop"),
                                        catalog: RuleCatalog.loadBuiltIn())
            let reference = Linter(set, chainedFixes: false)
            for i in 0..<120 {
                var line = ""
                for _ in 0..<Int.random(in: 2...16, using: &rng) {
                    line += Bool.random(using: &rng) ? RandomDraft.hanRun(&rng) : pieces.randomElement(using: &rng)!
                }
                // Now and then a draft around the line, every fourth one Markdown (inline code, links, emphasis).
                let markdown = i % 4 == 3
                let text = i % 3 == 0 || markdown ? RandomDraft.draft(&rng, markdown: markdown) + "\n" + line : line
                let path = markdown ? "t.md" : "t.txt"
                for unsafe in [false, true] {
                    let a = FixApplier.fix(SourceText(text), path: path, linter: chained, allowUnsafe: unsafe)
                    let b = FixApplier.fix(SourceText(text), path: path, linter: reference, allowUnsafe: unsafe)
                    #expect(a.bytes == b.bytes, "\(style)\(unsafe ? " unsafe" : ""): \(ConformanceFixture.show(text)) → \(ConformanceFixture.show(String(decoding: a.bytes, as: UTF8.self))), not \(ConformanceFixture.show(String(decoding: b.bytes, as: UTF8.self)))")
                    #expect(a.unconverged.isEmpty && b.unconverged.isEmpty)
                    let spaceFixes = { (o: FixApplier.Outcome) in o.applied["spacing.space-around-fullwidth-punct"] ?? 0 }
                    #expect(spaceFixes(a) <= spaceFixes(b))
                    if spaceFixes(a) < spaceFixes(b) { trimmed += 1 }
                }
            }
        }
        #expect(trimmed > 40)   // the drafts do give the chained fix work
    }

    /// The generator covers what it promises (so the properties above are tested on those inputs).
    @Test func generatorCoversTheInputs() {
        var rng = SplitMix64(seed: 1)
        var all = ""
        for i in 0..<200 { all += RandomDraft.draft(&rng, markdown: i % 2 == 1) }
        for needle in ["\r\n", "\u{3000}", "\u{A0}", "\t", "```", "# ", "- ", "> ", "`a  b`", "](https://", "，", ",", "１２"] {
            #expect(all.contains(needle), "\(needle.debugDescription)")
        }
        #expect(!all.contains("一"))
        // Letterspaced Han text.
        #expect(all.unicodeScalars.indices.contains { i in
            let s = all.unicodeScalars
            guard RandomDraft.isHan(s[i]), let j = s.index(i, offsetBy: 2, limitedBy: s.endIndex), j < s.endIndex else { return false }
            return s[s.index(after: i)] == " " && RandomDraft.isHan(s[j])
        })
    }
}
