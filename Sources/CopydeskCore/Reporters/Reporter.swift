/// The outcome of linting one file: its diagnostics, or why it could not be linted.
public struct FileReport: Sendable {
    /// The path as the user named it (relative when they gave a relative path).
    public var path: String
    public var source: SourceText?
    public var diagnostics: [Diagnostic]
    public var error: String?
    /// Fixes applied to this file by `--fix`, by rule id.
    public var fixed: [String: Int] = [:]

    public init(path: String, source: SourceText?, diagnostics: [Diagnostic], error: String? = nil) {
        self.path = path; self.source = source; self.diagnostics = diagnostics; self.error = error
    }
}

/// Everything a reporter may show: the files in order, and the rules that ran (for formats that describe rules).
public struct RunReport: Sendable {
    public var files: [FileReport]
    public var rules: [Rule]
    public var toolVersion: String

    public init(files: [FileReport], rules: [Rule], toolVersion: String = copydeskVersion) {
        self.files = files; self.rules = rules; self.toolVersion = toolVersion
    }

    public func count(_ s: Severity) -> Int { files.reduce(0) { $0 + $1.diagnostics.filter { $0.severity == s }.count } }
}

public let copydeskVersion = "0.1.0"

/// An output format. Reporters turn findings into text; they never decide what is a finding.
public protocol Reporter {
    func render(_ report: RunReport) -> String
}

public enum OutputFormat: String, CaseIterable, Sendable {
    case text, json, sarif, rdjson, rdjsonl, github, checkstyle

    public var isHumanReadable: Bool { self == .text }

    public func reporter(color: Bool) -> any Reporter {
        switch self {
        case .text: return TextReporter(color: color)
        case .json: return JSONReporter()
        case .sarif: return SARIFReporter()
        case .rdjson: return RDJSONReporter()
        case .rdjsonl: return RDJSONLReporter()
        case .github: return GitHubReporter()
        case .checkstyle: return CheckstyleReporter()
        }
    }
}

/// A position in the three units output formats use.
public struct OutputPosition: Sendable {
    public var line: Int
    /// 1-based Unicode scalar column.
    public var column: Int
    public var utf16Column: Int
    public var byteColumn: Int
    public var offset: Int

    public init(_ source: SourceText, _ offset: Int) {
        let p = source.position(of: offset)
        line = p.line; column = p.column
        utf16Column = source.utf16Column(of: offset)
        byteColumn = source.byteColumn(of: offset)
        self.offset = offset
    }
}

/// Minimal JSON writing with ordered keys (shared by the machine formats).
public enum JSON {
    public static func string(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 || u.value == 0x2028 || u.value == 0x2029 {
                    out += "\\u" + String(repeating: "0", count: 4 - String(u.value, radix: 16).count) + String(u.value, radix: 16)
                } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }

    /// `{"k":v,…}` from already-encoded values, in the given order.
    public static func object(_ pairs: [(String, String)]) -> String {
        "{" + pairs.map { string($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }

    public static func array(_ items: [String]) -> String { "[" + items.joined(separator: ",") + "]" }
}
