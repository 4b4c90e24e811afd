import Foundation

/// Duplicate paragraphs between the files of one run (`duplicates.paragraph` and `duplicates.near-paragraph` with
/// `across-files: true`).
///
/// Two phases, so that files are still linted in parallel and the text output still streams:
/// 1. While each file is linted (`Runner.run`, in parallel), the paragraphs the rules compare are fingerprinted
///    (the in-run key of the normalised text, a hash of the numbers and `Fingerprint`'s 20 LSH band keys) and only
///    those are kept: memory grows with the number of paragraphs (~200 bytes each), not with the texts.
/// 2. After the last file (`Runner.crossFileReports`): exact copies are groups of equal hashes; near copies are
///    candidates that share an LSH band key (sorted key lists, no pairwise comparison), verified by the exact
///    Jaccard of their shingles, read again from the two files (only files with candidates are read again). Each
///    pair is reported in both files, pointing at the copy in that file and naming the other as a related location.
///    The findings of each file come out as one more report for that file, in input order, after the files' own.
///
/// A paragraph found in more than `max-copies` files is template text (a disclaimer, a standing notice) and not
/// reported; LSH buckets larger than four times that are skipped the same way.
final class BatchDuplicates: @unchecked Sendable {
    /// What a file's rule set asks of the cross-file pass.
    struct FileRules: Sendable {
        var exact: (id: String, severity: Severity, message: String)?
        var near: (id: String, severity: Severity, message: String, threshold: Double, sameNumbers: Bool)?
        var contained: (id: String, severity: Severity, message: String, threshold: Double, sameNumbers: Bool)?
        var maxCopies: Int
        var scope: Scope
        var minHan: Int
        var check: DuplicatesCheck

        init?(_ linter: Linter) {
            var exact: (String, Severity, String)? = nil
            var near: (String, Severity, String, Double, Bool)? = nil
            var contained: (String, Severity, String, Double, Bool)? = nil
            var check: DuplicatesCheck? = nil
            var scope: Scope = []
            for r in linter.rules {
                guard let c = r.check as? DuplicatesCheck, c.acrossFiles, c.unit == .paragraph else { continue }
                switch c.match {
                case .exact: exact = (r.id, r.severity, r.message)
                case .near: near = (r.id, r.severity, r.message, c.threshold, c.sameNumbers)
                case .contained: contained = (r.id, r.severity, r.message, c.threshold, c.sameNumbers)
                }
                if check == nil || c.match == .exact { check = c }
                scope.formUnion(r.scope)
            }
            guard let check, exact != nil || near != nil || contained != nil else { return nil }
            self.exact = exact.map { (id: $0.0, severity: $0.1, message: $0.2) }
            self.near = near.map { (id: $0.0, severity: $0.1, message: $0.2, threshold: $0.3, sameNumbers: $0.4) }
            self.contained = contained.map { (id: $0.0, severity: $0.1, message: $0.2, threshold: $0.3, sameNumbers: $0.4) }
            self.check = check
            self.scope = scope
            maxCopies = check.maxCopies
            minHan = check.minHan
        }
    }

    struct Entry {
        var file: Int32
        var paragraph: Int32
        /// The paragraph's `contentKey` (equal for equal normalised texts within the run).
        var exact: UInt64
        var numbers: UInt64
        /// How many of its shingles are sampled for the containment index (`containmentSample`).
        var samples: Int32 = 0
    }

    /// Containment across files: a shingle is sampled when its hash is 0 modulo this. The sample is consistent
    /// (a shingle is sampled in every paragraph or in none), so a paragraph contained in another has its sample
    /// (nearly) inside the other's; pairs sharing half the smaller sample are candidates.
    static let containmentSample: UInt64 = 4

    private let lock = NSLock()
    private var entries: [Entry] = []
    private var bands: [UInt64] = []          // Fingerprint.bands per entry
    private var sampled: [(UInt64, Int32)] = []   // (sampled shingle, entry), for containment
    private var files: [(path: String, lookup: String, rules: FileRules)?]

    /// `copydesk.unused-disable` findings held back from phase 1: their disable comments cover a cross-file rule,
    /// so whether they are used is known only after phase 2 (`Runner.crossFileReports` reports those still unused).
    private var held: [Int: [Diagnostic]] = [:]

    /// Texts that cannot be read again (standard input), by file index.
    private var memory: [Int: SourceText] = [:]

    /// Standard input linted before the run: its report, text, lookup path and the lint's units.
    struct Held { var report: FileReport; var source: SourceText; var lookup: String; var cache: CheckCache }

    init(count: Int) { files = Array(repeating: nil, count: count) }

    func keep(file index: Int, source: SourceText) { lock.lock(); memory[index] = source; lock.unlock() }
    func kept(_ index: Int) -> SourceText? { lock.lock(); defer { lock.unlock() }; return memory[index] }

    func hold(file index: Int, path: String, lookup: String, rules: FileRules, _ ds: [Diagnostic]) {
        lock.lock()
        held[index, default: []] += ds
        if files[index] == nil { files[index] = (path, lookup, rules) }
        lock.unlock()
    }

    var heldFiles: [Int: [Diagnostic]] { lock.lock(); defer { lock.unlock() }; return held }

    /// Phase 1: the fingerprints of file `index`'s paragraphs (`units` from its lint).
    func add(file index: Int, path: String, lookup: String, rules: FileRules, units u: DuplicateUnits) {
        var local: [Entry] = []
        var keys: [UInt64] = []
        var localSampled: [(UInt64, Int32)] = []
        var seen = Set<UInt64>()
        for p in u.paragraphs.indices where rules.check.eligible(u, p) {
            // A copy within the file is the file's own finding; its first occurrence stands for it. Exact copies
            // are grouped by the in-run key of the normalised text (`contentKey`, from extraction), not by the
            // stable FNV hash an archive stores: the groups never leave the run.
            let exact = u.contentKey(p)
            guard seen.insert(exact).inserted else { continue }
            // The sorted shingles only for the containment sample; the signature does without.
            let sh = rules.contained != nil ? u.shingles(p) : []
            // The signature (MinHash) only for the near rule's band keys. No distinct shingle count: it served only
            // to drop band candidates of very different sizes, 5 of 259 on the 7,135 article files of the web news,
            // and counting it (a hash table per paragraph) cost more than a third as much as the signature.
            let sig = rules.near != nil ? u.minHashSignature(p) : nil
            var entry = Entry(file: Int32(index), paragraph: Int32(p), exact: exact,
                              numbers: Fingerprint.numbersHash(u.numbers(p)))
            for h in sh where h % BatchDuplicates.containmentSample == 0 { localSampled.append((h, Int32(local.count))); entry.samples += 1 }
            local.append(entry)
            if let sig { keys += Fingerprint.bandKeys(sig) } else { keys += repeatElement(0, count: Fingerprint.bands) }
        }
        lock.lock()
        files[index] = (path, lookup, rules)
        let base = Int32(entries.count)
        sampled += localSampled.map { ($0.0, $0.1 + base) }
        entries += local
        bands += keys
        lock.unlock()
    }

    /// A verified pair: entry `a` is reported, naming entry `b`.
    struct Match {
        var a: Int; var b: Int; var similarity: Double; var exact: Bool
        var contained = false
        /// Exact before near before contained.
        var rank: Int { exact ? 2 : contained ? 0 : 1 }
    }

    /// Phase 2: the matches, at most one per entry (an exact copy before a near one, then the most similar, then
    /// the earliest).
    func matches(load: (Int) -> (DuplicateUnits, SourceText)?) -> (matches: [Match], units: [Int: Loaded]) {
        var best: [Int: Match] = [:]
        func offer(_ m: Match) {
            if let o = best[m.a] {
                if o.rank > m.rank { return }
                if o.rank == m.rank && (o.similarity > m.similarity || (o.similarity == m.similarity && o.b < m.b)) { return }
            }
            best[m.a] = m
        }
        // Exact copies: groups of equal hashes.
        let byHash = BatchDuplicates.order(entries.count) { entries[$0].exact }.map(Int.init)
        var g = 0
        while g < byHash.count {
            var e = g
            while e < byHash.count && entries[byHash[e]].exact == entries[byHash[g]].exact { e += 1 }
            let group = Array(byHash[g..<e])
            g = e
            let fileSet = Set(group.map { entries[$0].file })
            guard fileSet.count >= 2 else { continue }
            for x in group {
                guard let rules = files[Int(entries[x].file)]?.rules, rules.exact != nil, fileSet.count <= rules.maxCopies else { continue }
                // The earliest copy in another file.
                if let y = group.first(where: { entries[$0].file != entries[x].file }) { offer(Match(a: x, b: y, similarity: 1, exact: true)) }
            }
        }
        // Near copies: candidates from the band keys, verified on the shingles.
        var candidates = Set<UInt64>()
        let n = entries.count
        var keyed: [(UInt64, Int32)] = []
        keyed.reserveCapacity(n)
        let withNear = (0..<n).filter { files[Int(entries[$0].file)]?.rules.near != nil }.map { Int32($0) }
        for band in 0..<Fingerprint.bands {
            keyed.removeAll(keepingCapacity: true)
            for i in BatchDuplicates.order(withNear.count, { bands[Int(withNear[$0]) * Fingerprint.bands + band] }) {
                let e = withNear[Int(i)]
                keyed.append((bands[Int(e) * Fingerprint.bands + band], e))
            }
            var r = 0
            while r < keyed.count {
                var e = r
                while e < keyed.count && keyed[e].0 == keyed[r].0 { e += 1 }
                let run = keyed[r..<e]
                r = e
                guard run.count >= 2 else { continue }
                let cap = 4 * (files[Int(entries[Int(run.first!.1)].file)]?.rules.maxCopies ?? 5)
                guard run.count <= cap else { continue }
                for x in run { for y in run where y.1 > x.1 {
                    let a = entries[Int(x.1)], b = entries[Int(y.1)]
                    guard a.file != b.file, a.exact != b.exact else { continue }
                    // (Every candidate is verified on its shingles, whatever the rule's threshold.)
                    candidates.insert(UInt64(x.1) << 32 | UInt64(y.1))
                } }
            }
        }
        // Containment: pairs in different files sharing at least half the smaller sample.
        var containCandidates: [UInt64] = []
        if !sampled.isEmpty {
            var keyedSamples = sampled
            keyedSamples.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            var shared: [UInt64: Int32] = [:]
            var r = 0
            while r < keyedSamples.count {
                var e = r
                while e < keyedSamples.count && keyedSamples[e].0 == keyedSamples[r].0 { e += 1 }
                let run = keyedSamples[r..<e]
                r = e
                guard run.count >= 2 else { continue }
                let cap = 4 * (files[Int(entries[Int(run.first!.1)].file)]?.rules.maxCopies ?? 5)
                guard run.count <= cap else { continue }
                for x in run { for y in run where y.1 > x.1 {
                    let a = entries[Int(x.1)], b = entries[Int(y.1)]
                    guard a.file != b.file, a.exact != b.exact else { continue }
                    shared[UInt64(x.1) << 32 | UInt64(y.1), default: 0] += 1
                } }
            }
            for (k, n) in shared {
                let a = entries[Int(k >> 32)], b = entries[Int(k & 0xFFFF_FFFF)]
                if 2 * Int(n) >= Int(min(a.samples, b.samples)) { containCandidates.append(k) }
            }
        }
        // Read the files with candidates again (and those with exact matches, for the positions).
        var needed = Set<Int>()
        for c in candidates { needed.insert(Int(c >> 32)); needed.insert(Int(c & 0xFFFF_FFFF)) }
        for c in containCandidates { needed.insert(Int(c >> 32)); needed.insert(Int(c & 0xFFFF_FFFF)) }
        for m in best.values { needed.insert(m.a); needed.insert(m.b) }
        let loaded = self.load(needed, loader: load)
        for c in candidates.sorted() {
            let x = Int(c >> 32), y = Int(c & 0xFFFF_FFFF)
            guard let lx = loaded[x], let ly = loaded[y] else { continue }
            let shared = DuplicateUnits.intersection(lx.shingles, ly.shingles)
            let jac = Double(shared) / Double(lx.shingles.count + ly.shingles.count - shared)
            for (a, b) in [(x, y), (y, x)] {
                guard let near = files[Int(entries[a].file)]?.rules.near, jac >= near.threshold else { continue }
                if near.sameNumbers && entries[a].numbers != entries[b].numbers { continue }
                offer(Match(a: a, b: b, similarity: jac, exact: false))
            }
        }
        for c in containCandidates.sorted() {
            let x = Int(c >> 32), y = Int(c & 0xFFFF_FFFF)
            guard let lx = loaded[x], let ly = loaded[y] else { continue }
            let shared = DuplicateUnits.intersection(lx.shingles, ly.shingles)
            let jac = Double(shared) / Double(lx.shingles.count + ly.shingles.count - shared)
            let share = Double(shared) / Double(max(1, min(lx.shingles.count, ly.shingles.count)))
            guard jac < DuplicatesCheck.nearJaccard else { continue }   // a near copy: the near rule's
            for (a, b) in [(x, y), (y, x)] {
                guard let rule = files[Int(entries[a].file)]?.rules.contained, share >= rule.threshold else { continue }
                if rule.sameNumbers && !DuplicateUnits.numbersAgree(loaded[a]!.numbers[...], loaded[b]!.numbers[...], equal: false) { continue }
                offer(Match(a: a, b: b, similarity: share, exact: false, contained: true))
            }
        }
        let ms = best.values.filter { loaded[$0.a] != nil && loaded[$0.b] != nil }.sorted { $0.a < $1.a }
        return (ms, loaded)
    }

    /// The numbers `0..<n` ordered by `key(i)`, then by `i` (what a comparison sort of `(key(i), i)` gives), by a
    /// radix sort: each key's top bits and its number share one 64-bit word. Keys whose top bits are equal but
    /// which differ below them (unlikely: hashes) are put in order afterwards by a comparison sort of their run.
    /// Phase 2 sorts every band's keys (20 lists of every paragraph's): a comparison sort of the tuples was most of
    /// its time.
    static func order(_ n: Int, _ key: (Int) -> UInt64) -> [Int32] {
        guard n > 0 else { return [] }
        var bits = 1
        while (1 << bits) < n { bits += 1 }
        let low: UInt64 = (1 << UInt64(bits)) - 1
        var packed = [UInt64](repeating: 0, count: n)
        for i in 0..<n { packed[i] = key(i) & ~low | UInt64(i) }
        RadixSort.sort(&packed)
        var out = packed.map { Int32(truncatingIfNeeded: $0 & low) }
        var r = 0
        while r < n {
            var e = r + 1
            while e < n && packed[e] & ~low == packed[r] & ~low { e += 1 }
            if e - r > 1 {
                let first = key(Int(out[r]))
                if out[(r + 1)..<e].contains(where: { key(Int($0)) != first }) {
                    out[r..<e].sort { (key(Int($0)), $0) < (key(Int($1)), $1) }
                }
            }
            r = e
        }
        return out
    }

    /// A paragraph read again: its shingles and where it stands.
    struct Loaded { var shingles: [UInt64]; var numbers: [UInt64]; var range: Range<Int>; var start: OutputPosition; var end: OutputPosition }

    /// Reads the files of the `needed` entries again (in parallel) and keeps what their paragraphs need. A
    /// paragraph whose text changed since phase 1 is left out.
    private func load(_ needed: Set<Int>, loader: (Int) -> (DuplicateUnits, SourceText)?) -> [Int: Loaded] {
        var byFile: [Int: [Int]] = [:]
        for e in needed { byFile[Int(entries[e].file), default: []].append(e) }
        let fileList = Array(byFile.keys)
        let entries = self.entries
        let parts = Parallel.map(fileList.count) { k -> [Int: Loaded] in
            let f = fileList[k]
            guard let (u, src) = loader(f) else { return [:] }
            var local: [Int: Loaded] = [:]
            for e in byFile[f]! {
                let p = Int(entries[e].paragraph)
                guard p < u.paragraphs.count, u.contentKey(p) == entries[e].exact else { continue }
                let r = u.paragraphs[p].range
                local[e] = Loaded(shingles: u.shingles(p), numbers: Array(u.numbers(p)), range: r, start: OutputPosition(src, r.lowerBound), end: OutputPosition(src, r.upperBound))
            }
            return local
        }
        var result: [Int: Loaded] = [:]
        for part in parts { result.merge(part) { a, _ in a } }
        return result
    }

    func entry(_ e: Int) -> Entry { entries[e] }
    func file(_ f: Int) -> (path: String, lookup: String, rules: FileRules)? { files[f] }
    var isEmpty: Bool { entries.isEmpty && held.isEmpty }
}

