import ArgumentParser
import CopydeskCore
import Foundation

/// `copydesk names FILE…`: the people found after titles and in leader lists, with their titles and lines.
struct Names: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "names",
        abstract: "List the people found after titles and in leader lists, with their titles and line numbers.",
        discussion: """
        Names are read after a title of the names lexicon (rules/lexicons/names.yml plus `names:` in .lintrc.yml) and \
        in leader lists (市领导A、B、C). --format yaml writes a starter roster (see `roster:` in the README) to edit and keep.
        """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, yaml }

    @Argument(help: "Files to read (.txt, .md). '-' reads standard input.") var paths: [String]
    @Option(help: "Output format: text or yaml (a starter roster).") var format: Format = .text
    @Option(help: "Use this configuration file.") var config: String?
    @Flag(name: .customLong("no-config"), help: "Ignore configuration files.") var noConfig = false

    func validate() throws {
        guard !paths.isEmpty else { throw ValidationError("name at least one file") }
        if config != nil && noConfig { throw ValidationError("--config and --no-config cannot be used together") }
    }

    func run() throws {
        var opts = Runner.Options()
        opts.configPath = config
        opts.noConfig = noConfig
        let runner = try withConfigErrors { try Runner(options: opts) }
        var failed = false
        var people = NameListing()
        let cwd = FileManager.default.currentDirectoryPath
        for path in paths {
            let bytes: [UInt8]
            let name = path == "-" ? "<stdin>" : path
            if path == "-" { bytes = [UInt8](FileHandle.standardInput.readDataToEndOfFile()) } else {
                switch runner.read(path) {
                case .success(let b): bytes = b
                case .failure(let e): printError("\(path): \(e)"); failed = true; continue
                }
            }
            let source: SourceText
            do { source = try SourceText(validating: bytes) } catch { printError("\(name): \(error)"); failed = true; continue }
            let lookup = name.hasPrefix("/") ? name : cwd + "/" + name
            let linter: Linter
            do { linter = try runner.linter(for: lookup).1 } catch { printError("\(error)"); failed = true; continue }
            let doc = Document(path: name, source: source, vocabulary: linter.vocabulary)
            people.add(NameExtractor(lexicon: linter.names.lexicon).mentions(doc), file: name)
            people.addCredits(BylineNames.names(doc, otherOutlets: []), file: name)
        }
        writeOut(format == .yaml ? people.yaml() : people.text())
        if failed { throw ExitCode(2) }
    }
}

/// `copydesk roster check FILE…`: validate roster files.
struct RosterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roster",
        abstract: "Work with the newsroom roster (people, titles, staff, watch list).",
        subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Validate roster files: positioned errors, duplicate people, conflicting entries.",
            discussion: "Exit codes: 0 valid; 1 duplicates or conflicts; 2 a file that cannot be read or parsed.")
        @Argument(help: "Roster files (YAML), read together as one roster.") var paths: [String]

        func validate() throws { guard !paths.isEmpty else { throw ValidationError("name at least one roster file") } }

        func run() throws {
            let roster: Roster
            do { roster = try Roster.load(paths: paths) } catch let e as ConfigError {
                for x in e.all { printError(x.line) }
                throw ExitCode(2)
            }
            let problems = roster.problems()
            for p in problems { writeOut(p.line + "\n") }
            writeOut("\(roster.people.count) people, \(roster.staff.count) staff, \(roster.watchlist.count) on the watch list; \(problems.count) problem\(problems.count == 1 ? "" : "s")\n")
            if !problems.isEmpty { throw ExitCode(1) }
        }
    }
}
