/// `--format json`: one JSON document with every diagnostic (positions in lines, Unicode-scalar columns,
/// UTF-16 columns and UTF-8 byte offsets), its fix if any, and the files that could not be read.
public struct JSONReporter: Reporter {
    public init() {}

    static func position(_ p: OutputPosition) -> String {
        JSON.object([("line", "\(p.line)"), ("column", "\(p.column)"), ("utf16Column", "\(p.utf16Column)"), ("byte", "\(p.offset)")])
    }

    public func render(_ report: RunReport) -> String {
        var diags: [String] = []
        var errors: [String] = []
        var skipped: [String] = []
        for f in report.files {
            if let e = f.error { errors.append(JSON.object([("file", JSON.string(f.path)), ("message", JSON.string(e))])) }
            if let n = f.notice { skipped.append(JSON.object([("file", JSON.string(f.path)), ("message", JSON.string(n))])) }
            guard let src = f.locator else { continue }
            for d in f.diagnostics {
                var pairs: [(String, String)] = [
                    ("file", JSON.string(f.path)), ("rule", JSON.string(d.ruleID)), ("severity", JSON.string(d.severity.rawValue)),
                    ("message", JSON.string(d.message)),
                    ("start", JSONReporter.position(src.position(d.range.lowerBound))),
                    ("end", JSONReporter.position(src.position(d.range.upperBound))),
                ]
                if let map = f.wordMap {
                    pairs.append(("word", map.json(line: src.position(d.range.lowerBound).line - 1, offset: d.range.lowerBound)))
                }
                if let fix = d.fix {
                    let edits = fix.edits.map { e in
                        JSON.object([("start", JSONReporter.position(src.position(e.range.lowerBound))),
                                     ("end", JSONReporter.position(src.position(e.range.upperBound))),
                                     ("replacement", JSON.string(e.replacement))])
                    }
                    pairs.append(("fix", JSON.object([("safety", JSON.string(fix.safety.rawValue)), ("edits", JSON.array(edits))])))
                } else {
                    pairs.append(("fix", "null"))
                }
                if !d.related.isEmpty {
                    // The earlier copy of a duplicate: in this file (converted like the finding) or in another.
                    pairs.append(("related", JSON.array(d.related.map { r in
                        JSON.object([("file", JSON.string(r.file ?? f.path)),
                                     ("start", JSONReporter.position(r.start ?? src.position(r.range.lowerBound))),
                                     ("end", JSONReporter.position(r.end ?? src.position(r.range.upperBound))),
                                     ("message", JSON.string(r.message))])
                    })))
                }
                diags.append(JSON.object(pairs))
            }
        }
        let unreadable = errors.count
        // Configuration and rule errors, with their positions (the files they govern were not linted).
        for c in report.configErrors {
            errors.append(JSON.object([("file", JSON.string(c.mark.file)), ("line", "\(c.mark.line)"), ("column", "\(c.mark.column)"),
                                       ("message", JSON.string(c.message))]))
        }
        let summary = JSON.object([
            ("files", "\(report.files.count)"), ("errors", "\(report.count(.error))"),
            ("warnings", "\(report.count(.warning))"), ("infos", "\(report.count(.info))"),
            ("unreadable", "\(unreadable)"), ("skipped", "\(skipped.count)"), ("notLinted", "\(report.notLinted.count)"),
            ("configErrors", "\(report.configErrors.count)"),
        ])
        return "{\"tool\":\"copydesk\",\"version\":" + JSON.string(report.toolVersion) + ",\"schemaVersion\":1"
            + ",\"diagnostics\":[\n" + diags.joined(separator: ",\n") + "\n],\"errors\":" + JSON.array(errors)
            + ",\"skipped\":" + JSON.array(skipped) + ",\"summary\":" + summary + "}\n"
    }
}
