import Foundation
import Testing
@testable import CopydeskCore

/// The byte loops of the checks (issue 16) against plain references that decode every character.
@Suite struct CheckScanTests {
    /// Text with every kind of character the loops tell apart: Han (wanted and not), CJK punctuation, ASCII,
    /// two-byte (NBSP, é), four-byte (emoji, an astral Han), full-width forms, spaces of every width.
    static let text = """
    ### 标题2021年12月
    2021年十二月，3、4天，4千元，15～30%，9～16亿。价格为3.5元。农历8月15日，腊月28。
    “引号”（括号）《书名》【方括号】「单」『双』 a,b. c
    二〇二一年\u{A0}12 500元\u{2009}100\u{202F}000‰ caf\u{E9} 😀𠀀年 ＡＢＣ，。、
    湿度为30%. 正月初5 摄影
    end.
    """

    static let sets: [[UInt32]] = [
        NumbersCheck.shared,
        "（）“”《》【】「」『』".unicodeScalars.map(\.value).sorted(),
        [0x5E74, 0x6708],
        [0x20, 0xA0, 0xE9, 0x2009, 0x1F600, 0x20000].sorted(),
    ]

    /// Every scalar of every segment, decoded one by one.
    static func reference(_ doc: Document, _ segments: [Segment], _ set: [UInt32]) -> (start: [Int], pos: [Int], vals: [UInt32]) {
        let b = doc.source.bytes
        var start: [Int] = [], pos: [Int] = [], vals: [UInt32] = []
        for seg in segments {
            start.append(pos.count)
            let s = String(decoding: b[seg.range], as: UTF8.self)
            var off = seg.range.lowerBound
            for u in s.unicodeScalars {
                if set.contains(u.value) { pos.append(off); vals.append(u.value) }
                off += UTF8.width(u)
            }
        }
        start.append(pos.count)
        return (start, pos, vals)
    }

    @Test func scalarHitsFindWhatDecodingEveryCharacterFinds() {
        let doc = Document(text: CheckScanTests.text)
        // The document's own segments, and segments cut at every character boundary of each line (a segment may
        // end just after a wanted ASCII character, or be a single character).
        var cuts: [Segment] = []
        let b = doc.source.bytes
        for line in 0..<doc.source.lineCount {
            let r = doc.source.lineContent(line)
            var i = r.lowerBound
            var from = r.lowerBound
            var k = 0
            while i < r.upperBound {
                i += utf8Length(leading: b[i])
                k += 1
                if k % 3 == 0 || i == r.upperBound {
                    cuts.append(Segment(range: from..<i, atLineStart: from == r.lowerBound, atLineEnd: i == r.upperBound, block: 0))
                    from = i
                }
            }
        }
        var ones: [Segment] = []
        var i = 0
        while i < b.count {
            let n = utf8Length(leading: b[i])
            if b[i] != 0x0A { ones.append(Segment(range: i..<(i + n), atLineStart: false, atLineEnd: false, block: 0)) }
            i += n
        }
        for segments in [doc.segments(for: .all), cuts, ones] {
            for set in CheckScanTests.sets {
                let want = CheckScanTests.reference(doc, segments, set)
                // The byte classifier (where the CPU runs it) and the walk.
                for classify in [true, false] {
                    let hits = SegmentTexts(document: doc, segments: segments).scalarHits(set, classify: classify)
                    #expect(hits.start == want.start)
                    #expect(hits.pos == want.pos)
                    #expect(hits.vals == want.vals)
                }
            }
        }
        // The numbers set finds the triggers in the text at all (the comparison above is not between two empties).
        let all = SegmentTexts(document: doc, segments: doc.segments(for: .all)).scalarHits(NumbersCheck.shared)
        #expect(all.vals.contains(0x5E74) && all.vals.contains(0x25) && all.vals.contains(0x201C) && all.vals.contains(0x20))
    }

    /// `NumbersCheck` finds a form's hits by their trigger group: the characters of the shared scan in a form's
    /// group are exactly the form's triggers, for every form.
    @Test func numbersTriggerGroupsAreTheFormsTriggers() {
        for form in NumbersCheck.Form.allCases where !form.triggers.isEmpty {
            let g = NumbersCheck.triggerGroup(form.triggers[0])
            #expect(g != 0xFF, "\(form)")
            #expect(Set(NumbersCheck.shared.filter { NumbersCheck.triggerGroup($0) == g }) == Set(form.triggers), "\(form)")
        }
        let groups = SegmentTexts(document: Document(text: "2021年3、4天“5千元 15%。"), segments: Document(text: "2021年3、4天“5千元 15%。").segments(for: .all))
            .hitGroups(NumbersCheck.shared, NumbersCheck.triggerGroup)
        #expect(groups == [0, 1, 0xFF, 2, 6, 3])
    }

    /// Random texts and random segments (any length, any start at a character boundary, empty ones, segments
    /// across lines) against the reference.
    @Test func scalarHitsOnRandomTextsAndSegments() {
        let sets = ["（）“”《》【】".unicodeScalars.map(\.value).sorted(), [0x20, 0x2C, 0xA0, 0xE9].sorted(),
                    [0x1F600, 0x2E, 0x3001].sorted(), NumbersCheck.shared, [0x5E74, 0x6708]]
        // With characters that share their first two bytes with wanted ones (了 人 with 亿, 一 不 with 万, 。 with 、).
        let alphabet = Array("年月日一二（）“”《》【】「」『』〈〉‘’，。、：；！？ a.,%5\u{A0}é😀𠀀ＡＢ中文字—…\u{3000}\u{2009}了人不万亿百千历正腊摄‰".unicodeScalars)
        // The pairs' marks are scanned sixteen bytes at a time (`PunctuationBlocks`), the other sets by the byte
        // classifier where the CPU runs it (AVX2) and by the walk: each is compared with the reference.
        #expect(sets.map { ScalarHitTables.of($0).blocks != nil } == [true, false, false, false, false])
        #expect(sets.map { ScalarHitTables.of($0).classes != nil } == [false] + Array(repeating: ByteClassifier.available, count: 4))
        var rng = SplitMix(seed: 16)
        for round in 0..<60 {
            var text = ""
            for _ in 0..<(20 + Int(rng.next() % 200)) {
                text.unicodeScalars.append(rng.next() % 9 == 0 ? "\n" : alphabet[Int(rng.next() % UInt64(alphabet.count))])
            }
            let doc = Document(text: text)
            let b = doc.source.bytes
            var bounds = [0]
            var i = 0
            while i < b.count { i += utf8Length(leading: b[i]); bounds.append(i) }
            // Random segments in order, possibly adjacent, possibly empty.
            var segments: [Segment] = []
            var at = 0
            while at < bounds.count - 1 {
                let from = at + Int(rng.next() % 3)
                let to = min(bounds.count - 1, from + Int(rng.next() % 30))
                if from >= bounds.count - 1 { break }
                segments.append(Segment(range: bounds[from]..<bounds[to], atLineStart: false, atLineEnd: false, block: 0))
                at = to
            }
            for set in sets {
                let want = CheckScanTests.reference(doc, segments, set)
                for classify in [true, false] {
                    let hits = SegmentTexts(document: doc, segments: segments).scalarHits(set, classify: classify)
                    #expect(hits.start == want.start, "round \(round)")
                    #expect(hits.pos == want.pos, "round \(round)")
                    #expect(hits.vals == want.vals, "round \(round)")
                }
            }
        }
    }

    /// A long segment with more marked places than the classifier's buffer holds (it is called again from where it
    /// stopped), and characters the buckets mark without being wanted (一 beside 万, 。 beside 、): the same hits as
    /// the walk and the reference.
    @Test func scalarHitsOnALongSegmentWithManyMarks() {
        var text = ""
        let pieces = ["万一", "亿了", "年平", "、。", "“中”", " a,b.", "百分之%", "摄影", "\u{A0}", "😀"]
        for k in 0..<12_000 { text += pieces[k % pieces.count] }
        let doc = Document(text: text)
        let b = doc.source.bytes
        // One segment of the whole text, and the same cut in three at character boundaries.
        var cuts = [0]
        var i = 0, n = 0
        while i < b.count { i += utf8Length(leading: b[i]); n += 1; if n % 7_001 == 0 { cuts.append(i) } }
        cuts.append(b.count)
        let lists = [[Segment(range: 0..<b.count, atLineStart: true, atLineEnd: true, block: 0)],
                     (0..<(cuts.count - 1)).map { Segment(range: cuts[$0]..<cuts[$0 + 1], atLineStart: false, atLineEnd: false, block: 0) }]
        for segments in lists {
            let want = CheckScanTests.reference(doc, segments, NumbersCheck.shared)
            #expect(want.pos.count > 8_192)
            for classify in [true, false] {
                let hits = SegmentTexts(document: doc, segments: segments).scalarHits(NumbersCheck.shared, classify: classify)
                #expect(hits.start == want.start)
                #expect(hits.pos == want.pos)
                #expect(hits.vals == want.vals)
            }
        }
    }

    /// `ocr.broken-line` on the document after a fix pass (`Document.updated`, which carries the measures of the
    /// lines no edit touched) finds what it finds on the same text parsed afresh — also when the edited line's
    /// width changes the decision.
    /// The dateline's fast reject sixteen places a step answers as the byte-by-byte window: lines of 讯, 日电, their
    /// pieces and the characters that share their middle bytes (计 E8 AE A1, 电 without 日), at every start and end.
    @Test func datelineKeyAgreesWithTheByteWindow() {
        var rng = SplitMix64(seed: 0xDA7E)
        let pieces: [[UInt8]] = [Array("讯".utf8), Array("日电".utf8), Array("电".utf8), Array("日".utf8), Array("计".utf8),
                                 Array("新华社北京".utf8), Array("a".utf8), [0xE8, 0xAE], [0xAE, 0xAF], [0x94], Array("12月".utf8),
                                 Array("本报".utf8), [0xE6, 0x97, 0xA5, 0xE7, 0x94]]
        Self.agreeOnRandomCuts(&rng, pieces: pieces, common: 4..<7, rareEvery: 5, maxPieces: 60,
                               { p, r in ArticleStructure.datelineKey(p, r.lowerBound, r.upperBound) },
                               { p, r in ArticleStructure.datelineKeyScalar(p, r.lowerBound, r.upperBound) })
    }

    /// Lines of `pieces` (mostly those in `common`, one in `rareEvery` any of them), each cut at random places: `fast`
    /// and `slow` agree on every cut, and both answers come up often.
    static func agreeOnRandomCuts(_ rng: inout SplitMix64, pieces: [[UInt8]], common: Range<Int>, rareEvery: UInt64, maxPieces: UInt64,
                                  _ fast: (UnsafeBufferPointer<UInt8>, Range<Int>) -> Bool,
                                  _ slow: (UnsafeBufferPointer<UInt8>, Range<Int>) -> Bool) {
        var hits = 0, total = 0
        for _ in 0..<1500 {
            var b: [UInt8] = []
            for _ in 0..<Int(rng.next() % maxPieces) {
                b += pieces[rng.next() % rareEvery == 0 ? Int(rng.next() % UInt64(pieces.count))
                                                        : common.lowerBound + Int(rng.next() % UInt64(common.count))]
            }
            b.withUnsafeBufferPointer { p in
                for _ in 0..<6 {
                    let start = b.isEmpty ? 0 : Int(rng.next() % UInt64(b.count))
                    let end = start + Int(rng.next() % UInt64(b.count - start + 1))
                    let want = slow(p, start..<end)
                    #expect(fast(p, start..<end) == want, "\(b) \(start) \(end)")
                    if want { hits += 1 }
                    total += 1
                }
            }
        }
        #expect(hits > 100 && hits < total - 100)
    }

    /// The headline test's reject of running text (`，；。、`) sixteen places a step answers as one place at a time:
    /// lines of those marks, the marks' neighbours in UTF-8 (`：` EF BC 9A, `〃` E3 80 83, `一` E4 B8 80), ASCII and Han,
    /// at every start and end (a mark cut by the range's end does not count).
    @Test func runningTextPunctuationAgreesWithTheScalarTest() {
        var rng = SplitMix64(seed: 0x1EAD)
        let pieces: [[UInt8]] = [Array("，".utf8), Array("；".utf8), Array("。".utf8), Array("、".utf8), Array("：".utf8),
                                 Array("〃".utf8), Array("一".utf8), Array("全力以赴".utf8), Array("ab".utf8), [0xEF, 0xBC], [0xE3, 0x80]]
        Self.agreeOnRandomCuts(&rng, pieces: pieces, common: 4..<8, rareEvery: 6, maxPieces: 50,
                               ArticleStructure.runningTextPunctuation, ArticleStructure.runningTextPunctuationScalar)
    }

    /// The URL scanner's skip to the next byte that may start a URL or stand in an e-mail address, sixteen bytes at a
    /// time, stops where a byte-by-byte table test stops: texts of Chinese, ASCII words, the triggers in both cases,
    /// `@`, and the bytes that fold onto them (`` ` ``), from every kind of start to every kind of end.
    @Test func urlTriggerSkipAgreesWithTheTable() {
        var rng = SplitMix64(seed: 0x0421)
        let pieces: [[UInt8]] = [Array("全力以赴".utf8), Array("新闻".utf8), Array("abc ".utf8), Array("H".utf8), Array("f".utf8),
                                 Array("W".utf8), Array("@".utf8), Array("`".utf8), Array("h".utf8), Array("12345".utf8),
                                 Array("，".utf8), Array("x".utf8), Array("www".utf8)]
        var stops = 0
        for _ in 0..<1500 {
            var b: [UInt8] = []
            for _ in 0..<Int(rng.next() % 40) { b += pieces[rng.next() % 4 == 0 ? Int(rng.next() % UInt64(pieces.count)) : Int(rng.next() % 2)] }
            for _ in 0..<5 {
                let from = b.isEmpty ? 0 : Int(rng.next() % UInt64(b.count))
                let end = from + Int(rng.next() % UInt64(b.count - from + 1))
                let want = InlineScanner.skipToTriggerScalar(b, from, end)
                #expect(InlineScanner.skipToTrigger(b, from, end) == want, "\(b) \(from) \(end)")
                if want < end { stops += 1 }
            }
        }
        #expect(stops > 500)
    }

    /// The built-in `ocr.broken-line` run on a document: each finding's range and its fix's edits, as text.
    static func brokenLineFindings(_ d: Document) throws -> [String] {
        let rule = try #require(RuleCatalog.loadBuiltIn().rules.first { $0.id == "ocr.broken-line" })
        let check = try #require(rule.check as? BrokenLineCheck)
        let segs = d.segments(for: rule.scope)
        let ctx = CheckContext(document: d, ruleIndex: 0, fixSafety: .safe, message: rule.message, scope: rule.scope,
                               allSegments: segs, texts: SegmentTexts(document: d, segments: segs))
        var found: [Finding] = []
        check.run(ctx, into: &found)
        return found.map { "\($0.range) \($0.fix?.edits.map { "\($0.range)" } ?? [])" }
    }

    /// Eight lines of Chinese text hard-wrapped at 20 characters (`short`: the fourth has 19), then `。`.
    static func wrappedLines(short: Bool = false) -> String {
        let han = Array("我们今天在这里讨论城市发展的各种问题以及未来方向和具体措施")
        let lines = (0..<8).map { k in String((0..<(short && k == 3 ? 19 : 20)).map { han[(k * 3 + $0) % han.count] }) }
        return lines.joined(separator: "\n") + "。\n"
    }

    @Test func brokenLineMeasuresCarriedToTheUpdatedDocument() throws {
        let text = CheckScanTests.wrappedLines()
        func run(_ d: Document) throws -> [String] { try CheckScanTests.brokenLineFindings(d) }
        let doc = Document(text: text)
        let first = try run(doc)
        #expect(first.count == 1, "\(first)")
        // The fourth line loses 15 of its 20 characters: well short of the column, it now ends a paragraph.
        let lineStart = doc.source.lineStarts[3]
        let cut = lineStart + 3 * 5
        var bytes = doc.source.bytes
        bytes.removeSubrange(cut..<(lineStart + 3 * 20))
        let edits = [AppliedEdit(range: cut..<(lineStart + 3 * 20), newLength: 0, touchesLineBreak: false)]
        let newSource = SourceText(String(decoding: bytes, as: UTF8.self))
        let (updated, dirty) = try #require(doc.updated(to: newSource, edits: edits))
        #expect(dirty == [3])
        // The untouched lines' measures came with the document; the edited line's are taken again.
        let before = updated.lineMeasures.withEntries(lineCount: newSource.lineCount) { $0.map { $0.from >= 0 } }
        #expect(before.filter { $0 }.count == 7 && before[3] == false, "\(before)")
        let carried = try run(updated)
        let fresh = try run(Document(text: String(decoding: bytes, as: UTF8.self)))
        #expect(carried == fresh)
        #expect(carried != first, "the shortened line must change the findings")
        let after = updated.lineMeasures.withEntries(lineCount: newSource.lineCount) { $0.map { $0.from >= 0 } }
        #expect(after.filter { $0 }.count == 8)
        // A second run of the same document reads its measures and finds the same.
        #expect(try run(updated) == carried)
    }

    /// The line ends `measureEnd` read are carried too: after an edit that only turns the last character of one line
    /// into `。`, that line's end is read again (and changes the joins), the others' come from the document before.
    @Test func brokenLineEndsCarriedToTheUpdatedDocument() throws {
        // The fourth line of 19 characters: open, a little short of the column, it is wrapped.
        let text = CheckScanTests.wrappedLines(short: true)
        func run(_ d: Document) throws -> [String] { try CheckScanTests.brokenLineFindings(d) }
        let doc = Document(text: text)
        let first = try run(doc)
        #expect(first.count == 1, "\(first)")
        #expect(doc.lineMeasures.withEntries(lineCount: doc.source.lineCount) { $0.filter(\.hasEnd).count } == 8)
        // The fourth line's last character becomes `。` (the same length): short of the column after an ending, the
        // line ends its paragraph now.
        let last = doc.source.lineContent(3).upperBound - 3
        var bytes = doc.source.bytes
        bytes.replaceSubrange(last..<(last + 3), with: Array("。".utf8))
        let edits = [AppliedEdit(range: last..<(last + 3), newLength: 3, touchesLineBreak: false)]
        let newSource = SourceText(String(decoding: bytes, as: UTF8.self))
        let (updated, dirty) = try #require(doc.updated(to: newSource, edits: edits))
        #expect(dirty == [3])
        let before = updated.lineMeasures.withEntries(lineCount: newSource.lineCount) { $0.map(\.hasEnd) }
        #expect(before.filter { $0 }.count == 7 && before[3] == false, "\(before)")
        let carried = try run(updated)
        let fresh = try run(Document(text: String(decoding: bytes, as: UTF8.self)))
        #expect(carried == fresh)
        #expect(carried != first, "the line that now ends with 。 must change the findings")
        let after = updated.lineMeasures.withEntries(lineCount: newSource.lineCount) { $0 }
        #expect(after.filter(\.hasEnd).count == 8)
        #expect(after[3].last == 0x3002 && after[3].hasText)
        #expect(try run(updated) == carried)
    }

    struct SplitMix {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// The width, first character, indent and punctuation of a line, character by character.
    static func measured(_ line: String) -> (width: Int, first: UInt32, indented: Bool, punct: Bool) {
        var width = 0, indent = 0, ideographic = false, punct = false
        var first: UInt32? = nil
        for u in line.unicodeScalars {
            let v = u.value
            if v == 0x20 || v == 0x09 || v == 0xA0 { if first == nil { indent += 1 }; continue }
            if v == 0x3000 { if first == nil { ideographic = true }; continue }
            if first == nil { first = v }
            if v >= 0x4000 && v <= 0x9FFF { width += 2; continue }
            if v < 0x80 { width += 1; continue }
            if !CharClass.of(v).isDisjoint(with: .fullwidthPunct) { punct = true; width += 1 } else { width += DisplayWidth.of(v) }
        }
        return (width, first ?? 0, ideographic || indent >= 2, punct)
    }

    /// `measureStart` of `line` against the character-by-character reference (`measured`).
    static func expectMeasuredAsReference(_ check: BrokenLineCheck, _ line: String) {
        let bytes = Array(line.utf8)
        var l = BrokenLineCheck.Line(content: 0..<bytes.count, block: 0, lastInBlock: false, width: 0, last: 0, lastAt: 0,
                                     first: 0, indented: false, startsArticle: false)
        bytes.withUnsafeBufferPointer { check.measureStart($0, &l) }
        let want = measured(line)
        // A line wider than the widest column is measured no further (its punctuation is then not known).
        let over = want.width > BrokenLineCheck.widestColumn
        #expect(l.width == (over ? BrokenLineCheck.overWidth : want.width), "\(line)")
        #expect(l.first == want.first, "\(line)")
        #expect(l.indented == want.indented, "\(line)")
        if !over { #expect(l.hasPunctuation == want.punct, "\(line)") }
    }

    @Test func brokenLineMeasuresLinesAsCharacterByCharacter() throws {
        let check = try #require(RuleCatalog.loadBuiltIn().rules.first { $0.id == "ocr.broken-line" }?.check as? BrokenLineCheck)
        let lines = CheckScanTests.text.split(separator: "\n").map(String.init) + [
            "\u{3000}\u{3000}全角缩进的段落，“引号”—— …… ｜１２３",
            "  两个空格 indent —‘’′″※§№ ＠＃ ｡･ﾟ",
            "\u{A0}\u{A0}NBSP indent \u{2014}\u{2026}\u{3001}\u{3002}\u{FF01}\u{FF5E}\u{FFE5}\u{2030}\u{203B}",
            "\u{3000}", "   ", "单",
        ]
        for line in lines {
            CheckScanTests.expectMeasuredAsReference(check, line)
        }
    }

    /// `names.stroke-order`'s search for 姓氏笔 (sixteen places at a time, then Horspool on the tail) finds every
    /// occurrence a naive search finds: the key at every alignment and near the end, beside its own first and last
    /// bytes, its first character alone, and the other characters of its lead bytes.
    @Test func strokeKeySearchAgreesWithNaiveSearch() {
        let key = NamesCheck.strokeKey
        let pieces: [[UInt8]] = [key, key, Array("姓氏".utf8), Array("姓".utf8), Array("笔画".utf8), Array("氏笔".utf8),
                                 Array("的是中国".utf8), Array("，".utf8), Array("a".utf8), [0xE5, 0xA7], [0x94], [0xE5]]
        var rng = SplitMix(seed: 0x5EED)
        for round in 0..<500 {
            var b: [UInt8] = []
            for _ in 0..<Int(rng.next() % 60) { b += pieces[Int(rng.next() % UInt64(pieces.count))] }
            var want: [Int] = []
            var i = 0
            while i + key.count <= b.count {
                if Array(b[i..<(i + key.count)]) == key { want.append(i + key.count); i += key.count } else { i += 1 }
            }
            let got = b.withUnsafeBufferPointer { NamesCheck.strokeKeyEnds($0) }
            #expect(got == want, "round \(round)")
        }
    }

    /// The sixteen-byte blocks of `measureStart` cut characters anywhere: random lines of Han, Chinese and other
    /// punctuation, ASCII, spaces of every kind, two- and four-byte characters, at every length and alignment.
    @Test func brokenLineMeasuresRandomLinesAsCharacterByCharacter() throws {
        let check = try #require(RuleCatalog.loadBuiltIn().rules.first { $0.id == "ocr.broken-line" }?.check as? BrokenLineCheck)
        let alphabet = Array("的是国人中发展一丁鿿䀀，。、：；（）“”《》—…·ａＺ１ aZ9.\t\u{A0}\u{3000}é¼ß😀𠮷\u{200B}―‰※ｰﾟ￥".unicodeScalars)
        var rng = SplitMix(seed: 0xC0FFEE)
        for round in 0..<800 {
            var line = ""
            let han = Int(rng.next() % 4)   // how often Han comes, in four steps
            // One line in four long enough to pass the widest column (the measure stops after it).
            for _ in 0..<Int(rng.next() % (round % 4 == 0 ? 420 : 120)) {
                let k = rng.next() % 16 < UInt64(han * 4) ? Int(rng.next() % 11) : Int(rng.next() % UInt64(alphabet.count))
                line.unicodeScalars.append(alphabet[k])
            }
            CheckScanTests.expectMeasuredAsReference(check, line)
        }
    }

    /// Lines wider than the widest column: measured no further, they count as wider than the column beside a real
    /// one, and never make one of their own (six lines of one width of 600 cells would otherwise be a column).
    @Test func brokenLineColumnIgnoresLinesWiderThanTheWidest() throws {
        let over = BrokenLineCheck.overWidth
        let widths = [40, 41, 40, 42, 40, over, 41, 40, 40, 41]
        let c = try #require(BrokenLineCheck.column(widths, firstInBlock: widths.map { _ in false }, punctuated: nil, minLines: 2))
        #expect(c.lo == 40 && c.hi == 42 && c.count == 9)
        // A tenth of the lines may be wider: two over-wide lines of ten are too many.
        let two = [40, 41, 40, 42, over, over, 41, 40, 40, 41]
        #expect(BrokenLineCheck.column(two, firstInBlock: two.map { _ in false }, punctuated: nil, minLines: 2) == nil)
        let wide = [Int](repeating: over, count: 6)
        #expect(BrokenLineCheck.column(wide, firstInBlock: wide.map { _ in false }, punctuated: nil, minLines: 2) == nil)
        // What the measure gives such a line: 300 Han characters are 600 cells.
        let check = try #require(RuleCatalog.loadBuiltIn().rules.first { $0.id == "ocr.broken-line" }?.check as? BrokenLineCheck)
        let bytes = Array(String(repeating: "国", count: 300).utf8)
        var l = BrokenLineCheck.Line(content: 0..<bytes.count, block: 0, lastInBlock: false, width: 0, last: 0, lastAt: 0,
                                     first: 0, indented: false, startsArticle: false)
        bytes.withUnsafeBufferPointer { check.measureStart($0, &l) }
        #expect(l.width == over)
    }

    /// A `phrases` rule that counts only at line starts compares its phrases there in place: the findings (ranges,
    /// fixes and their safety, after a finished sentence, inside a hard-wrapped one, in a headline) are those of the
    /// automaton's scan of the same places, on random texts of phrases, prefixes of them, allowed phrases and
    /// letters in either case.
    @Test(arguments: [false, true])
    func lineStartPhrasesComparedInPlaceAsScanned(ignoreCase: Bool) throws {
        let yaml = TS.ruleYAML(kind: "phrases", extra: """
            left: line-start
            continued-line: skip
            ignore-case: \(ignoreCase)
            phrases:
              - "一一": "——"
              - "一一一": "———"
              - "Ab": "AB"
              - "-- "
            allow: ["一一对应"]
            """, scope: "[body, headline]", fix: "safe")
        let fast = try TS.rule(yaml)
        var slow = fast
        var check = try #require(fast.check as? PhrasesCheck)
        #expect(check.comparesLineStarts && check.phrasesDistinct)
        check.comparesLineStarts = false
        slow.check = check
        let pieces = ["一一", "一一一", "一一对应", "一", "Ab", "aB", "ab", "-- ", "--", "。", "：", "\n", "\n\n", "  ", "　", "进行了核实",
                      "### 标题", "二", "本报讯（记者 张三）"]
        var rng = SplitMix64(seed: ignoreCase ? 2 : 1)
        var findings = 0
        for _ in 0..<300 {
            var text = ""
            for _ in 0..<(8 + Int(rng.next() % 40)) { text += pieces[Int(rng.next() % UInt64(pieces.count))] }
            let doc = Document(path: "a.txt", text: text)
            let a = Linter(rules: [fast], unusedDisable: nil).lint(doc)
            let b = Linter(rules: [slow], unusedDisable: nil).lint(doc)
            #expect(a.map(\.range) == b.map(\.range), "\(text.debugDescription)")
            func fixes(_ ds: [Diagnostic]) -> [String] {
                ds.map { d -> String in
                    guard let f = d.fix else { return "-" }
                    return "\(f.safety) \(f.edits.map(\.replacement))"
                }
            }
            #expect(fixes(a) == fixes(b))
            findings += a.count
        }
        #expect(findings > 100)
    }
}

/// `ocr.broken-line`'s quick test for a page with no column (`BrokenLineCheck.surelyNoColumn`).
@Suite struct BrokenLineQuickTests {
    static func check() throws -> (Rule, BrokenLineCheck) {
        let rule = try #require(RuleCatalog.loadBuiltIn().rules.first { $0.id == "ocr.broken-line" })
        return (rule, try #require(rule.check as? BrokenLineCheck))
    }

    /// The findings (ranges, edits, safety) of `check` on `d`, and whether the quick test said "no column".
    static func run(_ rule: Rule, _ check: BrokenLineCheck, _ d: Document) -> (findings: [String], quick: Bool) {
        let segs = d.segments(for: rule.scope)
        let ctx = CheckContext(document: d, ruleIndex: 0, fixSafety: .safe, message: rule.message, scope: rule.scope,
                               allSegments: segs, texts: SegmentTexts(document: d, segments: segs))
        var found: [Finding] = []
        check.run(ctx, into: &found)
        var inScope = [Bool](repeating: false, count: d.blocks.count)
        for seg in segs where seg.block >= 0 && seg.block < inScope.count { inScope[seg.block] = true }
        let quick = check.surelyNoColumn(d, inScope: inScope, scope: Scope.body.union(.dateline))
        return (found.map { "\($0.range) \($0.fix.map { "\($0.safety)" } ?? "-") \($0.fix?.edits.map { "\($0.range)" } ?? [])" }, quick)
    }

    /// A wrapped paragraph of `lines` lines of 20 characters; `wide` of them (from the top) a paragraph's worth
    /// wider than any column instead (`long`: over 800 bytes).
    static func block(lines: Int, wide: Int, long: Bool, seed: Int) -> String {
        let han = Array("我们今天在这里讨论城市发展的各种问题以及未来方向和具体措施")
        return (0..<lines).map { k in
            let n = k < wide ? (long ? 300 : 120) : 20
            return String((0..<n).map { han[(k * 7 + seed + $0) % han.count] })
        }.joined(separator: "\n") + "。"
    }

    /// At the bound: ten lines of a paragraph followed by another, one of them wider than any column, is a column
    /// with one line too wide (a tenth, allowed): the quick test must not say "no column"; two wide lines are more
    /// than a tenth, and then it says so (and `run` finds nothing either way).
    @Test(arguments: [false, true])
    func aTenthOfWideLinesStillHasAColumn(long: Bool) throws {
        let (rule, check) = try BrokenLineQuickTests.check()
        var slow = check
        slow.quickNoColumn = false
        let one = Document(text: BrokenLineQuickTests.block(lines: 11, wide: 1, long: long, seed: 0) + "\n")
        let a = BrokenLineQuickTests.run(rule, check, one)
        #expect(!a.quick)
        #expect(!a.findings.isEmpty)
        #expect(a.findings == BrokenLineQuickTests.run(rule, slow, one).findings)
        let two = Document(text: BrokenLineQuickTests.block(lines: 11, wide: 2, long: long, seed: 0) + "\n")
        let b = BrokenLineQuickTests.run(rule, check, two)
        #expect(b.quick)
        #expect(b.findings.isEmpty && BrokenLineQuickTests.run(rule, slow, two).findings.isEmpty)
    }

    /// On random pages (wrapped paragraphs, wide one-line paragraphs, lines of spaces only, blank lines, an indent,
    /// a dateline), the findings with the quick test are those without it, and the quick test says "no column" on
    /// many of them.
    @Test func quickTestAgreesWithTheFullDecision() throws {
        let (rule, check) = try BrokenLineQuickTests.check()
        var slow = check
        slow.quickNoColumn = false
        var rng = SplitMix64(seed: 16)
        var quick = 0, withFindings = 0
        for _ in 0..<300 {
            var page = ""
            for _ in 0..<(1 + Int(rng.next() % 6)) {
                switch rng.next() % 6 {
                case 0, 1:
                    let n = 2 + Int(rng.next() % 12)
                    page += BrokenLineQuickTests.block(lines: n, wide: Int(rng.next() % UInt64(n / 3 + 1)), long: rng.next() % 2 == 0, seed: Int(rng.next() % 50))
                case 2:
                    // Paragraphs one per line, most wider than any column; one of only spaces now and then.
                    let n = 2 + Int(rng.next() % 10)
                    page += (0..<n).map { k in
                        rng.next() % 9 == 0 ? "  　" : BrokenLineQuickTests.block(lines: 1, wide: rng.next() % 4 == 0 ? 0 : 1, long: k % 2 == 0, seed: k)
                    }.joined(separator: "\n")
                case 3: page += "　　" + BrokenLineQuickTests.block(lines: 3, wide: 0, long: false, seed: 3)
                case 4: page += "本报讯（记者 张三）" + BrokenLineQuickTests.block(lines: 2, wide: 1, long: true, seed: 4)
                default: page += BrokenLineQuickTests.block(lines: 1, wide: 1, long: false, seed: 5)
                }
                page += rng.next() % 3 == 0 ? "\n" : "\n\n"
            }
            let d = Document(text: page)
            let a = BrokenLineQuickTests.run(rule, check, d)
            let b = BrokenLineQuickTests.run(rule, slow, Document(text: page))
            #expect(a.findings == b.findings, "\(page.debugDescription)")
            if a.quick { quick += 1; #expect(a.findings.isEmpty) }
            if !a.findings.isEmpty { withFindings += 1 }
        }
        #expect(quick > 30 && withFindings > 30, "quick \(quick), with findings \(withFindings)")
    }
}

/// The line-local checks' chunks of segments (`ChunkedSegments`) are those of sharing the list out one segment at a
/// time (each to the chunk its start falls in, in the list's order): on random lists of segments in text order with
/// an unordered tail (the inline roles'), cuts inside, between and beyond them, equal cuts, and no cuts.
@Suite struct ChunkedSegmentsTests {
    @Test func chunksAreTheOneAtATimeSharing() {
        var rng = SplitMix64(seed: 48)
        var nonEmptyTails = 0
        for _ in 0..<400 {
            var segs: [Segment] = []
            var at = 0
            for _ in 0..<Int(rng.next() % 40) {
                at += Int(rng.next() % 5)
                let len = Int(rng.next() % 6)
                segs.append(Segment(range: at..<(at + len), atLineStart: true, atLineEnd: true, block: segs.count))
                at += len
            }
            for _ in 0..<Int(rng.next() % 4) {
                let s = Int(rng.next() % UInt64(at + 1))
                segs.append(Segment(range: s..<s, atLineStart: false, atLineEnd: false, block: -1))
            }
            var cuts = (0..<Int(rng.next() % 6)).map { _ in Int(rng.next() % UInt64(at + 3)) }.sorted()
            if rng.next() % 4 == 0 { cuts.append(Int.max) }
            var want = [[Segment]](repeating: [], count: cuts.count + 1)
            for seg in segs {
                var k = 0
                while k < cuts.count && cuts[k] <= seg.range.lowerBound { k += 1 }
                want[k].append(seg)
            }
            let got = ChunkedSegments(segs, cuts: cuts)
            #expect((0...cuts.count).map { got.chunk($0) } == want, "\(segs.map(\.range)) \(cuts)")
            if got.tail.contains(where: { !$0.isEmpty }) { nonEmptyTails += 1 }
        }
        #expect(nonEmptyTails > 100)
    }
}
