import Foundation
import Testing
@testable import CopydeskCore

/// The `duplicates` pack: within a draft (exact, near, contained paragraphs; repeated sentences), what must not be
/// reported (parallel paragraphs, results with other numbers, boilerplate, short lines), across the files of a run,
/// the fingerprint's stable encoding, and the related locations in the machine formats.
@Suite struct DuplicatesTests {
    static let configYAML = "extends: [copydesk:duplicates]\n"

    static func linter(_ yaml: String = configYAML) throws -> Linter {
        let config = try Config.parse(yaml, file: "/dup/.lintrc.yml", directory: "/dup")
        return Linter(try RuleSet.build(config: config, catalog: RuleCatalog.loadBuiltIn()))
    }

    static func lint(_ text: String, _ yaml: String = configYAML) throws -> [Diagnostic] {
        try linter(yaml).lint(Document(path: "draft.txt", text: text))
    }

    static let meeting = "县农业农村局近日召开春耕备耕工作会议，全面部署今年粮食生产任务，要求各乡镇抓紧落实种子、化肥、农药等农资供应，加强技术指导服务，确保不误农时。"
    static let report = "会上通报了去年全县粮食生产情况，播种面积稳中有升，总产量创近五年新高，种粮大户数量持续增加。"

    @Test func exactCopyPointsAtTheLaterOneAndNamesTheEarlier() throws {
        // The copy differs in punctuation, spaces and width only.
        let copy = "县农业农村局近日召开春耕备耕工作会议, 全面部署今年粮食生产任务,要求各乡镇抓紧落实种子 化肥 农药等农资供应，加强技术指导服务，确保不误农时."
        let text = "春耕\n\n\(Self.meeting)\n\n\(Self.report)\n\n\(copy)\n"
        let ds = try Self.lint(text)
        #expect(ds.map(\.ruleID) == ["duplicates.paragraph"])
        let d = try #require(ds.first)
        let later = try #require(TS.offset(of: copy, in: text))
        let earlier = try #require(TS.offset(of: Self.meeting, in: text))
        #expect(d.range == later..<(later + copy.utf8.count))
        #expect(d.related.first?.range == earlier..<(earlier + Self.meeting.utf8.count))
        #expect(d.related.first?.file == nil)
        let p = TS.lineColumn(in: text, byteOffset: earlier)
        #expect(d.message.contains("第 \(p.line) 行第 \(p.column) 列"))
        #expect(d.message.contains("100%"))
    }

    @Test func nearAndContainedCopies() throws {
        let near = Self.meeting.replacingOccurrences(of: "全面部署", with: "认真部署")
        let truncated = "县农业农村局近日召开春耕备耕工作会议，全面部署今年粮食生产任务，要求各乡镇抓紧落实种子"
        let text = "春耕\n\n\(Self.meeting)\n\n\(near)\n\n\(Self.report)\n\n\(truncated)\n"
        let ds = try Self.lint(text)
        #expect(ds.map(\.ruleID) == ["duplicates.near-paragraph", "duplicates.contained-paragraph"])
        #expect(ds.first?.range.lowerBound == TS.offset(of: near, in: text))
        #expect(ds.first?.message.contains("81%") == true)
        #expect(ds.last?.range.lowerBound == TS.offset(of: truncated, in: text, nth: 1))
        #expect(ds.last?.message.contains("100%") == true)
        // A paragraph repeated inside a longer, later one.
        let inside = "据了解，\(Self.report)今年全县计划播种粮食作物八十万亩，比去年增加两万亩。"
        let ds2 = try Self.lint("春耕\n\n\(Self.report)\n\n\(inside)\n")
        #expect(ds2.map(\.ruleID) == ["duplicates.contained-paragraph"])
    }

    @Test func sentenceRepeatedAtAColumnJump() throws {
        // A hard-wrapped page: the sentence at the bottom of one column is repeated at the top of the next.
        let text = "高标准农田建设见成效\n\n全县今年新建高标准农田三万亩。\n带动周边农户一千六百余户增收，\n户均增收超过两千元。带动周边\n农户一千六百余户增收，户均增收\n超过两千元。记者在田间看到，\n几台旋耕机正在作业。\n"
        let ds = try Self.lint(text)
        #expect(ds.map(\.ruleID) == ["duplicates.sentence"])
        let second = try #require(TS.offset(of: "带动周边\n", in: text))
        #expect(ds.first?.range.lowerBound == second)
        #expect(ds.first?.related.first?.range.lowerBound == TS.offset(of: "带动周边农户", in: text))
        // In another article (after a headline) the same sentence is not a repeat.
        let twoArticles = "农田建设见成效\n\n带动周边农户一千六百余户增收，户均增收超过两千元。\n\n秋粮收购开始\n\n本报讯 今年秋粮收购开始。带动周边农户一千六百余户增收，户均增收超过两千元。\n"
        #expect(try Self.lint(twoArticles).filter { $0.ruleID == "duplicates.sentence" }.isEmpty)
    }

    @Test func parallelParagraphsAndResultsAreNotReported() throws {
        let parallel = "工作\n\n一是加强组织领导，各级党委和政府要把春耕生产摆上重要议程，主要负责同志亲自抓，分管同志具体抓。\n\n二是加强技术指导，各级农业部门要把春耕生产技术服务送到田间地头，主要负责同志亲自抓，分管同志具体抓。\n\n三是加强督促检查，各级纪检监察机关要把春耕生产摆上重要议程，主要负责同志亲自抓，分管同志具体抓。\n"
        #expect(try Self.lint(parallel).isEmpty)
        // Results that differ in one number: similar enough by shingles, but not the same paragraph.
        let a = "经抽样检验，青山镇送检的第一批小麦样品容重为每升790克，不完善粒含量、杂质含量、水分含量和色泽气味均符合国家二等小麦标准，准予收购入库，请各收储企业按标准执行。"
        let b = a.replacingOccurrences(of: "790", with: "770")
        let u = DuplicateUnits.extract(Document(path: "x.txt", text: "\(a)\n\n\(b)\n"), scope: .body)
        let shared = DuplicateUnits.intersection(u.shingles(0), u.shingles(1))
        #expect(Double(shared) / Double(u.shingles(0).count + u.shingles(1).count - shared) >= 0.8)
        #expect(try Self.lint("检验结果\n\n\(a)\n\n\(b)\n").isEmpty)
        // With same-numbers off they are reported.
        let loose = Self.configYAML + "rules:\n  duplicates.near-paragraph: {same-numbers: false}\n"
        #expect(try Self.lint("检验结果\n\n\(a)\n\n\(b)\n", loose).map(\.ruleID) == ["duplicates.near-paragraph"])
    }

    @Test func boilerplateAndShortParagraphsAreNotReported() throws {
        let notice = "免责声明：本文仅代表作者个人观点，与本网站无关，其原创性以及文中陈述文字和内容未经本站证实。"
        let text = "标题\n\n\(notice)\n\n图为会议现场。\n\n\(Self.meeting)\n\n图为会议现场。\n\n☆────☆\n\n☆────☆\n\n\(notice)\n"
        #expect(try Self.lint(text).isEmpty)
        // A newsroom's own boilerplate.
        let house = Self.configYAML + "rules:\n  duplicates.paragraph: {boilerplate: [县农业农村局近日]}\n"
        #expect(try Self.lint("标题\n\n\(Self.meeting)\n\n\(Self.meeting)\n", house).isEmpty)
        #expect(try Self.lint("标题\n\n\(Self.meeting)\n\n\(Self.meeting)\n").count == 1)
    }

    @Test func optionsAreChecked() throws {
        for (yaml, needle) in [("  duplicates.near-paragraph: {treshold: 0.7}\n", "did you mean 'threshold'"),
                               ("  duplicates.sentence: {match: near}\n", "sentences are compared exactly"),
                               ("  duplicates.near-paragraph: {threshold: 1.5}\n", "at most 1")] {
            #expect(throws: (any Error).self) { try Self.linter(Self.configYAML + "rules:\n" + yaml) }
            do { _ = try Self.linter(Self.configYAML + "rules:\n" + yaml) } catch { #expect("\(error)".contains(needle), "\(error)") }
        }
    }

    // MARK: across files

    func runBatch(_ files: [String: String], format: OutputFormat? = nil, config: String = configYAML) throws -> [FileReport] {
        let dir = try TS.makeTempDir("copydesk-dup")
        defer { try? FileManager.default.removeItem(at: dir) }
        try config.write(to: dir.appendingPathComponent(".lintrc.yml"), atomically: true, encoding: .utf8)
        for (name, text) in files { try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        let runner = try Runner(options: Runner.Options())
        let (paths, _) = try runner.discover([dir.path])
        var reports: [FileReport] = runner.run(files: paths, write: false).map(\.0)
        runner.crossFileReports { r in
            if let k = reports.firstIndex(where: { $0.path == r.path }) { reports[k].absorb(r) } else { reports.append(r) }
        }
        return reports.map { var r = $0; r.path = URL(fileURLWithPath: r.path).lastPathComponent; return r }
    }

    /// Every candidate the LSH bands give is verified on its shingles, whatever the two paragraphs' sizes: a
    /// paragraph inside one more than twice as long (Jaccard under 0.5) is a near copy for a rule whose threshold is
    /// lower. (The batch once dropped candidates under half the other's size before counting their shingles, which
    /// lost such pairs at thresholds below 0.5.)
    @Test func nearCopyAcrossFilesAtUnderHalfTheSizeWithALowThreshold() throws {
        // Longer paragraphs: the short one and a tail of 80 characters drawn at random (a fixed seed); the first
        // whose LSH bands meet the short one's is used (about one tail in seven, at a Jaccard near 0.43).
        var rng = SplitMix64(seed: 7)
        let alphabet = Array("春夏秋冬东南西北山川河湖田地风雨雷电花草树木鸟兽虫鱼金木水火土日月星辰江海云天人家门户车马舟桥".unicodeScalars)
        var found: (long: String, jaccard: Double)?
        let shortPrint = Fingerprint(text: Self.meeting)
        func shingles(_ text: String) -> [UInt64] {
            DuplicateUnits.shingles(Array(text.unicodeScalars.filter { $0.properties.isIdeographic }.map(\.value))[...])
        }
        let shortShingles = shingles(Self.meeting)
        for _ in 0..<200 {
            let tail = String(String.UnicodeScalarView((0..<80).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }))
            let long = Self.meeting + tail + "。"
            let longShingles = shingles(long)
            let shared = DuplicateUnits.intersection(shortShingles, longShingles)
            let jaccard = Double(shared) / Double(shortShingles.count + longShingles.count - shared)
            guard 2 * shortShingles.count < longShingles.count, jaccard >= 0.3,
                  !Set(Fingerprint(text: long).bandKeys()).isDisjoint(with: shortPrint.bandKeys()) else { continue }
            found = (long, jaccard)
            break
        }
        let (long, jaccard) = try #require(found)
        #expect(jaccard < 0.5)
        let config = Self.configYAML + "rules:\n  duplicates.near-paragraph: {threshold: 0.3}\n"
        let reports = try runBatch(["a.txt": "张三的稿件\n\n\(Self.meeting)\n", "b.txt": "李四的稿件\n\n\(long)\n"], config: config)
        for (name, other) in [("a.txt", "b.txt"), ("b.txt", "a.txt")] {
            let near = reports.first { $0.path == name }?.diagnostics.filter { $0.ruleID == "duplicates.near-paragraph" } ?? []
            #expect(near.count == 1, "\(name)")
            #expect(near.first?.related.first?.file?.hasSuffix(other) == true)
        }
        // At the default threshold the same pair is not a near copy.
        let standard = try runBatch(["a.txt": "张三的稿件\n\n\(Self.meeting)\n", "b.txt": "李四的稿件\n\n\(long)\n"])
        #expect(standard.allSatisfy { $0.diagnostics.allSatisfy { $0.ruleID != "duplicates.near-paragraph" } })
    }

    @Test func paragraphRepeatedAcrossTwoFilesIsReportedInBoth() throws {
        let a = "张三的稿件\n\n\(Self.meeting)\n\n\(Self.report)\n"
        let b = "李四的稿件\n\n本报讯 昨天下午，县里召开了一次会议。\n\n\(Self.meeting)\n"
        let near = "王五的稿件\n\n据悉，\(Self.report)\n"
        let other = "赵六的稿件\n\n秋粮收购工作全面展开，各收储企业按照国家标准敞开收购，确保农民卖粮不难。\n"
        let reports = try runBatch(["a.txt": a, "b.txt": b, "c.txt": near, "d.txt": other])
        func findings(_ name: String) -> [Diagnostic] { reports.first { $0.path == name }?.diagnostics ?? [] }
        let da = findings("a.txt"), db = findings("b.txt"), dc = findings("c.txt")
        #expect(findings("d.txt").isEmpty)
        #expect(da.map(\.ruleID).sorted() == ["duplicates.near-paragraph", "duplicates.paragraph"])
        #expect(db.map(\.ruleID) == ["duplicates.paragraph"])
        #expect(dc.map(\.ruleID) == ["duplicates.near-paragraph"])
        let inB = try #require(db.first)
        #expect(inB.range.lowerBound == TS.offset(of: Self.meeting, in: b))
        #expect(inB.related.first?.file?.hasSuffix("a.txt") == true)
        #expect(inB.related.first?.start?.line == 3)
        #expect(inB.message.contains("a.txt") && inB.message.contains("第 3 行第 1 列"))
        let inA = try #require(da.first { $0.ruleID == "duplicates.paragraph" })
        #expect(inA.related.first?.file?.hasSuffix("b.txt") == true)
        #expect(inA.related.first?.start?.line == 5)
    }

    @Test func templateTextInManyFilesAndDisabledRegionsAreNotReported() throws {
        var files: [String: String] = [:]
        for k in 0..<6 { files["f\(k).txt"] = "稿件\(k)\n\n\(Self.meeting)\n" }
        #expect(try runBatch(files).allSatisfy { $0.diagnostics.isEmpty })
        let a = "稿件甲\n\n\(Self.meeting)\n"
        let b = "稿件乙\n\n# copydesk-disable duplicates -- 转载稿\n\(Self.meeting)\n"
        let reports = try runBatch(["a.txt": a, "b.txt": b])
        #expect(reports.first { $0.path == "b.txt" }?.diagnostics.filter { $0.ruleID.hasPrefix("duplicates.") }.isEmpty == true)
        #expect(reports.first { $0.path == "a.txt" }?.diagnostics.map(\.ruleID) == ["duplicates.paragraph"])
        // across-files: false keeps the comparison within each file.
        let dir = try TS.makeTempDir("copydesk-dup")
        defer { try? FileManager.default.removeItem(at: dir) }
        try (Self.configYAML + "rules:\n  duplicates.paragraph: {across-files: false}\n  duplicates.near-paragraph: {across-files: false}\n")
            .write(to: dir.appendingPathComponent(".lintrc.yml"), atomically: true, encoding: .utf8)
        try a.write(to: dir.appendingPathComponent("a.txt"), atomically: true, encoding: .utf8)
        try a.write(to: dir.appendingPathComponent("b.txt"), atomically: true, encoding: .utf8)
        let runner = try Runner(options: Runner.Options())
        let (paths, _) = try runner.discover([dir.path])
        _ = runner.run(files: paths, write: false)
        var extra = 0
        runner.crossFileReports { _ in extra += 1 }
        #expect(extra == 0)
    }

    @Test func relatedLocationsInJSONAndSARIF() throws {
        let a = "甲\n\n\(Self.meeting)\n"
        let b = "乙\n\n\(Self.meeting)\n"
        var reports = try runBatch(["a.txt": a, "b.txt": b])
        for k in reports.indices { reports[k].detachSource() }
        let run = RunReport(files: reports, rules: try Self.linter().rules)
        let json = JSONReporter().render(run)
        #expect(json.contains("\"related\":[{\"file\":"))
        let sarif = SARIFReporter(baseDirectory: nil).render(run)
        let data = try #require(sarif.data(using: .utf8))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let results = (((root["runs"] as? [[String: Any]])?.first)?["results"] as? [[String: Any]]) ?? []
        let dup = try #require(results.first { ($0["ruleId"] as? String) == "duplicates.paragraph" })
        let related = try #require(dup["relatedLocations"] as? [[String: Any]])
        let phys = try #require(related.first?["physicalLocation"] as? [String: Any])
        let region = try #require(phys["region"] as? [String: Any])
        #expect(region["startLine"] as? Int == 3)
        #expect(((phys["artifactLocation"] as? [String: Any])?["uri"] as? String)?.hasSuffix(".txt") == true)
    }

    // MARK: fingerprints

    @Test func fingerprintIsStableAndRoundTrips() throws {
        let f = Fingerprint(text: Self.meeting)
        // FNV-1a 64 of the normalised text's UTF-8, computed independently here.
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        let normalized = Self.meeting.unicodeScalars.filter { $0.properties.isIdeographic }.map(String.init).joined()
        for b in normalized.utf8 { h ^= UInt64(b); h = h &* 0x100_0000_01B3 }
        #expect(f.exact == h)
        #expect(f.signature.count == Fingerprint.permutations)
        let bytes = f.encoded()
        #expect(bytes.count == 514)
        #expect(Array(bytes.prefix(4)) == Array("CDFP".utf8))
        #expect(Fingerprint(encoded: bytes) == f)
        #expect(Fingerprint(encoded: Array(bytes.dropLast())) == nil)
        // Pinned: a change to the hashing or the permutations must be a new scheme version.
        #expect(Fingerprint(text: "县农业农村局近日召开春耕备耕工作会议").bandKeys().first == Self.pinnedBandKey)
        // The signatures estimate the Jaccard similarity.
        let near = Fingerprint(text: Self.meeting.replacingOccurrences(of: "全面部署", with: "认真部署"))
        #expect(abs(f.estimatedJaccard(near) - 0.818) < 0.15)
        #expect(f.estimatedJaccard(Fingerprint(text: Self.report)) < 0.1)
    }

    static let pinnedBandKey: UInt64 = 6420737482607594917

    /// The signature is the scheme's definition (each permutation's minimum, worked out here one permutation and one
    /// shingle at a time), and the batch's fingerprint from the unsorted shingles (`DuplicateUnits.fingerprint`) is
    /// the one built from the sorted distinct shingles: same signature, count, hashes and band keys.
    @Test func signatureFollowsTheDefinitionAndTheBatchFingerprintIsTheSame() throws {
        var s: UInt64 = 0x636F_7079_6465_736B
        func next() -> UInt64 {
            s = s &+ 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        var coefficients: [(UInt32, UInt32)] = []
        for _ in 0..<120 { let a = UInt32(truncatingIfNeeded: next()) | 1; coefficients.append((a, UInt32(truncatingIfNeeded: next()))) }
        func reference(_ shingles: [UInt64]) -> [UInt32] {
            coefficients.map { a, b in
                shingles.map { h -> UInt32 in
                    let x = UInt32(truncatingIfNeeded: h ^ (h >> 32))
                    let v = a &* x &+ b
                    return v ^ (v >> 15)
                }.min() ?? .max
            }
        }
        let paragraphs = [Self.meeting, Self.report, "短段落。", "一二三四五", "一二三四五六",
                          "重复重复重复重复重复重复重复重复重复重复重复重复。", "县里召开会议，部署工作。县里召开会议，部署工作。"]
        for text in paragraphs {
            let sorted = DuplicateUnits.shingles(Array(text.unicodeScalars.filter { $0.properties.isIdeographic }.map(\.value))[...])
            #expect(Fingerprint.minHash(sorted) == reference(sorted), "\(text)")
            #expect(Fingerprint.minHash(sorted + sorted.reversed()) == reference(sorted), "repeats: \(text)")
            // The portable loop (CPUs without AVX2) gives the same numbers as the AVX2 one.
            let xs = sorted.map { UInt32(truncatingIfNeeded: $0 ^ ($0 >> 32)) }
            #expect(Fingerprint.portableMinHash(xs) == reference(sorted), "portable: \(text)")
        }
        #expect(Fingerprint.minHash([]) == [UInt32](repeating: .max, count: 120))
        #expect(Fingerprint.portableMinHash([]) == [UInt32](repeating: .max, count: 120))
        let doc = Document(path: "f.txt", text: paragraphs.joined(separator: "\n\n") + "\n")
        let u = DuplicateUnits.extract(doc, scope: .body)
        // (The short lines without punctuation may be read as headlines, not paragraphs.)
        #expect(u.paragraphs.count >= paragraphs.count - 2)
        for p in u.paragraphs.indices {
            let viaSorted = Fingerprint(normalized: u.normalized(p), han: u.paragraphs[p].han, exact: u.exactHash(p),
                                        numbers: Array(u.numbers(p)), shingles: u.shingles(p))
            let fresh = DuplicateUnits.extract(doc, scope: .body).fingerprint(p)   // no sorted shingles cached
            #expect(fresh == viaSorted, "paragraph \(p)")
            #expect(fresh.bandKeys() == viaSorted.bandKeys())
            #expect(Int(fresh.shingleCount) == u.shingles(p).count)
            // The batch's signature (no distinct count, from the hashes in text order) is the fingerprint's.
            #expect(DuplicateUnits.extract(doc, scope: .body).minHashSignature(p) == viaSorted.signature)
        }
    }

    /// The paragraph hash is worked out on demand (`exactHash`), not during extraction: it is the FNV-1a 64 of the
    /// normalised text's UTF-8 (folded full-width letters and digits, lower-cased Latin, kana and hangul included),
    /// computed independently here, and the exact copies the lint groups by its own key are those with equal hashes.
    @Test func paragraphHashIsFNVOfTheNormalisedText() throws {
        let paragraphs = ["县农业农村局近日召开春耕备耕工作会议，全面部署今年粮食生产任务，要求各乡镇抓紧落实种子、化肥供应。",
                          "县农业农村局ＡＢＣ召开１２次会议，「部署」春耕。", "Ｗｏｒｌｄ Cup 2026：アジア予選と한국 대표팀的比赛，吸引了三千名观众。",
                          "县农业农村局abc召开12次会议部署春耕", "中华人民共和国成立七十五周年𠀋纪念大会在京举行。"]
        let doc = Document(path: "h.txt", text: paragraphs.joined(separator: "\n\n") + "\n")
        let u = DuplicateUnits.extract(doc, scope: .body)
        #expect(u.paragraphs.count == paragraphs.count)
        for (k, text) in paragraphs.enumerated() {
            var normalized = ""
            for v in text.unicodeScalars {
                var x = v.value
                if x >= 0xFF10 && x <= 0xFF5A { x -= 0xFEE0 }
                guard let s = Unicode.Scalar(x) else { continue }
                if s.properties.isAlphabetic || ("0"..."9").contains(s) { normalized.unicodeScalars.append(s.properties.lowercaseMapping.unicodeScalars.first!) }
            }
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for b in normalized.utf8 { h ^= UInt64(b); h = h &* 0x100_0000_01B3 }
            #expect(u.exactHash(k) == h, "paragraph \(k): \(normalized)")
            #expect(u.exactHash(k) == Fingerprint(text: text).exact)
        }
        // The second and fourth paragraphs normalise to the same text: one group, the same hash.
        #expect(u.exactHash(1) == u.exactHash(3))
        #expect(Set(paragraphs.indices.map { u.exactHash($0) }).count == paragraphs.count - 1)
        let (_, exactOf) = u.eligibility(minHan: 1, boilerplate: [], isBoilerplate: { _ in false })
        #expect(exactOf.map(Int.init) == [-1, -1, -1, 1, -1])
    }

    /// The punctuation dropped without the class look-up is punctuation `normalize` drops.
    @Test func commonPunctuationIsDroppedByTheNormalisation() {
        var n = 0
        for v in UInt32(0x2000)...UInt32(0xFFFF) where DuplicateUnits.isCommonPunctuation(v) {
            n += 1
            #expect(DuplicateUnits.normalize(v) == nil, "U+\(String(v, radix: 16))")
        }
        #expect(n == 19)
    }

    /// The earlier copy's place in a message is counted directly; it is `SourceText.position(of:)` at every scalar
    /// (multibyte, four-byte and CRLF lines included).
    @Test func messagePositionIsTheSourcePosition() {
        let src = SourceText("标题\r\n\r\n  县农业农村局abc𠀋召开，会议。\r\nＡ１２ b\n\n末行😀字")
        var offset = 0
        for v in String(decoding: src.bytes, as: UTF8.self).unicodeScalars {
            let mine = DuplicatesCheck.position(of: offset, in: src), theirs = src.position(of: offset)
            #expect(mine.line == theirs.line && mine.column == theirs.column, "offset \(offset)")
            offset += String(v).utf8.count
        }
        #expect(offset == src.bytes.count)
    }

    /// The units go after the last rule that reads them (`doneWithUnits`, counted per scope from what the lint said
    /// to expect), unless kept for the run's cross-file pass; a scope not expected keeps them until `checksDone`.
    @Test func unitsGoAfterTheirLastRule() {
        let doc = Document(path: "u.txt", text: "标题\n\n县农业农村局召开春耕备耕工作会议，部署今年粮食生产任务。\n")
        let scope: Scope = [.body, .dateline]
        for keep in [false, true] {
            let cache = CheckCache()
            cache.keepsUnits = keep
            cache.expectUnitUsers([scope.rawValue: 2], sentenceMinHan: 15)
            let u = cache.duplicateUnits(doc, scope: scope)
            #expect(cache.anyUnits(scope: scope) === u)
            cache.doneWithUnits(scope: scope)
            #expect(cache.anyUnits(scope: scope) === u, "one rule of two done: kept")
            cache.doneWithUnits(scope: scope)
            #expect((cache.anyUnits(scope: scope) != nil) == keep, "both done: gone unless kept")
            // Another scope, not expected: kept until the checks are done.
            let other: Scope = .body
            _ = cache.duplicateUnits(doc, scope: other)
            cache.doneWithUnits(scope: other)
            #expect(cache.anyUnits(scope: other) != nil)
            cache.checksDone()
            #expect((cache.anyUnits(scope: other) != nil) == keep)
        }
    }

    /// The paragraph rules read a hard-wrapped page after the safe joins of `ocr.broken-line`; with the rule's default
    /// options one run serves the pack and the rule (noted in the cache), otherwise each runs its own. Both give the
    /// same paragraphs and the same `ocr.broken-line` findings.
    @Test func brokenLineRunIsSharedOnlyWithTheDefaultOptions() throws {
        let text = "春耕备耕\n\n本报讯 3月5日上午，县农业农村\n\n局召开春耕备耕工作会议，部署今年\n\n粮食生产任务。会议要求各乡镇抓紧\n\n落实种子、化肥等农资供应，确保不误\n\n农时。\n\n会上，县农业农村局负责人通报\n\n了去年粮食生产情况。去年全县粮食\n\n播种面积稳中有升，总产量创近五年\n\n新高，种粮大户和家庭农场数量持续\n\n增加。\n\n会上，县农业农村局负责人通报\n\n了去年粮食生产情况。去年全县粮食\n\n播种面积稳中有升，总产量创近五年\n\n新高，种粮大户和家庭农场数量持续\n\n增加。\n"
        let doc = Document(path: "page.txt", text: text)
        let scope: Scope = [.body, .dateline]
        let own = DuplicateUnits.extract(doc, scope: scope)
        #expect(own.paragraphs.count == 3)
        for yaml in ["extends: [copydesk:recommended, copydesk:duplicates]\n",
                     "extends: [copydesk:recommended, copydesk:duplicates]\nrules:\n  ocr.broken-line:\n    min-wrapped-ratio: 0.35\n"] {
            let cache = CheckCache()
            cache.keepsUnits = true   // as a batch run does, to fingerprint them
            let ds = try Self.linter(yaml).lint(doc, cache: cache)
            #expect(ds.filter { $0.ruleID == "duplicates.paragraph" }.count == 1, "\(yaml)")
            // Not kept, they go once the checks have run (before the findings become diagnostics).
            let dropped = CheckCache()
            #expect(try Self.linter(yaml).lint(doc, cache: dropped).map(\.message) == ds.map(\.message))
            #expect(dropped.anyUnits(scope: scope) == nil)
            #expect(cache.brokenLine?.findings.isEmpty == false, "\(yaml)")
            // The rule's own findings are those of a run without the pack (reused or not).
            let aloneCache = CheckCache()
            let alone = try Self.linter(yaml.replacingOccurrences(of: ", copydesk:duplicates", with: "")).lint(doc, cache: aloneCache)
            // Without a rule that reads the units nothing is noted (nothing would reuse it).
            #expect(aloneCache.brokenLine == nil)
            #expect(ds.filter { $0.ruleID == "ocr.broken-line" }.map(\.message) == alone.filter { $0.ruleID == "ocr.broken-line" }.map(\.message))
            #expect(ds.filter { $0.ruleID == "ocr.broken-line" }.map(\.range) == alone.filter { $0.ruleID == "ocr.broken-line" }.map(\.range))
            #expect(ds.filter { $0.ruleID == "ocr.broken-line" }.map { $0.fix?.edits.count } == alone.filter { $0.ruleID == "ocr.broken-line" }.map { $0.fix?.edits.count })
            #expect(!alone.filter { $0.ruleID == "ocr.broken-line" }.isEmpty)
            let u = try #require(cache.anyUnits(scope: scope))
            #expect(u.paragraphs.map(\.range) == own.paragraphs.map(\.range))
        }
    }

}
