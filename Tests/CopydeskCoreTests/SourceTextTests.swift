import Foundation
import Testing
@testable import CopydeskCore

@Suite struct SourceTextTests {
    @Test func bomIsDetectedAndKeptAside() throws {
        let body = Array("全力以赴\n".utf8)
        let s = try SourceText(validating: [0xEF, 0xBB, 0xBF] + body)
        #expect(s.hasBOM)
        #expect(s.bytes == body)
        #expect(s.position(of: 0) == (1, 1))
        let plain = try SourceText(validating: body)
        #expect(!plain.hasBOM)
        #expect(plain.bytes == body)
    }

    @Test func crlfLineContentExcludesTerminator() throws {
        let text = "全 力\r\n以赴\r\n\r\nlast"
        let s = try SourceText(validating: Array(text.utf8))
        #expect(s.usesCRLF)
        #expect(s.lineCount == 4)
        #expect(s.string(s.lineContent(0)) == "全 力")
        #expect(s.string(s.lineContent(1)) == "以赴")
        #expect(s.lineContent(2).isEmpty)
        #expect(s.string(s.lineContent(3)) == "last")
        // A lone CR at the end of the last line is not content either.
        let t = SourceText("a\r")
        #expect(t.string(t.lineContent(0)) == "a")
        // LF majority: not CRLF.
        #expect(!SourceText("a\nb\nc\r\nd").usesCRLF)
    }

    @Test func lineIndexAndLineStarts() {
        let text = "第一行\n\n第三行"
        let s = SourceText(text)
        #expect(s.lineStarts == [0, 10, 11])
        #expect(s.lineIndex(of: 0) == 0)
        #expect(s.lineIndex(of: 9) == 0)   // the \n belongs to its line
        #expect(s.lineIndex(of: 10) == 1)
        #expect(s.lineIndex(of: 11) == 2)
        #expect(s.lineIndex(of: s.bytes.count) == 2)
    }

    @Test func positionIsOneBasedScalarColumn() throws {
        let text = "全力\n以赴 x全"
        let s = SourceText(text)
        let x = try #require(TS.offset(of: "x", in: text))
        let p = s.position(of: x)
        #expect(p.line == 2)
        #expect(p.column == 4)               // 以 赴 space → x is the 4th scalar
        #expect(p == TS.lineColumn(in: text, byteOffset: x))
        // End of text is a valid position.
        #expect(s.position(of: s.bytes.count) == (2, 6))
    }

    @Test func utf16AndByteColumnsWithAstralCharacter() throws {
        let text = "甲𠮷a b"
        let s = SourceText(text)
        let a = try #require(TS.offset(of: "a", in: text))
        #expect(a == 3 + 4)
        #expect(s.position(of: a).column == 3)     // 甲, 𠮷, a
        #expect(s.utf16Column(of: a) == 4)         // 𠮷 is a surrogate pair
        #expect(s.byteColumn(of: a) == 8)
        let b = try #require(TS.offset(of: "b", in: text))
        #expect(s.position(of: b).column == 5)
        #expect(s.utf16Column(of: b) == 6)
        #expect(s.byteColumn(of: b) == 10)
        // On a second line, columns restart.
        let t = SourceText("x\n𠮷𠮷y")
        let y = try #require(TS.offset(of: "y", in: "x\n𠮷𠮷y"))
        #expect(t.position(of: y) == (2, 3))
        #expect(t.utf16Column(of: y) == 5)
        #expect(t.byteColumn(of: y) == 9)
    }

    @Test func invalidUTF8IsRejectedWithPosition() throws {
        // "ab\n全" then a stray 0xFF: line 2, column 2, byte 6.
        let bytes = Array("ab\n全".utf8) + [0xFF] + Array("c".utf8)
        do {
            _ = try SourceText(validating: bytes)
            Issue.record("invalid UTF-8 accepted")
        } catch {
            guard case .invalidUTF8(let line, let column, let offset, _) = error else { Issue.record("wrong error \(error)"); return }
            #expect(line == 2)
            #expect(column == 2)
            #expect(offset == 6)
            #expect(error.description.contains("line 2, column 2"))
        }
        // With a BOM the byte offset counts the BOM, line and column do not.
        do {
            _ = try SourceText(validating: [0xEF, 0xBB, 0xBF] + bytes)
            Issue.record("invalid UTF-8 accepted")
        } catch {
            guard case .invalidUTF8(let line, let column, let offset, _) = error else { Issue.record("wrong error \(error)"); return }
            #expect((line, column, offset) == (2, 2, 9))
        }
    }

    @Test(arguments: [
        [0xC0, 0x80],               // overlong NUL
        [0xED, 0xA0, 0x80],         // UTF-16 surrogate
        [0xE5, 0x85],               // truncated at the end
        [0xF4, 0x90, 0x80, 0x80],   // above U+10FFFF
        [0x80],                     // lone continuation byte
    ] as [[UInt8]])
    func malformedSequencesAreRejected(_ bad: [UInt8]) {
        let bytes = Array("好".utf8) + bad
        #expect(throws: InputError.self) { _ = try SourceText(validating: bytes) }
        do { _ = try SourceText(validating: bytes) } catch {
            if case .invalidUTF8(let l, let c, let o, _) = error { #expect((l, c, o) == (1, 2, 3)) } else { Issue.record("\(error)") }
        }
    }

    /// The fast DFA validator and the byte-by-byte walker agree with the standard library on random inputs built
    /// from valid characters, stray continuation bytes, truncated sequences, overlongs, surrogates and bytes > F4.
    @Test func dfaValidatorAgreesWithStandardLibrary() {
        var rng = SystemRandomNumberGenerator()
        let pieces: [[UInt8]] = [
            Array("a".utf8), Array("全".utf8), Array("é".utf8), Array("𠮷".utf8), Array("12345678".utf8),
            [0x80], [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xE0, 0x9F, 0xBF], [0xED, 0xA0, 0x80],
            [0xED, 0x9F, 0xBF], [0xF0, 0x8F, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF],
            [0xF5, 0x80, 0x80, 0x80], [0xE5], [0xE5, 0x85], [0xF0, 0x9F], [0xFF], [0xC2, 0xA0],
        ]
        var invalidSeen = 0, validSeen = 0
        for _ in 0..<3000 {
            var b: [UInt8] = []
            let mostlyValid = Int.random(in: 0..<3, using: &rng) > 0
            for _ in 0..<Int.random(in: 0..<40, using: &rng) {
                let k = mostlyValid ? Int.random(in: 0..<5, using: &rng) : Int.random(in: 0..<pieces.count, using: &rng)
                b += pieces[k]
            }
            let reference = String(validating: b, as: UTF8.self) != nil
            #expect(SourceText.isValidUTF8(b) == reference, "\(b)")
            #expect((SourceText.firstInvalidUTF8Slow(b) == nil) == reference, "\(b)")
            if reference { validSeen += 1 } else { invalidSeen += 1 }
        }
        #expect(validSeen > 100 && invalidSeen > 100)
    }

    /// The vector validator (AVX2, 32 bytes a step) answers as the automaton and the standard library for every
    /// two-byte sequence and for three- and four-byte sequences around every boundary of the valid ranges, placed
    /// where they cross a 16-byte lane and a 32-byte block and where they are cut by the end of the text, and on
    /// long random texts with one fault anywhere.
    @Test(.enabled(if: SourceText.vectorValidation, "this CPU has no AVX2: the automaton validates, as the other tests check"))
    func vectorValidatorAgreesWithAutomatonAndStandardLibrary() {
        func check(_ b: [UInt8]) {
            let reference = String(validating: b, as: UTF8.self) != nil
            #expect(SourceText.isValidUTF8(b, 0..<b.count, vector: true) == reference, "\(b)")
            #expect(SourceText.isValidUTF8(b, 0..<b.count, vector: false) == reference, "\(b)")
        }
        let pad = [UInt8](repeating: 0x61, count: 64)
        // Sequences at offsets that put them across the middle lane (14, 15), a block's end (30, 31) and the text's end.
        func place(_ seq: [UInt8]) {
            for at in [0, 14, 15, 30, 31] { check(Array(pad[..<at]) + seq + Array(pad[..<(40 - at)])) }
            check(Array(pad[..<(32 - seq.count + 1)]) + seq)
            check(Array(pad[..<(64 - seq.count)]) + seq)
        }
        for a in 0..<256 { for b in stride(from: 0, to: 256, by: 1) where a >= 0x80 || b >= 0x80 { check([0x61, UInt8(a), UInt8(b), 0x61]) } }
        for (a, b) in [(0xC2, 0xA0), (0xC1, 0xBF), (0xDF, 0xBF), (0xC2, 0x41), (0x80, 0x80)] as [(UInt8, UInt8)] { place([a, b]) }
        let thirds: [UInt8] = [0x00, 0x7F, 0x80, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF]
        for lead: UInt8 in [0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF4, 0xF5] {
            for second in 0..<256 { for third in thirds { place([lead, UInt8(second), third]) } }
        }
        for lead: UInt8 in [0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xF8] {
            for second in stride(from: 0x70, to: 0xD0, by: 1) {
                for third: UInt8 in [0x80, 0xBF, 0x41] { for fourth: UInt8 in [0x80, 0xBF, 0x41, 0xC2] { place([lead, UInt8(second), third, fourth]) } }
            }
        }
        // Long texts of valid characters (ASCII runs, Han, 4-byte), with one fault at a random place or none.
        var rng = SplitMix64(seed: 0x5EED)
        let good: [[UInt8]] = [Array("a".utf8), Array("全".utf8), Array("é".utf8), Array("𠮷".utf8), Array("abcdefghijklmnopqrstuvwxyz0123456789".utf8)]
        let faults: [[UInt8]] = [[0x80], [0xE5, 0x85], [0xF0, 0x9F], [0xED, 0xA0, 0x80], [0xC0, 0x80], [0xFF], [0xF4, 0x90, 0x80, 0x80]]
        var seen = [false, false]
        for _ in 0..<300 {
            var b: [UInt8] = []
            for _ in 0..<Int(rng.next() % 900) { b += good[Int(rng.next() % UInt64(good.count))] }
            if rng.next() % 2 == 0 {
                let at = b.isEmpty ? 0 : Int(rng.next() % UInt64(b.count + 1))
                var cut = at
                while cut < b.count && b[cut] & 0xC0 == 0x80 { cut += 1 }
                b.insert(contentsOf: faults[Int(rng.next() % UInt64(faults.count))], at: cut)
            }
            let reference = String(validating: b, as: UTF8.self) != nil
            #expect(SourceText.isValidUTF8(b, 0..<b.count, vector: true) == reference)
            #expect(SourceText.isValidUTF8(b) == reference)
            seen[reference ? 1 : 0] = true
        }
        #expect(seen == [true, true])
    }

    /// Validation with the line table in the same pass (`SourceText.validatedLines`, in parts on several cores) gives
    /// what the separate passes give: the same verdict as the standard library, and for a valid text the line table,
    /// CRLF majority and CR flag of the `memchr` walk (`init(trusted:)`), with LF, CRLF and lone CR mixed at block
    /// ends, a CRLF cut between two parts, and lines too short for the parts' tables (then the separate passes run).
    @Test(.enabled(if: SourceText.vectorValidation, "this CPU has no AVX2: validation and the line table are separate passes"))
    func validationWithLineTableAgreesWithSeparatePasses() throws {
        func check(_ b: [UInt8], _ note: String = "") throws {
            let reference = String(validating: b, as: UTF8.self) != nil
            for limits in [nil, Parallel.Limits(threshold: 256, maxChunks: 4)] {
                let fast = Parallel.$limits.withValue(limits) { SourceText.validatedLines(b) }
                if let fast { #expect(fast.valid == reference, "\(note) \(b.count) bytes") }
                let parsed = Parallel.$limits.withValue(limits) { try? SourceText(validating: b) }
                #expect((parsed != nil) == reference)
                guard reference, let parsed else { continue }
                let separate = SourceText(trusted: b, hasBOM: false)
                #expect(parsed.lineStarts == separate.lineStarts, "\(note) \(b.count) bytes, limits \(String(describing: limits))")
                #expect(parsed.usesCRLF == separate.usesCRLF && parsed.hasCR == separate.hasCR)
                if let fast {
                    let lfs = b.indices.filter { b[$0] == 0x0A }
                    #expect(fast.lfStarts == [0] + lfs.map { $0 + 1 })
                    #expect(fast.cr == b.filter { $0 == 0x0D }.count)
                    #expect(fast.crlf == lfs.filter { $0 > 0 && b[$0 - 1] == 0x0D }.count)
                }
            }
        }
        var rng = SplitMix64(seed: 0x11E5)
        let pieces: [[UInt8]] = [Array("a".utf8), Array("全".utf8), Array("𠮷".utf8), [0x0A], [0x0D, 0x0A], [0x0D],
                                 Array("abcdefghijklmnopqrstuvwxyz0123456789".utf8), Array("扎紧扎密疫情防控篱笆墙，全力以赴。".utf8)]
        var sawFast = false
        for _ in 0..<400 {
            var b: [UInt8] = []
            for _ in 0..<Int(rng.next() % 700) {
                // Line breaks one piece in six: lines long enough for the one-pass table.
                let k = Int(rng.next() % 6) == 0 ? 3 + Int(rng.next() % 3) : [0, 1, 2, 6, 7][Int(rng.next() % 5)]
                b += pieces[k]
            }
            if rng.next() % 4 == 0, !b.isEmpty {
                var at = Int(rng.next() % UInt64(b.count))
                while at < b.count && b[at] & 0xC0 == 0x80 { at += 1 }
                b.insert(contentsOf: [[0x80], [0xE5, 0x85], [0xC0, 0x80], [0xFF]][Int(rng.next() % 4)], at: at)
            }
            if SourceText.validatedLines(b) != nil { sawFast = true }
            try check(b, "random")
        }
        #expect(sawFast)
        // A CR and an LF at every place around the 32-byte blocks.
        for at in 28..<36 {
            for brk: [UInt8] in [[0x0A], [0x0D, 0x0A], [0x0D], [0x0D, 0x0D, 0x0A]] {
                try check([UInt8](repeating: 0x61, count: at) + brk + [UInt8](repeating: 0x62, count: 70), "at \(at)")
            }
        }
        // A CRLF whose CR ends one part and whose LF starts the next.
        let n = 4096
        let parts = Parallel.$limits.withValue(Parallel.Limits(threshold: 256, maxChunks: 4)) { Parallel.chunks(forBytes: n) }
        #expect(parts > 1)
        var cut = [UInt8](repeating: 0x61, count: n)
        for k in 1..<parts { cut[n / parts * k - 1] = 0x0D; cut[n / parts * k] = 0x0A }
        try check(cut, "CRLF across parts")
        // Lines of one byte: more line breaks than the parts' tables hold, so validation and the table are separate.
        let short = [UInt8](repeating: 0x0A, count: 3000)
        #expect(SourceText.validatedLines(short) == nil)
        try check(short, "short lines")
    }

    @Test func validMultibyteAtEndOfFileIsAccepted() throws {
        let s = try SourceText(validating: Array("末尾𠮷".utf8))
        #expect(s.string == "末尾𠮷")
    }

    @Test func nulByteMeansBinary() {
        let bytes: [UInt8] = Array("正文".utf8) + [0x00, 0x01, 0x02]
        do {
            _ = try SourceText(validating: bytes)
            Issue.record("binary accepted")
        } catch {
            guard case .binary = error else { Issue.record("wrong error \(error)"); return }
            #expect(error.description.contains("binary"))
        }
    }
}

@Suite struct LongLineColumnTests {
    /// Lines over the table limit use checkpoints: columns must equal a plain count, in any query order.
    @Test func checkpointsAgreeWithCounting() {
        var line = ""
        while line.utf8.count <= ColumnCache.maxTable + 10_000 { line += "全 力a𠮷，" }
        let src = SourceText("标题\n" + line + "\n尾")
        let start = src.lineStarts[1]
        var scalarStarts: [Int] = []
        var i = start
        for u in line.unicodeScalars { scalarStarts.append(i); i += String(u).utf8.count }
        // Offsets out of order, including far back after far forward.
        let picks = [scalarStarts.count - 1, 3, scalarStarts.count / 2, 1, scalarStarts.count / 3 + 7, 0]
        for k in picks {
            let offset = scalarStarts[k]
            let prefix = line.unicodeScalars.prefix(k)
            let u16 = prefix.reduce(0) { $0 + ($1.value > 0xFFFF ? 2 : 1) }
            #expect(src.position(of: offset) == (line: 2, column: k + 1))
            #expect(src.utf16Column(of: offset) == u16 + 1)
        }
    }

    /// The reporters' locator finds line and columns with one search, starting at the line of the offset before:
    /// in order, backwards and at random it must give what the three separate lookups give (and what an
    /// independent count of the text gives).
    @Test func locatorPositionsEqualSeparateLookups() throws {
        let text = "第一行 abc😀\r\n\n全力以赴，𠀀x\n" + String(repeating: "长", count: 300) + "\nlast"
        let src = try SourceText(validating: Array(text.utf8))
        let n = src.bytes.count
        var offsets = Array(0...n)
        offsets += offsets.reversed()
        var rng = SplitMix64(seed: 7)
        for _ in 0..<500 { offsets.append(Int(rng.next() % UInt64(n + 1))) }
        let loc = Locator(source: src, positions: [:], fingerprints: [:])
        for o in offsets {
            let p = loc.position(o)
            let (line, col) = src.position(of: o)
            #expect(p.line == line && p.column == col, "offset \(o)")
            #expect(p.utf16Column == src.utf16Column(of: o) && p.byteColumn == src.byteColumn(of: o), "offset \(o)")
            #expect(p.offset == o)
            // Independently: the line is one more than the line feeds before the offset.
            #expect(p.line == src.bytes[0..<o].filter { $0 == 0x0A }.count + 1)
        }
    }
}
