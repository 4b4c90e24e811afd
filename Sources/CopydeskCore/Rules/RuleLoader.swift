/// Reads one rule file (YAML) into a compiled `Rule`. Unknown keys, bad values, invalid patterns and rules that
/// can never match are errors with the file, line and column of the key at fault.
public enum RuleLoader {
    static let commonKeys: Set<String> = [
        "id", "kind", "severity", "message", "description", "authority", "link", "scope", "fix", "styles",
        "recommended", "examples", "supersedes",
    ]
    public static let kinds = ["boundary", "phrases", "pattern", "broken-line", "brackets", "duplicates", "article", "pairs", "straight-quotes", "numbers", "published", "names", "roster", "consistency", "punctuation-forms"]

    static func kindKeys(_ kind: String) -> Set<String> {
        switch kind {
        case "boundary": return BoundaryCheck.keys
        case "phrases": return PhrasesCheck.keys
        case "pattern": return PatternCheck.keys
        case "broken-line": return BrokenLineCheck.keys
        case "brackets": return BracketsCheck.keys
        case "duplicates": return DuplicatesCheck.keys
        case "article": return ArticleCheck.keys
        case "pairs": return PairsCheck.keys
        case "straight-quotes": return StraightQuotesCheck.keys
        case "numbers": return NumbersCheck.keys
        case "published": return PublishedCheck.keys
        case "names": return NamesCheck.keys
        case "roster": return RosterCheck.keys
        case "consistency": return ConsistencyCheck.keys
        case "punctuation-forms": return PunctuationFormsCheck.keys
        default: return []
        }
    }

    static func makeCheck(_ kind: String, _ m: StrictMapping) throws -> any Check {
        switch kind {
        case "boundary": return try BoundaryCheck(m)
        case "phrases": return try PhrasesCheck(m)
        case "pattern": return try PatternCheck(m)
        case "broken-line": return try BrokenLineCheck(m)
        case "brackets": return try BracketsCheck(m)
        case "duplicates": return try DuplicatesCheck(m)
        case "article": return try ArticleCheck(m)
        case "pairs": return try PairsCheck(m)
        case "straight-quotes": return try StraightQuotesCheck(m)
        case "numbers": return try NumbersCheck(m)
        case "published": return try PublishedCheck(m)
        case "names": return try NamesCheck(m)
        case "roster": return try RosterCheck(m)
        case "consistency": return try ConsistencyCheck(m)
        case "punctuation-forms": return try PunctuationFormsCheck(m)
        default: fatalError("unreachable: kind validated before")
        }
    }

    /// The rule id for a path relative to a rules folder: `spacing/han-space-han.yml` → `spacing.han-space-han`.
    public static func id(forRelativePath path: String) -> String {
        var p = path
        for ext in [".yml", ".yaml"] where p.hasSuffix(ext) { p = String(p.dropLast(ext.count)) }
        return p.split(separator: "/").joined(separator: ".")
    }

    public static func load(text: String, file: String, relativePath: String, builtIn: Bool) throws -> Rule {
        let root = try YAMLValue.parse(text, file: file, builtIn: builtIn && file.hasPrefix("builtin:"))
        guard case .mapping = root else { throw ConfigError(root.mark, "a rule file must be a mapping of keys (kind, severity, message…), found \(root.kindName)") }
        return try compile(root, file: file, defaultID: id(forRelativePath: relativePath), builtIn: builtIn)
    }

    /// A built-in rule from its tree composed at build time (`EmbeddedRules.trees`).
    static func load(tree: StaticString, relativePath: String) throws -> Rule {
        let file = "builtin:rules/\(relativePath)"
        let root = YAMLValue.decodeEmbedded(tree, file: file)
        guard case .mapping = root else { throw ConfigError(root.mark, "a rule file must be a mapping of keys (kind, severity, message…), found \(root.kindName)") }
        return try compile(root, file: file, defaultID: id(forRelativePath: relativePath), builtIn: true)
    }

    /// Compiles a rule mapping. Also used to recompile a rule with options merged in from a configuration.
    /// Every key is checked even after an error, so all the mistakes of a rule file are reported at once.
    public static func compile(_ root: YAMLValue, file: String, defaultID: String, builtIn: Bool) throws -> Rule {
        let m = try StrictMapping(root, what: "rule \(defaultID)")
        var errors = ConfigErrorCollector()
        let kindNode = try m.required("kind")
        // Which keys a rule may have depends on its kind: an unknown kind is reported alone.
        let kind: String? = try kindNode.choice("kind", kinds)
        if let kind { errors.run { try m.rejectUnknown(allowed: commonKeys.union(kindKeys(kind))) } }

        var id = defaultID
        if let idNode = m["id"] {
            errors.run {
                id = try idNode.string("id")
                guard !id.isEmpty, !id.contains(where: { $0.isWhitespace || $0 == "," }) else {
                    throw ConfigError(idNode.mark, "a rule id may not be empty or contain spaces or commas")
                }
            }
        }
        let severity = errors.run { Severity(rawValue: try m.required("severity").choice("severity", Severity.allCases.map(\.rawValue)))! }
        let message = errors.run { () throws -> String in
            let message = try m.required("message").string("message")
            guard !message.isEmpty else { throw ConfigError(m["message"]!.mark, "message is empty") }
            return message
        }
        let description = errors.run { try m.required("description").string("description") }
        var scope: Scope = []
        errors.run {
            let scopeNode = try m.required("scope")
            for item in try scopeNode.list("scope") {
                let s = try item.string("a scope")
                guard let sc = Scope.named(s) else {
                    throw ConfigError(item.mark, "unknown scope '\(s)'; expected one of: \(Scope.names.map(\.0).joined(separator: ", "))")
                }
                scope.formUnion(sc)
            }
            guard !scope.isEmpty else { throw ConfigError(scopeNode.mark, "scope is empty: the rule could never match") }
        }
        let fix = errors.run { FixSafety(rawValue: try m["fix"]?.choice("fix", ["none", "safe", "unsafe"]) ?? "none")! }
        let styles = errors.run { () throws -> [String] in
            let styles = try m["styles"]?.stringList("styles") ?? []
            for (i, s) in styles.enumerated() where !Config.styles.contains(s) {
                throw ConfigError((try m["styles"]!.list("styles"))[i].mark, "unknown style '\(s)'; expected one of: \(Config.styles.joined(separator: ", "))")
            }
            return styles
        }
        // A built-in rule's examples are parsed when first read (start-up reads none); a house rule's now, so that
        // their mistakes are reported when it loads.
        let examples: RuleExamplesBox? = builtIn ? RuleExamplesBox(parsingLater: m["examples"], rule: id)
            : errors.run { RuleExamplesBox(try parseExamples(m["examples"])) }
        let authority = errors.run { try m["authority"]?.string("authority") }
        let link = errors.run { try m["link"]?.string("link") }
        let recommended = errors.run { try m["recommended"]?.bool("recommended") ?? true }
        let supersedes = errors.run { try m["supersedes"]?.stringList("supersedes") ?? [] }
        let check = kind.flatMap { kind in errors.run { try makeCheck(kind, m) } }
        if let check, let why = check.deadReason() {
            errors.add(ConfigError(kindNode.mark, "rule \(id) can never match: \(why)"))
        }
        try errors.throwIfAny()
        return Rule(id: id, file: file, kind: kind!, severity: severity!, message: message!, description: description!,
                    authority: authority!, link: link!,
                    scope: scope, fixSafety: fix!, styles: styles!,
                    recommended: recommended!,
                    examplesBox: examples!, check: check!, source: root, builtIn: builtIn, supersedes: supersedes!)
    }

    static func parseExamples(_ node: YAMLValue?) throws -> RuleExamples {
        var ex = RuleExamples()
        guard let node else { return ex }
        let m = try StrictMapping(node, what: "examples")
        try m.rejectUnknown(allowed: ["valid", "invalid", "fixes", "skip-variants", "archive", "roster", "date", "format"])
        if let r = m["roster"] {
            var roster = Roster()
            try roster.add(r, file: r.mark.file)
            ex.roster = roster
        }
        if let d = m["date"] {
            let s = try d.string("date")
            guard let day = Day.parse(s) else { throw ConfigError(d.mark, "'date' must be a date (2021-12-15); found '\(s)'") }
            ex.date = day
        }
        if let f = m["format"] { ex.format = try f.choice("format", ["text", "markdown"]) == "markdown" ? .markdown : .plainText }
        for v in try m["skip-variants"]?.list("skip-variants") ?? [] {
            let name = try v.choice("an entry of 'skip-variants'", ExampleRunner.Variant.allCases.filter { $0 != .plain }.map(\.rawValue))
            ex.skipVariants.append(name)
        }
        for v in try m["archive"]?.list("examples.archive") ?? [] {
            // Published articles the examples are checked against (`kind: published`), in an archive in memory.
            let a = try StrictMapping(v, what: "an archived example article")
            try a.rejectUnknown(allowed: ["id", "title", "date", "text"])
            let date = try a["date"]?.string("date")
            if let date, ArchiveArticleReader.validDate(date) == nil { throw ConfigError(a["date"]!.mark, "'date' must be YYYY-MM-DD") }
            ex.archive.append(ArchiveExampleArticle(id: try a.required("id").string("id"), title: try a.required("title").string("title"),
                                                    date: date, text: try a.required("text").string("text")))
        }
        for v in try m["valid"]?.list("examples.valid") ?? [] {
            ex.valid.append(RuleExample(text: try v.string("a valid example"), mark: v.mark))
        }
        for v in try m["invalid"]?.list("examples.invalid") ?? [] {
            let t = try v.string("an invalid example")
            guard hasPair(t, 0x5B), hasPair(t, 0x5D) else {   // `[[` and `]]`
                throw ConfigError(v.mark, "an invalid example must mark each expected finding with [[…]] (an empty [[]] for an insertion point)")
            }
            ex.invalid.append(RuleExample(text: t, mark: v.mark))
        }
        for v in try m["fixes"]?.list("examples.fixes") ?? [] {
            let f = try StrictMapping(v, what: "a fix example")
            try f.rejectUnknown(allowed: ["before", "after", "safe"])
            ex.fixes.append(FixExample(before: try f.required("before").string("before"),
                                       after: try f.required("after").string("after"),
                                       safeOnly: try f["safe"]?.string("safe"), mark: v.mark))
        }
        return ex
    }
}

/// Whether `text` holds the byte `b` twice in a row (on UTF-8 bytes: Foundation's `contains` went through NSString).
func hasPair(_ text: String, _ b: UInt8) -> Bool {
    var previous = false
    for c in text.utf8 {
        if c == b && previous { return true }
        previous = c == b
    }
    return false
}

/// Expected findings marked in an example text as `[[…]]`.
public struct MarkedExample: Sendable {
    public var text: String
    /// Expected byte ranges in `text` (markers removed).
    public var expected: [Range<Int>]

    public init(_ marked: String) {
        var out: [UInt8] = []
        var ranges: [Range<Int>] = []
        let b = Array(marked.utf8)
        var i = 0
        var open: Int? = nil
        while i < b.count {
            if i + 1 < b.count, b[i] == 0x5B, b[i + 1] == 0x5B, open == nil { open = out.count; i += 2; continue }
            if i + 1 < b.count, b[i] == 0x5D, b[i + 1] == 0x5D, let o = open { ranges.append(o..<out.count); open = nil; i += 2; continue }
            out.append(b[i]); i += 1
        }
        text = String(decoding: out, as: UTF8.self)
        expected = ranges
    }
}
