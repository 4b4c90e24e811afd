import Foundation

extension Document {
    /// A Word document's text read as plain text, with two differences: every paragraph is a block of its own
    /// (Word already says where paragraphs end; hard-wrap heuristics never merge two), and paragraphs whose style or
    /// outline level makes them headings (`Heading 1`, `标题 1`, `Title`…) are headlines whatever the heuristics say.
    /// `headings`: heading level by line.
    convenience init(wordPath path: String, source: SourceText, headings: [Int: Int], vocabulary: StructureVocabulary) {
        let facts = LineFacts.all(source, vocab: vocabulary)
        var blocks: [Block] = []
        for b in PlainTextScanner.scan(source, facts: facts) {
            if b.content.count <= 1 { blocks.append(b); continue }
            for (k, line) in b.lines.enumerated() {
                blocks.append(Block(kind: b.kind, role: b.role, lines: line..<(line + 1), content: [b.content[k]]))
            }
        }
        func markHeadings() {
            for i in blocks.indices where !blocks[i].role.isEmpty && blocks[i].role != .code {
                if let level = headings[blocks[i].lines.lowerBound] { blocks[i].kind = .heading(level: level); blocks[i].role = .headline }
            }
        }
        markHeadings()
        ArticleStructure.assignRoles(&blocks, source: source, format: .plainText, facts: facts, vocab: vocabulary)
        markHeadings()
        var verbatim = InlineScanner.urls(in: source.bytes, blocks: blocks)
        var inline: [(range: Range<Int>, role: Scope)] = []
        for b in blocks where b.role == .dateline {
            if let first = b.content.first, let c = ArticleStructure.credit(in: source, dateline: first, vocabulary) { inline.append((c, .byline)) }
        }
        if !inline.isEmpty { verbatim = InlineScanner.normalize(verbatim + inline.map(\.range)) }
        let directives = Directive.parse(source: source, blocks: blocks, verbatim: verbatim, format: .plainText)
        self.init(path: path, source: source, format: .plainText, blocks: blocks, verbatim: verbatim, directives: directives,
                  inlineRoles: inline, lineFacts: facts, vocabulary: vocabulary)
    }
}

/// Linting and fixing a `.docx` file: read the package, lint its text, map fixes back into the runs they lie in.
public enum WordLint {
    /// The document copydesk reads from a `.docx` package (`copydesk structure draft.docx`).
    public static func document(docx bytes: [UInt8], path: String, vocabulary: StructureVocabulary, maxPartSize: Int) throws -> Document {
        let pkg = try WordPackage(bytes: bytes, maxPartSize: maxPartSize)
        let map = WordTextMap(parts: pkg.parts, headingStyles: pkg.headingStyles)
        let source: SourceText
        do { source = try SourceText(validating: map.text) } catch { throw WordError("the document's text: \(error)") }
        return Document(wordPath: path, source: source, headings: map.headings, vocabulary: vocabulary)
    }

    static let notAppliedNote = "（修复跨越 Word 文本段，未自动应用）"

    struct Outcome {
        var report: FileReport
        /// The text before fixing (for `--diff`) and after.
        var originalText: [UInt8]
        var fixedText: [UInt8]
        /// The new package, when fixes were applied.
        var package: [UInt8]?
    }

    /// Lints (and fixes, unless `mode` is `.report`) a package's bytes.
    static func process(bytes: [UInt8], displayPath: String, lookupPath: String, linter: Linter, mode: Runner.FixMode,
                        allowUnsafe: Bool, maxPartSize: Int) throws -> Outcome {
        var pkg = try WordPackage(bytes: bytes, maxPartSize: maxPartSize)
        var map = WordTextMap(parts: pkg.parts, headingStyles: pkg.headingStyles)
        let originalMap = map
        let originalText = map.text
        func lint(_ map: WordTextMap) throws -> (SourceText, [Diagnostic]) {
            let source: SourceText
            do { source = try SourceText(validating: map.text) } catch { throw WordError("the document's text: \(error)") }
            let doc = Document(wordPath: lookupPath, source: source, headings: map.headings, vocabulary: linter.vocabulary)
            return (source, linter.lint(doc))
        }
        func editable(_ part: Int, _ node: Int) -> Bool { pkg.parts[part].nodes[node].editable }
        /// Keeps a fix only when every edit lies inside one run's text, or deletes a soft hyphen element whole
        /// (then `node` is `-1 - index` of the removable element).
        func mapped(_ d: Diagnostic, _ map: WordTextMap) -> [(part: Int, node: Int, range: Range<Int>, replacement: String)]? {
            guard let fix = d.fix else { return nil }
            var out: [(Int, Int, Range<Int>, String)] = []
            for e in fix.edits {
                if let l = map.locate(e.range, editable: editable) {
                    out.append((l.part, l.node, l.range, e.replacement))
                } else if e.replacement.isEmpty, !e.range.isEmpty, let r = map.removable(exactly: e.range) {
                    out.append((r.part, -1 - r.index, 0..<0, ""))
                } else {
                    return nil
                }
            }
            return out
        }
        var (source, diags) = try lint(map)
        var applied: [String: Int] = [:]
        var unconverged: [String] = []
        var changedParts = Set<Int>()
        if mode != .report {
            var passes = 0
            while true {
                let candidates = diags.filter { d in
                    guard let f = d.fix, f.safety == .safe || (allowUnsafe && f.safety == .unsafe) else { return false }
                    return mapped(d, map) != nil
                }
                if candidates.isEmpty { break }
                if passes == FixApplier.maxPasses { unconverged = Array(Set(candidates.map(\.ruleID))).sorted(); break }
                passes += 1
                let (expected, used, _) = FixApplier.applyOnceIndices(map.text, candidates, allowUnsafe: allowUnsafe)
                if used.isEmpty { break }
                // The accepted fixes' edits, node by node, applied from the end of each node's text.
                var byNode: [[Int]: [(Range<Int>, String)]] = [:]
                for u in used {
                    applied[candidates[u].ruleID, default: 0] += 1
                    for m in mapped(candidates[u], map)! { byNode[[m.part, m.node], default: []].append((m.range, m.replacement)) }
                }
                for (key, edits) in byNode {
                    if key[1] < 0 {   // a soft hyphen element deleted whole
                        pkg.parts[key[0]].removables[-1 - key[1]].removed = true
                        changedParts.insert(key[0])
                        continue
                    }
                    var text = pkg.parts[key[0]].nodes[key[1]].text
                    for (r, rep) in edits.sorted(by: { $0.0.lowerBound > $1.0.lowerBound }) { text.replaceSubrange(r, with: Array(rep.utf8)) }
                    pkg.parts[key[0]].nodes[key[1]].text = text
                    changedParts.insert(key[0])
                }
                map = WordTextMap(parts: pkg.parts, headingStyles: pkg.headingStyles)
                // The runs' new text must read as the fixer's: a guard against a mapping mistake ever reaching a file.
                guard map.text == expected else {
                    throw WordError("internal error: the fixed runs do not give the fixed text; nothing was written (please report this)")
                }
                (source, diags) = try lint(map)
            }
        }
        // Fixes that cannot be applied inside one run are reported without them.
        func finish(_ diags: inout [Diagnostic], _ map: WordTextMap) {
            for i in diags.indices where diags[i].fix != nil && mapped(diags[i], map) == nil {
                diags[i].fix = nil
                diags[i].message += notAppliedNote
            }
        }
        finish(&diags, map)
        for id in unconverged {
            diags.append(Diagnostic(ruleID: id, severity: .error,
                                    message: "修复在 \(FixApplier.maxPasses) 轮后仍未收敛（规则 \(id) 的修复互相冲突），请报告此问题",
                                    range: 0..<0, fix: nil))
        }
        var report = FileReport(path: displayPath, source: source, diagnostics: diags)
        if mode == .diff {
            // `--diff` reports the findings of the text as it is.
            let (orig, found) = try lint(originalMap)
            var before = found
            finish(&before, originalMap)
            report = FileReport(path: displayPath, source: orig, diagnostics: before)
            report.wordMap = originalMap
        } else {
            report.wordMap = map
        }
        report.fixed = applied
        var package: [UInt8]? = nil
        if !changedParts.isEmpty {
            var replaced: [String: [UInt8]] = [:]
            for p in changedParts {
                let part = pkg.parts[p]
                let original = try WordXML.parse(part.xml, part: part.path)
                var texts: [Int: [UInt8]] = [:]
                for (k, node) in part.nodes.enumerated() where node.text != original.nodes[k].text { texts[k] = node.text }
                let removing = Set(part.removables.indices.filter { part.removables[$0].removed })
                let xml = WordXML.rewrite(original, texts: texts, removing: removing)
                try WordXML.checkWellFormed(xml, part: part.path)
                replaced[part.path] = xml
            }
            package = try pkg.writing(replacing: replaced)
        }
        return Outcome(report: report, originalText: originalText, fixedText: map.text, package: package)
    }
}

extension Runner {
    /// One `.docx` file of a run: read, lint, fix (`--fix`: the new package written atomically with the same
    /// checks as a text file) or diff (the text before and after).
    func processWordFile(_ path: String, write: Bool) -> FileResult {
        var stamp: FileStamp? = nil
        let bytes: [UInt8]
        switch read(path, stamped: write, stamp: &stamp) {
        case .failure(let e): return (FileReport(path: path, inputError: e), nil, nil)
        case .success(let b): bytes = b
        }
        // Word keeps `~$name.docx` next to a document it has open (the owner's name, not a package): not a draft.
        if (path as NSString).lastPathComponent.hasPrefix("~$") && !bytes.starts(with: [0x50, 0x4B]) {
            var r = FileReport(path: path, source: nil, diagnostics: [])
            r.notice = "skipped: a lock file Word keeps while the document is open"
            return (r, nil, nil)
        }
        let linter: Linter
        do { linter = try self.linter(for: path).1 } catch {
            return (FileReport(path: path, source: nil, diagnostics: [], error: "\(error)"), nil, nil)
        }
        let outcome: WordLint.Outcome
        do {
            outcome = try WordLint.process(bytes: bytes, displayPath: path, lookupPath: path, linter: linter, mode: options.fixMode,
                                           allowUnsafe: options.unsafeFixes, maxPartSize: options.maxFileSize)
        } catch {
            return (FileReport(path: path, source: nil, diagnostics: [], error: "\(error)"), nil, nil)
        }
        var report = outcome.report
        if options.fixMode == .diff {
            return (report, outcome.originalText, outcome.fixedText != outcome.originalText ? outcome.fixedText : nil)
        }
        if write, let package = outcome.package {
            if let refusal = AtomicWriter.refusal(path: path) {
                let again = (try? WordLint.process(bytes: bytes, displayPath: path, lookupPath: path, linter: linter, mode: .report,
                                                   allowUnsafe: false, maxPartSize: options.maxFileSize))?.report
                report = again ?? report
                report.error = refusal.description
                report.notWritten = true
            } else {
                do throws(WriteRefusal) { try AtomicWriter.replace(path: path, with: package, expecting: stamp) } catch {
                    report.error = error.description
                    report.notWritten = true
                    report.fixed = [:]
                    report.diagnostics = []
                    report.source = nil
                }
            }
        }
        if report.diagnostics.isEmpty { report.source = nil }
        return (report, nil, nil)
    }
}
