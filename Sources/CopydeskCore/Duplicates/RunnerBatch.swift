import Foundation

extension Runner {
    /// Standard input (linted by `process` with `cache`) takes part in the cross-file pass of the next `run`: its
    /// text is kept in memory (it cannot be read again), and its findings come out under its name. As for files,
    /// the text compared is the report's: the fixed text after `--fix`, the original with `--diff`.
    public func holdStandardInput(_ report: FileReport, lookup: String, cache: CheckCache) {
        guard report.error == nil, let src = report.source else { return }
        standardInput = BatchDuplicates.Held(report: report, source: src, lookup: lookup, cache: cache)
    }

    func addStandardInput(at index: Int, into batch: BatchDuplicates) {
        guard let s = standardInput else { return }
        standardInput = nil
        var report = s.report
        batch.keep(file: index, source: s.source)
        // Its own findings are reported already: its unused disables are not held back.
        fingerprint(&report, index: index, path: s.lookup, display: report.path, holdDisables: false, cache: s.cache, into: batch)
    }

    /// Phase 1 of the cross-file pass for one linted file: fingerprints of the paragraphs its duplicate rules
    /// compare (from the lint's own units in report mode; from the fixed text after `--fix`).
    /// Unused-disable findings whose comment covers a cross-file rule are taken out of `report` and held until
    /// phase 2 (a comment may be there for a copy in another file).
    func fingerprint(_ report: inout FileReport, index: Int, path: String, display: String? = nil, holdDisables: Bool = true, cache: CheckCache, into batch: BatchDuplicates) {
        guard report.error == nil, let src = report.source, let rules = try? resolved(for: path).fileRules else { return }
        if holdDisables && report.diagnostics.contains(where: { $0.ruleID == Self.unusedDisableID }) {
            let ids = [rules.exact?.id, rules.near?.id].compactMap { $0 }
            let directives = Document(path: path, source: src).directives
            let crossFile: (Diagnostic) -> Bool = { d in
                guard d.ruleID == Self.unusedDisableID, let dir = directives.first(where: { $0.range == d.range }) else { return false }
                return dir.rules.isEmpty || dir.rules.contains { p in ids.contains { Suppression.matches($0, p) } }
            }
            let held = report.diagnostics.filter(crossFile)
            if !held.isEmpty {
                report.diagnostics.removeAll(where: crossFile)
                batch.hold(file: index, path: display ?? path, lookup: path, rules: rules, held)
            }
        }
        let units = (options.fixMode == .report ? cache.anyUnits(scope: rules.scope) : nil)
            ?? DuplicateUnits.extract(Document(path: path, source: src), scope: rules.scope)
        batch.add(file: index, path: display ?? path, lookup: path, rules: rules, units: units)
    }

    /// Phase 2 of the cross-file pass, after `run`: duplicate paragraphs between the files of the run, one more
    /// report (with its text, for excerpts) for each file that has some, in input order. Each pair is reported in
    /// both files. In-document disables apply. Files are read again: only those with candidates.
    public func crossFileReports(emit: (FileReport) -> Void) {
        guard let batch, !batch.isEmpty else { self.batch = nil; return }
        self.batch = nil
        func source(_ f: Int, _ lookup: String) -> SourceText? {
            if let s = batch.kept(f) { return s }
            guard case .success(let bytes) = read(lookup) else { return nil }
            return try? SourceText(validating: bytes)
        }
        func load(_ f: Int) -> (DuplicateUnits, SourceText)? {
            guard let info = batch.file(f), let src = source(f, info.lookup) else { return nil }
            return (DuplicateUnits.extract(Document(path: info.lookup, source: src), scope: info.rules.scope), src)
        }
        let (matches, loaded) = batch.matches(load: load)
        var byFile: [Int: [Diagnostic]] = [:]
        let held = batch.heldFiles
        for m in matches {
            let a = batch.entry(m.a), b = batch.entry(m.b)
            guard let fa = batch.file(Int(a.file)), let fb = batch.file(Int(b.file)), let la = loaded[m.a], let lb = loaded[m.b] else { continue }
            let rule: (id: String, severity: Severity, message: String)
            if m.exact, let r = fa.rules.exact { rule = r }
            else if m.contained, let r = fa.rules.contained { rule = (r.id, r.severity, r.message) }
            else if !m.exact && !m.contained, let r = fa.rules.near { rule = (r.id, r.severity, r.message) }
            else { continue }
            let place = DuplicatesCheck.place(file: fb.path, line: lb.start.line, column: lb.start.column)
            var d = Diagnostic(ruleID: rule.id, severity: rule.severity,
                               message: substitute(rule.message, ["where": place, "similarity": DuplicatesCheck.percent(m.similarity)]),
                               range: la.range, fix: nil)
            d.related = [RelatedLocation(file: fb.path, range: lb.range, start: lb.start, end: lb.end, message: "另一文件中的段落")]
            byFile[Int(a.file), default: []].append(d)
        }
        for f in Set(byFile.keys).union(held.keys).sorted() {
            guard let info = batch.file(f), let src = source(f, info.lookup) else { continue }
            var ds = byFile[f] ?? []
            let doc = Document(path: info.lookup, source: src)
            if !doc.directives.isEmpty {
                let all = ds
                ds = Suppression.apply(doc: doc, diagnostics: ds, unusedSeverity: nil, knownIDs: [])
                // Held unused-disable findings: reported now unless their comment suppressed a cross-file finding.
                let regions = Suppression.regions(doc)
                for h in held[f] ?? [] {
                    guard let k = doc.directives.firstIndex(where: { $0.range == h.range }) else { continue }
                    let used = all.contains { d in regions.contains { $0.directive == k && $0.range.contains(d.range.lowerBound) && $0.covers(d.ruleID) } }
                    if !used { ds.append(h) }
                }
            }
            guard !ds.isEmpty else { continue }
            ds.sort { ($0.range.lowerBound, $0.range.upperBound, $0.ruleID) < ($1.range.lowerBound, $1.range.upperBound, $1.ruleID) }
            emit(FileReport(path: info.path, source: src, diagnostics: ds))
        }
    }
}

extension Runner {
    static let unusedDisableID = "copydesk.unused-disable"
}

extension FileReport {
    /// Adds the findings of a later report of the same file (the cross-file pass) to this one, keeping the kind of
    /// report this is: with its text, or with the positions `detachSource()` kept (then the new findings' positions
    /// are added the same way).
    public mutating func absorb(_ other: FileReport) {
        if source == nil && diagnostics.isEmpty && positions.isEmpty, let s = other.source {
            // A clean file (its text let go): the later report's text serves every format.
            source = s
            diagnostics = other.diagnostics
            return
        }
        if source == nil && !positions.isEmpty || source == nil && diagnostics.isEmpty {
            var o = other
            o.detachSource(fingerprints: true)
            positions.merge(o.positions) { a, _ in a }
            fingerprints.merge(o.fingerprints) { a, _ in a }
        }
        diagnostics += other.diagnostics
        diagnostics.sort { ($0.range.lowerBound, $0.range.upperBound, $0.ruleID) < ($1.range.lowerBound, $1.range.upperBound, $1.ruleID) }
    }
}
