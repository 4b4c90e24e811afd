import Foundation
import Yams

/// A position in a source file (1-based line, 1-based Unicode-scalar column), used for rule and config errors.
public struct SourceMark: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public init(file: String, line: Int, column: Int) {
        self.file = file; self.line = line; self.column = column
    }
    public var description: String { "\(file):\(line):\(column)" }
}

/// An error in a rule file or a configuration file, always with a position. One thrown error may carry more
/// (`others`): loading goes on after an error, so a run reports every mistake at once, not only the first.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var mark: SourceMark
    public var message: String
    /// Further errors found in the same load, in order.
    public var others: [ConfigError] = []
    public init(_ mark: SourceMark, _ message: String) { self.mark = mark; self.message = message }
    /// This error and the others, one line each.
    public var all: [ConfigError] {
        var first = self
        first.others = []
        return [first] + others.flatMap(\.all)
    }
    /// One line: `file:line:col: error: message`.
    public var line: String { "\(mark): error: \(message)" }
    public var description: String { all.map(\.line).joined(separator: "\n") }
}

/// Runs loading steps, keeping the configuration errors they throw (other errors pass through), so that one
/// load reports all of its mistakes.
extension ConfigError {
    /// The text of a configuration or rule file (`what` names it in the errors): unreadable or not UTF-8 is a
    /// positioned error.
    /// `shown`: the name the errors give the file (default: `path`).
    static func readUTF8(_ path: String, what: String, shown: String? = nil) throws -> String {
        let file = shown ?? path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(SourceMark(file: file, line: 1, column: 1), "cannot read \(what)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            let bytes = [UInt8](data)
            let bad = SourceText.firstInvalidUTF8(bytes) ?? 0
            let (line, col) = SourceText.roughPosition(bytes, bad)
            throw ConfigError(SourceMark(file: file, line: line, column: col), "\(what) is not valid UTF-8 (byte \(bad)); save it as UTF-8")
        }
        return text
    }
}

public struct ConfigErrorCollector {
    public private(set) var errors: [ConfigError] = []
    public init() {}

    /// The step's value, or nil when it threw a configuration error (kept).
    @discardableResult
    public mutating func run<T>(_ body: () throws -> T) -> T? {
        do { return try body() } catch let e as ConfigError {
            add(e)
        } catch {
            add(ConfigError(SourceMark(file: "<configuration>", line: 1, column: 1), "\(error)"))
        }
        return nil
    }

    public mutating func add(_ e: ConfigError) {
        for x in e.all where !errors.contains(where: { $0.mark == x.mark && $0.message == x.message }) { errors.append(x) }
    }

    public var isEmpty: Bool { errors.isEmpty }

    /// Throws the kept errors as one (the first, carrying the others): file by file in the order the files came,
    /// by position within a file.
    public func throwIfAny() throws {
        guard !errors.isEmpty else { return }
        var order: [String: Int] = [:]
        for e in errors where order[e.mark.file] == nil { order[e.mark.file] = order.count }
        let sorted = errors.enumerated().sorted { a, b in
            let (x, y) = (a.element.mark, b.element.mark)
            if x.file != y.file { return order[x.file]! < order[y.file]! }
            if (x.line, x.column) != (y.line, y.column) { return (x.line, x.column) < (y.line, y.column) }
            return a.offset < b.offset
        }.map(\.element)
        var first = sorted[0]
        first.others = Array(sorted.dropFirst())
        throw first
    }
}

/// A YAML document reduced to what copydesk reads: scalars, sequences and mappings, each with its position.
/// Built by walking the node tree of Yams' `compose` (fast, and it keeps marks); Codable is never used.
public indirect enum YAMLValue: Sendable {
    case scalar(String, SourceMark, quoted: Bool)
    case sequence([YAMLValue], SourceMark)
    case mapping([(key: String, keyMark: SourceMark, value: YAMLValue)], SourceMark)
    case null(SourceMark)

    public var mark: SourceMark {
        switch self {
        case .scalar(_, let m, _), .sequence(_, let m), .mapping(_, let m), .null(let m): return m
        }
    }

    public var kindName: String {
        switch self {
        case .scalar: return "a scalar"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .null: return "nothing"
        }
    }

    /// Parses YAML text. Syntax errors are reported with the file's line and column.
    /// No implicit tags are resolved: every scalar is read as a string here (and typed by the reader), while Yams'
    /// default resolver matches regular expressions on every scalar and key (a third of start-up, with 94 built-in
    /// rule files). UTF-8, without looking at the environment. `builtIn`: a rule file embedded in the binary, read
    /// without the size limits.
    public static func parse(_ text: String, file: String, builtIn: Bool = false) throws -> YAMLValue {
        let node: Node?
        if !builtIn { try YAMLLimits.check(text, file: file) }
        do {
            node = try Yams.compose(yaml: text, .basic, .default, .utf8)
        } catch let error as YamlError {
            throw ConfigError.fromYams(error, file: file, text: text)
        }
        guard let node else { return .null(SourceMark(file: file, line: 1, column: 1)) }
        return convert(node, file: file)
    }

    /// A built-in file's tree, composed at build time by EmbedRules (`Sources/EmbedRules/main.swift` writes the
    /// form read here; `EmbeddedRulesTests` checks that it equals `parse` of the file's text): no YAML parsing at
    /// start-up. The form is trusted (generated, never user input).
    static func decodeEmbedded(_ tree: StaticString, file: String) -> YAMLValue {
        tree.withUTF8Buffer { p in
            var i = 0
            return decodeNode(p, &i, file)
        }
    }

    private static func decodeNumber(_ p: UnsafeBufferPointer<UInt8>, _ i: inout Int) -> Int {
        var v = 0
        while p[i] &- 0x30 < 10 { v = v &* 10 &+ Int(p[i] &- 0x30); i += 1 }
        i += 1   // the separator: `,` `;` or `:`
        return v
    }

    private static func decodeMark(_ p: UnsafeBufferPointer<UInt8>, _ i: inout Int, _ file: String) -> SourceMark {
        let line = decodeNumber(p, &i)
        return SourceMark(file: file, line: line, column: decodeNumber(p, &i))
    }

    private static func decodeString(_ p: UnsafeBufferPointer<UInt8>, _ i: inout Int) -> String {
        let n = decodeNumber(p, &i)
        defer { i += n }
        return String(decoding: UnsafeBufferPointer(rebasing: p[i..<(i + n)]), as: UTF8.self)
    }

    private static func decodeNode(_ p: UnsafeBufferPointer<UInt8>, _ i: inout Int, _ file: String) -> YAMLValue {
        let tag = p[i]
        i += 1
        let m = decodeMark(p, &i, file)
        switch tag {
        case UInt8(ascii: "S"), UInt8(ascii: "Q"): return .scalar(decodeString(p, &i), m, quoted: tag == UInt8(ascii: "Q"))
        case UInt8(ascii: "L"):
            let n = decodeNumber(p, &i)
            var items: [YAMLValue] = []
            items.reserveCapacity(n)
            for _ in 0..<n { items.append(decodeNode(p, &i, file)) }
            return .sequence(items, m)
        case UInt8(ascii: "M"):
            let n = decodeNumber(p, &i)
            var pairs: [(key: String, keyMark: SourceMark, value: YAMLValue)] = []
            pairs.reserveCapacity(n)
            for _ in 0..<n {
                let km = decodeMark(p, &i, file)
                let k = decodeString(p, &i)
                pairs.append((k, km, decodeNode(p, &i, file)))
            }
            return .mapping(pairs, m)
        default: return .null(m)
        }
    }

    private static func convert(_ node: Node, file: String) -> YAMLValue {
        let m = node.mark.map { SourceMark(file: file, line: $0.line, column: $0.column) }
            ?? SourceMark(file: file, line: 1, column: 1)
        switch node {
        case .scalar(let s):
            if s.style == .plain && (s.string == "~" || s.string == "null" || s.string == "Null" || s.string == "NULL" || s.string.isEmpty) {
                return .null(m)
            }
            return .scalar(s.string, m, quoted: s.style != .plain)
        case .sequence(let seq):
            return .sequence(seq.map { convert($0, file: file) }, m)
        case .mapping(let map):
            var pairs: [(key: String, keyMark: SourceMark, value: YAMLValue)] = []
            pairs.reserveCapacity(map.count)
            for (k, v) in map {
                let km = k.mark.map { SourceMark(file: file, line: $0.line, column: $0.column) } ?? m
                pairs.append((k.string ?? "", km, convert(v, file: file)))
            }
            return .mapping(pairs, m)
        case .alias:
            return .null(m)
        }
    }

    // MARK: typed access with positioned errors

    public func string(_ what: String) throws -> String {
        guard case .scalar(let s, _, _) = self else {
            throw ConfigError(mark, "\(what) must be a string, found \(kindName)")
        }
        return s
    }

    public func bool(_ what: String) throws -> Bool {
        let s = try string(what)
        switch s.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw ConfigError(mark, "\(what) must be true or false, found '\(s)'")
        }
    }

    public func int(_ what: String) throws -> Int {
        let s = try string(what)
        guard let v = Int(s) else { throw ConfigError(mark, "\(what) must be a whole number, found '\(s)'") }
        return v
    }

    public func double(_ what: String) throws -> Double {
        let s = try string(what)
        guard let v = Double(s) else { throw ConfigError(mark, "\(what) must be a number, found '\(s)'") }
        return v
    }

    /// A list, or a single scalar taken as a one-element list.
    public func list(_ what: String) throws -> [YAMLValue] {
        switch self {
        case .sequence(let items, _): return items
        case .scalar: return [self]
        case .null: return []
        case .mapping: throw ConfigError(mark, "\(what) must be a list, found a mapping")
        }
    }

    public func stringList(_ what: String) throws -> [String] {
        try list(what).map { try $0.string("each entry of \(what)") }
    }

    public func pairs(_ what: String) throws -> [(key: String, keyMark: SourceMark, value: YAMLValue)] {
        switch self {
        case .mapping(let p, _): return p
        case .null: return []
        default: throw ConfigError(mark, "\(what) must be a mapping, found \(kindName)")
        }
    }

    /// The value of `key` in a mapping, if present.
    public subscript(key: String) -> YAMLValue? {
        guard case .mapping(let p, _) = self else { return nil }
        return p.first(where: { $0.key == key })?.value
    }

    public func choice(_ what: String, _ allowed: [String]) throws -> String {
        let s = try string(what)
        guard allowed.contains(s) else {
            throw ConfigError(mark, "\(what) must be one of \(allowed.joined(separator: ", ")); found '\(s)'")
        }
        return s
    }
}

/// A mapping whose keys are checked: every key must be read or known, and unknown keys are errors.
public struct StrictMapping {
    public let value: YAMLValue
    public let what: String
    private let entries: [(key: String, keyMark: SourceMark, value: YAMLValue)]

    public init(_ value: YAMLValue, what: String) throws {
        self.value = value
        self.what = what
        self.entries = try value.pairs(what)
        var seen: [String: SourceMark] = [:]
        var errors = ConfigErrorCollector()
        for e in entries {
            if let first = seen[e.key] {
                errors.add(ConfigError(e.keyMark, "duplicate key '\(e.key)' in \(what) (first at line \(first.line))"))
            } else {
                seen[e.key] = e.keyMark
            }
        }
        try errors.throwIfAny()
    }

    public subscript(key: String) -> YAMLValue? { entries.first(where: { $0.key == key })?.value }
    public var keys: [String] { entries.map(\.key) }

    public func required(_ key: String) throws -> YAMLValue {
        guard let v = self[key] else { throw ConfigError(value.mark, "\(what) is missing the required key '\(key)'") }
        return v
    }

    /// Throws when a key is not in `allowed` (all such keys in one error), naming the closest allowed key.
    public func rejectUnknown(allowed: Set<String>) throws {
        var errors = ConfigErrorCollector()
        for e in entries where !allowed.contains(e.key) {
            var msg = "unknown key '\(e.key)' in \(what)"
            if let near = allowed.min(by: { editDistance($0, e.key) < editDistance($1, e.key) }),
               editDistance(near, e.key) <= max(2, e.key.count / 3) {
                msg += " (did you mean '\(near)'?)"
            } else {
                msg += "; expected one of: \(allowed.sorted().joined(separator: ", "))"
            }
            errors.add(ConfigError(e.keyMark, msg))
        }
        try errors.throwIfAny()
    }
}

extension ConfigError {
    static func fromYams(_ error: YamlError, file: String, text: String = "") -> ConfigError {
        switch error {
        case .duplicatedKeysInMapping(let duplicates, let ctx):
            // Yams marks the first occurrence of the key; the second one is the mistake.
            let key = duplicates.first ?? ""
            let mark = secondOccurrence(of: key, after: ctx.mark.line, column: ctx.mark.column, in: text)
                .map { SourceMark(file: file, line: $0, column: ctx.mark.column) }
                ?? SourceMark(file: file, line: ctx.mark.line, column: ctx.mark.column)
            return ConfigError(mark, "duplicate key '\(key)' (first at line \(ctx.mark.line))")
        case .scanner(let ctx, let problem, let m, _), .parser(let ctx, let problem, let m, _), .composer(let ctx, let problem, let m, _):
            if problem.contains("nesting level") {
                return ConfigError(SourceMark(file: file, line: m.line, column: m.column),
                                   "YAML nested too deeply (more than \(YAMLLimits.maxDepth) levels); a configuration or rule file needs a few")
            }
            var msg = "invalid YAML: \(problem)"
            if let ctx { msg += " (\(ctx.text))" }
            return ConfigError(SourceMark(file: file, line: m.line, column: m.column), msg)
        case .reader(let problem, _, _, _):
            return ConfigError(SourceMark(file: file, line: 1, column: 1), "cannot read YAML: \(problem)")
        default:
            return ConfigError(SourceMark(file: file, line: 1, column: 1), "invalid YAML: \(error)")
        }
    }
}

extension ConfigError {
    /// The 1-based line, after `line`, where `key:` stands again at `column` of the same block mapping
    /// (nil for flow mappings or when the text does not show it).
    static func secondOccurrence(of key: String, after line: Int, column: Int, in text: String) -> Int? {
        guard !key.isEmpty, line >= 1, column >= 1 else { return nil }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var i = line
        while i < lines.count {
            let scalars = Array(lines[i].unicodeScalars)
            defer { i += 1 }
            guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "-" && $0 != "\r" }) else { continue }
            if scalars[first] == "#" { continue }
            if first < column - 1 { return nil }           // the mapping has ended
            guard first == column - 1 else { continue }
            var rest = String(String.UnicodeScalarView(scalars[first...]))
            for q in ["\"", "'"] where rest.hasPrefix(q + key + q) { rest = key + rest.dropFirst(key.count + 2) }
            guard rest.hasPrefix(key) else { continue }
            if rest.dropFirst(key.count).drop(while: { $0 == " " || $0 == "\t" }).hasPrefix(":") { return i + 1 }
        }
        return nil
    }
}

/// Levenshtein distance over Unicode scalars (short strings only: keys, rule ids).
public func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var prev = Array(0...y.count)
    var cur = [Int](repeating: 0, count: y.count + 1)
    for i in 1...x.count {
        cur[0] = i
        for j in 1...y.count {
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
        }
        swap(&prev, &cur)
    }
    return prev[y.count]
}
