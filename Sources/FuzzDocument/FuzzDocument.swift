import CopydeskCore
import FuzzSupport

/// Fuzz target 1: reading a draft. Arbitrary bytes go through `SourceText(validating:)` (BOM, NUL, the UTF-8 DFA,
/// compared with the standard library's decoder), then, when valid, through `Document` as plain text and as
/// Markdown: blocks, verbatim ranges, directives, inline roles, segments of every scope, and the position tables
/// the reporters use. Invariants: no crash; every range lies inside the text, in order, on scalar boundaries;
/// positions agree with a line/column count done here independently.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDocument(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let raw = Array(UnsafeBufferPointer(start: data, count: size))
    let source: SourceText
    let body = raw.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(raw.dropFirst(3)) : raw
    let stdlibBad = FuzzMain.firstInvalidUTF8(body)
    do {
        source = try SourceText(validating: raw)
    } catch {
        switch error {
        case .binary:
            FuzzMain.require(body.prefix(8192).contains(0), "reported binary without a NUL in the first 8 KB")
        case .invalidUTF8(let line, let column, let offset, _):
            let bomShift = raw.count == body.count ? 0 : 3
            FuzzMain.require(stdlibBad == offset - bomShift, "invalid UTF-8 reported at byte \(offset), the standard library says \(String(describing: stdlibBad))")
            FuzzMain.require(line >= 1 && column >= 1, "invalid UTF-8 at line \(line), column \(column)")
        default:
            FuzzMain.fail("unexpected input error \(error)")
        }
        return 0
    }
    // A UTF-16 draft is decoded to UTF-8: its bytes are checked as the text they became.
    if source.encoding == .utf8 {
        FuzzMain.require(stdlibBad == nil, "accepted as UTF-8, the standard library finds a bad byte at \(stdlibBad!)")
        FuzzMain.require(source.bytes == body, "the bytes after the BOM changed")
    } else {
        FuzzMain.require(FuzzMain.firstInvalidUTF8(source.bytes) == nil, "UTF-16 decoded to invalid UTF-8")
    }
    checkLines(source)
    for format in [Document.Format.plainText, .markdown] {
        let doc = Document(path: format == .markdown ? "fuzz.md" : "fuzz.txt", source: source, format: format)
        checkDocument(doc)
    }
    return 0
}

func checkLines(_ s: SourceText) {
    let b = s.bytes
    FuzzMain.require(s.lineStarts.first == 0, "the first line does not start at 0")
    // Line ends: LF, CRLF, and a CR on its own (old Mac files).
    var breaks = 0
    for (k, c) in b.enumerated() where c == 0x0A || (c == 0x0D && (k + 1 == b.count || b[k + 1] != 0x0A)) { breaks += 1 }
    FuzzMain.require(s.lineCount == 1 + breaks, "line count \(s.lineCount) for \(b.count) bytes, \(breaks) line ends")
    // Independent positions: walk the scalars once, counting lines and columns, and compare at every scalar start
    // (bounded, so a long input does not dominate the run).
    var line = 1, column = 1, utf16 = 1, lineStart = 0, i = 0, checked = 0
    while i <= b.count && checked < 4096 {
        let p = s.position(of: i)
        FuzzMain.require(p.line == line && p.column == column, "position of byte \(i): \(p), expected (\(line), \(column))")
        FuzzMain.require(s.utf16Column(of: i) == utf16, "UTF-16 column of byte \(i): \(s.utf16Column(of: i)), expected \(utf16)")
        FuzzMain.require(s.byteColumn(of: i) == i - lineStart + 1, "byte column of byte \(i)")
        checked += 1
        guard i < b.count else { break }
        let lead = b[i]
        let n = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
        let loneCR = lead == 0x0D && (i + 1 == b.count || b[i + 1] != 0x0A)
        if lead == 0x0A || loneCR { line += 1; column = 1; utf16 = 1; lineStart = i + 1 } else { column += 1; utf16 += n == 4 ? 2 : 1 }
        i += n
    }
    for li in 0..<s.lineCount {
        let r = s.lineContent(li)
        FuzzMain.require(r.lowerBound == s.lineStarts[li] && r.upperBound <= b.count, "line \(li) content \(r)")
        FuzzMain.require(!b[r].contains(0x0A), "line \(li) content holds a line feed")
        FuzzMain.require(s.lineIndex(of: r.lowerBound) == li, "line index of line \(li)'s start")
    }
}

func checkRange(_ b: [UInt8], _ r: Range<Int>, _ what: @autoclosure () -> String) {
    FuzzMain.require(r.lowerBound >= 0 && r.upperBound <= b.count, "\(what()) \(r) outside 0..<\(b.count)")
    FuzzMain.require(FuzzMain.onBoundary(b, r.lowerBound) && FuzzMain.onBoundary(b, r.upperBound), "\(what()) \(r) cuts a character")
}

func checkDocument(_ doc: Document) {
    let b = doc.bytes
    let kind = doc.format.rawValue
    var lastLine = 0
    for (bi, block) in doc.blocks.enumerated() {
        FuzzMain.require(block.lines.lowerBound >= lastLine && block.lines.upperBound <= doc.source.lineCount,
                         "\(kind) block \(bi) lines \(block.lines) (previous block ended at \(lastLine), \(doc.source.lineCount) lines)")
        lastLine = block.lines.upperBound
        var prev = -1
        for r in block.content {
            checkRange(b, r, "\(kind) block \(bi) content")
            FuzzMain.require(r.lowerBound >= prev, "\(kind) block \(bi) content out of order")
            FuzzMain.require(!b[r].contains(0x0A), "\(kind) block \(bi) content \(r) holds a line feed")
            prev = r.upperBound
        }
        if let idx = doc.blockIndex(containing: block.byteRange.lowerBound), !block.content.isEmpty, !block.byteRange.isEmpty {
            FuzzMain.require(doc.blocks[idx].byteRange.contains(block.byteRange.lowerBound), "\(kind) blockIndex(containing: \(block.byteRange.lowerBound)) of block \(bi) \(block.kind) \(block.byteRange) is \(idx): \(doc.blocks.map { "\($0.kind) \($0.lines) \($0.byteRange)" })")
        }
    }
    var prevEnd = 0
    for v in doc.verbatim {
        checkRange(b, v, "\(kind) verbatim range")
        FuzzMain.require(v.lowerBound >= prevEnd, "\(kind) verbatim ranges overlap or are out of order: \(doc.verbatim)")
        prevEnd = v.upperBound
    }
    for (r, _) in doc.inlineRoles { checkRange(b, r, "\(kind) inline role") }
    for d in doc.directives { _ = d }
    let scopes: [Scope] = [.body, .headline, .byline, .dateline, .frontMatter, .code, .all, Scope.all.union(.code)]
    for scope in scopes {
        for seg in doc.segments(for: scope) {
            checkRange(b, seg.range, "\(kind) segment of \(scope.names)")
            FuzzMain.require(seg.block >= 0 && seg.block < max(1, doc.blocks.count), "\(kind) segment block \(seg.block)")
            FuzzMain.require(!b[seg.range].contains(0x0A), "\(kind) segment \(seg.range) holds a line feed")
            FuzzMain.require(!seg.role.isDisjoint(with: scope), "\(kind) segment role \(seg.role.names) outside \(scope.names)")
        }
    }
}

@main enum FuzzDocumentMain {
    static func main() { FuzzMain.run("fuzz-document", fuzzDocument) }
}
