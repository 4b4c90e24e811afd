import Foundation

/// A rule's setting in a configuration: `off`, `on`, a severity, or a mapping of options.
public enum RuleSetting: Sendable {
    case off
    case on
    case severity(Severity)
    case options(YAMLValue)
}

/// A `.lintrc.yml`, parsed and validated (every key is documented in README.md).
public struct Config: Sendable {
    public static let fileNames = [".lintrc.yml", ".lintrc.yaml"]
    public static let styles = ["print", "pangu"]
    static let keys: Set<String> = ["extends", "style", "rules", "rule-paths", "include", "exclude", "overrides", "fail-level", "structure", "archive", "names", "roster"]

    public struct RuleEntry: Sendable {
        public var key: String
        public var mark: SourceMark
        public var setting: RuleSetting
    }

    public struct Override: Sendable {
        public var files: [Glob]
        public var rules: [RuleEntry]
        public var style: String?
    }

    /// The file it was read from; nil for the built-in defaults.
    public var file: String?
    /// Directory that relative paths and globs are resolved against.
    public var directory: String
    public var packs: [String] = []
    public var style: String = "print"
    public var rules: [RuleEntry] = []
    public var rulePaths: [String] = []
    public var include: [Glob] = []
    public var exclude: [Glob] = []
    public var overrides: [Override] = []
    public var failLevel: Severity?
    /// `structure:` additions to the structure vocabulary (mappings, in order: extended files first).
    public var structure: [YAMLValue] = []
    /// `archive:`: the published archive the `published` rules read (`on`: `.copydesk/archive.sqlite` next to this
    /// file; a path, `sqlite:PATH` or `postgres://…`; `off`: none, also when an extended file names one).
    public var archive: ArchiveLocation?
    var archiveSet = false
    /// `names:` additions to the names lexicon (mappings, extended files first).
    public var names: [YAMLValue] = []
    /// `roster:` files (absolute paths), extended files' first.
    public var roster: [String] = []

    /// The built-in defaults: `extends: [copydesk:recommended]`, `style: print`.
    public static func defaults(directory: String) -> Config {
        var c = Config(file: nil, directory: directory)
        c.packs = ["copydesk:recommended"]
        return c
    }

    public init(file: String?, directory: String) {
        self.file = file
        self.directory = directory
    }

    /// Reads a configuration file, following `extends` entries that are paths (cycles are errors naming the chain).
    public static func load(path: String, visited: Set<String> = []) throws -> Config {
        try load(path: path, chain: [], visited: visited)
    }

    /// `chain`: the files that extend this one, outermost first, as written (for the cycle message).
    /// `shown`: the file's name as the chain message shows it (as written in `extends`).
    static func load(path: String, chain: [String], visited: Set<String>, shown: String? = nil) throws -> Config {
        let abs = URL(fileURLWithPath: path).standardizedFileURL.path
        let text = try ConfigError.readUTF8(abs, what: "configuration file", shown: path)
        return try parse(text, file: path, directory: URL(fileURLWithPath: abs).deletingLastPathComponent().path,
                         visited: visited.union([abs]), chain: chain + [shown ?? path])
    }

    public static func parse(_ text: String, file: String, directory: String, visited: Set<String> = []) throws -> Config {
        try parse(text, file: file, directory: directory, visited: visited, chain: [file])
    }

    /// Every key is read even after an error, so one run reports all the mistakes of the file.
    static func parse(_ text: String, file: String, directory: String, visited: Set<String>, chain: [String]) throws -> Config {
        let root = try YAMLValue.parse(text, file: file)
        var c = Config(file: file, directory: directory)
        if case .null = root { c.packs = ["copydesk:recommended"]; return c }
        let m = try StrictMapping(root, what: "the configuration")
        var errors = ConfigErrorCollector()
        errors.run { try m.rejectUnknown(allowed: keys) }

        var packs: [String] = []
        var base: Config? = nil
        for item in errors.run({ try m["extends"]?.list("extends") ?? [] }) ?? [] {
            errors.run {
                let s = try item.string("an entry of 'extends'")
                if s.hasPrefix("copydesk:") {
                    let name = String(s.dropFirst("copydesk:".count))
                    guard !name.isEmpty else { throw ConfigError(item.mark, "'copydesk:' needs a pack name: copydesk:recommended, copydesk:all or copydesk:<pack>") }
                    packs.append(s)
                } else {
                    let p = s.hasPrefix("/") ? s : directory + "/" + s
                    let abs = URL(fileURLWithPath: p).standardizedFileURL.path
                    if visited.contains(abs) {
                        throw ConfigError(item.mark, "'extends' loops back: " + (chain + [s]).joined(separator: " → "))
                    }
                    do {
                        let parent = try load(path: p, chain: chain, visited: visited, shown: s)
                        base = base.map { merge($0, parent) } ?? parent
                    } catch let e as ConfigError where e.mark.file == p && e.message == "cannot read configuration file" {
                        throw ConfigError(item.mark, "cannot read the configuration named in 'extends': \(s)")
                    }
                }
            }
        }
        if m["extends"] == nil && base == nil { packs = ["copydesk:recommended"] }
        c.packs = packs
        if let s = m["style"] { errors.run { c.style = try s.choice("style", styles) } }
        c.rules = errors.run { try parseRules(m["rules"], what: "rules") } ?? []
        for item in errors.run({ try m["rule-paths"]?.list("rule-paths") ?? [] }) ?? [] {
            errors.run {
                let s = try item.string("an entry of 'rule-paths'")
                let p = s.hasPrefix("/") ? s : directory + "/" + s
                var isDir: ObjCBool = false
                guard FileManager.default.fileExists(atPath: p, isDirectory: &isDir), isDir.boolValue else {
                    throw ConfigError(item.mark, "rule path '\(s)' is not a folder")
                }
                c.rulePaths.append(URL(fileURLWithPath: p).standardizedFileURL.path)
            }
        }
        c.include = errors.run { try m["include"]?.stringList("include").map(Glob.init) ?? [] } ?? []
        c.exclude = errors.run { try m["exclude"]?.stringList("exclude").map(Glob.init) ?? [] } ?? []
        for o in errors.run({ try m["overrides"]?.list("overrides") ?? [] }) ?? [] {
            errors.run {
                let om = try StrictMapping(o, what: "an entry of 'overrides'")
                try om.rejectUnknown(allowed: ["files", "rules", "style"])
                let files = try om.required("files").stringList("files").map(Glob.init)
                guard !files.isEmpty else { throw ConfigError(o.mark, "'files' of an override is empty") }
                c.overrides.append(Override(files: files, rules: try parseRules(om["rules"], what: "rules"),
                                            style: try om["style"]?.choice("style", styles)))
            }
        }
        if let f = m["fail-level"] {
            errors.run { c.failLevel = Severity(rawValue: try f.choice("fail-level", Severity.allCases.map(\.rawValue))) }
        }
        if let s = m["structure"] {
            errors.run {
                // A mapping of vocabulary keys, or the path of a YAML file holding one.
                var node = s
                if case .scalar(let path, let mark, _) = s {
                    let p = path.hasPrefix("/") ? path : directory + "/" + path
                    guard let data = FileManager.default.contents(atPath: p), let text = String(data: data, encoding: .utf8) else {
                        throw ConfigError(mark, "cannot read the structure vocabulary '\(path)'")
                    }
                    node = try YAMLValue.parse(text, file: p)
                }
                _ = try StructureVocabulary.parse(node, base: .builtIn)   // errors now, with their positions
                c.structure = [node]
            }
        }
        if let a = m["archive"] {
            errors.run {
                c.archiveSet = true
                let s = try a.string("archive")
                switch s {
                case "on", "true", "yes": c.archive = .defaultLocation(directory: directory)
                case "off", "false", "no": c.archive = nil
                default:
                    do { c.archive = try ArchiveLocation.parse(s, directory: directory) } catch let e as ArchiveError {
                        throw ConfigError(a.mark, e.description)
                    }
                }
            }
        }
        if let s = m["names"] {
            errors.run {
                var node = s
                if case .scalar(let path, _, _) = s {
                    let p = path.hasPrefix("/") ? path : directory + "/" + path
                    node = try YAMLValue.parse(try ConfigError.readUTF8(p, what: "names lexicon", shown: path), file: p)
                }
                _ = try NameLexicon.parse(node, base: .builtIn)   // errors now, with their positions
                c.names = [node]
            }
        }
        if let r = m["roster"] {
            errors.run {
                let items: [YAMLValue]
                if case .scalar = r { items = [r] } else { items = try r.list("roster") }
                for item in items {
                    let s = try item.string("an entry of 'roster'")
                    let p = s.hasPrefix("/") ? s : directory + "/" + s
                    guard FileManager.default.fileExists(atPath: p) else { throw ConfigError(item.mark, "cannot read the roster '\(s)'") }
                    c.roster.append(URL(fileURLWithPath: p).standardizedFileURL.path)
                }
            }
        }
        try errors.throwIfAny()
        if let base { c = merge(base, c, childSetsStyle: m["style"] != nil, childSetsPacks: m["extends"].map { _ in !packs.isEmpty } ?? false) }
        return c
    }

    /// `child` on top of `base`: rule settings, paths and overrides add up; scalars of the child win.
    static func merge(_ base: Config, _ child: Config, childSetsStyle: Bool = true, childSetsPacks: Bool = true) -> Config {
        var c = child
        c.packs = base.packs + (childSetsPacks ? child.packs : [])
        if !childSetsStyle { c.style = base.style }
        c.rules = base.rules + child.rules
        c.rulePaths = base.rulePaths + child.rulePaths
        c.include = base.include + child.include
        c.exclude = base.exclude + child.exclude
        c.overrides = base.overrides + child.overrides
        c.failLevel = child.failLevel ?? base.failLevel
        c.structure = base.structure + child.structure
        if !child.archiveSet { c.archive = base.archive; c.archiveSet = base.archiveSet }
        c.names = base.names + child.names
        c.roster = base.roster + child.roster
        return c
    }

    static func parseRules(_ node: YAMLValue?, what: String) throws -> [RuleEntry] {
        guard let node else { return [] }
        var out: [RuleEntry] = []
        var errors = ConfigErrorCollector()
        for p in try StrictMapping(node, what: "'\(what)'").value.pairs(what) {
          errors.run {
            let setting: RuleSetting
            switch p.value {
            case .scalar(let s, let mark, _):
                switch s {
                case "off", "false", "no": setting = .off
                case "on", "true", "yes": setting = .on
                default:
                    guard let sev = Severity(rawValue: s) else {
                        throw ConfigError(mark, "the setting of '\(p.key)' must be off, on, error, warning, info or a mapping of options; found '\(s)'")
                    }
                    setting = .severity(sev)
                }
            case .mapping:
                setting = .options(p.value)
            default:
                throw ConfigError(p.value.mark, "the setting of '\(p.key)' must be off, on, a severity or a mapping of options")
            }
            out.append(RuleEntry(key: p.key, mark: p.keyMark, setting: setting))
          }
        }
        try errors.throwIfAny()
        return out
    }

    /// The path of `file` relative to this configuration's directory, or nil when it lies outside.
    public func relativePath(_ file: String) -> String? {
        let abs = URL(fileURLWithPath: file).standardizedFileURL.path
        let dir = directory.hasSuffix("/") ? directory : directory + "/"
        guard abs.hasPrefix(dir) else { return nil }
        return String(abs.dropFirst(dir.count))
    }

    /// Whether a file found by walking a folder is linted (explicitly named files are always linted).
    public func admits(_ file: String) -> Bool {
        if exclude.isEmpty && include.isEmpty { return true }   // no path work for each file of a walk
        guard let rel = relativePath(file) else { return true }
        if exclude.contains(where: { $0.matches(rel) }) { return false }
        if !include.isEmpty && !include.contains(where: { $0.matches(rel) }) { return false }
        return true
    }

    /// Indices of the overrides whose globs match `file`.
    public func matchingOverrides(_ file: String) -> [Int] {
        guard !overrides.isEmpty, let rel = relativePath(file) else { return [] }
        return overrides.indices.filter { overrides[$0].files.contains { $0.matches(rel) } }
    }

    /// The nearest configuration file in `directory` or above it.
    public static func discover(from directory: String) -> String? {
        var dir = URL(fileURLWithPath: directory).standardizedFileURL
        while true {
            for name in fileNames {
                let candidate = dir.appendingPathComponent(name).path
                if FileManager.default.fileExists(atPath: candidate) { return candidate }
            }
            let parent = dir.deletingLastPathComponent()
            if parent.path == dir.path { return nil }
            dir = parent
        }
    }
}
