import CopydeskCore
import Foundation

// Archive benchmark (issue 12; bench/archive.sh runs it in release mode).
//
//   copydesk-archive-bench LOCATION --paragraphs 100000,1000000 [--drafts 100]
//
// Fills the archive at LOCATION with synthetic published articles (3 paragraphs of 100–140 Han characters each,
// random text from a 500-character alphabet: every shingle is new, the LSH index's worst case) up to each
// paragraph count in turn, in transactions of 3,000 articles, and at each count checks 100 drafts of about 3,000
// characters (25 paragraphs; 5 of them copied from archived articles) with `duplicates.published` alone: the
// whole lint of the draft (parse, units, fingerprints, index probes, verification). Prints one JSON line per
// count: paragraphs, seconds to add them, size on disk, median and p95 check time in ms, and findings per draft.

let args = CommandLine.arguments
guard args.count >= 2 else {
    FileHandle.standardError.write(Data("usage: copydesk-archive-bench LOCATION --paragraphs N[,N…] [--drafts N]\n".utf8))
    exit(2)
}
func option(_ name: String) -> String? {
    guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
    return args[i + 1]
}
let targets = (option("--paragraphs") ?? "100000,1000000").split(separator: ",").compactMap { Int($0) }
let draftCount = Int(option("--drafts") ?? "100") ?? 100
let location = try ArchiveLocation.parse(args[1], directory: FileManager.default.currentDirectoryPath)
let store = try openArchive(location, create: true)

let alphabet = Array("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处府思队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严龙飞".unicodeScalars)

func paragraph(_ rng: inout SplitMix64) -> String {
    var s = ""
    let n = 100 + Int(rng.next() % 41)
    for k in 0..<n {
        s.unicodeScalars.append(alphabet[Int(rng.next() % UInt64(alphabet.count))])
        if k % 20 == 19 && k < n - 1 { s += "，" }
    }
    return s + "。"
}
func article(_ seed: Int) -> String {
    var rng = SplitMix64(seed: UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 &+ 7)
    return "合成稿件\(seed)\n\n" + (0..<3).map { _ in paragraph(&rng) }.joined(separator: "\n\n") + "\n"
}

let rule = try RuleCatalog.loadBuiltIn().rules.first { $0.id == "duplicates.published" }!
let linter = Linter(rules: [rule], unusedDisable: nil)
var have = try store.stats().paragraphs / 3
for target in targets {
    let wanted = target / 3
    let started = Date()
    while have < wanted {
        let batch = min(3000, wanted - have)
        let arts = try (have..<(have + batch)).map { i -> ArchiveArticle in
            let id = "synthetic/\(i).txt"
            return try ArchiveArticleReader.read(Document(path: id, source: SourceText(article(i))), path: id, date: "2024-01-01")
        }
        _ = try store.add(arts)
        have += batch
    }
    let addSeconds = Date().timeIntervalSince(started)
    let stats = try store.stats()
    var times: [Double] = []
    var found = 0
    var rng = SplitMix64(seed: UInt64(target))
    for d in 0..<draftCount {
        // 25 paragraphs of about 120 characters; paragraphs 2, 7, 12, 17, 22 are copied from archived articles.
        var paras: [String] = []
        for k in 0..<25 {
            if k % 5 == 2 {
                let src = article(Int(rng.next() % UInt64(have)))
                let ps = src.components(separatedBy: "\n\n").dropFirst()
                paras.append(ps[ps.startIndex + Int(rng.next() % 3)].trimmingCharacters(in: .newlines))
            } else {
                paras.append(paragraph(&rng))
            }
        }
        let text = "稿件\(d)\n\n" + paras.joined(separator: "\n\n") + "\n"
        let t0 = DispatchTime.now().uptimeNanoseconds
        let ds = linter.lint(Document(path: "draft\(d).txt", source: SourceText(text)), cache: CheckCache(archive: store))
        times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        found += ds.filter { !$0.isRuleFailure }.count
        if let f = ds.first(where: { $0.isRuleFailure }) { FileHandle.standardError.write(Data("\(f.message)\n".utf8)); exit(1) }
    }
    times.sort()
    let median = times[times.count / 2], p95 = times[min(times.count - 1, Int(Double(times.count) * 0.95))]
    FileHandle.standardOutput.write(Data((String(format: "{\"paragraphs\":%d,\"articles\":%d,\"addSeconds\":%.1f,\"bytes\":%lld,\"checkMedianMs\":%.2f,\"checkP95Ms\":%.2f,\"findingsPerDraft\":%.2f}",
                 stats.paragraphs, stats.articles, addSeconds, stats.bytes, median, p95, Double(found) / Double(draftCount)) + "\n").utf8))
}
