/// Names in the credits of a page (`Document.structure`: bylines, dateline credits, photo and closing credits):
/// the 2–4 Han characters after a role (`融媒首席记者 陈晓苏`, `本报记者 张三 通讯员 李四`, `（记者 王五）`,
/// `责任编辑：赵六`), or before `摄` (`张三 摄`). A name after a role with another outlet's name in it
/// (`新华社记者 X`, see `otherOutlets`) is marked as not the newsroom's own.
public enum BylineNames {
    public struct Name: Sendable {
        public var name: String
        public var scalars: [UInt32]
        public var range: Range<Int>
        /// False after a role of another outlet (`新华社记者`).
        public var own: Bool
        public var line: Int
        /// The role before the name as written (`融媒首席记者`; empty for `X 摄`).
        public var role: String
    }

    public static func names(_ doc: Document, otherOutlets: [String]) -> [Name] {
        var credits: [PageStructure.Credit] = []
        for a in doc.structure.articles { credits += a.credits }
        for f in doc.structure.fragments { credits += f.credits }
        let others = otherOutlets.map { Array($0.unicodeScalars.map(\.value)) }
        var out: [Name] = []
        var seen: Set<Int> = []
        for c in credits where c.kind != .dateline && seen.insert(c.range.lowerBound).inserted {
            // A credit inside another outlet's dateline (`新华社北京5月1日电（记者 X）`): the line before it counts.
            let lineStart = doc.source.lineStarts[doc.source.lineIndex(of: c.range.lowerBound)]
            let before = lineStart < c.range.lowerBound ? doc.source.string(lineStart..<c.range.lowerBound) : ""
            let foreign = otherOutlets.contains { before.contains($0) }
            out += parse(doc, c.range, c.line, others, closing: doc.vocabulary.closingCredits.filter { $0 != "来源" }, foreign: foreign)
        }
        return out.sorted { $0.range.lowerBound < $1.range.lowerBound }
    }

    static func parse(_ doc: Document, _ r: Range<Int>, _ line: Int, _ others: [[UInt32]], closing: [String], foreign: Bool) -> [Name] {
        let closingScalars = closing.map { Array($0.unicodeScalars.map(\.value)) }
        // Tokens: runs of Han characters (and ·) with their byte ranges.
        var tokens: [(s: [UInt32], r: Range<Int>, sep: UInt32)] = []
        var cur: [UInt32] = [], start = r.lowerBound, off = r.lowerBound
        let text = doc.source.string(r)
        for u in text.unicodeScalars {
            let len = String(u).utf8.count
            // 丨 (U+4E28) is a separator in credits (`编辑丨X`), not part of a name.
            if (NameExtractor.isHan(u.value) && u.value != 0x4E28) || u.value == 0xB7 {
                if cur.isEmpty { start = off }
                cur.append(u.value)
            } else {
                if !cur.isEmpty { tokens.append((cur, start..<off, u.value)) }
                cur = []
            }
            off += len
        }
        if !cur.isEmpty { tokens.append((cur, start..<off, 0)) }
        var out: [Name] = []
        var afterRole = false, own = true, role = ""
        func add(_ s: ArraySlice<UInt32>, _ range: Range<Int>) {
            guard (2...4).contains(s.count), s.allSatisfy({ NameExtractor.isHan($0) }) else { return }
            out.append(Name(name: String(String.UnicodeScalarView(s.compactMap(Unicode.Scalar.init))), scalars: Array(s),
                            range: range, own: own, line: line, role: role))
        }
        for (i, t) in tokens.enumerated() {
            let s = t.s[...]
            // A role, maybe after an outlet or other prefix: `本报记者`, `新华社记者`, `记者张三` (name glued on).
            var roleEnd: Int? = nil
            for k in 0..<min(s.count, 8) {
                if let n = ArticleStructure.roleLength(s.dropFirst(k), doc.vocabulary) { roleEnd = k + n; break }
            }
            // A closing-credit word (`校对`, `责任编辑`) is a role too.
            if roleEnd == nil, closingScalars.contains(where: { $0 == Array(s) }) { roleEnd = s.count }
            // More than a name glued after the role (`编辑部信息来源`): no role.
            if let e = roleEnd, s.count - e > 4 { roleEnd = nil; afterRole = false; continue }
            // Not names: `摄影报道`, `综合整理`.
            if s.count >= 2, s.suffix(2).elementsEqual([0x62A5, 0x9053]) || s.suffix(2).elementsEqual([0x6574, 0x7406]) { afterRole = false; continue }
            if let e = roleEnd {
                let prefix = s.prefix(e)
                own = !foreign && !others.contains { o in
                    prefix.count >= o.count && (0...(prefix.count - o.count)).contains { prefix.dropFirst($0).starts(with: o) }
                }
                afterRole = true
                role = String(String.UnicodeScalarView(prefix.compactMap(Unicode.Scalar.init)))
                if e < s.count && s.count - e <= 3 {   // `记者张三`; not `记者走访核实`
                    // Offsets of the glued name: Han characters are 3 or 4 bytes each.
                    let bytes = s.prefix(e).reduce(0) { $0 + (Unicode.Scalar($1).map { String($0).utf8.count } ?? 3) }
                    add(s.dropFirst(e), (t.r.lowerBound + bytes)..<t.r.upperBound)
                }
                continue
            }
            if s.last == 0x6444 && s.count >= 3 {   // 张三摄
                role = ""
                add(s.dropLast(), t.r.lowerBound..<(t.r.upperBound - 3))
                continue
            }
            if i + 1 < tokens.count && tokens[i + 1].s == [0x6444] { role = ""; add(s, t.r); continue }
            // A label (`来源：`) ends the names of the role before it.
            if t.sep == 0xFF1A || t.sep == 0x3A { afterRole = false; continue }
            if afterRole && (2...4).contains(s.count) { add(s, t.r); continue }
            if s.count > 4 { afterRole = false }
        }
        return out
    }
}
