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
