import Foundation

/// `--format codequality`: a GitLab Code Quality report (`artifacts: reports: codequality:`), the subset of the
/// Code Climate spec GitLab reads: a JSON array of issues with `description`, `check_name`, `fingerprint`,
/// `severity` (`info`, `minor`, `major`, `critical`, `blocker`) and `location.path` + `location.lines.begin`.
///
///     [{"description":"汉字之间不应有空格","check_name":"spacing.han-space-han","fingerprint":"3f0c…",
///       "severity":"major","location":{"path":"drafts/a.md","lines":{"begin":4}}}]
///
/// Severities: error → `major`, warning → `minor`, info → `info`; a file that could not be linted is one
/// `critical` issue at line 1 (`check_name` `copydesk`). GitLab compares a merge request's issues with the target
/// branch's by fingerprint, so the fingerprint hashes the path, the rule and the text of the finding's line (as
/// SARIF's `partialFingerprints`), not its line number, with repeats on one line numbered: inserting a paragraph
/// above a finding does not make it new. Paths are relative to the working folder, as GitLab wants them.
public struct CodeQualityReporter: Reporter {
    public var baseDirectory: String?
    public init(baseDirectory: String? = FileManager.default.currentDirectoryPath) { self.baseDirectory = baseDirectory }

    static func severity(_ s: Severity) -> String {
        switch s {
        case .error: return "major"
        case .warning: return "minor"
        case .info: return "info"
        }
    }

    static func issue(description: String, check: String, fingerprint: String, severity: String, path: String, line: Int) -> String {
        JSON.object([("description", JSON.string(description)), ("check_name", JSON.string(check)),
                     ("fingerprint", JSON.string(fingerprint)), ("severity", JSON.string(severity)),
                     ("location", JSON.object([("path", JSON.string(path)), ("lines", JSON.object([("begin", "\(max(1, line))")]))]))])
    }

    public func render(_ report: RunReport) -> String {
        var issues: [String] = []
        for f in report.files {
            let path = ReportPath.display(f.path, base: baseDirectory)
            if let e = f.error {
                issues.append(Self.issue(description: e, check: "copydesk", fingerprint: StableHash.fnv1a64("copydesk\u{0}", path, "\u{0}", e),
                                         severity: "critical", path: path, line: 1))
            }
            guard let src = f.locator else { continue }
            var seen: [String: Int] = [:]
            for d in f.diagnostics {
                let p = src.position(d.range.lowerBound)
                let line = src.fingerprint(ruleID: d.ruleID, offset: d.range.lowerBound)
                let n = seen[line, default: 0]
                seen[line] = n + 1
                issues.append(Self.issue(description: d.message, check: d.ruleID, fingerprint: StableHash.fnv1a64(path, "\u{0}", line, "\u{0}", "\(n)"),
                                         severity: Self.severity(d.severity), path: path, line: p.line))
            }
        }
        return issues.isEmpty ? "[]\n" : "[\n" + issues.joined(separator: ",\n") + "\n]\n"
    }
}

/// `--format codequality` written as the run goes: the bytes of `CodeQualityReporter.render` of the whole run, each
/// file's issues as soon as the file is done (fingerprints from its text, which is then let go).
public final class CodeQualityStreamWriter: DocumentStreamWriter {
    private let sink: ByteSink
    private let base: String?
    private var first = true

    public init(sink: ByteSink, baseDirectory: String? = FileManager.default.currentDirectoryPath) {
        self.sink = sink
        base = baseDirectory
    }

    private func separate(_ out: inout [UInt8]) {
        if first { first = false; EscapeBytes.ascii(&out, "[\n") } else { EscapeBytes.ascii(&out, ",\n") }
    }

    /// As `SARIFStreamWriter.continuing`.
    public var continuing: Set<String> {
        get { carry.rules }
        set { carry.rules = newValue }
    }
    private var carry = RepeatCarry()

    public func add(_ f: FileReport) {
        if !carry.rules.isEmpty, f.error == nil, let src = f.locator { carry.remember(f, src) }
        write(f, seen: [:])
    }

    public func addMore(_ f: FileReport) { write(f, seen: carry.take(f.path)) }

    private func write(_ f: FileReport, seen seeded: [UInt64: Int]) {
        let path = ReportPath.display(f.path, base: base)
        var pathJSON: [UInt8] = []
        JSONBytes.string(&pathJSON, path)
        if let e = f.error {
            let issue = CodeQualityReporter.issue(description: e, check: "copydesk", fingerprint: StableHash.fnv1a64("copydesk\u{0}", path, "\u{0}", e),
                                                  severity: "critical", path: path, line: 1)
            sink.append { out in separate(&out); out += issue.utf8 }
        }
        guard let src = f.locator else { return }
        // FNV-1a of the path and a NUL, continued per finding over the line's hash in hex, a NUL and the repeat.
        let prime: UInt64 = 0x0000_0100_0000_01B3
        let pathHash = StableHash.value(path, "\u{0}", tail: UnsafeBufferPointer(start: nil, count: 0))
        var seen = seeded
        var lastRule = "", lastMessage = "", lastSeverity = Severity.error, head: [UInt8] = []
        var digits: [UInt8] = []
        f.diagnostics.withUnsafeBufferPointer { ds in
            for d in ds {
                let p = src.position(d.range.lowerBound)
                let line = src.fingerprintValue(ruleID: d.ruleID, offset: d.range.lowerBound)
                let n = seen[line, default: 0]
                seen[line] = n + 1
                digits.removeAll(keepingCapacity: true)
                StableHash.appendHex(&digits, line)
                digits.append(0)
                JSONBytes.int(&digits, n)
                var h = pathHash
                for b in digits { h = (h ^ UInt64(b)) &* prime }
                if head.isEmpty || d.ruleID != lastRule || d.message != lastMessage || d.severity != lastSeverity {
                    lastRule = d.ruleID; lastMessage = d.message; lastSeverity = d.severity
                    head.removeAll(keepingCapacity: true)
                    EscapeBytes.ascii(&head, "{\"description\":"); JSONBytes.string(&head, d.message)
                    EscapeBytes.ascii(&head, ",\"check_name\":"); JSONBytes.string(&head, d.ruleID)
                    EscapeBytes.ascii(&head, ",\"fingerprint\":\"")
                }
                sink.append { out in
                    separate(&out)
                    out += head
                    StableHash.appendHex(&out, h)
                    EscapeBytes.ascii(&out, "\",\"severity\":\""); out += CodeQualityReporter.severity(d.severity).utf8
                    EscapeBytes.ascii(&out, "\",\"location\":{\"path\":"); out += pathJSON
                    EscapeBytes.ascii(&out, ",\"lines\":{\"begin\":"); EscapeBytes.int(&out, max(1, p.line))
                    EscapeBytes.ascii(&out, "}}}")
                }
            }
        }
    }

    public func finish(configErrors: [ConfigError], notLinted: [String]) {
        sink.write(first ? "[]\n" : "\n]\n")
        sink.flush()
    }
}
