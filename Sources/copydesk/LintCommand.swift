import CopydeskCore
import Foundation

enum LintCommand {
    /// `writeBaseline`: instead of reports, record every finding in this baseline file (`copydesk baseline create`).
    static func execute(_ o: CommonOptions, mode: Runner.FixMode, unsafe: Bool, writeBaseline: String? = nil) -> Int32 {
        if mode == .apply && writeBaseline == nil { Copydesk.tuneAllocatorForFixing() }
        var opts = Runner.Options()
        opts.configPath = o.config
        opts.noConfig = o.noConfig
        opts.fixMode = mode
        opts.unsafeFixes = unsafe
        opts.style = o.style
        opts.maxFileSize = o.maxFileSizeBytes
        opts.date = o.date.flatMap(Day.parse)
        opts.ignoreFiles = !o.noIgnore
        // `--diff` counts the original's findings; with nothing to filter them, each file's are counted at once.
        opts.diffCountsOnly = mode == .diff && o.baseline == nil && o.changedSince == nil && writeBaseline == nil
        if let a = o.archive {
            // Opened once up front: a missing or broken archive is one message and exit 2, before any file.
            do {
                let loc = try ArchiveLocation.parse(a, directory: FileManager.default.currentDirectoryPath)
                _ = try openArchive(loc, create: false)
                opts.archive = loc
            } catch { printError(o.language.fileError("\(error)")); return 2 }
        }
        return execute(o, options: opts, mode: mode, unsafe: unsafe, writeBaseline: writeBaseline)
    }

    static func execute(_ o: CommonOptions, options opts: Runner.Options, mode: Runner.FixMode, unsafe: Bool, writeBaseline: String? = nil) -> Int32 {
        let runner: Runner
        do { runner = try Runner(options: opts) } catch {
            printError("cannot start: \(error)")
            return 2
        }
        let outputs = writeBaseline == nil ? o.outputs : []
        let textOutput = outputs.first { $0.format == .text }
        let documents = outputs.filter { $0.format != .text }
        let useColor: Bool
        switch o.color {
        case .always: useColor = textOutput != nil && textOutput?.path == nil
        case .never: useColor = false
        case .auto: useColor = isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil && textOutput != nil && textOutput?.path == nil
        }
        let cwd = FileManager.default.currentDirectoryPath
        // Report files are opened (created, truncated) before linting, so a bad path fails at once.
        // Every report goes through one buffered writer per destination (standard output or a report file).
        // Opened in place (O_CREAT | O_TRUNC), never by writing a new file and renaming it over the path: a report
        // sent to /dev/null, a named pipe or through a symbolic link must reach that device, pipe or link target.
        // (Foundation's `createFile` writes atomically, which replaced a root user's /dev/null by a plain file.)
        var handles: [String: Int32] = [:]
        var sinks: [String: ByteSink] = [:]
        let stdoutSink = ByteSink(fd: STDOUT_FILENO)
        for path in outputs.compactMap(\.path) where handles[path] == nil {
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                printError("cannot write the report file '\(path)': \(String(cString: strerror(errno)))")
                return 2
            }
            handles[path] = fd
            sinks[path] = ByteSink(fd: fd)
        }
        defer {
            stdoutSink.flush()
            for (path, fd) in handles { sinks[path]?.flush(); close(fd) }
        }
        func sink(_ path: String?) -> ByteSink { path.flatMap { sinks[$0] } ?? stdoutSink }
        func write(_ s: String, to path: String?) { sink(path).write(s) }
        // On a terminal, each file's findings show as soon as they are known.
        let interactive = isatty(STDOUT_FILENO) == 1
        var baseline: Baseline? = nil
        if let b = o.baseline {
            do {
                baseline = try Baseline(parsing: Data(contentsOf: URL(fileURLWithPath: b)), file: b)
            } catch let e as Baseline.FormatError {
                printError(e.description); return 2
            } catch {
                printError("cannot read the baseline '\(b)': \(error.localizedDescription)"); return 2
            }
        }
        var changes: GitChanges? = nil
        if let ref = o.changedSince {
            do { changes = try GitChanges.load(ref: ref, directory: cwd, lines: o.changedLines) } catch {
                printError("\(error)"); return 2
            }
        }
        var baselined = 0
        var recorded = Baseline()
        var paths = o.paths.isEmpty ? (o.stdin ? [] : ["."]) : o.paths
        if o.stdin && !paths.contains("-") { paths.append("-") }
        var reports: [FileReport] = []
        // `--diff`: each file's diff is written to standard output as soon as the file is done (in input order).
        var differs = false
        func writeDiff(old: [UInt8], new: [UInt8], path: String) {
            let sink = sink(nil)
            if UnifiedDiff.render(old: SourceText.displayBytes(old), new: SourceText.displayBytes(new), path: path,
                                  write: { sink.write(bytes: $0) }) { differs = true }
        }
        var stdoutFixed: [UInt8]? = nil
        var streamed = false
        // Configuration and rule errors: every one is reported (once), and files whose configuration loads are
        // still linted.
        var configErrors = ConfigErrorCollector()
        var notLinted: [String] = []
        var jsonStreams: [(String?, JSONStreamWriter)] = []
        var sarifStreams: [(String?, SARIFStreamWriter)] = []
        var rdjsonStreams: [(String?, OutputFormat, RDJSONStreamWriter)] = []
        var documentStreams: [(String?, OutputFormat, any DocumentStreamWriter)] = []

        do {
            var fileList: [String] = []
            for p in paths where p != "-" {
                let (files, missing) = try runner.discover([p])
                fileList += files
                reports += missing
            }
            if let changes { fileList = fileList.filter { changes.contains($0) } }
            // One large file: read while the rules are resolved (they wait for the built-in rules to be built).
            if fileList.count == 1 && !paths.contains("-") { runner.readAhead(fileList[0], write: mode == .apply) }
            var lintable: [String] = []
            for f in fileList {
                do { try runner.checkConfiguration(for: f); lintable.append(f) } catch let e as ConfigError {
                    configErrors.add(e)
                    notLinted.append(f)
                }
            }
            fileList = lintable
            // A fix of one file: the fixer's two linters (the rules with a fix, and the rest) built while the file
            // is read, not after its document.
            if fileList.count == 1 && !paths.contains("-") && mode != .report { runner.prewarmFixSplit(for: fileList[0]) }
            var stdinReport: FileReport? = nil
            if paths.contains("-") {
                let name = o.stdinFilename ?? "<stdin>"
                let lookup = o.stdinFilename.map { URL(fileURLWithPath: $0).path } ?? (FileManager.default.currentDirectoryPath + "/stdin.txt")
                do {
                    _ = try runner.linter(for: lookup)
                    // `--fix -` leaves the text room to grow, as the file reader does: the fixer edits it in its own buffer.
                    var bytes: [UInt8] = {
                        let data = FileHandle.standardInput.readDataToEndOfFile()
                        return [UInt8](unsafeUninitializedCapacity: data.count + (mode == .apply ? data.count / 32 : 0)) { buf, n in
                            n = data.copyBytes(to: buf)
                        }
                    }()
                    let cache = CheckCache()
                    // With other files, the batch's cross-file pass fingerprints the lint's units: kept, not re-extracted.
                    cache.keepsUnits = paths.count > 1
                    let report: FileReport, fixed: [UInt8]?
                    if mode == .apply, let source = try? SourceText(validating: bytes) {
                        // `--fix -`: the standard input's bytes are let go once decoded, so that the fixer writes into
                        // the text's own buffer (holding them cost a second copy of the text: 112 MB for a 25 MB page).
                        // What goes to standard output is the fixed text, or the text as it came when nothing changed.
                        bytes = []
                        (report, fixed) = runner.process(source: source, displayPath: name, lookupPath: lookup, cache: cache, unchanged: true)
                    } else {
                        (report, fixed) = runner.process(bytes: bytes, displayPath: name, lookupPath: lookup, cache: cache)
                    }
                    stdinReport = report
                    runner.holdStandardInput(report, lookup: lookup, cache: cache)   // duplicates across the batch
                    if mode == .apply { stdoutFixed = fixed ?? bytes }
                    if mode == .diff, let fixed {
                        writeDiff(old: bytes, new: fixed, path: name)
                    }
                } catch let e as ConfigError {
                    configErrors.add(e)
                    notLinted.append(name)
                }
            }
            for e in configErrors.errors { printError(o.language.fileError(e.line)) }
            if let stdinReport { reports.append(stdinReport) }
            // Text output streams: each file's findings are printed as soon as they are known (in input order), and
            // only what the summary needs is kept. Other formats are one document and are written at the end.
            if var s = stdinReport {
                if baseline != nil { baselined += baseline!.filter(&s, base: cwd) }
                if writeBaseline != nil { recorded.add(s, base: cwd) }
                reports[reports.count - 1] = s
            }
            // `--fix` of standard input writes the fixed text to standard output, and its report at the end.
            let fixesStandardInput = paths.contains("-") && mode == .apply
            let streaming = textOutput != nil && mode != .diff && !fixesStandardInput
            let textReporter = TextReporter(color: useColor, language: o.language)
            let textPath = textOutput?.path
            // Standard input and paths that do not exist, before the run.
            if streaming { for m in reports { textReporter.renderFile(m, writeBytes: { sink(textPath).write(bytes: $0) }) } }
            // The other formats stream too (each file's findings written as soon as it and those before it are done),
            // unless the run is one that reports at the end anyway (`--fix` of standard input, --diff, a baseline
            // being written). Findings between files (cross-file duplicate rules) come after the last file, as a
            // second part of each file that has some, as in the text report.
            let streamDocuments = mode != .diff && writeBaseline == nil && !fixesStandardInput
            if streamDocuments {
                let ruleList = (try? runner.linter(for: FileManager.default.currentDirectoryPath + "/x.txt").0.rules) ?? ((try? runner.builtInCatalog.rules) ?? [])
                for out in documents where out.format == .json {
                    jsonStreams.append((out.path, JSONStreamWriter(sink: sink(out.path))))
                }
                // Fingerprints' repeat numbers continue in a file's second part (its duplicates with other files).
                let continuing = fileList.count + (paths.contains("-") ? 1 : 0) >= 2 ? runner.crossFileRuleIDs : []
                for out in documents where out.format == .sarif {
                    let w = SARIFStreamWriter(sink: sink(out.path), rules: ruleList)
                    w.continuing = continuing
                    sarifStreams.append((out.path, w))
                }
                for out in documents where out.format == .rdjson || out.format == .rdjsonl {
                    rdjsonStreams.append((out.path, out.format, RDJSONStreamWriter(sink: sink(out.path), rules: ruleList, lines: out.format == .rdjsonl)))
                }
                for out in documents {
                    if let w = out.format.documentWriter(sink: sink(out.path), rules: ruleList, configErrors: configErrors.errors) {
                        (w as? CodeQualityStreamWriter)?.continuing = continuing
                        documentStreams.append((out.path, out.format, w))
                    }
                }
            }
            // Reports rendered ahead: each file's (below 8,192 findings, where the reporters render in one pass; any
            // size while `--fix` writes the file) in the worker that linted it, on every core, when nothing filters
            // the findings afterwards; the in-order emitter below then only writes the bytes. `rendered` holds text (when streaming), then JSON, then SARIF.
            let jsonSlot = streaming ? 1 : 0, sarifSlot = jsonSlot + jsonStreams.count
            var prepare: ((inout FileReport) -> Void)? = nil
            if changes == nil && baseline == nil && (streaming || !jsonStreams.isEmpty || !sarifStreams.isEmpty) {
                let jsonWriters = jsonStreams.count, sarifWriters = sarifStreams.map(\.1)
                prepare = { report in
                    guard report.diagnostics.count < 8192 || report.beingWritten else { return }
                    var r: [[UInt8]?] = []
                    if streaming { r.append(textReporter.renderedBytes(report)) }
                    if jsonWriters > 0 {
                        let j = JSONStreamWriter.prepare(report)
                        for _ in 0..<jsonWriters { r.append(j) }
                    }
                    for w in sarifWriters { r.append(w.prepare(report)) }
                    report.rendered = r
                }
            }
            func streams(_ report: FileReport) {
                let ahead = !report.rendered.isEmpty
                for (k, (_, w)) in jsonStreams.enumerated() { w.add(report, prepared: ahead ? report.rendered[jsonSlot + k] : nil) }
                for (k, (_, w)) in sarifStreams.enumerated() { w.add(report, prepared: ahead ? report.rendered[sarifSlot + k] : nil) }
                for (_, _, w) in rdjsonStreams { w.add(report) }
                for (_, _, w) in documentStreams { w.add(report) }
            }
            for m in reports { streams(m) }
            let laterDocuments = documents.filter { out in
                !(out.format == .json && !jsonStreams.isEmpty || out.format == .sarif && !sarifStreams.isEmpty
                  || (out.format == .rdjson || out.format == .rdjsonl) && rdjsonStreams.contains { $0.1 == out.format }
                  || documentStreams.contains { $0.0 == out.path && $0.1 == out.format })
            }
            // What was streamed before the run (standard input) keeps only its counts, as the run's files do.
            if laterDocuments.isEmpty && (streaming || textOutput == nil) && mode != .diff {
                for k in reports.indices { reports[k].tallyAndDrop() }
            }
            let keepText = laterDocuments.contains { $0.format.needsText } || (textOutput != nil && !streaming)
            let fingerprints = laterDocuments.contains { $0.format == .sarif || $0.format == .codequality }
            runner.run(files: fileList, write: mode == .apply, prepare: prepare) { r in
                var report = r.0
                if let changes { _ = changes.filter(&report) }
                if baseline != nil { baselined += baseline!.filter(&report, base: cwd) }
                if writeBaseline != nil { recorded.add(report, base: cwd) }
                if streaming {
                    let textSink = sink(textPath)
                    if !report.rendered.isEmpty, let text = report.rendered[0] { textSink.write(bytes: text) } else {
                        textReporter.renderFile(report, writeBytes: { textSink.write(bytes: $0) })
                    }
                    if interactive && textPath == nil { stdoutSink.flush() }
                }
                streams(report)
                RenderedBuffers.shared.give(&report.rendered)   // their memory serves the next files' reports
                if (laterDocuments.isEmpty && (streaming || textOutput == nil)) || mode == .diff {
                    // (`--diff` shows the diff and a summary of counts: the findings are not kept for it either.)
                    report.tallyAndDrop()
                } else if !keepText {
                    // One document at the end: keep each file's positions, not its text.
                    report.detachSource(fingerprints: fingerprints)
                }
                reports.append(report)
                if mode == .diff, let orig = r.original, let fixed = r.fixed {
                    // UTF-16 drafts are shown decoded (the diff is UTF-8 text like the rest of the output).
                    writeDiff(old: orig, new: fixed, path: r.0.path)
                }
            }
            // Duplicates between files of the run: one more report for each file that has some, after all files
            // (streamed like the others; merged into the file's report for the one-document formats and the summary).
            // Which report is a file's, made when the first such report comes (most runs have none), from the paths
            // read in place (a loop over the reports copied each one).
            var indexByPath: [String: Int]? = nil
            func index(of path: String) -> Int? {
                if indexByPath == nil {
                    var m = [String: Int](minimumCapacity: reports.count)
                    reports.withUnsafeBufferPointer { p in for k in p.indices { m[p[k].path] = k } }
                    indexByPath = m
                }
                return indexByPath?[path]
            }
            // Whether the files' reports were counted and dropped as they were written (nothing is written later).
            let dropped = (laterDocuments.isEmpty && (streaming || textOutput == nil)) || mode == .diff
            runner.crossFileReports { r in
                if streaming { textReporter.renderFile(r) { write($0, to: textPath) } }   // with --output, into the file
                for (_, w) in jsonStreams { w.addMore(r) }
                for (_, w) in sarifStreams { w.addMore(r) }
                for (_, _, w) in rdjsonStreams { w.add(r) }
                for (_, _, w) in documentStreams { w.addMore(r) }
                if dropped {
                    var stripped = r
                    stripped.tallyAndDrop()
                    if let k = index(of: r.path) { reports[k].absorbTally(of: stripped) } else { reports.append(stripped) }
                } else if let k = index(of: r.path) {
                    reports[k].absorb(r)
                } else {
                    var r = r
                    r.detachSource(fingerprints: o.format == .sarif || o.format == .codequality)
                    reports.append(r)
                }
            }
            streamed = streaming
        } catch let e as ConfigError {
            for x in e.all { printError(o.language.fileError(x.line)) }
            return 2
        } catch {
            printError("\(error)")
            return 2
        }

        let set = try? runner.linter(for: FileManager.default.currentDirectoryPath + "/x.txt").0
        var report = RunReport(files: reports, rules: set?.rules ?? ((try? runner.builtInCatalog.rules) ?? []))
        report.configErrors = configErrors.errors
        report.notLinted = notLinted
        report.preview = mode == .diff
        if let writeBaseline {
            do {
                try recorded.render().write(toFile: writeBaseline, atomically: true, encoding: .utf8)
            } catch {
                printError("cannot write the baseline '\(writeBaseline)': \(error.localizedDescription)")
                return 2
            }
            FileHandle.standardError.write("copydesk: wrote \(recorded.total) finding(s) of \(reports.count) file(s) to \(writeBaseline)\n".data(using: .utf8)!)
            if !configErrors.isEmpty || reports.withUnsafeBufferPointer({ p in p.indices.contains { p[$0].hasError } }) { return 2 }
            return 0
        }
        if let fixed = stdoutFixed {
            // `--fix` on standard input: the fixed text goes to stdout, the report of what remains to stderr.
            stdoutSink.write(bytes: fixed)
            stdoutSink.flush()
            for out in outputs {
                let rendered = (out.format == .text ? TextReporter(color: false, language: o.language) : out.format.reporter(color: false)).render(report)
                if out.path != nil { write(rendered, to: out.path) } else { FileHandle.standardError.write(rendered.data(using: .utf8)!) }
            }
        } else if mode == .diff {
            stdoutSink.flush()
            let rendered = TextReporter(color: useColor, language: o.language).summary(report)
            FileHandle.standardError.write(rendered.data(using: .utf8)!)
        } else {
            for out in outputs {
                if out.format == .text && streamed {
                    write(TextReporter(color: useColor, language: o.language).summary(report), to: out.path)
                } else if out.format == .json, let w = jsonStreams.first(where: { $0.0 == out.path })?.1 {
                    w.finish(configErrors: configErrors.errors, notLinted: notLinted.count)
                } else if out.format == .sarif, let w = sarifStreams.first(where: { $0.0 == out.path })?.1 {
                    w.finish()
                } else if out.format == .rdjson || out.format == .rdjsonl,
                          let w = rdjsonStreams.first(where: { $0.0 == out.path && $0.1 == out.format })?.2 {
                    w.finish()
                } else if let w = documentStreams.first(where: { $0.0 == out.path && $0.1 == out.format })?.2 {
                    w.finish(configErrors: configErrors.errors, notLinted: notLinted)
                } else {
                    // (Every format streams in a run that gets here; this renders whatever one did not.)
                    write((out.format == .text ? TextReporter(color: out.path == nil && useColor, language: o.language) : out.format.reporter(color: out.path == nil && useColor)).render(report), to: out.path)
                }
            }
        }
        if baselined > 0 {
            FileHandle.standardError.write("copydesk: \(baselined) finding(s) in the baseline not reported\n".data(using: .utf8)!)
        }

        if !configErrors.isEmpty || reports.withUnsafeBufferPointer({ p in p.indices.contains { p[$0].hasError } }) { return 2 }
        let configLevel = (try? runner.config(forDirectory: FileManager.default.currentDirectoryPath).failLevel) ?? nil
        let level = o.failLevel ?? configLevel ?? .error
        // In place (a closure over the elements copied each file's report).
        let failing = reports.withUnsafeBufferPointer { p in p.indices.contains { p[$0].hasFinding(atLeast: level) } }
        if mode == .diff { return differs ? 1 : (failing ? 1 : 0) }
        if let max = o.maxWarnings, report.count(.warning) > max {
            printError("\(report.count(.warning)) warning(s), more than --max-warnings \(max)")
            return 1
        }
        return failing ? 1 : 0
    }
}
