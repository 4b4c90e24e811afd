/// `kind: roster`: checks against the newsroom's roster (`roster:` in `.lintrc.yml`, `Names/Roster.swift`). Without
/// a roster they report nothing. The publication date: a document's front matter `date`, else `--date`, else today.
/// `check:` picks one:
///
///   - `title`: a rostered person's title that is none of their titles (matched by post: `市长` for a 市委书记), or
///     that is not valid on the date (`valid-to` passed and no `原`/`前`; `valid-from` not reached).
///   - `first-mention`: the first mention of a leader whose policy is `title-required` in an article's body, with
///     no title before it (a leader list, `市领导X`, counts as introduced).
///   - `near-miss`: a string at a name position one character away from a rostered name or alias (people and
///     staff), same length, with evidence of a slip: the differing character reads the same (toneless pinyin,
///     `Pinyin`: `章旭生`, `张旭升`, `湖勇春` for 胡勇春 — the first character may differ for names of three or more),
///     or the title before it is the person's own with its organisation (`市委书记章旭全`). Not when the article gives
///     the string another title or writes it twice without the rostered name (another person); credit names are
///     compared with staff only; `X某` is never a candidate. See `nearMiss`.
///   - `order`: a list of rostered leaders (`市领导A、B、C`) not in rank order on the date; the message gives the
///     expected order.
///   - `title-join`: titles of one person joined with `，` (fix: `、`), or not in the person's `title-order`.
///   - `space-in-name`: a rostered name with a space inside (`陈 晓苏`); the fix deletes it (safe).
///   - `watchlist`: a name on the watch list, with its note and its own severity.
///   - `unknown-staff`: a name in a credit (`本报记者 X`, `（记者 X）`, `X 摄`) that is not on the roster's staff list
///     (nor a rostered person), when the roster lists staff; credits of other outlets (`other-outlets`) and near misses
///     of staff names (`near-miss` reports those) are left out.
public struct RosterCheck: Check {
    enum Kind: String, CaseIterable {
        case title, firstMention = "first-mention", nearMiss = "near-miss", order, titleJoin = "title-join"
        case spaceInName = "space-in-name", watchlist, unknownStaff = "unknown-staff"
    }
    let kind: Kind
    /// Outlets whose credits name no staff of the newsroom (`新华社记者 X`): `near-miss` and `unknown-staff` skip them.
    var otherOutlets = ["新华社", "中新社", "人民日报", "光明日报", "经济日报", "中国日报", "央视", "中央广播电视总台", "据"]
    static let keys: Set<String> = ["check", "other-outlets"]

    init(_ m: StrictMapping) throws {
        kind = Kind(rawValue: try m.required("check").choice("check", Kind.allCases.map(\.rawValue)))!
        if let n = m["other-outlets"] {
            guard kind == .unknownStaff || kind == .nearMiss else { throw ConfigError(n.mark, "'other-outlets' is an option of check: unknown-staff and near-miss") }
            otherOutlets = try n.list("other-outlets").map { try $0.string("an outlet") }
        }
    }

    static let streetEnds: Set<UInt32> = Set("路街巷道弄号桥湖江河山".unicodeScalars.map(\.value))

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
        func string(_ v: [UInt32]) -> String { String(String.UnicodeScalarView(v.compactMap(Unicode.Scalar.init))) }
        func coreOf(_ title: String) -> String {
            String(String.UnicodeScalarView(lex.core(of: scalars(title)).compactMap(Unicode.Scalar.init)))
        }
        /// The positions of `p` whose post fits the title as written, and whose organisation (`org:`, else the one the
        /// roster's title names: `金华市委常委`) fits the organisation written before the post (`NameExtractor.sameOrg`:
        /// `金华纪委书记` for 金华市纪委, `市委书记` for 中共永康市委; not `永康市委书记` for 中共金华市委).
        func matching(_ p: Roster.Person, _ t: NameExtractor.Title) -> [Roster.Position] {
            p.positions.filter { pos in
                pos.forms.contains { f in
                    if f == t.text { return true }
                    guard t.text.hasSuffix(f) || f.hasSuffix(t.text) || NameExtractor.compatible(coreOf(f), t.core) && coreOf(f) == t.core else { return false }
                    let fCore = coreOf(f)
                    let named = f.hasSuffix(fCore) ? String(f.dropLast(fCore.count)) : ""
                    // A roster title names its organisation when it names a place (`金华市委常委`; not `常务副市长`).
                    let place = Array(named).enumerated().contains { $0.offset >= 2 && NameExtractor.levels.contains($0.element) }
                    guard let org = pos.org ?? (place && !NameExtractor.levels.contains(named.first!) ? named : nil) else { return true }
                    let written = t.text.hasSuffix(t.core) ? String(t.text.dropLast(t.core.count)) : ""
                    return NameExtractor.sameOrg(written, org)
                }
            }
        }
        let day = Self.date(context)
        switch kind {
        case .title:
            /// A title none of the person's positions fits is reported, unless another title of the same chain fits
            /// (`中共中央政治局委员、中央纪委副书记X`: a roster lists some of a person's posts, not all) or it is a
            /// former post (`原党委书记、主席X`: past posts are seldom on a roster).
            func judge(_ p: Roster.Person, _ titles: [NameExtractor.Title]) {
                let chainFits = titles.contains { !matching(p, $0).isEmpty }
                for t in titles {
                    let fits = matching(p, t)
                    let valid = p.positions.filter { $0.valid(on: day) }.map(\.title)
                    if fits.isEmpty {
                        if chainFits || t.former { continue }
                        add(t.range, ["match": t.text, "name": p.name, "replacement": valid.isEmpty ? p.positions.map(\.title).joined(separator: "、") : valid.joined(separator: "、"),
                                      "why": "名册中的职务为"])
                    } else if !t.former && !fits.contains(where: { $0.valid(on: day) }) {
                        let ended = fits.contains { $0.validTo.map { $0 < day } ?? false }
                        add(t.range, ["match": t.text, "name": p.name, "replacement": ended ? "原" + t.text : (valid.isEmpty ? "—" : valid.joined(separator: "、")),
                                      "why": ended ? "\(day)已卸任，应写作" : "\(day)尚未任职，名册中的现职为"])
                    }
                }
            }
            var seen: Set<Int> = []
            for m in an.mentions where inScope(m) {
                seen.insert(m.range.lowerBound)
                guard let p = roster.person(m.name), !p.positions.isEmpty else { continue }
                judge(p, m.titles)
            }
            // A rostered name anywhere in the text (the phrase automaton over names and aliases) with a title right
            // before it, where the extractor found no name (no boundary word after it: `市长章旭升关切询问`).
            guard let rn = context.names.rosterNames else { break }
            let s = an.stream.s
            var ms: [AhoCorasick.Match] = []
            context.document.source.bytes.withUnsafeBufferPointer { p in
                for (_, seg) in context.segments { rn.automaton.allMatches(in: p, range: seg.range, into: &ms) }
            }
            for hit in ms where !seen.contains(hit.range.lowerBound) {
                let i = NameExtractor.index(an.stream, hit.range.lowerBound)
                let n = scalars(rn.names[hit.pattern])
                guard i < s.count, an.stream.offsets[i] == hit.range.lowerBound, i + n.count <= s.count,
                      s[i..<(i + n.count)].elementsEqual(n), an.postBefore(i) else { continue }
                // Not inside a longer word: a two-character name ends at a boundary; a longer one at least not before
                // a place suffix (`江华县`, `蒋华蒙市`).
                let e = i + n.count
                if n.count < 3 ? !an.boundaryAt(e) : (e < s.count && NameExtractor.place.contains(s[e])) { continue }
                // A name that ends like a place or a street (`区长|江西路`) is read as one only by the extractor's rules.
                if NameExtractor.place.contains(n[n.count - 1]) || Self.streetEnds.contains(n[n.count - 1]) { continue }
                guard let p = roster.person(rn.names[hit.pattern]), !p.positions.isEmpty else { continue }
                seen.insert(hit.range.lowerBound)
                judge(p, an.titles(endingBefore: i))
            }
        case .firstMention:
            let leaders = roster.people.filter { $0.kind == .leader && $0.mention == .titleRequired }
            guard !leaders.isEmpty else { return }
            let introduced = an.mentions.filter { !$0.titles.isEmpty || $0.anchor == .list }
            for p in leaders {
                // The occurrences of the name and its aliases in text order: the first one in each article's body
                // (headlines are skipped: a headline names a leader without a title as a rule) must be introduced.
                var hits: [(i: Int, n: Int, name: String)] = []
                for n in [p.name] + p.aliases {
                    let sc = scalars(n)
                    for i in an.occurrences(sc) { hits.append((i, sc.count, n)) }
                }
                hits.sort { $0.i < $1.i }
                var done: Set<Int> = []
                for h in hits {
                    let off = an.stream.offsets[h.i]
                    let a = an.article(ofOffset: off)
                    guard !done.contains(a), an.stream.role[h.i].contains(.body) || an.stream.role[h.i].contains(.dateline),
                          !an.stream.role[h.i].contains(.headline) else { continue }
                    guard an.namePositionBefore(h.i), an.boundaryAt(h.i + h.n) else { continue }
                    done.insert(a)
                    let ok = introduced.contains { $0.range.lowerBound == off }
                    if !ok && !an.stream.role[h.i].isDisjoint(with: scope) {
                        let title = p.positions.first { $0.valid(on: day) }?.title ?? p.positions.first?.title ?? ""
                        add(off..<an.stream.ends[h.i + h.n - 1], ["match": h.name, "name": p.name, "replacement": title])
                    }
                }
            }
        case .nearMiss:
            nearMiss(context, an, roster, add: { add($0, $1) })
        case .unknownStaff:
            guard !roster.staff.isEmpty, !scope.isDisjoint(with: [.byline]) else { return }
            let staff = Set(roster.staff.map(\.name))
            let people = Set(roster.people.flatMap { [$0.name] + $0.aliases })
            let all = roster.staff.map { scalars($0.name) }
            for b in BylineNames.names(context.document, otherOutlets: otherOutlets) where b.own && !staff.contains(b.name) && !people.contains(b.name) && !b.scalars.contains(0x67D0) {
                // A near miss of a staff name is `near-miss`'s report.
                if all.contains(where: { $0.count == b.scalars.count && (zip($0, b.scalars).filter { $0 != $1 }.count == 1 || Pinyin.homophones($0, b.scalars, maxDiffering: 1)) }) { continue }
                add(b.range, ["match": b.name, "name": b.name])
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

    /// `near-miss`. A string one character away from a rostered name is reported only with evidence that it is a slip
    /// for that person and not someone else (a roster of many people holds many near names: `叶青`/`叶真`):
    ///   - the differing character reads the same (an input-method slip: `章旭生`, `张旭升`, `湖勇春` for 胡勇春), or
    ///   - the title right before it is one of the rostered person's, with its organisation (`市委书记章旭生` when
    ///     章旭升 is 市委书记: the person expected in this place, whatever the slip);
    /// and never when the same article gives the string a title that none of the person's positions fits, or writes
    /// it more than once without the rostered name (another person: a slip is a one-off), nor for `X某`.
    func nearMiss(_ context: CheckContext, _ an: NameAnalysis, _ roster: Roster, add: (Range<Int>, [String: String]) -> Void) {
        let scope = context.scope
        let lex = context.names.lexicon
        func scalars(_ s: String) -> [UInt32] { s.unicodeScalars.map(\.value) }
        func string(_ v: [UInt32]) -> String { String(String.UnicodeScalarView(v.compactMap(Unicode.Scalar.init))) }
        func coreOf(_ title: String) -> String { string(lex.core(of: scalars(title))) }
        let names = roster.people.flatMap { [$0.name] + $0.aliases } + roster.staff.map(\.name)
        let known = Set(names)
        // The forms of the posts (and staff roles) of each rostered name.
        var forms: [String: [String]] = [:]
        for p in roster.people { for n in [p.name] + p.aliases { forms[n, default: []] += p.positions.flatMap(\.forms) } }
        for st in roster.staff { forms[st.name, default: []] += st.roles }
        // Titled mentions per name and article: another person when none of their titles fits.
        var titled: [String: [(article: Int, titles: [NameExtractor.Title])]] = [:]
        for m in an.mentions where !m.titles.isEmpty { titled[m.name, default: []].append((an.article(ofLine: m.line), m.titles)) }
        func fitsLoosely(_ t: NameExtractor.Title, _ f: String) -> Bool {
            f == t.text || t.text.hasSuffix(f) || f.hasSuffix(t.text) || coreOf(f) == t.core
        }
        /// The title names the post with (part of) its organisation, not the bare post (`副市长` fits every 副市长).
        func fitsStrictly(_ t: NameExtractor.Title, _ f: String) -> Bool {
            guard NameExtractor.compatible(t.text, f) else { return false }   // 副大队长 is not 大队长
            return t.text.unicodeScalars.count <= f.unicodeScalars.count ? t.text != t.core : coreOf(f) != f
        }
        func why(found: [UInt32], meant: [UInt32], at i: Int?, offset: Int) -> String? {
            guard found.count == meant.count, !found.contains(0x67D0) else { return nil }
            let diff = (0..<found.count).filter { found[$0] != meant[$0] }
            guard diff.count == 1 else { return nil }
            let f = forms[string(meant)] ?? []
            let article = an.article(ofOffset: offset)
            if let list = titled[string(found)], list.contains(where: { $0.article == article && !$0.titles.contains { t in f.contains { fitsLoosely(t, $0) } } }) {
                return nil
            }
            var reason: String? = nil
            if lex.sameReading(found[diff[0]], meant[diff[0]]) { reason = "只差一个字且读音相同" }
            else if let i, an.titles(endingBefore: i).contains(where: { t in !t.former && f.contains { fitsStrictly(t, $0) } }) { reason = "只差一个字" }
            guard let reason else { return nil }
            // Written so more than once in the article and the rostered name not at all: what the writer means
            // (another person), not a slip.
            func count(_ n: [UInt32]) -> Int { an.occurrences(n).filter { an.article(ofOffset: an.stream.offsets[$0]) == article }.count }
            if count(found) >= 2 && count(meant) == 0 { return nil }
            return reason
        }
        var reported: Set<Int> = []
        let staffNames = Set(roster.staff.map(\.name))
        for miss in an.nearMisses(of: names.map(scalars), skipKnown: true, firstToo: true, afterPost: true) where !an.stream.role[miss.index].isDisjoint(with: scope) {
            if an.stream.role[miss.index].contains(.byline) && !staffNames.contains(miss.meant) { continue }
            guard let w = why(found: scalars(miss.found), meant: scalars(miss.meant), at: miss.index, offset: miss.range.lowerBound) else { continue }
            reported.insert(miss.range.lowerBound)
            add(miss.range, ["match": miss.found, "replacement": miss.meant, "why": w])
        }
        // Names at name positions that are not in the roster: after a title, in a list, in a credit (two-character
        // names, which `nearMisses` leaves out, and credit names).
        let bySize = Dictionary(grouping: names.map(scalars), by: \.count)
        // A name in a credit is compared with the staff only (a reporter is no slip for a leader).
        let staffBySize = Dictionary(grouping: roster.staff.map { scalars($0.name) }, by: \.count)
        var candidates: [(name: String, scalars: [UInt32], range: Range<Int>, credit: Bool)] = []
        for m in an.mentions where !m.role.isDisjoint(with: scope) { candidates.append((m.name, m.nameScalars, m.range, m.role.contains(.byline))) }
        if !scope.isDisjoint(with: [.byline]) {
            for b in BylineNames.names(context.document, otherOutlets: otherOutlets) where b.own { candidates.append((b.name, b.scalars, b.range, true)) }
        }
        for c in candidates where !known.contains(c.name) && !reported.contains(c.range.lowerBound) {
            guard let same = (c.credit ? staffBySize : bySize)[c.scalars.count] else { continue }
            let i = NameExtractor.index(an.stream, c.range.lowerBound)
            let at = i < an.stream.offsets.count && an.stream.offsets[i] == c.range.lowerBound ? i : nil
            for n in same {
                guard let w = why(found: c.scalars, meant: n, at: at, offset: c.range.lowerBound) else { continue }
                reported.insert(c.range.lowerBound)
                add(c.range, ["match": c.name, "replacement": string(n), "why": w])
                break
            }
        }
    }
}
