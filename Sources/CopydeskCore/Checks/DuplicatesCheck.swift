/// `kind: duplicates`: paragraphs and sentences that repeat within a draft (and, for paragraphs, across the files
/// of one run: see `BatchDuplicates`). Units and normalisation: `DuplicateUnits`.
///
///     unit: paragraph            # paragraph | sentence
///     match: exact               # exact | near | contained (sentences: exact only)
///     min-han: 20                # units with fewer Han characters are never compared
///     threshold: 0.8             # near: 5-gram Jaccard; contained: share of the shorter paragraph's 5-grams
///     same-numbers: true         # near/contained: the numbers must agree (parallel paragraphs differ in them)
///     boilerplate: [责任编辑, …]  # paragraphs whose normalised text starts with one of these are skipped
///     across-files: true         # paragraph exact/near: also compare with the other files of the run
///     max-copies: 5              # across files: a paragraph in more files than this is template text
///
/// Each finding covers the later copy, names the earlier one (line and column) in its message and as a related
/// location, and gives the similarity. One finding per unit and rule: the earlier copy most like it (the first
/// of equals). A paragraph that is an exact copy is not also reported as near or contained, and one that is a near
/// copy (Jaccard ≥ 0.8) not also as contained; a sentence is not reported when its paragraph and the earlier one's
/// are such copies (the paragraph rules report them). A title-like first paragraph (see `DuplicateUnits`) is never
/// compared within its file (web pages repeat the headline at the start of the body), nor is a quoted message.
public struct DuplicatesCheck: Check {
    enum Unit: String { case paragraph, sentence }
    enum Match: String { case exact, near, contained }
    var unit: Unit
    var match: Match
    var minHan: Int
    var threshold: Double
    var sameNumbers: Bool
    var boilerplate: [[UInt32]]
    var acrossFiles: Bool
    var maxCopies: Int

    static let keys: Set<String> = ["unit", "match", "min-han", "threshold", "same-numbers", "boilerplate", "across-files", "max-copies"]
    /// Jaccard from which a pair is a near copy (the `near` rule's default), not a contained one.
    static let nearJaccard = 0.8
    static let containedShare = 0.9
    static let defaultBoilerplate = ["责任编辑", "编辑", "校对", "审核", "来源", "原标题", "免责声明", "版权声明", "特别声明",
                                     "声明", "本文来源", "本文系", "本文由", "此稿由", "转载", "扫码", "点击", "关注我们", "长按", "马上注册",
                                     "未经许可"]

    init(_ m: StrictMapping) throws {
        var errors = ConfigErrorCollector()
        let unit = errors.run { Unit(rawValue: try m["unit"]?.choice("unit", ["paragraph", "sentence"]) ?? "paragraph")! } ?? .paragraph
        let match = errors.run { Match(rawValue: try m["match"]?.choice("match", ["exact", "near", "contained"]) ?? "exact")! } ?? .exact
        self.unit = unit; self.match = match
        minHan = errors.run { () throws -> Int in
            let v = try m["min-han"]?.int("min-han") ?? (unit == .sentence ? 15 : 20)
            guard v >= 1 else { throw ConfigError(m["min-han"]!.mark, "'min-han' must be at least 1") }
            return v
        } ?? 20
        threshold = errors.run { () throws -> Double in
            let v = try m["threshold"]?.double("threshold") ?? (match == .contained ? DuplicatesCheck.containedShare : DuplicatesCheck.nearJaccard)
            guard v > 0 && v <= 1 else { throw ConfigError(m["threshold"]!.mark, "'threshold' must be above 0 and at most 1") }
            return v
        } ?? 0.8
        sameNumbers = errors.run { try m["same-numbers"]?.bool("same-numbers") ?? true } ?? true
        let bp = errors.run { try m["boilerplate"]?.stringList("boilerplate") ?? DuplicatesCheck.defaultBoilerplate } ?? []
        boilerplate = bp.map { s in s.unicodeScalars.compactMap { DuplicateUnits.normalize($0.value) } }.filter { !$0.isEmpty }
        longestBoilerplate = boilerplate.map { $0.count }.max() ?? 0
        boilerplateFirsts = Array(Set(boilerplate.map { $0[0] })).sorted()
        acrossFiles = errors.run { try m["across-files"]?.bool("across-files") ?? (unit == .paragraph && match != .contained) } ?? false
        maxCopies = errors.run { () throws -> Int in
            let v = try m["max-copies"]?.int("max-copies") ?? 5
            guard v >= 2 else { throw ConfigError(m["max-copies"]!.mark, "'max-copies' must be at least 2") }
            return v
        } ?? 5
        if unit == .sentence, match != .exact, let node = m["match"] {
            errors.add(ConfigError(node.mark, "sentences are compared exactly: 'match' must be exact with unit: sentence"))
        }
        if acrossFiles, unit == .sentence, let node = m["across-files"] {
            errors.add(ConfigError(node.mark, "'across-files' is for paragraph rules"))
        }
        if match == .exact, let node = m["threshold"] {
            errors.add(ConfigError(node.mark, "'threshold' is for match: near or contained (exact copies are 100%)"))
        }
        try errors.throwIfAny()
    }

    /// The length of the longest boilerplate prefix: no more of a paragraph is read to test them.
    var longestBoilerplate = 0

    /// The first characters of the boilerplate prefixes: most paragraphs start with none of them.
    var boilerplateFirsts: [UInt32] = []

    func isBoilerplate(_ t: ArraySlice<UInt32>) -> Bool {
        guard let first = t.first, boilerplateFirsts.contains(first) else { return false }
        for b in boilerplate where b[0] == first && t.count >= b.count && t.prefix(b.count).elementsEqual(b) { return true }
        return false
    }

    /// Whether paragraph `p` of `u` is compared at all.
    func eligible(_ u: DuplicateUnits, _ p: Int) -> Bool {
        let par = u.paragraphs[p]
        return par.han >= minHan && !par.titleLike && !par.isQuote
            && (!u.mayBeBoilerplate(p, boilerplate) || !isBoilerplate(u.normalizedPrefix(p, longestBoilerplate)))
    }

    /// `SourceText.position(of:)` (1-based line and scalar column) counted directly: the earlier copy named in a
    /// message is the only place asked on its line, so the source's per-line column table would be built for one
    /// look-up (and is usually at column 1).
    static func position(of offset: Int, in src: SourceText) -> (line: Int, column: Int) {
        let li = src.lineIndex(of: offset)
        let start = src.lineStarts[li]
        // Scalars from the line's start: its bytes less the continuation bytes (10xxxxxx), counted eight at a time.
        let column = src.bytes.withUnsafeBufferPointer { b -> Int in
            let end = min(offset, b.count)
            var i = start, continuations = 0
            if let base = b.baseAddress {
                while i + 8 <= end {
                    let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                    continuations += (w & ~(w << 1) & 0x8080_8080_8080_8080).nonzeroBitCount
                    i += 8
                }
            }
            while i < end { if b[i] & 0xC0 == 0x80 { continuations += 1 }; i += 1 }
            return max(0, end - start) - continuations + 1
        }
        return (li + 1, column)
    }

    static func percent(_ x: Double) -> String { "\(Int((x * 100).rounded(.down)))%" }

    /// `第 3 行第 5 列` (or `“b.txt”第 3 行第 5 列` in another file).
    static func place(file: String?, line: Int, column: Int) -> String {
        (file.map { "“\($0)”" } ?? "") + "第 \(line) 行第 \(column) 列"
    }

    public func run(_ context: CheckContext, into findings: inout [Finding]) {
        let doc = context.document
        let u = context.cache.duplicateUnits(doc, scope: context.scope)
        defer { context.cache.doneWithUnits(scope: context.scope) }
        func report(_ later: Range<Int>, _ earlier: Range<Int>, _ similarity: Double, what: String, fix: Fix? = nil) {
            let p = DuplicatesCheck.position(of: earlier.lowerBound, in: doc.source)
            let whereText = DuplicatesCheck.place(file: nil, line: p.line, column: p.column)
            var f = Finding(rule: context.ruleIndex, range: later,
                            message: substitute(context.message, ["where": whereText, "similarity": DuplicatesCheck.percent(similarity)]),
                            fix: fix)
            f.related = [RelatedLocation(file: nil, range: earlier, message: what)]
            findings.append(f)
        }
        switch unit {
        case .paragraph:
            let (eligible, exactOf) = u.eligibility(minHan: minHan, boilerplate: boilerplate, isBoilerplate: isBoilerplate)
            let candidates = u.paragraphs.indices.filter { eligible[$0] }
            guard candidates.count >= 2 else { return }
            if match == .exact {
                for p in candidates {
                    let q = Int(exactOf[p])
                    guard q >= 0 else { continue }
                    // Deleting a paragraph changes the page's structure: never a safe fix, whatever the YAML says.
                    let fix = context.fixSafety == .none ? nil
                        : Fix(edit: Edit(range: DuplicatesCheck.deletion(of: u.paragraphs[p].range, in: doc.source), replacement: ""), safety: .unsafe)
                    report(u.paragraphs[p].range, u.paragraphs[q].range, 1, what: "先出现的段落", fix: fix)
                }
                return
            }
            // Near and contained copies, from the shingles each pair shares (exact copies left out). With
            // `same-numbers`, pairs whose numbers no copy could have are not counted at all.
            let rest = candidates.filter { exactOf[$0] < 0 }
            var best: [Int: (i: Int, sim: Double)] = [:]
            var isNear = Set<Int>()
            for (i, j, shared) in u.sharedShingles(rest, minShare: max(0.05, min(0.5, threshold - 0.3)), numbersAgree: sameNumbers) {
                let a = u.shingleCount(i), b = u.shingleCount(j)
                let jac = Double(shared) / Double(a + b - shared)
                let numbersEqual = !sameNumbers || DuplicateUnits.numbersAgree(u.numbers(i), u.numbers(j), equal: true)
                if jac >= DuplicatesCheck.nearJaccard && numbersEqual { isNear.insert(j) }
                let sim: Double
                switch match {
                case .near:
                    guard jac >= threshold, numbersEqual else { continue }
                    sim = jac
                case .contained:
                    let c = Double(shared) / Double(min(a, b))
                    guard c >= threshold, jac < DuplicatesCheck.nearJaccard, !u.paragraphs[i].titleLike, !u.paragraphs[j].titleLike,
                          !sameNumbers || DuplicateUnits.numbersAgree(u.numbers(i), u.numbers(j), equal: false) else { continue }
                    sim = c
                case .exact: continue
                }
                if let b = best[j], b.sim >= sim { continue }
                best[j] = (i, sim)
            }
            for j in best.keys.sorted() {
                if match == .contained && isNear.contains(j) { continue }
                let (i, sim) = best[j]!
                report(u.paragraphs[j].range, u.paragraphs[i].range, sim, what: "先出现的段落")
            }
        case .sentence:
            // Sentences are compared within their article. Extraction found the sentences whose key another of
            // their article has (`DuplicateUnits.repeatedSentences`, articles in order): one small table per
            // article maps a key to its first sentence here, and only a copy's two sentences are read again, to
            // compare their texts.
            var first = FirstIndex(capacity: 0)
            var tableArticle = -1
            var pairVerdict: [Int: Bool] = [:]
            var boilerplateParagraph = (p: -1, is: false)
            let list = u.repeatedSentences
            for s in list.indices where list[s].han >= minHan {
                let sent = list[s]
                let pj = sent.paragraph
                let par = u.paragraphs[pj]
                // (Title-like and quoted paragraphs have no sentences in the list.)
                if boilerplateParagraph.p != pj {
                    boilerplateParagraph = (pj, u.mayBeBoilerplate(pj, boilerplate) && isBoilerplate(u.normalizedPrefix(pj, longestBoilerplate)))
                }
                guard !boilerplateParagraph.is else { continue }
                if par.article != tableArticle {
                    first = FirstIndex(capacity: 16)
                    tableArticle = par.article
                }
                let t = first.firstOr(insert: s, for: sent.key)
                guard t >= 0 else { continue }
                // The first copy and its paragraph.
                let pi = list[t].paragraph
                guard u.paragraphs[pi].article == par.article, u.sameSentence(t, s) else { continue }
                if pi != pj {
                    let k = pi << 32 | pj
                    let copies = pairVerdict[k] ?? paragraphsAreCopies(u, pi, pj)
                    pairVerdict[k] = copies
                    if copies { continue }
                }
                report(sent.range, list[t].range, 1, what: "先出现的句子")
            }
        }
    }

    /// The bytes to delete to remove the paragraph at `range` (whole lines: with its indentation, list or quote
    /// marker and line break) without leaving a gap of two blank lines: after a blank line (or at the top) the
    /// blank lines that follow go too; at the end of the text the line breaks before it go instead.
    static func deletion(of range: Range<Int>, in src: SourceText) -> Range<Int> {
        let b = src.bytes
        func blank(_ line: Int) -> Bool { src.lineContent(line).allSatisfy { b[$0] == 0x20 || b[$0] == 0x09 || b[$0] == 0x0D } }
        let firstLine = src.lineIndex(of: range.lowerBound)
        var lastLine = src.lineIndex(of: max(range.lowerBound, range.upperBound - 1))
        var start = src.lineStarts[firstLine]
        let afterBlank = firstLine == 0 || blank(firstLine - 1)
        if afterBlank { while lastLine + 1 < src.lineCount && blank(lastLine + 1) && src.lineStarts[lastLine + 1] < b.count { lastLine += 1 } }
        var end = lastLine + 1 < src.lineCount ? src.lineStarts[lastLine + 1] : b.count
        if end >= b.count, firstLine > 0 {
            // Nothing follows: the line breaks before the paragraph go (up to the last line with text), so the
            // text ends as it did (with or without a final line break).
            var k = firstLine - 1
            while k > 0 && blank(k) { k -= 1 }
            if blank(k) { start = 0 } else {
                let finalBreak = src.lineContent(lastLine).upperBound < b.count
                start = finalBreak ? src.lineStarts[k + 1] : src.lineContent(k).upperBound
            }
            end = b.count
        }
        return start..<end
    }

    /// Whether the paragraph rules (default thresholds) report paragraphs `i` and `j` as copies.
    func paragraphsAreCopies(_ u: DuplicateUnits, _ i: Int, _ j: Int) -> Bool {
        if u.sameText(i, j) { return true }
        let shared = u.verifiedShared(i, j) ?? u.sharedCount(i, j)
        let a = u.shingleCount(i), b = u.shingleCount(j)
        let jac = Double(shared) / Double(a + b - shared)
        let con = Double(shared) / Double(max(1, min(a, b)))
        return jac >= DuplicatesCheck.nearJaccard || con >= DuplicatesCheck.containedShare
    }
}

/// Another place a finding refers to: the earlier copy of a duplicate. In the same file (`file` nil: byte offsets,
/// converted by reporters like the finding's own), or in another file of the run, whose positions are worked out
/// already (its text is not kept).
public struct RelatedLocation: Sendable {
    public var file: String?
    public var range: Range<Int>
    public var start: OutputPosition?
    public var end: OutputPosition?
    public var message: String
    public init(file: String?, range: Range<Int>, start: OutputPosition? = nil, end: OutputPosition? = nil, message: String) {
        self.file = file; self.range = range; self.start = start; self.end = end; self.message = message
    }
}

extension BrokenLineCheck {
    /// The rule with its default options: how `--fix` joins lines unless a configuration says otherwise.
    static let standard: BrokenLineCheck = {
        let m = try! StrictMapping(YAMLValue.parse("{}", file: "<defaults>"), what: "broken-line defaults")
        return try! BrokenLineCheck(m)
    }()

    /// Whether its options are the defaults (`standard`'s).
    var hasStandardOptions: Bool {
        let s = BrokenLineCheck.standard
        return endings == s.endings && markdown == s.markdown && minWrappedRatio == s.minWrappedRatio
            && safeMinWrappedRatio == s.safeMinWrappedRatio
    }
}
