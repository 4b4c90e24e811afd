import Foundation

/// reviewdog's Diagnostic Format (`reviewdog -f=rdjson` / `-f=rdjsonl`).
///
/// Lines and columns are 1-based and columns count **UTF-8 bytes** (reviewdog's definition); `end` is exclusive,
/// and `start == end` marks an insertion point. Fix edits become `suggestions`, which reviewdog turns into
/// GitHub "suggested changes" with `-reporter=github-pr-review`. A file that could not be linted is reported
/// as an ERROR diagnostic with a path and no range.
enum RDJSON {
    static let source = JSON.object([("name", JSON.string("copydesk"))])

    static func severity(_ s: Severity) -> String {
        switch s {
        case .error: return "ERROR"
        case .warning: return "WARNING"
        case .info: return "INFO"
        }
    }

    static func position(_ src: Locator, _ offset: Int) -> String {
        let p = src.position(offset)
        return JSON.object([("line", "\(p.line)"), ("column", "\(p.byteColumn)")])
    }

    static func range(_ src: Locator, _ r: Range<Int>) -> String {
        JSON.object([("start", position(src, r.lowerBound)), ("end", position(src, r.upperBound))])
    }

    /// Every diagnostic of the report as a JSON object, in file order.
    static func diagnostics(_ report: RunReport, base: String?, withSource: Bool) -> [String] {
        var out: [String] = []
        let rules = Dictionary(report.rules.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for f in report.files {
            let path = ReportPath.display(f.path, base: base)
            if let e = f.error {
                var pairs: [(String, String)] = [("message", JSON.string(e)),
                                                 ("location", JSON.object([("path", JSON.string(path))])),
                                                 ("severity", JSON.string("ERROR"))]
                if withSource { pairs.append(("source", source)) }
                out.append(JSON.object(pairs))
            }
            guard let src = f.locator else { continue }
            for d in f.diagnostics {
                var code: [(String, String)] = [("value", JSON.string(d.ruleID))]
                if let l = rules[d.ruleID]?.link, l.hasPrefix("https://") || l.hasPrefix("http://") { code.append(("url", JSON.string(l))) }
                var pairs: [(String, String)] = [
                    ("message", JSON.string(d.message)),
                    ("location", JSON.object([("path", JSON.string(path)), ("range", range(src, d.range))])),
                    ("severity", JSON.string(severity(d.severity))),
                ]
                if withSource { pairs.append(("source", source)) }
                pairs.append(("code", JSON.object(code)))
                if let fix = d.fix, !fix.edits.isEmpty {
                    let suggestions = fix.edits.map { e in
                        JSON.object([("range", range(src, e.range)), ("text", JSON.string(e.replacement))])
                    }
                    pairs.append(("suggestions", JSON.array(suggestions)))
                }
                out.append(JSON.object(pairs))
            }
        }
        return out
    }
}

/// `--format rdjson`: one `DiagnosticResult` with `source.name` = copydesk and every diagnostic.
public struct RDJSONReporter: Reporter {
    /// Paths under this folder are written relative to it.
    public var baseDirectory: String?
    public init(baseDirectory: String? = FileManager.default.currentDirectoryPath) { self.baseDirectory = baseDirectory }

    public func render(_ report: RunReport) -> String {
        let diags = RDJSON.diagnostics(report, base: baseDirectory, withSource: false)
        return "{\"source\":" + RDJSON.source + ",\"diagnostics\":[\n" + diags.joined(separator: ",\n") + "\n]}\n"
    }
}

/// `--format rdjsonl`: one `Diagnostic` JSON object per line (each carries `source`, as there is no envelope).
public struct RDJSONLReporter: Reporter {
    public var baseDirectory: String?
    public init(baseDirectory: String? = FileManager.default.currentDirectoryPath) { self.baseDirectory = baseDirectory }

    public func render(_ report: RunReport) -> String {
        RDJSON.diagnostics(report, base: baseDirectory, withSource: true).map { $0 + "\n" }.joined()
    }
}

/// `--format rdjson` and `rdjsonl` written as the run goes (issue 13: large reports stream): each file's
/// diagnostics as bytes as soon as the file is done, in input order; the envelope of `rdjson` is closed by
/// `finish()`. The bytes are those of `RDJSONReporter.render` / `RDJSONLReporter.render` of the whole run; memory
/// holds one file's report, not the run's.
public final class RDJSONStreamWriter {
    private let sink: ByteSink
    private let lines: Bool
    private let base: String?
    private var links: [String: [UInt8]] = [:]
    private var first = true

    /// `lines`: rdjsonl (one object a line, each with its `source`); otherwise one rdjson document.
    public init(sink: ByteSink, rules: [Rule], lines: Bool, baseDirectory: String? = FileManager.default.currentDirectoryPath) {
        self.sink = sink
        self.lines = lines
        base = baseDirectory
        for r in rules where links[r.id] == nil {
            if let l = r.link, l.hasPrefix("https://") || l.hasPrefix("http://") {
                var b: [UInt8] = []
                JSONBytes.string(&b, l)
                links[r.id] = b
            } else {
                links[r.id] = []
            }
        }
        if !lines { sink.write("{\"source\":" + RDJSON.source + ",\"diagnostics\":[\n") }
    }

    private func open(_ out: inout [UInt8]) {
        if lines { return }
        if first { first = false } else { out.append(0x2C); out.append(0x0A) }
    }

    private func close(_ out: inout [UInt8]) {
        if lines { JSONBytes.ascii(&out, ",\"source\":{\"name\":\"copydesk\"}") }
    }

    private static func position(_ out: inout [UInt8], _ p: OutputPosition) {
        JSONBytes.ascii(&out, "{\"line\":"); JSONBytes.int(&out, p.line)
        JSONBytes.ascii(&out, ",\"column\":"); JSONBytes.int(&out, p.byteColumn)
        out.append(0x7D)
    }

    private static func range(_ out: inout [UInt8], _ src: Locator, _ r: Range<Int>) {
        JSONBytes.ascii(&out, "{\"start\":"); position(&out, src.position(r.lowerBound))
        JSONBytes.ascii(&out, ",\"end\":"); position(&out, src.position(r.upperBound))
        out.append(0x7D)
    }

    /// One file's report (after any baseline or changed-lines filtering).
    public func add(_ f: FileReport) {
        var path: [UInt8] = []
        JSONBytes.string(&path, ReportPath.display(f.path, base: base))
        if let e = f.error {
            sink.append { out in
                open(&out)
                JSONBytes.ascii(&out, "{\"message\":"); JSONBytes.string(&out, e)
                JSONBytes.ascii(&out, ",\"location\":{\"path\":"); out += path
                JSONBytes.ascii(&out, "},\"severity\":\"ERROR\"")
                close(&out)
                out.append(0x7D)
                if lines { out.append(0x0A) }
            }
        }
        guard let src = f.locator else { return }
        for d in f.diagnostics {
            sink.append { out in
                open(&out)
                JSONBytes.ascii(&out, "{\"message\":"); JSONBytes.string(&out, d.message)
                JSONBytes.ascii(&out, ",\"location\":{\"path\":"); out += path
                JSONBytes.ascii(&out, ",\"range\":"); Self.range(&out, src, d.range)
                JSONBytes.ascii(&out, "},\"severity\":\""); out += RDJSON.severity(d.severity).utf8; out.append(0x22)
                close(&out)
                JSONBytes.ascii(&out, ",\"code\":{\"value\":"); JSONBytes.string(&out, d.ruleID)
                if let l = links[d.ruleID], !l.isEmpty { JSONBytes.ascii(&out, ",\"url\":"); out += l }
                out.append(0x7D)
                if let fix = d.fix, !fix.edits.isEmpty {
                    JSONBytes.ascii(&out, ",\"suggestions\":[")
                    for (k, e) in fix.edits.enumerated() {
                        if k > 0 { out.append(0x2C) }
                        JSONBytes.ascii(&out, "{\"range\":"); Self.range(&out, src, e.range)
                        JSONBytes.ascii(&out, ",\"text\":"); JSONBytes.string(&out, e.replacement)
                        out.append(0x7D)
                    }
                    out.append(0x5D)
                }
                out.append(0x7D)
                if lines { out.append(0x0A) }
            }
        }
    }

    /// Ends the document (rdjson); nothing for rdjsonl.
    public func finish() {
        if !lines { sink.write("\n]}\n") }
        sink.flush()
    }
}
