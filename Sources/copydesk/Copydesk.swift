import ArgumentParser
import CopydeskCore
import Foundation

/// Every command names itself (`commandName:`): otherwise ArgumentParser derives each name from the type's name by
/// reflection (`String(describing:)`) on every start, a third of `copydesk --version`'s instructions.
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
        subcommands: [Lint.self, Fix.self, BaselineCommand.self, Rules.self, Explain.self, Test.self, Init.self, Server.self, Structure.self, ArchiveCommand.self, Names.self, RosterCommand.self],
        defaultSubcommand: Lint.self
    )
}

#if os(Linux)
@_silgen_name("mallopt") private func glibcMallopt(_ param: Int32, _ value: Int32) -> Int32
#endif

extension Copydesk {
    /// glibc's allocator, set for a linter that holds a large draft and its findings: large arrays (findings
    /// lists, reports, pass buffers) are mapped on their own and given back as soon as they are freed, instead of
    /// the mapping threshold growing with every freed array until freed lists stay resident; at most two arenas
    /// (two worker threads on the usual CI runner). Peak RSS of `lint` on the 24.8 MB web news: 123 → 103 MB,
    /// same output (issue 16; `docs/performance.md`). The heap's free top is given back only above 4 MB: at
    /// 128 KB a run over many small files gave it back and faulted it in again file after file (the worker
    /// threads' arenas are trimmed with `MADV_DONTNEED`): 38,000 → 12,600 page faults on the 7,135 article files,
    /// +3 MB RSS; the large arrays are mapped on their own anyway (one file's peak unchanged).
    static func tuneAllocator() {
        #if os(Linux)
        // <malloc.h>: M_TRIM_THRESHOLD -1, M_MMAP_THRESHOLD -3, M_ARENA_MAX -8 (not in Swift's Glibc module).
        _ = glibcMallopt(-3, 128 * 1024)
        _ = glibcMallopt(-1, 4 << 20)
        _ = glibcMallopt(-8, 2)
        #endif
    }

    /// `--fix`: arrays up to 2 MB come from the heap instead of mappings of their own. The fixer's passes make
    /// and let go of the same lists pass after pass (each pass's findings, diagnostics, edits and document tables);
    /// taken from memory an earlier pass gave back, they are not faulted in afresh (each new 4 KB page costs ~2 µs
    /// on the benchmark machine). `lint --fix` of the 24.8 MB web news: 65,000 → 51,500 page faults, 434 → 412 ms
    /// median, peak RSS 93.5 → 94.7 MB (limit 97) with 384 KB (then 512 KB was 95.7 MB, too near the limit). Once
    /// the page's other lists had shrunk (stop 49), 384 KB → 2 MB: 23,700 → 21,000 faults, 269.5 → 264.2 ms median
    /// (CPU 456 → 440; the peer run before each, as `bench/e2e.py` does), peak RSS 88.1 → 89.2 MB, with the
    /// duplicates pack ≤ 90.6 MB (4 MB: the same time, 8 MB: 95.2 MB). Other commands keep 128 KB (with the
    /// duplicates pack or `--diff` a larger threshold passes the limit).
    static func tuneAllocatorForFixing() {
        #if os(Linux)
        _ = glibcMallopt(-3, 2 << 20)
        // Once the first pass of a large page is behind (its findings let go, its new text written over the old
        // one), memory is ~30 MB under the peak: from then on every block up to 32 MB comes from the heap and freed
        // memory stays there (trim threshold 256 MB), so the later passes' lists (segments, line measures, the
        // re-lint's findings) and the rules without a fix take memory the pass before gave back instead of mapping
        // fresh pages. The page with `--fix`: 36,000 → 27,000 page faults, 262 → 246 ms median (CPU 422 → 402),
        // peak RSS unchanged (it is the first pass's plan).
        FixApplier.afterPeak = {
            _ = glibcMallopt(-1, 256 << 20)
            _ = glibcMallopt(-3, 32 << 20)
        }
        #endif
    }

    /// The built-in rules (19 M instructions to build from their embedded trees) and names lexicon (6 M) are built
    /// on other cores while the command line is parsed and a folder listed. Each is a one-time initialisation
    /// (`swift_once`): a thread that needs one before it is ready waits for it, so nothing else changes; the main
    /// thread no longer builds them one after the other before it lists the files.
    static func prewarm() {
        DispatchQueue.global(qos: .userInitiated).async { _ = RuleCatalog.builtIn }
        DispatchQueue.global(qos: .userInitiated).async { _ = NameLexicon.builtIn }
    }

    /// Like ArgumentParser's `main()`, but usage errors exit with 2 (documented), not 64.
    static func main() {
        tuneAllocator()
        prewarm()
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

    @Option(name: .customLong("format"), help: ArgumentHelp(
        "Output format: \(OutputFormat.allCases.map(\.rawValue).joined(separator: ", ")). Repeat for several reports from one run; FORMAT=FILE writes that report to FILE.",
        valueName: "format[=file]"))
    var formatSpecs: [String] = []

    @Option(help: "Write the report (the one --format without =FILE) to this file instead of standard output.")
    var output: String?

    @Option(help: "Do not report findings recorded in this baseline file (see `copydesk baseline create`).")
    var baseline: String?

    @Option(name: .customLong("changed-since"), help: ArgumentHelp("Lint only files added, modified or renamed since this git ref (committed or not), and untracked files.", valueName: "ref"))
    var changedSince: String?

    @Flag(name: .customLong("changed-lines"), help: "With --changed-since: report only findings on lines changed since the ref.")
    var changedLines = false

    @Option(name: .customLong("max-warnings"), help: "Exit with 1 when more than this many warnings are reported (after the baseline).")
    var maxWarnings: Int?

    @Option(help: ArgumentHelp("Report paragraphs already published in this archive (a path, sqlite:PATH or postgres://user@host:port/db; see `copydesk archive`). Overrides the configuration's 'archive:'.", valueName: "location"))
    var archive: String?

    /// The reports to write: each format with its file (nil: standard output, or --output).
    var outputs: [(format: OutputFormat, path: String?)] {
        let specs = formatSpecs.isEmpty ? ["text"] : formatSpecs
        return specs.compactMap { spec in
            let parts = spec.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard let f = OutputFormat(rawValue: parts.first ?? "") else { return nil }
            return (f, parts.count == 2 ? parts[1] : output)
        }
    }

    /// The format of the report written to standard output (the first without a file), for colour decisions.
    var format: OutputFormat { outputs.first { $0.path == nil }?.format ?? .json }

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

    @Option(help: ArgumentHelp("Publication date for the roster rules (YYYY-MM-DD). Default: a document's front matter `date`, else today.", valueName: "date"))
    var date: String?

    @Flag(name: .customLong("no-ignore"), help: "Walk folders without reading .gitignore and .copydeskignore files.")
    var noIgnore = false

    @Option(help: ArgumentHelp("Language of the text report's own words: zh (Chinese) or en. Default: zh when LC_ALL, LC_MESSAGES or LANG names a zh_* locale, else en.", valueName: "zh|en"))
    var lang: String?

    var language: ReportLanguage { lang.flatMap(ReportLanguage.init(option:)) ?? ReportLanguage.fromEnvironment(ProcessInfo.processInfo.environment) }

    func validate() throws {
        guard let n = ByteSize.parse(maxFileSize), n > 0 else {
            throw ValidationError("--max-file-size must be a size in bytes, or with K, M or G (e.g. 64M); found '\(maxFileSize)'")
        }
        if let s = style, !["print", "pangu"].contains(s) { throw ValidationError("--style must be print or pangu") }
        if let d = date, Day.parse(d) == nil { throw ValidationError("--date must be a date (YYYY-MM-DD); found '\(d)'") }
        if let l = lang, ReportLanguage(option: l) == nil { throw ValidationError("--lang must be zh or en; found '\(l)'") }
        if config != nil && noConfig { throw ValidationError("--config and --no-config cannot be used together") }
        var toStdout = 0
        for spec in formatSpecs.isEmpty ? ["text"] : formatSpecs {
            let parts = spec.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard OutputFormat(rawValue: parts.first ?? "") != nil else {
                throw ValidationError("unknown format '\(parts.first ?? spec)' in --format \(spec); expected one of: \(OutputFormat.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if parts.count == 2 && parts[1].isEmpty { throw ValidationError("--format \(spec): the file name after '=' is empty") }
            if parts.count == 1 { toStdout += 1 }
        }
        if toStdout > 1 && output == nil {
            throw ValidationError("several --format options write to standard output; give all but one a file (--format json=report.json)")
        }
        if toStdout > 1 { throw ValidationError("--output names the file of one report; give the others their own file (--format json=report.json)") }
        if output != nil && toStdout == 0 { throw ValidationError("--output has no report to write: every --format names its own file") }
        let files = outputs.compactMap(\.path)
        if Set(files).count != files.count { throw ValidationError("two reports are written to the same file") }
        if changedLines && changedSince == nil { throw ValidationError("--changed-lines needs --changed-since REF") }
        if let m = maxWarnings, m < 0 { throw ValidationError("--max-warnings must be 0 or more") }
    }
}

struct Lint: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "lint", abstract: "Lint drafts and report findings (the default command).")

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

struct BaselineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline",
        abstract: "Record today's findings so that `lint --baseline FILE` reports only new ones.",
        subcommands: [Create.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Lint and write every finding to a baseline file (default .copydesk-baseline.json).",
            discussion: "Findings are matched by rule, file (relative to the current folder), the text of their line and their own text, not by line number. Run it from the folder CI lints from.")
        @Argument(help: "Files or folders to lint (.txt, .md). Default: the current folder.")
        var paths: [String] = []
        @Option(help: "The baseline file to write.")
        var output: String = ".copydesk-baseline.json"
        @Option(help: "Use this configuration file instead of discovering .lintrc.yml.")
        var config: String?
        @Flag(name: .customLong("no-config"), help: "Ignore configuration files; use the built-in defaults.")
        var noConfig = false
        @Option(help: "House style for this run (print or pangu), overriding the configuration.")
        var style: String?
        @Flag(name: .customLong("no-ignore"), help: "Walk folders without reading .gitignore and .copydeskignore files.")
        var noIgnore = false

        func run() throws {
            var o = try CommonOptions.parse([])
            o.paths = paths; o.config = config; o.noConfig = noConfig; o.style = style; o.noIgnore = noIgnore
            try o.validate()
            throw ExitCode(LintCommand.execute(o, mode: .report, unsafe: false, writeBaseline: output))
        }
    }
}

struct Fix: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fix", abstract: "Apply safe fixes in place (same as `lint --fix`).")
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
