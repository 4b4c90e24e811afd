import Foundation

/// Helpers shared by the CI formats (SARIF, rdjson, GitHub, checkstyle): report paths, URIs, stable hashes.
/// Formatting only: nothing here decides what is a finding.
public enum ReportPath {
    /// The path CI tools expect: relative to `base` (the repository root, normally the working folder) when the
    /// path lies under it, forward slashes, no leading `./`. Paths outside `base` stay absolute.
    public static func display(_ path: String, base: String?) -> String {
        var p = path
        #if os(Windows)
        p = p.replacingOccurrences(of: "\\", with: "/")
        #endif
        if p.hasPrefix("/"), var b = base, !b.isEmpty {
            if !b.hasSuffix("/") { b += "/" }
            if p.hasPrefix(b) { p = String(p.dropFirst(b.count)) }
        }
        while p.hasPrefix("./") { p = String(p.dropFirst(2)) }
        // Foundation's search and replace only when the bytes hold `//` or `/./` (no other text matches them).
        if hasSlashPair(p) {
            while p.contains("//") { p = p.replacingOccurrences(of: "//", with: "/") }
            p = p.replacingOccurrences(of: "/./", with: "/")
        }
        return p
    }

    /// Whether `p`'s UTF-8 holds `//` or `/./`.
    private static func hasSlashPair(_ p: String) -> Bool {
        var a: UInt8 = 0, b: UInt8 = 0   // the two bytes before
        for c in p.utf8 {
            if c == 0x2F && (b == 0x2F || (b == 0x2E && a == 0x2F)) { return true }
            a = b; b = c
        }
        return false
    }

    /// An RFC 3986 URI reference for a display path: unreserved characters and `/` kept, every other UTF-8 byte
    /// percent-encoded (spaces, `#`, `%`, CJK…). Absolute paths become `file://` URIs.
    public static func uri(_ displayPath: String) -> String {
        var out: [UInt8] = displayPath.hasPrefix("/") ? Array("file://".utf8) : []
        let digits: StaticString = "0123456789ABCDEF"
        for b in displayPath.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"):
                out.append(b)
            default:
                out.append(0x25)
                digits.withUTF8Buffer { d in out.append(d[Int(b >> 4)]); out.append(d[Int(b & 0xF)]) }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func hex2(_ b: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(b >> 4)], digits[Int(b & 0xF)]])
    }
}

/// A hash that is the same in every process and on every machine (unlike Swift's `Hasher`, which is seeded
/// per process): 64-bit FNV-1a over UTF-8, as 16 lowercase hex digits.
public enum StableHash {
    public static func fnv1a64(_ parts: String...) -> String {
        fnv1a64(parts, tail: UnsafeBufferPointer(start: nil, count: 0))
    }

    /// The hash of `parts` followed by the bytes `tail` (the same as passing `tail` as one more string).
    static func fnv1a64(_ parts: String..., tail: UnsafeBufferPointer<UInt8>) -> String {
        fnv1a64(parts, tail: tail)
    }

    private static func fnv1a64(_ parts: [String], tail: UnsafeBufferPointer<UInt8>) -> String {
        hex(value(parts, tail: tail))
    }

    /// The hash of `parts` followed by `tail`, as a number.
    static func value(_ parts: String..., tail: UnsafeBufferPointer<UInt8>) -> UInt64 { value(parts, tail: tail) }

    private static func value(_ parts: [String], tail: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        @inline(__always) func add(_ p: UnsafeBufferPointer<UInt8>) {
            for b in p {
                h ^= UInt64(b)
                h = h &* 0x0000_0100_0000_01B3
            }
        }
        for var s in parts {
            // Over the contiguous UTF-8 of each part: the hash of the concatenation, without building it.
            s.withUTF8 { add($0) }
        }
        add(tail)
        return h
    }

    /// `value(p, "\u{0}", tail: tail)` for every `p` of `prefixes`, into `out` (emptied first), in order: the
    /// prefixes are hashed one by one, then the tail once for up to four of them together (independent chains,
    /// so the processor overlaps their multiplications).
    static func values(_ prefixes: [String], tail: UnsafeBufferPointer<UInt8>, into out: inout [UInt64]) {
        out.removeAll(keepingCapacity: true)
        let empty = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
        for p in prefixes { out.append(value(p, "\u{0}", tail: empty)) }
        let prime: UInt64 = 0x0000_0100_0000_01B3
        var k = 0
        while k < out.count {
            switch out.count - k {
            case 1:
                var a = out[k]
                for b in tail { a = (a ^ UInt64(b)) &* prime }
                out[k] = a
                k += 1
            case 2:
                var a = out[k], c = out[k + 1]
                for b in tail { let v = UInt64(b); a = (a ^ v) &* prime; c = (c ^ v) &* prime }
                out[k] = a; out[k + 1] = c
                k += 2
            case 3:
                var a = out[k], c = out[k + 1], d = out[k + 2]
                for b in tail { let v = UInt64(b); a = (a ^ v) &* prime; c = (c ^ v) &* prime; d = (d ^ v) &* prime }
                out[k] = a; out[k + 1] = c; out[k + 2] = d
                k += 3
            default:
                var a = out[k], c = out[k + 1], d = out[k + 2], e = out[k + 3]
                for b in tail {
                    let v = UInt64(b)
                    a = (a ^ v) &* prime; c = (c ^ v) &* prime; d = (d ^ v) &* prime; e = (e ^ v) &* prime
                }
                out[k] = a; out[k + 1] = c; out[k + 2] = d; out[k + 3] = e
                k += 4
            }
        }
    }

    /// 16 lowercase hex digits.
    static func hex(_ h: UInt64) -> String {
        var out: [UInt8] = []
        appendHex(&out, h)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `h` as 16 lowercase hex digits.
    @inline(__always) static func appendHex(_ out: inout [UInt8], _ h: UInt64) {
        var shift = 60
        while shift >= 0 {
            let d = UInt8((h >> UInt64(shift)) & 0xF)
            out.append(d < 10 ? 0x30 + d : 0x57 + d)
            shift -= 4
        }
    }
}

extension SourceText {
    /// The text of the line holding `offset`, without its terminator.
    func lineText(containing offset: Int) -> String {
        string(lineContent(lineIndex(of: min(offset, bytes.count))))
    }
}

extension Fix {
    /// `summary` as a JSON string literal, written into `out` (no string made for it): the same bytes as
    /// `JSONBytes.string(&out, summary)` (escaping goes scalar by scalar, so the parts are escaped one by one).
    func appendSummaryJSON(_ out: inout [UInt8]) {
        guard editCount == 1, let e = firstEdit, !e.replacement.isEmpty else { JSONBytes.string(&out, summary); return }
        JSONBytes.ascii(&out, e.range.isEmpty ? "\"插入 “" : "\"改为 “")
        JSONBytes.stringBody(&out, e.replacement)
        JSONBytes.ascii(&out, "”\"")
    }

    /// A short description of a fix in the words the text reporter uses (删除 / 插入 “x” / 改为 “x”).
    var summary: String {
        if edits.count == 1 {
            let e = edits[0]
            if e.replacement.isEmpty { return "删除" }
            return (e.range.isEmpty ? "插入 “" : "改为 “") + e.replacement + "”"
        }
        return "\(edits.count) 处修改"
    }
}
