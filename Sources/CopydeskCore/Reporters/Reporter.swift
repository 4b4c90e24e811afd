/// The outcome of linting one file: its diagnostics, or why it could not be linted.
public struct FileReport: Sendable {
    /// The path as the user named it (relative when they gave a relative path).
    public var path: String
    public var source: SourceText?
    public var diagnostics: [Diagnostic]
    public var error: String?
    /// Why the file was skipped without an error (a binary file, a named pipe found by a walk): shown as a note,
    /// counted in the summary, and not a failure.
    public var notice: String?
    /// Fixes applied to this file by `--fix`, by rule id.
    public var fixed: [String: Int] = [:]
    /// `--fix` refused to write this file or could not (`error` says why): it was linted, not fixed.
    public var notWritten = false
    /// A Word file: where each offset of its text is in the package (JSON adds part, paragraph and run).
    public var wordMap: WordTextMap?
    /// Report bytes rendered ahead, in the worker that linted the file (`Runner.run(prepare:)`), one entry per
    /// streamed output in the order the caller chose; the caller writes them instead of rendering under the lock.
    public var rendered: [[UInt8]?] = []
    /// Set while `Runner.run(prepare:)` renders the report of a file `--fix` is writing meanwhile: the worker waits
    /// for the write anyway, so the report may be rendered ahead whatever its size.
    public var beingWritten = false
    /// After `detachSource()`: the positions and line texts the reporters need, instead of the whole text.
    var positions: [Int: OutputPosition] = [:]
    /// The stable fingerprint of each finding (SARIF `partialFingerprints`), by its start and rule.
    var fingerprints: [FingerprintKey: UInt64] = [:]

    /// Works out every position the machine formats print (finding and edit bounds, the line of each finding)
    /// and drops the text: a run that writes one JSON or SARIF document at the end then holds findings, not files.
    /// `fingerprints`: also work out SARIF's fingerprints (they hash each finding's whole line).
    public mutating func detachSource(fingerprints wanted: Bool = true) {
        guard let src = source else { return }
        var pos: [Int: OutputPosition] = [:]
        var prints: [FingerprintKey: UInt64] = [:]
        func add(_ o: Int) { if pos[o] == nil { pos[o] = OutputPosition(src, o) } }
        let whole = Locator(source: src, positions: [:], fingerprints: [:])
        for d in diagnostics {
            add(d.range.lowerBound); add(d.range.upperBound)
            let key = FingerprintKey(offset: d.range.lowerBound, rule: d.ruleID)
            if wanted && prints[key] == nil { prints[key] = whole.fingerprintValue(ruleID: d.ruleID, offset: d.range.lowerBound) }
            for e in d.fix?.edits ?? [] { add(e.range.lowerBound); add(e.range.upperBound) }
            for r in d.related where r.file == nil { add(r.range.lowerBound); add(r.range.upperBound) }
        }
        positions = pos
        fingerprints = prints
        source = nil
    }

    /// Where reporters read positions from: the text, or what `detachSource()` kept. Nil without either.
    public var locator: Locator? {
        source != nil || !positions.isEmpty ? Locator(source: source, positions: positions, fingerprints: fingerprints) : nil
    }

    public init(path: String, source: SourceText?, diagnostics: [Diagnostic], error: String? = nil) {
        self.path = path; self.source = source; self.diagnostics = diagnostics; self.error = error
    }

    /// A file that could not be linted: an error, or a notice for what is not a draft at all.
    public init(path: String, inputError: InputError) {
        self.init(path: path, source: nil, diagnostics: [])
        if inputError.isNotice { notice = inputError.description } else { error = inputError.description }
    }

    // `hasError`, `count`, `hasFindings`, `hasFinding(atLeast:)` and `hasRuleFailure` read the report's fields in
    // place, inlined: called on the elements of a list of reports (the run's end), a method copied the whole report
    // first (a retain of each of its fields), and a closure over the diagnostics copied each of them.

    /// Whether the run could not lint this file as a whole: an error, or a rule that had to be stopped on it.
    @inline(__always) public var hasError: Bool { error != nil || hasRuleFailure }

    /// Findings already written by a streamed report and then dropped (`tallyAndDrop()`): only their counts stay
    /// for the summary and the exit code.
    public private(set) var tally = Tally()

    /// Counts of findings by severity, and of rules stopped on the file.
    public struct Tally: Sendable {
        public var error = 0, warning = 0, info = 0, ruleFailures = 0
        public var total: Int { error + warning + info }
        public subscript(_ s: Severity) -> Int { s == .error ? error : s == .warning ? warning : info }
        mutating func add(_ severity: Severity, isRuleFailure: Bool) {
            switch severity { case .error: error += 1; case .warning: warning += 1; case .info: info += 1 }
            if isRuleFailure { ruleFailures += 1 }
        }
    }

    /// Replaces the diagnostics by their counts (after a streamed report has written them): a run over a large
    /// file then does not hold a second copy of its findings for the summary.
    public mutating func tallyAndDrop() {
        // In place: iterating copied each diagnostic (a retain and a release of its label and fix).
        diagnostics.withUnsafeBufferPointer { ds in
            for i in ds.indices { tally.add(ds[i].severity, isRuleFailure: ds[i].isRuleFailure) }
        }
        diagnostics = []
        source = nil
        rendered = []
    }

    /// Adds the counts `other` kept after `tallyAndDrop()` (a later report of the same file).
    public mutating func absorbTally(of other: FileReport) {
        tally.error += other.tally.error; tally.warning += other.tally.warning; tally.info += other.tally.info
        tally.ruleFailures += other.tally.ruleFailures
        diagnostics += other.diagnostics
    }

    /// Findings of severity `s`, those dropped after streaming included.
    @inline(__always) public func count(_ s: Severity) -> Int {
        var n = tally[s]
        for i in diagnostics.indices where diagnostics[i].severity == s { n += 1 }
        return n
    }

    /// Whether the file has findings (dropped ones included).
    @inline(__always) public var hasFindings: Bool { !diagnostics.isEmpty || tally.total > 0 }

    /// Whether some finding is at `level` or above (dropped ones included).
    @inline(__always) public func hasFinding(atLeast level: Severity) -> Bool {
        if Severity.allCases.contains(where: { $0 >= level && tally[$0] > 0 }) { return true }
        for i in diagnostics.indices where diagnostics[i].severity >= level { return true }
        return false
    }

    /// Whether a rule had to be stopped on this file.
    @inline(__always) public var hasRuleFailure: Bool {
        if tally.ruleFailures > 0 { return true }
        for i in diagnostics.indices where diagnostics[i].isRuleFailure { return true }
        return false
    }
}

/// Everything a reporter may show: the files in order, and the rules that ran (for formats that describe rules).
public struct RunReport: Sendable {
    public var files: [FileReport]
    public var rules: [Rule]
    public var toolVersion: String
    /// Errors in configuration and rule files (each once, however many files they govern).
    public var configErrors: [ConfigError] = []
    /// Files that were not linted because their configuration has errors.
    public var notLinted: [String] = []
    /// `--diff`: fixes were previewed, not applied (the summary says "fixable", never "fixed").
    public var preview = false

    public init(files: [FileReport], rules: [Rule], toolVersion: String = copydeskVersion) {
        self.files = files; self.rules = rules; self.toolVersion = toolVersion
    }

    public func count(_ s: Severity) -> Int {
        // In place: `reduce`, and even `files[i].count(s)`, copied each file's report (a retain of each of its
        // fields), three times per file.
        files.withUnsafeBufferPointer { p in
            var n = 0
            for i in p.indices { n += p[i].count(s) }
            return n
        }
    }
}

public let copydeskVersion = "0.1.0"

/// An output format. Reporters turn findings into text; they never decide what is a finding.
public protocol Reporter {
    func render(_ report: RunReport) -> String
}

public enum OutputFormat: String, CaseIterable, Sendable {
    case text, json, sarif, rdjson, rdjsonl, github, checkstyle, junit, html, codequality

    public var isHumanReadable: Bool { self == .text }
    /// Formats that show the drafts' text (the run keeps each file's text until the report is written).
    public var needsText: Bool { self == .html }

    public func reporter(color: Bool) -> any Reporter {
        switch self {
        case .text: return TextReporter(color: color)
        case .json: return JSONReporter()
        case .sarif: return SARIFReporter()
        case .rdjson: return RDJSONReporter()
        case .rdjsonl: return RDJSONLReporter()
        case .github: return GitHubReporter()
        case .checkstyle: return CheckstyleReporter()
        case .junit: return JUnitReporter()
        case .html: return HTMLReporter()
        case .codequality: return CodeQualityReporter()
        }
    }
}

/// A position in the three units output formats use.
/// Positions of one file for the reporters (see `FileReport.locator`).
struct FingerprintKey: Hashable, Sendable {
    var offset: Int
    var rule: String
}

public final class Locator: @unchecked Sendable {
    let source: SourceText?
    let positions: [Int: OutputPosition]
    let fingerprints: [FingerprintKey: UInt64]

    init(source: SourceText?, positions: [Int: OutputPosition], fingerprints: [FingerprintKey: UInt64]) {
        self.source = source; self.positions = positions; self.fingerprints = fingerprints
    }

    /// The line of the last position asked for: findings come in order, so the next one is mostly on it.
    private var lastLine = 0
    /// The last two positions worked out (a fix's edit mostly spans the finding's own range: asked again at once).
    private var memo: (OutputPosition?, OutputPosition?) = (nil, nil)

    public func position(_ offset: Int) -> OutputPosition {
        if let m = memo.0, m.offset == offset { return m }
        if let m = memo.1, m.offset == offset { return m }
        let p: OutputPosition
        if let source {
            let li = source.lineIndex(of: offset, near: lastLine)
            lastLine = li
            let start = source.lineStarts[li]
            let end = li + 1 < source.lineStarts.count ? source.lineStarts[li + 1] : source.bytes.count
            if end - start <= ColumnCache.maxTable, let c = columns(source, line: li, start: start, offset: offset) {
                p = OutputPosition(line: li + 1, column: c.scalar, utf16Column: c.utf16, byteColumn: offset - start + 1, offset: offset)
            } else {
                let c = source.allColumns(of: offset, near: li)
                p = OutputPosition(line: c.line + 1, column: c.scalar, utf16Column: c.utf16, byteColumn: c.byte, offset: offset)
            }
        } else {
            p = positions[offset] ?? OutputPosition(line: 1, column: 1, utf16Column: 1, byteColumn: 1, offset: offset)
        }
        memo = (p, memo.0)
        return p
    }

    /// Places on one line whose columns are known (scalar boundaries): the last four offsets asked for. Findings
    /// come in order and their ends and edits lie near their starts, so the columns of the next offset are
    /// counted from the nearest one before it: no table of the line is built.
    private struct Cursor { var offset: Int; var scalar: Int; var utf16: Int }
    private var cursorLine = -1
    private var cursors: [Cursor] = []
    private var nextCursor = 0

    /// Scalar and UTF-16 columns of `offset` on line `li` (what `ColumnCache` gives: an offset inside a scalar
    /// has that scalar's column), counted from a cursor; nil when the count would be long (`ColumnCache` then).
    private func columns(_ source: SourceText, line li: Int, start: Int, offset: Int) -> (scalar: Int, utf16: Int)? {
        if cursorLine != li {
            cursorLine = li
            cursors.removeAll(keepingCapacity: true)
            nextCursor = 0
        }
        // The nearest known place at or before `offset`.
        var from = Cursor(offset: start, scalar: 1, utf16: 1)
        for k in cursors where k.offset <= offset && k.offset > from.offset { from = k }
        if offset - from.offset > 1 << 16 { return nil }
        var c = from
        source.bytes.withUnsafeBufferPointer { p in
            var i = c.offset, col = c.scalar, u = c.utf16
            let limit = min(offset, p.count)
            while i < limit {
                let n = utf8Length(leading: p[i])
                if i + n > offset { break }   // inside a scalar: its column
                col += 1
                u += n == 4 ? 2 : 1
                i += n
            }
            c = Cursor(offset: i, scalar: col, utf16: u)
        }
        if cursors.count < 4 { cursors.append(c) } else { cursors[nextCursor] = c; nextCursor = (nextCursor + 1) & 3 }
        return (c.scalar, c.utf16)
    }

    /// A fingerprint of a finding that survives edits elsewhere in the file: a stable hash of the rule and the
    /// text of its line, trimmed (SARIF `partialFingerprints`; the reporter numbers repeats), as 16 hex digits.
    public func fingerprint(ruleID: String, offset: Int) -> String {
        StableHash.hex(fingerprintValue(ruleID: ruleID, offset: offset))
    }

    /// The line of the hashes in `lineHashes`, and the hash of each rule on it (findings come in order: the
    /// line's findings are asked together; a line asked again later is hashed again, with the same result).
    private var hashLine = -1
    private var lineHashes: [(rule: String, hash: UInt64)] = []

    /// `fingerprint(ruleID:offset:)` as a number (no string per finding; reporters write its hex digits).
    func fingerprintValue(ruleID: String, offset: Int) -> UInt64 {
        if !fingerprints.isEmpty, let f = fingerprints[FingerprintKey(offset: offset, rule: ruleID)] { return f }
        guard let source else { return StableHash.value(ruleID, "\u{0}", tail: UnsafeBufferPointer(start: nil, count: 0)) }
        let line = source.lineIndex(of: min(offset, source.bytes.count), near: max(0, hashLine))
        if line != hashLine { hashLine = line; lineHashes.removeAll(keepingCapacity: true) }
        // One hash per line and rule: a long paragraph with many findings of a rule is hashed once.
        for e in lineHashes where e.rule == ruleID { return e.hash }
        // The hash of rule, NUL and the trimmed line, taken over the line's bytes (no string of the line is made).
        let r = Locator.trimmed(source, source.lineContent(line))
        let h = source.bytes.withUnsafeBufferPointer { StableHash.value(ruleID, "\u{0}", tail: UnsafeBufferPointer(rebasing: $0[r])) }
        lineHashes.append((ruleID, h))
        return h
    }
}

extension Locator {
    /// `fingerprintValue(ruleID:offset:)` of `diagnostics[indices]`, in order. The findings of one line (they come
    /// in order of their starts, so a line's findings are next to one another) are taken together: the line is
    /// trimmed once, and the hashes of its rules are worked out side by side, up to four FNV chains over its
    /// bytes at once (each chain's multiplications wait on one another; four chains take about the time of one).
    /// The same values, in any order of findings (a line met again is hashed again).
    func fingerprintValues(_ diagnostics: [Diagnostic], _ indices: Range<Int>) -> [UInt64] {
        guard fingerprints.isEmpty, let source else {
            return indices.map { fingerprintValue(ruleID: diagnostics[$0].ruleID, offset: diagnostics[$0].range.lowerBound) }
        }
        var out: [UInt64] = []
        out.reserveCapacity(indices.count)
        var rules: [String] = []
        var hashes: [UInt64] = []
        var slot: [Int] = []
        var line = 0
        var i = indices.lowerBound
        let size = source.bytes.count
        while i < indices.upperBound {
            line = source.lineIndex(of: min(diagnostics[i].range.lowerBound, size), near: line)
            var j = i
            rules.removeAll(keepingCapacity: true)
            slot.removeAll(keepingCapacity: true)
            while j < indices.upperBound && (j == i || source.lineIndex(of: min(diagnostics[j].range.lowerBound, size), near: line) == line) {
                let id = diagnostics[j].ruleID
                if let k = rules.firstIndex(of: id) { slot.append(k) } else { slot.append(rules.count); rules.append(id) }
                j += 1
            }
            let r = Locator.trimmed(source, source.lineContent(line))
            source.bytes.withUnsafeBufferPointer { StableHash.values(rules, tail: UnsafeBufferPointer(rebasing: $0[r]), into: &hashes) }
            for k in slot { out.append(hashes[k]) }
            i = j
        }
        return out
    }

    /// `range` without the white space and line breaks at its ends: the scalars Foundation's
    /// `CharacterSet.whitespacesAndNewlines` holds on Linux (tab to carriage return, space, U+0085, U+00A0, U+1680,
    /// U+2000–U+200B, U+2028, U+2029, U+202F, U+205F, U+3000: listed by testing every scalar), found on the bytes
    /// (what `trimmingCharacters(in: .whitespacesAndNewlines)` of the line's string gives).
    static func trimmed(_ source: SourceText, _ range: Range<Int>) -> Range<Int> {
        @inline(__always) func isSpace(_ v: UInt32) -> Bool {
            v == 0x20 || (v >= 0x09 && v <= 0x0D) || v == 0x85 || v == 0xA0 || v == 0x1680 || (v >= 0x2000 && v <= 0x200B)
                || v == 0x2028 || v == 0x2029 || v == 0x202F || v == 0x205F || v == 0x3000
        }
        return source.trimmed(range, where: isSpace)
    }
}

public struct OutputPosition: Sendable {
    public var line: Int
    /// 1-based Unicode scalar column.
    public var column: Int
    public var utf16Column: Int
    public var byteColumn: Int
    public var offset: Int

    init(line: Int, column: Int, utf16Column: Int, byteColumn: Int, offset: Int) {
        self.line = line; self.column = column; self.utf16Column = utf16Column; self.byteColumn = byteColumn; self.offset = offset
    }

    public init(_ source: SourceText, _ offset: Int) {
        let c = source.allColumns(of: offset, near: 0)
        line = c.line + 1; column = c.scalar; utf16Column = c.utf16; byteColumn = c.byte
        self.offset = offset
    }
}

/// Minimal JSON writing with ordered keys (shared by the machine formats).
public enum JSON {
    /// A JSON string literal: quote, backslash, `\n`, `\r`, `\t` escaped with a backslash, other controls and
    /// U+2028/U+2029 as `\u` and four lowercase hex digits, every other scalar as it is. Written as bytes
    /// (`JSONBytes.string`; appending scalar by scalar to a `String` made the SARIF rule table cost 7 ms).
    public static func string(_ s: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count + 2)
        JSONBytes.string(&out, s)
        return String(decoding: out, as: UTF8.self)
    }

    /// `{"k":v,…}` from already-encoded values, in the given order.
    public static func object(_ pairs: [(String, String)]) -> String {
        "{" + pairs.map { string($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }

    public static func array(_ items: [String]) -> String { "[" + items.joined(separator: ",") + "]" }
}

/// XML 1.0 escaping for the XML formats (checkstyle, JUnit): `&`, `<`, `>`; in attribute values (double-quoted)
/// also quotes, and line breaks and tabs as character references so they survive attribute normalisation; in
/// element text line breaks and tabs stay, CR becomes a reference. Characters XML 1.0 forbids become U+FFFD.
public enum XML {
    public static func escape(_ s: String, attribute: Bool) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"" where attribute: out += "&quot;"
            case "'" where attribute: out += "&apos;"
            case "\n" where attribute: out += "&#10;"
            case "\t" where attribute: out += "&#9;"
            case "\r": out += "&#13;"
            case "\n", "\t": out.unicodeScalars.append(u)
            default:
                if u.value < 0x20 || u.value == 0xFFFE || u.value == 0xFFFF { out += "\u{FFFD}" }
                else { out.unicodeScalars.append(u) }
            }
        }
        return out
    }
}
