import Foundation
import Testing
@testable import CopydeskCore

/// The real OCR'd county newspaper page in `../shared/samples` (beside the repository; not part of it).
/// Skipped, with a note, when the file is absent. Expected positions are derived by searching the text.
@Suite struct OCRSampleTests {
    static let sampleURL = TS.sharedSampleURL ?? TS.repoRoot.deletingLastPathComponent().appendingPathComponent("shared/samples/ocr-county-page.txt")

    func loadSample() throws -> String? {
        guard FileManager.default.fileExists(atPath: Self.sampleURL.path) else {
            print("note: \(Self.sampleURL.path) is absent; skipping the OCR sample test")
            return nil
        }
        let bytes = try [UInt8](Data(contentsOf: Self.sampleURL))
        return try SourceText(validating: bytes).string
    }

    func findings(_ ds: [Diagnostic], _ rule: String) -> Set<Int> { Set(ds.filter { $0.ruleID == rule }.map(\.range.lowerBound)) }

    @Test func letterspacedHeadlineOfTheFenceParagraph() throws {
        guard let text = try loadSample() else { return }
        let ds = try TS.lint(text, path: "ocr-county-page.txt")
        let src = SourceText(text)
        // 篱 ends one line and 笆 starts the next: OCR broke the word; the defects follow on 笆's line.
        let anchor = try #require(TS.offset(of: "笆 墙 ，全 力", in: text))
        let afterBa = anchor + "笆".utf8.count                       // the space between 笆 and 墙
        let beforeComma = anchor + "笆 墙".utf8.count                // the space between 墙 and ，
        let inQuanLi = anchor + "笆 墙 ，全".utf8.count              // the space between 全 and 力
        let han = findings(ds, "spacing.han-space-han")
        let punct = findings(ds, "spacing.space-around-fullwidth-punct")
        #expect(han.contains(afterBa))
        #expect(han.contains(inQuanLi))
        #expect(punct.contains(beforeComma))
        #expect(!han.contains(beforeComma))     // 墙 and ， are not two Han characters
        // Reported positions: line and scalar column computed independently of SourceText.
        for (offset, rule) in [(afterBa, "spacing.han-space-han"), (beforeComma, "spacing.space-around-fullwidth-punct"), (inQuanLi, "spacing.han-space-han")] {
            let want = TS.lineColumn(in: text, byteOffset: offset)
            let d = try #require(ds.first { $0.range.lowerBound == offset && $0.ruleID == rule })
            let got = src.position(of: d.range.lowerBound)
            #expect(got == want, "\(rule)")
            #expect(d.range.count == 1)
        }
        // The whole letterspaced run `全 力 以 赴 打 赢 疫 情 防 控 阻 击` on that line: one finding per space.
        let runStart = try #require(TS.offset(of: "全 力 以 赴", in: text))
        let lineRange = src.lineContent(src.lineIndex(of: runStart))
        let spacesInRun = src.string(runStart..<lineRange.upperBound).filter { $0 == " " }.count
        let onLine = ds.filter { $0.ruleID == "spacing.han-space-han" && lineRange.contains($0.range.lowerBound) && $0.range.lowerBound > runStart }
        #expect(onLine.count == spacesInRun)
    }

    @Test func spacedEnumerationOfTheTracingParagraph() throws {
        guard let text = try loadSample() else { return }
        let ds = try TS.lint(text, path: "ocr-county-page.txt")
        // `流调溯\n\n源 、分 类 管 理 、应 急`: spaces before 、 are punctuation findings, between Han characters han-space-han.
        let anchor = try #require(TS.offset(of: "源 、分 类", in: text))
        let beforeDun = anchor + "源".utf8.count
        let inFenLei = anchor + "源 、分".utf8.count
        #expect(findings(ds, "spacing.space-around-fullwidth-punct").contains(beforeDun))
        #expect(findings(ds, "spacing.han-space-han").contains(inFenLei))
        let p = SourceText(text).position(of: beforeDun)
        #expect(p == TS.lineColumn(in: text, byteOffset: beforeDun))
        #expect(p.column == 2)
    }

    @Test func bylinesDatelinesAndHeadlinesAreRecognised() throws {
        guard let text = try loadSample() else { return }
        let doc = Document(path: "ocr-county-page.txt", text: text)
        func role(_ needle: String, nth: Int = 0) -> Scope? {
            guard let o = TS.offset(of: needle, in: text, nth: nth), let i = doc.blockIndex(containing: o) else { return nil }
            return doc.blocks[i].role
        }
        #expect(role("沈晓红在永督导疫情防控工作时强调") == .headline)
        #expect(role("□融媒首席记者 陈晓苏") == .byline)
        #expect(role("□融媒首席记者 陈晓苏", nth: 1) == .byline)
        #expect(role("本报讯 12 月 14 日夜") == .dateline)
        #expect(role("本报讯 12 月 14 日上午") == .dateline)
        // The second article's headline block: lead-in, main title and subtitle before its byline.
        #expect(role("章旭升在看望慰问防疫一线工作人员时指出") == .headline)
        #expect(role("坚守阵地连续作战") == .headline)
        #expect(role("■从严从实") == .headline)
        // Body text stays body, also the short quoted questions that OCR put on lines of their own.
        #expect(role("旭升、胡勇春、蒋华蒙一行") == .body)
        #expect(role("“每班在岗时间多长？”") == .body)
        #expect(role("流程规范落实得怎么样？") == .body)
        #expect(role("主动权。") == .body)
        // The four headlines at the end of the page, whose articles are not on it.
        #expect(role("提高应急响应和处置能力。") == .body)
        #expect(role("融媒记者开展疫情防控暗访“回头看”") == .headline)
        #expect(role("整改基本到位 细节有待完善") == .headline)
        #expect(role("党员干部为疫情防控贡献力量") == .headline)
        #expect(role("花街镇开通老人疫苗接种“专车”") == .headline)
        // The headline-like byline-free line `融媒记者开展…` is not a byline.
        let src = SourceText(text)
        let o = try #require(TS.offset(of: "融媒记者开展", in: text))
        #expect(!ArticleStructure.isByline(src, src.lineContent(src.lineIndex(of: o))))
    }

    @Test func fixingTheSampleConverges() throws {
        guard let text = try loadSample() else { return }
        let linter = try TS.defaultLinter()
        let out = FixApplier.fix(SourceText(text), path: "ocr-county-page.txt", linter: linter, allowUnsafe: false)
        #expect(out.changed)
        #expect(out.unconverged.isEmpty)
        let fixed = String(decoding: out.bytes, as: UTF8.self)
        #expect(fixed.contains("笆墙，全力以赴打赢疫情防控阻击"))
        #expect(fixed.contains("源、分类管理、应急处置等工作流"))
        // Line structure is untouched by fixes that only delete spaces.
        #expect(fixed.split(separator: "\n", omittingEmptySubsequences: false).count == text.split(separator: "\n", omittingEmptySubsequences: false).count)
        #expect(linter.lint(Document(path: "ocr-county-page.txt", text: fixed)).filter { $0.ruleID == "spacing.space-around-fullwidth-punct" }.isEmpty)
    }
}
