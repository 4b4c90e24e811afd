import Foundation

/// Turns a published article (a draft file) into what the archive stores, with the duplicates pack's units and
/// fingerprints: the paragraphs of `DuplicateUnits` (scope body and dateline, as the duplicate rules read them)
/// with at least `minStoredHan` Han characters, except a title-like first paragraph and quoted messages.
public enum ArchiveArticleReader {
    /// Paragraphs with fewer Han characters are not stored (captions, closing notes, `（完）`); the rule's own
    /// `min-han` (20 by default) decides what is compared.
    public static let minStoredHan = 10
    static let scope: Scope = [.body, .dateline]

    /// `id`: front-matter `id`, else `path` as given (without a leading `./`). `title`: front-matter `title`, else
    /// the first article's main headline, else the first non-empty line (cut at 80 characters). `date`: `date` when
    /// given (the command line wins), else front-matter `date` (its first 10 characters when they are YYYY-MM-DD).
    public static func read(_ doc: Document, path: String, date: String?) throws -> ArchiveArticle {
        let id = articleID(doc, path: path)
        var title = field(doc, "title")
        if title == nil, let h = doc.structure.articles.first?.main { title = doc.source.string(h.range) }
        if title == nil {
            for l in 0..<doc.source.lineCount {
                let s = doc.source.string(doc.source.lineContent(l)).trimmingCharacters(in: .whitespaces)
                if !s.isEmpty { title = s; break }
            }
        }
        var t = (title ?? "").trimmingCharacters(in: .whitespaces)
        if t.unicodeScalars.count > 80 { t = String(String.UnicodeScalarView(t.unicodeScalars.prefix(80))) + "…" }
        var published: String? = nil
        if let d = date {
            guard let v = validDate(d) else { throw ArchiveError.usage("--date must be YYYY-MM-DD, found '\(d)'") }
            published = v
        } else if let d = field(doc, "date") {
            published = validDate(d)
        }
        return ArchiveArticle(id: id, title: t, date: published, paragraphs: paragraphs(doc))
    }

    /// The id the archive knows a document by (a draft that is itself archived is not compared with itself).
    public static func articleID(_ doc: Document, path: String) -> String {
        if let id = field(doc, "id"), !id.isEmpty { return id }
        var p = path
        while p.hasPrefix("./") { p.removeFirst(2) }
        return p
    }

    static func field(_ doc: Document, _ key: String) -> String? {
        doc.structure.frontMatter.first { $0.key == key }.map { doc.source.string($0.value) }
    }

    /// `YYYY-MM-DD` (a longer ISO date-time is cut to its date); nil otherwise.
    public static func validDate(_ s: String) -> String? {
        let b = Array(s.trimmingCharacters(in: .whitespaces).utf8)
        guard b.count >= 10 else { return nil }
        let digits = [0, 1, 2, 3, 5, 6, 8, 9]
        guard digits.allSatisfy({ b[$0] >= 0x30 && b[$0] <= 0x39 }), b[4] == 0x2D, b[7] == 0x2D,
              b.count == 10 || b[10] == 0x54 || b[10] == 0x20 else { return nil }
        let d = String(decoding: b[0..<10], as: UTF8.self)
        let month = Int(d.dropFirst(5).prefix(2))!, day = Int(d.suffix(2))!
        guard (1...12).contains(month), (1...31).contains(day) else { return nil }
        return d
    }

    static func paragraphs(_ doc: Document) -> [ArchiveParagraph] {
        let u = DuplicateUnits.extract(doc, scope: scope)
        var out: [ArchiveParagraph] = []
        for p in u.paragraphs.indices {
            let par = u.paragraphs[p]
            guard par.han >= minStoredHan, !par.titleLike, !par.isQuote else { continue }
            out.append(ArchiveParagraph(fingerprint: fingerprint(u, p), shingles: ShortShingles.of(u.shingles(p)), han: par.han,
                                        start: OutputPosition(doc.source, par.range.lowerBound),
                                        end: OutputPosition(doc.source, par.range.upperBound)))
        }
        return out
    }

    /// The fingerprint of paragraph `p` (the same as `Fingerprint(text:)` of its text).
    static func fingerprint(_ u: DuplicateUnits, _ p: Int) -> Fingerprint {
        let par = u.paragraphs[p]
        return Fingerprint(normalized: u.normalized(p), han: par.han, exact: u.exactHash(p), numbers: Array(u.numbers(p)), shingles: u.shingles(p))
    }
}

extension ArchiveArticleReader {
    /// Reads and fingerprints files in parallel (input order kept): each an article or the reason it failed.
    public static func read(files: [String], runner: Runner, date: String?) -> [Result<ArchiveArticle, ArchiveError>] {
        let box = ResultBox<Result<ArchiveArticle, ArchiveError>>(count: files.count)
        DispatchQueue.concurrentPerform(iterations: files.count) { i in
            switch runner.read(files[i]) {
            case .failure(let e): box[i] = .failure(.usage("\(files[i]): \(e)"))
            case .success(let bytes):
                do {
                    let src = try SourceText(validating: bytes)
                    let doc = Document(path: files[i], source: src)
                    box[i] = .success(try read(doc, path: files[i], date: date))
                } catch { box[i] = .failure(.usage("\(files[i]): \(error)")) }
            }
        }
        return (0..<files.count).map { box.take($0)! }
    }
}
