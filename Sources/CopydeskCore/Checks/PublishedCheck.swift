/// `kind: published`: paragraphs of a draft that were already published, looked up in the archive
/// (`copydesk lint --archive LOCATION`, the configuration's `archive:`; see `Archive/`). Without an archive the
/// rule finds nothing.
///
///     min-han: 20                # paragraphs with fewer Han characters are not looked up
///     threshold: 0.8             # 5-gram Jaccard (candidates found by MinHash LSH, verified on the shingles)
///     same-numbers: true         # a near copy must have the same runs of digits
///     boilerplate: [责任编辑, …]  # paragraphs starting with these are skipped (as the duplicates rules do)
///     max-candidates: 50         # archived paragraphs verified per draft paragraph (most shared bands first)
///
/// Units, normalisation and fingerprints are the duplicates pack's (`DuplicateUnits`, `Fingerprint`). Each
/// paragraph costs index probes: one on the exact hash and one per LSH band key (20), then the candidates'
/// stored shingles are compared. A copy of the exact normalised text is 100%; a near copy is reported when the
/// exact 5-gram Jaccard (from the shingle hashes the archive keeps, cut to 32 bits) reaches `threshold`, as
/// `duplicates.near-paragraph` decides within a draft (the archive keeps fingerprints, not texts). One finding per
/// paragraph: the most similar archived paragraph (the earliest publication date among equals), named in the
/// message (id, title, date, similarity) and as a related location (the article id, the paragraph's lines).
/// An archived article with the draft's own id (its path or front-matter id) is not compared with it.
public struct PublishedCheck: Check {
    var minHan: Int
    var threshold: Double
    var sameNumbers: Bool
    var boilerplate: [[UInt32]]
    var maxCandidates: Int

    static let keys: Set<String> = ["min-han", "threshold", "same-numbers", "boilerplate", "max-candidates"]

    init(_ m: StrictMapping) throws {
        var errors = ConfigErrorCollector()
        minHan = errors.run { () throws -> Int in
            let v = try m["min-han"]?.int("min-han") ?? 20
            guard v >= ArchiveArticleReader.minStoredHan else {
                throw ConfigError(m["min-han"]!.mark, "'min-han' must be at least \(ArchiveArticleReader.minStoredHan) (shorter paragraphs are not archived)")
            }
            return v
        } ?? 20
        threshold = errors.run { () throws -> Double in
            let v = try m["threshold"]?.double("threshold") ?? DuplicatesCheck.nearJaccard
            guard v > 0 && v <= 1 else { throw ConfigError(m["threshold"]!.mark, "'threshold' must be above 0 and at most 1") }
            return v
        } ?? DuplicatesCheck.nearJaccard
        sameNumbers = errors.run { try m["same-numbers"]?.bool("same-numbers") ?? true } ?? true
        let bp = errors.run { try m["boilerplate"]?.stringList("boilerplate") ?? DuplicatesCheck.defaultBoilerplate } ?? []
        boilerplate = bp.map { s in s.unicodeScalars.compactMap { DuplicateUnits.normalize($0.value) } }.filter { !$0.isEmpty }
        maxCandidates = errors.run { () throws -> Int in
            let v = try m["max-candidates"]?.int("max-candidates") ?? 50
            guard v >= 1 && v <= 10_000 else { throw ConfigError(m["max-candidates"]!.mark, "'max-candidates' must be 1 to 10000") }
            return v
        } ?? 50
        try errors.throwIfAny()
    }

    public func run(_ context: CheckContext, into findings: inout [Finding]) {
        defer { context.cache.doneWithUnits(scope: context.scope) }
        guard let archive = context.cache.archive else { return }
        let doc = context.document
        let u = context.cache.duplicateUnits(doc, scope: context.scope)
        var which: [Int] = []
        var prints: [Fingerprint] = []
        var shingles: [[UInt32]] = []
        for p in u.paragraphs.indices {
            let par = u.paragraphs[p]
            guard par.han >= minHan, !par.titleLike, !par.isQuote else { continue }
            let t = u.normalized(p)
            if boilerplate.contains(where: { b in t.count >= b.count && t.prefix(b.count).elementsEqual(b) }) { continue }
            which.append(p)
            prints.append(ArchiveArticleReader.fingerprint(u, p))
            shingles.append(ShortShingles.of(u.shingles(p)))
        }
        guard !which.isEmpty else { return }
        let candidates: [[ArchiveCandidate]]
        do { candidates = try archive.candidates(prints.map(ArchiveProbe.init), limit: maxCandidates) } catch {
            var f = Finding(rule: context.ruleIndex, range: 0..<0, message: "\(error)")
            f.isRuleFailure = true
            findings.append(f)
            return
        }
        let selfID = ArchiveArticleReader.articleID(doc, path: doc.path)
        for (k, p) in which.enumerated() {
            let mine = prints[k]
            var best: (c: ArchiveCandidate, sim: Double)? = nil
            for c in candidates[k] where c.articleID != selfID {
                let sim: Double
                if c.fingerprint.exact == mine.exact { sim = 1 } else {
                    guard c.han >= minHan, !sameNumbers || c.fingerprint.numbers == mine.numbers else { continue }
                    sim = ShortShingles.jaccard(shingles[k], c.shingles)
                    guard sim >= threshold else { continue }
                }
                if let b = best, b.sim > sim || b.sim == sim && (b.c.date ?? "9") <= (c.date ?? "9") { continue }
                best = (c, sim)
            }
            guard let (c, sim) = best else { continue }
            let date = c.date ?? "日期不详"
            var f = Finding(rule: context.ruleIndex, range: u.paragraphs[p].range,
                            message: substitute(context.message, ["id": c.articleID, "title": c.title, "date": date,
                                                                  "line": "\(c.start.line)", "similarity": DuplicatesCheck.percent(sim)]))
            f.related = [RelatedLocation(file: c.articleID, range: 0..<0, start: c.start, end: c.end,
                                         message: "已发表的段落：《\(c.title)》（\(date)）")]
            findings.append(f)
        }
    }
}
