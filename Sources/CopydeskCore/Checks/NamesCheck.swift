/// `kind: names`: checks on title-anchored names that need no roster (`Names/`). Per article where the page has
/// articles (`Document.structure`), else per document. `check:` picks one:
///
///   - `two-titles`: one name given two titles in one article whose posts differ (not a short form of the other:
///     `市委书记`/`书记`; not one of the titles of a chain `市委副书记、市长X`; former titles `原…` left out). Reported
///     at the later title, naming the first.
///   - `near-miss`: a string at a name position that differs in one given-name character from a name of three or
///     more characters found after a title or in a leader list, when that name is at least `min-count` times
///     in the article and `ratio` times as frequent as the string (likely a typo: 章旭生 beside 章旭升 ×6).
///   - `space-in-name`: a space inside a name at a name position (`市委书记章 旭升`); the fix deletes it, safe only when
///     the same name stands without the space elsewhere in the document (clearly a name), else unsafe.
public struct NamesCheck: Check {
    enum Kind: String, CaseIterable { case twoTitles = "two-titles", nearMiss = "near-miss", spaceInName = "space-in-name" }
    let kind: Kind
    var minCount = 2
    var ratio = 3
    /// `two-titles`: `rank` reports only posts that are one office at two ranks (书记/副书记); `any` every two
    /// different posts (noisy on news that tells careers).
    var differ = "rank"

    static let keys: Set<String> = ["check", "min-count", "ratio", "differ"]

    init(_ m: StrictMapping) throws {
        kind = Kind(rawValue: try m.required("check").choice("check", Kind.allCases.map(\.rawValue)))!
        for key in ["min-count", "ratio"] where m[key] != nil && kind != .nearMiss {
            throw ConfigError(m[key]!.mark, "'\(key)' is an option of check: near-miss")
        }
        if let n = m["differ"] {
            guard kind == .twoTitles else { throw ConfigError(n.mark, "'differ' is an option of check: two-titles") }
            differ = try n.choice("differ", ["rank", "any"])
        }
        if let n = m["min-count"] {
            minCount = try n.int("min-count")
            guard minCount >= 1 else { throw ConfigError(n.mark, "'min-count' must be at least 1") }
        }
        if let n = m["ratio"] {
            ratio = try n.int("ratio")
            guard ratio >= 1 else { throw ConfigError(n.mark, "'ratio' must be at least 1") }
        }
    }

    public func run(_ context: CheckContext, into findings: inout [Finding]) {
        let an = NameAnalysis.of(context)
        let scope = context.scope
        let ms = an.mentions
        func add(_ r: Range<Int>, _ values: [String: String], _ fix: Fix? = nil) {
            findings.append(Finding(rule: context.ruleIndex, range: r, message: substitute(context.message, values), fix: fix))
        }
        switch kind {
        case .twoTitles:
            // Per article and name: the posts seen so far; a mention none of whose posts fits any of them is reported.
            var seen: [String: [(core: String, title: String)]] = [:]
            var art = Int.min
            for m in ms where !m.role.isDisjoint(with: scope) && m.anchor == .title {
                let a = an.article(ofLine: m.line)
                if a != art { seen = [:]; art = a }
                let current = m.titles.filter { !$0.former }
                guard !current.isEmpty else { continue }
                if let before = seen[m.name], !before.isEmpty {
                    let fits = current.contains { t in before.contains { NameExtractor.compatible($0.core, t.core) } }
                    let slip = differ == "any" || current.contains { t in before.contains { NameExtractor.rankVariants($0.core, t.core) } }
                    if !fits, slip, let t = current.last {
                        add(t.range, ["match": t.text, "name": m.name, "other": before[0].title])
                    }
                }
                seen[m.name, default: []] += current.map { ($0.core, $0.text) }
            }
        case .nearMiss:
            // Known names: three or more characters, after a title or in a list, per article.
            var byArticle: [Int: [String: [UInt32]]] = [:]
            for m in ms where m.nameScalars.count >= 3 && m.space == nil {
                byArticle[an.article(ofLine: m.line), default: [:]][m.name] = m.nameScalars
            }
            guard !byArticle.isEmpty else { return }
            var count: [String: [Int: Int]] = [:]   // name → article → occurrences
            func occurrences(_ n: [UInt32], _ name: String) -> [Int: Int] {
                if let c = count[name] { return c }
                var c: [Int: Int] = [:]
                for i in an.occurrences(n) { c[an.article(ofOffset: an.stream.offsets[i]), default: 0] += 1 }
                count[name] = c
                return c
            }
            let all = Array(Set(byArticle.values.flatMap { $0.values }))
            for miss in an.nearMisses(of: all.sorted { $0.lexicographicallyPrecedes($1) }, skipKnown: false) {
                guard !an.stream.role[miss.index].isDisjoint(with: scope) else { continue }
                let a = an.article(ofOffset: miss.range.lowerBound)
                guard let known = byArticle[a]?[miss.meant] else { continue }
                let n = occurrences(known, miss.meant)[a] ?? 0
                let v = occurrences(miss.found.unicodeScalars.map(\.value), miss.found)[a] ?? 0
                guard n >= minCount, n >= ratio * max(v, 1) else { continue }
                add(miss.range, ["match": miss.found, "replacement": miss.meant, "count": String(n)])
            }
        case .spaceInName:
            var plain: Set<String> = []
            for m in ms where m.space == nil { plain.insert(m.name) }
            for m in ms where m.space != nil && !m.role.isDisjoint(with: scope) {
                let sp = m.space!
                let clear = plain.contains(m.name) || an.occurrences(m.nameScalars).count > 0
                let safety: FixSafety = context.fixSafety == .none ? .none : (clear ? context.fixSafety : .unsafe)
                let fix = safety == .none ? nil : Fix(edit: Edit(range: sp, replacement: ""), safety: safety)
                add(sp, ["match": m.name, "name": m.name], fix)
            }
        }
    }
}
