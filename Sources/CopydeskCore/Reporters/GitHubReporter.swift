import Foundation

/// `--format github`: GitHub Actions workflow commands, one annotation per line:
///
///     ::error file=drafts/a.md,line=3,endLine=3,col=12,endColumn=13,title=spacing.han-space-han::汉字之间不应有空格
///
/// `info` findings become `::notice`. Escaping follows @actions/core: in the message `%`→`%25`, CR→`%0D`,
/// LF→`%0A`; property values additionally `:`→`%3A` and `,`→`%2C`. A file that could not be linted gets a
/// file-level `::error` without a line.
///
/// Column unit: **UTF-16 code units**, 1-based, `endColumn` exclusive. The workflow-command parser (the .NET
/// runner), @actions/core and the linters GitHub's annotations are usually fed from (ESLint, textlint — all
/// JavaScript) count string positions in UTF-16, so that is what the annotation columns mean; it also matches
/// the reference notes (UTF-16 for LSP/GitHub). For CJK in the Basic Multilingual Plane this equals the
/// Unicode-scalar column; only astral characters such as 𠮷 (two code units) make it differ. GitHub accepts
/// columns only when an annotation starts and ends on the same line, so multi-line findings carry lines only.
public struct GitHubReporter: Reporter {
    /// Paths under this folder are written relative to it (annotations need repository-relative paths).
    public var baseDirectory: String?
    public init(baseDirectory: String? = FileManager.default.currentDirectoryPath) { self.baseDirectory = baseDirectory }

    public static func escapeData(_ s: String) -> String {
        s.replacingOccurrences(of: "%", with: "%25")
            .replacingOccurrences(of: "\r", with: "%0D")
            .replacingOccurrences(of: "\n", with: "%0A")
    }

    public static func escapeProperty(_ s: String) -> String {
        escapeData(s).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
    }

    static func command(_ s: Severity) -> String {
        switch s {
        case .error: return "error"
        case .warning: return "warning"
        case .info: return "notice"
        }
    }

    static func line(_ command: String, _ properties: [(String, String)], _ message: String) -> String {
        "::" + command + " " + properties.map { $0.0 + "=" + escapeProperty($0.1) }.joined(separator: ",")
            + "::" + escapeData(message) + "\n"
    }

    public func render(_ report: RunReport) -> String {
        var out = ""
        for c in report.configErrors {
            out += GitHubReporter.line("error", [("file", ReportPath.display(c.mark.file, base: baseDirectory)), ("line", "\(c.mark.line)"),
                                                 ("col", "\(c.mark.column)"), ("title", "copydesk configuration")], c.message)
        }
        for f in report.files {
            let path = ReportPath.display(f.path, base: baseDirectory)
            if let e = f.error {
                out += GitHubReporter.line("error", [("file", path), ("title", "copydesk")], e)
            }
            if let n = f.notice {
                out += GitHubReporter.line("notice", [("file", path), ("title", "copydesk")], n)
            }
            guard let src = f.locator else { continue }
            for d in f.diagnostics {
                let a = src.position(d.range.lowerBound), b = src.position(d.range.upperBound)
                var props: [(String, String)] = [("file", path), ("line", "\(a.line)"), ("endLine", "\(b.line)")]
                if a.line == b.line {
                    props += [("col", "\(a.utf16Column)"), ("endColumn", "\(b.utf16Column)")]
                }
                props.append(("title", d.ruleID))
                out += GitHubReporter.line(GitHubReporter.command(d.severity), props, d.message)
            }
        }
        return out
    }
}

/// `--format github` written as the run goes: the configuration errors at once, each file's annotations as soon as
/// the file is done. The bytes of `GitHubReporter.render` of the whole run (one `String` built by Foundation's
/// search and replace per field took 9 s and 156 MB for the 273k findings of a 25 MB page).
public final class GitHubStreamWriter: DocumentStreamWriter {
    private let sink: ByteSink
    private let base: String?

    public init(sink: ByteSink, configErrors: [ConfigError], baseDirectory: String? = FileManager.default.currentDirectoryPath) {
        self.sink = sink
        base = baseDirectory
        for c in configErrors {
            sink.write(GitHubReporter.line("error", [("file", ReportPath.display(c.mark.file, base: base)), ("line", "\(c.mark.line)"),
                                                     ("col", "\(c.mark.column)"), ("title", "copydesk configuration")], c.message))
        }
    }

    public func add(_ f: FileReport) {
        let path = ReportPath.display(f.path, base: base)
        if let e = f.error { sink.write(GitHubReporter.line("error", [("file", path), ("title", "copydesk")], e)) }
        if let n = f.notice { sink.write(GitHubReporter.line("notice", [("file", path), ("title", "copydesk")], n)) }
        guard let src = f.locator else { return }
        var file: [UInt8] = []
        EscapeBytes.github(&file, path, property: true)
        // The title and message of the last rule seen, escaped (a file's findings come mostly a rule at a time).
        var lastRule = "", lastMessage = "", tail: [UInt8] = []
        f.diagnostics.withUnsafeBufferPointer { ds in
            for d in ds {
                let a = src.position(d.range.lowerBound), b = src.position(d.range.upperBound)
                if tail.isEmpty || d.ruleID != lastRule || d.message != lastMessage {
                    lastRule = d.ruleID; lastMessage = d.message
                    tail.removeAll(keepingCapacity: true)
                    EscapeBytes.ascii(&tail, ",title="); EscapeBytes.github(&tail, d.ruleID, property: true)
                    EscapeBytes.ascii(&tail, "::"); EscapeBytes.github(&tail, d.message, property: false)
                    tail.append(0x0A)
                }
                sink.append { out in
                    out.append(0x3A); out.append(0x3A)
                    switch d.severity {
                    case .error: EscapeBytes.ascii(&out, "error")
                    case .warning: EscapeBytes.ascii(&out, "warning")
                    case .info: EscapeBytes.ascii(&out, "notice")
                    }
                    EscapeBytes.ascii(&out, " file="); out += file
                    EscapeBytes.ascii(&out, ",line="); EscapeBytes.int(&out, a.line)
                    EscapeBytes.ascii(&out, ",endLine="); EscapeBytes.int(&out, b.line)
                    if a.line == b.line {
                        EscapeBytes.ascii(&out, ",col="); EscapeBytes.int(&out, a.utf16Column)
                        EscapeBytes.ascii(&out, ",endColumn="); EscapeBytes.int(&out, b.utf16Column)
                    }
                    out += tail
                }
            }
        }
    }

    public func finish(configErrors: [ConfigError], notLinted: [String]) { sink.flush() }
}
