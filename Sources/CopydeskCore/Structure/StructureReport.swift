/// `copydesk structure`: how copydesk read a page, as text for an editor or as JSON (docs/output-formats.md).
/// Lines are 1-based; a line range is inclusive (`5–159`).
public enum StructureReport {
    static func excerpt(_ src: SourceText, _ r: Range<Int>, max: Int = 32) -> String {
        let s = src.string(r)
        let scalars = s.unicodeScalars
        guard scalars.count > max else { return s }
        return String(String.UnicodeScalarView(scalars.prefix(max))) + "…"
    }

    static func bodyLines(_ doc: Document, _ a: PageStructure.Article) -> ClosedRange<Int>? {
        guard let f = a.body.first, let l = a.body.last else { return nil }
        return (doc.blocks[f].lines.lowerBound + 1)...doc.blocks[l].lines.upperBound
    }

    static func range(_ r: Range<Int>) -> String { r.count <= 1 ? "\(r.lowerBound + 1)" : "\(r.lowerBound + 1)–\(r.upperBound)" }

    public static func text(_ doc: Document, path: String) -> String {
        let page = doc.structure, src = doc.source
        var out = "\(path): \(page.articles.count) article\(page.articles.count == 1 ? "" : "s"), \(page.fragments.count) fragment\(page.fragments.count == 1 ? "" : "s")\n"
        func part(_ label: String, _ line: Int, _ r: Range<Int>) {
            out += "    " + label.padding(toLength: 22, withPad: " ", startingAt: 0) + String(line + 1).padding(toLength: 7, withPad: " ", startingAt: 0)
                + excerpt(src, r) + "\n"
        }
        for (n, a) in page.articles.enumerated() {
            out += "  article \(n + 1)  lines \(range(a.lines))" + (a.type.map { "  type \($0)" } ?? "") + (a.section.map { "  section \($0)" } ?? "") + "\n"
            if a.headlines.isEmpty { out += "    (no headline)\n" }
            for h in a.headlines { part("headline \(h.kind.rawValue)", h.line, h.range) }
            for c in a.credits { part(c.kind.rawValue, c.line, c.range) }
            if let b = bodyLines(doc, a) {
                out += "    " + "body".padding(toLength: 22, withPad: " ", startingAt: 0)
                    + "\(b.lowerBound == b.upperBound ? "\(b.lowerBound)" : "\(b.lowerBound)–\(b.upperBound)")  (\(a.body.count) paragraph\(a.body.count == 1 ? "" : "s"))\n"
            }
            if !a.hasByline && !a.hasDateline { out += "    (no byline or dateline)\n" }
        }
        for (n, f) in page.fragments.enumerated() {
            out += "  fragment \(n + 1)  lines \(range(f.lines))  \(f.kind == .headline ? "headline only" : "credit only")\n"
            for h in f.headlines { part("headline \(h.kind.rawValue)", h.line, h.range) }
            for c in f.credits { part(c.kind.rawValue, c.line, c.range) }
        }
        return out
    }

    /// One file's structure as a JSON object.
    public static func json(_ doc: Document, path: String) -> String {
        let page = doc.structure, src = doc.source
        func lines(_ lo: Int, _ hi: Int) -> String { JSON.object([("start", String(lo)), ("end", String(hi))]) }
        func head(_ h: PageStructure.HeadlinePart) -> String {
            JSON.object([("kind", JSON.string(h.kind.rawValue)), ("line", String(h.line + 1)), ("text", JSON.string(src.string(h.range)))])
        }
        func credit(_ c: PageStructure.Credit) -> String {
            JSON.object([("kind", JSON.string(c.kind.rawValue)), ("line", String(c.line + 1)), ("text", JSON.string(src.string(c.range)))])
        }
        let articles = page.articles.map { a -> String in
            let body = bodyLines(doc, a)
            let paragraphs = a.body.map { i -> String in
                let b = doc.blocks[i]
                return JSON.object([("lines", lines(b.lines.lowerBound + 1, b.lines.upperBound)), ("role", JSON.string(b.role.names.first ?? "body"))])
            }
            return JSON.object([
                ("lines", lines(a.lines.lowerBound + 1, a.lines.upperBound)),
                ("type", a.type.map(JSON.string) ?? "null"),
                ("section", a.section.map(JSON.string) ?? "null"),
                ("headlines", JSON.array(a.headlines.map(head))),
                ("credits", JSON.array(a.credits.map(credit))),
                ("body", body.map { lines($0.lowerBound, $0.upperBound) } ?? "null"),
                ("paragraphs", JSON.array(paragraphs)),
                ("hasByline", a.hasByline ? "true" : "false"),
                ("hasDateline", a.hasDateline ? "true" : "false"),
            ])
        }
        let fragments = page.fragments.map { f in
            JSON.object([("kind", JSON.string(f.kind.rawValue)), ("lines", lines(f.lines.lowerBound + 1, f.lines.upperBound)),
                         ("headlines", JSON.array(f.headlines.map(head))), ("credits", JSON.array(f.credits.map(credit)))])
        }
        var pairs: [(String, String)] = [("path", JSON.string(path)), ("format", JSON.string(doc.format.rawValue))]
        if !page.frontMatter.isEmpty {
            pairs.append(("frontMatter", JSON.object(page.frontMatter.map { ($0.key, JSON.string(src.string($0.value))) })))
        }
        pairs += [("articles", JSON.array(articles)), ("fragments", JSON.array(fragments))]
        return JSON.object(pairs)
    }
}
