import Foundation

/// All rules that can be turned on: the built-in packs carried by the binary, plus the house rules of a
/// configuration's `rule-paths`. Rule ids are unique; a clash is an error naming both files.
public struct RuleCatalog: Sendable {
    public private(set) var rules: [Rule] = []
    private var index: [String: Int] = [:]

    /// The built-in rules, parsed once per process.
    public static let builtIn: Result<RuleCatalog, ConfigError> = {
        var c = RuleCatalog()
        do {
            // From the trees composed at build time: no YAML is parsed at start-up.
            for (f, tree) in zip(EmbeddedRules.files, EmbeddedRules.trees) where !f.path.hasPrefix("lexicons/") {
                try c.add(RuleLoader.load(tree: tree, relativePath: f.path))
            }
            return .success(c)
        } catch let e as ConfigError {
            return .failure(e)
        } catch {
            return .failure(ConfigError(SourceMark(file: "builtin", line: 1, column: 1), "\(error)"))
        }
    }()

    public static func loadBuiltIn() throws -> RuleCatalog { try builtIn.get() }

    public init() {}

    public mutating func add(_ rule: Rule) throws {
        if let i = index[rule.id] {
            throw ConfigError(SourceMark(file: rule.file, line: 1, column: 1),
                              "rule id '\(rule.id)' is already defined by \(rules[i].file)")
        }
        index[rule.id] = rules.count
        rules.append(rule)
    }

    public func rule(_ id: String) -> Rule? { index[id].map { rules[$0] } }
    public var ids: [String] { rules.map(\.id) }
    public var packs: Set<String> { Set(rules.map(\.pack)) }

    /// Adds every `*.yml` under `folder` (house rules); ids are derived from paths relative to the folder.
    public mutating func addFolder(_ folder: String) throws { try addFolder(folder, checkMatches: true) }

    /// As `addFolder`, without running examples at load (for `copydesk test`, which reports them one by one).
    public mutating func addFolderWithoutMatchCheck(_ folder: String) throws { try addFolder(folder, checkMatches: false) }

    mutating func addFolder(_ folder: String, checkMatches: Bool) throws {
        let root = URL(fileURLWithPath: folder).standardizedFileURL
        var files: [String] = []
        if let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) {
            for case let url as URL in walker where ["yml", "yaml"].contains(url.pathExtension) {
                files.append(url.standardizedFileURL.path)
            }
        }
        // Every file is loaded, so all broken rules of a folder are reported at once.
        var errors = ConfigErrorCollector()
        for path in files.sorted() {
            let rel = String(path.dropFirst(root.path.count + 1))
            errors.run {
                let text = try ConfigError.readUTF8(path, what: "rule file")
                let rule = try RuleLoader.load(text: text, file: path, relativePath: rel, builtIn: false)
                if checkMatches { try RuleCatalog.checkCanMatch(rule) }
                try add(rule)
            }
        }
        try errors.throwIfAny()
    }

    /// A house rule none of whose invalid examples is flagged can never match as its author meant: report it when loaded.
    /// The examples are read exactly as `copydesk test` reads them (`ExampleRunner.lint`: as text of the rule's own
    /// scope), so a rule whose examples pass `test` always loads.
    static func checkCanMatch(_ rule: Rule) throws {
        guard !rule.examples.invalid.isEmpty else { return }
        let linter = ExampleRunner.exampleLinter(rule, unusedDisable: nil)
        for ex in rule.examples.invalid {
            let marked = MarkedExample(ex.text)
            if !ExampleRunner.lint(marked.text, rule: rule, linter: linter).isEmpty { return }
        }
        throw ConfigError(rule.examples.invalid[0].mark,
                          "rule \(rule.id) flags none of its invalid examples: it can never match as written (check its pattern, classes or scope)")
    }
}

/// The rules active for one file, with their effective severities and options.
public struct RuleSet: Sendable {
    public var rules: [Rule]
    public var style: String
    /// Severity of `copydesk.unused-disable` findings (nil: off).
    public var unusedDisable: Severity?
    public var knownIDs: Set<String>
    /// The structure vocabulary: the built-in one with the configuration's `structure:` additions.
    public var vocabulary: StructureVocabulary = .builtIn
    /// The names lexicon (built-in plus `names:`) and the roster (`roster:`).
    public var names: NamesSetup = .builtIn

    public init(rules: [Rule], style: String, unusedDisable: Severity?, knownIDs: Set<String>) {
        self.rules = rules; self.style = style; self.unusedDisable = unusedDisable; self.knownIDs = knownIDs
    }

    public static let metaRules: [(id: String, description: String)] = [
        ("copydesk.unused-disable", "A copydesk-disable comment that suppresses nothing, or names a rule that does not exist."),
    ]

    /// Resolves a configuration against a catalog. `overrides` are indices into `config.overrides` that apply.
    public static func build(config: Config, catalog: RuleCatalog, overrides: [Int] = []) throws -> RuleSet {
        var style = config.style
        for o in overrides { if let s = config.overrides[o].style { style = s } }
        var enabled = [Bool](repeating: false, count: catalog.rules.count)
        for p in config.packs {
            let name = String(p.dropFirst("copydesk:".count))
            switch name {
            case "recommended": for (i, r) in catalog.rules.enumerated() where r.recommended { enabled[i] = true }
            case "all": for i in enabled.indices { enabled[i] = true }
            default:
                guard catalog.packs.contains(name) else {
                    throw ConfigError(SourceMark(file: config.file ?? "<defaults>", line: 1, column: 1),
                                      "unknown built-in pack '\(p)'; expected copydesk:recommended, copydesk:all or one of: \(catalog.packs.sorted().map { "copydesk:" + $0 }.joined(separator: ", "))")
                }
                for (i, r) in catalog.rules.enumerated() where r.pack == name { enabled[i] = true }
            }
        }
        // Rules of another house style are off unless a setting below names them.
        for (i, r) in catalog.rules.enumerated() where !r.styles.isEmpty && !r.styles.contains(style) { enabled[i] = false }
        var rules = catalog.rules
        var unused: Severity? = .info
        let entries = config.rules + overrides.flatMap { config.overrides[$0].rules }
        var errors = ConfigErrorCollector()
        for e in entries {
          errors.run {
            if e.key == "copydesk.unused-disable" {
                switch e.setting {
                case .off: unused = nil
                case .on: unused = .info
                case .severity(let s): unused = s
                case .options: throw ConfigError(e.mark, "copydesk.unused-disable takes off, on or a severity")
                }
                return
            }
            let targets = catalog.rules.indices.filter { catalog.rules[$0].id == e.key || catalog.rules[$0].pack == e.key }
            guard !targets.isEmpty else {
                var msg = "unknown rule '\(e.key)'"
                if let near = catalog.ids.min(by: { editDistance($0, e.key) < editDistance($1, e.key) }), editDistance(near, e.key) <= 3 {
                    msg += " (did you mean '\(near)'?)"
                }
                throw ConfigError(e.mark, msg + "; `copydesk rules --all` lists the rules")
            }
            for i in targets {
                switch e.setting {
                case .off: enabled[i] = false
                case .on: enabled[i] = true
                case .severity(let s): enabled[i] = true; rules[i].severity = s
                case .options(let opts):
                    guard targets.count == 1 else { throw ConfigError(e.mark, "options can be given to one rule, not to the pack '\(e.key)'") }
                    let previous = rules[i]
                    rules[i] = try recompile(previous, with: opts)
                    // A severity set by an earlier entry (e.g. `rule: warning`) survives options that do not name one.
                    if opts["severity"] == nil { rules[i].severity = previous.severity }
                    enabled[i] = true
                }
            }
          }
        }
        var vocabulary = StructureVocabulary.builtIn
        for node in config.structure { errors.run { vocabulary = try StructureVocabulary.parse(node, base: vocabulary) } }
        var names = NamesSetup()
        for node in config.names { errors.run { names.lexicon = try NameLexicon.parse(node, base: names.lexicon) } }
        if !config.roster.isEmpty { errors.run { names.roster = try Roster.load(paths: config.roster) } }
        try errors.throwIfAny()
        var set = RuleSet(rules: rules.indices.filter { enabled[$0] }.map { rules[$0] }, style: style,
                          unusedDisable: unused, knownIDs: Set(catalog.ids))
        set.vocabulary = vocabulary
        set.names = names
        return set
    }

    /// The rule with the configuration's keys laid over its own (`severity`, `scope`, `message`, kind options…).
    static func recompile(_ rule: Rule, with options: YAMLValue) throws -> Rule {
        guard case .mapping(var base, let mark) = rule.source, case .mapping(let over, _) = options else { return rule }
        for o in over {
            if o.key == "examples" || o.key == "kind" || o.key == "id" {
                throw ConfigError(o.keyMark, "'\(o.key)' of a rule cannot be changed in a configuration")
            }
            if let i = base.firstIndex(where: { $0.key == o.key }) { base[i] = o } else { base.append(o) }
        }
        var r = try RuleLoader.compile(.mapping(base, mark), file: rule.file, defaultID: rule.id, builtIn: rule.builtIn)
        r.id = rule.id
        return r
    }
}
