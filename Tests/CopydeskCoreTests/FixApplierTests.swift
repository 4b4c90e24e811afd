import Foundation
import Testing
@testable import CopydeskCore

@Suite struct FixApplierTests {
    func diag(_ id: String, _ r: Range<Int>, _ edits: [Edit], safety: FixSafety = .safe) -> Diagnostic {
        Diagnostic(ruleID: id, severity: .error, message: "m", range: r, fix: Fix(edits: edits, safety: safety))
    }

    @Test func applyOnceSkipsOverlappingEdits() {
        let bytes = Array("abcdef".utf8)
        let a = diag("a", 0..<3, [Edit(range: 0..<3, replacement: "X")])
        let b = diag("b", 2..<5, [Edit(range: 2..<5, replacement: "Y")])      // overlaps a
        let c = diag("c", 5..<6, [Edit(range: 5..<6, replacement: "Z")])      // touches b's end, not a's
        let (out, used) = FixApplier.applyOnce(bytes, [b, c, a], allowUnsafe: false)
        #expect(String(decoding: out, as: UTF8.self) == "XdeZ")
        #expect(used.map(\.ruleID) == ["a", "c"])
    }

    @Test func applyOnceInsertionsAndUnsafe() {
        let bytes = Array("中文English".utf8)
        let ins1 = diag("i1", 6..<6, [Edit(range: 6..<6, replacement: " ")])
        let ins2 = diag("i2", 6..<6, [Edit(range: 6..<6, replacement: "_")])   // a second insertion at the same point
        let unsafe = diag("u", 0..<3, [Edit(range: 0..<3, replacement: "汉")], safety: .unsafe)
        let (out, used) = FixApplier.applyOnce(bytes, [ins1, ins2, unsafe], allowUnsafe: false)
        // Only one of two insertions at the same point is applied in a pass.
        #expect(["中文 English", "中文_English"].contains(String(decoding: out, as: UTF8.self)))
        #expect(used.count == 1)
        let (out2, used2) = FixApplier.applyOnce(bytes, [unsafe], allowUnsafe: true)
        #expect(String(decoding: out2, as: UTF8.self) == "汉文English")
        #expect(used2.count == 1)
        let none = Diagnostic(ruleID: "n", severity: .error, message: "m", range: 0..<1, fix: nil)
        #expect(FixApplier.applyOnce(bytes, [none], allowUnsafe: true).0 == bytes)
    }

    @Test func planKnowsWhetherTheTextChangesAndWriteUsesEachReplacementOnce() {
        // Edits that put back the bytes they replace change nothing: the fixer stops without writing a new text.
        let bytes = Array("中文English，好".utf8)
        let same = diag("s", 0..<3, [Edit(range: 0..<3, replacement: "中")])
        let p0 = FixApplier.plan(bytes, [same], allowUnsafe: false)
        #expect(p0.used == [0] && !p0.changesText)
        // A fix of several edits far apart (each with its own replacement) beside a one-edit fix; every replacement is
        // written once, in text order, and the edits are reported in the old text's offsets.
        let joined = diag("j", 0..<6, [Edit(range: 0..<0, replacement: "「"), Edit(range: 13..<16, replacement: ",")])
        let space = diag("sp", 6..<6, [Edit(range: 6..<6, replacement: " ")])
        let p = FixApplier.plan(bytes, [space, joined], allowUnsafe: false)
        #expect(p.changesText)
        #expect(p.edits.map(\.range) == [0..<0, 6..<6, 13..<16])
        #expect(p.edits.map(\.newLength) == [3, 1, 1])
        #expect(String(decoding: p.replacements, as: UTF8.self) == "「 ,")
        var out: [UInt8] = Array("left over from an earlier pass".utf8)
        FixApplier.write(p, bytes, into: &out)
        #expect(String(decoding: out, as: UTF8.self) == "「中文 English,好")
        #expect(out == FixApplier.applyOnce(bytes, [space, joined], allowUnsafe: false).0)
    }

    /// A reference for one pass: every fix's edits sorted by the total key, taken greedily when none of its edits clashes
    /// with an edit of a fix already taken, then written out in order (no fast path, no halves).
    static func referencePass(_ bytes: [UInt8], _ ds: [Diagnostic]) -> [UInt8] {
        var refs: [(start: Int, end: Int, rule: String, d: Int, k: Int, rep: String)] = []
        for (d, x) in ds.enumerated() { if let f = x.fix, f.safety == .safe { for (k, e) in f.edits.enumerated() { refs.append((e.range.lowerBound, e.range.upperBound, x.ruleID, d, k, e.replacement)) } } }
        refs.sort { a, b in
            if a.start != b.start { return a.start < b.start }
            if (a.start == a.end) != (b.start == b.end) { return a.start == a.end }
            if a.d != b.d { return a.rule != b.rule ? a.rule < b.rule : a.d < b.d }
            return a.k < b.k
        }
        func clash(_ o: (start: Int, end: Int), _ e: (start: Int, end: Int)) -> Bool {
            let (oe, ee) = (o.start == o.end, e.start == e.end)
            if oe && ee { return o.start == e.start }
            func hits(_ x: (start: Int, end: Int), _ y: (start: Int, end: Int)) -> Bool {   // y starts at or after x
                y.start < x.end && x.start < max(y.end, y.start + (y.start == y.end ? 1 : 0)) && !(y.start == y.end && y.start == x.start)
            }
            return o.start <= e.start ? hits(o, e) : hits(e, o)
        }
        var taken: [(start: Int, end: Int)] = [], takenFix = Set<Int>()
        var order: [Int] = []
        for r in refs where !order.contains(r.d) { order.append(r.d) }
        for d in order {
            let mine = refs.filter { $0.d == d }.map { (start: $0.start, end: $0.end) }
            if mine.contains(where: { m in taken.contains { clash($0, m) } }) { continue }
            taken += mine; takenFix.insert(d)
        }
        var out: [UInt8] = [], pos = 0
        for r in refs where takenFix.contains(r.d) {
            if r.start > pos { out += bytes[pos..<r.start] }
            out += Array(r.rep.utf8)
            pos = max(pos, r.end)
        }
        out += bytes[pos...]
        return out
    }

    /// Fixes of one edit each (the plan then decides in its sweep), dense: overlaps, insertions at one point, an
    /// insertion at a replacement's ends, ties broken by rule: taken as the reference takes them.
    @Test func singleEditFixesAreTakenAsTheReferenceTakesThem() {
        var g = SystemRandomNumberGenerator()
        let bytes = Array("中文English, 数字 12 和「引号」。\n甲乙丙丁 abc def。\n".utf8)
        for _ in 0..<300 {
            var ds: [Diagnostic] = []
            var p = Int.random(in: 0..<3, using: &g)
            while p < bytes.count - 4 {
                let len = Int.random(in: 0...3, using: &g)
                let rep = ["", "，", " ", "AB"][Int.random(in: 0..<4, using: &g)]
                ds.append(diag("r\(Int.random(in: 0..<3, using: &g))", p..<(p + len), [Edit(range: p..<(p + len), replacement: rep)]))
                p += Int.random(in: 0..<4, using: &g)
            }
            ds.shuffle(using: &g)
            let (out, _) = FixApplier.applyOnce(bytes, ds, allowUnsafe: false)
            #expect(out == FixApplierTests.referencePass(bytes, ds))
            let used = FixApplier.plan(bytes, ds, allowUnsafe: false).used
            #expect(Set(used).count == used.count && !used.isEmpty)
        }
    }

    /// The sweep that takes the fixes runs in two halves side by side on a large plan (cut where every edit before
    /// ends before the next one starts), and the plan counts the fixes it takes by rule and the lines they start on
    /// as it writes them: the same plan as one sweep, the same counts as counting `used`, the same lines as
    /// `Document.dirtyLines` — random overlapping single-edit fixes and fixes of two edits far apart, sorted or not.
    @Test func planSweptInHalvesCountsAndLinesAreTheSerialOnes() {
        var g = SystemRandomNumberGenerator()
        let bytes = Array((0..<120).map { i in String(repeating: "字a, 12", count: i % 9) + "\n" }.joined().utf8)
        let source = SourceText(trusted: bytes, hasBOM: false)
        var cutSomewhere = 0
        for round in 0..<200 {
            var ds: [Diagnostic] = []
            var p = Int.random(in: 0..<4, using: &g)
            while p < bytes.count - 8 {
                let len = Int.random(in: 0...3, using: &g)
                let rep = ["", "，", " ", "AB"][Int.random(in: 0..<4, using: &g)]
                let r = Int.random(in: 0..<3, using: &g)
                ds.append(Diagnostic(ruleID: "r\(r)", severity: .error, message: "m", range: p..<(p + len),
                                     fix: Fix(edits: [Edit(range: p..<(p + len), replacement: rep)], safety: .safe), ruleIndex: r))
                if round % 4 == 3 && p > 8 && Int.random(in: 0..<15, using: &g) == 0 {
                    ds.append(Diagnostic(ruleID: "r3", severity: .error, message: "m", range: p..<(p + 1),
                                         fix: Fix(edits: [Edit(range: (p - 4)..<(p - 4), replacement: "「"), Edit(range: (p + 6)..<(p + 7), replacement: "」")],
                                                  safety: .safe), ruleIndex: 3))
                }
                p += Int.random(in: 0..<(round % 2 == 0 ? 3 : 30), using: &g)
            }
            if round % 3 == 0 { ds.shuffle(using: &g) }
            let (serial, halves) = ds.withUnsafeBufferPointer { b in
                (FixApplier.plan(bytes, items: DiagnosticFixes(ds: b), allowUnsafe: false, lines: source, sweepInHalves: .max),
                 FixApplier.plan(bytes, items: DiagnosticFixes(ds: b), allowUnsafe: false, lines: source, ruleCount: 4, sweepInHalves: 16))
            }
            #expect(halves.edits == serial.edits && halves.used == serial.used && halves.replacements == serial.replacements)
            var counted = [Int](repeating: 0, count: 4)
            for u in serial.used { counted[ds[u].ruleIndex] += 1 }
            #expect(halves.usedByRule == counted)
            #expect(serial.usedByRule == nil)
            #expect(halves.dirtyLines == Document.dirtyLines(source, halves.edits))
            #expect(!serial.sweptInHalves)
            if halves.sweptInHalves { cutSomewhere += 1 }
        }
        #expect(cutSomewhere > 50)
    }

    @Test func largeTextsAreWrittenInTwoHalvesAsInOne() {
        // Over 1 MB the new text is written in two halves side by side; the plan's order is taken as it comes when
        // it already rises (sorted diagnostics), else sorted. Both against a plain reference, several times.
        var g = SystemRandomNumberGenerator()
        let line = Array("中文English, 数字 12 和「引号」。\n".utf8)
        var bytes: [UInt8] = []
        while bytes.count < (1 << 20) + 4096 { bytes += line }
        for round in 0..<4 {
            var ds: [Diagnostic] = []
            var p = Int.random(in: 0..<40, using: &g)
            while p < bytes.count - 8 {
                let len = Int.random(in: 0...3, using: &g)
                let rep = ["", "，", " ", "AB", "\u{3000}"][Int.random(in: 0..<5, using: &g)]
                ds.append(diag("r\(Int.random(in: 0..<3, using: &g))", p..<(p + len), [Edit(range: p..<(p + len), replacement: rep)]))
                if round >= 2 && p > 10 && Int.random(in: 0..<10, using: &g) == 0 {   // out of order: a fix whose edit lies before its range, two-edit fixes
                    ds.append(diag("m", p..<(p + 1), [Edit(range: (p - 2)..<(p - 2), replacement: "「"), Edit(range: (p + 5)..<(p + 6), replacement: "」")]))
                }
                p += Int.random(in: 1..<3000, using: &g)
            }
            if round % 2 == 1 { ds.sort { $0.range.lowerBound < $1.range.lowerBound } }
            let expected = FixApplierTests.referencePass(bytes, ds)
            let (out, _) = FixApplier.applyOnce(bytes, ds, allowUnsafe: false)
            #expect(out == expected)
            // Written into a buffer left from an earlier pass, larger and smaller than the new text.
            let plan = FixApplier.plan(bytes, ds, allowUnsafe: false)
            // Line breaks under the edits read from the line table: the same edits.
            let withLines = FixApplier.plan(bytes, ds, allowUnsafe: false, lines: SourceText(trusted: bytes, hasBOM: false))
            #expect(withLines.edits == plan.edits && withLines.used == plan.used && withLines.replacements == plan.replacements)
            #expect(plan.edits.contains { $0.touchesLineBreak })
            for spare in [[UInt8](repeating: 7, count: bytes.count * 2), [UInt8](repeating: 7, count: 10), Array(bytes.prefix(bytes.count - 100))] {
                var buffer = spare
                buffer.reserveCapacity(spare.count == 10 ? 0 : bytes.count * 2)
                FixApplier.write(plan, bytes, into: &buffer)
                #expect(buffer == expected)
            }
        }
    }

    /// A plan applied in the text's own buffer gives what `write` gives into another one: random texts and edits
    /// (insertions, deletions, replacements longer and shorter, runs of stretches that move right and left, edits
    /// at the ends), a buffer without room (nothing written), and plans that reproduce the text.
    @Test func planAppliedInPlaceIsThePlanWrittenElsewhere() {
        var g = CheckScanTests.SplitMix(seed: 42)
        let reps: [[UInt8]] = [[], Array("，".utf8), [0x20], Array("AB".utf8), Array("\u{3000}".utf8), Array("xyz—".utf8)]
        var grown = 0, shrunk = 0
        for round in 0..<400 {
            let n = Int(g.next() % 300)
            let text = (0..<n).map { _ in UInt8(0x61 + g.next() % 26) }
            var edits: [AppliedEdit] = [], replacements: [UInt8] = []
            var p = Int(g.next() % 4)
            // Some rounds mostly insert (the text grows everywhere), some mostly delete.
            let bias = round % 3
            while p <= n {
                let len = min(n - p, Int(g.next() % (bias == 1 ? 6 : 3)))
                var rep = reps[Int(g.next() % UInt64(reps.count))]
                if bias == 0 && len == 0 && rep.isEmpty { rep = [0x20] }
                if bias == 1 && g.next() % 2 == 0 { rep = [] }
                edits.append(AppliedEdit(range: p..<(p + len), newLength: rep.count, touchesLineBreak: false))
                replacements += rep
                p += len + Int(g.next() % 20) + (len == 0 ? 1 : 0)
            }
            var plan = FixApplier.Plan()
            plan.edits = edits
            plan.replacements = replacements
            plan.changesText = true
            var expected: [UInt8] = []
            FixApplier.write(plan, text, into: &expected)
            #expect(FixApplier.reproduces(plan, text) == (expected == text))
            var buffer = text
            buffer.reserveCapacity(max(text.count, expected.count) + Int(g.next() % 8))
            if expected.count > text.count { grown += 1 } else if expected.count < text.count { shrunk += 1 }
            #expect(FixApplier.applyInPlace(plan, &buffer), "round \(round)")
            #expect(buffer == expected, "round \(round): \(String(decoding: text, as: UTF8.self))")
            // In two halves side by side (as on a large text).
            var halves = text
            halves.reserveCapacity(max(text.count, expected.count))
            #expect(FixApplier.applyInPlace(plan, &halves, parallelFrom: 0), "round \(round)")
            #expect(halves == expected, "round \(round), halves: \(String(decoding: text, as: UTF8.self))")
            // The halves one after the other, in both orders: each overwrites what the other reads unless the
            // bytes were copied aside (a text that grows: the second half's first bytes; one that shrinks: the
            // first half's last ones).
            for order in [true, false] {
                var serial = text
                serial.reserveCapacity(max(text.count, expected.count))
                #expect(FixApplier.applyInPlace(plan, &serial, parallelFrom: 0, serialOrder: order), "round \(round)")
                #expect(serial == expected, "round \(round), halves in order \(order): \(String(decoding: text, as: UTF8.self))")
            }
            // No room: nothing done.
            if expected.count > text.count {
                var tight = Array(text)
                tight.reserveCapacity(text.count)
                if tight.capacity < expected.count {
                    #expect(!FixApplier.applyInPlace(plan, &tight))
                    #expect(tight == text)
                }
            }
        }
        #expect(grown > 50 && shrunk > 50)
        // Edits that undo one another: the same text, seen without writing it.
        let text = Array("abcabc".utf8)
        var plan = FixApplier.Plan()
        plan.edits = [AppliedEdit(range: 0..<1, newLength: 0, touchesLineBreak: false), AppliedEdit(range: 3..<3, newLength: 1, touchesLineBreak: false)]
        plan.replacements = Array("a".utf8)
        plan.changesText = true
        #expect(!FixApplier.reproduces(plan, text))   // "bcaabc"
        plan.edits = [AppliedEdit(range: 1..<2, newLength: 1, touchesLineBreak: false)]
        plan.replacements = Array("b".utf8)
        #expect(FixApplier.reproduces(plan, text))
    }

    @Test func planInPartsIsThePlanInOne() {
        // A large page's diagnostics are read in two parts side by side: the same plan as in one, with fixes of
        // several edits, ties at one byte, insertions and edits out of order, and a part boundary anywhere.
        var g = SystemRandomNumberGenerator()
        let bytes = Array(String(repeating: "中文English, 数字 12 和「引号」。\n", count: 3000).utf8)
        for _ in 0..<3 {
            var ds: [Diagnostic] = []
            var p = 8
            while p < bytes.count - 16 {
                let len = Int.random(in: 0...3, using: &g)
                let rep = ["", "，", " ", "\n"][Int.random(in: 0..<4, using: &g)]
                ds.append(diag("r\(Int.random(in: 0..<3, using: &g))", p..<(p + len), [Edit(range: p..<(p + len), replacement: rep)]))
                if Int.random(in: 0..<20, using: &g) == 0 {
                    ds.append(diag("m", p..<(p + 1), [Edit(range: (p - 3)..<(p - 3), replacement: "「"), Edit(range: (p + 9)..<(p + 10), replacement: "」")]))
                }
                p += Int.random(in: 0..<12, using: &g)
            }
            // Under 32k diagnostics: one part. The same fixes among findings without a fix, 40k and more in all: two
            // parts, cut anywhere among them (the used indices are those of the longer list).
            #expect(ds.count < 1 << 15)
            let one = FixApplier.plan(bytes, ds, allowUnsafe: false)
            let spread = max(1, (1 << 15) / ds.count + 1)
            let none = Diagnostic(ruleID: "n", severity: .info, message: "m", range: 0..<0, fix: nil)
            var padded: [Diagnostic] = []
            for d in ds { padded.append(d); for _ in 0..<spread { padded.append(none) } }
            #expect(padded.count >= 1 << 15)
            let two = FixApplier.plan(bytes, padded, allowUnsafe: false, lines: SourceText(trusted: bytes, hasBOM: false))
            #expect(two.edits == one.edits && two.replacements == one.replacements && two.changesText == one.changesText)
            #expect(two.used.map { $0 / (spread + 1) } == one.used && two.used.allSatisfy { $0 % (spread + 1) == 0 })
        }
    }

    @Test func editedLineTablesAreTheScannedOnes() {
        // The fixer's later passes move the old line table by the edits' growth instead of scanning the new text.
        var g = SystemRandomNumberGenerator()
        let text = (0..<200).map { i in String(repeating: "字a,", count: i % 7) + (i % 5 == 0 ? "" : " 行") }.joined(separator: "\n") + "\n"
        let bytes = Array(text.utf8)
        for _ in 0..<50 {
            var ds: [Diagnostic] = []
            var p = 0
            while p < bytes.count {
                if bytes[p] != 0x0A && Int.random(in: 0..<4, using: &g) == 0 {
                    var len = Int.random(in: 0...2, using: &g)
                    while len > 0 && bytes[p..<min(bytes.count, p + len)].contains(0x0A) { len -= 1 }
                    let rep = ["", "，", "xyz", " "][Int.random(in: 0..<4, using: &g)]
                    ds.append(diag("r", p..<(p + len), [Edit(range: p..<(p + len), replacement: rep)]))
                }
                p += Int.random(in: 1..<6, using: &g)
            }
            // Insertions at line starts, too.
            if let l = bytes.indices.first(where: { i in i > 0 && bytes[i - 1] == 0x0A && !ds.contains { d in d.range.lowerBound == i } }) {
                ds.append(diag("s", l..<l, [Edit(range: l..<l, replacement: "起")]))
            }
            let plan = FixApplier.plan(bytes, ds, allowUnsafe: false)
            var out: [UInt8] = []
            FixApplier.write(plan, bytes, into: &out)
            let old = SourceText(trusted: bytes, hasBOM: false)
            let scanned = SourceText(trusted: out, hasBOM: false)
            let edited = SourceText(edited: old, to: out, edits: plan.edits)
            #expect(edited?.lineStarts == scanned.lineStarts)
            #expect(edited?.usesCRLF == scanned.usesCRLF)
        }
        // A text with a CR is scanned (an edit between CR and LF would part them).
        let crlf = SourceText(trusted: Array("a\r\nb\r\n".utf8), hasBOM: false)
        #expect(SourceText(edited: crlf, to: Array("a\rx\nb\r\n".utf8), edits: [AppliedEdit(range: 2..<2, newLength: 1, touchesLineBreak: false)]) == nil)
    }

    @Test func diagnosticsShareTheirRulesLabelUntilOneChanges() {
        var d = Diagnostic(ruleID: "a.b", severity: .warning, message: "消息", range: 3..<4, fix: nil, ruleIndex: 7)
        let copy = d
        d.message = "另一条"
        #expect(d.ruleID == "a.b" && d.message == "另一条" && d.ruleIndex == 7)
        #expect(copy.message == "消息")
        d.ruleID = "c.d"
        #expect(d.ruleID == "c.d" && d.message == "另一条" && copy.ruleID == "a.b")
        #expect(MemoryLayout<Diagnostic>.stride <= 80)
        #expect(MemoryLayout<Finding>.stride <= 88)
    }

    @Test func fixesStartingAtOneByteWinByRuleOrderWhateverTheInputOrder() {
        // Two fixes starting at the same byte overlap: the one whose rule comes first in the linter's rule order
        // (rule id) wins, in every order of the input; an insertion there still goes first.
        let bytes = Array("张三,李四".utf8)
        let comma = 6..<7
        let enumeration = diag("punctuation.enumeration-comma", comma, [Edit(range: comma, replacement: "、")])
        let fullWidth = diag("punctuation.halfwidth-in-chinese", comma, [Edit(range: comma, replacement: "，")])
        let longer = diag("zz.longer", 6..<10, [Edit(range: 6..<10, replacement: "，李")])
        let inputs: [[Diagnostic]] = [[enumeration, fullWidth, longer], [fullWidth, enumeration, longer],
                                      [longer, fullWidth, enumeration], [longer, enumeration, fullWidth]]
        for input in inputs {
            let (out, used) = FixApplier.applyOnce(bytes, input, allowUnsafe: false)
            #expect(String(decoding: out, as: UTF8.self) == "张三、李四")
            #expect(used.map(\.ruleID) == ["punctuation.enumeration-comma"])
        }
        // Many candidates at one byte (enough to make an unstable sort reorder them): still the first rule id.
        var many = (0..<64).map { k in diag(String(format: "r%02d", 63 - k), comma, [Edit(range: comma, replacement: "\(63 - k)")]) }
        for _ in 0..<5 {
            many.shuffle()
            let (out, used) = FixApplier.applyOnce(bytes, many, allowUnsafe: false)
            #expect(String(decoding: out, as: UTF8.self) == "张三0李四")
            #expect(used.map(\.ruleID) == ["r00"])
        }
        // One rule twice at one byte: the diagnostic that comes first wins.
        let a = diag("same", comma, [Edit(range: comma, replacement: "A")]), b = diag("same", comma, [Edit(range: comma, replacement: "B")])
        #expect(String(decoding: FixApplier.applyOnce(bytes, [a, b], allowUnsafe: false).0, as: UTF8.self) == "张三A李四")
        #expect(String(decoding: FixApplier.applyOnce(bytes, [b, a], allowUnsafe: false).0, as: UTF8.self) == "张三B李四")
        // Insertions at one point: likewise by rule id (the old test allowed either).
        let i1 = diag("i1", 6..<6, [Edit(range: 6..<6, replacement: " ")]), i2 = diag("i2", 6..<6, [Edit(range: 6..<6, replacement: "_")])
        #expect(String(decoding: FixApplier.applyOnce(bytes, [i2, i1], allowUnsafe: false).0, as: UTF8.self) == "张三 ,李四")
    }

    @Test func farApartEditsDoNotBlockFixesBetweenThem() {
        // A joined paragraph: edits at 2 and 8. A fix at 5 lies between them but overlaps neither, so both apply
        // in the same pass (a fixer that tracked only the furthest end would defer the inner fix).
        let bytes = Array("0123456789".utf8)
        let join = diag("join", 2..<3, [Edit(range: 2..<3, replacement: ""), Edit(range: 8..<9, replacement: "")])
        let inner = diag("inner", 5..<6, [Edit(range: 5..<6, replacement: "X")])
        let (out, used) = FixApplier.applyOnce(bytes, [inner, join], allowUnsafe: false)
        #expect(String(decoding: out, as: UTF8.self) == "0134X679")
        #expect(Set(used.map(\.ruleID)) == ["join", "inner"])
    }

    @Test func runsOfHalfwidthPunctuationConvergeInOnePass() throws {
        // `。? ? ?`: each converted `?` makes the next one follow full-width punctuation; the scanner treats a
        // converted character as its replacement, so the whole run is fixed in one pass, not one per pass.
        let rule = try #require(RuleCatalog.loadBuiltIn().rule("punctuation.halfwidth-in-chinese"))
        let doc = Document(path: "a.txt", text: "好吗。?!?\n")
        let ds = Linter(rules: [rule], unusedDisable: nil).lint(doc)
        #expect(ds.count == 3)
        let (out, _) = FixApplier.applyOnce(doc.bytes, ds, allowUnsafe: false)
        #expect(String(decoding: out, as: UTF8.self) == "好吗。？！？\n")
    }

    @Test func multiEditFixIsAllOrNothing() {
        let bytes = Array("0123456789".utf8)
        let first = diag("first", 1..<3, [Edit(range: 1..<3, replacement: "")])
        // One of its edits overlaps `first`: the whole fix waits for the next pass.
        let pair = diag("pair", 2..<9, [Edit(range: 2..<4, replacement: "["), Edit(range: 8..<9, replacement: "]")])
        let (out, used) = FixApplier.applyOnce(bytes, [first, pair], allowUnsafe: false)
        #expect(String(decoding: out, as: UTF8.self) == "03456789")
        #expect(used.map(\.ruleID) == ["first"])
    }

    /// Two pattern rules whose matches overlap: the second is applied in a later pass.
    @Test func overlappingFixesConvergeOverPasses() throws {
        let a = try TS.rule(TS.ruleYAML(kind: "pattern", extra: "pattern: 'A B'\nreplace: 'AB'", fix: "safe"), id: "t/a.yml")
        let b = try TS.rule(TS.ruleYAML(kind: "pattern", extra: "pattern: 'B C'\nreplace: 'BC'", fix: "safe"), id: "t/b.yml")
        let linter = Linter(rules: [a, b], unusedDisable: nil)
        let text = "x A B C y\n"
        let first = linter.lint(Document(path: "a.txt", text: text))
        #expect(first.map(\.ruleID) == ["t.a", "t.b"])
        #expect(first[0].range.overlaps(first[1].range))
        let out = FixApplier.fix(SourceText(text), path: "a.txt", linter: linter, allowUnsafe: false)
        #expect(String(decoding: out.bytes, as: UTF8.self) == "x ABC y\n")
        #expect(out.applied == ["t.a": 1, "t.b": 1])
        #expect(out.changed)
        #expect(out.unconverged.isEmpty)
    }

    @Test func fixingIsIdempotent() throws {
        let linter = try TS.defaultLinter()
        let text = "扎紧扎密疫情防控篱笆 墙 ，全 力 以 赴 打 赢 疫 情 防 控 阻 击\n战。  \n"
        let once = FixApplier.fix(SourceText(text), path: "page.txt", linter: linter, allowUnsafe: false)
        let fixed = String(decoding: once.bytes, as: UTF8.self)
        #expect(fixed == "扎紧扎密疫情防控篱笆墙，全力以赴打赢疫情防控阻击\n战。\n")
        #expect(once.applied["spacing.han-space-han"] == 12)
        #expect(once.applied["spacing.space-around-fullwidth-punct"] == 1)
        #expect(once.applied["spacing.trailing-whitespace"] == 1)
        #expect(linter.lint(Document(path: "page.txt", text: fixed)).isEmpty)
        let twice = FixApplier.fix(SourceText(fixed), path: "page.txt", linter: linter, allowUnsafe: false)
        #expect(!twice.changed)
        #expect(twice.bytes == once.bytes)
        #expect(twice.applied.isEmpty)
    }

    @Test func nothingToFix() throws {
        let out = FixApplier.fix(SourceText("全力以赴。\n"), path: "a.txt", linter: try TS.defaultLinter(), allowUnsafe: false)
        #expect(!out.changed)
        #expect(out.bytes == Array("全力以赴。\n".utf8))
    }

    @Test func crlfAndBomArePreserved() throws {
        let raw: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("全 力 以\r\n赴 打 赢 。\r\n".utf8)
        let src = try SourceText(validating: raw)
        let out = FixApplier.fix(src, path: "a.txt", linter: try TS.defaultLinter(), allowUnsafe: false)
        // The fixer works on the bytes after the BOM; the BOM stays with the SourceText.
        #expect(out.bytes == Array("全力以\r\n赴打赢。\r\n".utf8))
        #expect(src.hasBOM)
        #expect(out.applied["spacing.han-space-han"] == 4)
    }

    @Test func markdownCodeIsLeftAlone() throws {
        let text = "```\n全 力\n```\n\n全 力 以 赴 `a  b` 打 赢 疫 情\n"
        let out = FixApplier.fix(SourceText(text), path: "a.md", linter: try TS.defaultLinter(), allowUnsafe: false)
        #expect(String(decoding: out.bytes, as: UTF8.self) == "```\n全 力\n```\n\n全力以赴 `a  b` 打赢疫情\n")
    }

    @Test func disabledRegionsAreNotFixed() throws {
        let text = "<!-- copydesk-disable-next-line -->\n全 力 以\n打 赢 疫\n"
        let out = FixApplier.fix(SourceText(text), path: "a.md", linter: try TS.defaultLinter(), allowUnsafe: false)
        #expect(String(decoding: out.bytes, as: UTF8.self) == "<!-- copydesk-disable-next-line -->\n全 力 以\n打赢疫\n")
    }
}

@Suite struct UnifiedDiffTests {
    @Test func singleChangedLine() {
        let d = UnifiedDiff.render(old: Array("a\nb\nc\n".utf8), new: Array("a\nB\nc\n".utf8), path: "p.txt")
        #expect(d == "--- p.txt\n+++ p.txt\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n")
    }

    @Test func noChangeIsEmpty() {
        #expect(UnifiedDiff.render(old: Array("a\n".utf8), new: Array("a\n".utf8), path: "p") == "")
    }

    @Test func contextIsLimitedAndHunksSplit() {
        let old = (1...20).map { "line\($0)\n" }.joined()
        var newLines = (1...20).map { "line\($0)\n" }
        newLines[1] = "LINE2\n"
        newLines[17] = "LINE18\n"
        let d = UnifiedDiff.render(old: Array(old.utf8), new: Array(newLines.joined().utf8), path: "p")
        let hunks = d.split(separator: "\n").filter { $0.hasPrefix("@@") }
        #expect(hunks == ["@@ -1,5 +1,5 @@", "@@ -15,6 +15,6 @@"])
        #expect(d.contains("-line2\n+LINE2\n"))
        #expect(d.contains("-line18\n+LINE18\n"))
        #expect(!d.contains(" line9\n"))
    }

    @Test func missingFinalNewlineIsMarked() {
        let d = UnifiedDiff.render(old: Array("全 力".utf8), new: Array("全力".utf8), path: "p")
        #expect(d == "--- p\n+++ p\n@@ -1,1 +1,1 @@\n-全 力\n\\ No newline at end of file\n+全力\n\\ No newline at end of file\n")
    }

    @Test func crlfLinesKeepTheirCarriageReturn() {
        let d = UnifiedDiff.render(old: Array("a\r\nb\r\n".utf8), new: Array("a\r\nc\r\n".utf8), path: "p")
        // Bug (Fixes/UnifiedDiff.swift, `show`): `"b\r\n".hasSuffix("\n")` is false for a Swift String because
        // "\r\n" is one Character, so every CRLF line is followed by "\ No newline at end of file".
        #expect(d == "--- p\n+++ p\n@@ -1,2 +1,2 @@\n a\r\n-b\r\n+c\r\n")
        #expect(d.contains("-b\r\n"))
    }

    /// The edit script takes every old line once (kept or deleted) and every new line once (kept or inserted), in
    /// order, and keeps only equal lines: applying it gives the new text. Checked on random texts with a few edits
    /// (Myers' shortest script) and with thousands (past `maxMyersSteps`: the greedy walk), lines edited in place,
    /// inserted, deleted, joined and split, blank lines and CRLF among them.
    @Test func editScriptsRebuildTheNewText() {
        var rng = SystemRandomNumberGenerator()
        let pool = ["全力以赴\n", "\n", "第二段 文字\r\n", "Latin and 中文\n", "同一行\n", "\n", "尾行"]
        for round in 0..<12 {
            let n = round < 8 ? Int.random(in: 0...60, using: &rng) : 6_000
            var old: [String] = (0..<n).map { _ in pool.randomElement(using: &rng)! }
            if let last = old.last, !last.hasSuffix("\n") { old[old.count - 1] = last + "\n" }
            var new = old
            let edits = round < 8 ? Int.random(in: 0...6, using: &rng) : 2_500
            for _ in 0..<edits {
                let k = new.isEmpty ? 0 : Int.random(in: 0..<new.count, using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0 where !new.isEmpty: new[k] = new[k].replacingOccurrences(of: " ", with: "") + (new[k].hasSuffix("\n") ? "" : "\n")
                case 1: new.insert("新行 \(k)\n", at: k)
                case 2 where !new.isEmpty: new.remove(at: k)
                default: if !new.isEmpty { new[k] = "改 \(k)\n" }
                }
            }
            let a = UnifiedDiff.Lines(Array(old.joined().utf8)), b = UnifiedDiff.Lines(Array(new.joined().utf8))
            let ops = UnifiedDiff.diff(a, b)
            var oldSeen: [Int] = [], newSeen: [Int] = []
            for op in ops {
                switch op.kind {
                case .same:
                    #expect(UnifiedDiff.same(a, op.oldIndex, b, op.newIndex))
                    oldSeen.append(op.oldIndex); newSeen.append(op.newIndex)
                case .delete: oldSeen.append(op.oldIndex)
                case .insert: newSeen.append(op.newIndex)
                }
            }
            #expect(oldSeen == Array(0..<a.count), "round \(round)")
            #expect(newSeen == Array(0..<b.count), "round \(round)")
        }
    }

    /// A large page with a change on most lines (what `--fix` does to a hard-wrapped OCR page): the diff is quick
    /// and small in memory, shows each run of changed lines as its old lines then its new ones (as `diff -u` does),
    /// and counts every changed line once on each side.
    @Test func manyChangedLinesPairUp() {
        var old = "", new = ""
        for k in 0..<40_000 {
            let line = "第 \(k) 行 全 力 以 赴\n"
            old += line
            new += k % 5 == 4 ? line : line.replacingOccurrences(of: " ", with: "")
        }
        let start = Date()
        let d = UnifiedDiff.render(old: Array(old.utf8), new: Array(new.utf8), path: "p")
        #expect(Date().timeIntervalSince(start) < 20)
        let block = (0..<4).map { "-第 \($0) 行 全 力 以 赴\n" }.joined() + (0..<4).map { "+第\($0)行全力以赴\n" }.joined()
        #expect(d.contains(block + " 第 4 行 全 力 以 赴\n"))
        #expect(d.hasSuffix("-第 39998 行 全 力 以 赴\n+第39995行全力以赴\n+第39996行全力以赴\n+第39997行全力以赴\n+第39998行全力以赴\n 第 39999 行 全 力 以 赴\n"))
        let lines = d.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.filter { $0.hasPrefix("-") && !$0.hasPrefix("---") }.count == 32_000)
        #expect(lines.filter { $0.hasPrefix("+") && !$0.hasPrefix("+++") }.count == 32_000)
    }

    @Test func insertionsAndDeletions() {
        let d = UnifiedDiff.render(old: Array("a\nb\n".utf8), new: Array("a\nx\nb\n".utf8), path: "p")
        #expect(d == "--- p\n+++ p\n@@ -1,2 +1,3 @@\n a\n+x\n b\n")
        let e = UnifiedDiff.render(old: Array("a\nb\n".utf8), new: Array("".utf8), path: "p")
        #expect(e == "--- p\n+++ p\n@@ -1,2 +0,0 @@\n-a\n-b\n")
    }
}

/// After its first pass the fixer re-reads only the lines its edits touched (and those whose segments changed).
/// Whatever the text, that must give exactly what parsing and linting the whole text on every pass gives.
@Suite struct IncrementalFixTests {
    static func linter(_ style: String) throws -> Linter {
        let config = try Config.parse("style: \(style)\n", file: "/inc/.lintrc.yml", directory: "/inc")
        return Linter(try RuleSet.build(config: config, catalog: RuleCatalog.loadBuiltIn()))
    }

    /// Inputs: every conformance `before`, the examples, the OCR sample when present, and random drafts that mix
    /// headlines, bylines, datelines with credits, URLs, letterspacing, half-width punctuation and hard breaks.
    static func inputs() -> [(String, String)] {
        var out: [(String, String)] = ConformanceFixture.pairs.map { ($0.format == "markdown" ? "c.md" : "c.txt", $0.before) }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let files = ["examples/ocr-page.txt", "examples/clean-print.txt", "examples/cold-wave.txt", "examples/web/guide.md",
                     "../shared/samples/ocr-county-page.txt"]
        for f in files {
            if let t = try? String(contentsOf: root.appendingPathComponent(f), encoding: .utf8) { out.append((f, t)) }
        }
        // A fix on one line changes the role of another: the last line, letterspaced, is 43 characters long (too
        // long for a headline); joined it is 22, a headline candidate, and the line above it becomes a headline too
        // (where U+3000 is a headline pause, not an OCR defect).
        let spaced = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥".map(String.init).joined(separator: " ")
        out.append(("role.txt", "前文结束。\n\n整改基本到位\u{3000}细节有待完善\n\n" + spaced + "\n"))
        var rng = SystemRandomNumberGenerator()
        let pieces = ["全力以赴", "全 力 以 赴", "市委 书记", "，", " ，", "。 ", "、", "：", ",", ".", "!", "?", "（", "）", "(", ")",
                      "12 月 14 日", "12月14日", "GDP", " GDP ", "iPhone", "5G", "3.5", "%", " %", "-5℃", "  ", "\u{3000}", " ",
                      "https://example.com/a", "“", "”", "…", "...", "——", "一一", "１２", "本报讯（记者 张三）", "记者 李四",
                      "新华社北京12月14日电", "整改基本到位 细节有待完善", "\t"]
        for _ in 0..<300 {
            var lines: [String] = []
            for _ in 0..<Int.random(in: 1...12, using: &rng) {
                switch Int.random(in: 0..<6, using: &rng) {
                case 0: lines.append("")
                case 1: lines.append((0..<Int.random(in: 1...4, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined())
                default: lines.append((0..<Int.random(in: 3...30, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined())
                }
            }
            out.append(("r.txt", lines.joined(separator: "\n")))
        }
        return out
    }

    @Test(arguments: ["print", "pangu"])
    func incrementalPassesEqualFullPasses(style: String) throws {
        let linter = try Self.linter(style)
        var multiPass = 0
        for (path, text) in Self.inputs() {
            for unsafe in [false, true] {
                let src = SourceText(text)
                let a = FixApplier.fix(src, path: path, linter: linter, allowUnsafe: unsafe, incremental: true)
                let b = FixApplier.fix(src, path: path, linter: linter, allowUnsafe: unsafe, incremental: false)
                #expect(a.bytes == b.bytes, "\(path): \(text.debugDescription)")
                #expect(a.applied == b.applied, "\(path): \(text.debugDescription)")
                #expect(a.unconverged == b.unconverged)
                let key = { (d: Diagnostic) in "\(d.ruleID) \(d.range) \(d.message) \(d.fix?.edits.map { "\($0.range)=\($0.replacement)" } ?? [])" }
                #expect(a.remaining.map(key) == b.remaining.map(key), "\(path): \(text.debugDescription)")
                if a.changed { multiPass += 1 }
            }
        }
        #expect(multiPass > 100)   // the inputs do go through passes after the first
    }

    /// The fixer's events for a writer (`FixApplier.FixedText`), with every text counted as large: read as a writer
    /// does (a tentative text waits; `confirmed` commits the last one; a later text drops it; `final` commits its
    /// own), they commit exactly once, the fixed text, and only when it changed; a `confirmed` never follows a pass
    /// that changed the text since its tentative one. At the default size a small text gets one `final` event.
    @Test(arguments: ["print", "pangu"])
    func fixedTextEventsCommitTheFixedTextOnce(style: String) throws {
        let linter = try Self.linter(style)
        var confirmedLate = 0, superseded = 0
        // Drafts the random inputs gave that take a third pass (print style, then pangu style).
        let thirdPass = [
            " GDP ?。 %12 月 14 日...https://example.com/a整改基本到位 细节有待完善市委 书记3.5 GDP \n5G!记者 李四整改基本到位 细节有待完善12 月 14 日GDP全 力 以 赴?。 .（）市委 书记5G)5G新华社北京12月14日电全力以赴全 力 以 赴!\t...记者 李四 ，１２）全力以赴\n“\t、 ，“全力以赴 GDP   。 一一全力以赴)\t新华社北京12月14日电,本报讯（记者 张三）…记者 李四\n（iPhone %?,.-5℃,iPhonehttps://example.com/a\n\n，１２——!.全 力 以 赴\n  …整改基本到位 细节有待完善\n一一：新华社北京12月14日电12月14日，!整改基本到位 细节有待完善）全力以赴%\n全力以赴.%-5℃...（!https://example.com/a本报讯（记者 张三）　!(。 ：5G-5℃本报讯（记者 张三）3.55G….GDPGDP　)iPhone（整改基本到位 细节有待完善。 \n\nhttps://example.com/a、...全力以赴”.一一全力以赴。 、全 力 以 赴(市委 书记?”GDP? 。 （——”、(——全力以赴１２3.5市委 书记",
            "%GDP  新华社北京12月14日电一一-5℃ GDP 3.5-5℃（!整改基本到位 细节有待完善　一一：12 月 14 日全力以赴记者 李四3.5本报讯（记者 张三）\n\n一一——5G\n 。 …）,\t,  GDP本报讯（记者 张三）整改基本到位 细节有待完善12 月 14 日——市委 书记“",
        ]
        for (path, text) in Self.inputs() + thirdPass.map({ ("t.txt", $0) }) {
            var events: [FixApplier.FixedText] = []
            let out = FixApplier.fix(SourceText(text), path: path, linter: linter, allowUnsafe: false, tentativeFrom: 0,
                                     fixed: { events.append($0) })
            var pending: [UInt8]? = nil
            var committed: [[UInt8]] = []
            for e in events {
                switch e {
                case .tentative(let b): if pending != nil { superseded += 1 }; pending = b
                case .confirmed:
                    let p = try #require(pending, "confirmed without a tentative text: \(text.debugDescription)")
                    committed.append(p); pending = nil; confirmedLate += 1
                case .final(let b): committed.append(b); pending = nil
                }
            }
            #expect(pending == nil, "a tentative text left unconfirmed: \(text.debugDescription)")
            #expect(committed == (out.changed ? [out.bytes] : []), "\(path): \(text.debugDescription)")
            var small: [FixApplier.FixedText] = []
            _ = FixApplier.fix(SourceText(text), path: path, linter: linter, allowUnsafe: false, fixed: { small.append($0) })
            if out.changed {
                guard small.count == 1, case .final(let b) = small[0] else {
                    Issue.record("a small text gets one final event: \(small.count) events for \(text.debugDescription)"); continue
                }
                #expect(b == out.bytes)
            } else {
                #expect(small.isEmpty)
            }
        }
        // The inputs do go through a second pass (a tentative text confirmed) and through a third (one dropped).
        #expect(confirmedLate > 20)
        #expect(superseded > 0)
    }

    /// The same on the parallel path: with the size at which a text is linted in chunks lowered to a few hundred
    /// bytes, a re-lint runs the touched lines' chunks and the whole-text checks as tasks of one parallel run. Its
    /// passes must still give what full passes on one thread give.
    @Test func incrementalPassesInChunksEqualFullPasses() throws {
        let linter = try Self.linter("pangu")
        var chunked = 0
        for (path, text) in Self.inputs() where text.utf8.count > 600 {
            let src = SourceText(text)
            let b = FixApplier.fix(src, path: path, linter: linter, allowUnsafe: false, incremental: false)
            let (a, chunks) = Parallel.$limits.withValue(Parallel.Limits(threshold: 256, maxChunks: 4)) {
                (FixApplier.fix(src, path: path, linter: linter, allowUnsafe: false, incremental: true),
                 Parallel.chunks(forBytes: text.utf8.count))
            }
            #expect(chunks > 1, "the text must take the parallel path")
            #expect(a.bytes == b.bytes, "\(path): \(text.debugDescription)")
            #expect(a.applied == b.applied, "\(path): \(text.debugDescription)")
            let key = { (d: Diagnostic) in "\(d.ruleID) \(d.range) \(d.message) \(d.fix?.edits.map { "\($0.range)=\($0.replacement)" } ?? [])" }
            #expect(a.remaining.map(key) == b.remaining.map(key), "\(path): \(text.debugDescription)")
            if a.changed { chunked += 1 }
        }
        #expect(chunked > 20)   // enough inputs are fixed over several passes on the parallel path
    }

    /// A linter's shared trigger scan (`Linter.triggerScan`) holds every trigger its `numbers`, `punctuation-forms`
    /// and `pairs` rules read, for the whole rule set and for the fixer's two halves of it; a number split by a space,
    /// a `.` after a number and a year written with 零 are found by the fixing rules in a text that has them all.
    @Test(arguments: ["style: print\n", "style: pangu\n", "extends: [copydesk:all]\n"])
    func triggerScanHoldsEveryRulesTriggers(config: String) throws {
        let cfg = try Config.parse(config, file: "/t/.lintrc.yml", directory: "/t")
        let linter = Linter(try RuleSet.build(config: cfg, catalog: RuleCatalog.loadBuiltIn()))
        let split = try #require(linter.fixSplit(allowUnsafe: false))
        for l in [linter, split.fixing, split.rest] {
            let scan = Set(l.triggerScan)
            for r in l.rules {
                if let n = r.check as? NumbersCheck { #expect(Set(n.triggers).isSubset(of: scan), "\(r.id)") }
                if r.check is PunctuationFormsCheck { #expect(Set(PunctuationFormsCheck.sharedTriggers).isSubset(of: scan), "\(r.id)") }
                if let p = r.check as? PairsCheck { #expect(Set(p.opens + p.closes).isSubset(of: scan), "\(r.id)") }
            }
        }
        let text = "会议指出，共计12 500元，落款时间为二0一八年十月十九日，大家都很满意。\n\n据统计，今年全市的年平均湿度为30%.\n"
        let found = Set(split.fixing.lint(Document(path: "t.txt", source: SourceText(text))).map(\.ruleID))
        for id in ["numbers.split-number", "punctuation.period-after-number", "numbers.year-zero"] where split.fixing.rules.contains(where: { $0.id == id }) {
            #expect(found.contains(id), "\(id)")
        }
    }

    /// The first pass plans from the findings before they are made diagnostics when they are many
    /// (`Linter.sortedFindings`: 4,096 or more; only the carried ones become diagnostics). On plain texts with that
    /// many, on one thread and in chunks (the order merged in two halves), the fixed text, the counts and the
    /// remaining findings must be those of full passes — which never take that way.
    @Test(arguments: ["print", "pangu"])
    func firstPassFromFindingsEqualsFullPasses(style: String) throws {
        let linter = try Self.linter(style)
        let plain = Self.inputs().filter { !$0.0.hasSuffix(".md") }.map(\.1)
        // Two texts: every plain input, and every other one (different cuts of the order between the halves).
        for text in [plain.joined(separator: "\n\n"), plain.enumerated().filter { $0.offset % 2 == 0 }.map(\.element).joined(separator: "\n\n")] {
            let doc = Document(path: "big.txt", source: SourceText(text))
            let fixing = try #require(linter.fixSplit(allowUnsafe: false)?.fixing)
            let key = { (d: Diagnostic) in "\(d.ruleID) \(d.severity) \(d.range) \(d.message) \(d.fix?.edits.map { "\($0.range)=\($0.replacement)" } ?? [])" }
            // The order is `lint`'s, merged on one thread and in two halves; what it carries is what `lint`'s
            // diagnostics would carry (every third line edited).
            let want = fixing.lint(doc)
            let edited = Array(stride(from: 0, to: doc.source.lineCount, by: 3))
            for limits in [nil, Parallel.Limits(threshold: 4096, maxChunks: 4)] {
                let found = try #require(Parallel.$limits.withValue(limits) { fixing.sortedFindings(doc) })
                let order = try #require(found.order, "the text must have enough findings for the first pass to plan from them")
                let got = order.map { p -> String in
                    let f = found.lists[Int(p >> 32)][Int(p & 0xFFFF_FFFF)]
                    return "\(fixing.rules[f.rule].id) \(f.range)"
                }
                #expect(got == want.map { "\($0.ruleID) \($0.range)" }, "chunks \(limits != nil)")
                #expect(fixing.carryable(found, of: doc, editedLines: edited).map(key) == fixing.carryable(want, of: doc, editedLines: edited).map(key))
            }
            for unsafe in [false, true] {
                let src = SourceText(text)
                let b = FixApplier.fix(src, path: "big.txt", linter: linter, allowUnsafe: unsafe, incremental: false)
                for limits in [nil, Parallel.Limits(threshold: 4096, maxChunks: 4)] {
                    let a = Parallel.$limits.withValue(limits) {
                        FixApplier.fix(src, path: "big.txt", linter: linter, allowUnsafe: unsafe, incremental: true)
                    }
                    #expect(a.changed)
                    #expect(a.bytes == b.bytes, "\(style) unsafe \(unsafe) chunks \(limits != nil)")
                    #expect(a.applied == b.applied, "\(style) unsafe \(unsafe) chunks \(limits != nil)")
                    #expect(a.unconverged == b.unconverged)
                    #expect(a.remaining.map(key) == b.remaining.map(key), "\(style) unsafe \(unsafe) chunks \(limits != nil)")
                }
            }
        }
    }

    /// A rule set in which every rule has a safe fix (the fixing rules alone, as a spacing-only configuration gives)
    /// has no split, and its first pass plans from the findings too: the outcome is that of full passes.
    @Test func firstPassFromFindingsWithoutASplitEqualsFullPasses() throws {
        let fixingOnly = try #require(try Self.linter("pangu").fixSplit(allowUnsafe: false)?.fixing)
        #expect(fixingOnly.fixSplit(allowUnsafe: false) == nil)
        #expect(fixingOnly.hasDistinctRuleIDs)
        let text = Self.inputs().filter { !$0.0.hasSuffix(".md") }.map(\.1).joined(separator: "\n\n")
        #expect(fixingOnly.sortedFindings(Document(path: "big.txt", source: SourceText(text)))?.order != nil,
                "the text must have enough findings for the first pass to plan from them")
        let key = { (d: Diagnostic) in "\(d.ruleID) \(d.severity) \(d.range) \(d.message) \(d.fix?.edits.map { "\($0.range)=\($0.replacement)" } ?? [])" }
        for unsafe in [false, true] {
            let src = SourceText(text)
            let a = FixApplier.fix(src, path: "big.txt", linter: fixingOnly, allowUnsafe: unsafe, incremental: true)
            let b = FixApplier.fix(src, path: "big.txt", linter: fixingOnly, allowUnsafe: unsafe, incremental: false)
            #expect(a.changed)
            #expect(a.bytes == b.bytes, "unsafe \(unsafe)")
            #expect(a.applied == b.applied, "unsafe \(unsafe)")
            #expect(a.unconverged == b.unconverged)
            #expect(a.remaining.map(key) == b.remaining.map(key), "unsafe \(unsafe)")
            if !unsafe { #expect(!a.remaining.isEmpty) }   // unsafe fixes are findings still, unless applied
        }
    }

    /// Nothing to fix on a text with many findings of a fixing rule, all with unsafe fixes (a space between Han
    /// characters in body text): the first pass plans from its findings, finds nothing it may apply, and reports
    /// every finding as `lint` gives them.
    @Test func firstPassFromFindingsWithNothingToFixReportsThemAll() throws {
        let linter = try Self.linter("pangu")
        let text = Array(repeating: "直播抓涨 股的原因很多。", count: 5000).joined(separator: "\n\n")
        let doc = Document(path: "q.txt", source: SourceText(text))
        let split = try #require(linter.fixSplit(allowUnsafe: false))
        #expect(split.fixing.sortedFindings(doc)?.order != nil, "the text must have enough findings for the first pass to plan from them")
        let out = FixApplier.fix(SourceText(text), path: "q.txt", linter: linter, allowUnsafe: false)
        let want = linter.lint(doc)
        #expect(!out.changed)
        #expect(out.applied.isEmpty)
        #expect(want.count >= 5000)
        let key = { (d: Diagnostic) in "\(d.ruleID) \(d.severity) \(d.range) \(d.message) \(d.fix?.edits.map { "\($0.range)=\($0.replacement)" } ?? [])" }
        #expect(out.remaining.map(key) == want.map(key))
    }

    /// Fix passes run only the rules that can propose a fix the run applies; the others run once on the fixed
    /// text. Bytes, counts and the remaining findings (in order, with messages and fixes) must be those of running
    /// every rule on every pass.
    @Test(arguments: ["style: print\n", "style: pangu\n", "extends: [copydesk:recommended, copydesk:duplicates]\nstyle: pangu\n",
                      "extends: [copydesk:all]\n"])
    func passesWithFixingRulesOnlyEqualAllRules(config: String) throws {
        let cfg = try Config.parse(config, file: "/split/.lintrc.yml", directory: "/split")
        let linter = Linter(try RuleSet.build(config: cfg, catalog: RuleCatalog.loadBuiltIn()))
        let split = linter.fixSplit(allowUnsafe: false)
        #expect(split != nil)   // the recommended rules include some without a safe fix
        // The fixing rules' shared trigger scan holds their own triggers only (`Linter.triggerScan`): not `、`, which
        // only report-only `numbers` forms read; the comparison below holds their findings to the full scan's.
        if let split, config.contains("style") {
            #expect(split.fixing.triggerScan.count < NumbersCheck.shared.count)
            #expect(!split.fixing.triggerScan.contains(0x3001))
            #expect(Set(split.fixing.triggerScan).isSubset(of: NumbersCheck.shared))
        }
        var compared = 0
        for (path, text) in Self.inputs() {
            for unsafe in [false, true] {
                let src = SourceText(text)
                let a = FixApplier.fix(src, path: path, linter: linter, allowUnsafe: unsafe, split: true)
                let b = FixApplier.fix(src, path: path, linter: linter, allowUnsafe: unsafe, split: false)
                #expect(a.bytes == b.bytes, "\(path): \(text.debugDescription)")
                #expect(a.applied == b.applied, "\(path): \(text.debugDescription)")
                #expect(a.unconverged == b.unconverged)
                let key = { (d: Diagnostic) in "\(d.ruleID) \(d.severity) \(d.range) \(d.message) \(d.fix.map { "\($0.safety)" } ?? "-") \(d.fix?.edits.map { "\($0.range)=\($0.replacement)" } ?? []) \(d.related.count)" }
                #expect(a.remaining.map(key) == b.remaining.map(key), "\(path): \(text.debugDescription)")
                compared += a.remaining.count
            }
        }
        #expect(compared > 1000)
    }
}

/// A `characters` fix takes the ASCII spaces after the character when a `space: forbid` rule of the same scan would
/// delete them on the next pass (`BoundaryScanner.trimmedGap`), and only then.
@Suite struct ChainedFixTests {
    static func linter(_ extra: String = "", house: [Rule] = []) throws -> Linter {
        let yaml = "extends: []\nrules:\n  punctuation.halfwidth-in-chinese: on\n" + extra
        let set = try RuleSet.build(config: Config.parse(yaml, file: "/chain/.lintrc.yml", directory: "/chain"), catalog: RuleCatalog.loadBuiltIn())
        return Linter(rules: set.rules + house)
    }
    static let spaceRule = "  spacing.space-around-fullwidth-punct: on\n"

    /// The edit of the half-width mark's finding (the finding itself stays on the mark).
    static func edit(_ text: String, _ linter: Linter, mark: String = ",") throws -> (finding: Range<Int>, edit: Range<Int>, replacement: String)? {
        let at = try #require(TS.offset(of: mark, in: text))
        guard let d = linter.lint(Document(path: "t.txt", text: text)).first(where: { $0.ruleID == "punctuation.halfwidth-in-chinese" && $0.range.lowerBound == at }),
              let e = d.fix?.edits.first else { return nil }
        return (d.range, e.range, e.replacement)
    }

    @Test func theSpacesAfterTheMarkGoWithIt() throws {
        let l = try Self.linter(Self.spaceRule)
        for (text, spaces) in [("你好, 再见", 1), ("你好,   再见", 3), ("他说: 好", 1), ("真的吗? “是”", 1)] {
            let mark = text.contains(",") ? "," : text.contains(":") ? ":" : "?"
            let at = try #require(TS.offset(of: mark, in: text))
            let e = try #require(try Self.edit(text, l, mark: mark), "\(text)")
            #expect(e.finding == at..<(at + 1), "\(text)")
            #expect(e.edit == at..<(at + 1 + spaces), "\(text)")
        }
        let out = FixApplier.fix(SourceText("你好, 再见,  明天: 见\n"), path: "t.txt", linter: l, allowUnsafe: false)
        #expect(String(decoding: out.bytes, as: UTF8.self) == "你好，再见，明天：见\n")
        #expect(out.applied == ["punctuation.halfwidth-in-chinese": 3])
    }

    @Test func onlyWhereTheNextPassWouldDeleteThem() throws {
        let l = try Self.linter(Self.spaceRule)
        // Not ASCII spaces only; before a URL (spaces next to cut-out text stay); before the line end (trailing
        // whitespace is its own rule's).
        for text in ["你好,\t再见", "你好,\u{3000}再见", "你好, https://example.com/a", "你好, \n再见"] {
            let at = try #require(TS.offset(of: ",", in: text))
            let e = try #require(try Self.edit(text, l), "\(text.debugDescription)")
            #expect(e.edit == at..<(at + 1), "\(text.debugDescription)")
        }
        // Without the space rule, with a directive in the document, or with the space rule superseded: the mark alone.
        let house = try TS.rule(TS.ruleYAML(kind: "phrases", extra: "phrases: [张三]\nsupersedes: [spacing.space-around-fullwidth-punct]", scope: "[body]"))
        let withDirective = "<!-- copydesk-disable spacing.han-space-han -->\n你好, 再见"
        for (text, linter) in [("你好, 再见", try Self.linter()), (withDirective, l), ("你好, 再见", try Self.linter(Self.spaceRule, house: [house]))] {
            let at = try #require(TS.offset(of: ",", in: text))
            let e = try #require(try Self.edit(text, linter), "\(text.debugDescription)")
            #expect(e.edit == at..<(at + 1), "\(text.debugDescription)")
        }
        // The space rule made unsafe: a safe fix never does an unsafe one's work.
        let unsafe = try Self.linter("  spacing.space-around-fullwidth-punct: {fix: unsafe}\n")
        let at = try #require(TS.offset(of: ",", in: "你好, 再见"))
        #expect(try Self.edit("你好, 再见", unsafe)?.edit == at..<(at + 1))
    }
}
