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
