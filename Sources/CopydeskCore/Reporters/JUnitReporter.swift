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
