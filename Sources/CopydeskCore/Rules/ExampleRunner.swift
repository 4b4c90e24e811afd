/// Runs the examples a rule carries in its YAML: valid texts must give no finding, invalid texts exactly the
/// marked findings, fix pairs must round-trip (and fixing the result must change nothing). Each example also
/// runs in variants: CRLF line endings, a multibyte prefix on the line, and inside a region where the rule is
/// disabled (no finding, and the disable comment must not be reported as unused).
public enum ExampleRunner {
    public enum Variant: String, Sendable, CaseIterable {
        case plain, crlf, prefix = "multibyte-prefix", disabled = "disabled-region"
    }

    public struct Failure: Sendable, CustomStringConvertible {
        public var ruleID: String
        public var mark: SourceMark
        public var variant: Variant
        public var message: String
        public var description: String { "\(mark): \(ruleID) [\(variant.rawValue)]: \(message)" }
    }

    /// A prefix with astral-plane Han (4 UTF-8 bytes, 2 UTF-16 units each) and a full-width colon.
    static let prefix = "𠮷𠮷："
    /// Markdown examples with front matter: the prefix as a front-matter line no rule reads.
    static let markdownPrefixLine = "note: " + prefix + "\n"

    /// The role examples are read in: the first prose scope the rule applies to.
    static func role(for rule: Rule) -> Scope? {
        // Structure rules read the page as copydesk reads any draft: their examples are whole pages.
        // So are rules scoped to a structure part only (kicker, subtitle, credit): the part is found on the page.
        if rule.check is ArticleCheck || (rule.scope.subtracting(Scope.parts).isEmpty) { return nil }
        if let r = rule.check as? RosterCheck, r.kind == .unknownStaff { return nil }   // credits: whole pages
        for s: Scope in [.body, .headline, .byline, .dateline, .frontMatter] where rule.scope.contains(s) { return s }
        return .body
    }

    /// How an example text is read: as plain text whose prose takes the rule's own scope (a one-line example is
    /// body text for a body rule, not a headline). `copydesk test` and the load-time check of house rules
    /// (`RuleCatalog.checkCanMatch`) both read examples through here.
    public static func lint(_ text: String, rule: Rule, linter: Linter? = nil) -> [Diagnostic] {
        let l = linter ?? exampleLinter(rule, unusedDisable: nil)
        let doc = Document(path: examplePath(rule), source: SourceText(text), format: rule.examples.format, role: role(for: rule))
        guard !rule.examples.archive.isEmpty else { return l.lint(doc) }
        // `kind: published`: the examples' archive, a real SQLite archive in memory.
        let archive: any ArchiveStore
        do { archive = try exampleArchive(rule.examples.archive) } catch {
            return [Diagnostic(ruleID: rule.id, severity: .error, message: "the examples' archive failed: \(error)", range: 0..<0, fix: nil)]
        }
        return l.lint(doc, cache: CheckCache(archive: archive))
    }

    /// An archive in memory holding the example articles.
    public static func exampleArchive(_ articles: [ArchiveExampleArticle]) throws -> any ArchiveStore {
        let store = try SQLiteArchive()
        _ = try store.add(try articles.map { a in
            let d = Document(path: a.id, source: SourceText(a.text), format: .plainText)
            var art = try ArchiveArticleReader.read(d, path: a.id, date: a.date)
            art.title = a.title
            return art
        })
        return store
    }

    public static func run(_ rule: Rule, variants: [Variant] = Variant.allCases) -> [Failure] {
        var failures: [Failure] = []
        let linter = exampleLinter(rule, unusedDisable: nil)
        let role = role(for: rule)
        func lint(_ text: String, _ l: Linter = linter) -> [Diagnostic] {
            ExampleRunner.lint(text, rule: rule, linter: l)
        }
        func fail(_ ex: SourceMark, _ v: Variant, _ msg: String) { failures.append(Failure(ruleID: rule.id, mark: ex, variant: v, message: msg)) }
        func show(_ ds: [Diagnostic], _ text: String) -> String {
            let src = SourceText(text)
            return ds.isEmpty ? "none" : ds.map { d -> String in
                let p = src.position(of: d.range.lowerBound)
                return "\(p.line):\(p.column)+\(d.range.count)B"
            }.joined(separator: ", ")
        }
        func expectedString(_ rs: [Range<Int>], _ text: String) -> String {
            let src = SourceText(text)
            return rs.map { let p = src.position(of: $0.lowerBound); return "\(p.line):\(p.column)+\($0.count)B" }.joined(separator: ", ")
        }

        if rule.examples.invalid.isEmpty && rule.examples.valid.isEmpty {
            failures.append(Failure(ruleID: rule.id, mark: rule.source.mark, variant: .plain,
                                    message: "the rule has no examples: add examples.valid and examples.invalid (with [[…]] marks)"))
            return failures
        }
        if rule.examples.invalid.isEmpty {
            failures.append(Failure(ruleID: rule.id, mark: rule.source.mark, variant: .plain,
                                    message: "the rule has no invalid examples: add at least one text it flags, marked with [[…]]"))
        }
        if rule.fixSafety != .none && rule.examples.fixes.isEmpty {
            failures.append(Failure(ruleID: rule.id, mark: rule.source.mark, variant: .plain,
                                    message: "the rule declares fix: \(rule.fixSafety.rawValue) but has no examples.fixes (before/after)"))
        }

        let markdown = rule.examples.format == .markdown
        for v in variants where !rule.examples.skipVariants.contains(v.rawValue) {
            // The multibyte prefix opens the text; a Markdown example's front matter must open it, so there the
            // prefix is the value of a front-matter line of its own (`note: 𠮷𠮷：`) right after the opening `---`.
            func transform(_ t: String) -> String {
                switch v {
                case .crlf: return t.replacingOccurrences(of: "\n", with: "\r\n")
                case .prefix:
                    if markdown && t.hasPrefix("---\n") { return "---\n" + markdownPrefixLine + String(t.dropFirst(4)) }
                    return prefix + t
                default: return t
                }
            }
            // The bytes the variant inserted into an example.
            func relevant(_ ds: [Diagnostic], _ original: String) -> [Diagnostic] {
                let inserted: Range<Int> = v != .prefix ? 0..<0 : markdown && original.hasPrefix("---\n")
                    ? 4..<(4 + markdownPrefixLine.utf8.count) : 0..<prefix.utf8.count
                // Findings in the prefix, or at its junction with the example, belong to the prefix.
                return inserted.isEmpty ? ds : ds.filter { d in
                    !(inserted.contains(d.range.lowerBound) || (d.range.lowerBound == inserted.upperBound && d.range.isEmpty))
                }
            }
            let disableOpen = "# copydesk-disable \(rule.id) -- example variant\n"
            let disableClose = "\n# copydesk-enable \(rule.id)\n"

            for ex in rule.examples.valid {
                let text = transform(ex.text)
                if v == .disabled { continue }
                let ds = relevant(lint(text), ex.text)
                if !ds.isEmpty { fail(ex.mark, v, "valid example was flagged at \(show(ds, text))") }
            }
            for ex in rule.examples.invalid {
                let marked = MarkedExample(transform(ex.text))
                if v == .disabled {
                    let withMeta = exampleLinter(rule, unusedDisable: .info)
                    let text = markdown ? markdownDisabled(marked.text, rule.id) : disableOpen + marked.text + disableClose
                    let ds = lint(text, withMeta)
                    if !ds.isEmpty { fail(ex.mark, v, "inside a disabled region, expected no finding, got \(ds.map(\.ruleID).joined(separator: ", ")) at \(show(ds, text))") }
                    continue
                }
                let ds = relevant(lint(marked.text), ex.text)
                let got = ds.map(\.range).sorted { ($0.lowerBound, $0.upperBound) < ($1.lowerBound, $1.upperBound) }
                let want = marked.expected.sorted { ($0.lowerBound, $0.upperBound) < ($1.lowerBound, $1.upperBound) }
                if got != want {
                    fail(ex.mark, v, "expected findings at \(expectedString(want, marked.text)), got \(show(ds, marked.text))")
                }
            }
            if v == .disabled { continue }
            for ex in rule.examples.fixes {
                let before = transform(ex.before), after = transform(ex.after)
                let out = FixApplier.fix(SourceText(before), path: examplePath(rule), linter: linterForFix(rule, role), allowUnsafe: true)
                let result = String(decoding: out.bytes, as: UTF8.self)
                if result != after {
                    fail(ex.mark, v, "fixing gave \(quote(result)), expected \(quote(after))")
                } else {
                    let again = FixApplier.fix(SourceText(after), path: examplePath(rule), linter: linterForFix(rule, role), allowUnsafe: true)
                    if again.changed { fail(ex.mark, v, "fixing is not idempotent: fixing the result changed it to \(quote(String(decoding: again.bytes, as: UTF8.self)))") }
                }
                if !out.unconverged.isEmpty { fail(ex.mark, v, "fixing did not converge") }
                if let safe = ex.safeOnly.map(transform) {
                    let safeOut = FixApplier.fix(SourceText(before), path: examplePath(rule), linter: linterForFix(rule, role), allowUnsafe: false)
                    let got = String(decoding: safeOut.bytes, as: UTF8.self)
                    if got != safe { fail(ex.mark, v, "fixing with safe fixes only gave \(quote(got)), expected \(quote(safe))") }
                }
            }
        }
        return failures
    }

    /// The linter examples run with: the rule alone, with the roster and date its examples carry (`examples.roster`,
    /// `examples.date`: the roster rules' examples need one).
    public static func exampleLinter(_ rule: Rule, unusedDisable: Severity?) -> Linter {
        var l = Linter(rules: [rule], unusedDisable: unusedDisable)
        if let r = rule.examples.roster { l.names.roster = r }
        l.names.date = rule.examples.date
        return l
    }

    static func examplePath(_ rule: Rule) -> String { rule.examples.format == .markdown ? "example.md" : "example.txt" }

    /// Markdown examples: the disable comments go after the front matter (which must open the file); the multibyte
    /// prefix goes inside it (`markdownPrefixLine`).
    static func markdownDisabled(_ text: String, _ id: String) -> String {
        let open = "<!-- copydesk-disable \(id) -- example variant -->\n\n", close = "\n<!-- copydesk-enable \(id) -->\n"
        let nl = text.contains("\r\n") ? "\r\n" : "\n"
        if text.hasPrefix("---" + nl), let end = text.range(of: nl + "---" + nl, range: text.index(text.startIndex, offsetBy: 3)..<text.endIndex) {
            return String(text[..<end.upperBound]) + nl + open + String(text[end.upperBound...]) + close
        }
        return open + text + close
    }

    /// Fix examples are read with the same role as the other examples.
    static func linterForFix(_ rule: Rule, _ role: Scope?) -> Linter {
        var l = exampleLinter(rule, unusedDisable: nil)
        l.forcedRole = role
        return l
    }

    static func quote(_ s: String) -> String { JSON.string(s) }
}
