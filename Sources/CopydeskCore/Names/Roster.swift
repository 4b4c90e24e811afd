import Foundation

/// A calendar day as `yyyymmdd` (2021-01-01 → 20210101): ordered, no time zone.
public struct Day: Sendable, Comparable, Hashable, CustomStringConvertible {
    public var value: Int
    public init(_ value: Int) { self.value = value }
    public static func < (a: Day, b: Day) -> Bool { a.value < b.value }
    public var description: String {
        String(format: "%04d-%02d-%02d", value / 10000, value / 100 % 100, value % 100)
    }
    /// `2021-12-14` (also `2021/12/14`, `2021-12-14T08:00…`, `2021年12月14日`).
    public static func parse(_ s: String) -> Day? {
        var nums: [Int] = []
        var cur = -1
        for v in s.unicodeScalars.map(\.value) {
            if v >= 0x30 && v <= 0x39 { cur = (cur < 0 ? 0 : cur) * 10 + Int(v - 0x30); if cur > 99999 { return nil } }
            else { if cur >= 0 { nums.append(cur); cur = -1 }; if nums.count == 3 { break } }
            if v == 0x54 && nums.count == 3 { break }   // T
        }
        if cur >= 0 && nums.count < 3 { nums.append(cur) }
        guard nums.count == 3, nums[0] >= 1000, nums[0] <= 9999, (1...12).contains(nums[1]), (1...31).contains(nums[2]) else { return nil }
        return Day(nums[0] * 10000 + nums[1] * 100 + nums[2])
    }
    public static func today() -> Day {
        let c = Calendar(identifier: .gregorian).dateComponents(in: TimeZone.current, from: Date())
        return Day(c.year! * 10000 + c.month! * 100 + c.day!)
    }
}

/// The newsroom's roster (`roster:` in `.lintrc.yml`, one or more YAML files): people with their titles, staff for
/// bylines, and a watch list. The linter never guesses these facts. Format (every key but `name` is optional):
///
///     people:
///       - name: 章旭升
///         aliases: []
///         kind: leader                 # leader | staff | other
///         positions:
///           - title: 市委书记           # as written in body text
///             accept: [永康市委书记]     # further accepted forms (short or long)
///             org: 中共永康市委
///             rank: 1                  # order in leader lists (lower first)
///             valid-from: 2021-01-01
///             valid-to: 2026-06-30     # after it, the title needs 原 or 前
///         mention: title-required      # title-required | any (first mention in an article)
///         title-order: [市委常委, 纪委书记, 监委主任]   # several titles joined in this order
///     staff:
///       - name: 陈晓苏
///         roles: [融媒首席记者]
///     watchlist:
///       - name: 某某
///         note: 2021-05 立案审查
///         severity: error
public struct Roster: Sendable {
    public struct Position: Sendable {
        public var title: String
        public var accept: [String]
        public var org: String?
        public var rank: Int?
        public var validFrom: Day?
        public var validTo: Day?
        public var mark: SourceMark
        public var forms: [String] { [title] + accept }
        public func valid(on d: Day) -> Bool { (validFrom.map { $0 <= d } ?? true) && (validTo.map { d <= $0 } ?? true) }
    }
    public enum Kind: String, Sendable, CaseIterable { case leader, staff, other }
    public enum MentionPolicy: String, Sendable, CaseIterable { case titleRequired = "title-required", any }

    public struct Person: Sendable {
        public var name: String
        public var aliases: [String]
        public var kind: Kind
        public var positions: [Position]
        public var mention: MentionPolicy
        public var titleOrder: [String]
        public var mark: SourceMark
        /// The best (lowest) rank among the positions valid on `d`.
        public func rank(on d: Day) -> Int? { positions.filter { $0.valid(on: d) }.compactMap(\.rank).min() }
    }
    public struct Staff: Sendable { public var name: String; public var roles: [String]; public var mark: SourceMark }
    public struct Watch: Sendable { public var name: String; public var note: String?; public var severity: Severity; public var mark: SourceMark }

    public var people: [Person] = []
    public var staff: [Staff] = []
    public var watchlist: [Watch] = []
    public var files: [String] = []

    public init() {}

    /// Reads roster files in order into one roster. Every mistake of every file is reported (positioned).
    public static func load(paths: [String]) throws -> Roster {
        var r = Roster()
        var errors = ConfigErrorCollector()
        for p in paths {
            errors.run {
                let text = try ConfigError.readUTF8(p, what: "roster file")
                try r.add(YAMLValue.parse(text, file: p), file: p)
            }
        }
        try errors.throwIfAny()
        return r
    }

    /// Adds one roster file's mapping.
    public mutating func add(_ node: YAMLValue, file: String) throws {
        if case .null = node { files.append(file); return }
        let m = try StrictMapping(node, what: "a roster")
        var errors = ConfigErrorCollector()
        errors.run { try m.rejectUnknown(allowed: ["people", "staff", "watchlist"]) }
        func name(_ n: YAMLValue, _ what: String) throws -> String {
            let s = try n.string(what)
            guard !s.isEmpty, s.unicodeScalars.count <= 12, !s.unicodeScalars.contains(where: { NameExtractor.isSpace($0.value) || $0.value < 0x20 }) else {
                throw ConfigError(n.mark, "\(what) must be 1 to 12 characters without spaces; found '\(s)'")
            }
            return s
        }
        func day(_ n: YAMLValue?, _ what: String) throws -> Day? {
            guard let n else { return nil }
            if case .null = n { return nil }
            let s = try n.string(what)
            guard let d = Day.parse(s) else { throw ConfigError(n.mark, "\(what) must be a date (2021-01-01); found '\(s)'") }
            return d
        }
        for item in errors.run({ try m["people"]?.list("people") ?? [] }) ?? [] {
            errors.run {
                let pm = try StrictMapping(item, what: "a person of the roster")
                try pm.rejectUnknown(allowed: ["name", "id", "aliases", "kind", "positions", "mention", "title-order"])
                var positions: [Position] = []
                for pos in try pm["positions"]?.list("positions") ?? [] {
                    let q = try StrictMapping(pos, what: "a position")
                    try q.rejectUnknown(allowed: ["title", "accept", "org", "rank", "valid-from", "valid-to"])
                    let title = try name(try q.required("title"), "a title")
                    let accept = try q["accept"]?.list("accept").map { try name($0, "an accepted form") } ?? []
                    let from = try day(q["valid-from"], "valid-from"), to = try day(q["valid-to"], "valid-to")
                    if let from, let to, to < from { throw ConfigError(q["valid-to"]!.mark, "valid-to \(to) is before valid-from \(from)") }
                    positions.append(Position(title: title, accept: accept, org: try q["org"]?.string("org"), rank: try q["rank"]?.int("rank"),
                                              validFrom: from, validTo: to, mark: pos.mark))
                }
                let kind = Kind(rawValue: try pm["kind"]?.choice("kind", Kind.allCases.map(\.rawValue)) ?? "leader")!
                let mention = MentionPolicy(rawValue: try pm["mention"]?.choice("mention", MentionPolicy.allCases.map(\.rawValue)) ?? "any")!
                people.append(Person(name: try name(try pm.required("name"), "a name"),
                                     aliases: try pm["aliases"]?.list("aliases").map { try name($0, "an alias") } ?? [],
                                     kind: kind, positions: positions, mention: mention,
                                     titleOrder: try pm["title-order"]?.stringList("title-order") ?? [], mark: item.mark))
            }
        }
        for item in errors.run({ try m["staff"]?.list("staff") ?? [] }) ?? [] {
            errors.run {
                let sm = try StrictMapping(item, what: "a staff member")
                try sm.rejectUnknown(allowed: ["name", "roles"])
                staff.append(Staff(name: try name(try sm.required("name"), "a name"), roles: try sm["roles"]?.stringList("roles") ?? [], mark: item.mark))
            }
        }
        for item in errors.run({ try m["watchlist"]?.list("watchlist") ?? [] }) ?? [] {
            errors.run {
                let wm = try StrictMapping(item, what: "a watch-list entry")
                try wm.rejectUnknown(allowed: ["name", "note", "severity"])
                watchlist.append(Watch(name: try name(try wm.required("name"), "a name"), note: try wm["note"]?.string("note"),
                                       severity: Severity(rawValue: try wm["severity"]?.choice("severity", Severity.allCases.map(\.rawValue)) ?? "error")!,
                                       mark: item.mark))
            }
        }
        files.append(file)
        try errors.throwIfAny()
    }

    /// Problems of a roster that load alone cannot see: one name given to two people (or a person's name another's
    /// alias), two positions of one person with the same title and overlapping dates, one rank given to two people
    /// at overlapping dates. Each with the position of the later entry.
    public func problems() -> [ConfigError] {
        var out: [ConfigError] = []
        var seen: [String: SourceMark] = [:]
        for p in people {
            for n in [p.name] + p.aliases {
                if let m = seen[n] { out.append(ConfigError(p.mark, "'\(n)' is already in the roster (\(m)): one person twice, or two people with one name")) }
                else { seen[n] = p.mark }
            }
            for (a, x) in p.positions.enumerated() {
                for y in p.positions[(a + 1)...] where x.title == y.title && overlap(x, y) {
                    out.append(ConfigError(y.mark, "\(p.name) holds '\(y.title)' twice at overlapping dates (also \(x.mark))"))
                }
            }
        }
        var ranks: [Int: [(Person, Position)]] = [:]
        for p in people { for pos in p.positions { if let r = pos.rank { ranks[r, default: []].append((p, pos)) } } }
        for (r, list) in ranks.sorted(by: { $0.key < $1.key }) where list.count > 1 {
            for (a, x) in list.enumerated() {
                for y in list[(a + 1)...] where x.0.name != y.0.name && overlap(x.1, y.1) {
                    out.append(ConfigError(y.1.mark, "rank \(r) is given to \(x.0.name) (\(x.1.mark)) and \(y.0.name) at overlapping dates"))
                }
            }
        }
        var staffSeen: [String: SourceMark] = [:]
        for s in staff {
            if let m = staffSeen[s.name] { out.append(ConfigError(s.mark, "staff member '\(s.name)' is listed twice (also \(m))")) } else { staffSeen[s.name] = s.mark }
        }
        for w in watchlist where seen[w.name] != nil {
            out.append(ConfigError(w.mark, "'\(w.name)' is both on the watch list and a person of the roster (\(seen[w.name]!))"))
        }
        return out.sorted { ($0.mark.file, $0.mark.line, $0.mark.column) < ($1.mark.file, $1.mark.line, $1.mark.column) }
    }

    func overlap(_ x: Position, _ y: Position) -> Bool {
        let a0 = x.validFrom?.value ?? 0, a1 = x.validTo?.value ?? 99_999_999
        let b0 = y.validFrom?.value ?? 0, b1 = y.validTo?.value ?? 99_999_999
        return a0 <= b1 && b0 <= a1
    }

    /// Person by name or alias.
    public func person(_ name: String) -> Person? { people.first { $0.name == name || $0.aliases.contains(name) } }
}

/// What the names rules read besides their own options: the lexicon and the roster of the configuration, and the
/// publication date given on the command line.
public struct NamesSetup: Sendable {
    /// The lexicon and roster live in one shared box (copy on write): a `CheckContext` is copied for every rule
    /// of every lint, and copying the lexicon's many tables retained each of them (6% of a batch of small files).
    private final class Storage: @unchecked Sendable {
        let lexicon: NameLexicon
        let roster: Roster?
        init(_ lexicon: NameLexicon, _ roster: Roster?) { self.lexicon = lexicon; self.roster = roster }
        let lock = NSLock()
        var automaton: RosterNames??
        /// The phrase automaton over the roster's names and aliases, built once per roster.
        var names: RosterNames? {
            lock.lock(); defer { lock.unlock() }
            if let a = automaton { return a }
            var list: [String] = []
            for p in roster?.people ?? [] { for n in [p.name] + p.aliases where !list.contains(n) { list.append(n) } }
            let a = list.isEmpty ? nil : RosterNames(automaton: AhoCorasick(patterns: list.map { Array($0.utf8) }), names: list)
            automaton = .some(a)
            return a
        }
    }
    /// The roster's names and aliases on one phrase automaton (`names[pattern]`).
    public struct RosterNames: Sendable { public let automaton: AhoCorasick; public let names: [String] }
    public var rosterNames: RosterNames? { storage.names }
    private var storage = Storage(.builtIn, nil)
    public var lexicon: NameLexicon {
        get { storage.lexicon }
        set { storage = Storage(newValue, storage.roster) }
    }
    public var roster: Roster? {
        get { storage.roster }
        set { storage = Storage(storage.lexicon, newValue) }
    }
    /// `--date`; else a document's front matter `date`; else today.
    public var date: Day? = nil
    public init() {}
    public static let builtIn = NamesSetup()
}
