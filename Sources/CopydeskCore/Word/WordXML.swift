import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A `w:t` element of a part: where its text sits in the part's XML bytes, and that text decoded.
struct WordTextNode: Sendable {
    /// The bytes between `<w:t …>` and `</w:t>` in the part's XML.
    var content: Range<Int>
    /// The start tag (`<w:t xml:space="preserve">`), to add `xml:space` when an edit leaves an edge space.
    var startTag: Range<Int>
    var hasPreserve: Bool
    /// The text, decoded (entities and character references resolved), as UTF-8.
    var text: [UInt8]
    /// False when the content holds something an edit could not write back as it was (CDATA, a comment, a line
    /// break or tab character): the node is read, never edited.
    var editable: Bool
    /// 1-based index of the `w:r` in its paragraph that holds it (0 when outside a run).
    var run: Int
}

/// One paragraph (`w:p`) of a part: its text as pieces, in order.
struct WordParagraph: Sendable {
    enum Piece: Sendable {
        /// A `w:t`: index into the part's nodes.
        case node(Int)
        /// Text Word shows that is not in a `w:t` (`w:tab` → tab, `w:noBreakHyphen` → U+2011, `w:softHyphen` → U+00AD):
        /// read, never edited.
        /// With the 1-based index of its run.
        case synthetic([UInt8], run: Int)
        /// A manual line or page break (`w:br`, `w:cr`): nothing in the text, and no insertion next to it.
        case lineBreak
        /// A self-closing element that stands for one character and may be deleted whole (`w:softHyphen` → U+00AD):
        /// index into the part's `removables`.
        case removable(Int)
    }
    var pieces: [Piece] = []
    var styleID: String?
    /// `w:outlineLvl` set on the paragraph itself (0-based).
    var outlineLevel: Int?
}

/// An element that a fix may delete whole (a soft hyphen): its tag's bytes, the text it reads as, its run.
struct WordRemovable: Sendable {
    var tag: Range<Int>
    var text: [UInt8]
    var run: Int
    var removed = false
}

/// A part of the package read for text (`word/document.xml`, footnotes, headers…).
struct WordPart: Sendable {
    var path: String
    var xml: [UInt8]
    var paragraphs: [WordParagraph]
    var nodes: [WordTextNode]
    var removables: [WordRemovable] = []
}

/// Why a package or part cannot be read.
public struct WordError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ d: String) { description = d }
}

/// Reads the paragraphs and text runs of a WordprocessingML part straight from its bytes. Foundation's
/// `XMLParser` first decides that the part is well-formed XML (its errors name the line); this scanner then keeps
/// the byte range of every `w:t`, which `XMLParser` does not report, so that an edit rewrites only that text and
/// every other byte of the part stays as it was.
///
/// What is read: every `w:p` (body, table cells, content controls, hyperlinks, field results, insertions of
/// tracked changes). Not read: deleted text of tracked changes (`w:del`, `w:moveFrom`, `w:delText`), field codes
/// (`w:instrText`), text boxes (`w:txbxContent`, whose paragraphs sit inside another paragraph) and the fallback
/// copy of alternate content (`mc:Fallback`).
enum WordXML {
    static let mainNamespaces = ["http://schemas.openxmlformats.org/wordprocessingml/2006/main",
                                 "http://purl.oclc.org/ooxml/wordprocessingml/main"]
    static let mcNamespace = "http://schemas.openxmlformats.org/markup-compatibility/2006"

    /// Checks well-formedness with Foundation's parser. External entities are not resolved.
    static func checkWellFormed(_ xml: [UInt8], part: String) throws {
        let parser = XMLParser(data: Data(xml))
        parser.shouldResolveExternalEntities = false
        // On Linux `parse()` can return true and still set `parserError` (a mismatched end tag): both are read.
        if !parser.parse() || parser.parserError != nil {
            let e = parser.parserError.map { "\($0.localizedDescription)" } ?? "unknown error"
            throw WordError("\(part) is not well-formed XML (line \(parser.lineNumber), column \(parser.columnNumber): \(e)); the file is damaged")
        }
    }

    static func parse(_ xml: [UInt8], part: String) throws -> WordPart {
        if let bad = SourceText.firstInvalidUTF8(xml) {
            throw WordError("\(part) is not UTF-8 (byte \(bad)); copydesk reads Word files saved as UTF-8 XML")
        }
        if xml.count >= 2 && ((xml[0] == 0xFF && xml[1] == 0xFE) || (xml[0] == 0xFE && xml[1] == 0xFF)) {
            throw WordError("\(part) is UTF-16 XML; copydesk reads Word files saved as UTF-8 XML")
        }
        // Before any parser sees it: a document type declaration could declare entities that expand without end.
        if findIn(xml, Array("<!DOCTYPE".utf8), 0, xml.count) != nil {
            throw WordError("\(part) has a document type declaration, which Word parts never have; the file is damaged or not a Word document")
        }
        try checkWellFormed(xml, part: part)
        var s = Scanner(xml: xml, part: part)
        try s.scan()
        return WordPart(path: part, xml: xml, paragraphs: s.paragraphs, nodes: s.nodes, removables: s.removables)
    }

    struct Scanner {
        let xml: [UInt8]
        let part: String
        var paragraphs: [WordParagraph] = []
        var nodes: [WordTextNode] = []
        var removables: [WordRemovable] = []
        var w = "w:"          // qualified-name prefix of the main namespace
        var mc = "mc:"
        var stack: [String] = []
        var skipDepth: Int? = nil   // stack depth of the element whose content is skipped
        var current: WordParagraph? = nil
        var pDepth = 0
        var runIndex = 0

        init(xml: [UInt8], part: String) { self.xml = xml; self.part = part }

        func find(_ pattern: [UInt8], from: Int) -> Int? { WordXML.findIn(xml, pattern, from, xml.count) }

        func fail(_ what: String, at: Int) -> WordError { WordError("\(part): \(what) at byte \(at); the file is damaged") }

        /// Attributes of a start tag's bytes (`<name a="v" …>`), values decoded.
        func attributes(_ tag: Range<Int>) -> [(String, String)] {
            var out: [(String, String)] = []
            var i = tag.lowerBound + 1
            while i < tag.upperBound && !isSpace(xml[i]) && xml[i] != 0x3E && xml[i] != 0x2F { i += 1 }
            while i < tag.upperBound {
                while i < tag.upperBound && isSpace(xml[i]) { i += 1 }
                let ns = i
                while i < tag.upperBound && xml[i] != 0x3D && !isSpace(xml[i]) && xml[i] != 0x3E && xml[i] != 0x2F { i += 1 }
                guard i > ns else { i += 1; continue }
                let name = String(decoding: xml[ns..<i], as: UTF8.self)
                while i < tag.upperBound && (isSpace(xml[i]) || xml[i] == 0x3D) { i += 1 }
                guard i < tag.upperBound, xml[i] == 0x22 || xml[i] == 0x27 else { continue }
                let q = xml[i]; i += 1
                let vs = i
                while i < tag.upperBound && xml[i] != q { i += 1 }
                let value = (try? WordXML.decode(xml, vs..<i).text).map { String(decoding: $0, as: UTF8.self) } ?? ""
                out.append((name, value))
                i += 1
            }
            return out
        }

        func attribute(_ tag: Range<Int>, _ name: String) -> String? {
            attributes(tag).first { $0.0 == name }?.1
        }

        mutating func scan() throws {
            var i = 0
            var sawRoot = false
            let n = xml.count
            while i < n {
                guard xml[i] == 0x3C else {   // text outside w:t: nothing to read
                    i += 1
                    continue
                }
                if i + 1 < n && xml[i + 1] == 0x3F {   // <? … ?>
                    guard let e = find([0x3F, 0x3E], from: i + 2) else { throw fail("unterminated processing instruction", at: i) }
                    i = e + 2; continue
                }
                if i + 3 < n && xml[i + 1] == 0x21 && xml[i + 2] == 0x2D && xml[i + 3] == 0x2D {   // <!-- … -->
                    guard let e = find(Array("-->".utf8), from: i + 4) else { throw fail("unterminated comment", at: i) }
                    i = e + 3; continue
                }
                if i + 1 < n && xml[i + 1] == 0x21 {
                    if let e = find(Array("]]>".utf8), from: i), xml[i...].starts(with: Array("<![CDATA[".utf8)) { i = e + 3; continue }
                    throw WordError("\(part) has a document type declaration, which Word parts never have; the file is damaged or not a Word document")
                }
                // A tag: find its end, respecting quoted attribute values.
                var j = i + 1
                var quote: UInt8 = 0
                while j < n {
                    let c = xml[j]
                    if quote != 0 { if c == quote { quote = 0 } } else if c == 0x22 || c == 0x27 { quote = c } else if c == 0x3E { break }
                    j += 1
                }
                guard j < n else { throw fail("unterminated tag", at: i) }
                let tag = i..<(j + 1)
                if xml[i + 1] == 0x2F {   // end tag
                    let name = String(decoding: xml[(i + 2)..<j], as: UTF8.self).trimmingCharacters(in: .whitespaces)
                    endElement(name)
                    i = j + 1
                    continue
                }
                let selfClosing = xml[j - 1] == 0x2F
                var ne = i + 1
                while ne < j && !isSpace(xml[ne]) && xml[ne] != 0x2F && xml[ne] != 0x3E { ne += 1 }
                let name = String(decoding: xml[(i + 1)..<ne], as: UTF8.self)
                if !sawRoot {
                    sawRoot = true
                    for (k, v) in attributes(tag) {
                        if WordXML.mainNamespaces.contains(v) { w = k == "xmlns" ? "" : String(k.dropFirst(6)) + ":" }
                        if v == WordXML.mcNamespace, k.hasPrefix("xmlns:") { mc = String(k.dropFirst(6)) + ":" }
                    }
                }
                i = j + 1
                if let e = try startElement(name, tag: tag, selfClosing: selfClosing, after: i) { i = e }
            }
            if current != nil { finishParagraph() }
        }

        func local(_ name: String) -> String? {
            if w.isEmpty { return name.contains(":") ? nil : name }
            return name.hasPrefix(w) ? String(name.dropFirst(w.count)) : nil
        }

        /// Handles a start tag; for `w:t`, reads its content and returns where scanning goes on (after `</w:t>`).
        mutating func startElement(_ name: String, tag: Range<Int>, selfClosing: Bool, after: Int) throws -> Int? {
            if skipDepth == nil {
                let l = local(name)
                switch l {
                case "del", "moveFrom", "txbxContent", "delText", "instrText":
                    if !selfClosing { skipDepth = stack.count }
                case "footnote", "endnote":
                    // Separators and continuation notices (`w:type`) are layout, not notes.
                    if !selfClosing && attribute(tag, w + "type") != nil { skipDepth = stack.count }
                case "p":
                    if pDepth == 0 { current = WordParagraph(); runIndex = 0 }
                    if selfClosing { if pDepth == 0 { finishParagraph() } } else { pDepth += 1 }
                case "r":
                    if current != nil { runIndex += 1 }
                case "pStyle":
                    if stack.last.flatMap(local) == "pPr", current != nil { let v = attribute(tag, w + "val"); current?.styleID = v }
                case "outlineLvl":
                    if stack.last.flatMap(local) == "pPr", current != nil { let v = attribute(tag, w + "val").flatMap { Int($0) }; current?.outlineLevel = v }
                case "tab":
                    if stack.last.flatMap(local) == "r", current != nil { current?.pieces.append(.synthetic([0x09], run: runIndex)) }
                case "br", "cr":
                    if stack.last.flatMap(local) == "r", current != nil { current?.pieces.append(.lineBreak) }
                case "softHyphen":
                    // Shown as U+00AD, so that ocr.invisible-char sees what was pasted in; its fix deletes the element.
                    if stack.last.flatMap(local) == "r", current != nil {
                        if selfClosing {
                            removables.append(WordRemovable(tag: tag, text: [0xC2, 0xAD], run: runIndex))
                            current?.pieces.append(.removable(removables.count - 1))
                        } else {
                            current?.pieces.append(.synthetic([0xC2, 0xAD], run: runIndex))
                        }
                    }
                case "noBreakHyphen":
                    if stack.last.flatMap(local) == "r", current != nil { current?.pieces.append(.synthetic(Array("\u{2011}".utf8), run: runIndex)) }
                case "t":
                    guard !selfClosing else { break }
                    // The content runs to the matching end tag (w:t has no child elements; CDATA may hold '<').
                    let endTag = Array(("</" + name).utf8)
                    var k = after
                    var plain = true
                    while true {
                        guard let lt = find([0x3C], from: k) else { throw fail("unterminated <\(name)>", at: tag.lowerBound) }
                        if xml[lt...].starts(with: Array("<![CDATA[".utf8)) {
                            guard let e = find(Array("]]>".utf8), from: lt) else { throw fail("unterminated CDATA", at: lt) }
                            plain = false; k = e + 3; continue
                        }
                        if xml[lt...].starts(with: Array("<!--".utf8)) {
                            guard let e = find(Array("-->".utf8), from: lt) else { throw fail("unterminated comment", at: lt) }
                            plain = false; k = e + 3; continue
                        }
                        guard xml[lt...].starts(with: endTag) else { throw fail("an element inside <\(name)>", at: lt) }
                        let content = after..<lt
                        guard let close = find([0x3E], from: lt) else { throw fail("unterminated </\(name)>", at: lt) }
                        if current != nil {
                            let (text, clean) = try WordXML.decode(xml, content)
                            let preserve = attribute(tag, "xml:space") == "preserve"
                            nodes.append(WordTextNode(content: content, startTag: tag, hasPreserve: preserve, text: text,
                                                      editable: plain && clean, run: runIndex))
                            current?.pieces.append(.node(nodes.count - 1))
                        }
                        return close + 1
                    }
                default:
                    if name == mc + "Fallback" && !selfClosing { skipDepth = stack.count }
                }
            }
            if !selfClosing { stack.append(name) }
            return nil
        }

        mutating func endElement(_ name: String) {
            if let top = stack.last, top == name { stack.removeLast() } else if let k = stack.lastIndex(of: name) { stack.removeSubrange(k...) }
            if let d = skipDepth {
                if stack.count <= d { skipDepth = nil }
                return
            }
            if local(name) == "p" && pDepth > 0 {
                pDepth -= 1
                if pDepth == 0 { finishParagraph() }
            }
        }

        mutating func finishParagraph() {
            if let p = current { paragraphs.append(p) }
            current = nil
        }
    }

    @inline(__always) static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }

    /// Decodes XML character data: entities, character references, CDATA sections; comments dropped. `clean` is
    /// false when the text held a line break, tab or CR (read as a space, a tab…) — such a node is not edited.
    static func decode(_ xml: [UInt8], _ r: Range<Int>) throws -> (text: [UInt8], clean: Bool) {
        var out: [UInt8] = []
        out.reserveCapacity(r.count)
        var clean = true
        var i = r.lowerBound
        while i < r.upperBound {
            let c = xml[i]
            if c == 0x26 {   // &
                guard let semi = xml[i..<r.upperBound].firstIndex(of: 0x3B) else { throw WordError("bad character reference") }
                let name = String(decoding: xml[(i + 1)..<semi], as: UTF8.self)
                var scalar: UInt32?
                switch name {
                case "amp": scalar = 0x26
                case "lt": scalar = 0x3C
                case "gt": scalar = 0x3E
                case "quot": scalar = 0x22
                case "apos": scalar = 0x27
                default:
                    if name.hasPrefix("#x") { scalar = UInt32(name.dropFirst(2), radix: 16) } else if name.hasPrefix("#") { scalar = UInt32(name.dropFirst(1)) }
                }
                guard let v = scalar, let u = Unicode.Scalar(v) else { throw WordError("unknown entity &\(name);") }
                if v == 0x0A || v == 0x0D || v == 0x09 { clean = false; out.append(v == 0x09 ? 0x09 : 0x20) }
                else { out.append(contentsOf: Array(String(u).utf8)) }
                i = semi + 1
                continue
            }
            if c == 0x3C {
                if xml[i..<r.upperBound].starts(with: Array("<![CDATA[".utf8)), let e = findIn(xml, Array("]]>".utf8), i, r.upperBound) {
                    for b in xml[(i + 9)..<e] { out.append(b == 0x0A || b == 0x0D ? 0x20 : b) }
                    clean = false
                    i = e + 3; continue
                }
                if let e = findIn(xml, Array("-->".utf8), i, r.upperBound) { clean = false; i = e + 3; continue }
            }
            if c == 0x0A || c == 0x0D { clean = false; out.append(0x20); i += 1; continue }
            out.append(c)
            i += 1
        }
        return (out, clean)
    }

    /// The first occurrence of `p` in `xml[from..<to]` (memchr for its first byte, then a compare; no allocation).
    static func findIn(_ xml: [UInt8], _ p: [UInt8], _ from: Int, _ to: Int) -> Int? {
        guard let first = p.first, from >= 0, to <= xml.count, to - from >= p.count else { return nil }
        return xml.withUnsafeBufferPointer { b -> Int? in
            p.withUnsafeBufferPointer { pat -> Int? in
                let base = b.baseAddress!
                var i = from
                let last = to - p.count
                while i <= last {
                    guard let hit = memchr(base + i, Int32(first), last - i + 1) else { return nil }
                    let k = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    if memcmp(base + k, pat.baseAddress!, p.count) == 0 { return k }
                    i = k + 1
                }
                return nil
            }
        }
    }

    /// Text escaped for element content.
    static func escape(_ text: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        for c in text {
            switch c {
            case 0x26: out += Array("&amp;".utf8)
            case 0x3C: out += Array("&lt;".utf8)
            case 0x3E: out += Array("&gt;".utf8)
            default: out.append(c)
            }
        }
        return out
    }

    /// The part's XML with the text of some nodes replaced and some removable elements deleted: only those nodes'
    /// content changes (and their start tag gains `xml:space="preserve"` when the new text starts or ends with a
    /// space and it had none), only those elements' tags go.
    static func rewrite(_ part: WordPart, texts: [Int: [UInt8]], removing: Set<Int> = []) -> [UInt8] {
        enum Change { case text(Int), remove(Int) }
        var changes: [(Int, Change)] = texts.keys.map { (part.nodes[$0].startTag.lowerBound, .text($0)) }
        changes += removing.map { (part.removables[$0].tag.lowerBound, .remove($0)) }
        changes.sort { $0.0 < $1.0 }
        var out: [UInt8] = []
        out.reserveCapacity(part.xml.count + 64)
        var pos = 0
        for (_, change) in changes {
            switch change {
            case .remove(let k):
                let tag = part.removables[k].tag
                out.append(contentsOf: part.xml[pos..<tag.lowerBound])
                pos = tag.upperBound
            case .text(let k):
                let node = part.nodes[k]
                let text = texts[k]!
                let edge = text.first.map { $0 == 0x20 || $0 == 0x09 } == true || text.last.map { $0 == 0x20 || $0 == 0x09 } == true
                if edge && !node.hasPreserve {
                    // `<w:t>` → `<w:t xml:space="preserve">` (before `>`, never inside the name).
                    let close = node.startTag.upperBound - 1
                    out.append(contentsOf: part.xml[pos..<close])
                    out.append(contentsOf: Array(" xml:space=\"preserve\"".utf8))
                    out.append(contentsOf: part.xml[close..<node.content.lowerBound])
                } else {
                    out.append(contentsOf: part.xml[pos..<node.content.lowerBound])
                }
                out.append(contentsOf: escape(text))
                pos = node.content.upperBound
            }
        }
        out.append(contentsOf: part.xml[pos...])
        return out
    }
}
