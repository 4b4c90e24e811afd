import Foundation

/// `--format checkstyle`: Checkstyle 4.3 XML (read by reviewdog `-f=checkstyle`, Jenkins, GitLab converters…).
///
///     <?xml version="1.0" encoding="utf-8"?>
///     <checkstyle version="4.3">
///       <file name="drafts/a.md">
///         <error line="3" column="12" severity="error" message="汉字之间不应有空格" source="copydesk.spacing.han-space-han"/>
///       </file>
///     </checkstyle>
///
/// One `<file>` per file with findings, in run order. Columns are 1-based Unicode scalars (as in the text
/// output; the format does not define a unit). A file that could not be linted gets an `<error line="0">`
/// with `source="copydesk"`.
public struct CheckstyleReporter: Reporter {
    public var baseDirectory: String?
    public init(baseDirectory: String? = FileManager.default.currentDirectoryPath) { self.baseDirectory = baseDirectory }

    /// Escapes text for an XML 1.0 attribute value in double quotes (see `XML.escape`).
    public static func escape(_ s: String) -> String { XML.escape(s, attribute: true) }

    static func severity(_ s: Severity) -> String { s.rawValue }   // error | warning | info

    public func render(_ report: RunReport) -> String {
        var out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<checkstyle version=\"4.3\">\n"
        for f in report.files where f.error != nil || !f.diagnostics.isEmpty {
            let path = ReportPath.display(f.path, base: baseDirectory)
            out += "  <file name=\"\(CheckstyleReporter.escape(path))\">\n"
            if let e = f.error {
                out += "    <error line=\"0\" severity=\"error\" message=\"\(CheckstyleReporter.escape(e))\" source=\"copydesk\"/>\n"
            }
            if let src = f.locator {
                for d in f.diagnostics {
                    let p = src.position(d.range.lowerBound)
                    out += "    <error line=\"\(p.line)\" column=\"\(p.column)\" severity=\"\(CheckstyleReporter.severity(d.severity))\""
                        + " message=\"\(CheckstyleReporter.escape(d.message))\" source=\"\(CheckstyleReporter.escape("copydesk." + d.ruleID))\"/>\n"
                }
            }
            out += "  </file>\n"
        }
        return out + "</checkstyle>\n"
    }
}

/// `--format checkstyle` written as the run goes: the bytes of `CheckstyleReporter.render` of the whole run, each
/// file's `<file>` element as soon as the file is done.
public final class CheckstyleStreamWriter: DocumentStreamWriter {
    private let sink: ByteSink
    private let base: String?

    public init(sink: ByteSink, baseDirectory: String? = FileManager.default.currentDirectoryPath) {
        self.sink = sink
        base = baseDirectory
        sink.write("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<checkstyle version=\"4.3\">\n")
    }

    public func add(_ f: FileReport) {
        guard f.error != nil || !f.diagnostics.isEmpty else { return }
        sink.append { out in
            EscapeBytes.ascii(&out, "  <file name=\""); EscapeBytes.xml(&out, ReportPath.display(f.path, base: base), attribute: true)
            EscapeBytes.ascii(&out, "\">\n")
            if let e = f.error {
                EscapeBytes.ascii(&out, "    <error line=\"0\" severity=\"error\" message=\""); EscapeBytes.xml(&out, e, attribute: true)
                EscapeBytes.ascii(&out, "\" source=\"copydesk\"/>\n")
            }
        }
        if let src = f.locator {
            // Severity, message and source of the last rule seen, escaped.
            var lastRule = "", lastMessage = "", tail: [UInt8] = []
            var lastSeverity = Severity.error
            f.diagnostics.withUnsafeBufferPointer { ds in
                for d in ds {
                    let p = src.position(d.range.lowerBound)
                    if tail.isEmpty || d.ruleID != lastRule || d.message != lastMessage || d.severity != lastSeverity {
                        lastRule = d.ruleID; lastMessage = d.message; lastSeverity = d.severity
                        tail.removeAll(keepingCapacity: true)
                        EscapeBytes.ascii(&tail, "\" severity=\""); tail += CheckstyleReporter.severity(d.severity).utf8
                        EscapeBytes.ascii(&tail, "\" message=\""); EscapeBytes.xml(&tail, d.message, attribute: true)
                        EscapeBytes.ascii(&tail, "\" source=\""); EscapeBytes.xml(&tail, "copydesk." + d.ruleID, attribute: true)
                        EscapeBytes.ascii(&tail, "\"/>\n")
                    }
                    sink.append { out in
                        EscapeBytes.ascii(&out, "    <error line=\""); EscapeBytes.int(&out, p.line)
                        EscapeBytes.ascii(&out, "\" column=\""); EscapeBytes.int(&out, p.column)
                        out += tail
                    }
                }
            }
        }
        sink.write("  </file>\n")
    }

    public func finish(configErrors: [ConfigError], notLinted: [String]) {
        sink.write("</checkstyle>\n")
        sink.flush()
    }
}
