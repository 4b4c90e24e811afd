import Foundation

/// `--format junit`: JUnit XML, as CI systems (GitLab, Jenkins, Azure…) show test results.
///
///     <?xml version="1.0" encoding="UTF-8"?>
///     <testsuites name="copydesk" tests="2" failures="1" errors="0">
///       <testsuite name="copydesk" tests="2" failures="1" errors="0" skipped="0">
///         <testcase classname="copydesk" name="drafts/a.md" file="drafts/a.md">
///           <failure type="spacing.han-digit" message="2 findings: 报纸版式中汉字与数字之间不加空格">drafts/a.md:4:5: error: …</failure>
///         </testcase>
///         <testcase classname="copydesk" name="drafts/b.md" file="drafts/b.md"/>
///       </testsuite>
///     </testsuites>
///
/// One test case per file (a clean file passes), one `<failure>` per rule with findings in it (its text lists
/// each finding as `path:line:column: severity: message`, scalar columns as in the text format), an `<error>` for
/// a file that could not be linted, `<skipped>` for a file skipped with a note. Configuration errors are an extra
/// test case named after the configuration file.
public struct JUnitReporter: Reporter {
    public var baseDirectory: String?
    public init(baseDirectory: String? = FileManager.default.currentDirectoryPath) { self.baseDirectory = baseDirectory }

    /// Escapes element text (see `XML.escape`).
    public static func escapeText(_ s: String) -> String { XML.escape(s, attribute: false) }

    public func render(_ report: RunReport) -> String {
        let attr = CheckstyleReporter.escape
        var cases = ""
        var tests = 0, failures = 0, errors = 0, skipped = 0
        for f in report.files {
            tests += 1
            let path = ReportPath.display(f.path, base: baseDirectory)
            let open = "    <testcase classname=\"copydesk\" name=\"\(attr(path))\" file=\"\(attr(path))\""
            if let e = f.error {
                errors += 1
                cases += open + ">\n      <error type=\"copydesk\" message=\"\(attr(e))\"/>\n    </testcase>\n"
                continue
            }
            if let n = f.notice {
                skipped += 1
                cases += open + ">\n      <skipped message=\"\(attr(n))\"/>\n    </testcase>\n"
                continue
            }
            guard !f.diagnostics.isEmpty, let loc = f.locator else { cases += open + "/>\n"; continue }
            failures += 1
            // Rules in order of their first finding.
            var order: [String] = []
            var byRule: [String: [Diagnostic]] = [:]
            for d in f.diagnostics {
                if byRule[d.ruleID] == nil { order.append(d.ruleID) }
                byRule[d.ruleID, default: []].append(d)
            }
            cases += open + ">\n"
            for id in order {
                let ds = byRule[id]!
                let worst = ds.map(\.severity).max()!
                let summary = (ds.count == 1 ? "1 finding: " : "\(ds.count) findings: ") + ds[0].message
                let body = ds.map { d -> String in
                    let p = loc.position(d.range.lowerBound)
                    return "\(path):\(p.line):\(p.column): \(d.severity.rawValue): \(d.message)"
                }.joined(separator: "\n")
                cases += "      <failure type=\"\(attr(id))\" message=\"\(attr(summary))\" severity=\"\(worst.rawValue)\">"
                    + JUnitReporter.escapeText(body) + "</failure>\n"
            }
            cases += "    </testcase>\n"
        }
        if !report.configErrors.isEmpty || !report.notLinted.isEmpty {
            tests += 1; errors += 1
            let body = report.configErrors.map(\.line) + report.notLinted.map { "\($0): not linted (its configuration has errors)" }
            cases += "    <testcase classname=\"copydesk\" name=\"configuration\">\n"
                + "      <error type=\"configuration\" message=\"\(attr("\(report.configErrors.count) configuration error(s)"))\">"
                + JUnitReporter.escapeText(body.joined(separator: "\n")) + "</error>\n    </testcase>\n"
        }
        let counts = "tests=\"\(tests)\" failures=\"\(failures)\" errors=\"\(errors)\""
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<testsuites name=\"copydesk\" \(counts)>\n"
            + "  <testsuite name=\"copydesk\" \(counts) skipped=\"\(skipped)\">\n"
            + cases
            + "  </testsuite>\n</testsuites>\n"
    }
}

/// `--format junit` written as the run goes: the bytes of `JUnitReporter.render` of the whole run. The document
/// opens with the counts of test cases, known only at the end, so each file's test case is written as soon as the
/// file is done into a spool (an unlinked temporary file; memory when none can be made), copied out after the
/// header by `finish`: memory holds one file's findings, not the run's.
public final class JUnitStreamWriter: DocumentStreamWriter {
    private let sink: ByteSink
    private let base: String?
    private let spool = Spool()
    private var tests = 0, failures = 0, errors = 0, skipped = 0

    public init(sink: ByteSink, baseDirectory: String? = FileManager.default.currentDirectoryPath) {
        self.sink = sink
        base = baseDirectory
    }

    public func add(_ f: FileReport) { add(f, name: nil) }

    /// A second test case for the file, named for what it checks (the duplicates between files of the run).
    public func addMore(_ f: FileReport) { add(f, name: ReportPath.display(f.path, base: base) + " (duplicates across files)") }

    private func add(_ f: FileReport, name: String?) {
        tests += 1
        let path = ReportPath.display(f.path, base: base)
        var pathAttr: [UInt8] = [], pathText: [UInt8] = [], nameAttr: [UInt8] = []
        EscapeBytes.xml(&pathAttr, path, attribute: true)
        if let name { EscapeBytes.xml(&nameAttr, name, attribute: true) } else { nameAttr = pathAttr }
        EscapeBytes.xml(&pathText, path, attribute: false)
        var out: [UInt8] = []
        EscapeBytes.ascii(&out, "    <testcase classname=\"copydesk\" name=\""); out += nameAttr
        EscapeBytes.ascii(&out, "\" file=\""); out += pathAttr; out.append(0x22)
        // A file not linted: an error; one skipped: a note.
        if let message = f.error ?? f.notice {
            if f.error != nil { errors += 1 } else { skipped += 1 }
            EscapeBytes.ascii(&out, ">\n      ")
            EscapeBytes.ascii(&out, f.error != nil ? "<error type=\"copydesk\" message=\"" : "<skipped message=\"")
            EscapeBytes.xml(&out, message, attribute: true)
            EscapeBytes.ascii(&out, "\"/>\n    </testcase>\n")
            spool.write(out)
            return
        }
        guard !f.diagnostics.isEmpty, let loc = f.locator else { EscapeBytes.ascii(&out, "/>\n"); spool.write(out); return }
        failures += 1
        EscapeBytes.ascii(&out, ">\n")
        // Rules in order of their first finding, each with its findings' indices.
        var order: [String] = []
        var byRule: [String: [Int]] = [:]
        for (i, d) in f.diagnostics.enumerated() {
            if byRule[d.ruleID] == nil { order.append(d.ruleID) }
            byRule[d.ruleID, default: []].append(i)
        }
        for id in order {
            let ds = byRule[id]!
            let first = f.diagnostics[ds[0]]
            let worst = ds.map { f.diagnostics[$0].severity }.max()!
            EscapeBytes.ascii(&out, "      <failure type=\""); EscapeBytes.xml(&out, id, attribute: true)
            EscapeBytes.ascii(&out, "\" message=\"")
            if ds.count == 1 { EscapeBytes.ascii(&out, "1 finding: ") } else { EscapeBytes.int(&out, ds.count); EscapeBytes.ascii(&out, " findings: ") }
            EscapeBytes.xml(&out, first.message, attribute: true)
            EscapeBytes.ascii(&out, "\" severity=\""); out += worst.rawValue.utf8
            EscapeBytes.ascii(&out, "\">")
            var lastMessage = "", lastSeverity = Severity.error, tail: [UInt8] = []
            for (k, i) in ds.enumerated() {
                let d = f.diagnostics[i]
                let p = loc.position(d.range.lowerBound)
                if tail.isEmpty || d.message != lastMessage || d.severity != lastSeverity {
                    lastMessage = d.message; lastSeverity = d.severity
                    tail.removeAll(keepingCapacity: true)
                    EscapeBytes.ascii(&tail, ": "); tail += d.severity.rawValue.utf8
                    EscapeBytes.ascii(&tail, ": "); EscapeBytes.xml(&tail, d.message, attribute: false)
                }
                if k > 0 { out.append(0x0A) }
                out += pathText; out.append(0x3A); EscapeBytes.int(&out, p.line); out.append(0x3A); EscapeBytes.int(&out, p.column)
                out += tail
                if out.count >= 1 << 16 { spool.write(out); out.removeAll(keepingCapacity: true) }
            }
            EscapeBytes.ascii(&out, "</failure>\n")
        }
        EscapeBytes.ascii(&out, "    </testcase>\n")
        spool.write(out)
    }

    public func finish(configErrors: [ConfigError], notLinted: [String]) {
        var tail: [UInt8] = []
        if !configErrors.isEmpty || !notLinted.isEmpty {
            tests += 1; errors += 1
            let body = configErrors.map(\.line) + notLinted.map { "\($0): not linted (its configuration has errors)" }
            EscapeBytes.ascii(&tail, "    <testcase classname=\"copydesk\" name=\"configuration\">\n      <error type=\"configuration\" message=\"")
            EscapeBytes.xml(&tail, "\(configErrors.count) configuration error(s)", attribute: true)
            EscapeBytes.ascii(&tail, "\">"); EscapeBytes.xml(&tail, body.joined(separator: "\n"), attribute: false)
            EscapeBytes.ascii(&tail, "</error>\n    </testcase>\n")
        }
        let counts = "tests=\"\(tests)\" failures=\"\(failures)\" errors=\"\(errors)\""
        sink.write("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"copydesk\" \(counts)>\n"
                   + "  <testsuite name=\"copydesk\" \(counts) skipped=\"\(skipped)\">\n")
        spool.copy(to: sink)
        sink.write(bytes: tail)
        sink.write("  </testsuite>\n</testsuites>\n")
        sink.flush()
    }
}

/// Bytes put aside until the end of the run: an unlinked temporary file (its pages are the system's to write out or
/// keep), or memory when no temporary file can be made or written (what the file holds is then read back first).
final class Spool {
    private var fd: Int32 = -1
    private var buffer: [UInt8] = []
    /// Bytes in the file.
    private var written = 0

    init() {
        var template = Array((NSTemporaryDirectory() + "/copydesk-spool-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { return }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        self.fd = fd
    }

    func write(_ bytes: [UInt8]) {
        buffer += bytes
        if fd >= 0 && buffer.count >= 1 << 16 { flush() }
    }

    /// The buffer into the file; on a failed write, the file's bytes back into memory and the file given up.
    private func flush() {
        var done = 0
        let ok = buffer.withUnsafeBytes { p -> Bool in
            while done < p.count {
                let n = pwrite(fd, p.baseAddress! + done, p.count - done, off_t(written + done))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return false }
                done += n
            }
            return true
        }
        if ok { written += done; buffer.removeAll(keepingCapacity: true); return }
        var back = [UInt8](repeating: 0, count: written)
        var got = 0
        back.withUnsafeMutableBytes { p in
            while got < written {
                let n = pread(fd, p.baseAddress! + got, written - got, off_t(got))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { break }
                got += n
            }
        }
        close(fd); fd = -1
        buffer = Array(back[..<got]) + buffer
        written = 0
    }

    /// Everything written, in order, into `sink`.
    func copy(to sink: ByteSink) {
        if fd >= 0 {
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            var at = 0
            while at < written {
                let n = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, min($0.count, written - at), off_t(at)) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { break }
                chunk.withUnsafeBufferPointer { sink.write(bytes: UnsafeBufferPointer(rebasing: $0[..<n])) }
                at += n
            }
        }
        sink.write(bytes: buffer)
    }

    deinit { if fd >= 0 { close(fd) } }
}
