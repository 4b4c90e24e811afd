import ArgumentParser
import CopydeskCore
import Foundation

/// Loads the rule set that applies in the current folder (or with --config / --no-config).
func activeRules(config: String?, noConfig: Bool, all: Bool) throws -> (RuleSet, RuleCatalog) {
    var opts = Runner.Options()
    opts.configPath = config
    opts.noConfig = noConfig
    let runner = try Runner(options: opts)
    let cwd = FileManager.default.currentDirectoryPath
    let (set, _) = try runner.linter(for: cwd + "/draft.txt")
    var catalog = try runner.builtInCatalog
    let cfg = try runner.config(forDirectory: cwd)
    for p in cfg.rulePaths { try catalog.addFolder(p) }
    if all { return (RuleSet(rules: catalog.rules, style: set.style, unusedDisable: set.unusedDisable, knownIDs: set.knownIDs), catalog) }
    return (set, catalog)
}

struct Rules: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rules", abstract: "List the active rules (id, severity, fixable, description).")

    @Flag(help: "List every known rule, active or not.")
    var all = false
    @Option(help: "Use this configuration file.") var config: String?
    @Flag(name: .customLong("no-config"), help: "Ignore configuration files.") var noConfig = false
    @Option(help: "Output format: text or json.") var format: OutputFormat = .text

    func validate() throws {
        guard format == .text || format == .json else { throw ValidationError("`copydesk rules` prints text or json") }
    }

    func run() throws {
        let (set, _) = try withConfigErrors { try activeRules(config: config, noConfig: noConfig, all: all) }
        let active = Set(try activeRules(config: config, noConfig: noConfig, all: false).0.rules.map(\.id))
        if format == .json {
            let items = set.rules.map { r in
                JSON.object([("id", JSON.string(r.id)), ("kind", JSON.string(r.kind)), ("severity", JSON.string(r.severity.rawValue)),
                             ("fix", JSON.string(r.fixSafety.rawValue)), ("active", active.contains(r.id) ? "true" : "false"),
                             ("scope", JSON.array(r.scope.names.map(JSON.string))), ("styles", JSON.array(r.styles.map(JSON.string))),
                             ("file", JSON.string(r.file)), ("message", JSON.string(r.message))])
            }
            writeOut(JSON.array(items) + "\n")
            return
        }
        let idWidth = min(48, set.rules.map { $0.id.count }.max() ?? 10)
        writeOut("style: \(set.style)\n")
        for r in set.rules {
            let fix = r.fixSafety == .none ? "   " : (r.fixSafety == .safe ? "[*]" : "[!]")
            let mark = all ? (active.contains(r.id) ? "on " : "off") + " " : ""
            let id = r.id.padding(toLength: max(idWidth, r.id.count), withPad: " ", startingAt: 0)
            writeOut("\(mark)\(id)  \(r.severity.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)) \(fix)  \(r.message)\n")
        }
        writeOut("\n[*] safe fix (--fix)   [!] unsafe fix (--unsafe-fixes)   \(set.rules.count) rules\n")
    }
}

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "explain", abstract: "Show a rule's description, authority and examples.")

    @Argument(help: "The rule id, e.g. spacing.han-space-han.") var ruleID: String
    @Option(help: "Use this configuration file (to find house rules).") var config: String?
    @Flag(name: .customLong("no-config"), help: "Ignore configuration files.") var noConfig = false

    func run() throws {
        let (_, catalog) = try withConfigErrors { try activeRules(config: config, noConfig: noConfig, all: true) }
        guard let r = catalog.rule(ruleID) else {
            let near = catalog.ids.min(by: { editDistance($0, ruleID) < editDistance($1, ruleID) })
            printError("unknown rule '\(ruleID)'" + (near.map { " (did you mean '\($0)'?)" } ?? ""))
            throw ExitCode(2)
        }
        var s = "\(r.id)  (\(r.kind), \(r.severity.rawValue), fix: \(r.fixSafety.rawValue))\n"
        s += "message:   \(r.message)\n"
        s += "scope:     \(r.scope.names.joined(separator: ", "))\n"
        s += "styles:    \(r.styles.isEmpty ? "all" : r.styles.joined(separator: ", "))\n"
        s += "file:      \(r.file)\n"
        if let a = r.authority { s += "authority: \(a)\n" }
        if let l = r.link { s += "link:      \(l)\n" }
        s += "\n\(r.description)\n"
        if !r.examples.invalid.isEmpty {
            s += "\nFlagged:\n" + r.examples.invalid.map { "  ✗ " + MarkedExample($0.text).text.replacingOccurrences(of: "\n", with: "⏎") }.joined(separator: "\n") + "\n"
        }
        if !r.examples.valid.isEmpty {
            s += "\nAccepted:\n" + r.examples.valid.map { "  ✓ " + $0.text.replacingOccurrences(of: "\n", with: "⏎") }.joined(separator: "\n") + "\n"
        }
        if !r.examples.fixes.isEmpty {
            s += "\nFixes:\n" + r.examples.fixes.map { "  \($0.before.replacingOccurrences(of: "\n", with: "⏎"))  →  \($0.after.replacingOccurrences(of: "\n", with: "⏎"))" }.joined(separator: "\n") + "\n"
        }
        writeOut(s)
    }
}

struct Test: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run the examples of rule files (built-in ones by default, or the files and folders given).",
        discussion: "Each failing example is reported with its file and line. Exit 1 when any example fails, 2 when a rule file does not load.")

    @Argument(help: "Rule files or folders of rule files. Default: the built-in rules.") var paths: [String] = []

    func run() throws {
        var rules: [Rule] = []
        do {
            if paths.isEmpty {
                rules = try RuleCatalog.loadBuiltIn().rules
            } else {
                // Every path is loaded, so all broken rule files are reported at once.
                var errors = ConfigErrorCollector()
                for p in paths {
                    var isDir: ObjCBool = false
                    guard FileManager.default.fileExists(atPath: p, isDirectory: &isDir) else {
                        printError("\(p): no such file or directory"); throw ExitCode(2)
                    }
                    if isDir.boolValue {
                        var c = RuleCatalog()
                        errors.run { try c.addFolderWithoutMatchCheck(p) }
                        rules += c.rules
                    } else {
                        guard let text = try? String(contentsOfFile: p, encoding: .utf8) else { printError("\(p): cannot read (or not UTF-8)"); throw ExitCode(2) }
                        if let r = errors.run({ try RuleLoader.load(text: text, file: p, relativePath: URL(fileURLWithPath: p).lastPathComponent, builtIn: false) }) {
                            rules.append(r)
                        }
                    }
                }
                try errors.throwIfAny()
            }
        } catch let e as ConfigError {
            for x in e.all { printError(x.line) }
            throw ExitCode(2)
        }
        var failures = 0
        var examples = 0
        for r in rules {
            examples += r.examples.valid.count + r.examples.invalid.count + r.examples.fixes.count
            for f in ExampleRunner.run(r) {
                failures += 1
                writeOut("\(f.description)\n")
            }
        }
        writeOut("\(rules.count) rules, \(examples) examples × \(ExampleRunner.Variant.allCases.count) variants: \(failures == 0 ? "all passed" : "\(failures) failed")\n")
        if failures > 0 { throw ExitCode(1) }
    }
}

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "init", abstract: "Write a commented starter .lintrc.yml in the current folder.")
    @Flag(help: "Overwrite an existing .lintrc.yml.") var force = false

    func run() throws {
        let path = FileManager.default.currentDirectoryPath + "/.lintrc.yml"
        if FileManager.default.fileExists(atPath: path) && !force {
            printError(".lintrc.yml already exists (use --force to overwrite)")
            throw ExitCode(2)
        }
        do { try starterConfig.write(toFile: path, atomically: true, encoding: .utf8) } catch {
            printError("cannot write \(path): \(error.localizedDescription)"); throw ExitCode(2)
        }
        writeOut("wrote .lintrc.yml\n")
    }
}

func withConfigErrors<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as ConfigError {
        for x in e.all { printError(x.line) }
        throw ExitCode(2)
    }
}

let starterConfig = """
# copydesk configuration. copydesk uses the nearest .lintrc.yml from each draft's folder upwards.
# Every key is optional; README.md documents them all.

# Rule packs to start from: copydesk:recommended (the default), copydesk:all, copydesk:<pack> (e.g. copydesk:spacing),
# or paths to other configuration files (their settings come first, this file's on top).
extends:
  - copydesk:recommended

# House style: print (newspaper: no spaces between Chinese and digits or Latin letters, 12月14日)
#           or pangu (web: one space between Chinese and Latin letters or digits, 12 月 14 日).
style: print

# Per-rule settings: off, on, error, warning, info, or a mapping of options (severity, scope, message, the kind's options).
# `copydesk rules --all` lists the rule ids; a pack name (e.g. spacing) sets every rule of the pack.
rules:
  # spacing.trailing-whitespace: off
  # spacing.multiple-spaces: error
  # copydesk.unused-disable: off

# Folders of house rules (YAML files, one rule each; `copydesk test FOLDER` runs their examples).
# rule-paths:
#   - house-rules

# Which files a folder walk lints (globs relative to this file; `**` spans folders).
# include: ["drafts/**"]
# exclude: ["archive/**", "*.draft.md"]

# Settings for some files only.
# overrides:
#   - files: ["web/**"]
#     style: pangu
#     rules:
#       spacing.trailing-whitespace: off

# Lowest severity that fails the run (exit code 1): error, warning or info.
# fail-level: error

"""
