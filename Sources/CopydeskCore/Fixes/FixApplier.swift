/// Applies fixes as byte edits, Ruff-style: sort, skip any edit that overlaps one already taken, re-lint, repeat
/// until nothing changes (bounded). Only the bytes of applied edits change: line endings, BOM and everything
/// else stay as they were.
public enum FixApplier {
    public struct Outcome: Sendable {
        public var bytes: [UInt8]
        /// Number of fixes applied, by rule id.
        public var applied: [String: Int]
        /// Rules still proposing fixes after the last pass (non-convergence), empty when it converged.
        public var unconverged: [String]
        public var changed: Bool
        /// The findings of the fixed text (from the last pass, so the caller need not lint it again).
        public var remaining: [Diagnostic] = []
    }

    public static let maxPasses = 10

    /// Applies one round of non-overlapping edits to `bytes`. Returns the new bytes and the diagnostics applied.
    public static func applyOnce(_ bytes: [UInt8], _ diagnostics: [Diagnostic], allowUnsafe: Bool) -> ([UInt8], [Diagnostic]) {
        let (out, used, _) = applyOnceIndices(bytes, diagnostics, allowUnsafe: allowUnsafe)
        return (out, used.map { diagnostics[$0] })
    }

    /// One edit of a candidate fix, as plain values (sorting these moves no reference-counted data).
    struct EditRef {
        var start: Int
        var end: Int
        var fix: Int32        // index into the candidates
        var diagnostic: Int32
        var edit: Int32       // index of the edit within its fix
    }

    /// As `applyOnce`, returning the indices of the diagnostics whose fixes were applied (in the order of their first
    /// edit). Nothing here copies a diagnostic: the hot path of `--fix` on files with thousands of findings.
    static func applyOnceIndices(_ bytes: [UInt8], _ diagnostics: [Diagnostic], allowUnsafe: Bool) -> ([UInt8], [Int], [AppliedEdit]) {
        var out: [UInt8] = []
        let (used, edits) = applyOnceIndices(bytes, diagnostics, allowUnsafe: allowUnsafe, into: &out)
        return (used.isEmpty ? bytes : out, used, edits)
    }

    /// As above, writing the new text into `out` (emptied first, its capacity kept): the fixer passes the buffer of
    /// the text before last, so a pass writes into memory it already has instead of a fresh 25 MB that the system
    /// must map in page by page. `out` is left as it was when nothing applies.
    static func applyOnceIndices(_ bytes: [UInt8], _ diagnostics: [Diagnostic], allowUnsafe: Bool,
                                 into out: inout [UInt8]) -> ([Int], [AppliedEdit]) {
        // Counted first: on a large page these lists hold a quarter of a million edits, and growing them by doubling
        // would add half as much again to the fixer's peak memory.
        var editTotal = 0
        diagnostics.withUnsafeBufferPointer { ds in
            for i in ds.indices {
                guard let safety = ds[i].fix?.safety, safety == .safe || (allowUnsafe && safety == .unsafe) else { continue }
                editTotal += ds[i].fix?.editCount ?? 0
            }
        }
        guard editTotal > 0 else { return ([], []) }
        var all: [EditRef] = []
        all.reserveCapacity(editTotal)
        var fixCount: Int32 = 0
        var multi = false
        for (di, d) in diagnostics.enumerated() {
            guard let fix = d.fix, fix.safety == .safe || (allowUnsafe && fix.safety == .unsafe) else { continue }
            let n = fix.editCount
            guard n > 0 else { continue }
            if n == 1, let e = fix.firstEdit {
                all.append(EditRef(start: e.range.lowerBound, end: e.range.upperBound, fix: fixCount, diagnostic: Int32(di), edit: 0))
            } else {
                multi = true
                for (k, e) in fix.edits.enumerated() {
                    all.append(EditRef(start: e.range.lowerBound, end: e.range.upperBound, fix: fixCount, diagnostic: Int32(di), edit: Int32(k)))
                }
            }
            fixCount += 1
        }
        guard !all.isEmpty else { return ([], []) }
        // Edits by start; at one point an insertion before a replacement; then by rule id (the linter's order of
        // rules), then by the order of the diagnostics and of the edits within a fix. The key is total, so which of
        // two fixes starting at one byte wins never depends on the sort algorithm or the input order of rules.
        all.sort { a, b in
            if a.start != b.start { return a.start < b.start }
            let ae = a.start == a.end, be = b.start == b.end
            if ae != be { return ae }
            if a.diagnostic != b.diagnostic {
                let ra = diagnostics[Int(a.diagnostic)].ruleID, rb = diagnostics[Int(b.diagnostic)].ruleID
                return ra != rb ? ra < rb : a.diagnostic < b.diagnostic
            }
            return a.edit < b.edit
        }
        // A fix's rank is the position of its first edit in that order: fixes are taken greedily by rank.
        var rank = [Int32](repeating: -1, count: Int(fixCount))
        var order: [Int32] = []
        order.reserveCapacity(Int(fixCount))
        for e in all where rank[Int(e.fix)] < 0 { rank[Int(e.fix)] = Int32(order.count); order.append(e.fix) }
        // Conflicts between fixes: two edits overlap, or two insertions share a point. One sweep over the sorted
        // edits keeps those still "open" (overlaps are rare, so that list stays tiny). A fix whose edits are far
        // apart (a joined paragraph) then only excludes the fixes it really overlaps.
        var conflicts: [Int32: [Int32]] = [:]
        var open: [EditRef] = []
        for item in all {
            let eStart = item.start, eEnd = item.end, eEmpty = eStart == eEnd
            if !open.isEmpty {
                open.removeAll { o in o.end < eStart || (o.end == eStart && !(o.start == o.end && eEmpty)) }
                for o in open where o.fix != item.fix {
                    let oEmpty = o.start == o.end
                    let clash = (oEmpty && eEmpty) ? o.start == eStart
                        : (eStart < o.end && o.start < max(eEnd, eStart + (eEmpty ? 1 : 0)) && !(eEmpty && eStart == o.start))
                    if clash { conflicts[o.fix, default: []].append(item.fix); conflicts[item.fix, default: []].append(o.fix) }
                }
            }
            open.append(item)
        }
        var accepted = [Bool](repeating: false, count: Int(fixCount))
        var applied: [Int] = []
        applied.reserveCapacity(order.count)
        for f in order {
            if let cs = conflicts[f], cs.contains(where: { accepted[Int($0)] }) { continue }
            accepted[Int(f)] = true
        }
        // The accepted edits, already in order (`all` is sorted). The exact size first: a text that grows (`,` → `，`)
        // must not reallocate a buffer the size of the file.
        var size = bytes.count, acceptedEdits = 0
        for e in all where accepted[Int(e.fix)] {
            let d = diagnostics[Int(e.diagnostic)].fix!
            let replacement = (multi && e.edit > 0) ? d.edits[Int(e.edit)].replacement : d.firstEdit!.replacement
            size += replacement.utf8.count - (e.end - e.start)
            acceptedEdits += 1
        }
        out.removeAll(keepingCapacity: true)
        out.reserveCapacity(max(0, size))
        var pos = 0
        var diagOfFix = [Int32](repeating: -1, count: Int(fixCount))
        var edits: [AppliedEdit] = []
        edits.reserveCapacity(acceptedEdits)
        bytes.withUnsafeBufferPointer { src in
            for e in all where accepted[Int(e.fix)] {
                diagOfFix[Int(e.fix)] = e.diagnostic
                if e.start > pos { out.append(contentsOf: UnsafeBufferPointer(rebasing: src[pos..<e.start])) }
                let d = diagnostics[Int(e.diagnostic)].fix!
                let replacement = (multi && e.edit > 0) ? d.edits[Int(e.edit)].replacement : d.firstEdit!.replacement
                out.append(contentsOf: replacement.utf8)
                pos = max(pos, e.end)
                let breaks = replacement.utf8.contains { $0 == 0x0A || $0 == 0x0D }
                    || src[e.start..<e.end].contains { $0 == 0x0A || $0 == 0x0D }
                edits.append(AppliedEdit(range: e.start..<e.end, newLength: replacement.utf8.count, touchesLineBreak: breaks))
            }
            if pos < src.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: src[pos...])) }
        }
        for f in order where accepted[Int(f)] { applied.append(Int(diagOfFix[Int(f)])) }
        return (applied, edits)
    }

    /// Fixes a document until it converges. `path` decides the format (Markdown or plain text).
    /// `incremental: false` parses and lints the whole text on every pass (the reference the tests compare with).
    ///   The source is taken over, so that the original text is let go once the second pass no longer needs it.
    /// `split: false` runs every rule on every pass (the reference the tests compare the split with; see
    ///   `Linter.fixSplit(allowUnsafe:)`).
    public static func fix(_ source: consuming SourceText, path: String, linter: Linter, allowUnsafe: Bool, incremental: Bool = true,
                           split useSplit: Bool = true) -> Outcome {
        let hasBOM = source.hasBOM
        var bytes = source.bytes
        _ = consume source
        var applied: [String: Int] = [:]
        var changed = false
        var doc = Document(path: path, source: SourceText(trusted: bytes, hasBOM: hasBOM), role: linter.forcedRole, vocabulary: linter.vocabulary)
        // Passes run only the rules that can propose a fix this run applies; the others run once, on the fixed text.
        let split = useSplit ? linter.fixSplit(allowUnsafe: allowUnsafe) : nil
        let full = linter
        let linter = split?.fixing ?? full
        func report(_ diags: [Diagnostic]) -> [Diagnostic] {
            guard let split else { return diags }
            return full.lint(doc, split: split, fixingDiagnostics: diags)
        }
        var diags = linter.lint(doc)
        // The text before last: once the document that read it is let go, the next pass writes into its buffer.
        var spare: [UInt8] = []
        for _ in 0..<maxPasses {
            let (used, edits) = applyOnceIndices(bytes, diags, allowUnsafe: allowUnsafe, into: &spare)
            if used.isEmpty { return Outcome(bytes: bytes, applied: applied, unconverged: [], changed: changed, remaining: report(diags)) }
            for d in used { applied[diags[d].ruleID, default: 0] += 1 }
            if spare == bytes { return Outcome(bytes: bytes, applied: applied, unconverged: [], changed: changed, remaining: report(diags)) }
            swap(&bytes, &spare)
            changed = true
            // After the first pass, most of the text is as it was: when no line break moved, the structure is rebuilt
            // from line facts (only touched lines tested again) and line-local rules re-read only the touched lines
            // and those whose segments changed (`Document.updated`, `Linter.lint(_:updating:of:editedLines:)`).
            let newSource = SourceText(trusted: bytes, hasBOM: hasBOM)
            if incremental, newSource.lineCount == doc.source.lineCount, !edits.contains(where: \.touchesLineBreak) {
                let (updated, edited) = doc.updated(to: newSource, edits: edits, role: linter.forcedRole)
                    ?? (Document(path: path, source: newSource, role: linter.forcedRole, vocabulary: linter.vocabulary), Document.dirtyLines(doc.source, edits))
                diags = linter.lint(updated, updating: diags, of: doc, editedLines: edited)
                doc = updated
            } else {
                doc = Document(path: path, source: newSource, role: linter.forcedRole, vocabulary: linter.vocabulary)
                diags = linter.lint(doc)
            }
        }
        let (_, still, _) = applyOnceIndices(bytes, diags, allowUnsafe: allowUnsafe)
        return Outcome(bytes: bytes, applied: applied, unconverged: Array(Set(still.map { diags[$0].ruleID })).sorted(), changed: changed, remaining: report(diags))
    }
}

