import Foundation

/// A baseline: findings recorded on purpose (`copydesk baseline create`), which `lint --baseline FILE` does not
/// report, so that only new findings fail a build.
///
/// A finding is matched by its rule, its file (the path as reported, relative to the working folder), a hash of the
/// text of its line (trimmed of surrounding whitespace) and the text it covers — never by line number, so text
/// inserted above does not bring old findings back. Each entry holds a count: `n` identical findings on identical
/// lines are `n` entries' worth, and a new identical one beyond that is reported. Fixed findings are gone when the
/// baseline is written again.
///
/// File format (version 1), JSON, entries sorted by file, rule, line hash, text (stable under re-ordering):
///
///     {"tool":"copydesk","baselineVersion":1,"findings":[
///       {"file":"examples/ocr-page.txt","rule":"spacing.han-digit","lineHash":"5f0c…","text":" ","count":2}
///     ]}
///
/// `lineHash` is 64-bit FNV-1a (16 hex digits) of the rule id, a NUL and the trimmed line's UTF-8 text — the same
/// hash as SARIF's `primaryLocationLineHash`.
public struct Baseline: Sendable {
    public struct Key: Hashable, Sendable, Comparable {
        public var file: String
        public var rule: String
        public var lineHash: String
        public var text: String
        public static func < (a: Key, b: Key) -> Bool {
            (a.file, a.rule, a.lineHash, a.text) < (b.file, b.rule, b.lineHash, b.text)
        }
    }

    public private(set) var counts: [Key: Int] = [:]
    public static let version = 1

    public init() {}

    /// The key of each finding of a file that still has its text (in the order of `report.diagnostics`).
    public static func keys(_ report: FileReport, base: String?) -> [Key] {
        guard let src = report.source else { return [] }
        let file = ReportPath.display(report.path, base: base)
        let loc = Locator(source: src, positions: [:], fingerprints: [:])
        return report.diagnostics.map { d in
            let hi = min(d.range.upperBound, src.bytes.count), lo = min(d.range.lowerBound, hi)
            return Key(file: file, rule: d.ruleID, lineHash: loc.fingerprint(ruleID: d.ruleID, offset: d.range.lowerBound),
                       text: src.string(lo..<hi))
        }
    }

    public mutating func add(_ report: FileReport, base: String?) {
        for k in Baseline.keys(report, base: base) { counts[k, default: 0] += 1 }
    }

    public var total: Int { counts.values.reduce(0, +) }

    /// Removes from `report` the findings the baseline holds (using up their counts); returns how many.
    public mutating func filter(_ report: inout FileReport, base: String?) -> Int {
        guard report.source != nil, !counts.isEmpty else { return 0 }
        let keys = Baseline.keys(report, base: base)
        var keep: [Diagnostic] = []
        keep.reserveCapacity(report.diagnostics.count)
        var dropped = 0
        for (d, k) in zip(report.diagnostics, keys) {
            if !d.isRuleFailure, let n = counts[k], n > 0 {
                counts[k] = n - 1
                dropped += 1
            } else {
                keep.append(d)
            }
        }
        report.diagnostics = keep
        return dropped
    }

    public func render() -> String {
        let rows = counts.keys.sorted().map { k in
            "  " + JSON.object([("file", JSON.string(k.file)), ("rule", JSON.string(k.rule)), ("lineHash", JSON.string(k.lineHash)),
                                ("text", JSON.string(k.text)), ("count", "\(counts[k]!)")])
        }
        return "{\"tool\":\"copydesk\",\"baselineVersion\":\(Baseline.version),\"findings\":[\n" + rows.joined(separator: ",\n")
            + (rows.isEmpty ? "" : "\n") + "]}\n"
    }

    public struct FormatError: Error, CustomStringConvertible {
        public var description: String
    }

    public init(parsing data: Data, file: String) throws {
        func bad(_ why: String) -> FormatError { FormatError(description: "\(file): not a copydesk baseline: \(why)") }
        let any: Any
        do { any = try JSONSerialization.jsonObject(with: data) } catch { throw bad("invalid JSON (\(error.localizedDescription))") }
        guard let root = any as? [String: Any] else { throw bad("expected a JSON object") }
        guard let v = root["baselineVersion"] as? Int else { throw bad("no baselineVersion") }
        guard v == Baseline.version else { throw bad("baselineVersion \(v) is not supported (this copydesk reads \(Baseline.version))") }
        guard let rows = root["findings"] as? [[String: Any]] else { throw bad("no findings list") }
        for (i, r) in rows.enumerated() {
            guard let f = r["file"] as? String, let rule = r["rule"] as? String, let h = r["lineHash"] as? String,
                  let t = r["text"] as? String else { throw bad("entry \(i + 1) needs file, rule, lineHash and text") }
            let n = (r["count"] as? Int) ?? 1
            guard n > 0 else { throw bad("entry \(i + 1) has a count below 1") }
            counts[Key(file: f, rule: rule, lineHash: h, text: t), default: 0] += n
        }
    }
}
