import Foundation

/// `kind: pattern`: a user-written regular expression (ICU syntax, via NSRegularExpression).
///
///     pattern: '(\d+)千元'
///     message: '“{0}”应写作阿拉伯数字'      # {0} or {match}: the match; {1}…{9}: capture groups
///     replace: '$1000元'                     # optional fix template ($0, $1…)
///     ignore-case: false
///
/// Patterns run over each line's prose (they do not see line breaks, inline code or URLs). Only user-written
/// patterns use regular expressions; built-in character rules use the scanner.
public struct PatternCheck: Check, @unchecked Sendable {
    public let pattern: String
    let regex: NSRegularExpression
    let replace: String?

    static let keys: Set<String> = ["pattern", "replace", "ignore-case"]

    init(_ m: StrictMapping) throws {
        let node = try m.required("pattern")
        pattern = try node.string("pattern")
        var opts: NSRegularExpression.Options = []
        if try m["ignore-case"]?.bool("ignore-case") ?? false { opts.insert(.caseInsensitive) }
        do {
            regex = try NSRegularExpression(pattern: pattern, options: opts)
        } catch {
            throw ConfigError(node.mark, "invalid regular expression '\(pattern)': \((error as NSError).localizedDescription)")
        }
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
        for (si, seg) in context.segments {
            let text = context.texts.text(si)
            let ns = text as NSString
            let ms = regex.matches(in: text, range: NSRange(location: 0, length: ns.length))
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
