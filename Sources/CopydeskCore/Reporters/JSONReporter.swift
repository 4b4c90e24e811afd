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

/// `--format json` written as the run goes (issue 16): the header at once, each file's diagnostics as soon as the
/// file is done (in input order), the errors, skipped files and summary at the end. The bytes are those of
/// `JSONReporter.render` of the whole run; memory holds one file's report, not the run's.
public final class JSONStreamWriter {
    private let sink: ByteSink
    private var first = true
    private var errors: [String] = []
    private var skipped: [String] = []
    private var unreadable = 0
    private var files = 0
    private var counts = [0, 0, 0]   // error, warning, info

    public init(sink: ByteSink, toolVersion: String = copydeskVersion) {
        self.sink = sink
        sink.write("{\"tool\":\"copydesk\",\"version\":" + JSON.string(toolVersion) + ",\"schemaVersion\":1,\"diagnostics\":[\n")
    }

    static func position(_ out: inout [UInt8], _ p: OutputPosition) {
        JSONBytes.ascii(&out, "{\"line\":"); JSONBytes.int(&out, p.line)
        JSONBytes.ascii(&out, ",\"column\":"); JSONBytes.int(&out, p.column)
        JSONBytes.ascii(&out, ",\"utf16Column\":"); JSONBytes.int(&out, p.utf16Column)
        JSONBytes.ascii(&out, ",\"byte\":"); JSONBytes.int(&out, p.offset)
        out.append(0x7D)
    }

    /// The diagnostics of a file of fewer than 8,192 findings, rendered ahead on any thread (separated as `add`
    /// separates them, no separator before the first); nil when it has none or more.
    public static func prepare(_ f: FileReport) -> [UInt8]? {
        guard !f.diagnostics.isEmpty, f.diagnostics.count < 8192, let src = f.locator else { return nil }
        var path: [UInt8] = []
        JSONBytes.string(&path, f.path)
        var out = RenderedBuffers.shared.take(minimumCapacity: f.diagnostics.count * 500)
        var heads = HeadCache()
        var w = ByteWriter(capacity: 4096)
        defer { w.free() }
        f.diagnostics.withUnsafeBufferPointer { ds in
            for i in ds.indices {
                w.clear()
                if i > 0 { w.put(0x2C); w.put(0x0A) }
                append(&w, ds.baseAddress! + i, src, path: path, file: f.path, heads: &heads)
                out.append(contentsOf: w.buffer)
            }
        }
        return out
    }

    /// One file's report (after any baseline or changed-lines filtering); `prepared`: its diagnostics as
    /// `prepare` rendered them.
    /// More findings of a file already added (the duplicates between files, after the last file): not counted again.
    public func addMore(_ f: FileReport) {
        files -= 1
        add(f)
    }

    public func add(_ f: FileReport, prepared: [UInt8]? = nil) {
        files += 1
        if let e = f.error {
            unreadable += 1
            errors.append(JSON.object([("file", JSON.string(f.path)), ("message", JSON.string(e))]))
        }
        if let n = f.notice { skipped.append(JSON.object([("file", JSON.string(f.path)), ("message", JSON.string(n))])) }
        for d in f.diagnostics {
            switch d.severity { case .error: counts[0] += 1; case .warning: counts[1] += 1; case .info: counts[2] += 1 }
        }
        guard !f.diagnostics.isEmpty, let src = f.locator else { return }
        if let prepared, !prepared.isEmpty {
            if first { first = false } else { sink.write(bytes: [0x2C, 0x0A]) }
            sink.write(bytes: prepared)
            return
        }
        var path: [UInt8] = []
        JSONBytes.string(&path, f.path)
        let diagnostics = f.diagnostics
        // Many findings: blocks rendered on all cores (each with its own locator), written in order.
        let block = 2048
        if let workers = BlockBuffers.workers(forFindings: diagnostics.count, block: block) {
            let locators = (0..<(2 * workers)).map { $0 == 0 ? src : f.locator! }
            let firstOverall = first
            BlockBuffers.renderPipelined(count: diagnostics.count, block: block, workers: workers, render: { k, items, part in
                var heads = HeadCache()
                var w = ByteWriter(capacity: 4096)
                defer { w.free() }
                diagnostics.withUnsafeBufferPointer { ds in
                    for i in items {
                        w.clear()
                        if !(firstOverall && i == 0) { w.put(0x2C); w.put(0x0A) }
                        Self.append(&w, ds.baseAddress! + i, locators[k], path: path, file: f.path, heads: &heads)
                        part.append(contentsOf: w.buffer)
                    }
                }
            }, write: { sink.write(bytes: $0) })
            first = false
            return
        }
        var heads = HeadCache()
        var w = ByteWriter(capacity: 4096)
        defer { w.free() }
        diagnostics.withUnsafeBufferPointer { ds in
            for i in ds.indices {
                w.clear()
                if first { first = false } else { w.put(0x2C); w.put(0x0A) }
                Self.append(&w, ds.baseAddress! + i, src, path: path, file: f.path, heads: &heads)
                sink.write(bytes: w.buffer)
            }
        }
    }

    /// One finding as a JSON object, written through a pointer (`ByteWriter`); the diagnostic read in place.
    /// `heads`: the objects' first fields (file, rule, severity, message) kept from earlier findings of this file.
    static func append(_ w: inout ByteWriter, _ d: UnsafePointer<Diagnostic>, _ src: Locator, path: [UInt8], file: String, heads: inout HeadCache) {
        heads.put(&w, d) { out in
            let d = d.pointee
            JSONBytes.ascii(&out, "{\"file\":"); out += path
            JSONBytes.ascii(&out, ",\"rule\":"); JSONBytes.string(&out, d.ruleID)
            JSONBytes.ascii(&out, ",\"severity\":\""); out += d.severity.rawValue.utf8; out.append(0x22)
            JSONBytes.ascii(&out, ",\"message\":"); JSONBytes.string(&out, d.message)
            JSONBytes.ascii(&out, ",\"start\":")
        }
        func position(_ p: OutputPosition) {
            w.put("{\"line\":"); w.putInt(p.line)
            w.put(",\"column\":"); w.putInt(p.column)
            w.put(",\"utf16Column\":"); w.putInt(p.utf16Column)
            w.put(",\"byte\":"); w.putInt(p.offset)
            w.put(0x7D)
        }
        position(src.position(d.pointee.range.lowerBound))
        w.put(",\"end\":"); position(src.position(d.pointee.range.upperBound))
        if let fix = d.pointee.fix {
            w.put(",\"fix\":{\"safety\":\"")
            switch fix.safety { case .safe: w.put("safe"); case .unsafe: w.put("unsafe"); case .none: w.put("none") }
            w.put("\",\"edits\":[")
            var k = 0
            func edit(_ e: Edit) {
                if k > 0 { w.put(0x2C) }
                k += 1
                w.put("{\"start\":"); position(src.position(e.range.lowerBound))
                w.put(",\"end\":"); position(src.position(e.range.upperBound))
                w.put(",\"replacement\":"); w.putJSONString(e.replacement)
                w.put(0x7D)
            }
            if fix.editCount == 1, let e = fix.firstEdit { edit(e) } else { for e in fix.edits { edit(e) } }
            w.put("]}")
        } else {
            w.put(",\"fix\":null")
        }
        if !d.pointee.related.isEmpty {
            let related = JSON.array(d.pointee.related.map { r in
                JSON.object([("file", JSON.string(r.file ?? file)),
                             ("start", JSONReporter.position(r.start ?? src.position(r.range.lowerBound))),
                             ("end", JSONReporter.position(r.end ?? src.position(r.range.upperBound))),
                             ("message", JSON.string(r.message))])
            })
            w.put(",\"related\":"); w.put(Array(related.utf8))
        }
        w.put(0x7D)
    }

    /// The rest of the document: errors (unreadable files, then configuration errors), skipped files, summary.
    public func finish(configErrors: [ConfigError], notLinted: Int) {
        var errors = self.errors
        for c in configErrors {
            errors.append(JSON.object([("file", JSON.string(c.mark.file)), ("line", "\(c.mark.line)"), ("column", "\(c.mark.column)"),
                                       ("message", JSON.string(c.message))]))
        }
        let summary = JSON.object([
            ("files", "\(files)"), ("errors", "\(counts[0])"),
            ("warnings", "\(counts[1])"), ("infos", "\(counts[2])"),
            ("unreadable", "\(unreadable)"), ("skipped", "\(skipped.count)"), ("notLinted", "\(notLinted)"),
            ("configErrors", "\(configErrors.count)"),
        ])
        sink.write("\n],\"errors\":" + JSON.array(errors) + ",\"skipped\":" + JSON.array(skipped) + ",\"summary\":" + summary + "}\n")
        sink.flush()
    }
}
