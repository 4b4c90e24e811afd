import CopydeskCore
import Foundation

enum LintCommand {
    static func execute(_ o: CommonOptions, mode: Runner.FixMode, unsafe: Bool) -> Int32 {
        var opts = Runner.Options()
        opts.configPath = o.config
        opts.noConfig = o.noConfig
        opts.fixMode = mode
        opts.unsafeFixes = unsafe
        opts.style = o.style
        opts.maxFileSize = o.maxFileSizeBytes
        let runner: Runner
        do { runner = try Runner(options: opts) } catch {
            printError("built-in rules failed to load: \(error)")
            return 2
        }
        let useColor: Bool
        switch o.color {
        case .always: useColor = true
        case .never: useColor = false
        case .auto: useColor = isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil && o.format.isHumanReadable
        }
        var paths = o.paths.isEmpty ? (o.stdin ? [] : ["."]) : o.paths
        if o.stdin && !paths.contains("-") { paths.append("-") }
        var reports: [FileReport] = []
        var diffs = ""
        var stdoutFixed: [UInt8]? = nil
        var streamed = false
        // Configuration and rule errors: every one is reported (once), and files whose configuration loads are
        // still linted.
        var configErrors = ConfigErrorCollector()
        var notLinted: [String] = []

        do {
            var fileList: [String] = []
            for p in paths where p != "-" {
                let (files, missing) = try runner.discover([p])
                fileList += files
                reports += missing
            }
            var lintable: [String] = []
            for f in fileList {
                do { _ = try runner.linter(for: f); lintable.append(f) } catch let e as ConfigError {
                    configErrors.add(e)
                    notLinted.append(f)
                }
            }
            fileList = lintable
            var stdinReport: FileReport? = nil
            if paths.contains("-") {
                let name = o.stdinFilename ?? "<stdin>"
                let lookup = o.stdinFilename.map { URL(fileURLWithPath: $0).path } ?? (FileManager.default.currentDirectoryPath + "/stdin.txt")
                do {
                    _ = try runner.linter(for: lookup)
                    let bytes = [UInt8](FileHandle.standardInput.readDataToEndOfFile())
                    let (report, fixed) = runner.process(bytes: bytes, displayPath: name, lookupPath: lookup)
                    stdinReport = report
                    if mode == .apply { stdoutFixed = fixed ?? bytes }
                    if mode == .diff, let fixed {
                        diffs += UnifiedDiff.render(old: SourceText.displayBytes(bytes), new: SourceText.displayBytes(fixed), path: name)
                    }
                } catch let e as ConfigError {
                    configErrors.add(e)
                    notLinted.append(name)
                }
            }
            for e in configErrors.errors { printError(e.line) }
            if let stdinReport { reports.append(stdinReport) }
            // Text output streams: each file's findings are printed as soon as they are known (in input order), and
            // only what the summary needs is kept. Other formats are one document and are written at the end.
            let streaming = o.format == .text && mode != .diff && !paths.contains("-")
            let textReporter = TextReporter(color: useColor)
            if streaming { for m in reports { writeOut(textReporter.renderFile(m)) } }   // paths that do not exist
            runner.run(files: fileList, write: mode == .apply) { r in
                var report = r.0
                if streaming {
                    textReporter.renderFile(report, write: writeOut)
                    report.source = nil
                    report.diagnostics = report.diagnostics.map { var d = $0; d.message = ""; d.fix = nil; return d }
                } else if mode != .diff {
                    // One document at the end: keep each file's positions, not its text.
                    report.detachSource(fingerprints: o.format == .sarif)
                }
                reports.append(report)
                if mode == .diff, let orig = r.original, let fixed = r.fixed {
                    // UTF-16 drafts are shown decoded (the diff is UTF-8 text like the rest of the output).
                    diffs += UnifiedDiff.render(old: SourceText.displayBytes(orig), new: SourceText.displayBytes(fixed), path: r.0.path)
                }
            }
            // Duplicates between files of the run: one more report for each file that has some, after all files
            // (streamed like the others; merged into the file's report for the one-document formats and the summary).
            var indexByPath: [String: Int] = [:]
            for (k, r) in reports.enumerated() { indexByPath[r.path] = k }
            runner.crossFileReports { r in
                if streaming {
                    textReporter.renderFile(r, write: writeOut)
                    var stripped = r
                    stripped.source = nil
                    stripped.diagnostics = r.diagnostics.map { var d = $0; d.message = ""; d.related = []; return d }
                    if let k = indexByPath[r.path] { reports[k].diagnostics += stripped.diagnostics } else { reports.append(stripped) }
                } else if let k = indexByPath[r.path] {
                    reports[k].absorb(r)
                } else {
                    var r = r
                    r.detachSource(fingerprints: o.format == .sarif)
                    reports.append(r)
                }
            }
            streamed = streaming
        } catch let e as ConfigError {
            for x in e.all { printError(x.line) }
            return 2
        } catch {
            printError("\(error)")
            return 2
        }

        let set = try? runner.linter(for: FileManager.default.currentDirectoryPath + "/x.txt").0
        var report = RunReport(files: reports, rules: set?.rules ?? runner.builtInCatalog.rules)
        report.configErrors = configErrors.errors
        report.notLinted = notLinted
        report.preview = mode == .diff
        if let fixed = stdoutFixed {
            // `--fix` on standard input: the fixed text goes to stdout, the report of what remains to stderr.
            FileHandle.standardOutput.write(Data(fixed))
            let rendered = o.format.reporter(color: false).render(report)
            FileHandle.standardError.write(rendered.data(using: .utf8)!)
        } else if mode == .diff {
            writeOut(diffs)
            let rendered = TextReporter(color: useColor).summary(report)
            FileHandle.standardError.write(rendered.data(using: .utf8)!)
        } else if streamed {
            writeOut(TextReporter(color: useColor).summary(report))
        } else {
            writeOut(o.format.reporter(color: useColor).render(report))
        }

        if !configErrors.isEmpty || reports.contains(where: { $0.hasError }) { return 2 }
        let configLevel = (try? runner.config(forDirectory: FileManager.default.currentDirectoryPath).failLevel) ?? nil
        let level = o.failLevel ?? configLevel ?? .error
        let failing = reports.contains { $0.diagnostics.contains { $0.severity >= level } }
        if mode == .diff { return diffs.isEmpty ? (failing ? 1 : 0) : 1 }
        return failing ? 1 : 0
    }
}
