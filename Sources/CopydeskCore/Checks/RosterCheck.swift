/// `kind: roster`: checks against the newsroom's roster (`roster:` in `.lintrc.yml`, `Names/Roster.swift`). Without
/// a roster they report nothing. The publication date: a document's front matter `date`, else `--date`, else today.
/// `check:` picks one:
///
///   - `title`: a rostered person's title that is none of their titles (matched by post: `市长` for a 市委书记), or
///     that is not valid on the date (`valid-to` passed and no `原`/`前`; `valid-from` not reached).
///   - `first-mention`: the first mention of a leader whose policy is `title-required` in an article's body, with
///     no title before it (a leader list, `市领导X`, counts as introduced).
///   - `near-miss`: a string at a name position one character away from a rostered name or alias (people and
///     staff), same surname and length: `章旭生` → `章旭升`.
///   - `order`: a list of rostered leaders (`市领导A、B、C`) not in rank order on the date; the message gives the
///     expected order.
///   - `title-join`: titles of one person joined with `，` (fix: `、`), or not in the person's `title-order`.
///   - `space-in-name`: a rostered name with a space inside (`陈 晓苏`); the fix deletes it (safe).
///   - `watchlist`: a name on the watch list, with its note and its own severity.
public struct RosterCheck: Check {
    enum Kind: String, CaseIterable {
        case title, firstMention = "first-mention", nearMiss = "near-miss", order, titleJoin = "title-join"
        case spaceInName = "space-in-name", watchlist
    }
    let kind: Kind
    static let keys: Set<String> = ["check"]

    init(_ m: StrictMapping) throws {
        kind = Kind(rawValue: try m.required("check").choice("check", Kind.allCases.map(\.rawValue)))!
    }

    /// The publication date of a document: front matter `date`, else the run's, else today.
    static func date(_ context: CheckContext) -> Day {
        let doc = context.document
        for f in doc.structure.frontMatter where f.key == "date" {
            if let d = Day.parse(doc.source.string(f.value)) { return d }
        }
        return context.names.date ?? Day.today()
    }

    public func run(_ context: CheckContext, into findings: inout [Finding]) {
        guard let roster = context.names.roster, !(roster.people.isEmpty && roster.staff.isEmpty && roster.watchlist.isEmpty) else { return }
        let an = NameAnalysis.of(context)
        let scope = context.scope
        let lex = context.names.lexicon
        func add(_ r: Range<Int>, _ values: [String: String], _ fix: Fix? = nil, severity: Severity? = nil) {
            var f = Finding(rule: context.ruleIndex, range: r, message: substitute(context.message, values), fix: fix)
            f.severity = severity
            findings.append(f)
        }
        func inScope(_ m: NameExtractor.Mention) -> Bool { !m.role.isDisjoint(with: scope) }
        func scalars(_ s: String) -> [UInt32] { s.unicodeScalars.map(\.value) }
        func coreOf(_ title: String) -> String {
            String(String.UnicodeScalarView(lex.core(of: scalars(title)).compactMap(Unicode.Scalar.init)))
        }
        /// The positions of `p` whose post fits the title as written.
        func matching(_ p: Roster.Person, _ t: NameExtractor.Title) -> [Roster.Position] {
            p.positions.filter { pos in
                pos.forms.contains { f in f == t.text || t.text.hasSuffix(f) || f.hasSuffix(t.text) || NameExtractor.compatible(coreOf(f), t.core) && coreOf(f) == t.core }
            }
        }
        let day = Self.date(context)
        switch kind {
        case .title:
            for m in an.mentions where inScope(m) {
                guard let p = roster.person(m.name), !p.positions.isEmpty else { continue }
                for t in m.titles {
                    let fits = matching(p, t)
                    let valid = p.positions.filter { $0.valid(on: day) }.map(\.title)
                    if fits.isEmpty {
                        add(t.range, ["match": t.text, "name": p.name, "replacement": valid.isEmpty ? p.positions.map(\.title).joined(separator: "、") : valid.joined(separator: "、"),
                                      "why": "名册中的职务为"])
                    } else if !t.former && !fits.contains(where: { $0.valid(on: day) }) {
                        let ended = fits.contains { $0.validTo.map { $0 < day } ?? false }
                        add(t.range, ["match": t.text, "name": p.name, "replacement": ended ? "原" + t.text : (valid.isEmpty ? "—" : valid.joined(separator: "、")),
                                      "why": ended ? "\(day)已卸任，应写作" : "\(day)尚未任职，名册中的现职为"])
                    }
                }
            }
        case .firstMention:
            let leaders = roster.people.filter { $0.kind == .leader && $0.mention == .titleRequired }
            guard !leaders.isEmpty else { return }
            let introduced = an.mentions.filter { !$0.titles.isEmpty || $0.anchor == .list }
            for p in leaders {
                var done: Set<Int> = []
                for n in [p.name] + p.aliases {
                    for i in an.occurrences(scalars(n)) {
                        let off = an.stream.offsets[i]
                        let a = an.article(ofOffset: off)
                        guard !done.contains(a), an.stream.role[i] == .body || an.stream.role[i] == .dateline else { continue }
                        guard an.namePositionBefore(i), an.boundaryAt(i + n.unicodeScalars.count) else { continue }
                        done.insert(a)
                        let ok = introduced.contains { $0.range.lowerBound == off }
                        if !ok && !an.stream.role[i].isDisjoint(with: scope) {
                            let title = p.positions.first { $0.valid(on: day) }?.title ?? p.positions.first?.title ?? ""
                            add(off..<an.stream.ends[i + n.unicodeScalars.count - 1], ["match": n, "name": p.name, "replacement": title])
                        }
                    }
                }
            }
        case .nearMiss:
            let names = roster.people.flatMap { [$0.name] + $0.aliases } + roster.staff.map(\.name)
            for miss in an.nearMisses(of: names.map(scalars), skipKnown: true) where !an.stream.role[miss.index].isDisjoint(with: scope) {
                add(miss.range, ["match": miss.found, "replacement": miss.meant])
            }
            // Two-character names after a title or in a list: a mention not in the roster, one character away.
            let twos = Set(names.filter { $0.unicodeScalars.count == 2 })
            for m in an.mentions where inScope(m) && m.nameScalars.count == 2 && roster.person(m.name) == nil {
                if let near = twos.first(where: { editDistance($0, m.name) == 1 && $0.unicodeScalars.first == m.name.unicodeScalars.first }) {
                    add(m.range, ["match": m.name, "replacement": near])
                }
            }
        case .order:
            var lists: [Int: [NameExtractor.Mention]] = [:]
            for m in an.mentions where m.list != nil && inScope(m) { lists[m.list!, default: []].append(m) }
            for (_, list) in lists.sorted(by: { $0.key < $1.key }) {
                let ranked = list.compactMap { m -> (NameExtractor.Mention, Int)? in roster.person(m.name)?.rank(on: day).map { (m, $0) } }
                guard ranked.count >= 2 else { continue }
                let expected = ranked.sorted { $0.1 < $1.1 }
                guard expected.map(\.0.name) != ranked.map(\.0.name) else { continue }
                add(list.first!.range.lowerBound..<list.last!.range.upperBound,
                    ["match": ranked.map(\.0.name).joined(separator: "、"), "replacement": expected.map(\.0.name).joined(separator: "、")])
            }
        case .titleJoin:
            let s = an.stream.s
            for m in an.mentions where inScope(m) {
                guard let p = roster.person(m.name), let first = m.titles.first else { continue }
                // `纪委书记，监委主任沈晓红`: a title of the person ends right before a comma before the chain.
                if let k = an.stream.offsets.firstIndex(of: first.range.lowerBound), k >= 2, s[k - 1] == 0xFF0C {
                    var j = k - 1
                    var back = 0
                    while j > 0 && NameExtractor.isHan(s[j - 1]) && back < 12 { j -= 1; back += 1 }
                    let before = String(String.UnicodeScalarView(s[j..<(k - 1)].compactMap(Unicode.Scalar.init)))
                    let core = coreOf(before)
                    if !core.isEmpty, p.positions.contains(where: { pos in pos.forms.contains { coreOf($0) == core } }) {
                        let r = an.stream.offsets[k - 1]..<an.stream.ends[k - 1]
                        add(r, ["match": "，", "replacement": "、", "name": p.name],
                            context.fixSafety == .none ? nil : Fix(edit: Edit(range: r, replacement: "、"), safety: context.fixSafety))
                    }
                }
                guard !p.titleOrder.isEmpty, m.titles.count >= 2 else { continue }
                let idx = m.titles.map { t in p.titleOrder.firstIndex { t.text == $0 || t.text.hasSuffix($0) || $0.hasSuffix(t.text) } }
                let known = idx.compactMap { $0 }
                if known.count >= 2 && known != known.sorted() {
                    let order = m.titles.sorted { (p.titleOrder.firstIndex(of: $0.text) ?? 99) < (p.titleOrder.firstIndex(of: $1.text) ?? 99) }
                    add(m.titles.first!.range.lowerBound..<m.titles.last!.range.upperBound,
                        ["match": m.titles.map(\.text).joined(separator: "、"), "replacement": order.map(\.text).joined(separator: "、"), "name": p.name])
                }
            }
        case .spaceInName:
            let names = roster.people.flatMap { [$0.name] + $0.aliases } + roster.staff.map(\.name)
            for hit in an.spaced(names.map(scalars)) where !an.stream.role[an.stream.offsets.firstIndex(of: hit.range.lowerBound) ?? 0].isDisjoint(with: scope) {
                add(hit.space, ["match": hit.name, "name": hit.name],
                    context.fixSafety == .none ? nil : Fix(edit: Edit(range: hit.space, replacement: ""), safety: context.fixSafety))
            }
        case .watchlist:
            for w in roster.watchlist {
                let n = scalars(w.name)
                for i in an.occurrences(n) where !an.stream.role[i].isDisjoint(with: scope) {
                    add(an.stream.offsets[i]..<an.stream.ends[i + n.count - 1], ["match": w.name, "name": w.name, "note": w.note ?? ""], severity: w.severity)
                }
            }
        }
    }
}
