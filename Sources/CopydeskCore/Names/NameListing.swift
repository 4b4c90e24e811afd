/// The people of `copydesk names`: each name with its titles and where it stands, in order of first appearance.
public struct NameListing {
    public struct Entry {
        public var name: String
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
            if titles.isEmpty { titles = ["（名单）"] }
            let title = titles.joined(separator: "、")
            let place = "\(file):\(m.line + 1)"
            if let k = entries[i].titles.firstIndex(where: { $0.title == title }) { entries[i].titles[k].places.append(place) }
            else { entries[i].titles.append((title, [place])) }
        }
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

    /// A starter roster: every person as `kind: leader` with the titles seen (list-only people without positions).
    public func yaml() -> String {
        var out = "# Starter roster written by `copydesk names --format yaml`: check every entry against official sources,\n"
        out += "# set rank (order in leader lists) and valid-from/valid-to, and delete what is not a person.\n"
        out += "people:\n"
        for e in entries {
            out += "  - name: \(e.name)\n    kind: leader\n"
            let titles = e.titles.filter { $0.title != "（名单）" }.flatMap { $0.title.split(separator: "、").map(String.init) }
            var seen: [String] = []
            for t in titles where !seen.contains(t) { seen.append(t) }
            if seen.isEmpty { out += "    positions: []\n" } else {
                out += "    positions:\n"
                for t in seen { out += "      - title: \(t.hasPrefix("原") || t.hasPrefix("前") ? String(t.dropFirst()) : t)\n" }
            }
            out += "    # seen at: \(e.titles.flatMap(\.places).prefix(3).joined(separator: ", "))\n"
        }
        return out
    }
}
