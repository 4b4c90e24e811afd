import Foundation

/// A rule's id and the message its findings report, shared by all of them: a diagnostic holds one reference instead
/// of two strings (a large page has a quarter of a million diagnostics; see `Diagnostic`).
/// A diagnostic with related places (rare: a duplicate's earlier copy) has a label of its own that holds them too.
final class DiagnosticLabel: Sendable {
    let ruleID: String
    let message: String
    let related: [RelatedLocation]
    init(ruleID: String, message: String, related: [RelatedLocation] = []) {
        self.ruleID = ruleID; self.message = message; self.related = related
    }
}

/// A finding ready to report: rule, severity, message, byte range and optional fix.
/// Stored in 72 bytes, not 128: the rule id and the message are one shared `DiagnosticLabel` (a finding with a message
/// of its own, or with related places, has a label of its own), the rule index is 32 bits, and the small fields fill
/// the fix's tail. A report of a 25 MB page holds a quarter of a million of them, and every copy retains one
/// reference, not two.
public struct Diagnostic: Sendable {
    private var label: DiagnosticLabel
    /// UTF-8 byte range in the document (after any BOM). Empty for an insertion point.
    public var range: Range<Int>
    public var fix: Fix?
    public var severity: Severity
    /// Not a finding in the text but a rule that failed on it (a `pattern` rule over its time budget): reported as
    /// an error, and the run exits with 2.
    public var isRuleFailure: Bool
    private var index32: Int32
    /// Other places the finding refers to (the earlier copy of a duplicate): JSON `related`, SARIF
    /// `relatedLocations`.
    public var related: [RelatedLocation] {
        _read { yield label.related }
        set { label = DiagnosticLabel(ruleID: label.ruleID, message: label.message, related: newValue) }
    }

    // Read in place (`_read`): a getter would retain and release the string at every read, and the fixer and the
    // reporters read them for every diagnostic.
    public var ruleID: String {
        _read { yield label.ruleID }
        set { label = DiagnosticLabel(ruleID: newValue, message: label.message, related: label.related) }
    }
    public var message: String {
        _read { yield label.message }
        set { label = DiagnosticLabel(ruleID: label.ruleID, message: newValue, related: label.related) }
    }
    /// Whether this diagnostic's label is `other` (the rule's own, shared label: then its id is that rule's).
    func hasLabel(_ other: DiagnosticLabel) -> Bool { label === other }
    /// Which label this is: two diagnostics with the same identity have the same rule id and message (the
    /// reporters' caches of rendered heads compare it before the strings).
    var labelIdentity: ObjectIdentifier { ObjectIdentifier(label) }
    /// The label itself (for a cache that outlives the diagnostic: its identity stays its own while held).
    var labelObject: AnyObject { label }
    /// Index of the rule in the linter that made it (-1: not known), so the fixer's later passes need no lookup.
    var ruleIndex: Int {
        get { Int(index32) }
        set { index32 = Int32(truncatingIfNeeded: newValue) }
    }

    public init(ruleID: String, severity: Severity, message: String, range: Range<Int>, fix: Fix?, ruleIndex: Int = -1,
                isRuleFailure: Bool = false, related: [RelatedLocation] = []) {
        self.init(label: DiagnosticLabel(ruleID: ruleID, message: message, related: related), severity: severity, range: range,
                  fix: fix, ruleIndex: ruleIndex, isRuleFailure: isRuleFailure, related: [])
    }

    /// `related`, when not empty, goes into a label of its own (the label's own related places otherwise stay).
    init(label: DiagnosticLabel, severity: Severity, range: Range<Int>, fix: Fix?, ruleIndex: Int, isRuleFailure: Bool,
         related: [RelatedLocation]) {
        self.label = related.isEmpty ? label : DiagnosticLabel(ruleID: label.ruleID, message: label.message, related: related)
        self.range = range
        self.fix = fix
        self.index32 = Int32(truncatingIfNeeded: ruleIndex)
        self.severity = severity
        self.isRuleFailure = isRuleFailure
    }
}

/// Runs a rule set over documents. Pipeline per document: segments per scope → boundary rules in one pass →
/// other checks → in-document disables → sorted diagnostics.
public struct Linter: Sendable {
    public let rules: [Rule]
    public let unusedDisable: Severity?
    public let knownIDs: Set<String>
    /// When set, documents re-parsed by the fixer read every prose block with this role (rule examples).
    public var forcedRole: Scope? { didSet { fixSplits = FixSplitCache() } }
    /// The structure vocabulary documents are parsed with (the configuration's).
    public var vocabulary: StructureVocabulary = .builtIn { didSet { fixSplits = FixSplitCache() } }
    /// The names lexicon, roster and publication date the names rules read (the configuration's).
    public var names: NamesSetup = .builtIn { didSet { fixSplits = FixSplitCache() } }

    /// Scanners compiled once per linter: all boundary rules of a scope share one pass, all phrase rules of a
    /// scope one automaton; other checks run one by one.
    private let boundaryGroups: [(Scope, BoundaryScanner)]
    private let phraseGroups: [(Scope, PhrasesScanner)]
    private let others: [Int]
    private let unionScope: Scope
    /// Each rule's place in the order of rule ids (ties between findings at one range sort by id).
    let ruleRank: [Int]
    /// Each rule's id and message, shared by its diagnostics.
    private let labels: [DiagnosticLabel]
    /// The rules' message templates, by rule index (the checks' contexts read them in place).
    private let messages: [String]
    private let ruleIndexByID: [String: Int]
    /// Rules whose check is line-local (see `Check.isLineLocal`).
    private let lineLocal: [Bool]
    /// The characters of the trigger scan its `numbers`, `punctuation-forms` and `pairs` checks share: their own
    /// triggers, not every form's. The fixer's rules have three of the twelve `numbers` forms (a space, 年 and `.`),
    /// and `、` `（）` `《》` `万` alone were 42% of the hits of the whole set on web news, scanned on every pass.
    let triggerScan: [UInt32]
    /// The fixer's two sub-linters (built on first use, shared by copies of this linter; a new cache when a setting
    /// the sub-linters copy changes).
    private var fixSplits = FixSplitCache()
    /// For each rule named in another's `supersedes`, the rules that supersede it (usually empty).
    private let supersededBy: [Int: [Int]]
    /// The same by rule index (empty lists for the others), and each superseding rule's slot in the per-file list
    /// of its finding ranges (-1: supersedes nothing): made once, not per file (two lists of a list per rule, a
    /// reference count per rule and file, on a batch of small files).
    private let supersededByRule: [[Int]]
    private let supersedingSlot: [Int]
    private let supersedingCount: Int
    /// Whether segment lists with code (true) or without (false) are read by line-local checks, in that order.
    private let localCodes: [Bool]
    /// The whole-text checks (not line-local) in groups that run as separate tasks on a large text: one group per
    /// kind of check (rules of one kind share the segment texts and character hits they work out), one group for
    /// the checks that share work through `CheckCache` (duplicates, archive and broken-line, whose findings the
    /// duplicate rules reuse: one after the other, in rule order, as without groups) and one for the names rules
    /// (names, roster: they share the names analysis). The groups of the kinds seen to cost most come first.
    private let otherGroups: [Set<Int>]
    /// How many rules read the duplicate units of each scope (`CheckCache.doneWithUnits`).
    private let unitUsers: [UInt16: Int]
    /// The fewest Han characters a sentence rule compares (`Int.max`: no sentence rule): extraction keeps no
    /// shorter sentence (`CheckCache.sentenceMinHan`).
    private let sentenceMinHan: Int
    /// The fewest Han characters a near or contained paragraph rule compares (`Int.max`: none): extraction works out
    /// the candidate search's keys of longer paragraphs as it reads them (`CheckCache.searchMinHan`).
    private let searchMinHan: Int
    /// See `init(rules:unusedDisable:knownIDs:chainedFixes:)` (kept for the fixer's split of this rule set).
    private let chainedFixes: Bool

    /// `chainedFixes: false`: a `characters` fix never takes the spaces after the character
    /// (`BoundaryScanner.trimmedGap`; the reference the tests compare with).
    public init(rules: [Rule], unusedDisable: Severity? = .info, knownIDs: Set<String>? = nil, chainedFixes: Bool = true) {
        self.rules = rules
        self.unusedDisable = unusedDisable
        self.knownIDs = knownIDs ?? Set(rules.map(\.id))
        self.chainedFixes = chainedFixes
        // All boundary rules share one scan, and all phrase rules one automaton, over the union of their scopes
        // (kept apart only when a rule reads code); each rule skips segments outside its own scope.
        var bg: [Bool: [(Int, BoundaryCheck, FixSafety, Scope)]] = [:]
        var pg: [Bool: [(Int, PhrasesCheck, FixSafety, String, Scope)]] = [:]
        var others: [Int] = []
        for (i, rule) in rules.enumerated() {
            let code = rule.scope.contains(.code)
            if let b = rule.check as? BoundaryCheck { bg[code, default: []].append((i, b, rule.fixSafety, rule.scope)) }
            else if let ph = rule.check as? PhrasesCheck, ph.isLineLocal { pg[code, default: []].append((i, ph, rule.fixSafety, rule.message, rule.scope)) }
            else { others.append(i) }
        }
        func union<T>(_ list: [T], _ scope: (T) -> Scope) -> Scope { list.reduce(Scope()) { $0.union(scope($1)) } }
        var byID: [String: Int] = [:]
        for (i, r) in rules.enumerated() where byID[r.id] == nil { byID[r.id] = i }
        var sup: [Int: [Int]] = [:]
        for (i, r) in rules.enumerated() {
            for id in r.supersedes { if let t = byID[id], t != i { sup[t, default: []].append(i) } }
        }
        // Rules another supersedes: no other boundary fix does their work (`BoundaryScanner.trimmedGap`).
        boundaryGroups = [false, true].compactMap { k in bg[k].map { (union($0, { $0.3 }), BoundaryScanner(rules: $0, superseded: Set(sup.keys), chainedFixes: chainedFixes)) } }
        phraseGroups = [false, true].compactMap { k in pg[k].map { (union($0, { $0.4 }), PhrasesScanner(rules: $0)) } }
        self.others = others
        unionScope = rules.reduce(Scope()) { $0.union($1.scope) }
        var rank = [Int](repeating: 0, count: rules.count)
        for (r, i) in rules.indices.sorted(by: { rules[$0].id < rules[$1].id }).enumerated() { rank[i] = r }
        ruleRank = rank
        labels = rules.map { DiagnosticLabel(ruleID: $0.id, message: $0.message) }
        messages = rules.map(\.message)
        ruleIndexByID = byID
        lineLocal = rules.map { $0.check.isLineLocal }
        var triggers = Set<UInt32>()
        for r in rules {
            if let n = r.check as? NumbersCheck { triggers.formUnion(n.triggers) }
            else if r.check is PunctuationFormsCheck { triggers.formUnion(PunctuationFormsCheck.sharedTriggers) }
            else if let p = r.check as? PairsCheck { triggers.formUnion(p.opens); triggers.formUnion(p.closes) }
        }
        triggerScan = triggers.isEmpty || !triggers.isSubset(of: NumbersCheck.shared) ? NumbersCheck.shared : triggers.sorted()
        supersededBy = sup
        var byRule = [[Int]](repeating: [], count: rules.count)
        var slot = [Int](repeating: -1, count: rules.count)
        var slots = 0
        for (k, v) in sup {
            byRule[k] = v
            for b in v where slot[b] < 0 { slot[b] = slots; slots += 1 }
        }
        supersededByRule = byRule
        supersedingSlot = slot
        supersedingCount = slots
        // (A group of `bg` or `pg` keyed by `code` has `.code` in its union of scopes exactly when `code` is true.)
        let local = rules.map { $0.check.isLineLocal }
        localCodes = [false, true].filter { code in
            bg[code] != nil || pg[code] != nil || others.contains { local[$0] && rules[$0].scope.contains(.code) == code }
        }
        // Kinds told apart by their types' identity: `String(describing:)` of a type asked the runtime for several
        // protocol conformances per kind, each a scan of every conformance in the binary (a tenth of start-up).
        var byKind: [ObjectIdentifier: Set<Int>] = [:]
        var kindOrder: [ObjectIdentifier] = []
        let cacheKind = ObjectIdentifier(CheckCache.self)
        // The names rules share one analysis of the text (`CheckCache.nameAnalysis`) and nothing with the others:
        // a group of their own, so that on a fixer's later pass (a few lines edited) they and `ocr.broken-line`,
        // the two longest whole-text tasks, run side by side instead of one after the other.
        let namesKind = ObjectIdentifier(NameAnalysis.self)
        for i in others where !rules[i].check.isLineLocal {
            let check = rules[i].check
            let key = check is NamesCheck || check is RosterCheck ? namesKind
                : check is DuplicatesCheck || check is PublishedCheck || check is BrokenLineCheck
                ? cacheKind : ObjectIdentifier(type(of: check))
            if byKind[key] == nil { kindOrder.append(key) }
            byKind[key, default: []].insert(i)
        }
        let heavy = [cacheKind, namesKind, ObjectIdentifier(NumbersCheck.self), ObjectIdentifier(PairsCheck.self), ObjectIdentifier(ArticleCheck.self)]
        kindOrder.sort { (heavy.firstIndex(of: $0) ?? heavy.count) < (heavy.firstIndex(of: $1) ?? heavy.count) }
        otherGroups = kindOrder.map { byKind[$0]! }
        var users: [UInt16: Int] = [:]
        var minHan = Int.max, searchHan = Int.max
        for r in rules where r.check is DuplicatesCheck || r.check is PublishedCheck {
            users[r.scope.rawValue, default: 0] += 1
            if let d = r.check as? DuplicatesCheck, d.unit == .sentence { minHan = min(minHan, d.minHan) }
            if let d = r.check as? DuplicatesCheck, d.unit == .paragraph, d.match != .exact { searchHan = min(searchHan, d.minHan) }
        }
        unitUsers = users
        sentenceMinHan = minHan
        searchMinHan = searchHan
    }

    /// Which of `items` (rule index, range) a finding of a rule superseding their rule covers; nil when none.
    private func superseded(_ items: [(rule: Int, range: Range<Int>)]) -> [Bool]? {
        items.withUnsafeBufferPointer { b in
            superseded(count: b.count) { body in for i in b.indices { body(i, b[i].rule, b[i].range) } }
        }
    }

    /// As above, of `count` items that `visit` hands to its body in order (index, rule index, range): a large page's
    /// findings are read where they lie (a list of (rule, range) pairs copied each finding, retaining its fix and
    /// message: a serial step of 5–7 ms of `--fix`'s first pass and of `lint`).
    @inline(__always)
    private func superseded(count: Int, _ visit: ((Int, Int, Range<Int>) -> Void) -> Void) -> [Bool]? {
        guard supersedingCount > 0 else { return nil }
        // Arrays indexed by rule, not dictionaries: this runs once per file, over every finding (hashing a rule
        // index per finding was most of its cost on a batch of small files).
        var over = [[Range<Int>]](repeating: [], count: supersedingCount)   // superseding rule's slot → its ranges
        var anyOver = false
        supersedingSlot.withUnsafeBufferPointer { slot in
            visit { _, rule, range in
                if rule >= 0 && rule < slot.count && slot[rule] >= 0 { over[slot[rule]].append(range); anyOver = true }
            }
        }
        guard anyOver else { return nil }
        for k in over.indices where over[k].count > 1 { over[k].sort { $0.lowerBound < $1.lowerBound } }
        func covered(_ r: Range<Int>, _ list: [Range<Int>]) -> Bool {
            // The last ranges starting at or before r (ranges of one rule rarely nest: a few steps back suffice).
            var lo = 0, hi = list.count
            while lo < hi { let m = (lo + hi) / 2; if list[m].lowerBound <= r.lowerBound { lo = m + 1 } else { hi = m } }
            var k = lo - 1
            while k >= 0 && k >= lo - 4 {
                if list[k].upperBound >= r.upperBound && list[k].lowerBound <= r.lowerBound { return true }
                k -= 1
            }
            return false
        }
        var drop = [Bool](repeating: false, count: count)
        var any = false
        let byRule = supersededByRule, slot = supersedingSlot
        visit { i, rule, range in
            guard rule >= 0 && rule < byRule.count && !byRule[rule].isEmpty else { return }
            if byRule[rule].contains(where: { b in
                let o = slot[b]
                return !over[o].isEmpty && covered(range, over[o])
            }) { drop[i] = true; any = true }
        }
        return any ? drop : nil
    }

    /// Drops the findings of superseded rules that lie inside a finding of a rule superseding them.
    private func dropSuperseded(_ findings: inout [Finding]) {
        let drop = findings.withUnsafeBufferPointer { fs in
            superseded(count: fs.count) { body in for i in fs.indices { body(i, fs[i].rule, fs[i].range) } }
        }
        guard let drop else { return }
        findings = findings.indices.filter { !drop[$0] }.map { findings[$0] }
    }

    public init(_ set: RuleSet, chainedFixes: Bool = true) {
        self.init(rules: set.rules, unusedDisable: set.unusedDisable, knownIDs: set.knownIDs, chainedFixes: chainedFixes)
        vocabulary = set.vocabulary
        names = set.names
    }

    public func lint(_ doc: Document) -> [Diagnostic] { lint(doc, cache: CheckCache()) }

    /// Whether no two rules share an id (then the order of rules by rank is their order by id).
    var hasDistinctRuleIDs: Bool { ruleIndexByID.count == rules.count }

    /// The fixer's split of this rule set: `fixing`, the rules that can propose a fix `--fix` applies (safe fixes;
    /// unsafe ones too with `allowUnsafe`), which run on every fix pass, and `rest`, the rules that cannot, which
    /// need to run once, on the fixed text, for the report. `toFull` maps a rule index of `fixing` to its index
    /// here. Nil when there is nothing to split (every rule fixes, none does, or two rules share an id, so that
    /// merging two sorted lists would not give `lint`'s order).
    /// A check never makes a fix safer than its rule's `fix:` (safe only under `fix: safe`, and none under
    /// `fix: none`), so the rules left out cannot change what a pass applies.
    public func fixSplit(allowUnsafe: Bool) -> FixSplit? {
        fixSplits.get(allowUnsafe) {
            // Rules that supersede others, or are superseded, stay together with the fixing rules: a superseded
            // finding must be dropped in the fix passes too (its safe fix must not be applied under the finding
            // of a rule that supersedes it).
            let involved = Set(supersededBy.keys).union(supersededBy.values.joined())
            func fixes(_ i: Int) -> Bool {
                let r = rules[i]
                return r.fixSafety == .safe || (allowUnsafe && r.fixSafety == .unsafe) || involved.contains(i)
            }
            let fixingIdx = rules.indices.filter { fixes($0) }
            guard !fixingIdx.isEmpty, fixingIdx.count < rules.count, Set(rules.map(\.id)).count == rules.count else { return nil }
            func sub(_ idx: [Int]) -> Linter {
                var l = Linter(rules: idx.map { rules[$0] }, unusedDisable: unusedDisable, knownIDs: knownIDs, chainedFixes: chainedFixes)
                l.forcedRole = forcedRole
                l.vocabulary = vocabulary
                l.names = names
                return l
            }
            let restIdx = rules.indices.filter { !fixes($0) }
            return FixSplit(fixing: sub(fixingIdx), rest: sub(restIdx), toFull: fixingIdx, restToFull: restIdx)
        }
    }

    /// The diagnostics `lint(doc)` gives, from the fixing rules' diagnostics of `doc` (`fixing`, sorted as `lint`
    /// sorts) and one run of the other rules. A document with in-document disables is linted whole (which
    /// directives suppress nothing depends on every rule).
    func lint(_ doc: Document, split: FixSplit, fixingDiagnostics fixing: [Diagnostic]) -> [Diagnostic] {
        guard doc.directives.isEmpty else { return lint(doc) }
        let rest = split.rest.lint(doc)
        var out: [Diagnostic] = []
        out.reserveCapacity(fixing.count + rest.count)
        var i = 0, j = 0
        func before(_ a: Diagnostic, _ b: Diagnostic) -> Bool {
            a.range.lowerBound != b.range.lowerBound ? a.range.lowerBound < b.range.lowerBound
                : a.range.upperBound != b.range.upperBound ? a.range.upperBound < b.range.upperBound : a.ruleID < b.ruleID
        }
        while i < fixing.count || j < rest.count {
            if j >= rest.count || (i < fixing.count && before(fixing[i], rest[j])) {
                out.append(fixing[i])
                let ri = fixing[i].ruleIndex
                out[out.count - 1].ruleIndex = ri >= 0 && ri < split.toFull.count ? split.toFull[ri] : -1
                i += 1
            } else {
                out.append(rest[j])
                let ri = rest[j].ruleIndex
                out[out.count - 1].ruleIndex = ri >= 0 && ri < split.restToFull.count ? split.restToFull[ri] : -1
                j += 1
            }
        }
        return out
    }

    /// `lint(doc)`, leaving in `cache` what the checks worked out (the duplicate rules' units, which the run's
    /// cross-file pass fingerprints).
    public func lint(_ doc: Document, cache: CheckCache) -> [Diagnostic] {
        if !unitUsers.isEmpty { cache.expectUnitUsers(unitUsers, sentenceMinHan: sentenceMinHan, searchMinHan: searchMinHan) }
        var lists = collect(doc, lines: nil, local: true, other: true, cache: cache)
        cache.checksDone()   // the duplicate rules' units go before the findings become diagnostics (unless kept)
        guard doc.directives.isEmpty else {
            // Disabled findings first: a finding switched off in a region supersedes nothing there.
            var diagnostics = Suppression.apply(doc: doc, diagnostics: lists.joined().map(diagnostic), unusedSeverity: unusedDisable, knownIDs: knownIDs)
            if let drop = superseded(diagnostics.map { ($0.ruleIndex >= 0 ? $0.ruleIndex : (ruleIndexByID[$0.ruleID] ?? -1), $0.range) }) {
                diagnostics = diagnostics.indices.filter { !drop[$0] }.map { diagnostics[$0] }
            }
            diagnostics.sort {
                $0.range.lowerBound != $1.range.lowerBound ? $0.range.lowerBound < $1.range.lowerBound
                    : $0.range.upperBound != $1.range.upperBound ? $0.range.upperBound < $1.range.upperBound : $0.ruleID < $1.ruleID
            }
            return diagnostics
        }
        dropSuperseded(&lists)
        return diagnostics(converting: &lists, textBytes: doc.bytes.count)
    }

    /// The diagnostics of a text's lists of findings (`collect`'s, superseded ones dropped), in `lint`'s order; the
    /// lists are let go as they are converted.
    private func diagnostics(converting lists: inout [[Finding]], textBytes: Int) -> [Diagnostic] {
        // The same order (start, end, rule id), sorting plain keys instead of diagnostics. The findings come in
        // a few lists (one per chunk of a large text, in text order): a list is let go as soon as all its
        // findings are diagnostics, so a file with many findings does not hold both in full.
        var remaining = lists.map { $0.count }   // (a key path here cost ~700 instructions a file)
        let total = remaining.reduce(0, +)
        var listStarts: [Int] = []
        var base = 0
        for l in lists { listStarts.append(base); base += l.count }
        func convert<K: Comparable>(_ key: (Finding, Int) -> K, _ index: (K) -> Int) -> [Diagnostic] {
            var keys: [K] = []
            keys.reserveCapacity(total)
            for l in lists.indices {
                // By index, fields read in place (iterating would copy each finding, retaining its message and fix).
                lists[l].withUnsafeBufferPointer { fs in
                    for i in fs.indices { keys.append(key(fs[i], listStarts[l] + i)) }
                }
            }
            keys.sort()
            var diagnostics: [Diagnostic] = []
            diagnostics.reserveCapacity(total)
            for k in keys {
                let at = index(k)
                var l = lists.count - 1
                while listStarts[l] > at { l -= 1 }
                diagnostics.append(diagnostic(taking: at - listStarts[l], of: &lists[l]))
                remaining[l] -= 1
                if remaining[l] == 0 { lists[l] = [] }
            }
            return diagnostics
        }
        // Keys of 16 bytes when offsets and counts fit in 32 bits (every text under 4 GB), else of 32.
        if textBytes < Int(UInt32.max) && total < Int(UInt32.max) && rules.count < Int(UInt32.max) {
            if lists.count > 1 && total >= 4096 {
                if Parallel.chunks(forBytes: textBytes) > 1, let d = convertInHalves(&lists, starts: listStarts, total: total) { return d }
                return convertInParallel(&lists, starts: listStarts, total: total)
            }
            return convert({ f, i in
                SortKey32(start: UInt32(truncatingIfNeeded: f.range.lowerBound), end: UInt32(truncatingIfNeeded: f.range.upperBound),
                          rank: UInt32(truncatingIfNeeded: ruleRank[f.rule]), index: UInt32(truncatingIfNeeded: i))
            }, { Int($0.index) })
        }
        return convert({ f, i in SortKey(start: f.range.lowerBound, end: f.range.upperBound, rank: ruleRank[f.rule], index: i) }, { $0.index })
    }

    /// Drops the findings that another rule's finding supersedes, from lists of findings.
    private func dropSuperseded(_ lists: inout [[Finding]]) {
        guard !supersededBy.isEmpty else { return }
        let total = lists.reduce(0) { $0 + $1.count }
        let found: [Bool]? = {
            let all = lists   // (a reference to each list, let go before any is made again)
            return superseded(count: total) { body in
                var k = 0
                for l in all.indices {
                    all[l].withUnsafeBufferPointer { fs in for i in fs.indices { body(k + i, fs[i].rule, fs[i].range) } }
                    k += all[l].count
                }
            }
        }()
        guard let drop = found else { return }
        // Only the lists that lose a finding are made again.
        var k = 0
        for l in lists.indices {
            let n = lists[l].count
            if drop[k..<(k + n)].contains(true) { lists[l] = (0..<n).filter { !drop[k + $0] }.map { lists[l][$0] } }
            k += n
        }
    }

    /// The findings of `doc` as `lint(doc)` would give them, before they are made diagnostics: the lists the checks
    /// made and their order (`SortedFindings.order`). The fixer's first pass plans from these: on a 25 MB page a
    /// quarter of a million findings, nearly all of them fixed, whose diagnostics were made only to be let go again
    /// (made on two cores, let go on one: `--fix` of the page 347 → 316 ms median, CPU 565 → 516 ms); only those it
    /// carries are made diagnostics (`carryable(_:of:editedLines:)`), or all of them when nothing is fixed
    /// (`diagnostics(of:)`).
    /// Nil when `lint(doc)` takes another way: a document with in-document disables, rules that keep units for a
    /// cross-file pass, a text too large for 32-bit keys, or few findings (not worth it).
    func sortedFindings(_ doc: Document) -> SortedFindings? {
        guard doc.directives.isEmpty, unitUsers.isEmpty, doc.bytes.count < Int(UInt32.max) else { return nil }
        var lists = collect(doc, lines: nil, local: true, other: true, cache: CheckCache())
        dropSuperseded(&lists)
        var starts: [Int] = []
        var total = 0
        for l in lists { starts.append(total); total += l.count }
        guard total >= 4096, total < Int(UInt32.max) else { return SortedFindings(lists: lists, order: nil, textBytes: doc.bytes.count) }
        let keys = sortedKeys(lists, starts: starts)
        // Packed (list << 32 | place in it); on two cores, each half of the order merged on its own.
        var order = [UInt64](repeating: 0, count: total)
        order.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            func fill(_ from: [Int], _ to: [Int], _ count: Int, _ at: UnsafeMutablePointer<UInt64>) {
                var merge = KeyMerge(keys, from: from, to: to)
                for o in 0..<count {
                    let (best, key, _) = merge.next()
                    (at + o).initialize(to: UInt64(best) << 32 | UInt64(Int(key.index) - starts[best]))
                }
            }
            if Parallel.chunks(forBytes: doc.bytes.count) > 1, let (cut, firstCount) = Linter.halfCut(keys, total: total) {
                _ = Parallel.map(2) { h in
                    if h == 0 { fill(keys.map { _ in 0 }, cut, firstCount, base) }
                    else { fill(cut, keys.map(\.count), total - firstCount, base + firstCount) }
                }
            } else {
                fill(keys.map { _ in 0 }, keys.map(\.count), total, base)
            }
        }
        return SortedFindings(lists: lists, order: order, textBytes: doc.bytes.count)
    }

    /// A lint's findings before they are made diagnostics (`sortedFindings`).
    struct SortedFindings: @unchecked Sendable {
        var lists: [[Finding]]
        /// The findings in `lint`'s order, each as its list << 32 | its place in the list; nil: the lists' own order
        /// is not that order (then `diagnostics(of:)` sorts them).
        var order: [UInt64]?
        /// The size of the text they are the findings of (`lint` converts a large text's on two cores).
        let textBytes: Int

        /// `body` with each list's buffer (read in place: indexing the list of lists for each of a quarter of a
        /// million findings retained and released its list every time).
        func withBuffers<R>(_ body: (UnsafeBufferPointer<UnsafeBufferPointer<Finding>>) -> R) -> R {
            var buffers: [UnsafeBufferPointer<Finding>] = []
            buffers.reserveCapacity(lists.count)
            func nest(_ k: Int) -> R {
                if k == lists.count { return buffers.withUnsafeBufferPointer(body) }
                return lists[k].withUnsafeBufferPointer { buffers.append($0); return nest(k + 1) }
            }
            return nest(0)
        }
    }

    /// All the diagnostics of `found`, in `lint`'s order (what `lint(doc)` gives, converted as it converts them); the
    /// lists are let go.
    func diagnostics(of found: consuming SortedFindings) -> [Diagnostic] {
        var lists = found.lists
        found.lists = []
        return diagnostics(converting: &lists, textBytes: found.textBytes)
    }

    /// Of `found` (the findings of `old`, `sortedFindings`), the diagnostics `lint(_:updating:of:editedLines:)` can
    /// carry, as `carryable(_:of:editedLines:)` keeps them of `lint(old)`'s diagnostics.
    func carryable(_ found: SortedFindings, of old: Document, editedLines: [Int]) -> [Diagnostic] {
        guard let order = found.order else { return carryable(diagnostics(of: found), of: old, editedLines: editedLines) }
        let starts = old.source.lineStarts
        var edited = [Bool](repeating: false, count: starts.count)
        for l in editedLines where l < edited.count { edited[l] = true }
        // In two halves side by side on a large page (each keeps few: the rest stand on edited lines).
        let parts = order.count >= 1 << 15 ? 2 : 1
        let kept = found.withBuffers { lists in
            order.withUnsafeBufferPointer { order in
                edited.withUnsafeBufferPointer { edited in
                    lineLocal.withUnsafeBufferPointer { lineLocal in
                        Parallel.map(parts) { h -> [Diagnostic] in
                            var out: [Diagnostic] = []
                            var line = -1
                            for k in (order.count * h / parts)..<(order.count * (h + 1) / parts) {
                                let packed = order[k]
                                let f = lists[Int(packed >> 32)].baseAddress! + Int(packed & 0xFFFF_FFFF)
                                guard lineLocal[f.pointee.rule] else { continue }
                                let p = f.pointee.range.lowerBound
                                if line < 0 || p < starts[line] { line = old.source.lineIndex(of: p) }
                                while line + 1 < starts.count && starts[line + 1] <= p { line += 1 }
                                if !edited[line] { out.append(diagnostic(f.pointee)) }
                            }
                            return out
                        }
                    }
                }
            }
        }
        return Array(kept.joined())
    }

    /// Lets go of the lists of `found` side by side (a quarter of a million findings on a large page: their release
    /// was a serial step of the fixer).
    static func release(_ found: consuming SortedFindings) {
        let boxes = found.lists.map { list -> FindingListBox in let b = FindingListBox(); b.items = list; return b }
        found.lists = []
        _ = Parallel.map(boxes.count) { k in boxes[k].items = [] }
    }

    /// The diagnostics of several lists of findings (a large text's chunks and its whole-text checks), in the order
    /// of `SortKey32` (start, end, rule id, then list and place in it): each list's keys are sorted on its own core,
    /// then the sorted lists are merged here, each finding made a diagnostic in turn and each list let go as soon as
    /// all its findings are diagnostics (as the one-list way does: memory holds the findings or the diagnostics of
    /// a chunk, not both; converting on several cores at once held more of both, and a large file's peak memory
    /// is this step). The same order as one sort of all keys (the keys are distinct: the last field is the
    /// finding's index over all lists).
    private func convertInParallel(_ lists: inout [[Finding]], starts: [Int], total: Int) -> [Diagnostic] {
        let keys = sortedKeys(lists, starts: starts)
        var diagnostics: [Diagnostic] = []
        diagnostics.reserveCapacity(total)
        var merge = KeyMerge(keys, from: keys.map { _ in 0 }, to: keys.map(\.count))
        for _ in 0..<total {
            let (best, key, ended) = merge.next()
            diagnostics.append(diagnostic(taking: Int(key.index) - starts[best], of: &lists[best]))
            if ended { lists[best] = [] }
        }
        return diagnostics
    }

    /// The merge of several lists of sorted keys, each from `at` to `end`, in key order. Lists not yet begun wait
    /// by their first key (the chunks of a large text come one after the other); only the lists begun and not
    /// ended are compared, with the first one waiting: mostly two or three at a time.
    private struct KeyMerge {
        let keys: [[SortKey32]]
        var at: [Int]
        let end: [Int]
        var waiting: [Int], active: [Int] = []
        init(_ keys: [[SortKey32]], from at: [Int], to end: [Int]) {
            self.keys = keys; self.at = at; self.end = end
            waiting = keys.indices.filter { at[$0] < end[$0] }.sorted { keys[$0][at[$0]] < keys[$1][at[$1]] }
            waiting.reverse()   // the next to begin last
        }
        /// The next key, its list, and whether that list has ended with it (there is a next key: the caller counts).
        @inline(__always) mutating func next() -> (list: Int, key: SortKey32, ended: Bool) {
            var best = -1
            var bestKey = SortKey32(start: 0, end: 0, rank: 0, index: 0)
            for m in active {
                let k = keys[m][at[m]]
                if best < 0 || k < bestKey { best = m; bestKey = k }
            }
            if let next = waiting.last, best < 0 || keys[next][at[next]] < bestKey {
                waiting.removeLast()
                active.append(next)
                best = next; bestKey = keys[next][at[next]]
            }
            at[best] += 1
            let ended = at[best] == end[best]
            if ended { let b = best; active.removeAll { $0 == b } }
            return (best, bestKey, ended)
        }
    }

    /// `convertInParallel`'s diagnostics, made on two cores at once: the findings that start before an offset
    /// chosen to halve them, and the others, each half merged from its lists' sorted keys into its own part of
    /// the one result (the two parts follow each other in the order of one sort of all keys). On a large page the
    /// one-thread merge, and the new pages its quarter of a million diagnostics are written into, was a serial
    /// step of every lint. A list wholly in one half is taken by it (messages and fixes moved, the list let go once
    /// done), as the one-thread merge does; the few lists with findings in both halves (the whole-text checks', the
    /// chunk the offset falls in) are read by both, their findings copied, and let go at the end. nil when the
    /// findings do not split (all at one offset).
    private func convertInHalves(_ lists: inout [[Finding]], starts: [Int], total: Int) -> [Diagnostic]? {
        let n = lists.count
        let keys = sortedKeys(lists, starts: starts)
        guard let (cut, firstCount) = Linter.halfCut(keys, total: total) else { return nil }
        let shared = (0..<n).map { cut[$0] > 0 && cut[$0] < keys[$0].count }
        // Each list in a box of its own: a half takes findings out of the lists it alone reads, and lets them go,
        // while the other half reads other lists.
        let boxes = lists.indices.map { l -> FindingListBox in
            let b = FindingListBox()
            swap(&b.items, &lists[l])
            return b
        }
        func merge(_ h: Int, into out: UnsafeMutablePointer<Diagnostic>) {
            var merge = KeyMerge(keys, from: (0..<n).map { h == 0 ? 0 : cut[$0] }, to: (0..<n).map { h == 0 ? cut[$0] : keys[$0].count })
            let count = h == 0 ? firstCount : total - firstCount
            for o in 0..<count {
                let (best, key, ended) = merge.next()
                let i = Int(key.index) - starts[best]
                (out + o).initialize(to: shared[best] ? diagnostic(boxes[best].items[i]) : diagnostic(taking: i, of: &boxes[best].items))
                if ended && !shared[best] { boxes[best].items = [] }
            }
        }
        return [Diagnostic](unsafeUninitializedCapacity: total) { buffer, filled in
            let base = buffer.baseAddress!
            _ = Parallel.map(2) { h in merge(h, into: base + (h == 0 ? 0 : firstCount)) }
            filled = total
        }
    }

    /// Where to cut each list of sorted keys so that the findings before the cuts are half of them, all starting
    /// before the least offset that allows it (so the two halves follow each other in key order), and how many
    /// that is; nil when they do not split (all at one offset).
    static func halfCut(_ keys: [[SortKey32]], total: Int) -> (cut: [Int], firstCount: Int)? {
        /// The first place in `k` whose start is at least `s`.
        func lowerBound(_ k: [SortKey32], _ s: UInt32) -> Int {
            var lo = 0, hi = k.count
            while lo < hi { let mid = (lo + hi) / 2; if k[mid].start < s { lo = mid + 1 } else { hi = mid } }
            return lo
        }
        var top: UInt32 = 0
        for k in keys { if let last = k.last { top = max(top, last.start) } }
        // The least offset before which at least half the findings start.
        var lo: UInt32 = 0, hi = top
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            var below = 0
            for k in keys { below += lowerBound(k, mid) }
            if 2 * below < total { lo = mid + 1 } else { hi = mid }
        }
        let cut = keys.map { lowerBound($0, lo) }
        let firstCount = cut.reduce(0, +)
        guard firstCount > 0 && firstCount < total else { return nil }
        return (cut, firstCount)
    }

    /// Each list's `SortKey32`s, sorted, a list per core.
    private func sortedKeys(_ lists: [[Finding]], starts: [Int]) -> [[SortKey32]] {
        let rank = ruleRank
        return Parallel.map(lists.count) { l in
            let base = starts[l]
            var k: [SortKey32] = []
            k.reserveCapacity(lists[l].count)
            // By index, fields read in place (iterating would copy each finding, retaining its message and fix).
            lists[l].withUnsafeBufferPointer { fs in
                for i in fs.indices {
                    k.append(SortKey32(start: UInt32(truncatingIfNeeded: fs[i].range.lowerBound), end: UInt32(truncatingIfNeeded: fs[i].range.upperBound),
                                       rank: UInt32(truncatingIfNeeded: rank[fs[i].rule]), index: UInt32(truncatingIfNeeded: base + i)))
                }
            }
            k.sort()
            return k
        }
    }

    /// `SortKey` in 32-bit fields (a text under 4 GB): a quarter of a million findings sort in 4 MB, not 8.
    struct SortKey32: Comparable {
        var start: UInt32, end: UInt32, rank: UInt32, index: UInt32
        static func < (a: SortKey32, b: SortKey32) -> Bool {
            a.start != b.start ? a.start < b.start : a.end != b.end ? a.end < b.end : a.rank != b.rank ? a.rank < b.rank : a.index < b.index
        }
    }

    /// A finding with its rule's id, severity and (unless it has its own) message.
    /// A finding without a message of its own shares its rule's label (`labels`).
    /// The diagnostic of finding `i` of `list`, whose message, fix and related places are moved out of the list
    /// (nil and empty left there): they go to the diagnostic without being retained for it and released again
    /// with the list (a copy did both, for each of a large page's quarter of a million findings, on the one
    /// thread that merges them).
    @inline(__always) private func diagnostic(taking i: Int, of list: inout [Finding]) -> Diagnostic {
        list.withUnsafeMutableBufferPointer { p in
            let f = p.baseAddress! + i
            let (message, related) = f.pointee.takeExtras()
            let fix = f.pointee.fix.take()
            let rule = f.pointee.rule
            let label = message.map { DiagnosticLabel(ruleID: rules[rule].id, message: $0) } ?? labels[rule]
            return Diagnostic(label: label, severity: f.pointee.isRuleFailure ? .error : f.pointee.severity ?? rules[rule].severity,
                              range: f.pointee.range, fix: fix, ruleIndex: rule, isRuleFailure: f.pointee.isRuleFailure,
                              related: related)
        }
    }

    @inline(__always) private func diagnostic(_ f: Finding) -> Diagnostic {
        let label = f.message.map { DiagnosticLabel(ruleID: rules[f.rule].id, message: $0) } ?? labels[f.rule]
        return Diagnostic(label: label, severity: f.isRuleFailure ? .error : f.severity ?? rules[f.rule].severity,
                          range: f.range, fix: f.fix, ruleIndex: f.rule, isRuleFailure: f.isRuleFailure, related: f.related)
    }

    struct SortKey: Comparable {
        var start: Int, end: Int, rank: Int, index: Int
        static func < (a: SortKey, b: SortKey) -> Bool {
            a.start != b.start ? a.start < b.start : a.end != b.end ? a.end < b.end : a.rank != b.rank ? a.rank < b.rank : a.index < b.index
        }
    }

    /// The diagnostics of `doc`, which is `old` after edits that touched only `editedLines` and moved no line break,
    /// given the diagnostics of `old`. A line must be read again when an edit touched it or when its segments
    /// (ranges, roles, cuts) differ from before; line-local rules run on those lines alone and their earlier
    /// diagnostics on the other lines are moved along; the other rules run on the whole document. The result is what
    /// `lint(doc)` gives (the fixer's tests compare the two).
    public func lint(_ doc: Document, updating previous: [Diagnostic], of old: Document, editedLines: [Int]) -> [Diagnostic] {
        guard doc.directives.isEmpty, old.directives.isEmpty, doc.source.lineCount == old.source.lineCount else { return lint(doc) }
        let oldStarts = old.source.lineStarts, newStarts = doc.source.lineStarts
        var dirty = [Bool](repeating: false, count: doc.source.lineCount)
        for l in editedLines { dirty[l] = true }
        // Lines whose segments changed (a new role, a URL found or lost, a headline that is one no more).
        if doc.format == .plainText && old.format == .plainText {
            // Plain text: a line's segments follow from its block (kind, role), its own bytes (URLs) and the dateline
            // credits, so comparing blocks and credits is enough (and holds no segment lists).
            Linter.markChangedStructure(old, doc, &dirty)
        } else {
            markChangedSegments(old, doc, &dirty)
        }
        let dirtyLines = dirty.indices.filter { dirty[$0] }

        // The touched lines' line-local checks and the whole-text checks, as tasks of one parallel run on a large
        // text (the touched lines' findings first, as two separate runs gave them).
        var findings = Array(collect(doc, lines: dirty, local: !dirtyLines.isEmpty, other: true).joined())
        dropSuperseded(&findings)
        // New findings in order; the carried diagnostics already are: merge the two.
        var keys: [SortKey] = []
        keys.reserveCapacity(findings.count)
        findings.withUnsafeBufferPointer { fs in
            for i in fs.indices { keys.append(SortKey(start: fs[i].range.lowerBound, end: fs[i].range.upperBound, rank: ruleRank[fs[i].rule], index: i)) }
        }
        keys.sort()
        // Not `previous.count`: after a pass with many edits most earlier diagnostics are dropped, and a list the size
        // of the first pass's (a quarter of a million on a 25 MB page) would double the fixer's peak memory.
        var out: [Diagnostic] = []
        out.reserveCapacity(findings.count)
        var next = 0
        func flush(before key: SortKey?) {
            while next < keys.count, key.map({ keys[next] < $0 }) ?? true {
                out.append(diagnostic(findings[keys[next].index]))
                next += 1
            }
        }
        var line = 0
        for d in previous {
            let ri = ruleIndex(of: d)
            guard ri >= 0, lineLocal[ri] else { continue }
            let p = d.range.lowerBound
            if p < oldStarts[line] { line = old.source.lineIndex(of: p) }   // (sorted input: never taken)
            while line + 1 < oldStarts.count && oldStarts[line + 1] <= p { line += 1 }
            if dirty[line] { continue }
            let delta = newStarts[line] - oldStarts[line]
            let start = d.range.lowerBound + delta, end = d.range.upperBound + delta
            // A carried diagnostic never ties with a new one (they stand on different lines): index -1 is enough.
            flush(before: SortKey(start: start, end: end, rank: ruleRank[ri], index: -1))
            out.append(d)
            if delta != 0 {
                out[out.count - 1].range = start..<end
                out[out.count - 1].fix = d.fix?.shifted(by: delta)
            }
            out[out.count - 1].ruleIndex = ri
        }
        flush(before: nil)
        return out
    }

    /// The index in this linter of the rule that made `d` (-1: none of its rules): its own index when that rule's label
    /// is its label (no string compared) or has its id, else a look-up by id.
    @inline(__always) private func ruleIndex(of d: Diagnostic) -> Int {
        let ri = d.ruleIndex
        if ri >= 0 && ri < rules.count && (d.hasLabel(labels[ri]) || rules[ri].id == d.ruleID) { return ri }
        return ruleIndexByID[d.ruleID] ?? -1
    }

    /// Of `previous` (the diagnostics of `old`, sorted), those `lint(_:updating:of:editedLines:)` can carry: findings
    /// of line-local rules on lines no edit touched (it drops the others). The fixer calls it before the re-lint, so
    /// that the first pass's diagnostics (a quarter of a million on a 25 MB page, nearly all on edited lines) are let
    /// go before the re-lint reads the whole text: they were the largest part of `--fix`'s peak memory.
    func carryable(_ previous: [Diagnostic], of old: Document, editedLines: [Int]) -> [Diagnostic] {
        let starts = old.source.lineStarts
        var edited = [Bool](repeating: false, count: starts.count)
        for l in editedLines where l < edited.count { edited[l] = true }
        // By index, reading fields in place: iterating the list would copy each diagnostic (and retain its label).
        return previous.withUnsafeBufferPointer { ds -> [Diagnostic] in
            func keeps(_ i: Int, _ line: inout Int) -> Bool {
                let ri = ruleIndex(of: ds[i])
                guard ri >= 0, lineLocal[ri] else { return false }
                let p = ds[i].range.lowerBound
                if p < starts[line] { line = old.source.lineIndex(of: p) }
                while line + 1 < starts.count && starts[line + 1] <= p { line += 1 }
                return !edited[line]
            }
            // One pass: what is kept is a small part after a pass with many edits (grown by doubling, it stays small).
            var out: [Diagnostic] = []
            var line = 0
            for i in ds.indices where keeps(i, &line) { out.append(ds[i]) }
            return out
        }
    }

    /// Marks the lines whose segments differ between `old` and `doc` (any format): both segment lists in text order,
    /// each walked with its own line pointer.
    private func markChangedSegments(_ old: Document, _ doc: Document, _ dirty: inout [Bool]) {
        let oldStarts = old.source.lineStarts, newStarts = doc.source.lineStarts
        for code in Set(boundaryGroups.map { $0.0.contains(.code) } + phraseGroups.map { $0.0.contains(.code) }
                        + others.filter { lineLocal[$0] }.map { rules[$0].scope.contains(.code) }) {
            let scope = code ? unionScope.union(.code) : unionScope.subtracting(.code)
            // Both segment lists in text order; each walked with its own line pointer (no per-segment search).
            func ordered(_ d: Document) -> [Segment] {
                var v = d.segments(for: scope)
                v.sort { $0.range.lowerBound != $1.range.lowerBound ? $0.range.lowerBound < $1.range.lowerBound : $0.range.upperBound < $1.range.upperBound }
                return v
            }
            let a = ordered(old), b = ordered(doc)
            func same(_ x: Segment, _ y: Segment, _ delta: Int) -> Bool {
                x.range.lowerBound + delta == y.range.lowerBound && x.range.upperBound + delta == y.range.upperBound
                    && x.atLineStart == y.atLineStart && x.atLineEnd == y.atLineEnd && x.role == y.role
            }
            var i = 0, j = 0, la = 0, lb = 0
            func lineOf(_ p: Int, _ starts: [Int], _ l: inout Int) -> Int {
                while l + 1 < starts.count && starts[l + 1] <= p { l += 1 }
                return l
            }
            while i < a.count || j < b.count {
                let lineA = i < a.count ? lineOf(a[i].range.lowerBound, oldStarts, &la) : Int.max
                let lineB = j < b.count ? lineOf(b[j].range.lowerBound, newStarts, &lb) : Int.max
                let line = min(lineA, lineB)
                let delta = newStarts[line] - oldStarts[line]
                var i2 = i, j2 = j
                var differs = false
                while i2 < a.count && lineOf(a[i2].range.lowerBound, oldStarts, &la) == line { i2 += 1 }
                while j2 < b.count && lineOf(b[j2].range.lowerBound, newStarts, &lb) == line { j2 += 1 }
                if i2 - i != j2 - j { differs = true }
                else { for k in 0..<(i2 - i) where !same(a[i + k], b[j + k], delta) { differs = true; break } }
                if differs { dirty[line] = true }
                i = i2; j = j2
            }
        }
    }

    /// Plain text: marks the lines of blocks whose lines, kind or role changed, and lines whose dateline credit
    /// changed.
    static func markChangedStructure(_ old: Document, _ doc: Document, _ dirty: inout [Bool]) {
        func mark(_ lines: Range<Int>) { for l in lines where l < dirty.count { dirty[l] = true } }
        let a = old.blocks, b = doc.blocks
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if i < a.count && j < b.count && a[i].lines == b[j].lines {
                if a[i].kind != b[j].kind || a[i].role != b[j].role { mark(b[j].lines) }
                i += 1; j += 1
            } else if j >= b.count || (i < a.count && (a[i].lines.lowerBound, a[i].lines.upperBound) < (b[j].lines.lowerBound, b[j].lines.upperBound)) {
                mark(a[i].lines); i += 1
            } else {
                mark(b[j].lines); j += 1
            }
        }
        // Credits, by line, in the new text's offsets.
        var before: [Int: [(Range<Int>, Scope)]] = [:], after: [Int: [(Range<Int>, Scope)]] = [:]
        for (r, role) in old.inlineRoles {
            let l = old.source.lineIndex(of: r.lowerBound)
            let d = doc.source.lineStarts[l] - old.source.lineStarts[l]
            before[l, default: []].append(((r.lowerBound + d)..<(r.upperBound + d), role))
        }
        for (r, role) in doc.inlineRoles { after[doc.source.lineIndex(of: r.lowerBound), default: []].append((r, role)) }
        for l in Set(before.keys).union(after.keys) {
            let x = before[l] ?? [], y = after[l] ?? []
            if x.count != y.count || zip(x, y).contains(where: { $0.0 != $1.0 || $0.1 != $1.1 }) { dirty[l] = true }
        }
    }

    /// Raw findings, in a few lists (their concatenation is the order ties are broken in): one per chunk of the
    /// text the line-local checks ran on, then those of the other checks. `lines`: when given, the line-local checks
    /// read only the segments of those lines (the whole-text checks always read the whole text). `local`/`other`:
    /// run the line-local checks, the others.
    ///
    /// All the tasks of one call (chunks of the line-local checks and groups of the whole-text ones) go to one
    /// `Parallel.map`: a nested one runs on the calling thread alone (libdispatch divides the cores among the
    /// outer call's tasks), which left a core idle through most of the fixer's later passes.
    private func collect(_ doc: Document, lines: [Bool]?, local: Bool, other: Bool, cache: CheckCache = CheckCache()) -> [[Finding]] {
        var found: [[Finding]] = []
        var findings: [Finding] = []
        findings.reserveCapacity(64)
        // One list of segments for the union of all scopes (and one more only if some rule reads code); every
        // check skips the segments outside its rule's scope, so no per-rule copies are made.
        var wholeByCode: [Bool: [Segment]] = [:]
        var segmentsByCode: [Bool: [Segment]] = [:]
        // The segment texts (and trigger scans) of the line-local checks, for the whole-text checks when both read
        // the same segment lists (one chunk, the whole text): `pairs` then reuses the numbers rules' scan.
        let sharedTexts = lines == nil ? SharedTexts() : nil
        func whole(_ code: Bool) -> [Segment] {
            if let v = wholeByCode[code] { return v }
            let v = doc.segments(for: code ? unionScope.union(.code) : unionScope.subtracting(.code))
            wholeByCode[code] = v
            return v
        }
        // The segments the line-local checks read.
        func segments(_ code: Bool) -> [Segment] {
            if let v = segmentsByCode[code] { return v }
            var v = whole(code)
            if let lines {
                // The segments come in text order (but those of inline roles, after them): the line is followed
                // along, searched for only when a segment starts before the last one's line or far after it.
                let starts = doc.source.lineStarts
                var l = 0
                // Into a list with room for all (`filter` grew its result by doubling: most lines of a page are
                // touched after the fixer's first pass).
                var kept: [Segment] = []
                kept.reserveCapacity(v.count)
                for seg in v {
                    let p = seg.range.lowerBound
                    if p < starts[l] || (l + 8 < starts.count && starts[l + 8] <= p) { l = doc.source.lineIndex(of: p) }
                    while l + 1 < starts.count && starts[l + 1] <= p { l += 1 }
                    if lines[l] { kept.append(seg) }
                }
                v = kept
            }
            segmentsByCode[code] = v
            return v
        }
        let hasOthers = other && others.contains { !lineLocal[$0] }
        if local {
            // Line-local checks over chunks of segments, on several cores for a large document.
            var lists: [[Segment]] = []
            for code in localCodes { lists.append(segments(code)) }
            let bytes = lists.first.map { $0.reduce(0) { $0 + $1.range.count } } ?? 0
            // The whole-text checks run as more tasks beside the chunks (first: they are the longest), and the
            // chunks are smaller then, so that the cores finish together. With `lines`, the whole-text checks read
            // the whole text while the line-local ones may read little: the size of the text decides.
            // Eight chunks per core: with four, the last chunk of a 25 MB page (9% of it) kept one core busy for
            // 8 ms after the other had run out of work, at the end of each lint of `--fix` (16 chunks: `--fix`
            // 258.9 → 248.4 ms median, 24 alternating runs each; 32 chunks no better).
            let withOthers = hasOthers && Parallel.chunks(forBytes: lines == nil ? bytes : doc.bytes.count) > 1
            let n = Parallel.chunks(forBytes: bytes, perCore: withOthers ? 8 : 1)
            if n <= 1 && !withOthers {
                scanLocal(doc, segments, texts: sharedTexts, into: &findings)
            } else {
                // Cut the text at n - 1 offsets; a segment goes to the chunk its start is in (each list keeps its
                // order within a chunk; findings are sorted afterwards anyway). The offsets share out the bytes of
                // the segments read, not of the text: a re-lint's touched lines may all lie in one part of it (the
                // fixer's third pass on web news: 3.5 MB of 921 lines, most in one chunk, one core idle).
                let cuts = lines == nil ? (1..<max(1, n)).map { Linter.cutShare($0, of: n, doc.bytes.count) } : Linter.balancedCuts(lists.first ?? [], bytes, n)
                // Each chunk's list is copied by its own task: the segments in text order (all but a few of inline
                // roles, at the end) go to the chunks in runs, found by a binary search per cut (sharing out 50,000
                // segments one append at a time was 2–3 ms of one core before every lint of a large page).
                var byCode: [Bool: ChunkedSegments] = [:]
                for code in [false, true] {
                    guard let list = segmentsByCode[code] else { continue }
                    byCode[code] = ChunkedSegments(list, cuts: cuts)
                }
                let groups = withOthers ? otherGroups : []
                if withOthers {
                    for i in others where !lineLocal[i] { _ = whole(rules[i].scope.contains(.code)) }
                }
                let wholeSegments = wholeByCode
                let extra = groups.count
                let results = Parallel.map(n + extra) { k -> [Finding] in
                    var out: [Finding] = []
                    if k < extra {
                        let members = groups[k]
                        runOthers(doc, { wholeSegments[$0] ?? [] }, { members.contains($0) }, cache: cache, into: &out)
                    } else {
                        let plain = byCode[false]?.chunk(k - extra) ?? [], code = byCode[true]?.chunk(k - extra) ?? []
                        scanLocal(doc, { $0 ? code : plain }, into: &out)
                    }
                    return out
                }
                if withOthers {
                    // One list for the whole-text checks, as one run of them gives (each rule's findings in the
                    // order its check made them: ties between rules are broken by rule, not by this order).
                    findings = Array(results[..<extra].joined())
                    found = Array(results[extra...])
                    found.append(findings)
                    return found
                }
                found = results
            }
        }
        if hasOthers && !local && otherGroups.count > 1 && Parallel.chunks(forBytes: doc.bytes.count) > 1 {
            // The whole-text checks alone: their groups at once.
            for i in others where !lineLocal[i] { _ = whole(rules[i].scope.contains(.code)) }
            let wholeSegments = wholeByCode, groups = otherGroups
            let results = Parallel.map(groups.count) { k -> [Finding] in
                var out: [Finding] = []
                runOthers(doc, { wholeSegments[$0] ?? [] }, { groups[k].contains($0) }, cache: cache, into: &out)
                return out
            }
            found.append(Array(results.joined()))
            return found
        }
        if other { runOthers(doc, whole, { !lineLocal[$0] }, cache: cache, texts: sharedTexts, into: &findings) }
        found.append(findings)
        return found
    }

    /// How many of `total` bytes go before cut `k` of a text cut into `n` chunks. The chunks shrink from the first to
    /// the last (weights n + 2, n + 1, …, 3): the cores take the tasks in order, so the last ones taken are the
    /// shortest and the cores finish nearer together. With equal chunks a core waited for most of the last one at the
    /// end of the first lint of a 25 MB page (12–16 ms of one core's time under `perf`; 7–8 with weights 2n … n + 1
    /// in eight chunks, 4 in sixteen; the last of sixteen chunks is now 1.8% of the text, not 4.3%).
    @inline(__always) static func cutShare(_ k: Int, of n: Int, _ total: Int) -> Int {
        // Σ (n + 2 − j) for j < k is (n + 2)k − k(k − 1)/2; for all n chunks, n(n + 5)/2.
        total * ((n + 2) * k - k * (k - 1) / 2) / (n * (n + 5) / 2)
    }

    /// `n - 1` offsets that cut `segments` (in text order, but for a few inline ones) into runs of shrinking size
    /// (`cutShare`): the start of the segment at which the bytes before it pass each share.
    static func balancedCuts(_ segments: [Segment], _ total: Int, _ n: Int) -> [Int] {
        var cuts: [Int] = []
        guard n > 1 else { return cuts }
        var sum = 0
        for seg in segments {
            while cuts.count < n - 1 && sum >= cutShare(cuts.count + 1, of: n, total) { cuts.append(seg.range.lowerBound) }
            sum += seg.range.count
        }
        // Offsets increase (a segment of an inline role may start before the one before it): each at least the last.
        for k in cuts.indices.dropFirst() where cuts[k] < cuts[k - 1] { cuts[k] = cuts[k - 1] }
        while cuts.count < n - 1 { cuts.append(Int.max) }
        return cuts
    }

    /// The checks other than boundary and phrase rules that `pick` selects, each over its segments.
    private func runOthers(_ doc: Document, _ segments: (Bool) -> [Segment], _ pick: (Int) -> Bool, cache: CheckCache = CheckCache(),
                           texts sharedTexts: SharedTexts? = nil, into findings: inout [Finding]) {
        // The segment texts (and their trigger scans) the line-local checks already made, when given.
        var texts: [Bool: SegmentTexts] = sharedTexts?.byCode ?? [:]
        defer { sharedTexts?.byCode = texts }
        // One context per segment list (with or without code), passed from rule to rule with the rule's fields set:
        // on a folder of small files a context per rule and document was a tenth of the samples (retains and
        // releases of the fields every rule shares).
        var contexts: [CheckContext] = []
        var slot = [-1, -1]
        var shared: SharedDocument?
        func run(_ i: Int, _ ctx: inout CheckContext) {
            ctx.ruleIndex = i
            ctx.fixSafety = rules[i].fixSafety
            ctx.messageIndex = i
            ctx.scope = rules[i].scope
            rules[i].check.run(ctx, into: &findings)
        }
        for i in others where pick(i) {
            let code = rules[i].scope.contains(.code)
            let k = code ? 1 : 0
            if slot[k] < 0 {
                let segs = segments(code)
                let t = texts[code] ?? SegmentTexts(document: doc, segments: segs)
                texts[code] = t
                let s = shared ?? SharedDocument(doc)
                shared = s
                slot[k] = contexts.count
                contexts.append(CheckContext(shared: s, ruleIndex: i, fixSafety: rules[i].fixSafety, messages: messages, messageIndex: i,
                                             scope: rules[i].scope, allSegments: segs, texts: t, cache: cache, names: names,
                                             triggers: triggerScan))
            }
            run(i, &contexts[slot[k]])
        }
    }

    /// The line-local checks over the segments `segments(code)` gives.
    private func scanLocal(_ doc: Document, _ segments: (Bool) -> [Segment], texts: SharedTexts? = nil, into findings: inout [Finding]) {
        // By index: iterating the tuples copied each scanner (a reference count of each of its tables).
        for g in boundaryGroups.indices { boundaryGroups[g].1.scan(doc, segments(boundaryGroups[g].0.contains(.code)), into: &findings) }
        for g in phraseGroups.indices { phraseGroups[g].1.scan(doc, segments(phraseGroups[g].0.contains(.code)), into: &findings) }
        runOthers(doc, segments, { lineLocal[$0] }, texts: texts, into: &findings)
    }
}

/// A list of segments shared out to chunks cut at byte offsets: chunk `k` holds, in the list's order, the segments
/// that start at or after cut `k - 1` and before cut `k`.
struct ChunkedSegments: Sendable {
    let list: [Segment]
    /// Where each chunk's run of the list's sorted prefix starts (`count + 1` bounds).
    let bounds: [Int]
    /// The segments after the sorted prefix (those of inline roles), by chunk.
    let tail: [[Segment]]

    init(_ list: [Segment], cuts: [Int]) {
        self.list = list
        // The prefix whose starts never decrease (the segments of the lines, in text order).
        var sorted = 0
        list.withUnsafeBufferPointer { s in
            sorted = s.count
            for i in s.indices.dropFirst() where s[i].range.lowerBound < s[i - 1].range.lowerBound { sorted = i; break }
        }
        var bounds = [0]
        bounds.reserveCapacity(cuts.count + 2)
        for cut in cuts {
            // The first segment of the prefix (from the last bound on) that starts at or after the cut.
            var lo = bounds[bounds.count - 1], hi = sorted
            while lo < hi {
                let mid = (lo + hi) / 2
                if list[mid].range.lowerBound < cut { lo = mid + 1 } else { hi = mid }
            }
            bounds.append(lo)
        }
        bounds.append(sorted)
        self.bounds = bounds
        var tail = [[Segment]](repeating: [], count: cuts.count + 1)
        for seg in list[sorted...] {
            var k = 0
            while k < cuts.count && cuts[k] <= seg.range.lowerBound { k += 1 }
            tail[k].append(seg)
        }
        self.tail = tail
    }

    /// Chunk `k`'s segments.
    func chunk(_ k: Int) -> [Segment] {
        var out: [Segment] = []
        out.reserveCapacity(bounds[k + 1] - bounds[k] + tail[k].count)
        out += list[bounds[k]..<bounds[k + 1]]
        out += tail[k]
        return out
    }
}

/// See `Linter.fixSplit(allowUnsafe:)`.
public struct FixSplit: Sendable {
    public let fixing: Linter
    public let rest: Linter
    let toFull: [Int]
    let restToFull: [Int]
}

/// The two fix splits of a linter (safe fixes only; with unsafe ones), each built once.
final class FixSplitCache: @unchecked Sendable {
    private let lock = NSLock()
    private var built: [Bool: FixSplit?] = [:]

    func get(_ allowUnsafe: Bool, _ make: () -> FixSplit?) -> FixSplit? {
        lock.lock()
        defer { lock.unlock() }
        if let v = built[allowUnsafe] { return v }
        let v = make()
        built[allowUnsafe] = .some(v)
        return v
    }
}

/// In-document disables: which diagnostics they suppress, and which directives suppress nothing.
enum Suppression {
    /// A byte range where some rules are off: `rules` (ids or pack prefixes; empty = all), minus `except`
    /// (rules re-enabled inside a broader disable, e.g. `disable spacing` … `enable spacing.han-digit`).
    struct Region {
        var directive: Int
        var rules: [String]
        var except: [String] = []
        var range: Range<Int>

        func covers(_ id: String) -> Bool {
            (rules.isEmpty || rules.contains { Suppression.matches(id, $0) }) && !except.contains { Suppression.matches(id, $0) }
        }
    }

    /// `id` is `pattern` or a rule of the pack `pattern`.
    static func matches(_ id: String, _ pattern: String) -> Bool { id == pattern || id.hasPrefix(pattern + ".") }

    static func regions(_ doc: Document) -> [Region] {
        let src = doc.source
        var out: [Region] = []
        var open: [(directive: Int, rules: [String], except: [String], start: Int)] = []
        func lineRange(_ l: Int) -> Range<Int> {
            let c = src.lineContent(l)
            return src.lineStarts[l]..<c.upperBound
        }
        func isBlank(_ l: Int) -> Bool { src.bytes[src.lineContent(l)].allSatisfy { $0 == 0x20 || $0 == 0x09 } }
        for (k, d) in doc.directives.enumerated() {
            switch d.kind {
            case .disable:
                open.append((k, d.rules, [], d.range.upperBound))
            case .enable:
                var remaining: [(directive: Int, rules: [String], except: [String], start: Int)] = []
                for o in open {
                    let region = Region(directive: o.directive, rules: o.rules, except: o.except, range: o.start..<d.range.lowerBound)
                    if d.rules.isEmpty { out.append(region); continue }
                    // Which of the re-enabled ids does this region cover?
                    let touched = d.rules.filter { id in region.covers(id) || o.rules.contains(where: { p in matches(p, id) }) }
                    if touched.isEmpty { remaining.append(o); continue }
                    out.append(region)
                    // Patterns that the enable names (or that lie inside a pack it names) end here; a broader pattern
                    // goes on with the re-enabled ids as exceptions.
                    let rest = o.rules.filter { p in !d.rules.contains { matches(p, $0) } }
                    let newExcept = o.except + touched.filter { e in rest.isEmpty ? o.rules.isEmpty : rest.contains { matches(e, $0) } }
                    if o.rules.isEmpty || !rest.isEmpty {
                        remaining.append((o.directive, o.rules.isEmpty ? [] : rest, newExcept, d.range.upperBound))
                    }
                }
                open = remaining
            case .disableLine:
                let first = src.lineIndex(of: d.range.lowerBound), last = src.lineIndex(of: max(d.range.lowerBound, d.range.upperBound - 1))
                out.append(Region(directive: k, rules: d.rules, range: src.lineStarts[first]..<lineRange(last).upperBound))
            case .disableNextLine:
                var l = src.lineIndex(of: max(d.range.lowerBound, d.range.upperBound - 1)) + 1
                while l < src.lineCount && isBlank(l) { l += 1 }
                if l < src.lineCount { out.append(Region(directive: k, rules: d.rules, range: lineRange(l))) }
            }
        }
        for o in open { out.append(Region(directive: o.directive, rules: o.rules, except: o.except, range: o.start..<(src.bytes.count + 1))) }
        return out
    }

    static func apply(doc: Document, diagnostics: [Diagnostic], unusedSeverity: Severity?, knownIDs: Set<String>) -> [Diagnostic] {
        let regions = regions(doc)
        var used = [Bool](repeating: false, count: doc.directives.count)
        var kept: [Diagnostic] = []
        kept.reserveCapacity(diagnostics.count)
        for d in diagnostics {
            var suppressed = false
            for r in regions where r.range.contains(d.range.lowerBound) {
                if r.covers(d.ruleID) {
                    used[r.directive] = true
                    suppressed = true
                }
            }
            if !suppressed { kept.append(d) }
        }
        guard let sev = unusedSeverity else { return kept }
        for (k, dir) in doc.directives.enumerated() where dir.kind != .enable && !used[k] {
            let unknown = dir.rules.filter { id in !knownIDs.contains(id) && !knownIDs.contains(where: { $0.hasPrefix(id + ".") }) }
            let message: String
            if let u = unknown.first {
                message = "禁用注释中的规则“\(u)”不存在"
            } else {
                message = "禁用注释没有抑制任何问题，可以删除"
            }
            kept.append(Diagnostic(ruleID: "copydesk.unused-disable", severity: sev, message: message, range: dir.range, fix: nil))
        }
        return kept
    }
}

/// A list of findings that one thread of `convertInHalves` takes findings out of while another reads other lists.
private final class FindingListBox: @unchecked Sendable {
    var items: [Finding] = []
}
