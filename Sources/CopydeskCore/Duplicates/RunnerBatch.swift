import Foundation

extension Runner {
    /// Phase 1 of the cross-file pass for one linted file: fingerprints of the paragraphs its duplicate rules
    /// compare (from the lint's own units in report mode; from the fixed text after `--fix`).
    func fingerprint(_ report: FileReport, index: Int, path: String, cache: CheckCache, into batch: BatchDuplicates) {
        guard report.error == nil, let src = report.source, let linter = try? self.linter(for: path).1,
              let rules = BatchDuplicates.FileRules(linter) else { return }
        let units = (options.fixMode == .report ? cache.anyUnits(scope: rules.scope) : nil)
            ?? DuplicateUnits.extract(Document(path: path, source: src), scope: rules.scope)
        batch.add(file: index, path: path, lookup: path, rules: rules, units: units)
    }

    /// Phase 2 of the cross-file pass, after `run`: duplicate paragraphs between the files of the run, one more
    /// report (with its text, for excerpts) for each file that has some, in input order. Each pair is reported in
    /// both files. In-document disables apply. Files are read again: only those with candidates.
    public func crossFileReports(emit: (FileReport) -> Void) {
        guard let batch, !batch.isEmpty else { self.batch = nil; return }
        self.batch = nil
        func load(_ f: Int) -> (DuplicateUnits, SourceText)? {
            guard let info = batch.file(f), case .success(let bytes) = read(info.lookup),
                  let src = try? SourceText(validating: bytes) else { return nil }
            return (DuplicateUnits.extract(Document(path: info.lookup, source: src), scope: info.rules.scope), src)
        }
        let (matches, loaded) = batch.matches(load: load)
        var byFile: [Int: [Diagnostic]] = [:]
        for m in matches {
            let a = batch.entry(m.a), b = batch.entry(m.b)
            guard let fa = batch.file(Int(a.file)), let fb = batch.file(Int(b.file)), let la = loaded[m.a], let lb = loaded[m.b] else { continue }
            let rule: (id: String, severity: Severity, message: String)
            if m.exact, let r = fa.rules.exact { rule = r } else if !m.exact, let r = fa.rules.near { rule = (r.id, r.severity, r.message) } else { continue }
            let place = DuplicatesCheck.place(file: fb.path, line: lb.start.line, column: lb.start.column)
            var d = Diagnostic(ruleID: rule.id, severity: rule.severity,
                               message: substitute(rule.message, ["where": place, "similarity": DuplicatesCheck.percent(m.similarity)]),
                               range: la.range, fix: nil)
            d.related = [RelatedLocation(file: fb.path, range: lb.range, start: lb.start, end: lb.end, message: "另一文件中的段落")]
            byFile[Int(a.file), default: []].append(d)
        }
        for f in byFile.keys.sorted() {
            guard let info = batch.file(f), case .success(let bytes) = read(info.lookup),
                  let src = try? SourceText(validating: bytes) else { continue }
            var ds = byFile[f]!
            let doc = Document(path: info.lookup, source: src)
            if !doc.directives.isEmpty {
                ds = Suppression.apply(doc: doc, diagnostics: ds, unusedSeverity: nil, knownIDs: [])
            }
            guard !ds.isEmpty else { continue }
            ds.sort { ($0.range.lowerBound, $0.range.upperBound, $0.ruleID) < ($1.range.lowerBound, $1.range.upperBound, $1.ruleID) }
            emit(FileReport(path: info.path, source: src, diagnostics: ds))
        }
    }
}

extension FileReport {
    /// Adds the findings of a later report of the same file (the cross-file pass) to this one, keeping the kind of
    /// report this is: with its text, or with the positions `detachSource()` kept (then the new findings' positions
    /// are added the same way).
    public mutating func absorb(_ other: FileReport) {
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
