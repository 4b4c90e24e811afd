/// Character classes used by the spacing scanner and by the document model.
/// Classification is a table lookup for the Basic Multilingual Plane and a few range checks above it;
/// it never goes through `Character` or regular expressions (hot path).
public struct CharClass: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let han = CharClass(rawValue: 1 << 0)
    public static let kana = CharClass(rawValue: 1 << 1)
    public static let hangul = CharClass(rawValue: 1 << 2)
    public static let latin = CharClass(rawValue: 1 << 3)
    public static let digit = CharClass(rawValue: 1 << 4)
    public static let fullwidthAlnum = CharClass(rawValue: 1 << 5)
    /// Full-width punctuation that is neither an opening nor a closing bracket or quote.
    public static let fullwidthOther = CharClass(rawValue: 1 << 6)
    public static let fullwidthOpen = CharClass(rawValue: 1 << 7)
    public static let fullwidthClose = CharClass(rawValue: 1 << 8)
    public static let halfwidthOther = CharClass(rawValue: 1 << 9)
    public static let halfwidthOpen = CharClass(rawValue: 1 << 10)
    public static let halfwidthClose = CharClass(rawValue: 1 << 11)
    public static let space = CharClass(rawValue: 1 << 12)          // U+0020
    public static let tab = CharClass(rawValue: 1 << 13)
    public static let ideographicSpace = CharClass(rawValue: 1 << 14) // U+3000
    public static let nbsp = CharClass(rawValue: 1 << 15)           // U+00A0 and the other Unicode spaces
    public static let newline = CharClass(rawValue: 1 << 16)
    public static let invisible = CharClass(rawValue: 1 << 17)      // zero-width and format characters
    public static let other = CharClass(rawValue: 1 << 18)
    /// Pseudo-classes for boundary rules: the start or end of a line (never set on a character).
    public static let lineStart = CharClass(rawValue: 1 << 30)
    public static let lineEnd = CharClass(rawValue: 1 << 31)

    public static let cjk: CharClass = [.han, .kana, .hangul]
    public static let fullwidthPunct: CharClass = [.fullwidthOther, .fullwidthOpen, .fullwidthClose]
    public static let halfwidthPunct: CharClass = [.halfwidthOther, .halfwidthOpen, .halfwidthClose]
    public static let whitespace: CharClass = [.space, .tab, .ideographicSpace, .nbsp]
    public static let anyCharacter = CharClass(rawValue: (1 << 19) - 1).subtracting([.newline, .space, .tab, .ideographicSpace, .nbsp])

    /// Names usable in rule files (`left:`, `right:`), with what they stand for.
    public static let names: [(String, CharClass)] = [
        ("han", .han), ("kana", .kana), ("hangul", .hangul), ("cjk", .cjk),
        ("latin", .latin), ("digit", .digit), ("alnum", [.latin, .digit]),
        ("fullwidth-alnum", .fullwidthAlnum),
        ("fullwidth-punct", .fullwidthPunct), ("fullwidth-open", .fullwidthOpen),
        ("fullwidth-close", .fullwidthClose), ("fullwidth-other", .fullwidthOther),
        ("halfwidth-punct", .halfwidthPunct), ("halfwidth-open", .halfwidthOpen),
        ("halfwidth-close", .halfwidthClose), ("halfwidth-other", .halfwidthOther),
        ("space", .space), ("tab", .tab), ("ideographic-space", .ideographicSpace), ("nbsp", .nbsp),
        ("whitespace", .whitespace), ("invisible", .invisible), ("other", .other),
        ("any", .anyCharacter), ("line-start", .lineStart), ("line-end", .lineEnd),
    ]

    public static func named(_ name: String) -> CharClass? { names.first(where: { $0.0 == name })?.1 }

    // MARK: classification

    /// The class of a Unicode scalar value.
    @inline(__always)
    public static func of(_ v: UInt32) -> CharClass {
        if v < 0x10000 { return CharClass(rawValue: bmpTable[Int(v)]) }
        return astral(v)
    }

    private static func astral(_ v: UInt32) -> CharClass {
        if (0x20000...0x3FFFF).contains(v) { return .han }        // CJK extensions B–H, compatibility supplement
        if (0x1D400...0x1D7FF).contains(v) { return .latin }      // mathematical alphanumerics
        if (0x1B000...0x1B16F).contains(v) { return .kana }
        if (0xE0000...0xE007F).contains(v) { return .invisible }  // tags
        return .other
    }

    /// The class of every BMP scalar as a bit index (0–18): 64 KB instead of the 256 KB of `bmpTable`, so the hot
    /// scanner loops keep more of it in cache.
    static let bmpIndex: [UInt8] = bmpTable.map { UInt8($0.trailingZeroBitCount) }

    /// Class bit index of any scalar.
    @inline(__always)
    static func index(of v: UInt32) -> Int {
        v < 0x10000 ? Int(bmpIndex[Int(v)]) : astral(v).rawValue.trailingZeroBitCount
    }

    static let bmpTable: [UInt32] = {
        var t = [UInt32](repeating: CharClass.other.rawValue, count: 0x10000)
        func set(_ r: ClosedRange<UInt32>, _ c: CharClass) { for v in r { t[Int(v)] = c.rawValue } }
        func set(_ s: String, _ c: CharClass) { for u in s.unicodeScalars { t[Int(u.value)] = c.rawValue } }
        // Letters: ASCII, Latin-1, Latin Extended, IPA, Greek, Cyrillic count as "latin" (Western script).
        set(0x41...0x5A, .latin); set(0x61...0x7A, .latin)
        set(0xC0...0x24F, .latin); t[0xD7] = CharClass.halfwidthOther.rawValue; t[0xF7] = CharClass.halfwidthOther.rawValue
        set(0x250...0x2AF, .latin); set(0x370...0x3FF, .latin); set(0x400...0x52F, .latin); set(0x1E00...0x1EFF, .latin)
        set(0x30...0x39, .digit)
        // ASCII punctuation.
        set("!\"#$%&'*+,-./:;<=>?@\\^_`|~", .halfwidthOther)
        set("([{", .halfwidthOpen); set(")]}", .halfwidthClose)
        set(0xA1...0xBF, .halfwidthOther)
        t[0x20] = CharClass.space.rawValue
        t[0x09] = CharClass.tab.rawValue
        t[0x0A] = CharClass.newline.rawValue; t[0x0D] = CharClass.newline.rawValue
        t[0x0B] = CharClass.invisible.rawValue; t[0x0C] = CharClass.invisible.rawValue
        set(0x00...0x08, .invisible); set(0x0E...0x1F, .invisible); t[0x7F] = CharClass.invisible.rawValue
        t[0xA0] = CharClass.nbsp.rawValue
        set(0x2000...0x200A, .nbsp); t[0x202F] = CharClass.nbsp.rawValue; t[0x205F] = CharClass.nbsp.rawValue
        set(0x200B...0x200F, .invisible); set(0x2028...0x202E, .invisible); set(0x2060...0x2064, .invisible)
        t[0xFEFF] = CharClass.invisible.rawValue; t[0xAD] = CharClass.invisible.rawValue
        t[0x3000] = CharClass.ideographicSpace.rawValue
        // Han: unified ideographs, extension A, compatibility ideographs, 〇 and the iteration mark 々.
        set(0x4E00...0x9FFF, .han); set(0x3400...0x4DBF, .han); set(0xF900...0xFAFF, .han)
        t[0x3007] = CharClass.han.rawValue; t[0x3005] = CharClass.han.rawValue
        set(0x2E80...0x2FDF, .han)   // radicals
        set(0x3040...0x30FF, .kana); t[0x30FB] = CharClass.fullwidthOther.rawValue; set(0x31F0...0x31FF, .kana)
        set(0xFF66...0xFF9F, .kana)
        set(0xAC00...0xD7AF, .hangul); set(0x1100...0x11FF, .hangul); set(0x3130...0x318F, .hangul)
        // Full-width punctuation: CJK symbols and punctuation, full-width forms, general punctuation used in Chinese.
        set(0x3001...0x3003, .fullwidthOther); set(0x3006...0x3006, .fullwidthOther); set(0x3012...0x3013, .fullwidthOther)
        set(0x301C...0x303F, .fullwidthOther)
        set("〈《「『【〔〖〘〚（［｛｟“‘", .fullwidthOpen)
        set("〉》」』】〕〗〙〛）］｝｠”’", .fullwidthClose)
        set("！＂＃＄％＆＇＊＋，－．／：；＜＝＞？＠＼＾＿｀｜～｡､･", .fullwidthOther)
        set("…—·‥–※●○■□◆◇★☆▲△", .fullwidthOther)
        set(0xFE10...0xFE19, .fullwidthOther); set(0xFE30...0xFE4F, .fullwidthOther)
        set("﹁﹃﹙﹛﹝", .fullwidthOpen); set("﹂﹄﹚﹜﹞", .fullwidthClose)
        set(0xFF10...0xFF19, .fullwidthAlnum); set(0xFF21...0xFF3A, .fullwidthAlnum); set(0xFF41...0xFF5A, .fullwidthAlnum)
        return t
    }()
}

/// Decodes one UTF-8 scalar starting at `i` of valid UTF-8 bytes. Returns the value and its length in bytes.
@inline(__always)
public func decodeScalar(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> (UInt32, Int) {
    let b0 = UInt32(p[i])
    if b0 < 0x80 { return (b0, 1) }
    if b0 < 0xE0 { return (((b0 & 0x1F) << 6) | (UInt32(p[i + 1]) & 0x3F), 2) }
    if b0 < 0xF0 {
        return (((b0 & 0x0F) << 12) | ((UInt32(p[i + 1]) & 0x3F) << 6) | (UInt32(p[i + 2]) & 0x3F), 3)
    }
    return (((b0 & 0x07) << 18) | ((UInt32(p[i + 1]) & 0x3F) << 12) | ((UInt32(p[i + 2]) & 0x3F) << 6) | (UInt32(p[i + 3]) & 0x3F), 4)
}

/// The number of bytes of a UTF-8 sequence that starts with `b0`.
@inline(__always)
public func utf8Length(leading b0: UInt8) -> Int {
    if b0 < 0x80 { return 1 }
    if b0 < 0xE0 { return 2 }
    if b0 < 0xF0 { return 3 }
    return 4
}

/// Display width of a scalar in terminal cells (UAX #11): wide and full-width take 2, combining marks 0.
/// Ambiguous characters (“”‘’…·—) take 2 by default, as in a Chinese locale.
public enum DisplayWidth {
    public static func of(_ v: UInt32, ambiguousIsWide: Bool = true) -> Int {
        if v < 0x1100 {
            if v < 0x20 || v == 0x7F { return 0 }
            if v < 0xA1 { return 1 }
        }
        if contains(EastAsianWidthTable.zeroWidth, v) { return 0 }
        if contains(EastAsianWidthTable.wide, v) { return 2 }
        if ambiguousIsWide && contains(EastAsianWidthTable.ambiguous, v) { return 2 }
        return 1
    }

    public static func of(_ s: Substring.UnicodeScalarView, ambiguousIsWide: Bool = true) -> Int {
        s.reduce(0) { $0 + of($1.value, ambiguousIsWide: ambiguousIsWide) }
    }

    private static func contains(_ table: [(UInt32, UInt32)], _ v: UInt32) -> Bool {
        var lo = 0, hi = table.count - 1
        while lo <= hi {
            let mid = (lo + hi) / 2
            if v < table[mid].0 { hi = mid - 1 } else if v > table[mid].1 { lo = mid + 1 } else { return true }
        }
        return false
    }
}
