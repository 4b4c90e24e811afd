/// `kind: phrases`: a list of literal phrases, each flagged or replaced (`wrong: right`), matched with one
/// Aho–Corasick automaton over UTF-8 bytes: thousands of phrases cost about as much as ten.
///
///     phrases:
///       - 北朝鲜: 朝鲜        # wrong → right ({match} and {replacement} in the message)
///       - 隆重召开            # flagged only
///     ignore-case: true       # ASCII letters only
///
/// A phrase that starts or ends with an ASCII letter or digit matches only at a word boundary on that side.
public struct PhrasesCheck: Check {
    public var phrases: [String]
    public var replacements: [String?]
    public var automaton: AhoCorasick
    private var boundaryStart: [Bool]
    private var boundaryEnd: [Bool]

    static let keys: Set<String> = ["phrases", "ignore-case"]

    init(_ m: StrictMapping) throws {
        let list = try m.required("phrases")
        var ph: [String] = [], rep: [String?] = []
        var seen: [String: SourceMark] = [:]
        for item in try list.list("phrases") {
            let (p, r): (String, String?)
            switch item {
            case .mapping(let pairs, let mark):
                guard pairs.count == 1 else { throw ConfigError(mark, "each entry of 'phrases' is a phrase or a single 'wrong: right' pair") }
                p = pairs[0].key
                if case .null = pairs[0].value { r = nil } else { r = try pairs[0].value.string("the replacement of '\(p)'") }
            default:
                p = try item.string("an entry of 'phrases'"); r = nil
            }
            guard !p.isEmpty else { throw ConfigError(item.mark, "empty phrase") }
            if let first = seen[p] { throw ConfigError(item.mark, "phrase '\(p)' is listed twice (first at line \(first.line))") }
            seen[p] = item.mark
            ph.append(p); rep.append(r)
        }
        guard !ph.isEmpty else { throw ConfigError(list.mark, "'phrases' is empty: the rule could never match") }
        phrases = ph
        replacements = rep
        let ci = try m["ignore-case"]?.bool("ignore-case") ?? false
        let bytes = ph.map { Array($0.utf8) }
        automaton = AhoCorasick(patterns: bytes, caseInsensitiveASCII: ci)
        func alnum(_ b: UInt8?) -> Bool { guard let b else { return false }; return (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A) }
        boundaryStart = bytes.map { alnum($0.first) }
        boundaryEnd = bytes.map { alnum($0.last) }
    }

    public func run(_ context: CheckContext, into findings: inout [Finding]) {
        var matches: [AhoCorasick.Match] = []
        let bytes = context.document.source.bytes
        bytes.withUnsafeBufferPointer { p in
            for seg in context.segments { automaton.matches(in: p, range: seg.range, into: &matches) }
        }
        func alnum(_ i: Int) -> Bool {
            guard i >= 0 && i < bytes.count else { return false }
            let b = bytes[i]
            return (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A)
        }
        for m in matches {
            if boundaryStart[m.pattern] && alnum(m.range.lowerBound - 1) { continue }
            if boundaryEnd[m.pattern] && alnum(m.range.upperBound) { continue }
            let repl = replacements[m.pattern]
            var fix: Fix? = nil
            if let repl, context.fixSafety != .none {
                fix = Fix(edits: [Edit(range: m.range, replacement: repl)], safety: context.fixSafety)
            }
            var message: String? = nil
            if context.message.contains("{") {
                message = substitute(context.message, ["match": context.document.source.string(m.range), "replacement": repl ?? ""])
            }
            findings.append(Finding(rule: context.ruleIndex, range: m.range, message: message, fix: fix))
        }
    }

}
