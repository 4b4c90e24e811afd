import Foundation

/// `kind: pattern`: a user-written regular expression (ICU syntax, via NSRegularExpression).
///
///     pattern: '(\d+)千元'
///     message: '“{0}”应写作阿拉伯数字'      # {0} or {match}: the match; {1}…{9}: capture groups
///     replace: '$1000元'                     # optional fix template ($0, $1…)
///     ignore-case: false
///     time-limit: 2                          # seconds per file (default 2): a pattern that backtracks
///                                            # catastrophically is stopped and reported, never a hang
///
/// Patterns run over each line's prose (they do not see line breaks, inline code or URLs). Only user-written
/// patterns use regular expressions; built-in character rules use the scanner.
public struct PatternCheck: Check, @unchecked Sendable {
    public let pattern: String
    let regex: NSRegularExpression
    let replace: String?
    /// Time a rule may spend on one file, in nanoseconds.
    let timeLimit: UInt64

    static let keys: Set<String> = ["pattern", "replace", "ignore-case", "time-limit"]
    static let defaultTimeLimit = 2.0

    init(_ m: StrictMapping) throws {
        let node = try m.required("pattern")
        pattern = try node.string("pattern")
        var opts: NSRegularExpression.Options = []
        if try m["ignore-case"]?.bool("ignore-case") ?? false { opts.insert(.caseInsensitive) }
        do {
            regex = try NSRegularExpression(pattern: pattern, options: opts)
        } catch {
            // Foundation on Linux says only "The value is invalid": say what is wrong and where in the pattern.
            if let p = RegexProblem.find(in: pattern) {
                throw ConfigError(node.mark, "invalid regular expression '\(pattern)' (column \(p.column) of the pattern): \(p.message)")
            }
            throw ConfigError(node.mark, "invalid regular expression '\(pattern)': ICU rejects it (check escapes, groups, brackets and repeat counts)")
        }
        var limit = PatternCheck.defaultTimeLimit
        if let t = m["time-limit"] {
            limit = try t.double("time-limit")
            guard limit > 0 && limit <= 3600 else { throw ConfigError(t.mark, "time-limit must be a number of seconds above 0 (at most 3600)") }
        }
        timeLimit = UInt64(limit * 1e9)
        replace = try m["replace"]?.string("replace")
        if let r = replace {
            // $N must name an existing group.
            var i = r.startIndex
            while let d = r[i...].firstIndex(of: "$") {
                let after = r.index(after: d)
                if after < r.endIndex, let n = r[after].wholeNumberValue, n > regex.numberOfCaptureGroups {
                    throw ConfigError(m["replace"]!.mark, "'replace' uses $\(n) but the pattern has \(regex.numberOfCaptureGroups) capture group(s)")
                }
                i = after
                if i >= r.endIndex { break }
            }
        }
    }

    /// Segments never cross a line.
    public var isLineLocal: Bool { true }

    public func deadReason() -> String? {
        if regex.firstMatch(in: "", range: NSRange(location: 0, length: 0)) != nil {
            return "the pattern matches the empty string, so every position would be flagged; make it require at least one character"
        }
        return nil
    }

    public func run(_ context: CheckContext, into findings: inout [Finding]) {
        // The time budget is checked between lines and, inside a long match, from ICU's progress callback.
        let start = DispatchTime.now().uptimeNanoseconds
        let limit = timeLimit
        for (si, seg) in context.segments {
            let text = context.texts.text(si)
            let ns = text as NSString
            var ms: [NSTextCheckingResult] = []
            var overtime = DispatchTime.now().uptimeNanoseconds - start > limit
            if !overtime {
                regex.enumerateMatches(in: text, options: [.reportProgress], range: NSRange(location: 0, length: ns.length)) { m, _, stop in
                    if let m { ms.append(m) }
                    if DispatchTime.now().uptimeNanoseconds - start > limit { overtime = true; stop.pointee = true }
                }
            }
            if overtime {
                let seconds = String(format: "%g", Double(limit) / 1e9)
                var f = Finding(rule: context.ruleIndex, range: seg.range.lowerBound..<seg.range.lowerBound,
                                message: "rule stopped: its pattern ran past its time limit of \(seconds) s on this file "
                                    + "(catastrophic backtracking?), so its findings from here on are missing; "
                                    + "simplify the pattern or raise its time-limit")
                f.isRuleFailure = true
                findings.append(f)
                return
            }
            guard !ms.isEmpty else { continue }
            // UTF-16 offset -> UTF-8 offset, computed once per segment with matches.
            var map: [Int] = []
            map.reserveCapacity(ns.length + 1)
            var u8 = 0
            for u in text.unicodeScalars {
                let n8 = String(u).utf8.count
                map.append(u8)
                if u.value > 0xFFFF { map.append(u8) }
                u8 += n8
            }
            map.append(u8)
            for m in ms where m.range.length > 0 {
                let r = (seg.range.lowerBound + map[m.range.location])..<(seg.range.lowerBound + map[m.range.location + m.range.length])
                var values: [String: String] = ["match": ns.substring(with: m.range), "0": ns.substring(with: m.range)]
                for g in 1..<max(1, m.numberOfRanges) {
                    let gr = m.range(at: g)
                    values[String(g)] = gr.location == NSNotFound ? "" : ns.substring(with: gr)
                }
                var fix: Fix? = nil
                if let replace, context.fixSafety != .none {
                    let rep = regex.replacementString(for: m, in: text, offset: 0, template: replace)
                    fix = Fix(edit: Edit(range: r, replacement: rep), safety: context.fixSafety)
                }
                findings.append(Finding(rule: context.ruleIndex, range: r, message: substitute(context.message, values), fix: fix))
            }
        }
    }
}

/// A common mistake in a regular expression that ICU rejected, with its 1-based column (in Unicode scalars) in the
/// pattern. Only asked after ICU has refused a pattern, to say what is wrong: it never refuses a pattern itself.
struct RegexProblem {
    var column: Int
    var message: String

    /// Escapes ICU knows (outside and inside `[…]`); any other ASCII letter after `\` is an error.
    static let letterEscapes: Set<Character> = ["a", "A", "b", "B", "c", "d", "D", "e", "E", "f", "G", "h", "H", "k",
        "n", "N", "p", "P", "Q", "r", "R", "s", "S", "t", "u", "U", "v", "V", "w", "W", "x", "X", "z", "Z"]

    static func find(in pattern: String) -> RegexProblem? {
        let cs = Array(pattern.unicodeScalars).map(Character.init)
        var parens: [Int] = []            // columns of open groups
        var classStart: Int? = nil        // column of the open `[`
        var classDepth = 0
        var canRepeat = false             // something before that a quantifier could repeat
        var afterQuantifier = false
        var i = 0
        while i < cs.count {
            let c = cs[i], col = i + 1
            if c == "\\" {
                guard i + 1 < cs.count else { return RegexProblem(column: col, message: "the pattern ends with a lone backslash (write \\\\ for a backslash)") }
                let e = cs[i + 1]
                if e == "Q" {             // \Q…\E quotes literally
                    var k = i + 2
                    while k + 1 < cs.count && !(cs[k] == "\\" && cs[k + 1] == "E") { k += 1 }
                    i = k + 2; canRepeat = true; afterQuantifier = false; continue
                }
                if e.isASCII && e.isLetter && !letterEscapes.contains(e) {
                    return RegexProblem(column: col, message: "unknown escape '\\\(e)'")
                }
                i += 2
                // \p{Han}, \N{NAME}, \x{4E00}, \k<name>: the braces belong to the escape.
                if i < cs.count, ("pPNxu".contains(e) && cs[i] == "{") || (e == "k" && cs[i] == "<") {
                    let close: Character = cs[i] == "{" ? "}" : ">"
                    while i < cs.count && cs[i] != close { i += 1 }
                    i += 1
                }
                canRepeat = true; afterQuantifier = false; continue
            }
            if classDepth > 0 {
                if c == "[" { classDepth += 1 }
                else if c == "]" && !(i > 0 && (cs[i - 1] == "[" || (cs[i - 1] == "^" && i > 1 && cs[i - 2] == "["))) {
                    classDepth -= 1
                    if classDepth == 0 { classStart = nil; canRepeat = true; afterQuantifier = false }
                }
                i += 1; continue
            }
            switch c {
            case "[":
                classStart = col; classDepth = 1
            case "(":
                parens.append(col); canRepeat = false; afterQuantifier = false
                if i + 1 < cs.count && cs[i + 1] == "?" {   // (?:…), (?=…), (?<=…), (?<name>…), (?i)…: skip the head
                    i += 1
                    while i + 1 < cs.count && cs[i + 1] != ")" {
                        i += 1
                        if ":=!>".contains(cs[i]) { break }
                    }
                }
            case ")":
                guard parens.popLast() != nil else { return RegexProblem(column: col, message: "unbalanced ')': no '(' opens it (write \\) for a literal parenthesis)") }
                canRepeat = true; afterQuantifier = false
            case "|":
                canRepeat = false; afterQuantifier = false
            case "*", "+", "?", "{":
                if afterQuantifier && (c == "?" || c == "+") { afterQuantifier = false; break }   // lazy or possessive
                let shown = c == "{" ? "{…}" : String(c)
                if afterQuantifier { return RegexProblem(column: col, message: "quantifier '\(shown)' follows another quantifier") }
                if !canRepeat { return RegexProblem(column: col, message: "dangling quantifier '\(shown)': nothing before it to repeat (write \\\(c) for a literal '\(c)')") }
                if c == "{" {
                    var k = i + 1
                    var body = ""
                    while k < cs.count && cs[k] != "}" { body.append(cs[k]); k += 1 }
                    let parts = body.split(separator: ",", omittingEmptySubsequences: false)
                    let ok = k < cs.count && (1...2).contains(parts.count) && !parts[0].isEmpty
                        && parts.allSatisfy { $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }
                    guard ok else { return RegexProblem(column: col, message: "'{' must start a repeat count like {2}, {1,3} or {2,} (write \\{ for a literal brace)") }
                    if parts.count == 2, let lo = Int(parts[0]), let hi = Int(parts[1]), hi < lo {
                        return RegexProblem(column: col, message: "repeat count {\(body)} has its maximum below its minimum")
                    }
                    i = k
                }
                afterQuantifier = true
                i += 1; continue
            default:
                canRepeat = true
            }
            if c != "*" && c != "+" && c != "?" && c != "{" { afterQuantifier = false }
            i += 1
        }
        if let open = classStart { return RegexProblem(column: open, message: "unclosed '[': the character class is never closed with ']'") }
        if let open = parens.last { return RegexProblem(column: open, message: "unbalanced '(': the group it opens is never closed with ')'") }
        return nil
    }
}
