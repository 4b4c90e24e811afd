import ArgumentParser
import CopydeskCore
import Foundation

@main
struct Copydesk: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copydesk",
        abstract: "An editorial linter for Chinese (and mixed Chinese/English) newsroom drafts.",
        discussion: """
        Exit codes: 0 no finding at or above the fail level; 1 findings at or above it; 2 usage, configuration or I/O error.
        Configuration: the nearest .lintrc.yml from each file's folder upwards (see `copydesk init`).
        """,
        version: copydeskVersion,
        subcommands: [Lint.self, Fix.self, Rules.self, Explain.self, Test.self, Init.self, Server.self, Structure.self],
        defaultSubcommand: Lint.self
    )
}

extension Copydesk {
    /// Like ArgumentParser's `main()`, but usage errors exit with 2 (documented), not 64.
    static func main() {
        if let message = mistypedSubcommand(Array(CommandLine.arguments.dropFirst())) {
            printError(message)
            FileHandle.standardError.write(("Usage: copydesk <subcommand> [options] [PATH…]  (see copydesk --help)\n").data(using: .utf8)!)
            Foundation.exit(2)
        }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success || code == .failure || error is ExitCode || error is CleanExit {
                exit(withError: error)
            }
            // Validation and parsing errors: message and usage as usual, exit code 2.
            let message = fullMessage(for: error)
            if !message.isEmpty { FileHandle.standardError.write((message + "\n").data(using: .utf8)!) }
            Foundation.exit(2)
        }
    }
}

/// `copydesk lnt x.txt`: a first argument that looks like a subcommand (a word close to one), is none, and names
/// no existing file or folder is a typo, not a path to lint.
func mistypedSubcommand(_ args: [String]) -> String? {
    guard let first = args.first, !first.hasPrefix("-"), !first.isEmpty else { return nil }
    let names = Copydesk.configuration.subcommands.map { $0._commandName } + ["help"]
    guard !names.contains(first), first.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || $0 == "-" }) else { return nil }
    var st = stat()
    if lstat(first, &st) == 0 { return nil }   // an existing path (even a broken link) is linted as a path
    guard let near = names.filter({ $0 != "help" }).min(by: { editDistance($0, first) < editDistance($1, first) }),
          editDistance(near, first) <= 2 || near.hasPrefix(first) || first.hasPrefix(near) else { return nil }
    return "unknown command '\(first)' (did you mean '\(near)'?); to lint a path named '\(first)', write ./\(first)"
}

enum ColorChoice: String, ExpressibleByArgument, CaseIterable { case auto, always, never }
extension OutputFormat: ExpressibleByArgument {}
extension Severity: ExpressibleByArgument {}

/// Options shared by `lint` and `fix`.
struct CommonOptions: ParsableArguments {
    @Argument(help: "Files or folders to lint (.txt, .md). '-' reads standard input. Default: the current folder.")
    var paths: [String] = []

    @Option(help: "Output format: \(OutputFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: OutputFormat = .text

    @Option(help: "Colour in text output: auto (when standard output is a terminal), always, never.")
    var color: ColorChoice = .auto

    @Option(name: .customLong("fail-level"), help: "Lowest severity that makes the exit code 1: error, warning, info. Default: the configuration's, else error.")
    var failLevel: Severity?

    @Option(help: "Use this configuration file instead of discovering .lintrc.yml.")
    var config: String?

    @Flag(name: .customLong("no-config"), help: "Ignore configuration files; use the built-in defaults.")
    var noConfig = false

    @Option(help: "House style for this run (print or pangu), overriding the configuration.")
    var style: String?

    @Flag(help: "Read the draft from standard input (same as the path '-').")
    var stdin = false

    @Option(name: .customLong("stdin-filename"), help: "Name for text read from standard input (decides Markdown or plain text, and where configuration is looked up).")
    var stdinFilename: String?

    @Option(name: .customLong("max-file-size"), help: "Skip files larger than this (bytes, or with K, M, G: 64M; reported as an error). Default: 256M.")
    var maxFileSize: String = "256M"

    var maxFileSizeBytes: Int { ByteSize.parse(maxFileSize) ?? 256 << 20 }

    func validate() throws {
        guard let n = ByteSize.parse(maxFileSize), n > 0 else {
            throw ValidationError("--max-file-size must be a size in bytes, or with K, M or G (e.g. 64M); found '\(maxFileSize)'")
        }
        if let s = style, !["print", "pangu"].contains(s) { throw ValidationError("--style must be print or pangu") }
        if config != nil && noConfig { throw ValidationError("--config and --no-config cannot be used together") }
    }
}

struct Lint: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Lint drafts and report findings (the default command).")

    @OptionGroup var common: CommonOptions

    @Flag(help: "Apply safe fixes in place (with '-', write the fixed text to standard output).")
    var fix = false

    @Flag(name: .customLong("unsafe-fixes"), help: "Also apply fixes marked unsafe (with --fix or --diff).")
    var unsafeFixes = false

    @Flag(help: "Print a unified diff of what --fix would change; write nothing.")
    var diff = false

    func validate() throws {
        if fix && diff { throw ValidationError("--fix and --diff cannot be used together: --diff only previews") }
    }

    func run() throws {
        let mode: Runner.FixMode = fix ? .apply : (diff ? .diff : .report)
        throw ExitCode(LintCommand.execute(common, mode: mode, unsafe: unsafeFixes))
    }
}

struct Fix: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply safe fixes in place (same as `lint --fix`).")
    @OptionGroup var common: CommonOptions
    @Flag(name: .customLong("unsafe-fixes"), help: "Also apply fixes marked unsafe.")
    var unsafeFixes = false
    func run() throws { throw ExitCode(LintCommand.execute(common, mode: .apply, unsafe: unsafeFixes)) }
}

func printError(_ s: String) {
    FileHandle.standardError.write(("copydesk: " + s + "\n").data(using: .utf8)!)
}

func writeOut(_ s: String) {
    FileHandle.standardOutput.write(s.data(using: .utf8)!)
}
