import Foundation
import Testing
import ZIPFoundation
@testable import CopydeskCore

/// Builds `.docx` packages in the tests (no committed binaries): the XML parts written with ZIPFoundation.
enum Docx {
    static let ns = "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" xmlns:mc=\"http://schemas.openxmlformats.org/markup-compatibility/2006\""

    /// A run with one `w:t` (bold when asked: formatting that a fix must keep).
    static func r(_ text: String, bold: Bool = false) -> String {
        let esc = text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        let preserve = text.hasPrefix(" ") || text.hasSuffix(" ") ? " xml:space=\"preserve\"" : ""
        return "<w:r>" + (bold ? "<w:rPr><w:b/></w:rPr>" : "") + "<w:t\(preserve)>\(esc)</w:t></w:r>"
    }

    static func p(_ runs: String..., style: String? = nil) -> String {
        "<w:p>" + (style.map { "<w:pPr><w:pStyle w:val=\"\($0)\"/></w:pPr>" } ?? "") + runs.joined() + "</w:p>"
    }

    static func document(_ body: String) -> String {
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:document \(ns)><w:body>\(body)<w:sectPr/></w:body></w:document>"
    }

    static let contentTypes = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Default Extension=\"png\" ContentType=\"image/png\"/><Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/><Override PartName=\"/word/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml\"/><Override PartName=\"/word/footnotes.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml\"/></Types>"
    static let rels = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/></Relationships>"
    static let docRels = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/></Relationships>"
    /// Chinese Word names its heading styles by number (`w:styleId="1"`, name `heading 1`); WPS writes `标题 2`.
    static let styles = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:styles \(ns)><w:style w:type=\"paragraph\" w:styleId=\"1\"><w:name w:val=\"heading 1\"/></w:style><w:style w:type=\"paragraph\" w:styleId=\"a5\"><w:name w:val=\"标题 2\"/></w:style><w:style w:type=\"paragraph\" w:styleId=\"Quote\"><w:name w:val=\"Quote\"/></w:style></w:styles>"
    /// Bytes that are no XML at all, to check that parts not read are copied exactly.
    static let image: [UInt8] = (0..<300).map { UInt8(($0 * 37 + 11) % 256) }

    static func make(_ body: String, footnotes: String? = nil, stylesXML: String? = styles, omitDocument: Bool = false) throws -> [UInt8] {
        let archive = try Archive(data: Data(), accessMode: .create)
        var entries: [(String, [UInt8], Bool)] = [("[Content_Types].xml", Array(contentTypes.utf8), true), ("_rels/.rels", Array(rels.utf8), true)]
        if !omitDocument { entries.append(("word/document.xml", Array(document(body).utf8), true)) }
        entries.append(("word/_rels/document.xml.rels", Array(docRels.utf8), true))
        if let stylesXML { entries.append(("word/styles.xml", Array(stylesXML.utf8), true)) }
        if let footnotes {
            entries.append(("word/footnotes.xml", Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:footnotes \(ns)><w:footnote w:type=\"separator\" w:id=\"-1\"><w:p><w:r><w:separator/></w:r></w:p></w:footnote><w:footnote w:id=\"1\">\(footnotes)</w:footnote></w:footnotes>".utf8), true))
        }
        entries.append(("word/media/image1.png", image, false))
        for (path, bytes, compress) in entries {
            let d = Data(bytes)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(d.count), compressionMethod: compress ? .deflate : .none) { pos, size in
                d.subdata(in: Int(pos)..<(Int(pos) + size))
            }
        }
        return [UInt8](try #require(archive.data))
    }

    static func write(_ bytes: [UInt8], to url: URL) throws { try Data(bytes).write(to: url) }

    /// The XML of a part with the content of every `w:t` taken out and `xml:space="preserve"` dropped: what a fix
    /// must leave exactly as it was.
    static func skeleton(_ xml: String) -> String {
        var out = ""
        var rest = Substring(xml)
        while let open = rest.range(of: "<w:t") {
            let tagEnd = rest[open.upperBound...].firstIndex(of: ">")!
            let tag = rest[open.lowerBound...tagEnd]
            guard tag == "<w:t>" || tag.hasPrefix("<w:t ") else {
                out += rest[..<rest.index(after: tagEnd)]; rest = rest[rest.index(after: tagEnd)...]; continue
            }
            out += rest[..<open.lowerBound] + "<w:t>"
            let close = rest.range(of: "</w:t>", range: tagEnd..<rest.endIndex)!
            out += "</w:t>"
            rest = rest[close.upperBound...]
        }
        return out + rest
    }
}

@Suite struct WordTests {
    func package(_ bytes: [UInt8]) throws -> (WordPackage, WordTextMap) {
        let pkg = try WordPackage(bytes: bytes, maxPartSize: 1 << 26)
        return (pkg, WordTextMap(parts: pkg.parts, headingStyles: pkg.headingStyles))
    }

    func lines(_ map: WordTextMap) -> [String] {
        String(decoding: map.text, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    /// Every byte of the text that comes from a `w:t` maps back to that byte of that node; tabs are text that
    /// no edit may touch; deleted text of tracked changes is not read, inserted text is.
    @Test func textAndPositionsAcrossRuns() throws {
        let body = Docx.p(Docx.r("本报讯 12 月"), Docx.r(" 3 日", bold: true), Docx.r("A&B"))
            + Docx.p(Docx.r("甲"), "<w:r><w:tab/><w:t>乙</w:t><w:br/><w:t>丙</w:t></w:r>",
                     "<w:del><w:r><w:delText>删掉</w:delText></w:r></w:del><w:ins><w:r><w:t>插入</w:t></w:r></w:ins>")
            + "<w:tbl><w:tr><w:tc>" + Docx.p(Docx.r("表格")) + "</w:tc></w:tr></w:tbl>"
            + Docx.p("<w:r><mc:AlternateContent><mc:Choice><w:t>选</w:t></mc:Choice><mc:Fallback><w:t>备</w:t></mc:Fallback></mc:AlternateContent></w:r>")
        let (pkg, map) = try package(try Docx.make(body))
        #expect(lines(map) == ["本报讯 12 月 3 日A&B", "甲\t乙丙插入", "表格", "选"])
        let part = pkg.parts[0]
        for s in map.spans where s.node >= 0 {
            for o in s.range {
                let l = try #require(map.locate(o..<(o + 1), editable: { _, _ in true }))
                #expect(l.node == s.node)
                #expect(part.nodes[l.node].text[l.range.lowerBound] == map.text[o])
            }
        }
        let text = String(decoding: map.text, as: UTF8.self)
        // A deletion across the boundary of two runs is not mapped; one inside a run is.
        let boundary = try #require(TS.offset(of: "月 3", in: text, plus: 3))
        #expect(map.locate((boundary - 1)..<(boundary + 1), editable: { _, _ in true }) == nil)
        #expect(map.locate(boundary..<(boundary + 1), editable: { _, _ in true })?.node == 1)
        // An insertion at a run boundary goes to the end of the earlier run; next to a tab or a break, nowhere.
        let end = try #require(TS.offset(of: "日A", in: text, plus: 3))
        let ins = try #require(map.locate(end..<end, editable: { _, _ in true }))
        #expect(ins.node == 1 && ins.range == pkg.parts[0].nodes[1].text.count..<pkg.parts[0].nodes[1].text.count)
        let tab = try #require(TS.offset(of: "\t", in: text))
        #expect(map.locate(tab..<tab, editable: { _, _ in true }) == nil)
        #expect(map.locate((tab + 1)..<(tab + 1), editable: { _, _ in true }) == nil)
        #expect(map.locate(tab..<(tab + 1), editable: { _, _ in true }) == nil)
        let brk = try #require(TS.offset(of: "丙", in: text))
        #expect(map.locate(brk..<brk, editable: { _, _ in true }) == nil)
        // JSON: the part, the paragraph, the run (1-based) and the character offset inside its w:t.
        let three = try #require(TS.offset(of: "3 日", in: text))
        #expect(map.json(line: 0, offset: three).contains("\"paragraph\":1,\"run\":2,\"offsetInRun\":1"))
        #expect(map.json(line: 1, offset: tab).contains("\"run\":2,\"offsetInRun\":null"))
    }

    @Test func headingsByStyleAreHeadlines() throws {
        let body = Docx.p(Docx.r("区里开了个会，大家都说好。"), style: "1")
            + Docx.p(Docx.r("这是一个副题，很长很长的说明文字。"), style: "a5")
            + Docx.p(Docx.r("正文第一段，说了一些事情。"))
            + Docx.p(Docx.r("引文一段，不是标题。"), style: "Quote")
        let (_, map) = try package(try Docx.make(body))
        #expect(map.headings == [0: 1, 1: 2])
        let doc = Document(wordPath: "d.docx", source: SourceText(trusted: map.text, hasBOM: false), headings: map.headings, vocabulary: .builtIn)
        let roles = doc.blocks.map { ($0.lines.lowerBound, $0.role) }
        #expect(roles.first { $0.0 == 0 }?.1 == .headline)
        #expect(roles.first { $0.0 == 1 }?.1 == .headline)
        #expect(roles.first { $0.0 == 2 }?.1 == .body)
        #expect(roles.first { $0.0 == 3 }?.1 == .body)
        // Without the styles part the style ids alone are read (Heading2 → level 2).
        let (_, bare) = try package(try Docx.make(Docx.p(Docx.r("标题"), style: "Heading2") + Docx.p(Docx.r("正文。")), stylesXML: nil))
        #expect(bare.headings == [0: 2])
    }

    func runner(unsafe: Bool = false, fix: Runner.FixMode = .report) throws -> Runner {
        var o = Runner.Options(); o.noConfig = true; o.style = "print"; o.fixMode = fix; o.unsafeFixes = unsafe
        return try Runner(options: o)
    }

    static let draftBody = Docx.p(Docx.r("青山镇召开供暖会议"), style: "1")
        + Docx.p(Docx.r("本报讯 12 月 3 日上午，"), Docx.r("全 力 以 赴", bold: true), Docx.r("保障供暖。"))
        + Docx.p(Docx.r("他说.."), Docx.r(".然后走了。"))

    /// Findings carry the paragraph as line and the character column in it, computed here from the text alone.
    @Test func findingsArePositionedByParagraph() throws {
        let dir = try TS.makeTempDir("copydesk-word")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("draft.docx")
        try Docx.write(try Docx.make(Self.draftBody, footnotes: Docx.p(Docx.r("注释 里 的 字"))), to: file)
        let results = try runner().run(files: [file.path], write: false)
        let report = results[0].0
        #expect(report.error == nil)
        let src = try #require(report.source)
        let text = src.string(0..<src.bytes.count)
        #expect(text == "青山镇召开供暖会议\n本报讯 12 月 3 日上午，全 力 以 赴保障供暖。\n他说...然后走了。\n注释 里 的 字\n")
        let loc = try #require(report.locator)
        let d = try #require(report.diagnostics.first { $0.ruleID == "spacing.han-space-han" })
        let p = loc.position(d.range.lowerBound)
        let expected = try #require(TS.position(of: "全 力", in: text, plusScalars: 1))
        #expect((p.line, p.column) == (expected.line, expected.column))
        #expect(p.line == 2)
        // The footnote's finding: paragraph 4 of the text, paragraph 1 of word/footnotes.xml in JSON.
        let json = JSONReporter().render(RunReport(files: [report], rules: []))
        #expect(json.contains("\"word\":{\"part\":\"word/footnotes.xml\",\"paragraph\":1,\"run\":1,\"offsetInRun\":2}"), "\(json)")
        #expect(json.contains("\"word\":{\"part\":\"word/document.xml\",\"paragraph\":2,\"run\":2,\"offsetInRun\":1}"), "\(json)")
        // The ellipsis spans two runs: reported, its fix not offered.
        let e = try #require(report.diagnostics.first { $0.ruleID == "punctuation.ellipsis" })
        #expect(e.fix == nil && e.message.hasSuffix(WordLint.notAppliedNote))
    }

    /// `--fix`: the text of the runs changes, their formatting and every other byte of the package stay; a second
    /// run changes nothing.
    @Test func fixInsideRunsKeepsEverythingElse() throws {
        let dir = try TS.makeTempDir("copydesk-word")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("draft.docx")
        let original = try Docx.make(Self.draftBody, footnotes: Docx.p(Docx.r("注释 里 的 字")))
        try Docx.write(original, to: file)
        let results = try runner(fix: .apply).run(files: [file.path], write: true)
        #expect(results[0].0.error == nil)
        #expect(results[0].0.fixed["spacing.han-space-han"] == 6)
        // The space after 本报讯 is the dateline's (print: U+3000), the three in the date are han-digit's.
        #expect(results[0].0.fixed["spacing.han-digit"] == 3)
        #expect(results[0].0.fixed["dateline.separator"] == 1)
        let fixed = [UInt8](try Data(contentsOf: file))
        let before = try WordPackage.entries(original), after = try WordPackage.entries(fixed)
        #expect(before.map(\.0) == after.map(\.0))
        for ((name, a), (_, b)) in zip(before, after) where name != "word/document.xml" && name != "word/footnotes.xml" {
            #expect(a == b, "\(name) changed")
        }
        let docBefore = String(decoding: before.first { $0.0 == "word/document.xml" }!.1, as: UTF8.self)
        let docAfter = String(decoding: after.first { $0.0 == "word/document.xml" }!.1, as: UTF8.self)
        #expect(Docx.skeleton(docBefore) == Docx.skeleton(docAfter))
        #expect(docAfter.contains("<w:rPr><w:b/></w:rPr><w:t>全力以赴</w:t>"))
        #expect(docAfter.contains("<w:t>他说..</w:t>"))   // across runs: not fixed
        let (_, map) = try package(fixed)
        #expect(String(decoding: map.text, as: UTF8.self) == "青山镇召开供暖会议\n本报讯　12月3日上午，全力以赴保障供暖。\n他说...然后走了。\n注释里的字\n")
        // Idempotent: the second run finds nothing to fix and does not write.
        let again = try runner(fix: .apply).run(files: [file.path], write: true)
        #expect(again[0].0.fixed.isEmpty)
        #expect([UInt8](try Data(contentsOf: file)) == fixed)
    }

    /// A soft hyphen (`w:softHyphen`, as LibreOffice writes U+00AD) is read as U+00AD; its fix deletes the element
    /// and nothing else.
    @Test func softHyphenElementsAreRemovedWhole() throws {
        let dir = try TS.makeTempDir("copydesk-word")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("soft.docx")
        let para = "<w:p><w:r><w:rPr><w:i/></w:rPr><w:t>大约去年</w:t><w:softHyphen/><w:t>八九月份间。</w:t></w:r></w:p>"
        try Docx.write(try Docx.make(Docx.p(Docx.r("标题"), style: "1") + para), to: file)
        let report = try runner().run(files: [file.path], write: false)[0].0
        let d = try #require(report.diagnostics.first { $0.ruleID == "ocr.invisible-char" })
        #expect(d.fix != nil)
        let fixed = try runner(fix: .apply).run(files: [file.path], write: true)[0].0
        #expect(fixed.fixed["ocr.invisible-char"] == 1)
        let xml = String(decoding: try WordPackage.entries([UInt8](try Data(contentsOf: file))).first { $0.0 == "word/document.xml" }!.1, as: UTF8.self)
        #expect(xml.contains("<w:r><w:rPr><w:i/></w:rPr><w:t>大约去年</w:t><w:t>八九月份间。</w:t></w:r>"), "\(xml)")
        #expect(xml.replacingOccurrences(of: "<w:softHyphen/>", with: "") == xml)
        let again = try runner(fix: .apply).run(files: [file.path], write: true)[0].0
        #expect(again.fixed.isEmpty && !again.diagnostics.contains { $0.ruleID == "ocr.invisible-char" })
    }

    /// An edit that leaves a space at the edge of a `w:t` marks it `xml:space="preserve"` (else Word drops it);
    /// entities are written back escaped.
    @Test func rewriteKeepsEdgeSpacesAndEscapes() throws {
        let xml = Docx.document(Docx.p(Docx.r("中文"), Docx.r("A&B")))
        let part = try WordXML.parse(Array(xml.utf8), part: "word/document.xml")
        let out = String(decoding: WordXML.rewrite(part, texts: [0: Array("中文 ".utf8), 1: Array("A&B<".utf8)]), as: UTF8.self)
        #expect(out.contains("<w:t xml:space=\"preserve\">中文 </w:t>"))
        #expect(out.contains("<w:t>A&amp;B&lt;</w:t>"))
        let back = try WordXML.parse(Array(out.utf8), part: "word/document.xml")
        #expect(back.nodes.map { String(decoding: $0.text, as: UTF8.self) } == ["中文 ", "A&B<"])
    }

    @Test func badPackagesAreClearErrors() throws {
        func error(_ bytes: [UInt8], max: Int = 1 << 26) -> String? {
            do { _ = try WordPackage(bytes: bytes, maxPartSize: max); return nil } catch { return "\(error)" }
        }
        #expect(error(Array("本报讯 这不是 Word 文件".utf8))?.contains("not a ZIP file") == true)
        #expect(error(WordPackage.cfbMagic + [UInt8](repeating: 0, count: 512))?.contains("password-protected") == true)
        #expect(error([0x50, 0x4B, 0x03, 0x04, 1, 2, 3])?.contains("damaged") == true)
        #expect(error(try Docx.make("", omitDocument: true))?.contains("no word/document.xml") == true)
        let big = Docx.p(Docx.r(String(repeating: "字", count: 5000)))
        #expect(error(try Docx.make(big), max: 4096)?.contains("above the limit") == true)
        #expect(error(try Docx.make("<w:p><w:r><w:t>未闭合</w:r></w:p>"))?.contains("not well-formed") == true)
        // Entities that expand a billion times never reach a parser.
        var laughs = "<?xml version=\"1.0\"?><!DOCTYPE w:document [<!ENTITY a \"哈哈哈哈哈哈哈哈哈哈\">"
        for k in 1...9 { laughs += "<!ENTITY \(Character(UnicodeScalar(97 + k)!)) \"" + String(repeating: "&\(Character(UnicodeScalar(96 + k)!));", count: 10) + "\">" }
        laughs += "]><w:document \(Docx.ns)><w:body><w:p><w:r><w:t>&j;</w:t></w:r></w:p></w:body></w:document>"
        #expect(throws: WordError.self) { try WordXML.parse(Array(laughs.utf8), part: "word/document.xml") }
        #expect((try? WordXML.parse(Array(laughs.utf8), part: "p")) == nil)
    }

    /// The command line: every format shows the paragraph as line; `--diff` prints the text diff; bad files exit 2.
    @Test func commandLine() throws {
        let dir = try TS.makeTempDir("copydesk-word-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Docx.write(try Docx.make(Self.draftBody), to: dir.appendingPathComponent("draft.docx"))
        let text = try CLI.run(["lint", "--no-config", "draft.docx"], in: dir)
        #expect(text.status == 1)
        // 2:4: the space after 本报讯 (dateline.separator, a warning).
        #expect(text.stdout.contains("draft.docx:2:4: warning:"), "\(text.stdout)")
        for (format, needle) in [("github", "line=2,endLine=2,col=4"), ("checkstyle", "line=\"2\" column=\"4\""), ("sarif", "\"startLine\":2")] {
            let r = try CLI.run(["lint", "--no-config", "--format", format, "draft.docx"], in: dir)
            #expect(r.stdout.replacingOccurrences(of: " ", with: "").contains(needle.replacingOccurrences(of: " ", with: "")), "\(format): \(r.stdout)")
        }
        let diff = try CLI.run(["lint", "--no-config", "--diff", "draft.docx"], in: dir)
        #expect(diff.stdout.contains("-本报讯 12 月 3 日上午，全 力 以 赴保障供暖。\n+本报讯　12月3日上午，全力以赴保障供暖。"), "\(diff.stdout)")
        try Docx.write(Array("plain text".utf8), to: dir.appendingPathComponent("bad.docx"))
        let bad = try CLI.run(["lint", "--no-config", "bad.docx"], in: dir)
        #expect(bad.status == 2)
        #expect((bad.stdout + bad.stderr).contains("not a .docx package"), "\(bad.stdout)\(bad.stderr)")
        // `copydesk structure` reads Word files too: the Heading 1 paragraph is the article's headline.
        let structure = try CLI.run(["structure", "--no-config", "draft.docx"], in: dir)
        #expect(structure.status == 0, "\(structure.stdout)\(structure.stderr)")
        #expect(structure.stdout.contains("青山镇召开供暖会议"), "\(structure.stdout)")
        let plainHeadline = try CLI.run(["structure", "--no-config", "--format", "json", "draft.docx"], in: dir)
        #expect(plainHeadline.stdout.contains("\"headlines\":[{\"kind\":\"main\",\"line\":1"), "\(plainHeadline.stdout)")
                // A folder walk picks .docx files up, and skips Word's lock file with a note (not an error).
        try FileManager.default.removeItem(at: dir.appendingPathComponent("bad.docx"))
        try Docx.write([6] + Array("张三".utf8) + [UInt8](repeating: 0x20, count: 40), to: dir.appendingPathComponent("~$draft.docx"))
        let walk = try CLI.run(["lint", "--no-config", "."], in: dir)
        #expect(walk.stdout.contains("draft.docx:2:4"))
        #expect(walk.status == 1, "\(walk.stdout)")
        #expect(walk.stdout.contains("lock file"), "\(walk.stdout)")
    }

    /// LibreOffice from Debian's packages opens a fixed file and shows the fixed text, and a file it wrote from a
    /// text draft lints with the expected findings (scripts/check-docx-libreoffice.sh). Missing LibreOffice that
    /// cannot be installed is a failure that says so, not a pass.
    @Test func libreOfficeOpensFixedFiles() throws {
        let script = TS.repoRoot.appendingPathComponent("scripts/check-docx-libreoffice.sh")
        var env = ProcessInfo.processInfo.environment
        env["COPYDESK_BIN"] = try #require(CLI.binary).path
        let (status, text) = try TS.run("/bin/bash", [script.path], environment: env)
        if status == 3 {
            Issue.record("LibreOffice is not installed and could not be installed (apt-get install libreoffice-writer-nogui): the .docx check did not run. \(text)")
            return
        }
        #expect(status == 0, "\(text)")
    }
}
