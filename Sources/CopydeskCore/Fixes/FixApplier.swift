import Foundation

/// Applies fixes as byte edits, Ruff-style: sort, skip any edit that overlaps one already taken, re-lint, repeat
/// until nothing changes (bounded). Only the bytes of applied edits change: line endings, BOM and everything
/// else stay as they were.
public enum FixApplier {
    /// What `fix` tells its `fixed` callback about the fixed text, for a caller that writes it meanwhile.
    public enum FixedText {
        /// The text after a pass whose re-lint is still running: the final one unless that re-lint finds more to fix
        /// (a large text from the second pass on; see `fix`). Nothing is to be committed until it is confirmed.
        case tentative([UInt8])
        /// The last tentative text is the fixed text (no pass changed it since).
        case confirmed
        /// The fixed text (when no tentative text was given, or the last one changed after it).
        case final([UInt8])
    }

    /// From this size on, the text after the second and later passes is handed to `fix`'s callback as tentative
    /// before the pass's re-lint (which nearly always finds nothing more to fix by then): the file is written while
    /// it runs.
    public static let tentativeFrom = 8 << 20

    public struct Outcome: Sendable {
        public var bytes: [UInt8]
        /// Number of fixes applied, by rule id.
        public var applied: [String: Int]
        /// Rules still proposing fixes after the last pass (non-convergence), empty when it converged.
        public var unconverged: [String]
        public var changed: Bool
        /// The findings of the fixed text (from the last pass, so the caller need not lint it again).
        public var remaining: [Diagnostic] = []
        /// The fixed text with its line table, as the last pass read it (the caller need not scan 25 MB for it again).
        public var source: SourceText? = nil
    }

    public static let maxPasses = 10
    /// Called once per process (set before any fixing starts) when the first fix pass of a large text has let go
    /// of its findings and written its new text in place: the peak of `--fix`'s memory is behind it, and the command
    /// lets the allocator keep the memory a pass frees for the next one (`Copydesk.tuneAllocatorForFixing`).
    nonisolated(unsafe) public static var afterPeak: (() -> Void)?
    private static let afterPeakLock = NSLock()
    private static func passedPeak() {
        afterPeakLock.lock()
        let hook = afterPeak
        afterPeak = nil
        afterPeakLock.unlock()
        hook?()
    }

    /// Applies one round of non-overlapping edits to `bytes`. Returns the new bytes and the diagnostics applied.
    public static func applyOnce(_ bytes: [UInt8], _ diagnostics: [Diagnostic], allowUnsafe: Bool) -> ([UInt8], [Diagnostic]) {
        let (out, used, _) = applyOnceIndices(bytes, diagnostics, allowUnsafe: allowUnsafe)
        return (out, used.map { diagnostics[$0] })
    }

    /// One edit of a candidate fix, as plain values (sorting these moves no reference-counted data), in 24 bytes (the
    /// replaced length in 32 bits): on a 25 MB page the first pass sorts a quarter of a million of them, at the peak
    /// of `--fix`'s memory.
    /// A fix of one edit whose replacement is at most four bytes (a space, `，`, `…`: nearly every fix on a page of
    /// web news) carries those bytes in `edit` (its index would be 0), flagged in `newLength`: the plan writes the
    /// accepted edits from these alone, without reading the findings again (each read copied its `Fix`, retaining
    /// and releasing its string and array, and missed the cache).
    struct EditRef {
        var start: Int
        var length: UInt32    // bytes replaced
        var diagnostic: Int32 // the item whose fix it is (an item has one fix)
        var edit: Int32       // index of the edit within its fix, or its replacement's bytes (`isInline`)
        var newLength: Int32  // UTF-8 bytes of its replacement, | `inlineFlag` when they are in `edit`
        static let inlineFlag: Int32 = 0x4000_0000
        @inline(__always) var end: Int { start &+ Int(length) }
        @inline(__always) var replacementLength: Int { Int(newLength & ~EditRef.inlineFlag) }
        @inline(__always) var isInline: Bool { newLength & EditRef.inlineFlag != 0 }
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
        let p = plan(bytes, diagnostics, allowUnsafe: allowUnsafe)
        guard !p.used32.isEmpty else { return ([], []) }
        write(p, bytes, into: &out)
        return (p.used, p.edits)
    }

    /// What one pass applies, worked out before the new text is written: the fixer lets go of the diagnostics it
    /// cannot carry between the two (on a 25 MB page, a quarter of a million diagnostics and a second copy of the text
    /// would otherwise be held at once, the largest part of `--fix`'s peak memory).
    struct Plan {
        /// The accepted edits, sorted, in the old text's offsets.
        var edits: [AppliedEdit] = []
        /// Their replacements' bytes, one after the other (`AppliedEdit.newLength` each).
        var replacements: [UInt8] = []
        /// The items (diagnostics, or the first pass's findings in order) whose fixes were taken, in the order of their
        /// first edit.
        var used: [Int] {
            get { used32.map(Int.init) }
            set { used32 = newValue.map { Int32(truncatingIfNeeded: $0) } }
        }
        /// `used`, as the sweep lists them (a quarter of a million after a large page's first pass: made `[Int]` on
        /// one core, 2 MB of fresh pages, for the fixer to ask whether it is empty).
        var used32: [Int32] = []
        /// Whether some edit puts other bytes in place of those it replaces.
        var changesText = false
        /// The lines the accepted edits start on (`Document.dirtyLines` of them), found while they are written when
        /// the plan has the text's line table; nil otherwise.
        var dirtyLines: [Int]? = nil
        /// The fixes taken, by rule index (`ruleCount` entries), when the plan was asked for them; nil otherwise.
        var usedByRule: [Int]? = nil
        /// Whether the sweep ran in two halves (tests).
        var sweptInHalves = false
    }

    /// The non-overlapping edits one pass applies (Ruff-style: by position, then rule id; a fix is taken whole or not
    /// at all). Nothing here copies a diagnostic or a fix: the hot path of `--fix` on files with thousands of findings
    /// (each fix is read in place twice, for its edits' ranges and for the accepted ones' replacements).
    /// `lines`, when given, is the line table of `bytes`: whether an edit replaces a line break is then read from it
    /// (when the text has no CR) instead of from the bytes, which on a large page are far out of the cache by now.
    static func plan(_ bytes: [UInt8], _ diagnostics: [Diagnostic], allowUnsafe: Bool, lines: SourceText? = nil) -> Plan {
        diagnostics.withUnsafeBufferPointer { ds in
            plan(bytes, items: DiagnosticFixes(ds: ds), allowUnsafe: allowUnsafe, lines: lines)
        }
    }

    /// As above, of the findings of the fixer's first pass before they are made diagnostics (`Linter.sortedFindings`);
    /// `Plan.used` then holds places in their order. Nil when they have no order of their own (few findings).
    /// `Plan.usedByRule` is counted (the linter's `ruleRank.count` rules).
    static func plan(_ bytes: [UInt8], _ found: Linter.SortedFindings, ruleRank: [Int], allowUnsafe: Bool, lines: SourceText? = nil) -> Plan? {
        guard let order = found.order else { return nil }
        return found.withBuffers { ls in
            order.withUnsafeBufferPointer { o in
                ruleRank.withUnsafeBufferPointer { rank in
                    plan(bytes, items: FindingFixes(lists: ls, order: o, rank: rank), allowUnsafe: allowUnsafe, lines: lines,
                         ruleCount: ruleRank.count)
                }
            }
        }
    }

    /// The plan's items: each one's fix, read in place, and the order of their rules by id.
    /// `ruleCount` > 0: the fixes taken are counted by rule (`FixItems.rule`, below `ruleCount`) into `Plan.usedByRule`.
    /// `sweepInHalves`: the size from which the sweep that takes the fixes runs in two halves side by side (the
    /// tests set it low).
    static func plan<Items: FixItems>(_ bytes: [UInt8], items: Items, allowUnsafe: Bool, lines: SourceText?, ruleCount: Int = 0,
                                      sweepInHalves: Int = 1 << 15) -> Plan {
        let diagnostics = items
        @inline(__always) func applies(_ safety: FixSafety) -> Bool { safety == .safe || (allowUnsafe && safety == .unsafe) }
        // Counted first: on a large page these lists hold a quarter of a million edits, and growing them by doubling
        // would add half as much again to the fixer's peak memory. On a large page the diagnostics are read in two
        // parts side by side, each counted and then written into its own place of the one list.
        let parts = diagnostics.count >= 1 << 15 ? 2 : 1
        let bounds = (0...parts).map { diagnostics.count * $0 / parts }
        // (Each part also counts its candidate fixes by rule, when asked: those the sweep leaves are taken off after.)
        let counts = Parallel.map(parts) { h -> (edits: Int, fixes: Int, byRule: [Int]) in
            let ds = diagnostics
            var edits = 0, fixes = 0
            var byRule = [Int](repeating: 0, count: ruleCount)
            byRule.withUnsafeMutableBufferPointer { byRule in
                for i in bounds[h]..<bounds[h + 1] {
                    guard let safety = ds.safety(i), applies(safety) else { continue }
                    let n = ds.editCount(i)
                    edits += n
                    if n > 0 {
                        fixes += 1
                        if ruleCount > 0 { byRule[ds.rule(i)] += 1 }
                    }
                }
            }
            return (edits, fixes, byRule)
        }
        let editTotal = counts.reduce(0) { $0 + $1.edits }
        guard editTotal > 0 else { return Plan() }
        // Every fix one edit (nearly always): each item stands once in the sorted edits, and its rank is its place.
        let singleEdits = editTotal == counts.reduce(0) { $0 + $1.fixes }
        let itemCount = diagnostics.count
        // By index, in place: iterating the list would copy each diagnostic (and retain its label and fix).
        var all = [EditRef](unsafeUninitializedCapacity: editTotal) { buffer, filled in
            let base = buffer.baseAddress!
            let ds = diagnostics
            do {
                _ = Parallel.map(parts) { h in
                    var at = counts[..<h].reduce(0) { $0 + $1.edits }
                    for di in bounds[h]..<bounds[h + 1] {
                        guard let safety = ds.safety(di), applies(safety) else { continue }
                        let n = ds.editCount(di)
                        guard n > 0 else { continue }
                        for k in 0..<n {
                            let (r, length, bytes) = ds.withEdit(di, k) { r, new -> (Range<Int>, Int, UInt32?) in
                                guard n == 1, new.count <= 4 else { return (r, new.count, nil) }
                                var w: UInt32 = 0
                                for j in 0..<new.count { w |= UInt32(new[j]) << UInt32(8 * j) }
                                return (r, new.count, w)
                            }
                            precondition(r.count <= Int(UInt32.max) && length < Int(EditRef.inlineFlag), "an edit of 1 GB or more")
                            let len = Int32(truncatingIfNeeded: length)
                            (base + at).initialize(to: EditRef(start: r.lowerBound, length: UInt32(truncatingIfNeeded: r.count), diagnostic: Int32(di),
                                                               edit: bytes.map { Int32(bitPattern: $0) } ?? Int32(k),
                                                               newLength: bytes == nil ? len : len | EditRef.inlineFlag))
                            at += 1
                        }
                    }
                }
            }
            filled = editTotal
        }
        guard !all.isEmpty else { return Plan() }
        // Edits by start; at one point an insertion before a replacement; then by rule id (the linter's order of
        // rules), then by the order of the diagnostics and of the edits within a fix. The key is total, so which of
        // two fixes starting at one byte wins never depends on the sort algorithm or the input order of rules.
        // The diagnostics come sorted by start and most fixes are one edit there: when (start, insertion first) already
        // never falls, only the runs of edits that tie on it are sorted (by the whole key); else the whole list is.
        func before(_ a: EditRef, _ b: EditRef) -> Bool {
            if a.start != b.start { return a.start < b.start }
            let ae = a.start == a.end, be = b.start == b.end
            if ae != be { return ae }
            if a.diagnostic != b.diagnostic {
                return diagnostics.ruleBefore(Int(a.diagnostic), Int(b.diagnostic)) ?? (a.diagnostic < b.diagnostic)
            }
            // (Two edits of one fix: a fix of several edits, whose `edit` are indices.)
            return a.edit < b.edit
        }
        @inline(__always) func key(_ e: EditRef) -> Int { e.start &* 2 &+ (e.start == e.end ? 0 : 1) }
        let (rising, ties) = all.withUnsafeBufferPointer { a -> (Bool, Bool) in
            var last = key(a[0]), ties = false
            for i in 1..<a.count {
                let k = key(a[i])
                if k < last { return (false, ties) }
                if k == last { ties = true }
                last = k
            }
            return (true, ties)
        }
        if !rising {
            // Nearly in order (an edit a little before its finding's start, a fix's later edit): an insertion sort,
            // unless it has moved more than an eighth of the edits (a long way out of order), when the rest is left
            // to the full sort. A large list is sorted in two halves side by side, then the second half's first
            // edits are moved in among the first half's last ones until one stays where it is (the second half being
            // sorted, every edit after it then does too). The order is total: any way of sorting gives this one.
            // (`floor`: the first place an edit may move to.)
            @inline(__always) func insertionSort(_ a: UnsafeMutableBufferPointer<EditRef>, _ range: Range<Int>, floor: Int,
                                                 stopWhenStill: Bool) -> Bool {
                var moves = 0
                for i in range where i > floor {
                    let x = a[i]
                    var j = i
                    while j > floor && before(x, a[j - 1]) { a[j] = a[j - 1]; j -= 1 }
                    if j == i && stopWhenStill { return true }
                    a[j] = x
                    moves += i - j
                    if moves > a.count / 8 { return false }
                }
                return true
            }
            let done = all.withUnsafeMutableBufferPointer { a -> Bool in
                guard a.count >= sweepInHalves else { return insertionSort(a, 1..<a.count, floor: 0, stopWhenStill: false) }
                let mid = a.count / 2
                let sorted = Parallel.map(2) { h in
                    h == 0 ? insertionSort(a, 1..<mid, floor: 0, stopWhenStill: false)
                        : insertionSort(a, (mid + 1)..<a.count, floor: mid, stopWhenStill: false)
                }
                return sorted[0] && sorted[1] && insertionSort(a, mid..<a.count, floor: 0, stopWhenStill: true)
            }
            if !done { all.sort(by: before) }
        } else if ties {
            var i = 0
            while i < all.count {
                var j = i + 1
                while j < all.count && key(all[j]) == key(all[i]) { j += 1 }
                if j - i > 1 { all[i..<j].sort(by: before) }
                i = j
            }
        }
        // Whether two edits clash: they overlap, or two insertions share a point.
        @inline(__always) func clash(_ o: EditRef, _ e: EditRef) -> Bool {
            let oEmpty = o.start == o.end, eEmpty = e.start == e.end
            return (oEmpty && eEmpty) ? o.start == e.start
                : (e.start < o.end && o.start < max(e.end, e.start + (eEmpty ? 1 : 0)) && !(eEmpty && e.start == o.start))
        }
        // Whether an earlier edit `o` can clash with no edit from `e` on (sorted by start): it ends before.
        @inline(__always) func closed(_ o: EditRef, before e: EditRef) -> Bool {
            o.end < e.start || (o.end == e.start && !(o.start == o.end && e.start == e.end))
        }
        // Fixes are taken greedily by rank, the position of a fix's first edit in that order. One sweep over the
        // sorted edits keeps those still "open" (overlaps are rare, so that list stays tiny). The open edits are the
        // first `openCount` of `open` (closing them moves the count, not the array's end: `removeLast` on the list of
        // one or two, once per edit, cost more than the sweep's own work).
        var accepted = [Bool](repeating: false, count: itemCount)
        // The accepted items by rank (32 bits: this is the plan's peak of memory, with `all` and the edits to come).
        var taken: [Int32] = []
        // Items whose fix the sweep does not take (few: only overlapping fixes), for the counts by rule.
        var left: [Int32] = []
        // What is open when an edit starts is only what ends at or after its start: where every edit before a place
        // ends before the edit there, a sweep from that place on sees the same with nothing open, so on a large page
        // the two halves are swept side by side from such a place.
        var cut = all.count
        if all.count >= sweepInHalves {
            var end = 0
            for i in 0..<all.count / 2 { end = max(end, all[i].end) }
            var c = all.count / 2
            while c < all.count && c < all.count / 2 + 64 && end >= all[c].start { end = max(end, all[c].end); c += 1 }
            if c < all.count && end < all[c].start { cut = c }
        }
        let halves = cut < all.count ? [0..<cut, cut..<all.count] : [0..<all.count]
        if singleEdits {
            // Ranks are places: a fix is taken when it clashes with none taken before it, so the sweep decides as
            // it goes, keeping open only the edits taken (a fix not taken excludes nothing).
            let swept = accepted.withUnsafeMutableBufferPointer { accepted in
                all.withUnsafeBufferPointer { all in
                    Parallel.map(halves.count) { h -> (taken: [Int32], left: [Int32]) in
                        var taken: [Int32] = [], left: [Int32] = []
                        taken.reserveCapacity(halves[h].count)
                        var open: [EditRef] = []
                        var openCount = 0
                        for item in all[halves[h]] {
                            if openCount > 0 {
                                var kept = 0, clashes = false
                                for j in 0..<openCount where !closed(open[j], before: item) {
                                    open[kept] = open[j]; kept += 1
                                    if clash(open[j], item) { clashes = true }
                                }
                                openCount = kept
                                if clashes { left.append(item.diagnostic); continue }
                            }
                            accepted[Int(item.diagnostic)] = true
                            taken.append(item.diagnostic)
                            if openCount < open.count { open[openCount] = item } else { open.append(item) }
                            openCount += 1
                        }
                        return (taken, left)
                    }
                }
            }
            taken = swept.count == 1 ? swept[0].taken : swept[0].taken + swept[1].taken
            left = swept.flatMap(\.left)
        } else {
            // (`order`: the items whose fixes these are, by rank.) A fix whose edits are far apart (a joined
            // paragraph) only excludes the fixes it really overlaps: its conflicts are listed first. Each half lists
            // the items whose first edit it holds (the second one leaves out those the first half has seen) and the
            // pairs of items whose edits clash.
            let swept = all.withUnsafeBufferPointer { all in
                Parallel.map(halves.count) { h -> (order: [Int32], seen: [Bool], pairs: [(Int32, Int32)]) in
                    var seen = [Bool](repeating: false, count: itemCount)
                    var order: [Int32] = []
                    order.reserveCapacity(halves[h].count)
                    var pairs: [(Int32, Int32)] = []
                    var open: [EditRef] = []
                    var openCount = 0
                    for item in all[halves[h]] {
                        if !seen[Int(item.diagnostic)] { seen[Int(item.diagnostic)] = true; order.append(item.diagnostic) }
                        if openCount > 0 {
                            var kept = 0
                            for j in 0..<openCount where !closed(open[j], before: item) { open[kept] = open[j]; kept += 1 }
                            openCount = kept
                            for j in 0..<openCount where open[j].diagnostic != item.diagnostic && clash(open[j], item) {
                                pairs.append((open[j].diagnostic, item.diagnostic))
                            }
                        }
                        if openCount < open.count { open[openCount] = item } else { open.append(item) }
                        openCount += 1
                    }
                    return (order, seen, pairs)
                }
            }
            var conflicts: [Int32: [Int32]] = [:]
            var hasConflict = [Bool](repeating: false, count: itemCount)   // (a look-up in `conflicts` per fix costs)
            for half in swept {
                for (o, item) in half.pairs {
                    conflicts[o, default: []].append(item); conflicts[item, default: []].append(o)
                    hasConflict[Int(o)] = true; hasConflict[Int(item)] = true
                }
            }
            if swept.count == 2 {
                // The halves' items in rank order (the second half's without those the first has seen). A fix that
                // clashes with none is taken whatever came before it; only the clashing ones are decided one after
                // the other, in rank order (a clashing fix is left when one it clashes with was taken). So: those
                // decided first, then each half's items taken or left side by side (each writes its own items' flags).
                let first = swept[0].seen
                @inline(__always) func inOrder(_ h: Int, _ f: Int32) -> Bool { h == 0 || !first[Int(f)] }
                let clashing = Parallel.map(2) { h in swept[h].order.filter { inOrder(h, $0) && hasConflict[Int($0)] } }
                var decided = [Bool](repeating: false, count: itemCount)
                for f in clashing[0] + clashing[1] {
                    if let cs = conflicts[f], cs.contains(where: { decided[Int($0)] }) { continue }
                    decided[Int(f)] = true
                }
                let parts = accepted.withUnsafeMutableBufferPointer { acc in
                    Parallel.map(2) { h -> (taken: [Int32], left: [Int32]) in
                        var t: [Int32] = [], l: [Int32] = []
                        t.reserveCapacity(swept[h].order.count)
                        for f in swept[h].order where inOrder(h, f) {
                            if !hasConflict[Int(f)] || decided[Int(f)] { acc[Int(f)] = true; t.append(f) } else { l.append(f) }
                        }
                        return (t, l)
                    }
                }
                taken = parts[0].taken + parts[1].taken
                left = parts[0].left + parts[1].left
            } else {
                let order = swept[0].order
                taken.reserveCapacity(order.count)
                for f in order {
                    if hasConflict[Int(f)], let cs = conflicts[f], cs.contains(where: { accepted[Int($0)] }) { left.append(f); continue }
                    accepted[Int(f)] = true
                    taken.append(f)
                }
            }
        }
        // The accepted edits, already in order (`all` is sorted), counted first (exact sizes): on a large page in two
        // parts side by side, each knowing where its edits and replacement bytes start.
        let cuts = (0...parts).map { all.count * $0 / parts }
        let partCounts = Parallel.map(parts) { h -> (edits: Int, bytes: Int) in
            var edits = 0, replacementBytes = 0
            for e in all[cuts[h]..<cuts[h + 1]] where accepted[Int(e.diagnostic)] { replacementBytes += e.replacementLength; edits += 1 }
            return (edits, replacementBytes)
        }
        var editStarts = [0], byteStarts = [0]
        for h in 0..<parts { editStarts.append(editStarts[h] + partCounts[h].edits); byteStarts.append(byteStarts[h] + partCounts[h].bytes) }
        var p = Plan()
        p.sweptInHalves = halves.count == 2
        var changes = [Bool](repeating: false, count: parts)
        // The lines the accepted edits start on, per part (with the line table).
        var partLines = [[Int]](repeating: [], count: parts)
        p.replacements = [UInt8](unsafeUninitializedCapacity: byteStarts[parts]) { rep, filledBytes in
            p.edits = [AppliedEdit](unsafeUninitializedCapacity: editStarts[parts]) { out, filledEdits in
                let (repBase, outBase) = (rep.baseAddress, out.baseAddress)
                bytes.withUnsafeBufferPointer { src in
                    do { let ds = diagnostics
                        all.withUnsafeBufferPointer { all in
                            let done = Parallel.map(parts) { h -> (Bool, [Int]) in
                                var r = byteStarts[h], k = editStarts[h]
                                var changesText = false
                                var dirty: [Int] = []
                                // The first line start after the part's first edit's start (a line table of a text
                                // without CR: its starts after 0 are the LFs' ends).
                                let starts = lines.flatMap { $0.hasCR || $0.bytes.count != src.count ? nil : $0.lineStarts }
                                var line = 0
                                if let starts, cuts[h] < cuts[h + 1] {
                                    var lo = 0, hi = starts.count
                                    let s0 = all[cuts[h]].start
                                    while lo < hi { let mid = (lo + hi) / 2; if starts[mid] <= s0 { lo = mid + 1 } else { hi = mid } }
                                    line = lo
                                }
                                for i in cuts[h]..<cuts[h + 1] where accepted[Int(all[i].diagnostic)] {
                                    let e = all[i]
                                    let oldCount = e.end - e.start
                                    @inline(__always) func put(_ new: UnsafeBufferPointer<UInt8>) -> Bool {
                                        var breaks = false
                                        for j in 0..<new.count {
                                            let c = new[j]
                                            repBase![r + j] = c
                                            if c == 0x0A || c == 0x0D { breaks = true }
                                        }
                                        if !changesText && (new.count != oldCount || !new.elementsEqual(src[e.start..<e.end])) { changesText = true }
                                        return breaks
                                    }
                                    let breaks: Bool
                                    if e.isInline {
                                        var w = UInt32(bitPattern: e.edit).littleEndian
                                        breaks = withUnsafeBytes(of: &w) { put(UnsafeBufferPointer(rebasing: $0.bindMemory(to: UInt8.self)[..<e.replacementLength])) }
                                    } else {
                                        breaks = ds.withEdit(Int(e.diagnostic), Int(e.edit)) { _, new in put(new) }
                                    }
                                    var oldBreaks = false
                                    if let starts {
                                        // An LF at j in the range: a line starts at j + 1, after the start, at most at the end.
                                        while line < starts.count && starts[line] <= e.start { line += 1 }
                                        oldBreaks = line < starts.count && starts[line] <= e.end
                                        if dirty.last != line - 1 { dirty.append(line - 1) }
                                    } else {
                                        for j in e.start..<e.end where src[j] == 0x0A || src[j] == 0x0D { oldBreaks = true; break }
                                    }
                                    r += e.replacementLength
                                    (outBase! + k).initialize(to: AppliedEdit(range: e.start..<e.end, newLength: e.replacementLength,
                                                                              touchesLineBreak: breaks || oldBreaks))
                                    k += 1
                                }
                                return (changesText, dirty)
                            }
                            changes = done.map(\.0)
                            partLines = done.map(\.1)
                        }
                    }
                }
                filledEdits = editStarts[parts]
            }
            filledBytes = byteStarts[parts]
        }
        p.changesText = changes.contains(true)
        if let l = lines, !l.hasCR, l.bytes.count == bytes.count {
            var dirty = partLines[0]
            for part in partLines.dropFirst() { dirty += part.first == dirty.last ? part.dropFirst() : part[...] }
            p.dirtyLines = dirty
        }
        if ruleCount > 0 {
            var byRule = counts[0].byRule
            for c in counts.dropFirst() { for r in 0..<ruleCount { byRule[r] += c.byRule[r] } }
            for f in left { byRule[diagnostics.rule(Int(f))] -= 1 }
            p.usedByRule = byRule
        }
        all = []
        p.used32 = taken
        return p
    }

    /// `bytes` with the edits of `plan` applied, written into `out` (its buffer reused when large enough).
    /// On a large text two halves of the edits are written side by side (each knows where its output starts: the
    /// first half's edits' growth is counted first), which also shares the page faults of a fresh buffer.
    static func write(_ plan: Plan, _ bytes: [UInt8], into out: inout [UInt8]) {
        var size = bytes.count
        for e in plan.edits { size += e.newLength - e.range.count }
        size = max(0, size)
        // The exact size first: a text that grows (`,` → `，`) must not reallocate a buffer the size of the file.
        // A buffer large enough is kept and only its count set (the bytes it holds are all written over); else a
        // new one is written without being zeroed first.
        if out.capacity >= size {
            if out.count > size { out.removeLast(out.count - size) } else if out.count < size { out.append(contentsOf: repeatElement(0, count: size - out.count)) }
            out.withUnsafeMutableBufferPointer { dst in writeEdits(plan, bytes, into: dst) }
        } else {
            // Room for the next passes to grow the text (they write into this buffer again two passes on): pages
            // never written are never mapped in, so this costs no memory, and a later pass finds its buffer ready.
            out = []
            out = [UInt8](unsafeUninitializedCapacity: size + size / 32) { dst, n in
                writeEdits(plan, bytes, into: UnsafeMutableBufferPointer(rebasing: dst[..<size]))
                n = size
            }
        }
    }

    /// Whether `plan` applied to `bytes` gives `bytes` again (edits that undo one another), found without writing the
    /// new text: each piece of the output against the text at the same offset.
    static func reproduces(_ plan: Plan, _ bytes: [UInt8]) -> Bool {
        var growth = 0
        for e in plan.edits { growth += e.newLength - e.range.count }
        guard growth == 0 else { return false }
        return bytes.withUnsafeBufferPointer { src in
            plan.replacements.withUnsafeBufferPointer { rep in
                plan.edits.withUnsafeBufferPointer { edits in
                    var pos = 0, o = 0, r = 0
                    @inline(__always) func same(_ from: UnsafePointer<UInt8>?, _ at: Int, _ n: Int) -> Bool {
                        guard n > 0 else { return true }
                        defer { o += n }
                        return o + n <= src.count && memcmp(src.baseAddress! + o, from! + at, n) == 0
                    }
                    for e in edits {
                        if e.range.lowerBound > pos && !same(src.baseAddress, pos, e.range.lowerBound - pos) { return false }
                        if !same(rep.baseAddress, r, e.newLength) { return false }
                        r += e.newLength
                        pos = max(pos, e.range.upperBound)
                    }
                    return pos >= src.count || same(src.baseAddress, pos, src.count - pos)
                }
            }
        }
    }

    /// `plan` applied to `bytes` in `bytes`' own buffer, when its edits are in order without overlaps and the buffer
    /// has room for the new text (the reader leaves a file to fix room to grow); false, with `bytes` untouched,
    /// otherwise. The fixer's passes on a large page then write no second copy of it: the first pass's new text in
    /// fresh memory was 6,000 page faults (25 MB) on the path of `--fix`.
    ///
    /// The unchanged stretches between the edits are moved first, then the replacements written. A stretch moves by
    /// the growth of the edits before it; one that moves left (or stays) is moved at once, in text order: it lands
    /// only on its own bytes or on bytes already moved. One that moves right could land on the next stretches before
    /// they have moved, so a run of such stretches waits and is moved from its last one back, when a stretch that
    /// does not move right comes (or the text ends): the last waiting one ends no later than where that stretch
    /// starts, since the edit between them gives back at least its growth.
    ///
    /// On a large text the edits are applied in two halves side by side (`parallelFrom`: the size from which they
    /// are; the tests set it low): the second half's stretches move only into places after the first half's (the
    /// first half's new text ends where the second's begins). When the first half grows the text, the bytes at the
    /// start of the second half that the first half's new text covers are copied aside first and read from there;
    /// when it shrinks it, the bytes at the end of the first half that the second half's new text covers.
    /// `serialOrder` (tests): the two halves one after the other instead of side by side, the second first when
    /// false: each order overwrites what the other half has yet to read unless it was copied aside.
    static func applyInPlace(_ plan: Plan, _ bytes: inout [UInt8], parallelFrom: Int = 1 << 20, serialOrder: Bool? = nil) -> Bool {
        let oldCount = bytes.count
        var size = oldCount, last = 0
        for e in plan.edits {
            guard e.range.lowerBound >= last else { return false }
            last = e.range.upperBound
            size += e.newLength - e.range.count
        }
        guard last <= oldCount, size >= 0, size <= bytes.capacity else { return false }
        if size > oldCount { bytes.append(contentsOf: repeatElement(0, count: size - oldCount)) }
        bytes.withUnsafeMutableBufferPointer { buf in
            plan.edits.withUnsafeBufferPointer { edits in
                plan.replacements.withUnsafeBufferPointer { rep in
                    let base = buf.baseAddress!
                    let n = edits.count
                    @inline(__always) func growth(_ i: Int) -> Int { edits[i].newLength - edits[i].range.count }
                    /// Stretches `first...last` (stretch `i`: from the end of edit i - 1 to the start of edit i, the
                    /// text's ends for the first and the last) and the edits among them, the first stretch moved by
                    /// `d0` and its edit's replacement at `r0`; `saved`: bytes `start..<start + count` read from there.
                    func part(_ first: Int, _ last: Int, d0: Int, r0: Int, saved: (start: Int, bytes: UnsafeBufferPointer<UInt8>)?) {
                        @inline(__always) func move(_ i: Int, _ d: Int) {
                            let lo = i == 0 ? 0 : edits[i - 1].range.upperBound
                            let hi = i < n ? edits[i].range.lowerBound : oldCount
                            guard hi > lo && d != 0 else { return }
                            if let (s, copy) = saved, lo < s + copy.count && hi > s {
                                // The parts outside the copy first (either may lie under the copy's new place; the
                                // one that moves away from the other first), then the copy.
                                let a = max(lo, s), b = min(hi, s + copy.count)
                                if d > 0 {
                                    if hi > b { memmove(base + b + d, base + b, hi - b) }
                                    if a > lo { memmove(base + lo + d, base + lo, a - lo) }
                                } else {
                                    if a > lo { memmove(base + lo + d, base + lo, a - lo) }
                                    if hi > b { memmove(base + b + d, base + b, hi - b) }
                                }
                                (base + a + d).update(from: copy.baseAddress! + (a - s), count: b - a)
                            } else {
                                memmove(base + lo + d, base + lo, hi - lo)
                            }
                        }
                        var d = d0
                        var waiting = -1, lastWaiting = -1, lastD = 0
                        func flush() {
                            guard waiting >= 0 else { return }
                            var dd = lastD
                            var i = lastWaiting
                            while true {
                                move(i, dd)
                                if i == waiting { break }
                                dd -= growth(i - 1)
                                i -= 1
                            }
                            waiting = -1
                        }
                        for i in first...last {
                            if i > first { d += growth(i - 1) }
                            if d > 0 {
                                if waiting < 0 { waiting = i }
                                lastWaiting = i; lastD = d
                                continue
                            }
                            flush()
                            move(i, d)
                        }
                        flush()
                        // The replacements, into the places the stretches left between them.
                        var dr = d0, r = r0
                        for k in first..<min(last + 1, n) {
                            let e = edits[k]
                            if e.newLength > 0 { (base + e.range.lowerBound + dr).update(from: rep.baseAddress! + r, count: e.newLength) }
                            r += e.newLength
                            dr += e.newLength - e.range.count
                        }
                    }
                    let m = n / 2
                    /// The two halves, side by side or in the tests' order.
                    func both(_ first: () -> Void, _ second: () -> Void) {
                        switch serialOrder {
                        case .some(true): first(); second()
                        case .some(false): second(); first()
                        case nil: _ = Parallel.map(2) { k in if k == 0 { first() } else { second() } }
                        }
                    }
                    var dm = 0, rm = 0
                    if size >= parallelFrom && m > 0 {
                        for k in 0..<m { dm += growth(k); rm += edits[k].newLength }
                    }
                    if size >= parallelFrom && m > 0 && dm >= 0 {
                        let start = edits[m - 1].range.upperBound
                        let copy = Array(UnsafeBufferPointer(rebasing: buf[start..<min(start + dm, oldCount)]))
                        copy.withUnsafeBufferPointer { copy in
                            both({ part(0, m - 1, d0: 0, r0: 0, saved: nil) }, { part(m, n, d0: dm, r0: rm, saved: (start, copy)) })
                        }
                    } else if size >= parallelFrom && m > 0 {
                        // The first half shrinks the text: the second half's new text begins inside the first half's
                        // old one (its last `-dm` bytes), which is copied aside first and read from there.
                        let start = edits[m - 1].range.upperBound
                        let from = start + dm
                        let copy = Array(UnsafeBufferPointer(rebasing: buf[from..<start]))
                        copy.withUnsafeBufferPointer { copy in
                            both({ part(0, m - 1, d0: 0, r0: 0, saved: (from, copy)) }, { part(m, n, d0: dm, r0: rm, saved: nil) })
                        }
                    } else {
                        part(0, n, d0: 0, r0: 0, saved: nil)
                    }
                }
            }
        }
        if size < oldCount { bytes.removeLast(oldCount - size) }
        return true
    }

    /// The new text into `dst` (exactly its size).
    private static func writeEdits(_ plan: Plan, _ bytes: [UInt8], into dst: UnsafeMutableBufferPointer<UInt8>) {
        bytes.withUnsafeBufferPointer { src in
            plan.replacements.withUnsafeBufferPointer { rep in
                plan.edits.withUnsafeBufferPointer { edits in
                    // Edits `range` from source offset `pos`, output offset `o` and replacement offset `r`, then the
                    // source up to `until`.
                    func run(_ range: Range<Int>, pos startPos: Int, o startO: Int, r startR: Int, until: Int) {
                        var pos = startPos, o = startO, r = startR
                        @inline(__always) func copy(_ from: UnsafePointer<UInt8>?, _ at: Int, _ n: Int) {
                            if n > 0 { (dst.baseAddress! + o).update(from: from! + at, count: n); o += n }
                        }
                        for i in range {
                            let e = edits[i]
                            if e.range.lowerBound > pos { copy(src.baseAddress, pos, e.range.lowerBound - pos) }
                            copy(rep.baseAddress, r, e.newLength)
                            r += e.newLength
                            pos = max(pos, e.range.upperBound)
                        }
                        if pos < until { copy(src.baseAddress, pos, until - pos) }
                    }
                    let n = edits.count
                    let m = n / 2
                    // Two halves when the text is large and the halves do not meet inside an edit.
                    if n >= 2 && src.count >= 1 << 20 && edits[m - 1].range.upperBound <= edits[m].range.lowerBound {
                        let cut = edits[m].range.lowerBound
                        var o = cut, r = 0
                        for i in 0..<m { o += edits[i].newLength - edits[i].range.count; r += edits[i].newLength }
                        let (o2, r2) = (o, r)
                        _ = Parallel.map(2) { k in
                            if k == 0 { run(0..<m, pos: 0, o: 0, r: 0, until: cut) } else { run(m..<n, pos: cut, o: o2, r: r2, until: src.count) }
                        }
                    } else {
                        run(0..<n, pos: 0, o: 0, r: 0, until: src.count)
                    }
                }
            }
        }
    }

    /// Fixes a document until it converges. `path` decides the format (Markdown or plain text).
    /// `incremental: false` parses and lints the whole text on every pass (the reference the tests compare with).
    ///   The source is taken over, so that the original text is let go once the second pass no longer needs it.
    /// `split: false` runs every rule on every pass (the reference the tests compare the split with; see
    ///   `Linter.fixSplit(allowUnsafe:)`).
    /// `fixed`, when given, is told the fixed text (when it changed) before the rules without a fix read it for the
    /// report, so that the caller can write the file meanwhile: `.final(text)`, or, for a text of `tentativeFrom`
    /// bytes or more, already after the second and later passes, before their re-lint, `.tentative(text)`, then
    /// `.confirmed` when no pass changed it since, else a later `.tentative` or `.final` with the new text.
    /// `remaining: false`: the findings of the fixed text are not wanted (`--diff` reports the original's), so the
    /// rules without a fix do not run and `Outcome.remaining` holds only what the fixing rules found.
    public static func fix(_ source: consuming SourceText, path: String, linter: Linter, allowUnsafe: Bool, incremental: Bool = true,
                           split useSplit: Bool = true, remaining wantsRemaining: Bool = true, tentativeFrom: Int = FixApplier.tentativeFrom,
                           fixed: ((FixedText) -> Void)? = nil) -> Outcome {
        let hasBOM = source.hasBOM
        var bytes = source.bytes
        // The reader's line table (the text is not scanned for its line breaks again: 4 ms on a 25 MB page); the
        // source is taken over.
        var doc = Document(path: path, source: SourceText(utf8Of: source), role: linter.forcedRole, vocabulary: linter.vocabulary)
        var applied: [String: Int] = [:]
        var changed = false
        // Passes run only the rules that can propose a fix this run applies; the others run once, on the fixed text.
        let split = useSplit ? linter.fixSplit(allowUnsafe: allowUnsafe) : nil
        let full = linter
        let linter = split?.fixing ?? full
        // The text before last: once the document that read it is let go, the next pass writes into its buffer.
        var spare: [UInt8] = []
        // Whether the callback was last given the text as it is now, as tentative.
        var tentative = false
        func report(_ diags: [Diagnostic]) -> [Diagnostic] {
            // The writer starts first (freeing 25 MB takes the kernel ~1.5 ms); then the buffer of the text before
            // last is let go, before the rules without a fix read the whole text.
            if changed { fixed?(tentative ? .confirmed : .final(bytes)) }
            spare = []
            guard let split, wantsRemaining else { return diags }
            return full.lint(doc, split: split, fixingDiagnostics: diags)
        }
        // The first pass plans from the findings themselves when they are many (`Linter.sortedFindings`): only those
        // it carries, or all of them when it fixes nothing, become diagnostics. Without a split too (every rule has a
        // fix: a spacing-only configuration), when the rules' ids tell them apart (the plan orders rules by rank).
        var first = incremental && (split != nil || linter.hasDistinctRuleIDs) ? linter.sortedFindings(doc) : nil
        var diags: [Diagnostic] = []
        func convertFirst() { if let f = first { first = nil; diags = linter.diagnostics(of: f) } }
        if first == nil { diags = linter.lint(doc) } else if first?.order == nil { convertFirst() }
        for pass in 0..<maxPasses {
            var plan: Plan
            if let f = first, let p = FixApplier.plan(bytes, f, ruleRank: linter.ruleRank, allowUnsafe: allowUnsafe, lines: doc.source) {
                plan = p
            } else {
                plan = FixApplier.plan(bytes, diags, allowUnsafe: allowUnsafe, lines: doc.source)
            }
            if plan.used32.isEmpty {
                convertFirst()
                return Outcome(bytes: bytes, applied: applied, unconverged: [], changed: changed, remaining: report(diags), source: doc.source)
            }
            // Counted by rule index, then once per rule by id (a quarter of a million look-ups of the id's string in a
            // dictionary were a serial step of the first pass, with a core idle).
            var byRule = [Int](repeating: 0, count: linter.rules.count)
            if let counted = plan.usedByRule, counted.count == byRule.count {
                byRule = counted
            } else if let f = first, let order = f.order {
                f.withBuffers { lists in
                    order.withUnsafeBufferPointer { order in
                        for d in plan.used32 {
                            let packed = order[Int(d)]
                            byRule[lists[Int(packed >> 32)][Int(packed & 0xFFFF_FFFF)].rule] += 1
                        }
                    }
                }
            } else {
                diags.withUnsafeBufferPointer { ds in
                    for d32 in plan.used32 {
                        let d = Int(d32)
                        let ri = ds[d].ruleIndex
                        if ri >= 0 && ri < byRule.count { byRule[ri] += 1 } else { applied[ds[d].ruleID, default: 0] += 1 }
                    }
                }
            }
            for (ri, n) in byRule.enumerated() where n > 0 { applied[linter.rules[ri].id, default: 0] += n }
            if !plan.changesText {
                convertFirst()
                return Outcome(bytes: bytes, applied: applied, unconverged: [], changed: changed, remaining: report(diags), source: doc.source)
            }
            // After the first pass, most of the text is as it was: when no line break moved, the structure is rebuilt
            // from line facts (only touched lines tested again) and line-local rules re-read only the touched lines
            // and those whose segments changed (`Document.updated`, `Linter.lint(_:updating:of:editedLines:)`).
            // The diagnostics that re-lint cannot carry (those on edited lines: nearly all after the first pass) go
            // before the new text is written.
            let keepsLines = incremental && !plan.edits.contains(where: \.touchesLineBreak)
            let dirty = keepsLines ? (plan.dirtyLines ?? Document.dirtyLines(doc.source, plan.edits)) : []
            if let f = first {
                diags = keepsLines ? linter.carryable(f, of: doc, editedLines: dirty) : []
                first = nil
                Linter.release(f)
            } else {
                diags = keepsLines ? linter.carryable(diags, of: doc, editedLines: dirty) : []
            }
            // A plain text whose line breaks stay is edited in its own buffer: the document before the pass keeps
            // only its structure (what the update and the re-lint read of it), so the buffer is this text's alone.
            let inPlace = keepsLines && doc.format == .plainText && doc.directives.isEmpty
            if inPlace && FixApplier.reproduces(plan, bytes) {
                // Edits that undo one another: the text is as it was (its diagnostics again, for the report).
                diags = linter.lint(doc)
                return Outcome(bytes: bytes, applied: applied, unconverged: [], changed: changed, remaining: report(diags), source: doc.source)
            }
            if inPlace {
                doc = doc.detached()
                if FixApplier.applyInPlace(plan, &bytes) {
                    if bytes.count >= 1 << 20 { passedPeak() }
                } else {
                    write(plan, bytes, into: &spare)
                    swap(&bytes, &spare)
                }
            } else {
                write(plan, bytes, into: &spare)
                if spare == bytes {
                    // Edits that undo one another: the text is as it was (its diagnostics again, for the report).
                    diags = linter.lint(doc)
                    return Outcome(bytes: bytes, applied: applied, unconverged: [], changed: changed, remaining: report(diags), source: doc.source)
                }
                swap(&bytes, &spare)
            }
            changed = true
            tentative = false
            // After the first pass, a large text is nearly always final: its writer starts now, beside the re-lint.
            if pass >= 1 && bytes.count >= tentativeFrom, let fixed { fixed(.tentative(bytes)); tentative = true }
            // Its line table from the old one when no edit touched a line break (no scan of the whole text).
            let newSource = (keepsLines ? SourceText(edited: doc.source, to: bytes, edits: plan.edits) : nil)
                ?? SourceText(trusted: bytes, hasBOM: hasBOM)
            if keepsLines, newSource.lineCount == doc.source.lineCount {
                let (updated, edited) = doc.updated(to: newSource, edits: plan.edits, dirtyLines: dirty, role: linter.forcedRole)
                    ?? (Document(path: path, source: newSource, role: linter.forcedRole, vocabulary: linter.vocabulary), dirty)
                // The plan's edits (a quarter of a million after the first pass) go before the re-lint, which is the
                // peak of `--fix`'s memory otherwise.
                plan = Plan()
                diags = linter.lint(updated, updating: diags, of: doc, editedLines: edited)
                doc = updated
            } else {
                plan = Plan()
                doc = Document(path: path, source: newSource, role: linter.forcedRole, vocabulary: linter.vocabulary)
                diags = linter.lint(doc)
            }
        }
        let (_, still, _) = applyOnceIndices(bytes, diags, allowUnsafe: allowUnsafe)
        return Outcome(bytes: bytes, applied: applied, unconverged: Array(Set(still.map { diags[$0].ruleID })).sorted(), changed: changed, remaining: report(diags), source: doc.source)
    }
}

/// What `FixApplier.plan` reads of the items of a pass: each one's fix in place (no copy of a fix, no retain of its
/// strings), and the order of two items' rules by id.
protocol FixItems {
    var count: Int { get }
    func safety(_ i: Int) -> FixSafety?
    func editCount(_ i: Int) -> Int
    func withEdit<R>(_ i: Int, _ k: Int, _ body: (Range<Int>, UnsafeBufferPointer<UInt8>) -> R) -> R
    /// Whether item `a`'s rule id comes before item `b`'s; nil when they are the same.
    func ruleBefore(_ a: Int, _ b: Int) -> Bool?
    /// Item `i`'s rule index (read only when the plan counts by rule).
    func rule(_ i: Int) -> Int
}

/// The diagnostics of a pass.
struct DiagnosticFixes: FixItems, @unchecked Sendable {
    let ds: UnsafeBufferPointer<Diagnostic>
    var count: Int { ds.count }
    @inline(__always) func safety(_ i: Int) -> FixSafety? { ds[i].fix?.safety }
    @inline(__always) func editCount(_ i: Int) -> Int { ds[i].fix?.editCount ?? 0 }
    @inline(__always) func withEdit<R>(_ i: Int, _ k: Int, _ body: (Range<Int>, UnsafeBufferPointer<UInt8>) -> R) -> R { ds[i].fix!.withEdit(k, body) }
    @inline(__always) func ruleBefore(_ a: Int, _ b: Int) -> Bool? {
        let ra = ds[a].ruleID, rb = ds[b].ruleID
        return ra != rb ? ra < rb : nil
    }
    @inline(__always) func rule(_ i: Int) -> Int { ds[i].ruleIndex }
}

/// The first pass's findings in `lint`'s order (`Linter.SortedFindings`): item `i` is `order[i]`'s finding. Their rules
/// are ordered by `rank` (the linter's ranks of its rules by id; the fixer's rules have distinct ids).
struct FindingFixes: FixItems, @unchecked Sendable {
    let lists: UnsafeBufferPointer<UnsafeBufferPointer<Finding>>
    let order: UnsafeBufferPointer<UInt64>
    let rank: UnsafeBufferPointer<Int>
    var count: Int { order.count }
    @inline(__always) private func at(_ i: Int) -> UnsafePointer<Finding> {
        let packed = order[i]
        return lists[Int(packed >> 32)].baseAddress! + Int(packed & 0xFFFF_FFFF)
    }
    @inline(__always) func safety(_ i: Int) -> FixSafety? { at(i).pointee.fix?.safety }
    @inline(__always) func editCount(_ i: Int) -> Int { at(i).pointee.fix?.editCount ?? 0 }
    @inline(__always) func withEdit<R>(_ i: Int, _ k: Int, _ body: (Range<Int>, UnsafeBufferPointer<UInt8>) -> R) -> R { at(i).pointee.fix!.withEdit(k, body) }
    @inline(__always) func ruleBefore(_ a: Int, _ b: Int) -> Bool? {
        let ra = rank[at(a).pointee.rule], rb = rank[at(b).pointee.rule]
        return ra != rb ? ra < rb : nil
    }
    @inline(__always) func rule(_ i: Int) -> Int { at(i).pointee.rule }
}
