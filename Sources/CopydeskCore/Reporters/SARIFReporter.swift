import Foundation

/// `--format sarif`: one SARIF 2.1.0 log with one run, for GitHub code scanning and SARIF viewers.
///
/// - Columns are Unicode scalars (`run.columnKind` = `unicodeCodePoints`, written out because tools disagree on
///   the default); `endColumn` is exclusive, as SARIF defines it ("the character following the end").
/// - `tool.driver.rules` lists the rules that ran (plus any id a finding carries that is not among them, such as
///   `copydesk.unused-disable`); each result points at its rule with `ruleId` and `ruleIndex`.
/// - `partialFingerprints.primaryLocationLineHash` is a stable hash of the rule id and the trimmed line text,
///   followed by `:<n>` for the n-th such finding in the file, so alerts survive lines moving up or down.
/// - Fixes become `fixes[].artifactChanges[].replacements[]`; files that could not be linted become
///   `invocations[0].toolExecutionNotifications`, with `executionSuccessful: false`.
public struct SARIFReporter: Reporter {
    public static let schemaURI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

    /// Paths under this folder are written relative to it (the repository root in CI).
    public var baseDirectory: String?

    public init(baseDirectory: String? = FileManager.default.currentDirectoryPath) { self.baseDirectory = baseDirectory }

    static func level(_ s: Severity) -> String {
        switch s {
        case .error: return "error"
        case .warning: return "warning"
        case .info: return "note"
        }
    }

    static func text(_ s: String) -> String { JSON.object([("text", JSON.string(s))]) }

    /// A region from byte offsets: lines and scalar columns, end exclusive.
    static func region(_ src: Locator, _ range: Range<Int>) -> String {
        let a = src.position(range.lowerBound), b = src.position(range.upperBound)
        return JSON.object([("startLine", "\(a.line)"), ("startColumn", "\(a.column)"),
                            ("endLine", "\(b.line)"), ("endColumn", "\(b.column)")])
    }

    static func artifact(_ uri: String) -> String { JSON.object([("uri", JSON.string(uri))]) }

    /// §3.27.22 `relatedLocations`: the earlier copy of a duplicate, in this file (`uri`) or another. Shared by the
    /// renderer and the streaming writer.
    static func relatedLocations(_ related: [RelatedLocation], _ src: Locator, uri: String, base: String?) -> String {
        JSON.array(related.enumerated().map { k, r in
            let region: String
            if let a = r.start, let b = r.end {
                region = JSON.object([("startLine", "\(a.line)"), ("startColumn", "\(a.column)"),
                                      ("endLine", "\(b.line)"), ("endColumn", "\(b.column)")])
            } else {
                region = SARIFReporter.region(src, r.range)
            }
            let relatedURI = r.file.map { ReportPath.uri(ReportPath.display($0, base: base)) } ?? uri
            return JSON.object([("id", "\(k + 1)"),
                                ("physicalLocation", JSON.object([("artifactLocation", SARIFReporter.artifact(relatedURI)),
                                                                  ("region", region)])),
                                ("message", SARIFReporter.text(r.message))])
        })
    }

    /// The rules to describe: those that ran, then ids seen only in findings, in order of first appearance.
    static func ruleTable(_ report: RunReport) -> (entries: [String], index: [String: Int]) {
        var entries: [String] = []
        var index: [String: Int] = [:]
        for r in report.rules where index[r.id] == nil {
            index[r.id] = entries.count
            var help = r.description
            if let a = r.authority, !a.isEmpty { help += "\n\nAuthority: " + a }
            var pairs: [(String, String)] = [
                ("id", JSON.string(r.id)),
                ("shortDescription", text(r.message)),
                ("fullDescription", text(r.description)),
                ("help", text(help)),
            ]
            if let l = r.link, l.hasPrefix("https://") || l.hasPrefix("http://") { pairs.append(("helpUri", JSON.string(l))) }
            pairs.append(("defaultConfiguration", JSON.object([("level", JSON.string(level(r.severity)))])))
            pairs.append(("properties", JSON.object([("tags", JSON.array([JSON.string(r.pack)])),
                                                     ("fix", JSON.string(r.fixSafety.rawValue))])))
            entries.append(JSON.object(pairs))
        }
        for f in report.files {
            for d in f.diagnostics where index[d.ruleID] == nil {
                index[d.ruleID] = entries.count
                let desc = RuleSet.metaRules.first { $0.id == d.ruleID }?.description ?? d.message
                entries.append(JSON.object([
                    ("id", JSON.string(d.ruleID)), ("shortDescription", text(d.message)),
                    ("fullDescription", text(desc)), ("help", text(desc)),
                    ("defaultConfiguration", JSON.object([("level", JSON.string(level(d.severity)))])),
                ]))
            }
        }
        return (entries, index)
    }

    public func render(_ report: RunReport) -> String {
        let (rules, ruleIndex) = SARIFReporter.ruleTable(report)
        var results: [String] = []
        var notifications: [String] = []
        for f in report.files {
            let uri = ReportPath.uri(ReportPath.display(f.path, base: baseDirectory))
            if let e = f.error {
                notifications.append(JSON.object([
                    ("level", JSON.string("error")), ("message", SARIFReporter.text(e)),
                    ("locations", JSON.array([JSON.object([("physicalLocation", JSON.object([("artifactLocation", SARIFReporter.artifact(uri))]))])])),
                ]))
            }
            guard let src = f.locator else { continue }
            var seen: [String: Int] = [:]
            for d in f.diagnostics {
                let hash = src.fingerprint(ruleID: d.ruleID, offset: d.range.lowerBound)
                let n = (seen[hash] ?? 0) + 1
                seen[hash] = n
                var pairs: [(String, String)] = [
                    ("ruleId", JSON.string(d.ruleID)),
                    ("ruleIndex", "\(ruleIndex[d.ruleID]!)"),
                    ("level", JSON.string(SARIFReporter.level(d.severity))),
                    ("message", SARIFReporter.text(d.message)),
                    ("locations", JSON.array([JSON.object([("physicalLocation", JSON.object([
                        ("artifactLocation", SARIFReporter.artifact(uri)),
                        ("region", SARIFReporter.region(src, d.range)),
                    ]))])])),
                    ("partialFingerprints", JSON.object([("primaryLocationLineHash", JSON.string("\(hash):\(n)"))])),
                ]
                if !d.related.isEmpty {
                    // The earlier copy of a duplicate (§3.27.22 relatedLocations), in this file or another.
                    pairs.append(("relatedLocations", SARIFReporter.relatedLocations(d.related, src, uri: uri, base: baseDirectory)))
                }
                if let fix = d.fix, !fix.edits.isEmpty {
                    let replacements = fix.edits.map { e in
                        JSON.object([("deletedRegion", SARIFReporter.region(src, e.range)),
                                     ("insertedContent", SARIFReporter.text(e.replacement))])
                    }
                    pairs.append(("fixes", JSON.array([JSON.object([
                        ("description", SARIFReporter.text(fix.summary)),
                        ("artifactChanges", JSON.array([JSON.object([("artifactLocation", SARIFReporter.artifact(uri)),
                                                                     ("replacements", JSON.array(replacements))])])),
                        ("properties", JSON.object([("safety", JSON.string(fix.safety.rawValue))])),
                    ])])))
                }
                results.append(JSON.object(pairs))
            }
        }
        var invocation: [(String, String)] = [("executionSuccessful", notifications.isEmpty ? "true" : "false")]
        if !notifications.isEmpty { invocation.append(("toolExecutionNotifications", JSON.array(notifications))) }
        let driver = JSON.object([("name", JSON.string("copydesk")), ("semanticVersion", JSON.string(report.toolVersion)),
                                  ("rules", "[\n" + rules.joined(separator: ",\n") + "\n]")])
        // The results come first (JSON members have no order): a streamed report writes them as files are done
        // and the rule table, which grows with them, at the end (`SARIFStreamWriter`).
        return SARIFReporter.head + results.joined(separator: ",\n") + SARIFReporter.tail(driver: driver, invocation: invocation)
    }

    /// Everything before the first result.
    static var head: String {
        "{\"$schema\":" + JSON.string(SARIFReporter.schemaURI) + ",\"version\":\"2.1.0\",\"runs\":[{" + JSON.string("results") + ":[\n"
    }

    /// Everything after the last result: the tool with its rule table, the invocation, the column kind.
    static func tail(driver: String, invocation: [(String, String)]) -> String {
        "\n]," + JSON.string("tool") + ":" + JSON.object([("driver", driver)])
            + "," + JSON.string("invocations") + ":" + JSON.array([JSON.object(invocation)])
            + "," + JSON.string("columnKind") + ":" + JSON.string("unicodeCodePoints") + "}]}\n"
    }
}

/// `--format sarif` written as the run goes (issue 16). The rule table and the invocation are known only at the end
/// (ids seen only in findings, files that could not be read), so the run object lists its results first and writes
/// them as each file is done; the tool, the invocation and the column kind follow them. (Before, the results went to
/// a spool file and were copied after a head: on a 25 MB page that wrote 190 MB twice more.) The bytes are those of
/// `SARIFReporter.render` of the whole run; memory holds one file's report, not the run's.
public final class SARIFStreamWriter {
    private let sink: ByteSink
    private var started = false
    private let reporter: SARIFReporter
    private let report: RunReport   // the rules only; files are not kept
    private var rules: [String]
    private var ruleIndex: [String: Int]
    /// The rule table's ids at the start (ids seen later only in findings are added after them: indices never
    /// change), read by `prepare` on any thread.
    private let knownRules: [String: Int]
    private var notifications: [String] = []
    private var first = true

    /// `rules`: the rules of the run, as `RunReport.rules` would hold them.
    public init(sink: ByteSink, rules: [Rule], toolVersion: String = copydeskVersion,
                baseDirectory: String? = FileManager.default.currentDirectoryPath) {
        self.sink = sink
        reporter = SARIFReporter(baseDirectory: baseDirectory)
        report = RunReport(files: [], rules: rules, toolVersion: toolVersion)
        let table = SARIFReporter.ruleTable(report)
        self.rules = table.entries
        ruleIndex = table.index
        knownRules = table.index
    }

    /// The block of results of a file of fewer than 8,192 findings, rendered ahead on any thread (items separated
    /// as `add` separates them, no separator before the first): nil when it has none, has more, or names a rule
    /// the table does not have yet (then `add` renders it).
    public func prepare(_ f: FileReport) -> [UInt8]? {
        guard !f.diagnostics.isEmpty, f.diagnostics.count < 8192, let src = f.locator else { return nil }
        var lastRule = "", lastIndex = 0
        var indices: [Int] = []
        indices.reserveCapacity(f.diagnostics.count)
        for d in f.diagnostics {
            if d.ruleID != lastRule {
                guard let k = knownRules[d.ruleID] else { return nil }
                lastRule = d.ruleID; lastIndex = k
            }
            indices.append(lastIndex)
        }
        let base = reporter.baseDirectory
        let uri = ReportPath.uri(ReportPath.display(f.path, base: base))
        let file = FileBytes(uri: uri)
        var seen: [UInt64: Int] = [:]
        seen.reserveCapacity(f.diagnostics.count)
        var out = RenderedBuffers.shared.take(minimumCapacity: f.diagnostics.count * 600)
        let hashes = src.fingerprintValues(f.diagnostics, f.diagnostics.indices)
        var heads = HeadCache()
        var w = ByteWriter(capacity: 4096)
        defer { w.free() }
        f.diagnostics.withUnsafeBufferPointer { ds in
            for i in ds.indices {
                let hash = hashes[i]
                let n = (seen[hash] ?? 0) + 1
                seen[hash] = n
                w.clear()
                if i > 0 { w.put(0x2C); w.put(0x0A) }
                Self.appendResult(&w, ds.baseAddress! + i, src, hash: hash, repeat: n, ruleIndex: indices[i], file: file,
                                  uri: uri, base: base, heads: &heads)
                out.append(contentsOf: w.buffer)
            }
        }
        return out
    }

    /// What a file's results repeat, as bytes: its artifact location (`{"artifactLocation":{"uri":…}`, the
    /// physical location left open) and its URI as a JSON string.
    struct FileBytes {
        let artifact: [UInt8]
        let uri: [UInt8]
        init(uri: String) {
            var u: [UInt8] = []
            JSONBytes.string(&u, uri)
            self.uri = u
            var a: [UInt8] = []
            JSONBytes.ascii(&a, "{\"artifactLocation\":{\"uri\":"); a += u; a.append(0x7D)
            artifact = a
        }
    }

    private static func region(_ w: inout ByteWriter, _ src: Locator, _ range: Range<Int>) {
        let a = src.position(range.lowerBound), b = src.position(range.upperBound)
        w.put("{\"startLine\":"); w.putInt(a.line)
        w.put(",\"startColumn\":"); w.putInt(a.column)
        w.put(",\"endLine\":"); w.putInt(b.line)
        w.put(",\"endColumn\":"); w.putInt(b.column)
        w.put(0x7D)
    }

    private static func text(_ out: inout [UInt8], _ s: String) {
        JSONBytes.ascii(&out, "{\"text\":"); JSONBytes.string(&out, s); out.append(0x7D)
    }

    /// The rules whose findings may come again for a file after the last one (the duplicates between files): their
    /// fingerprints' repeat numbers continue in that second part.
    public var continuing: Set<String> {
        get { carry.rules }
        set { carry.rules = newValue }
    }
    private var carry = RepeatCarry()

    /// One file's report; `prepared`: its results as `prepare` rendered them.
    public func add(_ f: FileReport, prepared: [UInt8]? = nil) {
        if !carry.rules.isEmpty, f.error == nil, let src = f.locator { carry.remember(f, src) }
        write(f, prepared: prepared, seen: [:])
    }

    /// More findings of a file already added (the duplicates between files, after the last file).
    public func addMore(_ f: FileReport) {
        write(f, prepared: nil, seen: carry.take(f.path))
    }

    private func write(_ f: FileReport, prepared: [UInt8]?, seen seeded: [UInt64: Int]) {
        if let prepared, !prepared.isEmpty, f.error == nil {
            // Every rule of the block is in the table already.
            start()
            if first { first = false } else { sink.write(bytes: [0x2C, 0x0A]) }
            sink.write(bytes: prepared)
            return
        }
        let uri = ReportPath.uri(ReportPath.display(f.path, base: reporter.baseDirectory))
        if let e = f.error {
            notifications.append(JSON.object([
                ("level", JSON.string("error")), ("message", SARIFReporter.text(e)),
                ("locations", JSON.array([JSON.object([("physicalLocation", JSON.object([("artifactLocation", SARIFReporter.artifact(uri))]))])])),
            ]))
        }
        if let prepared, !prepared.isEmpty {
            // Every rule of the block is in the table already.
            start()
            if first { first = false } else { sink.write(bytes: [0x2C, 0x0A]) }
            sink.write(bytes: prepared)
            return
        }
        var lastRule = ""
        for d in f.diagnostics where d.ruleID != lastRule {
            lastRule = d.ruleID
            if ruleIndex[d.ruleID] != nil { continue }
            // As `SARIFReporter.ruleTable`: an id no rule of the run has, described by its first finding.
            ruleIndex[d.ruleID] = rules.count
            let desc = RuleSet.metaRules.first { $0.id == d.ruleID }?.description ?? d.message
            rules.append(JSON.object([
                ("id", JSON.string(d.ruleID)), ("shortDescription", SARIFReporter.text(d.message)),
                ("fullDescription", SARIFReporter.text(desc)), ("help", SARIFReporter.text(desc)),
                ("defaultConfiguration", JSON.object([("level", JSON.string(SARIFReporter.level(d.severity)))])),
            ]))
        }
        guard let src = f.locator, !f.diagnostics.isEmpty else { return }
        start()
        let file = FileBytes(uri: uri)
        var seen = seeded
        let diagnostics = f.diagnostics
        let ruleIndex = self.ruleIndex, base = reporter.baseDirectory
        // Many findings: blocks on all cores, fingerprints worked out on each block's worker, repeats numbered block
        // after block, blocks written in order (the same bytes as one pass).
        let block = 2048
        if let workers = BlockBuffers.workers(forFindings: diagnostics.count, block: block) {
            let locators = (0..<(2 * workers)).map { $0 == 0 ? src : f.locator! }
            let firstOverall = first
            // Each block's fingerprints on its worker, their repeats numbered block after block, the block rendered.
            BlockBuffers.renderPipelined(count: diagnostics.count, block: block, workers: workers, before: { k, items in
                (hashes: locators[k].fingerprintValues(diagnostics, items), repeats: [Int]())
            }, inOrder: { _, v in
                v.repeats = v.hashes.map { h in let n = (seen[h] ?? 0) + 1; seen[h] = n; return n }
            }, render: { k, items, v, part in
                var lastRule = "", lastIndex = 0
                var heads = HeadCache()
                var w = ByteWriter(capacity: 4096)
                defer { w.free() }
                diagnostics.withUnsafeBufferPointer { ds in
                    for (j, i) in items.enumerated() {
                        w.clear()
                        if !(firstOverall && i == 0) { w.put(0x2C); w.put(0x0A) }
                        let d = ds.baseAddress! + i
                        if d.pointee.ruleID != lastRule { lastRule = d.pointee.ruleID; lastIndex = ruleIndex[d.pointee.ruleID]! }
                        Self.appendResult(&w, d, locators[k], hash: v.hashes[j], repeat: v.repeats[j],
                                          ruleIndex: lastIndex, file: file, uri: uri, base: base, heads: &heads)
                        part.append(contentsOf: w.buffer)
                    }
                }
            }, write: { sink.write(bytes: $0) })
            first = false
            return
        }
        let hashes = src.fingerprintValues(diagnostics, diagnostics.indices)
        var heads = HeadCache()
        var w = ByteWriter(capacity: 4096)
        defer { w.free() }
        diagnostics.withUnsafeBufferPointer { ds in
            for i in ds.indices {
                let hash = hashes[i]
                let n = (seen[hash] ?? 0) + 1
                seen[hash] = n
                let d = ds.baseAddress! + i
                w.clear()
                if first { first = false } else { w.put(0x2C); w.put(0x0A) }
                Self.appendResult(&w, d, src, hash: hash, repeat: n, ruleIndex: ruleIndex[d.pointee.ruleID]!, file: file,
                                  uri: uri, base: base, heads: &heads)
                sink.write(bytes: w.buffer)
            }
        }
    }

    /// One result object, written through a pointer (`ByteWriter`); the diagnostic read in place.
    private static func appendResult(_ w: inout ByteWriter, _ d: UnsafePointer<Diagnostic>, _ src: Locator, hash: UInt64, repeat n: Int,
                                     ruleIndex: Int, file: FileBytes, uri: String, base: String?, heads: inout HeadCache) {
        // Up to the region: the same for every finding of one rule, severity and message in the file.
        heads.put(&w, d) { out in
            let d = d.pointee
            JSONBytes.ascii(&out, "{\"ruleId\":"); JSONBytes.string(&out, d.ruleID)
            JSONBytes.ascii(&out, ",\"ruleIndex\":"); JSONBytes.int(&out, ruleIndex)
            JSONBytes.ascii(&out, ",\"level\":\""); out += SARIFReporter.level(d.severity).utf8; out.append(0x22)
            JSONBytes.ascii(&out, ",\"message\":"); text(&out, d.message)
            JSONBytes.ascii(&out, ",\"locations\":[{\"physicalLocation\":"); out += file.artifact
            JSONBytes.ascii(&out, ",\"region\":")
        }
        region(&w, src, d.pointee.range); w.put("}}]")
        w.put(",\"partialFingerprints\":{\"primaryLocationLineHash\":\""); w.putHex16(hash)
        w.put(0x3A); w.putInt(n); w.put("\"}")
        if !d.pointee.related.isEmpty {
            let related = SARIFReporter.relatedLocations(d.pointee.related, src, uri: uri, base: base)
            w.put(",\"relatedLocations\":"); w.put(Array(related.utf8))
        }
        if let fix = d.pointee.fix, fix.editCount > 0 {
            w.put(",\"fixes\":[{\"description\":{\"text\":")
            if fix.editCount == 1, let e = fix.firstEdit, !e.replacement.isEmpty {
                // `Fix.appendSummaryJSON`: 插入 “x” / 改为 “x”.
                w.put(e.range.isEmpty ? "\"插入 “" : "\"改为 “"); w.putJSONStringBody(e.replacement); w.put("”\"")
            } else {
                w.putJSONString(fix.summary)
            }
            w.put(0x7D)
            w.put(",\"artifactChanges\":[{\"artifactLocation\":{\"uri\":"); w.put(file.uri)
            w.put("},\"replacements\":[")
            var k = 0
            func edit(_ e: Edit) {
                if k > 0 { w.put(0x2C) }
                k += 1
                w.put("{\"deletedRegion\":"); region(&w, src, e.range)
                w.put(",\"insertedContent\":{\"text\":"); w.putJSONString(e.replacement); w.put("}}")
            }
            if fix.editCount == 1, let e = fix.firstEdit { edit(e) } else { for e in fix.edits { edit(e) } }
            w.put("]}],\"properties\":{\"safety\":\"")
            switch fix.safety { case .safe: w.put("safe"); case .unsafe: w.put("unsafe"); case .none: w.put("none") }
            w.put("\"}}]")
        }
        w.put(0x7D)
    }

    /// The head, once, before the first result.
    private func start() {
        guard !started else { return }
        started = true
        sink.write(SARIFReporter.head)
    }

    /// The tail (rule table, invocation) after the results.
    public func finish() {
        var invocation: [(String, String)] = [("executionSuccessful", notifications.isEmpty ? "true" : "false")]
        if !notifications.isEmpty { invocation.append(("toolExecutionNotifications", JSON.array(notifications))) }
        let driver = JSON.object([("name", JSON.string("copydesk")), ("semanticVersion", JSON.string(report.toolVersion)),
                                  ("rules", "[\n" + rules.joined(separator: ",\n") + "\n]")])
        start()
        sink.write(SARIFReporter.tail(driver: driver, invocation: invocation))
        sink.flush()
    }
}
