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
                    pairs.append(("relatedLocations", JSON.array(d.related.enumerated().map { k, r in
                        let region: String
                        if let a = r.start, let b = r.end {
                            region = JSON.object([("startLine", "\(a.line)"), ("startColumn", "\(a.column)"),
                                                  ("endLine", "\(b.line)"), ("endColumn", "\(b.column)")])
                        } else {
                            region = SARIFReporter.region(src, r.range)
                        }
                        let relatedURI = r.file.map { ReportPath.uri(ReportPath.display($0, base: baseDirectory)) } ?? uri
                        return JSON.object([("id", "\(k + 1)"),
                                            ("physicalLocation", JSON.object([("artifactLocation", SARIFReporter.artifact(relatedURI)),
                                                                              ("region", region)])),
                                            ("message", SARIFReporter.text(r.message))])
                    })))
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
        let run = "{" + JSON.string("tool") + ":" + JSON.object([("driver", driver)])
            + "," + JSON.string("invocations") + ":" + JSON.array([JSON.object(invocation)])
            + "," + JSON.string("columnKind") + ":" + JSON.string("unicodeCodePoints")
            + "," + JSON.string("results") + ":[\n" + results.joined(separator: ",\n") + "\n]}"
        return "{\"$schema\":" + JSON.string(SARIFReporter.schemaURI) + ",\"version\":\"2.1.0\",\"runs\":[" + run + "]}\n"
    }
}
