import Foundation

/// `kind: brackets`: a pair of half-width brackets around Chinese content, converted as a pair
/// (`(记者 张三)` → `（记者 张三）`). Pairs are matched on one line of prose, innermost first; a pair whose content has no
/// character of class `content` (e.g. `(GDP)`, `(2021)`) is left alone, and an unmatched bracket is never touched.
///
///     open: "("            close: ")"
///     replace-open: "（"   replace-close: "）"
///     content: cjk
public struct BracketsCheck: Check {
    let open: UInt8
    let close: UInt8
    let replaceOpen: String
    let replaceClose: String
    let content: CharClass

    static let keys: Set<String> = ["open", "close", "replace-open", "replace-close", "content"]

    init(_ m: StrictMapping) throws {
        func ascii(_ key: String) throws -> UInt8 {
            let node = try m.required(key)
            let s = try node.string(key)
            guard s.utf8.count == 1, let b = s.utf8.first, b < 0x80 else {
                throw ConfigError(node.mark, "'\(key)' must be one ASCII bracket character, found '\(s)'")
            }
            return b
        }
        open = try ascii("open")
        close = try ascii("close")
        replaceOpen = try m.required("replace-open").string("replace-open")
        replaceClose = try m.required("replace-close").string("replace-close")
        content = try m["content"].map { try BoundaryCheck.classes($0, "content") } ?? .cjk
    }

    /// Segments never cross a line.
    public var isLineLocal: Bool { true }

    public func deadReason() -> String? {
        open == close ? "'open' and 'close' are the same character, so no pair can be told apart" : nil
    }

    public func run(_ context: CheckContext, into findings: inout [Finding]) {
        let table = CharClass.bmpTable
        context.document.source.bytes.withUnsafeBufferPointer { p in
            for (_, seg) in context.segments {
                var stack: [Int] = []
                var i = seg.range.lowerBound
                while i < seg.range.upperBound {
                    if stack.isEmpty {
                        // Nothing open: only an opening bracket matters, and memchr finds it.
                        guard let hit = memchr(p.baseAddress! + i, Int32(open), seg.range.upperBound - i) else { break }
                        i = p.baseAddress!.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    }
                    let c = p[i]
                    if c == open { stack.append(i) }
                    else if c == close, let o = stack.popLast() {
                        // Does the content hold a character of the wanted class?
                        var k = o + 1
                        var hit = false
                        while k < i {
                            let (v, n) = decodeScalar(p, k)
                            let cls = v < 0x10000 ? CharClass(rawValue: table[Int(v)]) : CharClass.of(v)
                            if !cls.isDisjoint(with: content) { hit = true; break }
                            k += n
                        }
                        if hit {
                            let fix: Fix? = context.fixSafety == .none ? nil : Fix(edits: [
                                Edit(range: o..<(o + 1), replacement: replaceOpen),
                                Edit(range: i..<(i + 1), replacement: replaceClose),
                            ], safety: context.fixSafety)
                            findings.append(Finding(rule: context.ruleIndex, range: o..<(i + 1), fix: fix))
                        }
                    }
                    i += 1
                }
            }
        }
    }
}
