/// An in-document control comment:
///   `<!-- copydesk-disable rule-a, rule-b -- reason -->` … `<!-- copydesk-enable -->`
///   `<!-- copydesk-disable-next-line rule -->`, `<!-- copydesk-disable-line rule -->` (Markdown, same line)
/// Plain-text drafts use the same words on a line of their own after `#` or `//`: `# copydesk-disable rule -- reason`.
public struct Directive: Sendable {
    public enum Kind: String, Sendable {
        case disable = "copydesk-disable"
        case enable = "copydesk-enable"
        case disableNextLine = "copydesk-disable-next-line"
        case disableLine = "copydesk-disable-line"
    }

    public var kind: Kind
    /// Rule ids or prefixes (`spacing` matches every `spacing.*` rule); empty means all rules.
    public var rules: [String]
    public var reason: String?
    /// The byte range of the comment.
    public var range: Range<Int>
    /// 0-based line of the comment.
    public var line: Int

    public func matches(_ ruleID: String) -> Bool {
        rules.isEmpty || rules.contains { ruleID == $0 || ruleID.hasPrefix($0 + ".") }
    }

    static func isPlainTextDirectiveLine(_ source: SourceText, _ r: Range<Int>) -> Bool {
        // Cheap byte test first: the line must start (after spaces) with `#`, `/` or `<`.
        var i = r.lowerBound
        while i < r.upperBound && (source.bytes[i] == 0x20 || source.bytes[i] == 0x09) { i += 1 }
        guard i < r.upperBound, [0x23, 0x2F, 0x3C].contains(source.bytes[i]) else { return false }
        // Bytes only (Markdown-like `### title` lines are common in pasted text): the marker, white space, then
        // `copydesk-`.
        return source.bytes.withUnsafeBufferPointer { b -> Bool in
            func has(_ k: Int, _ lit: StaticString) -> Bool {
                let n = lit.utf8CodeUnitCount
                guard k + n <= r.upperBound else { return false }
                return lit.withUTF8Buffer { l in (0..<n).allSatisfy { b[k + $0] == l[$0] } }
            }
            var k: Int
            if b[i] == 0x23 { k = i + 1 } else if has(i, "//") { k = i + 2 } else if has(i, "<!--") { k = i + 4 } else { return false }
            while k < r.upperBound {
                let (v, n) = decodeScalar(b, k)
                guard CharClass.of(v).isSubset(of: .whitespace) || v == 0x0B || v == 0x0C || v == 0x85 || v == 0x1680
                        || v == 0x2028 || v == 0x2029 else { break }
                k += n
            }
            return has(k, "copydesk-")
        }
    }

    /// Parses the text of one comment (with or without `<!--`/`-->`, `#`, `//`).
    static func parseComment(_ raw: String, range: Range<Int>, line: Int) -> Directive? {
        var s = raw.trimmingSpaces
        if s.hasPrefix("<!--") { s = String(s.dropFirst(4)) }
        if s.hasSuffix("-->") { s = String(s.dropLast(3)) }
        if s.hasPrefix("#") { s = String(s.dropFirst()) } else if s.hasPrefix("//") { s = String(s.dropFirst(2)) }
        s = s.trimmingSpaces
        guard s.hasPrefix("copydesk-") else { return nil }
        var reason: String? = nil
        if let r = s.range(of: " -- ") ?? s.range(of: " —— ") {
            reason = String(s[r.upperBound...]).trimmingSpaces
            s = String(s[..<r.lowerBound])
        }
        let word = s.prefix { !$0.isWhitespace }
        guard let kind = Kind(rawValue: String(word)) else { return nil }
        let rest = s.dropFirst(word.count)
        let rules = rest.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "，" || $0 == "\t" }).map(String.init).filter { $0 != "all" }
        return Directive(kind: kind, rules: rules, reason: reason, range: range, line: line)
    }

    static func parse(source: SourceText, blocks: [Block], verbatim: [Range<Int>], format: Document.Format) -> [Directive] {
        var out: [Directive] = []
        let marker = Array("copydesk-".utf8)
        func mentions(_ r: Range<Int>) -> Bool {
            guard r.count >= marker.count else { return false }
            var i = r.lowerBound
            while i + marker.count <= r.upperBound {
                if source.bytes[i] == 0x63 && source.bytes[i..<(i + marker.count)].elementsEqual(marker) { return true }
                i += 1
            }
            return false
        }
        switch format {
        case .plainText:
            for b in blocks where b.kind == .comment {
                for (k, r) in b.content.enumerated() {
                    if let d = parseComment(source.string(r), range: r, line: b.lines.lowerBound + k) { out.append(d) }
                }
            }
        case .markdown:
            // Every HTML comment (block or inline) that names a directive.
            for r in verbatim where r.count > 7 && source.bytes[r.lowerBound] == 0x3C && mentions(r) {
                // A block comment may hold several comments; split on `<!--`.
                var i = r.lowerBound
                let open = Array("<!--".utf8), close = Array("-->".utf8)
                while i + 4 <= r.upperBound {
                    if source.bytes[i..<(i + 4)].elementsEqual(open) {
                        var j = i + 4
                        while j + 3 <= r.upperBound && !source.bytes[j..<(j + 3)].elementsEqual(close) { j += 1 }
                        let end = min(j + 3, r.upperBound)
                        if let d = parseComment(source.string(i..<end), range: i..<end, line: source.lineIndex(of: i)) { out.append(d) }
                        i = end
                    } else { i += 1 }
                }
            }
        }
        return out
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
