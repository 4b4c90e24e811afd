import Foundation
import Testing
@testable import CopydeskCore

/// The unsafe fix of `duplicates.paragraph` (deleting the later copy) and disable comments that only suppress
/// cross-file findings.
extension DuplicatesTests {
    static func fixed(_ text: String, unsafe: Bool) throws -> String {
        let outcome = FixApplier.fix(try SourceText(validating: Array(text.utf8)), path: "draft.txt", linter: try Self.linter(), allowUnsafe: unsafe)
        return String(decoding: outcome.bytes, as: UTF8.self)
    }

    @Test func exactCopyFixDeletesTheLaterParagraphOnlyWhenUnsafe() throws {
        let m = Self.meeting, r = Self.report
        // Blank-line separated paragraphs: the copy and one blank line go.
        let text = "春耕\n\n\(m)\n\n\(r)\n\n\(m)\n\n结尾一段。\n"
        let ds = try Self.lint(text)
        let d = try #require(ds.first { $0.ruleID == "duplicates.paragraph" })
        #expect(d.fix?.safety == .unsafe)
        #expect(try Self.fixed(text, unsafe: false) == text, "never a safe fix")
        #expect(try Self.fixed(text, unsafe: true) == "春耕\n\n\(m)\n\n\(r)\n\n结尾一段。\n")
        // One paragraph a line (web text), CRLF, the copy in the middle.
        let web = "春耕\r\n\(m)\r\n\(m)\r\n\(r)\r\n"
        #expect(try Self.fixed(web, unsafe: true) == "春耕\r\n\(m)\r\n\(r)\r\n")
        // The copy at the end, with and without a final line break: the text ends as it did.
        #expect(try Self.fixed("春耕\n\n\(m)\n\n\(m)\n", unsafe: true) == "春耕\n\n\(m)\n")
        #expect(try Self.fixed("春耕\n\n\(m)\n\n\(m)", unsafe: true) == "春耕\n\n\(m)")
        // Three copies: both later ones go.
        #expect(try Self.fixed("春耕\n\n\(m)\n\n\(m)\n\n\(m)\n\n\(r)\n", unsafe: true) == "春耕\n\n\(m)\n\n\(r)\n")
        // Markdown list item: the whole item with its marker.
        let md = "# 春耕\n\n- \(m)\n- \(r)\n- \(m)\n"
        #expect(try Self.fixed(md, unsafe: true).components(separatedBy: m).count == 2)
        // A near copy has no fix.
        #expect(try Self.lint("春耕\n\n\(m)\n\n\(m.replacingOccurrences(of: "全面", with: "认真"))\n").allSatisfy { $0.fix == nil })
    }

    @Test func disablesOfCrossFileFindingsAreNotReportedUnusedWhenTheyAreUsed() throws {
        let a = "稿件甲\n\n\(Self.meeting)\n"
        // b's comment suppresses the copy of a's paragraph: used, though nothing in b alone repeats.
        let b = "稿件乙\n\n# copydesk-disable duplicates -- 转载稿\n\(Self.meeting)\n"
        // c's comment covers a duplicates rule but nothing in the run: unused, reported after the batch.
        let c = "稿件丙\n\n# copydesk-disable-next-line duplicates.paragraph\n\(Self.report)\n"
        // d's comment names another rule: reported in the file's own lint as before.
        let d = "稿件丁\n\n# copydesk-disable-next-line spacing.han-space-han\n秋粮收购工作全面展开。\n"
        let reports = try runBatch(["a.txt": a, "b.txt": b, "c.txt": c, "d.txt": d])
        func ids(_ name: String) -> [String] { reports.filter { $0.path == name }.flatMap(\.diagnostics).map(\.ruleID) }
        #expect(ids("a.txt") == ["duplicates.paragraph"])
        #expect(ids("b.txt").isEmpty, "\(ids("b.txt"))")
        #expect(ids("c.txt") == ["copydesk.unused-disable"])
        #expect(ids("d.txt") == ["copydesk.unused-disable"])
        let unusedC = try #require(reports.first { $0.path == "c.txt" }?.diagnostics.first)
        #expect(unusedC.range.lowerBound == TS.offset(of: "# copydesk-disable-next-line", in: c))
        // One file alone: no batch, the comment is unused at once.
        let alone = try Self.lint(b)
        #expect(alone.map(\.ruleID) == ["copydesk.unused-disable"])
    }
}

extension DuplicatesTests {
    /// `duplicates.contained-paragraph` with `across-files: true`: a truncated copy in another file of the run.
    @Test func containedParagraphAcrossFiles() throws {
        let dir = try TS.makeTempDir("copydesk-dup").resolvingSymlinksInPath()
        defer { try? FileManager.default.removeItem(at: dir) }
        try TS.write(Self.configYAML + "rules:\n  duplicates.contained-paragraph: {across-files: true}\n", to: dir.appendingPathComponent(".lintrc.yml"))
        let truncated = "县农业农村局近日召开春耕备耕工作会议，全面部署今年粮食生产任务，要求各乡镇抓紧落实种子"
        let longer = "据了解，\(Self.report)今年全县计划播种粮食作物八十万亩，比去年增加两万亩，其中小麦二十万亩。"
        try TS.write("稿件甲\n\n\(Self.meeting)\n\n\(Self.report)\n", to: dir.appendingPathComponent("a.txt"))
        try TS.write("稿件乙\n\n本报讯 昨天下午，县里召开了一次会议。\n\n\(truncated)\n", to: dir.appendingPathComponent("b.txt"))
        try TS.write("稿件丙\n\n本报讯 昨天上午，县里召开了一次会议。\n\n\(longer)\n", to: dir.appendingPathComponent("c.txt"))
        // Paragraphs that differ in their numbers are not contained copies (same-numbers); with the same numbers they are.
        let fields = "全县今年新建高标准农田3万亩，带动周边农户一千六百余户增收，户均增收超过两千元，农田灌溉水利设施全面完善，粮食亩产比往年提高一成以上，种粮大户和家庭农场数量持续增加，全县粮食生产形势持续向好。"
        let more = "今年全县还将新建高标准农田两万亩，继续完善灌溉设施，推广良种良法。"
        try TS.write("稿件戊\n\n本报讯 前天上午，县里召开了一次会议。\n\n\(fields)\n", to: dir.appendingPathComponent("e.txt"))
        try TS.write("稿件己\n\n本报讯 前天下午，县里召开了一次会议。\n\n据悉，\(fields.replacingOccurrences(of: "3", with: "5"))\(more)\n", to: dir.appendingPathComponent("f.txt"))
        try TS.write("稿件庚\n\n本报讯 大前天上午，县里召开了一次会议。\n\n据悉，\(fields)\(more)\n", to: dir.appendingPathComponent("g.txt"))
        let runner = try Runner(options: Runner.Options())
        let (paths, _) = try runner.discover([dir.path])
        var reports: [FileReport] = runner.run(files: paths, write: false).map(\.0)
        runner.crossFileReports { r in
            if let k = reports.firstIndex(where: { $0.path == r.path }) { reports[k].absorb(r) } else { reports.append(r) }
        }
        func found(_ name: String) -> [Diagnostic] { reports.filter { $0.path.hasSuffix("/" + name) }.flatMap(\.diagnostics) }
        let inB = try #require(found("b.txt").first, "\(reports.map { ($0.path, $0.diagnostics.map(\.ruleID)) })")
        #expect(found("b.txt").map(\.ruleID) == ["duplicates.contained-paragraph"])
        #expect(inB.related.first?.file?.hasSuffix("a.txt") == true)
        #expect(inB.related.first?.start?.line == 3)
        #expect(found("c.txt").map(\.ruleID) == ["duplicates.contained-paragraph"])
        #expect(Set(found("a.txt").map(\.ruleID)) == ["duplicates.contained-paragraph"])
        #expect(found("a.txt").count == 2, "one for each paragraph of a.txt")
        #expect(found("f.txt").isEmpty, "\(found("f.txt").map(\.message))")
        #expect(found("g.txt").map(\.ruleID) == ["duplicates.contained-paragraph"])
        #expect(found("e.txt").first?.related.first?.file?.hasSuffix("g.txt") == true)
        // Without across-files (the default) nothing is compared across files for containment.
        try TS.write(Self.configYAML, to: dir.appendingPathComponent(".lintrc.yml"))
        let plain = try Runner(options: Runner.Options())
        _ = plain.run(files: paths, write: false)
        var extra: [String] = []
        plain.crossFileReports { r in extra += r.diagnostics.map(\.ruleID) }
        #expect(!extra.contains("duplicates.contained-paragraph"))
    }
}

/// Standard input takes part in the cross-file pass (`copydesk lint - drafts/`).
@Suite(.serialized) struct DuplicatesStdinTests {
    @Test func standardInputIsComparedWithTheFilesOfTheRun() throws {
        let dir = try TS.makeTempDir("copydesk-dup-stdin").resolvingSymlinksInPath()
        defer { try? FileManager.default.removeItem(at: dir) }
        try TS.write(DuplicatesTests.configYAML, to: dir.appendingPathComponent(".lintrc.yml"))
        try TS.write("稿件甲\n\n\(DuplicatesTests.meeting)\n", to: dir.appendingPathComponent("a.txt"))
        try TS.write("稿件乙\n\n秋粮收购工作全面展开，各收储企业按照国家标准敞开收购，确保农民卖粮不难。\n", to: dir.appendingPathComponent("b.txt"))
        let input = Data("稿件丙\n\n本报讯 昨天下午，县里召开了一次会议。\n\n\(DuplicatesTests.meeting)\n".utf8)
        let r = try CLI.run(["lint", "--format", "json", "-", "a.txt", "b.txt"], in: dir, stdin: input)
        #expect(r.status == 1, "\(r.stdout) \(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: r.stdoutData) as? [String: Any])
        let diags = try #require(json["diagnostics"] as? [[String: Any]])
        func rules(_ path: String) -> [String] {
            diags.filter { ($0["file"] as? String) == path }.compactMap { $0["rule"] as? String }
        }
        #expect(rules("<stdin>") == ["duplicates.paragraph"], "\(r.stdout)")
        #expect(rules("a.txt") == ["duplicates.paragraph"], "\(r.stdout)")
        #expect(rules("b.txt").isEmpty)
        #expect(r.stdout.contains("“a.txt”第 3 行第 1 列"), "\(r.stdout)")
        // SARIF of the same run (written at the end, through the stream writer): both copies, each pointing at the other.
        let sarif = try CLI.run(["lint", "--format", "sarif", "-", "a.txt", "b.txt"], in: dir, stdin: input)
        let doc = try #require(try JSONSerialization.jsonObject(with: sarif.stdoutData) as? [String: Any])
        let results = try #require(((doc["runs"] as? [[String: Any]])?.first?["results"]) as? [[String: Any]])
        let dups = results.filter { ($0["ruleId"] as? String) == "duplicates.paragraph" }
        #expect(dups.count == 2 && dups.allSatisfy { ($0["relatedLocations"] as? [Any])?.count == 1 }, "\(sarif.stdout)")
        // Text output names the copy in standard input.
        let t = try CLI.run(["lint", "--stdin-filename", "来稿.txt", "-", "a.txt"], in: dir, stdin: input)
        #expect(t.stdout.contains("a.txt:3:1: error: 段落重复：与“来稿.txt”第 5 行第 1 列的段落相同"), "\(t.stdout)")
        // A file's own findings are printed too when standard input is among the paths (text rendered at the end).
        try TS.write("稿件丁\n\n\(DuplicatesTests.report)\n\n\(DuplicatesTests.report)\n", to: dir.appendingPathComponent("d.txt"))
        let own = try CLI.run(["lint", "-", "d.txt"], in: dir, stdin: Data("稿件戊\n\n全力以赴。\n".utf8))
        #expect(own.stdout.contains("d.txt:5:1: error: 段落重复：与第 3 行第 1 列的段落相同"), "\(own.stdout)")
        try TS.write("稿件丙\n\n本报讯 昨天下午，县里召开了一次会议。\n\n\(DuplicatesTests.meeting)\n", to: dir.appendingPathComponent("c.txt"))
        // Streaming text output with --output: the cross-file findings go into the file too.
        let out = try CLI.run(["lint", "--output", "report.txt", "a.txt", "c.txt"], in: dir)
        #expect(out.stdout.isEmpty, "\(out.stdout)")
        let written = try String(contentsOf: dir.appendingPathComponent("report.txt"), encoding: .utf8)
        #expect(written.contains("a.txt:3:1: error: 段落重复：与“c.txt”第 5 行第 1 列的段落相同"), "\(written)")
        #expect(written.contains("c.txt:5:1: error: 段落重复：与“a.txt”第 3 行第 1 列的段落相同"), "\(written)")
    }

    /// With `--fix` the fixed text of standard input goes to stdout and the report of what remains (its copy in a
    /// file of the run included) to stderr; with `--diff` the copy counts in the summary and the exit code.
    @Test func standardInputJoinsTheBatchWhenFixing() throws {
        let dir = try TS.makeTempDir("copydesk-dup-stdin-fix").resolvingSymlinksInPath()
        defer { try? FileManager.default.removeItem(at: dir) }
        try TS.write("extends: [copydesk:recommended, copydesk:duplicates]\n", to: dir.appendingPathComponent(".lintrc.yml"))
        try TS.write("稿件甲\n\n\(DuplicatesTests.meeting)\n", to: dir.appendingPathComponent("a.txt"))
        // Spaces between Chinese characters (a safe fix) before the copied paragraph.
        let input = Data("稿件丙\n\n昨天下午，县里召开了一次会议，要求全力以赴 ，抓好春耕 。\n\n\(DuplicatesTests.meeting)\n".utf8)
        let fixed = try CLI.run(["lint", "--fix", "--format", "json", "-", "a.txt"], in: dir, stdin: input)
        #expect(fixed.stdout.hasPrefix("稿件丙\n\n昨天下午，县里召开了一次会议，要求全力以赴，抓好春耕。"), "\(fixed.stdout)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(fixed.stderr.utf8)) as? [String: Any], "\(fixed.stderr)")
        let diags = try #require(json["diagnostics"] as? [[String: Any]])
        let stdinRules = diags.filter { ($0["file"] as? String) == "<stdin>" }.compactMap { $0["rule"] as? String }
        #expect(stdinRules.filter { !$0.hasPrefix("article.") } == ["duplicates.paragraph"], "\(fixed.stderr)")
        #expect(fixed.stderr.contains("“a.txt”第 3 行第 1 列"), "\(fixed.stderr)")
        #expect(fixed.status == 1, "\(fixed.stderr)")
        // Without the copy in the run, standard input is clean after the fix.
        try TS.write("稿件乙\n\n秋粮收购工作全面展开，各收储企业按照国家标准敞开收购，确保农民卖粮不难。\n", to: dir.appendingPathComponent("b.txt"))
        let clean = try CLI.run(["lint", "--fix", "--format", "json", "-", "b.txt"], in: dir, stdin: input)
        #expect(clean.status == 0, "\(clean.stderr)")
        // --diff: the copy is counted in the summary.
        let diff = try CLI.run(["lint", "--diff", "-", "a.txt"], in: dir, stdin: input)
        #expect(diff.stdout.contains("-昨天下午，县里召开了一次会议，要求全力以赴 ，抓好春耕 。"), "\(diff.stdout)")
        let alone = try CLI.run(["lint", "--diff", "-", "b.txt"], in: dir, stdin: input)
        func errors(_ summary: String) -> Int? { Int(summary.prefix { $0.isNumber }) }
        // The copy in standard input and the one in a.txt: two errors more than with b.txt.
        #expect(errors(diff.stderr).map { $0 - 2 } == errors(alone.stderr), "\(diff.stderr) / \(alone.stderr)")
        #expect(diff.status == 1 && alone.status == 1)
    }
}

@Suite struct RadixSortTests {
    @Test func sortsLikeTheStandardSort() {
        var rng = SplitMix64(seed: 11)
        for n in [0, 1, 5, 300, 5_000, 70_000] {
            for shape in 0..<3 {
                var a = (0..<n).map { _ -> UInt64 in
                    let x = rng.next()
                    switch shape {
                    case 0: return x
                    case 1: return x & 0xFFFF_0000_0000_FFFF    // digits that never vary are skipped
                    default: return x % 7                        // many equal keys
                    }
                }
                let expected = a.sorted()
                RadixSort.sort(&a)
                #expect(a == expected, "n \(n), shape \(shape)")
            }
        }
    }

    /// The 8-bit passes on 32-bit keys (the duplicates pack's pair keys) sort as the standard sort does.
    @Test func sortsThirtyTwoBitKeys() {
        var rng = SplitMix64(seed: 13)
        for n in [0, 1, 65, 300, 5_000, 70_000] {
            for shape in 0..<3 {
                var a = (0..<n).map { _ -> UInt32 in
                    let x = UInt32(truncatingIfNeeded: rng.next())
                    switch shape {
                    case 0: return x
                    case 1: return x & 0xFF00_00FF     // digits that never vary are skipped
                    default: return x % 5                // many equal keys
                    }
                }
                let expected = a.sorted()
                DuplicateUnits.sortPairKeys(&a)
                #expect(a == expected, "n \(n), shape \(shape)")
            }
        }
    }

    /// `fromDigit: 1` sorts by the bits above the lowest 16 only and keeps the input order of keys equal there,
    /// on the 8-bit path (fewer than 65,536 keys) and the 16-bit one.
    @Test func fromDigitSortsByTheHighBitsStably() {
        var rng = SplitMix64(seed: 12)
        for n in [300, 4_000, 70_000] {
            // Low 16 bits: the input position (mod 2¹⁶), so stability is visible; few distinct high parts.
            var a = (0..<n).map { i -> UInt64 in (rng.next() % 97) << 40 | (rng.next() & 0xFF) << 16 | UInt64(i & 0xFFFF) }
            let expected = a.enumerated().sorted { ($0.element >> 16, $0.offset) < ($1.element >> 16, $1.offset) }.map(\.element)
            RadixSort.sort(&a, fromDigit: 1)
            #expect(a == expected, "n \(n)")
        }
    }

    /// `sortAboveLow16` gives `sort(fromDigit: 1)`'s order: keys that share their top 24 bits but differ below
    /// (short runs and runs longer than the insertion sort takes), equal keys, random ones, a constant top byte
    /// (a bucket of the candidate search).
    @Test func sortAboveLow16IsTheStableSortByTheHighBits() {
        var rng = SplitMix64(seed: 19)
        for n in [0, 1, 200, 300, 5_000, 70_000] {
            for shape in 0..<5 {
                var a = (0..<n).map { i -> UInt64 in
                    let x = rng.next(), place = UInt64(i & 0xFFFF)
                    switch shape {
                    case 0: return x & ~0xFFFF | place
                    case 1: return (x % 3) << 40 | (rng.next() % 5) << 16 | place          // long runs, unsorted below
                    case 2: return (x % 50) << 40 | (rng.next() & 0xFFFF_FF) << 16 | place  // runs of ~n/50
                    case 3: return 0xAB << 56 | (x & 0x00FF_FFFF_FFFF_0000) | place           // one top byte
                    default: return (x % 4) << 16 | place                                    // equal high bits
                    }
                }
                var expected = a
                RadixSort.sort(&expected, fromDigit: 1)
                let byComparison = a.enumerated().sorted { ($0.element >> 16, $0.offset) < ($1.element >> 16, $1.offset) }.map(\.element)
                RadixSort.sortAboveLow16(&a)
                #expect(a == expected, "n \(n), shape \(shape)")
                #expect(a == byComparison, "n \(n), shape \(shape)")
            }
        }
    }

    /// The cross-file pass orders paragraphs by a hash (`BatchDuplicates.order`): the order of a comparison sort of
    /// (key, number), also when keys differ only in the low bits the radix sort leaves to their numbers.
    @Test func batchOrderIsTheOrderOfKeyThenNumber() {
        var rng = SplitMix64(seed: 17)
        for n in [0, 1, 2, 200, 3_000, 70_000] {
            for shape in 0..<4 {
                let keys = (0..<n).map { _ -> UInt64 in
                    let x = rng.next()
                    switch shape {
                    case 0: return x
                    case 1: return x % 13                              // many equal keys
                    case 2: return (x % 5) << 40 | (x >> 50)           // equal top bits, different low bits
                    default: return 0xABCD_0000_0000_0000 | (x & 0x7)  // all alike above the low bits
                    }
                }
                let expected = (0..<n).sorted { (keys[$0], $0) < (keys[$1], $1) }.map(Int32.init)
                #expect(BatchDuplicates.order(n) { keys[$0] } == expected, "n \(n), shape \(shape)")
            }
        }
    }
}

/// The candidate search of the near and contained rules samples the shingles; it must still find every pair that
/// overlaps well, with the exact count.
@Suite struct SharedShinglesTests {
    @Test func sampledSearchFindsEveryOverlappingPairWithExactCounts() throws {
        var rng = SplitMix64(seed: 23)
        let alphabet = Array("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可也你能而子那得于着下自之年过发后作里如家多".unicodeScalars)
        func random(_ n: Int) -> [Unicode.Scalar] { (0..<n).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] } }
        var paragraphs: [[Unicode.Scalar]] = []
        // Short and long paragraphs: a long one's sample is large, and the share its pairs need is higher
        // (`requiredShare`).
        for k in 0..<52 {
            let base = random(k < 40 ? 40 + Int(rng.next() % 160) : 300 + Int(rng.next() % 900))
            paragraphs.append(base)
            switch rng.next() % 3 {
            case 0:   // a near copy: one or two characters changed
                var copy = base
                for _ in 0..<(1 + Int(rng.next() % 2)) { copy[Int(rng.next() % UInt64(copy.count))] = alphabet[Int(rng.next() % UInt64(alphabet.count))] }
                paragraphs.append(copy)
            case 1:   // contained: inside a longer paragraph
                paragraphs.append(random(10 + Int(rng.next() % 60)) + base + random(10 + Int(rng.next() % 60)))
            default: break
            }
        }
        let text = "标题\n\n" + paragraphs.map { String(String.UnicodeScalarView($0)) + "。" }.joined(separator: "\n\n") + "\n"
        let doc = Document(path: "p.txt", text: text)
        let u = DuplicateUnits.extract(doc, scope: .body)
        let all = Array(u.paragraphs.indices)
        let found = u.sharedShingles(all, maxRun: 1_000_000, minShare: 0.5)
        var byPair: [Int: Int] = [:]
        for p in found { byPair[p.i << 20 | p.j] = p.shared }
        var expected = 0
        for j in all { for i in all where i < j {
            let a = u.shingles(i), b = u.shingles(j)
            let shared = DuplicateUnits.intersection(a, b)
            // Counts are exact for every pair returned.
            if let s = byPair[i << 20 | j] { #expect(s == shared) }
            // Every pair sharing 80% of the smaller paragraph's shingles is returned.
            if Double(shared) >= 0.8 * Double(min(a.count, b.count)) {
                expected += 1
                #expect(byPair[i << 20 | j] != nil, "pair \(i), \(j) shares \(shared) of \(a.count)/\(b.count)")
            }
        } }
        #expect(expected >= 20)
        // The keys of a large page go into 256 buckets sorted one by one, and its units read their text again from
        // the source: the same pairs, in the same order.
        let again = DuplicateUnits.extract(doc, scope: .body, keepText: false)
        let bucketed = again.sharedShingles(all, maxRun: 1_000_000, minShare: 0.5, bucketed: true)
        #expect(bucketed.map { [$0.i, $0.j, $0.shared] } == found.map { [$0.i, $0.j, $0.shared] })
        let once = DuplicateUnits.extract(doc, scope: .body)
        let defaults = once.sharedShingles(all, bucketed: false)
        let defaultsBucketed = again.sharedShingles(all, bucketed: true)
        #expect(defaults.map { [$0.i, $0.j, $0.shared] } == defaultsBucketed.map { [$0.i, $0.j, $0.shared] })
        #expect(!defaults.isEmpty)
        // Buckets filled and counted in windows of the hash space (a large page): the same pairs again.
        // The windows' keys worked out in one pass and kept in temporary files (`KeySpill`), or the text hashed
        // again for each window.
        for w in [2, 4, 8] {
            for spill in [true, false] {
                let windowed = DuplicateUnits.extract(doc, scope: .body, keepText: false).sharedShingles(all, bucketed: true, windows: w, spillKeys: spill)
                #expect(windowed.map { [$0.i, $0.j, $0.shared] } == defaults.map { [$0.i, $0.j, $0.shared] }, "\(w) windows, spilled: \(spill)")
            }
        }
        // The keys worked out during extraction (a document whose text is not kept, near or contained rules in the
        // lint): in memory, or in one or several spilled windows. The same pairs as hashing the text in the search,
        // for the paragraphs extraction hashed (at least `searchMinHan` Han characters) and, when a candidate is
        // not among them, by hashing the text as before.
        let hashed = all.filter { u.paragraphs[$0].han >= 30 && !u.paragraphs[$0].titleLike && !u.paragraphs[$0].isQuote }
        let plainHashed = DuplicateUnits.extract(doc, scope: .body, keepText: false).sharedShingles(hashed)
        #expect(!plainHashed.isEmpty)
        for w in [nil, 1, 2, 8] as [Int?] {
            let cache = CheckCache()
            cache.expectUnitUsers([:], sentenceMinHan: .max, searchMinHan: 30)
            let pre = DuplicateUnits.extract(doc, scope: .body, cache: cache, keepText: false, searchWindows: w)
            #expect(pre.hasExtractedSearchKeys, "\(String(describing: w)) windows")
            #expect(pre.sharedShingles(hashed).map { [$0.i, $0.j, $0.shared] } == plainHashed.map { [$0.i, $0.j, $0.shared] },
                    "\(String(describing: w)) windows")
            #expect(!pre.hasExtractedSearchKeys, "read once")
            let fallback = DuplicateUnits.extract(doc, scope: .body, cache: cache, keepText: false, searchWindows: w)
            #expect(fallback.sharedShingles(all).map { [$0.i, $0.j, $0.shared] } == defaults.map { [$0.i, $0.j, $0.shared] },
                    "a candidate extraction did not hash: \(String(describing: w)) windows")
        }
        // A spill keeps each window's keys in the order they came, across its file and its buffer.
        let spill = try #require(KeySpill(windows: 4, shift: 62))
        var want = [[UInt64]](repeating: [], count: 4)
        for _ in 0..<300_000 {   // ~75,000 a window: its file written more than once, and the rest in its buffer
            let k = rng.next()
            spill.append(k)
            want[Int(k >> 62)].append(k)
        }
        for w in 0..<4 {
            var got: [UInt64] = []
            spill.read(w) { got += $0 }
            #expect(got == want[w], "window \(w)")
        }
    }

    /// The sentences extraction keeps (`repeatedSentences`): cut after 。！？；!?; (the mark belongs to the
    /// sentence), from the first to the last visible character, over the pieces of a joined paragraph; their
    /// normalised text is the paragraph's, cut; only sentences whose key another sentence of their article has,
    /// a key's in the order of the text; none of a title-like paragraph.
    @Test func repeatedSentencesAreFoundDuringExtraction() {
        let p = "“县农业农村局召开会议。”部署　春耕！ＡＢＣ１２３；abc? 最后一句没有句号"
        let text = "标题\n\n导语没有句号\n\n" + p + "\n\n" + p + "\n\n导语没有句号。第二段。第二段。独一句。\n\n。！\n"
        for keep in [false, true] {
            for crlf in [false, true] {
                let doc = Document(path: "s.txt", text: crlf ? text.replacingOccurrences(of: "\n", with: "\r\n") : text)
                let u = DuplicateUnits.extract(doc, scope: .body, keepText: keep)
                // (The last paragraph, `。！`, has no sentence: no character is kept.)
                #expect(u.paragraphs.count == 5, "\(u.paragraphs.map { String(decoding: doc.source.bytes[$0.range], as: UTF8.self) })")
                guard u.paragraphs.count == 5 else { continue }
                #expect(u.paragraphs[0].titleLike)
                let list = u.repeatedSentences
                var got: [String] = []
                for (k, s) in list.enumerated() {
                    let source = String(decoding: doc.source.bytes[s.range], as: UTF8.self)
                    got.append("\(s.paragraph):" + source)
                    #expect(Array(u.normalized(s.paragraph)[s.norm]) == source.unicodeScalars.compactMap { DuplicateUnits.normalize($0.value) })
                    #expect(s.han == source.unicodeScalars.filter { $0.properties.isIdeographic }.count)
                    #expect(u.paragraph(at: s.range.lowerBound) == s.paragraph)
                    // Each sentence has its key's other sentence beside it (first, then the copy).
                    let other = k % 2 == 0 ? k + 1 : k - 1
                    #expect(other < list.count && list[other].key == s.key && u.sameSentence(k, other))
                }
                #expect(got == ["1:县农业农村局召开会议。", "2:县农业农村局召开会议。", "1:部署　春耕！", "2:部署　春耕！",
                                "1:ＡＢＣ１２３；", "2:ＡＢＣ１２３；", "1:abc?", "2:abc?", "1:最后一句没有句号", "2:最后一句没有句号",
                                "3:第二段。", "3:第二段。"])
                #expect(!u.sameSentence(0, 2))
                // A lint whose sentence rules compare nothing under 9 Han characters: extraction keeps only the
                // sentence of 10.
                let cache = CheckCache()
                cache.expectUnitUsers([:], sentenceMinHan: 9)
                let fewer = DuplicateUnits.extract(doc, scope: .body, cache: cache, keepText: keep)
                #expect(fewer.repeatedSentences.map { String(decoding: doc.source.bytes[$0.range], as: UTF8.self) } == ["县农业农村局召开会议。", "县农业农村局召开会议。"])
                cache.expectUnitUsers([:], sentenceMinHan: .max)
                #expect(DuplicateUnits.extract(doc, scope: .body, cache: cache, keepText: keep).repeatedSentences.isEmpty)
            }
        }
    }

    /// Extraction works out the keys of paragraphs and sentences from the polynomial of the text so far: the same
    /// keys as reading each stretch's text (`key(_:_:)`), for stretches shorter and longer than the power table.
    @Test func keysFromTheRunningPolynomialAreTheKeysOfTheText() {
        var rng = SplitMix64(seed: 7)
        let t: [UInt32] = (0..<3000).map { _ in 0x4E00 + UInt32(rng.next() % 2000) }
        var prefix: [UInt64] = [0]   // the polynomial after each character
        for c in t { prefix.append(prefix.last! &* DuplicateUnits.keyFactor &+ UInt64(c)) }
        t.withUnsafeBufferPointer { p in
            for _ in 0..<300 {
                let a = Int(rng.next() % 3000), b = a + Int(rng.next() % UInt64(3000 - a)) + 1
                #expect(DuplicateUnits.key(prefix[b], from: prefix[a], count: b - a) == DuplicateUnits.key(p, a..<b), "\(a)..<\(b)")
            }
            // Equal texts at different places: equal keys; one character changed: another key.
            #expect(DuplicateUnits.key(p, 10..<20) != DuplicateUnits.key(p, 11..<21))
        }
        let doc = Document(path: "k.txt", text: "标题\n\n县农业农村局召开春耕会议，部署任务。今年全县粮食播种面积稳定在一百万亩以上。\n")
        let u = DuplicateUnits.extract(doc, scope: .body, keepText: false)
        #expect(u.paragraphs.count == 1)
        for p in u.paragraphs.indices {
            let text = Array(u.normalized(p))
            #expect(text.withUnsafeBufferPointer { DuplicateUnits.key($0, 0..<$0.count) } == u.contentKey(p))
        }
    }

    /// The units keep no normalised text: it is read again from the paragraph's pieces of source text when asked,
    /// and must be what extraction read (multibyte, four-byte, full-width, CRLF, joined OCR lines, Markdown).
    @Test func normalisedTextIsReadAgainFromTheSource() {
        let lines = ["县农业农村局“青山镇”召开会议，ＡＢＣ１２３ abc！", "𠀋𠀌汉字 かな 한글 — Ｘｙｚ：3.5%；", "第二句。第三句？",
                     "有制表符\t的段落（注）……", "Ünïcode ΑΒΓ 𝔸 字😀字。"]
        for text in [lines.joined(separator: "\n"), lines.joined(separator: "\r\n") + "\r\n"] {
            let doc = Document(path: "n.txt", text: "标题\n\n" + text)
            let u = DuplicateUnits.extract(doc, scope: .body, keepText: false)
            let kept = DuplicateUnits.extract(doc, scope: .body, keepText: true)
            #expect(u.paragraphs.count == lines.count)
            for p in u.paragraphs.indices {
                // One line a paragraph: its range's scalars, normalised one by one.
                let expected = String(decoding: doc.source.bytes[u.paragraphs[p].range], as: UTF8.self).unicodeScalars
                    .compactMap { DuplicateUnits.normalize($0.value) }
                #expect(Array(u.normalized(p)) == expected, "paragraph \(p)")
                #expect(Array(kept.normalized(p)) == expected, "paragraph \(p), kept")
                #expect(u.contentKey(p) == kept.contentKey(p) && u.exactHash(p) == kept.exactHash(p))
                #expect(Array(u.normalizedPrefix(p, 3)) == Array(expected.prefix(3)))
                #expect(u.paragraphs[p].length == expected.count)
            }
        }
        // A Markdown quote over two lines (the `>` of its second line is not part of the text): the same text and
        // sentence as the plain paragraph after it.
        // (A first paragraph of more than 40 characters: not title-like, so the sentences after it are compared.)
        let mdDoc = Document(path: "q.md", text: "# 标题\n\n这是开头的一段话，用来说明今天会议的背景情况，内容足够长，不会被当成标题，也不会和后面的段落重复。\n\n> 县农业农村局召开\n> 春耕会议，部署任务。\n\n县农业农村局召开春耕会议，部署任务。\n")
        let md = DuplicateUnits.extract(mdDoc, scope: .all, keepText: false)
        #expect(md.paragraphs.count == 3)
        if md.paragraphs.count == 3 {
            #expect(!md.paragraphs[0].titleLike)
            #expect(String(String.UnicodeScalarView(md.normalized(1).compactMap(Unicode.Scalar.init))) == "县农业农村局召开春耕会议部署任务")
            #expect(md.sameText(1, 2))
            let list = md.repeatedSentences
            #expect(list.count == 2)
            if list.count == 2 {
                let x = list[0], y = list[1]
                #expect(x.paragraph == 1 && y.paragraph == 2)
                #expect(md.sameSentence(0, 1))
                #expect(x.key == y.key && md.contentKey(1) == md.contentKey(2))
                #expect(x.han == y.han && x.han == 16)
                // Over the quote's two lines: from its first character to its full stop.
                #expect(String(decoding: mdDoc.source.bytes[x.range], as: UTF8.self) == "县农业农村局召开\n> 春耕会议，部署任务。")
            }
        }
    }

    /// The hash-table counts (`shingleCount`, `sharedCount`) are those of the sorted distinct shingle arrays,
    /// paragraphs with repeated runs and shorter than one shingle included.
    @Test func tableCountsEqualSortedArrayCounts() {
        var rng = SplitMix64(seed: 41)
        let alphabet = Array("春耕备工作会议县农村局".unicodeScalars)
        var paragraphs: [String] = ["哈哈哈哈哈哈哈哈哈哈哈哈", "短句", "县农业农村局县农业农村局县农业农村局召开会议",
                                    "县农业农村局近日召开春耕备耕工作会议全面部署今年粮食生产任务", "县农业农村局昨日召开春耕备耕工作会议全面部署今年粮食生产任务"]
        for _ in 0..<30 {
            let n = 3 + Int(rng.next() % 120)
            paragraphs.append(String(String.UnicodeScalarView((0..<n).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })))
        }
        let doc = Document(path: "p.txt", text: "标题\n\n" + paragraphs.map { $0 + "。" }.joined(separator: "\n\n") + "\n")
        // The table counts on text read again from the source (a large page), the sorted arrays on kept text.
        let byTable = DuplicateUnits.extract(doc, scope: .body, keepText: false)
        let bySort = DuplicateUnits.extract(doc, scope: .body, keepText: true)
        let all = Array(byTable.paragraphs.indices)
        #expect(all.count >= paragraphs.count)
        var counts: [Int] = []
        for p in all { counts.append(byTable.shingleCount(p)) }
        #expect(counts == all.map { bySort.shingles($0).count })
        for j in all { for i in all where i < j {
            #expect(byTable.sharedCount(i, j) == DuplicateUnits.intersection(bySort.shingles(i), bySort.shingles(j)), "pair \(i), \(j)")
        } }
        // The candidate search's verified pairs are looked up again with their exact counts (the sentence rule asks
        // about them); a pair it did not verify is not answered.
        #expect(byTable.verifiedShared(0, 1) == nil)
        let pairs = byTable.sharedShingles(all, minShare: 0.3)
        #expect(!pairs.isEmpty)
        for x in pairs {
            #expect(byTable.verifiedShared(x.i, x.j) == DuplicateUnits.intersection(bySort.shingles(x.i), bySort.shingles(x.j)))
        }
        let verified = Set(pairs.map { [$0.i, $0.j] })
        for j in all { for i in all where i < j && !verified.contains([i, j]) { #expect(byTable.verifiedShared(i, j) == nil) } }
    }

    @Test func shinglesAreTheHashesOfEveryRunOfFiveCharacters() {
        let t: [UInt32] = Array("县农业农村局召开春耕备耕工作会议abc12".unicodeScalars.map(\.value))
        var direct: [UInt64] = []
        t.withUnsafeBufferPointer { p in for i in 0...(p.count - 5) { direct.append(Fingerprint.shingleHash(p, i, 5)) } }
        #expect(DuplicateUnits.shingles(t[...]) == Array(Set(direct)).sorted())
    }
}
