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
