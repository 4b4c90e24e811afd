import Foundation
import CByteClass

/// Why a file cannot be linted. Every case is reported with the file's path; nothing is modified.
public enum InputError: Error, Sendable, CustomStringConvertible {
    case unreadable(String)
    /// A NUL byte in the first 8 KB of a file that is not UTF-16 text: skipped with a notice (not an error).
    case binary(byteOffset: Int)
    case invalidUTF8(line: Int, column: Int, byteOffset: Int, bytes: [UInt8])
    case invalidUTF16(TextEncoding, byteOffset: Int)
    case tooLarge(Int, limit: Int)
    /// Found by walking a folder, but not a regular file (a named pipe, socket or device): skipped with a notice.
    case notRegular(String)

    /// Whether the file is skipped with a notice (not a draft) rather than reported as an error.
    public var isNotice: Bool {
        switch self {
        case .binary, .notRegular: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .unreadable(let why): return "cannot read: \(why)"
        case .binary(let o): return "skipped: looks like a binary file (NUL byte at byte \(o))"
        case .notRegular(let what): return "skipped: not a regular file (\(what))"
        case .invalidUTF8(let l, let c, let o, let b):
            let hex = b.first.map { ($0 < 16 ? "0x0" : "0x") + String($0, radix: 16, uppercase: true) } ?? "?"
            return "not valid UTF-8 at line \(l), column \(c) (byte \(o) is \(hex)); skipped. "
                + "If it is GB18030/GBK text, convert it: iconv -f GB18030 -t UTF-8"
        case .invalidUTF16(let enc, let o):
            return "not valid \(enc.rawValue) at byte \(o) (an unpaired surrogate); skipped. Re-save the file as UTF-8"
        case .tooLarge(let n, let limit):
            return "file is \(ByteSize.format(n)) (\(n) bytes), above the limit of \(ByteSize.format(limit)); skipped. "
                + "Raise it with --max-file-size (e.g. --max-file-size \(ByteSize.suggest(n)))"
        }
    }
}

/// Byte sizes as people write them (`--max-file-size 512M`) and as messages show them.
public enum ByteSize {
    /// `1048576`, `512K`, `64M`, `1G` (binary units; a trailing `B` or `iB` is allowed). Nil when not a size.
    public static func parse(_ text: String) -> Int? {
        // Blanks trimmed as `CharacterSet.whitespaces` has them (tab and the space separators), without Foundation:
        // every run parses its default limit, and the bridged trim cost a start-up's type look-ups.
        @inline(__always) func blank(_ v: Unicode.Scalar) -> Bool { v == "\t" || v.properties.generalCategory == .spaceSeparator }
        let scalars = text.unicodeScalars
        var lo = scalars.startIndex, hi = scalars.endIndex
        while lo < hi && blank(scalars[lo]) { lo = scalars.index(after: lo) }
        while hi > lo && blank(scalars[scalars.index(before: hi)]) { hi = scalars.index(before: hi) }
        var s = String(scalars[lo..<hi]).uppercased()
        for suffix in ["IB", "B"] where s.hasSuffix(suffix) && s.count > suffix.count { s.removeLast(suffix.count); break }
        var factor = 1
        if let last = s.last, let k = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30][String(last)] { factor = k; s.removeLast() }
        guard let n = Int(s), n >= 0 else { return nil }
        let (v, overflow) = n.multipliedReportingOverflow(by: factor)
        return overflow ? nil : v
    }

    public static func format(_ n: Int) -> String {
        if n >= 1 << 30 { return String(format: "%.1f GB", Double(n) / Double(1 << 30)) }
        if n >= 1 << 20 { return String(format: "%.1f MB", Double(n) / Double(1 << 20)) }
        if n >= 1 << 10 { return String(format: "%.1f KB", Double(n) / Double(1 << 10)) }
        return "\(n) bytes"
    }

    /// A limit above `n`, in the largest whole unit: `300M` for 200 MB.
    static func suggest(_ n: Int) -> String {
        let mb = (n >> 20) + 1
        return mb >= 1024 ? "\((mb >> 10) + 1)G" : "\(max(1, mb * 3 / 2))M"
    }
}

/// The encoding a draft was read in. UTF-16 drafts are decoded to UTF-8 for linting and written back in their own
/// encoding (same byte order, same BOM) when fixed.
public enum TextEncoding: String, Sendable {
    case utf8 = "UTF-8", utf16LE = "UTF-16LE", utf16BE = "UTF-16BE"
}

/// The bytes of a draft and its line table. Offsets everywhere in copydesk are UTF-8 byte offsets into `bytes`
/// (after the BOM, which is kept aside and restored when fixing; for a UTF-16 draft, into its UTF-8 decoding).
/// Lines end at LF, CRLF or a lone CR (old Mac files); the terminators are kept as they are when fixing.
public struct SourceText: Sendable {
    public let bytes: [UInt8]
    public let hasBOM: Bool
    /// The file's encoding (`bytes` are always UTF-8).
    public let encoding: TextEncoding
    /// Byte offset at which each line starts. `lineStarts[0] == 0`.
    public let lineStarts: [Int]
    /// True when the majority of line breaks are CRLF.
    public let usesCRLF: Bool
    /// Whether the text holds a CR (a line end of CRLF or a lone CR).
    let hasCR: Bool
    /// Column tables of the most recently asked line, so reporting many findings on one long line stays linear.
    private let columns = ColumnCache()

    public init(validating raw: [UInt8]) throws(InputError) {
        if let (enc, bomLength) = SourceText.utf16Encoding(raw) {
            let body = try SourceText.decodeUTF16(raw, from: bomLength, bigEndian: enc == .utf16BE)
            self.init(trusted: body, hasBOM: bomLength > 0, encoding: enc)
            return
        }
        var body = raw
        var bom = false
        if raw.count >= 3, raw[0] == 0xEF, raw[1] == 0xBB, raw[2] == 0xBF {
            body.removeFirst(3); bom = true   // in place: no second copy of a large file
        }
        if let nul = SourceText.firstZero(body, within: 8192) { throw .binary(byteOffset: nul + (bom ? 3 : 0)) }
        let fast = SourceText.validatedLines(body)
        if let bad = fast.map({ $0.valid ? nil : SourceText.firstInvalidUTF8Slow(body) }) ?? SourceText.firstInvalidUTF8(body) {
            let (line, col) = SourceText.roughPosition(body, bad)
            throw .invalidUTF8(line: line, column: col, byteOffset: bad + (bom ? 3 : 0), bytes: Array(body[bad..<min(body.count, bad + 4)]))
        }
        if let fast, fast.valid {
            self.init(trusted: body, hasBOM: bom, encoding: .utf8, lfStarts: fast.lfStarts, cr: fast.cr, crlf: fast.crlf, lf: fast.lf)
        } else {
            self.init(trusted: body, hasBOM: bom)
        }
    }

    public init(_ string: String) {
        self.init(trusted: Array(string.utf8), hasBOM: false)
    }

    init(trusted body: [UInt8], hasBOM: Bool, encoding: TextEncoding = .utf8) {
        var starts = [0]
        var crlf = 0, lf = 0, cr = 0
        body.withUnsafeBufferPointer { p in
            // memchr is vectorised in the C library: line breaks are found several bytes per cycle.
            guard let base = p.baseAddress else { return }
            var i = 0
            let n = p.count
            while i < n, let hit = memchr(base + i, 0x0A, n - i) {
                let k = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                starts.append(k + 1)
                if k > 0 && p[k - 1] == 0x0D { crlf += 1 } else { lf += 1 }
                i = k + 1
            }
            // Lone CRs (old Mac line ends) are rare: count the CRs (one more memchr pass, nothing for an LF file);
            // only when some are not followed by LF is the table built again (below).
            i = 0
            while i < n, let hit = memchr(base + i, 0x0D, n - i) {
                cr += 1
                i = base.distance(to: hit.assumingMemoryBound(to: UInt8.self)) + 1
            }
        }
        self.init(trusted: body, hasBOM: hasBOM, encoding: encoding, lfStarts: starts, cr: cr, crlf: crlf, lf: lf)
    }

    /// From the table of the lines after each LF (`lfStarts`: 0, then the offset after each LF) and the counts of
    /// CRs, CRLFs and lone LFs; where some CR stands alone, the table is built again byte by byte.
    private init(trusted body: [UInt8], hasBOM: Bool, encoding: TextEncoding, lfStarts: [Int], cr: Int, crlf: Int, lf: Int) {
        bytes = body
        self.hasBOM = hasBOM
        self.encoding = encoding
        var starts = lfStarts
        if cr > crlf {
            starts = [0]
            body.withUnsafeBufferPointer { p in
                let n = p.count
                var k = 0
                while k < n {
                    let b = p[k]
                    if b == 0x0A { starts.append(k + 1) }
                    else if b == 0x0D && (k + 1 == n || p[k + 1] != 0x0A) { starts.append(k + 1) }
                    k += 1
                }
            }
        }
        lineStarts = starts
        usesCRLF = crlf > lf + (cr - crlf)
        hasCR = cr > 0
    }

    /// Validation and the line table in one pass over the text (`copydesk_utf8_valid_lines`; in parts on every core
    /// for a large text), where validation and two `memchr` passes for the line breaks read it three times: nil
    /// where that cannot run (no AVX2; lines of fewer than 8 bytes on average, for which the parts' tables would be
    /// too small), else whether the text is valid and, when it is, the table of the lines after each LF (as
    /// `init(trusted:)` makes it before it looks for lone CRs) and the counts of CRs, CRLFs and lone LFs.
    static func validatedLines(_ b: [UInt8], vector: Bool = vectorValidation) -> (valid: Bool, lfStarts: [Int], cr: Int, crlf: Int, lf: Int)? {
        guard vector else { return nil }
        let bounds = characterBounds(b, parts: Parallel.chunks(forBytes: b.count))
        // Each part's table after a 0 (the first part's is the text's, when there is one part).
        let parts = Parallel.map(bounds.count - 1) { k -> (result: Int32, starts: [Int], cr: Int, crlf: Int) in
            let from = bounds[k], n = bounds[k + 1] - bounds[k]
            let cap = n / 8 + 64
            var result: Int32 = 0, count = 0, cr = 0, crlf = 0
            let starts = [Int](unsafeUninitializedCapacity: cap + 1) { out, filled in
                out[0] = 0
                result = b.withUnsafeBufferPointer { p in
                    copydesk_utf8_valid_lines(p.baseAddress.map { $0 + from }, n, from, out.baseAddress! + 1, cap, &count, &cr, &crlf)
                }
                filled = result == 1 ? count + 1 : 1
            }
            return (result, starts, cr, crlf)
        }
        if parts.contains(where: { $0.result < 0 }) { return nil }
        if parts.contains(where: { $0.result == 0 }) { return (false, [], 0, 0, 0) }
        var starts: [Int]
        if parts.count == 1 {
            starts = parts[0].starts
        } else {
            starts = [0]
            starts.reserveCapacity(parts.reduce(1) { $0 + $1.starts.count - 1 })
            for part in parts { starts.append(contentsOf: part.starts.dropFirst()) }
        }
        var cr = 0, crlf = 0
        for part in parts { cr += part.cr; crlf += part.crlf }
        // A CRLF cut between two parts.
        for k in 1..<bounds.count - 1 where bounds[k] > 0 && bounds[k] < b.count && b[bounds[k] - 1] == 0x0D && b[bounds[k]] == 0x0A {
            crlf += 1
        }
        return (true, starts, cr, crlf, starts.count - 1 - crlf)
    }

    /// `old` as UTF-8 text: its bytes and line table, the encoding UTF-8 (what `init(trusted:hasBOM:)` of its bytes
    /// gives, without reading them again).
    init(utf8Of old: consuming SourceText) {
        bytes = old.bytes
        hasBOM = old.hasBOM
        encoding = .utf8
        lineStarts = old.lineStarts
        usesCRLF = old.usesCRLF
        hasCR = old.hasCR
    }

    /// `old`'s line table without its bytes (`Document.detached()`): what the fixer's update of a document reads of
    /// the document before a pass (line starts, line count) once the pass has written the new text over the old one
    /// in the same buffer. Its `bytes` are empty: nothing may read text or line contents through it.
    init(lineTableOf old: SourceText) {
        bytes = []
        hasBOM = old.hasBOM
        encoding = old.encoding
        lineStarts = old.lineStarts
        usesCRLF = old.usesCRLF
        hasCR = old.hasCR
    }

    /// `old` turned into `body` by `edits` (sorted, non-overlapping, in `old`'s offsets) none of which holds or replaces
    /// a line break: the line table is `old`'s with each start moved by the growth of the edits before it, without
    /// reading the text again (the fixer's later passes edit a few lines of a large text). Nil when `old` has a CR:
    /// an edit beside one could join it with an LF or part them.
    init?(edited old: SourceText, to body: [UInt8], edits: [AppliedEdit]) {
        guard !old.hasCR, !edits.contains(where: \.touchesLineBreak) else { return nil }
        var starts = old.lineStarts
        var delta = 0, e = 0
        starts.withUnsafeMutableBufferPointer { s in
            edits.withUnsafeBufferPointer { es in
                for l in s.indices {
                    let start = s[l]
                    // An edit before the line's start (an insertion at the start itself goes into the line).
                    while e < es.count && es[e].range.lowerBound < start { delta += es[e].newLength - es[e].range.count; e += 1 }
                    s[l] = start + delta
                }
            }
        }
        bytes = body
        hasBOM = old.hasBOM
        encoding = old.encoding
        lineStarts = starts
        usesCRLF = old.usesCRLF
        hasCR = false
    }

    /// The bytes to write back for fixed text `body` (UTF-8): the BOM restored and, for a UTF-16 draft, encoded in
    /// its own byte order.
    public static func fileBytes(_ body: [UInt8], hasBOM: Bool, encoding: TextEncoding) -> [UInt8] {
        switch encoding {
        case .utf8: return hasBOM ? [0xEF, 0xBB, 0xBF] + body : body
        case .utf16LE, .utf16BE: return encodeUTF16(body, bom: hasBOM, bigEndian: encoding == .utf16BE)
        }
    }

    /// The text of a file's bytes as UTF-8 for display (diffs): UTF-16 decoded, anything else as it is.
    public static func displayBytes(_ raw: [UInt8]) -> [UInt8] {
        guard let (enc, bom) = utf16Encoding(raw), let body = try? decodeUTF16(raw, from: bom, bigEndian: enc == .utf16BE) else { return raw }
        return body
    }

    // MARK: UTF-16

    /// UTF-16 by its BOM, or without one by its line breaks (in the first 8 KB). Returns the encoding and the BOM's
    /// length.
    static func utf16Encoding(_ raw: [UInt8]) -> (TextEncoding, Int)? {
        if raw.count >= 2 && raw[0] == 0xFF && raw[1] == 0xFE {
            if raw.count >= 4 && raw[2] == 0 && raw[3] == 0 { return nil }   // UTF-32LE: not supported (binary)
            return (.utf16LE, 2)
        }
        if raw.count >= 2 && raw[0] == 0xFE && raw[1] == 0xFF { return (.utf16BE, 2) }
        guard raw.count >= 2, raw.count % 2 == 0 else { return nil }
        // Without a zero byte there is no UTF-16 line break (most files: one `memchr`).
        if firstZero(raw, within: 8192) == nil { return nil }
        // Line breaks decide: an ASCII CR or LF is `0D 00`/`0A 00` in UTF-16LE and `00 0D`/`00 0A` in UTF-16BE
        // (the other order would be U+0A00/U+0D00, Gurmukhi and Malayalam signs). Han such as 一 (U+4E00) also
        // has a zero byte, so counting zeros alone would not do.
        var le = 0, be = 0
        let n = min(raw.count, 8192)
        var i = 0
        while i + 1 < n {
            let a = raw[i], b = raw[i + 1]
            if b == 0 && (a == 0x0A || a == 0x0D) { le += 1 }
            if a == 0 && (b == 0x0A || b == 0x0D) { be += 1 }
            i += 2
        }
        if le > 0 && be == 0 { return (.utf16LE, 0) }
        if be > 0 && le == 0 { return (.utf16BE, 0) }
        return nil
    }

    /// Offset of the first zero byte among the first `limit` bytes (`memchr`, several bytes a cycle).
    static func firstZero(_ b: [UInt8], within limit: Int) -> Int? {
        b.withUnsafeBufferPointer { p -> Int? in
            guard let base = p.baseAddress, let hit = memchr(base, 0, min(limit, p.count)) else { return nil }
            return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        }
    }

    /// UTF-16 code units from `start` to UTF-8. Control characters make it binary; an unpaired surrogate invalid.
    static func decodeUTF16(_ raw: [UInt8], from start: Int, bigEndian: Bool) throws(InputError) -> [UInt8] {
        let enc: TextEncoding = bigEndian ? .utf16BE : .utf16LE
        if (raw.count - start) % 2 != 0 { throw .invalidUTF16(enc, byteOffset: raw.count - 1) }
        var out: [UInt8] = []
        out.reserveCapacity((raw.count - start) * 3 / 2)
        var i = start
        let n = raw.count
        @inline(__always) func unit(_ k: Int) -> UInt32 {
            bigEndian ? UInt32(raw[k]) << 8 | UInt32(raw[k + 1]) : UInt32(raw[k + 1]) << 8 | UInt32(raw[k])
        }
        while i + 1 < n {
            var u = unit(i)
            let at = i
            i += 2
            // NUL and other C0 controls (but tab, LF, FF, CR) do not occur in text: binary data that happened to look
            // like UTF-16.
            if u < 0x20 && u != 0x09 && u != 0x0A && u != 0x0C && u != 0x0D { throw .binary(byteOffset: at) }
            if u >= 0xD800 && u <= 0xDBFF {
                guard i + 1 < n else { throw .invalidUTF16(enc, byteOffset: at) }
                let lo = unit(i)
                guard lo >= 0xDC00 && lo <= 0xDFFF else { throw .invalidUTF16(enc, byteOffset: at) }
                i += 2
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00)
            } else if u >= 0xDC00 && u <= 0xDFFF {
                throw .invalidUTF16(enc, byteOffset: at)
            }
            appendUTF8(&out, u)
        }
        return out
    }

    @inline(__always) static func appendUTF8(_ out: inout [UInt8], _ u: UInt32) {
        if u < 0x80 { out.append(UInt8(u)) }
        else if u < 0x800 { out.append(UInt8(0xC0 | u >> 6)); out.append(UInt8(0x80 | u & 0x3F)) }
        else if u < 0x10000 {
            out.append(UInt8(0xE0 | u >> 12)); out.append(UInt8(0x80 | (u >> 6) & 0x3F)); out.append(UInt8(0x80 | u & 0x3F))
        } else {
            out.append(UInt8(0xF0 | u >> 18)); out.append(UInt8(0x80 | (u >> 12) & 0x3F))
            out.append(UInt8(0x80 | (u >> 6) & 0x3F)); out.append(UInt8(0x80 | u & 0x3F))
        }
    }

    /// Valid UTF-8 to UTF-16 in the given byte order, with a BOM when asked.
    static func encodeUTF16(_ body: [UInt8], bom: Bool, bigEndian: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(body.count * 2 + 2)
        func put(_ u: UInt32) {
            if bigEndian { out.append(UInt8(u >> 8)); out.append(UInt8(u & 0xFF)) } else { out.append(UInt8(u & 0xFF)); out.append(UInt8(u >> 8)) }
        }
        if bom { put(0xFEFF) }
        body.withUnsafeBufferPointer { p in
            var i = 0
            while i < p.count {
                let (v, len) = decodeScalar(p, i)
                if v >= 0x10000 { put(0xD800 + ((v - 0x10000) >> 10)); put(0xDC00 + ((v - 0x10000) & 0x3FF)) } else { put(v) }
                i += len
            }
        }
        return out
    }

    public var lineCount: Int { lineStarts.count }

    /// 0-based line index containing `offset`.
    public func lineIndex(of offset: Int) -> Int {
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    /// `lineIndex(of:)`, trying `hint` and the line after it first (callers that walk offsets in order skip the
    /// search).
    public func lineIndex(of offset: Int, near hint: Int) -> Int {
        let n = lineStarts.count
        if hint >= 0 && hint < n && lineStarts[hint] <= offset {
            if hint + 1 == n || lineStarts[hint + 1] > offset { return hint }
            if hint + 2 == n || lineStarts[hint + 2] > offset { return hint + 1 }
        }
        return lineIndex(of: offset)
    }

    /// 0-based line, 1-based scalar, UTF-16 and byte columns of an offset, with one line search (`hint` as in
    /// `lineIndex(of:near:)`) and one column lookup: what `position(of:)`, `utf16Column(of:)` and
    /// `byteColumn(of:)` give together.
    func allColumns(of offset: Int, near hint: Int) -> (line: Int, scalar: Int, utf16: Int, byte: Int) {
        let li = lineIndex(of: offset, near: hint)
        let c = columns.columns(self, line: li, offset: offset)
        return (li, c.scalar, c.utf16, offset - lineStarts[li] + 1)
    }

    /// The byte range of line `index` without its line terminator (`\n` or `\r\n`).
    /// A text without CR needs no look at its bytes: reading the byte before each line start of a large page was a
    /// cache miss per line (most of the time the plain-text block scan took).
    public func lineContent(_ index: Int) -> Range<Int> {
        let start = lineStarts[index]
        var end = index + 1 < lineStarts.count ? lineStarts[index + 1] - 1 : bytes.count
        if hasCR {
            if end > start && bytes[end - 1] == 0x0D && index + 1 < lineStarts.count { end -= 1 }
            else if index + 1 == lineStarts.count && end > start && bytes[end - 1] == 0x0D { end -= 1 }
        }
        return start..<max(start, end)
    }

    /// 1-based line and 1-based Unicode-scalar column of a byte offset.
    public func position(of offset: Int) -> (line: Int, column: Int) {
        let li = lineIndex(of: offset)
        return (li + 1, columns.columns(self, line: li, offset: offset).scalar)
    }

    /// 1-based UTF-16 column (for LSP and GitHub annotations).
    public func utf16Column(of offset: Int) -> Int {
        columns.columns(self, line: lineIndex(of: offset), offset: offset).utf16
    }

    /// 1-based byte column (rdjson, swiftc).
    public func byteColumn(of offset: Int) -> Int {
        offset - lineStarts[lineIndex(of: offset)] + 1
    }

    /// `range` without the characters `isSpace` accepts at its ends, found on the bytes (whole characters).
    @inline(__always) func trimmed(_ range: Range<Int>, where isSpace: (UInt32) -> Bool) -> Range<Int> {
        bytes.withUnsafeBufferPointer { p -> Range<Int> in
            var lo = range.lowerBound, hi = range.upperBound
            while lo < hi {
                let (v, n) = decodeScalar(p, lo)
                if !isSpace(v) { break }
                lo += n
            }
            while hi > lo {
                var s = hi - 1
                while s > lo && p[s] & 0xC0 == 0x80 { s -= 1 }
                if !isSpace(decodeScalar(p, s).0) { break }
                hi = s
            }
            return lo..<hi
        }
    }

    public func string(_ range: Range<Int>) -> String {
        String(decoding: bytes[range], as: UTF8.self)
    }

    public var string: String { String(decoding: bytes, as: UTF8.self) }

    // MARK: validation

    /// Offset of the first byte that does not start a valid UTF-8 sequence (RFC 3629: no overlongs, no surrogates,
    /// nothing above U+10FFFF), or nil. Byte tests only, no decoding: about two comparisons per byte of Chinese text.
    static func firstInvalidUTF8(_ b: [UInt8]) -> Int? {
        // Nearly every file is valid: a branch-free DFA answers that; only an invalid file is walked again to find
        // where the first bad sequence starts.
        if isValidUTF8(b) { return nil }
        return firstInvalidUTF8Slow(b)
    }

    /// A shift-based DFA (one table load, one shift per byte, no branch on the byte's kind). Each of the 9 states is
    /// a multiple of 6; `table[byte] >> state & 63` is the next state. State 0 accepts; 48 is the error sink.
    static let utf8DFA: [UInt64] = {
        // States (as indices): 0 accept, 1 one continuation left, 2 two left, 3 after E0, 4 after ED, 5 after F0,
        // 6 three left (F1–F3), 7 after F4, 8 error.
        func next(_ s: Int, _ c: Int) -> Int {
            let cont = (0x80...0xBF).contains(c)
            switch s {
            case 0:
                switch c {
                case 0x00...0x7F: return 0
                case 0xC2...0xDF: return 1
                case 0xE0: return 3
                case 0xE1...0xEC, 0xEE...0xEF: return 2
                case 0xED: return 4
                case 0xF0: return 5
                case 0xF1...0xF3: return 6
                case 0xF4: return 7
                default: return 8
                }
            case 1: return cont ? 0 : 8
            case 2: return cont ? 1 : 8
            case 3: return (0xA0...0xBF).contains(c) ? 1 : 8
            case 4: return (0x80...0x9F).contains(c) ? 1 : 8
            case 5: return (0x90...0xBF).contains(c) ? 2 : 8
            case 6: return cont ? 2 : 8
            case 7: return (0x80...0x8F).contains(c) ? 2 : 8
            default: return 8
            }
        }
        return (0..<256).map { c in
            var row: UInt64 = 0
            for s in 0..<9 { row |= UInt64(next(s, c) * 6) << UInt64(s * 6) }
            return row
        }
    }()

    /// Whether `b` is valid UTF-8. A large text is checked in chunks on all cores: each chunk starts at a byte that
    /// is not a continuation byte, so in a valid text at a scalar's start, and the text is valid exactly when every
    /// chunk is (a sequence cut by a chunk's end leaves that chunk's automaton short of accepting).
    static func isValidUTF8(_ b: [UInt8]) -> Bool {
        let chunks = Parallel.chunks(forBytes: b.count)
        guard chunks > 1 else { return isValidUTF8(b, 0..<b.count) }
        let bounds = characterBounds(b, parts: chunks)
        return !Parallel.map(chunks) { k in isValidUTF8(b, bounds[k]..<bounds[k + 1]) }.contains(false)
    }

    /// `parts + 1` offsets that cut `b` into about equal parts, each cut moved forward to a byte that is no
    /// continuation byte (the first 0, the last `b.count`), so that each part can be validated on its own.
    static func characterBounds(_ b: [UInt8], parts: Int) -> [Int] {
        var bounds = [0]
        for k in 1..<max(1, parts) {
            var i = max(bounds[k - 1], b.count / parts * k)
            while i < b.count && b[i] & 0xC0 == 0x80 { i += 1 }
            bounds.append(i)
        }
        bounds.append(b.count)
        return bounds
    }

    /// Whether the CPU validates thirty-two bytes a step (`copydesk_utf8_valid`, AVX2).
    static let vectorValidation = copydesk_cpu_avx2() != 0

    /// Whether `b[range]` is valid UTF-8 on its own: thirty-two bytes a step where the CPU has AVX2 (the lookup
    /// method in `Sources/CByteClass/utf8.c`: ~0.5 instructions a byte against ~5 for the automaton below on Chinese
    /// text), else the automaton (`vector: false` runs it anyway: the reference the tests compare with).
    static func isValidUTF8(_ b: [UInt8], _ range: Range<Int>, vector: Bool = vectorValidation) -> Bool {
        if vector {
            let r = b.withUnsafeBufferPointer { p in copydesk_utf8_valid(p.baseAddress.map { $0 + range.lowerBound }, range.count) }
            if r >= 0 { return r == 1 }
        }
        return isValidUTF8Automaton(b, range)
    }

    /// `isValidUTF8(_:_:)` by the automaton. A range of 128 bytes or more is cut in two at a byte that is not a
    /// continuation byte and both halves are walked in one loop: two independent chains of table loads and shifts
    /// instead of one (the text is valid exactly when both halves are, as for the chunks above).
    static func isValidUTF8Automaton(_ b: [UInt8], _ range: Range<Int>) -> Bool {
        utf8DFA.withUnsafeBufferPointer { t in
            b.withUnsafeBufferPointer { p -> Bool in
                var i = range.lowerBound, n = range.upperBound
                var sa: UInt64 = 0, sb: UInt64 = 0
                if range.count >= 128 {
                    var mid = range.lowerBound + range.count / 2
                    while mid < n && p[mid] & 0xC0 == 0x80 { mid += 1 }
                    var j = mid
                    // The state's low six bits are the next shift (`&>>` shifts by them alone), so the chain per
                    // byte is one shift; the bits above are masked off only where the state is read.
                    while i &+ 64 <= mid && j &+ 64 <= n {
                        if sa & 63 == 0 && UnsafeRawPointer(p.baseAddress! + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 { i &+= 8; continue }
                        if sb & 63 == 0 && UnsafeRawPointer(p.baseAddress! + j).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 { j &+= 8; continue }
                        for _ in 0..<64 {
                            sa = t[Int(p[i])] &>> sa
                            sb = t[Int(p[j])] &>> sb
                            i &+= 1; j &+= 1
                        }
                        if sa & 63 == 48 || sb & 63 == 48 { return false }
                    }
                    // The second half's rest, then the first half's rest (below).
                    guard walk(t, p, &sb, j, n), sb & 63 == 0 else { return false }
                    n = mid
                }
                return walk(t, p, &sa, i, n) && sa & 63 == 0
            }
        }
    }

    /// The DFA from state `state` over `p[i..<n]`; false once it is in the error state.
    @inline(__always)
    private static func walk(_ t: UnsafeBufferPointer<UInt64>, _ p: UnsafeBufferPointer<UInt8>, _ state: inout UInt64, _ start: Int, _ n: Int) -> Bool {
        var i = start
        while i < n {
            // Eight ASCII bytes at once while between sequences.
            if state & 63 == 0 && i + 8 <= n {
                let w = UnsafeRawPointer(p.baseAddress! + i).loadUnaligned(as: UInt64.self)
                if w & 0x8080_8080_8080_8080 == 0 { i += 8; continue }
            }
            let end = min(n, i + 64)
            while i < end {
                state = t[Int(p[i])] &>> state
                i += 1
            }
            if state & 63 == 48 { return false }
        }
        return true
    }

    static func firstInvalidUTF8Slow(_ b: [UInt8]) -> Int? {
        b.withUnsafeBufferPointer { p -> Int? in
            var i = 0
            let n = p.count
            while i < n {
                let c = p[i]
                if c < 0x80 { i += 1; continue }
                if c < 0xC2 { return i }                                   // continuation byte or overlong lead
                if c < 0xE0 {
                    if i + 1 >= n || p[i + 1] & 0xC0 != 0x80 { return i }
                    i += 2; continue
                }
                if c < 0xF0 {
                    if i + 2 >= n { return i }
                    let c1 = p[i + 1], c2 = p[i + 2]
                    if c1 & 0xC0 != 0x80 || c2 & 0xC0 != 0x80 { return i }
                    if c == 0xE0 && c1 < 0xA0 { return i }                  // overlong
                    if c == 0xED && c1 >= 0xA0 { return i }                 // surrogate
                    i += 3; continue
                }
                if c < 0xF5 {
                    if i + 3 >= n { return i }
                    let c1 = p[i + 1]
                    if c1 & 0xC0 != 0x80 || p[i + 2] & 0xC0 != 0x80 || p[i + 3] & 0xC0 != 0x80 { return i }
                    if c == 0xF0 && c1 < 0x90 { return i }                  // overlong
                    if c == 0xF4 && c1 >= 0x90 { return i }                 // above U+10FFFF
                    i += 4; continue
                }
                return i
            }
            return nil
        }
    }

    /// Line and column of a byte offset before the text is known to be valid (LF, CRLF and lone CR end lines).
    static func roughPosition(_ b: [UInt8], _ offset: Int) -> (Int, Int) {
        var line = 1, col = 1
        for i in 0..<offset {
            let c = b[i]
            if c == 0x0A { if i == 0 || b[i - 1] != 0x0D { line += 1 }; col = 1 }
            else if c == 0x0D { line += 1; col = 1 }
            else if c & 0xC0 != 0x80 { col += 1 }
        }
        return (line, col)
    }
}

/// Per-line column tables (scalar and UTF-16 columns for every byte offset of one line), built on first use.
/// Lines longer than `maxTable` bytes get checkpoints every `step` bytes instead, and a query counts from the
/// nearest checkpoint before it: linear in the line either way, whatever order the queries come in.
final class ColumnCache: @unchecked Sendable {
    static let maxTable = 1 << 20
    static let step = 4096
    struct Table {
        var line: Int
        var start: Int
        var scalar: [Int32]
        var utf16: [Int32]
        /// Long lines only: byte offset, scalar and UTF-16 column of the first scalar at or after each step.
        var checkpoints: [(offset: Int, scalar: Int, utf16: Int)] = []
    }
    private let lock = NSLock()
    /// One stored property, read and written once per call (few exclusivity checks on the hot path).
    private var table: Table?

    func columns(_ src: SourceText, line li: Int, offset: Int) -> (scalar: Int, utf16: Int) {
        let lineStart = src.lineStarts[li]
        let lineEnd = li + 1 < src.lineStarts.count ? src.lineStarts[li + 1] : src.bytes.count
        lock.lock()
        var t = table
        lock.unlock()
        let long = lineEnd - lineStart > ColumnCache.maxTable
        if t?.line != li {
            t = long ? ColumnCache.checkpointTable(src, li, lineStart, lineEnd) : ColumnCache.fullTable(src, li, lineStart, lineEnd)
            lock.lock(); table = t; lock.unlock()
        }
        let tt = t!
        if long {
            // The last checkpoint at or before `offset`, then count.
            var lo = 0, hi = tt.checkpoints.count - 1
            while lo < hi { let mid = (lo + hi + 1) / 2; if tt.checkpoints[mid].offset <= offset { lo = mid } else { hi = mid - 1 } }
            var (i, col, u16) = tt.checkpoints.isEmpty ? (lineStart, 1, 1) : tt.checkpoints[lo]
            while i < offset && i < src.bytes.count {
                let n = utf8Length(leading: src.bytes[i])
                col += 1
                u16 += n == 4 ? 2 : 1
                i += n
            }
            return (col, u16)
        }
        let k = min(max(0, offset - tt.start), tt.scalar.count - 1)
        return (Int(tt.scalar[k]), Int(tt.utf16[k]))
    }

    static func fullTable(_ src: SourceText, _ li: Int, _ lineStart: Int, _ lineEnd: Int) -> Table {
        let n = lineEnd - lineStart
        var scalar = [Int32](repeating: 0, count: n + 1)
        var utf16 = [Int32](repeating: 0, count: n + 1)
        var col: Int32 = 1, u: Int32 = 1
        var i = lineStart
        while i < lineEnd {
            let len = utf8Length(leading: src.bytes[i])
            for k in 0..<len where i + k - lineStart <= n { scalar[i + k - lineStart] = col; utf16[i + k - lineStart] = u }
            col += 1
            u += len == 4 ? 2 : 1
            i += len
        }
        scalar[n] = col; utf16[n] = u
        return Table(line: li, start: lineStart, scalar: scalar, utf16: utf16)
    }

    static func checkpointTable(_ src: SourceText, _ li: Int, _ lineStart: Int, _ lineEnd: Int) -> Table {
        var cps: [(offset: Int, scalar: Int, utf16: Int)] = [(lineStart, 1, 1)]
        var col = 1, u = 1
        var i = lineStart
        var next = lineStart + step
        while i < lineEnd {
            if i >= next { cps.append((i, col, u)); next += step }
            let len = utf8Length(leading: src.bytes[i])
            col += 1
            u += len == 4 ? 2 : 1
            i += len
        }
        return Table(line: li, start: lineStart, scalar: [], utf16: [], checkpoints: cps)
    }
}
