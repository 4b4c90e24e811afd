/// The people of `copydesk names`: each name with its titles and where it stands, in order of first appearance.
public struct NameListing {
    public struct Entry {
        public var name: String
        /// Seen in a leader list (`市领导A、B`).
        public var inLeaderList = false
        /// Roles of the credits the name stands in (`融媒首席记者`), for the staff part of a starter roster.
        public var creditRoles: [String] = []
        /// Title (as written; `市领导` for a leader list) → places (`file:line`).
        public var titles: [(title: String, places: [String])] = []
    }
    public private(set) var entries: [Entry] = []
    private var index: [String: Int] = [:]
    public init() {}

    public mutating func add(_ mentions: [NameExtractor.Mention], file: String) {
        for m in mentions {
            let i = index[m.name] ?? { entries.append(Entry(name: m.name)); index[m.name] = entries.count - 1; return entries.count - 1 }()
            var titles = m.titles.map { $0.marker + $0.text }
            if titles.isEmpty { titles = ["（名单）"]; entries[i].inLeaderList = true }
            let title = titles.joined(separator: "、")
            let place = "\(file):\(m.line + 1)"
            if let k = entries[i].titles.firstIndex(where: { $0.title == title }) { entries[i].titles[k].places.append(place) }
            else { entries[i].titles.append((title, [place])) }
        }
    }

    /// Names in credits (`BylineNames`): listed with the credit's role (`署名：融媒首席记者`).
    public mutating func addCredits(_ names: [BylineNames.Name], file: String) {
        for n in names {
            let i = index[n.name] ?? { entries.append(Entry(name: n.name)); index[n.name] = entries.count - 1; return entries.count - 1 }()
            let title = "署名" + (n.role.isEmpty ? "" : "：" + n.role)
            if !n.role.isEmpty && !entries[i].creditRoles.contains(n.role) { entries[i].creditRoles.append(n.role) }
            let place = "\(file):\(n.line + 1)"
            if let k = entries[i].titles.firstIndex(where: { $0.title == title }) { entries[i].titles[k].places.append(place) }
            else { entries[i].titles.append((title, [place])) }
        }
    }

    /// Posts that make a starter entry a leader: party, government, congress and consultative posts, and any title
    /// of a government body (a guess for the editor to check; everyone else is `kind: other`).
    static let leaderMarks = ["书记", "市长", "县长", "区长", "省长", "州长", "镇长", "乡长", "部长", "厅长", "局长", "主席", "委员长",
                              "总理", "常委", "人大", "政协", "政府", "纪委", "监委", "党委", "党组"]

    /// `leader` (a leader list or a leader's post), `staff` (only in credits) or `other`.
    public static func kind(_ e: Entry) -> Roster.Kind {
        let titles = e.titles.map(\.title).filter { !$0.hasPrefix("署名") && $0 != "（名单）" }
        if e.inLeaderList || titles.contains(where: { t in leaderMarks.contains { t.contains($0) } }) { return .leader }
        if titles.isEmpty && !e.creditRoles.isEmpty { return .staff }
        return .other
    }

    public func text() -> String {
        var out = ""
        for e in entries {
            out += e.name + "\n"
            for t in e.titles { out += "  \(t.title)  \(t.places.joined(separator: ", "))\n" }
        }
        out += "\(entries.count) \(entries.count == 1 ? "person" : "people")\n"
        return out
    }

    /// A starter roster: people found after titles and in lists, `kind: leader` when a leader list or a leader's
    /// post names them (`kind`), else `kind: other`; people found only in credits go to `staff:` with their roles.
    public func yaml() -> String {
        var out = "# Starter roster written by `copydesk names --format yaml`: check every entry against official sources,\n"
        out += "# set rank (order in leader lists) and valid-from/valid-to, and delete what is not a person.\n"
        let staff = entries.filter { Self.kind($0) == .staff }
        out += "people:\n"
        var any = false
        for e in entries where Self.kind(e) != .staff {
            any = true
            out += "  - name: \(e.name)\n    kind: \(Self.kind(e).rawValue)\n"
            let titles = e.titles.filter { $0.title != "（名单）" && !$0.title.hasPrefix("署名") }.flatMap { $0.title.split(separator: "、").map(String.init) }
            var seen: [String] = []
            for t in titles where !seen.contains(t) { seen.append(t) }
            if seen.isEmpty { out += "    positions: []\n" } else {
                out += "    positions:\n"
                for t in seen {
                    // The roster takes titles of at most 12 characters: a longer one keeps its end (the post).
                    var title = t.hasPrefix("原") || t.hasPrefix("前") ? String(t.dropFirst()) : t
                    if title.unicodeScalars.count > 12 { title = String(String.UnicodeScalarView(title.unicodeScalars.suffix(12))) }
                    out += "      - title: \(title)\n"
                }
            }
            out += "    # seen at: \(e.titles.flatMap(\.places).prefix(3).joined(separator: ", "))\n"
        }
        if !any { out += "  []\n" }
        if !staff.isEmpty {
            out += "staff:\n"
            for e in staff {
                out += "  - name: \(e.name)\n    roles: [\(e.creditRoles.joined(separator: ", "))]\n"
                out += "    # seen at: \(e.titles.flatMap(\.places).prefix(3).joined(separator: ", "))\n"
            }
        }
        return out
    }
}
