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
        var candidates: [(Diagnostic, [Edit])] = []
        for d in diagnostics {
            guard let fix = d.fix, fix.safety == .safe || (allowUnsafe && fix.safety == .unsafe), !fix.edits.isEmpty else { continue }
            candidates.append((d, fix.edits.sorted { $0.range.lowerBound < $1.range.lowerBound }))
        }
        candidates.sort { $0.1[0].range.lowerBound < $1.1[0].range.lowerBound }
        // Conflicts between fixes: two edits overlap, or two insertions share a point. One sweep over all edits
        // sorted by start keeps the edits still "open" (overlaps are rare, so that set stays tiny). A fix whose
        // edits are far apart (a joined paragraph) then only excludes the fixes it really overlaps.
        var all: [(edit: Edit, fix: Int)] = []
        for (k, c) in candidates.enumerated() { for e in c.1 { all.append((e, k)) } }
        all.sort { $0.edit.range.lowerBound != $1.edit.range.lowerBound ? $0.edit.range.lowerBound < $1.edit.range.lowerBound
                   : ($0.edit.range.isEmpty && !$1.edit.range.isEmpty) }
        var conflicts: [Int: [Int]] = [:]
        var open: [(edit: Edit, fix: Int)] = []
        for item in all {
            let e = item.edit.range
            open.removeAll { o in o.edit.range.upperBound < e.lowerBound
                || (o.edit.range.upperBound == e.lowerBound && !(o.edit.range.isEmpty && e.isEmpty)) }
            for o in open where o.fix != item.fix {
                let r = o.edit.range
                let clash = (r.isEmpty && e.isEmpty) ? r.lowerBound == e.lowerBound : (e.lowerBound < r.upperBound && r.lowerBound < max(e.upperBound, e.lowerBound + (e.isEmpty ? 1 : 0)) && !(e.isEmpty && e.lowerBound == r.lowerBound))
                if clash { conflicts[o.fix, default: []].append(item.fix); conflicts[item.fix, default: []].append(o.fix) }
            }
            open.append(item)
        }
        var accepted = [Bool](repeating: false, count: candidates.count)
        var applied: [Diagnostic] = []
        var taken: [Edit] = []
        for (k, c) in candidates.enumerated() {
            if let cs = conflicts[k], cs.contains(where: { accepted[$0] }) { continue }
            accepted[k] = true
            applied.append(c.0)
            taken.append(contentsOf: c.1)
        }
        taken.sort { $0.range.lowerBound != $1.range.lowerBound ? $0.range.lowerBound < $1.range.lowerBound : ($0.range.isEmpty && !$1.range.isEmpty) }
        guard !taken.isEmpty else { return (bytes, []) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        var pos = 0
        for e in taken {
            out.append(contentsOf: bytes[pos..<e.range.lowerBound])
            out.append(contentsOf: Array(e.replacement.utf8))
            pos = e.range.upperBound
        }
        out.append(contentsOf: bytes[pos...])
        return (out, applied)
    }

    /// Fixes a document until it converges. `path` decides the format (Markdown or plain text).
    public static func fix(_ source: SourceText, path: String, linter: Linter, allowUnsafe: Bool) -> Outcome {
        var bytes = source.bytes
        var applied: [String: Int] = [:]
        var changed = false
        for _ in 0..<maxPasses {
            let doc = Document(path: path, source: SourceText(trusted: bytes, hasBOM: source.hasBOM), role: linter.forcedRole)
            let diags = linter.lint(doc)
            let (next, used) = applyOnce(bytes, diags, allowUnsafe: allowUnsafe)
            if used.isEmpty {
                return Outcome(bytes: bytes, applied: applied, unconverged: [], changed: changed, remaining: diags)
            }
            for d in used { applied[d.ruleID, default: 0] += 1 }
            if next == bytes {
                return Outcome(bytes: bytes, applied: applied, unconverged: [], changed: changed, remaining: diags)
            }
            bytes = next
            changed = true
        }
        let doc = Document(path: path, source: SourceText(trusted: bytes, hasBOM: source.hasBOM), role: linter.forcedRole)
        let last = linter.lint(doc)
        let (_, still) = applyOnce(bytes, last, allowUnsafe: allowUnsafe)
        return Outcome(bytes: bytes, applied: applied, unconverged: Array(Set(still.map(\.ruleID))).sorted(), changed: changed, remaining: last)
    }
}
