// copydesk-bench: in-process throughput of the engine (issue 4).
//
//   copydesk-bench [--size-mb N] [--seed S] [--reps R] [--json PATH] [--only a,b,…] [FILE…]
//   copydesk-bench --write-corpus PATH [--size-mb N] [--seed S]      (write the generated corpus and exit)
//
// Input: the given files (concatenated, a blank line between them), else a generated news-like corpus of
// N MB (1 MB = 10^6 bytes) with known defects, deterministic for a seed. Sections (all by default):
//   startup   rule loading: first RuleCatalog load (cold), recompiling each built-in rule, RuleSet + Linter
//   parse     Document parsing alone (SourceText validation, blocks, roles, verbatim ranges, directives)
//   scan      the boundary rules of the built-in set alone over a parsed document (the character-class scanner)
//   bare      only the bare BoundaryScanner pass of `scan` (for profiling)
//   lint      parse + lint with the recommended rules
//   fix       FixApplier with the spacing rules (all passes until stable)
//   files     many small files through Runner.run(files:write:false): sequential vs parallel
//   phrases   a generated `phrases` rule with 10 and 1,000 phrases (compiled through RuleLoader.load)
// Rules are whatever the built-in packs hold when this is built: nothing here names a rule.
// Times are wall clock (ContinuousClock); each measurement is repeated (best and median reported).
import CopydeskCore
import Foundation

// MARK: arguments

struct Options {
    var sizeMB = 2.0
    var seed: UInt64 = 20241214
    var reps = 5
    var json: String?
    var only: Set<String>?
    var files: [String] = []
    var writeCorpus: String?
    var smallFiles = 1000
    var smallFileKB = 4
    var tmpDir: String?
}

func usage() -> Never {
    print("""
    usage: copydesk-bench [--size-mb N] [--seed S] [--reps R] [--json PATH] [--only SECTIONS] [FILE…]
           copydesk-bench --write-corpus PATH [--size-mb N] [--seed S]
    options:
      --size-mb N        size of the generated corpus in MB (10^6 bytes; default 2)
      --seed S           PRNG seed of the generator (default 20241214)
      --reps R           repetitions of each measurement (default 5; best and median reported)
      --json PATH        also write the results as JSON
      --only LIST        comma-separated sections: startup,parse,scan,lint,fix,files,phrases
      --small-files N    number of files for the 'files' section (default 1000)
      --small-file-kb K  approximate size of each small file (default 4)
      --tmp DIR          where the small files go (default: the system temporary folder)
      --write-corpus P   write the generated corpus to P and exit
    """)
    exit(2)
}

func parseOptions() -> Options {
    var o = Options()
    var args = Array(CommandLine.arguments.dropFirst())
    func value(_ name: String) -> String {
        guard !args.isEmpty else { FileHandle.standardError.write("copydesk-bench: \(name) needs a value\n".data(using: .utf8)!); usage() }
        return args.removeFirst()
    }
    while !args.isEmpty {
        let a = args.removeFirst()
        switch a {
        case "--size-mb": o.sizeMB = Double(value(a)) ?? { usage() }()
        case "--seed": o.seed = UInt64(value(a)) ?? { usage() }()
        case "--reps": o.reps = max(1, Int(value(a)) ?? { usage() }())
        case "--json": o.json = value(a)
        case "--only": o.only = Set(value(a).split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) })
        case "--small-files": o.smallFiles = max(1, Int(value(a)) ?? { usage() }())
        case "--small-file-kb": o.smallFileKB = max(1, Int(value(a)) ?? { usage() }())
        case "--tmp": o.tmpDir = value(a)
        case "--write-corpus": o.writeCorpus = value(a)
        case "-h", "--help": usage()
        default:
            if a.hasPrefix("--") { FileHandle.standardError.write("copydesk-bench: unknown option \(a)\n".data(using: .utf8)!); usage() }
            o.files.append(a)
        }
    }
    return o
}

// MARK: deterministic corpus

enum Vocabulary {
    static let words: [String] = """
    疫情 防控 阻击战 全力以赴 扎紧 扎密 篱笆墙 流调 溯源 分类 管控 市委 书记 市长 副市长 调研 指导 工作 会议 召开 \
    强调 指出 要求 推进 落实 部署 经济 社会 发展 高质量 改革 开放 创新 驱动 产业 升级 项目 建设 投资 企业 复工 \
    复产 消费 市场 价格 居民 群众 生活 保障 民生 就业 教育 医疗 卫生 养老 住房 交通 国道 高速公路 地铁 机场 港口 \
    农业 农村 乡村 振兴 脱贫 攻坚 生态 环境 保护 绿色 低碳 能源 电力 科技 数字 平台 互联网 数据 安全 应急 救援 \
    暴雨 台风 气温 降水 预报 记者 采访 了解到 据悉 目前 今年 去年 同比 增长 下降 约 亿元 万元 万人 百分点 \
    文化 旅游 景区 游客 体育 比赛 冠军 球队 赛季 法院 检察院 公安 警方 案件 嫌疑人 调查 通报 发布 政策 措施 \
    规划 方案 标准 质量 服务 社区 街道 志愿者 学校 学生 教师 医院 患者 医生 疫苗 接种 核酸 检测 隔离 酒店 \
    国务院 国家 省委 省政府 中央 部门 单位 干部 党员 代表 委员 人大 政协 提案 建议 意见 回应 关切 问题 情况
    """.split(separator: " ").map(String.init)
    static let latin = ["iPhone", "GDP", "CEO", "App", "5G", "WiFi", "Rust", "NBA", "AI", "CPI", "PM2.5", "GitHub",
                        "Linux", "APP", "MBA", "USB", "Java", "Python", "Android", "iOS", "Uber", "Tesla"]
    static let cities = ["北京", "上海", "广州", "深圳", "南京", "杭州", "成都", "武汉", "西安", "重庆", "天津", "长沙"]
    static let names = ["张三", "李四", "王五", "赵六", "陈明", "刘洋", "周婷", "吴磊", "郑华", "孙丽"]
    static let agencies = ["新华社", "本报", "中新网", "人民网"]
    static let units = ["万元", "亿元", "万人", "个", "家", "名", "公里", "吨", "%"]
    static let midPunct = ["，", "，", "，", "、", "；", "："]
    static let endPunct = ["。", "。", "。", "。", "！", "？"]
}

/// Counts of the defects put into the corpus, by kind (whether a rule flags them depends on the packs built in).
struct DefectCounts {
    var letterspaced = 0          // 全 力 以 赴
    var spaceAroundFullwidth = 0  // 篱笆墙 ，全力
    var multipleSpaces = 0        // 使用  Rust
    var trailingWhitespace = 0    // 行尾空白
    var spacedDate = 0            // 12 月 14 日 (a defect in the print style)
    var hanLatinTouching = 0      // 使用Rust (a defect in the pangu style)
    var halfwidthComma = 0        // 中文,中文
    var fullwidthDigits = 0       // １２
    var hardLineBreaks = 0        // a paragraph broken in the middle of a sentence
    var dict: [String: Int] {
        ["letterspaced": letterspaced, "space-around-fullwidth-punct": spaceAroundFullwidth, "multiple-spaces": multipleSpaces,
         "trailing-whitespace": trailingWhitespace, "spaced-date": spacedDate, "han-latin-touching": hanLatinTouching,
         "halfwidth-comma": halfwidthComma, "fullwidth-digits": fullwidthDigits, "hard-line-breaks": hardLineBreaks]
    }
}

/// A news-like plain-text corpus: articles with a headline, a dateline paragraph and body paragraphs,
/// blank lines between paragraphs. Defects are sprinkled at fixed rates.
struct CorpusGenerator {
    var rng: SplitMix64
    var defects = DefectCounts()
    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    mutating func number() -> String {
        switch rng.int(4) {
        case 0: return String(1 + rng.int(99))
        case 1: return String(100 + rng.int(9900))
        case 2: return "\(1 + rng.int(99)).\(rng.int(10))"
        default: return String(1990 + rng.int(36))
        }
    }

    mutating func date() -> String {
        let m = 1 + rng.int(12), d = 1 + rng.int(28)
        if rng.chance(0.15) { defects.spacedDate += 1; return "\(m) 月 \(d) 日" }
        return rng.chance(0.3) ? "\(2000 + rng.int(26))年\(m)月\(d)日" : "\(m)月\(d)日"
    }

    mutating func sentence() -> String {
        var s = ""
        let n = 5 + rng.int(12)
        for k in 0..<n {
            let r = rng.int(100)
            if r < 70 {
                let w = rng.pick(Vocabulary.words)
                if rng.chance(0.01) && w.count > 1 {
                    defects.letterspaced += 1
                    s += w.map(String.init).joined(separator: " ")
                } else {
                    s += w
                }
            } else if r < 78 {
                s += number() + rng.pick(Vocabulary.units)
            } else if r < 83 {
                s += date()
            } else if r < 89 {
                let w = rng.pick(Vocabulary.latin)
                let x = rng.int(100)
                if x < 4 { defects.multipleSpaces += 1; s += "  " + w + "  " }
                else if x < 40 { defects.hanLatinTouching += 1; s += w }
                else { s += " " + w + " " }
            } else if r < 92 {
                s += rng.pick(Vocabulary.cities)
            } else if r < 94 {
                s += "“" + rng.pick(Vocabulary.words) + rng.pick(Vocabulary.words) + "”"
            } else if r < 95 && rng.chance(0.2) {
                defects.fullwidthDigits += 1
                s += "１２"
            } else {
                s += rng.pick(Vocabulary.names)
            }
            if k < n - 1 && rng.chance(0.18) {
                if rng.chance(0.03) { defects.halfwidthComma += 1; s += "," }
                else if rng.chance(0.04) {
                    defects.spaceAroundFullwidth += 1
                    s += rng.chance(0.5) ? " " + rng.pick(Vocabulary.midPunct) : rng.pick(Vocabulary.midPunct) + " "
                } else {
                    s += rng.pick(Vocabulary.midPunct)
                }
            }
        }
        if rng.chance(0.02) { defects.spaceAroundFullwidth += 1; s += " " }
        return s + rng.pick(Vocabulary.endPunct)
    }

    mutating func paragraph() -> String {
        var p = ""
        for _ in 0..<(2 + rng.int(5)) { p += sentence() }
        if rng.chance(0.08) {
            // Hard line breaks every 30–60 characters, as in text pasted from a PDF.
            defects.hardLineBreaks += 1
            var out = "", count = 0, width = 30 + rng.int(30)
            for ch in p {
                out.append(ch); count += 1
                if count >= width { out += "\n"; count = 0; width = 30 + rng.int(30) }
            }
            p = out.hasSuffix("\n") ? String(out.dropLast()) : out
        }
        if rng.chance(0.03) { defects.trailingWhitespace += 1; p += rng.chance(0.5) ? "  " : "　" }
        return p
    }

    mutating func article() -> String {
        var a = ""
        for _ in 0..<(2 + rng.int(3)) { a += rng.pick(Vocabulary.words) }
        a += "\n\n"
        let agency = rng.pick(Vocabulary.agencies)
        a += "\(agency)\(rng.pick(Vocabulary.cities))\(date())电（记者 \(rng.pick(Vocabulary.names))）" + paragraph() + "\n\n"
        for _ in 0..<(2 + rng.int(6)) { a += paragraph() + "\n\n" }
        return a
    }

    /// At least `bytes` bytes of whole articles (cut at the last article boundary past the target).
    mutating func corpus(bytes: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes + 8192)
        while out.count < bytes { out.append(contentsOf: article().utf8) }
        return out
    }
}

// MARK: measuring

struct Measurement {
    var name: String
    var bytes: Int
    var times: [Double]   // seconds
    var note: String = ""
    var extra: [String: Any] = [:]
    var best: Double { times.min() ?? 0 }
    var median: Double {
        let s = times.sorted()
        guard !s.isEmpty else { return 0 }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
    func mbps(_ t: Double) -> Double { bytes > 0 && t > 0 ? Double(bytes) / 1e6 / t : 0 }
}

nonisolated(unsafe) var sink = 0   // keeps results alive so nothing is optimised away

func seconds(_ d: Duration) -> Double {
    let c = d.components
    return Double(c.seconds) + Double(c.attoseconds) / 1e18
}

func time(_ body: () -> Void) -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    body()
    return seconds(clock.now - start)
}

func repeatTimed(_ reps: Int, warmup: Bool = true, _ body: () -> Void) -> [Double] {
    if warmup { body() }
    return (0..<reps).map { _ in time(body) }
}

func procStatus(_ key: String) -> Int {
    guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in s.split(separator: "\n") where line.hasPrefix(key + ":") {
        return Int(line.split(separator: " ").dropFirst().first { Int($0) != nil } ?? "0") ?? 0
    }
    return 0
}

func cpuSeconds() -> Double {
    var u = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
    return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6 + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) / 1e6
}

func loadAverage() -> String {
    ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "").split(separator: " ").prefix(3).joined(separator: " ")
}

func fail(_ s: String) -> Never {
    FileHandle.standardError.write("copydesk-bench: \(s)\n".data(using: .utf8)!)
    exit(2)
}

func log(_ s: String) { FileHandle.standardError.write((s + "\n").data(using: .utf8)!) }

// MARK: main

let opts = parseOptions()
let loadAtStart = loadAverage()
func enabled(_ section: String) -> Bool { opts.writeCorpus == nil && (opts.only?.contains(section) ?? true) }

var results: [Measurement] = []
var startupInfo: [String: Any] = [:]

// (f) start-up, first: the built-in catalog is parsed once per process, so the cold load is measured before
// anything else touches it.
let catalog: RuleCatalog
do {
    var cat: RuleCatalog? = nil
    let cold = time { cat = try? RuleCatalog.loadBuiltIn() }
    guard let c = cat else { fail("the built-in rules failed to load: \((try? RuleCatalog.loadBuiltIn()) == nil ? "error" : "?")") }
    catalog = c
    startupInfo["builtin_rules"] = c.rules.count
    startupInfo["catalog_cold_ms"] = cold * 1000
}

let cwd = FileManager.default.currentDirectoryPath
let recommended: RuleSet
do { recommended = try RuleSet.build(config: Config.defaults(directory: cwd), catalog: catalog) } catch { fail("cannot build the recommended rule set: \(error)") }
let boundaryRules = catalog.rules.filter { $0.check is BoundaryCheck }
let spacingRules = recommended.rules.filter { $0.pack == "spacing" && $0.fixSafety != .none }

if enabled("startup") {
    // Recompiling every built-in rule from its YAML (what a cold start pays per rule), and building the rule set.
    let rebuild = repeatTimed(opts.reps) {
        for r in catalog.rules {
            if let again = try? RuleLoader.compile(r.source, file: r.file, defaultID: r.id, builtIn: true) { sink &+= again.id.count }
        }
    }
    results.append(Measurement(name: "startup: compile \(catalog.rules.count) built-in rules (parsed YAML)", bytes: 0, times: rebuild))
    // With a rules/ folder at hand (the source tree): YAML parsing + compiling + checking each rule's examples,
    // as `rule-paths` house rules are loaded.
    var isDir: ObjCBool = false
    if FileManager.default.fileExists(atPath: "rules", isDirectory: &isDir), isDir.boolValue {
        let folder = repeatTimed(opts.reps) {
            var c = RuleCatalog()
            if (try? c.addFolder("rules")) != nil { sink &+= c.rules.count }
        }
        results.append(Measurement(name: "startup: load ./rules as a house folder", bytes: 0, times: folder))
        startupInfo["rules_folder_ms_median"] = results.last!.median * 1000
    }
    let build = repeatTimed(opts.reps) {
        if let s = try? RuleSet.build(config: Config.defaults(directory: cwd), catalog: catalog) { sink &+= Linter(s).rules.count }
    }
    results.append(Measurement(name: "startup: RuleSet.build + Linter", bytes: 0, times: build))
    startupInfo["ruleset_build_ms_median"] = results.last!.median * 1000
}

// Input.
var corpusBytes: [UInt8]
var inputInfo: [String: Any] = [:]
if opts.files.isEmpty {
    var gen = CorpusGenerator(seed: opts.seed)
    let target = Int(opts.sizeMB * 1_000_000)
    var generated: [UInt8] = []
    let t = time { generated = gen.corpus(bytes: target) }
    corpusBytes = generated
    inputInfo = ["source": "generated", "seed": opts.seed, "size_mb": opts.sizeMB, "defects": gen.defects.dict,
                 "generate_s": t]
} else {
    corpusBytes = []
    for (i, f) in opts.files.enumerated() {
        guard let d = FileManager.default.contents(atPath: f) else { fail("cannot read \(f)") }
        if i > 0 { corpusBytes += [0x0A, 0x0A] }
        corpusBytes += [UInt8](d)
    }
    inputInfo = ["source": "files", "files": opts.files]
}
inputInfo["bytes"] = corpusBytes.count
/// Characters (scalars) of UTF-8 bytes. A plain function: a closure in top-level code is main-actor isolated and
/// checks its executor on every call.
func scalarCount(_ b: [UInt8]) -> Int { var c = 0; for x in b where x & 0xC0 != 0x80 { c += 1 }; return c }
inputInfo["chars"] = scalarCount(corpusBytes)

if let path = opts.writeCorpus {
    let url = URL(fileURLWithPath: path)
    try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    guard FileManager.default.createFile(atPath: path, contents: Data(corpusBytes)) else { fail("cannot write \(path)") }
    log("wrote \(corpusBytes.count) bytes to \(path); defects: \(inputInfo["defects"] ?? [:])")
    exit(0)
}

let n = corpusBytes.count
let docPath = "corpus.txt"
let source: SourceText
do { source = try SourceText(validating: corpusBytes) } catch { fail("input is not a valid draft: \(error)") }
let doc = Document(path: docPath, source: source)
log("input: \(n) bytes, \(doc.blocks.count) blocks; \(catalog.rules.count) built-in rules (\(boundaryRules.count) boundary), \(recommended.rules.count) recommended, \(spacingRules.count) fixable spacing")

if enabled("parse") {
    let t = repeatTimed(opts.reps) {
        guard let s = try? SourceText(validating: corpusBytes) else { return }
        sink &+= Document(path: docPath, source: s).blocks.count
    }
    results.append(Measurement(name: "parse (SourceText + Document)", bytes: n, times: t))
}

if enabled("scan") {
    // BoundaryScanner's initialiser is internal, so the scanner is driven through a Linter that holds only the
    // boundary rules (one scan per distinct scope), on an already parsed document. To keep the findings'
    // cost out, the same rules also run with a single common scope over a defect-free copy of the text.
    let linter = Linter(rules: boundaryRules, unusedDisable: nil)
    var count = 0
    let t = repeatTimed(opts.reps) { count = linter.lint(doc).count; sink &+= count }
    results.append(Measurement(name: "scan: \(boundaryRules.count) boundary rules (via Linter)", bytes: n, times: t,
                               note: "\(count) findings", extra: ["findings": count]))
    var oneScope = boundaryRules
    for i in oneScope.indices { oneScope[i].scope = .all }
    let linter1 = Linter(rules: oneScope, unusedDisable: nil)
    let t1 = repeatTimed(opts.reps) { count = linter1.lint(doc).count; sink &+= count }
    results.append(Measurement(name: "scan: same rules, one scope (one pass)", bytes: n, times: t1,
                               note: "\(count) findings", extra: ["findings": count]))
    // Segments alone (what the scan pays before looking at a byte).
    let ts = repeatTimed(opts.reps) { sink &+= doc.segments(for: .all).count }
    results.append(Measurement(name: "scan: Document.segments(for: .all) only", bytes: n, times: ts))
}

if enabled("scan") || enabled("bare") {
    var count = 0
    // The bare scanner: one pass of BoundaryScanner over precomputed segments (the 500 MB/s target), with the
    // boundary rules of the recommended set in its style (print), as a real run has them.
    let segs = doc.segments(for: .all)
    let activeBoundary = recommended.rules.filter { $0.check is BoundaryCheck }
    let bare = BoundaryScanner(rules: activeBoundary.enumerated().compactMap { k, r in
        (r.check as? BoundaryCheck).map { (k, $0, r.fixSafety, r.scope) } })
    let tb = repeatTimed(opts.reps) {
        var f: [Finding] = []
        bare.scan(doc, segs, into: &f)
        count = f.count
        sink &+= f.count
    }
    results.append(Measurement(name: "scan: BoundaryScanner alone, \(activeBoundary.count) active rules (bare pass)", bytes: n, times: tb,
                               note: "\(count) findings", extra: ["findings": count]))
}

if enabled("lint") {
    let linter = Linter(recommended)
    var count = 0
    let threads = Tuning.threadsPerDocument
    Tuning.threadsPerDocument = 1
    let t1 = repeatTimed(opts.reps) {
        guard let s = try? SourceText(validating: corpusBytes) else { return }
        count = linter.lint(Document(path: docPath, source: s)).count
        sink &+= count
    }
    Tuning.threadsPerDocument = threads
    results.append(Measurement(name: "lint: parse + \(recommended.rules.count) recommended rules, one core", bytes: n, times: t1,
                               note: "\(count) findings"))
    let t = repeatTimed(opts.reps) {
        guard let s = try? SourceText(validating: corpusBytes) else { return }
        count = linter.lint(Document(path: docPath, source: s)).count
        sink &+= count
    }
    results.append(Measurement(name: "lint: parse + \(recommended.rules.count) recommended rules", bytes: n, times: t,
                               note: "\(count) findings", extra: ["findings": count, "rules": recommended.rules.map(\.id)]))
    let t2 = repeatTimed(opts.reps) { count = linter.lint(doc).count; sink &+= count }
    results.append(Measurement(name: "lint: recommended rules, parsed document", bytes: n, times: t2, note: "\(count) findings"))
    if enabled("scan") {
        // Rules one by one on the parsed document: which rule kind costs what.
        for r in recommended.rules {
            let l = Linter(rules: [r], unusedDisable: nil)
            var c = 0
            let tr = repeatTimed(max(1, opts.reps / 2)) { c = l.lint(doc).count; sink &+= c }
            results.append(Measurement(name: "  rule \(r.id) (\(r.kind))", bytes: n, times: tr, note: "\(c) findings"))
        }
    }
}

if enabled("fix") {
    let linter = Linter(rules: spacingRules, unusedDisable: nil)
    // One core first (the fair comparison with a single-threaded peer), then all cores for a large input.
    let threads = Tuning.threadsPerDocument
    Tuning.threadsPerDocument = 1
    var applied1 = 0
    let t1 = repeatTimed(opts.reps) {
        let o = FixApplier.fix(source, path: docPath, linter: linter, allowUnsafe: false)
        applied1 = o.applied.values.reduce(0, +)
        sink &+= o.bytes.count
    }
    Tuning.threadsPerDocument = threads
    results.append(Measurement(name: "fix: \(spacingRules.count) spacing rules, one core", bytes: n, times: t1,
                               note: "\(applied1) fixes", extra: ["fixes": applied1]))
    var applied = 0, changedBytes = 0
    let t = repeatTimed(opts.reps) {
        let o = FixApplier.fix(source, path: docPath, linter: linter, allowUnsafe: false)
        applied = o.applied.values.reduce(0, +)
        changedBytes = o.bytes.count
        sink &+= o.bytes.count
    }
    results.append(Measurement(name: "fix: \(spacingRules.count) spacing rules (until stable)", bytes: n, times: t,
                               note: "\(applied) fixes", extra: ["fixes": applied, "output_bytes": changedBytes]))
}

if enabled("files") {
    // Slice the corpus at paragraph boundaries into files of about K KB, wrapping around when it runs out.
    let fm = FileManager.default
    let base = opts.tmpDir ?? NSTemporaryDirectory()
    let dir = URL(fileURLWithPath: base).appendingPathComponent("copydesk-bench-\(getpid())").path
    try? fm.removeItem(atPath: dir)
    do { try fm.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch { fail("cannot create \(dir): \(error)") }
    defer { try? fm.removeItem(atPath: dir) }
    var paths: [String] = []
    var total = 0
    var pos = 0
    let want = opts.smallFileKB * 1000
    for i in 0..<opts.smallFiles {
        if pos >= n { pos = 0 }
        var end = min(n, pos + want)
        while end < n - 1 && !(corpusBytes[end] == 0x0A && corpusBytes[end + 1] == 0x0A) { end += 1 }
        end = min(n, end + 1)
        // Do not start a file in the middle of a UTF-8 sequence.
        let chunk = Array(corpusBytes[pos..<end])
        pos = end
        let p = dir + "/draft-\(i).txt"
        _ = fm.createFile(atPath: p, contents: Data(chunk))
        paths.append(p)
        total += chunk.count
    }
    var ropts = Runner.Options()
    ropts.noConfig = true
    guard let runner = try? Runner(options: ropts) else { fail("cannot create a Runner") }
    let rssBefore = procStatus("VmRSS")
    var found = 0
    var cpu0 = cpuSeconds()
    let seq = repeatTimed(opts.reps) {
        for p in paths { for r in runner.run(files: [p], write: false) { found += r.0.diagnostics.count } }
    }
    let seqCPU = cpuSeconds() - cpu0
    cpu0 = cpuSeconds()
    let par = repeatTimed(opts.reps) {
        for r in runner.run(files: paths, write: false) { found += r.0.diagnostics.count }
    }
    let parCPU = cpuSeconds() - cpu0
    sink &+= found
    let rssAfter = procStatus("VmRSS")
    var mSeq = Measurement(name: "files: \(paths.count) × ~\(opts.smallFileKB) KB, sequential", bytes: total, times: seq)
    mSeq.note = String(format: "%.0f files/s", Double(paths.count) / mSeq.median)
    var mPar = Measurement(name: "files: \(paths.count) × ~\(opts.smallFileKB) KB, Runner.run parallel", bytes: total, times: par)
    let speedup = mSeq.median / mPar.median
    // CPU time / wall time over the timed runs and the warm-up: how many cores were actually busy.
    let seqBusy = seqCPU / (seq.reduce(0, +) * Double(opts.reps + 1) / Double(opts.reps))
    let parBusy = parCPU / (par.reduce(0, +) * Double(opts.reps + 1) / Double(opts.reps))
    mSeq.note += String(format: ", %.2f cores busy", seqBusy)
    mPar.note = String(format: "%.0f files/s, ×%.2f on %d cores, %.2f cores busy", Double(paths.count) / mPar.median, speedup,
                       ProcessInfo.processInfo.activeProcessorCount, parBusy)
    mPar.extra = ["files": paths.count, "speedup": speedup, "cores_busy": parBusy, "cores_busy_sequential": seqBusy, "cores": ProcessInfo.processInfo.activeProcessorCount,
                  "rss_before_kb": rssBefore, "rss_after_kb": rssAfter]
    results.append(mSeq)
    results.append(mPar)
}

if enabled("phrases") {
    // Phrases built from the vocabulary (pairs of news words; some occur in the text) and random Han strings.
    func rule(_ count: Int) -> (String, Rule?, Double) {
        var rng = SplitMix64(seed: opts.seed ^ UInt64(count))
        var seen = Set<String>()
        var yaml = """
        kind: phrases
        severity: warning
        message: 用词：{match}
        description: generated by copydesk-bench
        scope: [body, headline, dateline]
        fix: safe
        phrases:

        """
        while seen.count < count {
            let p: String
            if rng.chance(0.5) {
                p = rng.pick(Vocabulary.words) + rng.pick(Vocabulary.words)
            } else {
                p = String((0..<(2 + rng.int(3))).map { _ in Character(Unicode.Scalar(UInt32(0x4E00 + rng.int(0x51A5)))!) })
            }
            guard seen.insert(p).inserted else { continue }
            yaml += seen.count % 3 == 0 ? "  - \(p): \(p)\(p.first!)\n" : "  - \(p)\n"
        }
        var r: Rule? = nil
        let t = time { r = try? RuleLoader.load(text: yaml, file: "bench-phrases-\(count).yml", relativePath: "bench/phrases-\(count).yml", builtIn: false) }
        return (yaml, r, t)
    }
    for count in [10, 1000] {
        let (_, r, loadTime) = rule(count)
        guard let r else { log("phrases: the generated rule with \(count) phrases failed to load; skipped"); continue }
        let l = Linter(rules: [r], unusedDisable: nil)
        var c = 0
        let t = repeatTimed(opts.reps) { c = l.lint(doc).count; sink &+= c }
        results.append(Measurement(name: "phrases: \(count) phrases, parsed document", bytes: n, times: t,
                                   note: String(format: "%d findings; load %.1f ms", c, loadTime * 1000),
                                   extra: ["findings": c, "load_ms": loadTime * 1000]))
    }
}

// MARK: report

let hwm = procStatus("VmHWM")
let cpu: String = {
    guard let s = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
    for line in s.split(separator: "\n") where line.hasPrefix("model name") {
        return line.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown"
    }
    return "unknown"
}()

func pad(_ s: String, _ w: Int, right: Bool = false) -> String {
    // Display width: CJK characters take two columns.
    let width = s.unicodeScalars.reduce(0) { $0 + ($1.value >= 0x1100 && $1.value < 0xFFFF && CharClass.of($1.value).contains(.han) ? 2 : 1) }
    let fill = String(repeating: " ", count: max(0, w - width))
    return right ? fill + s : s + fill
}

print("copydesk-bench: \(String(format: "%.2f", Double(n) / 1e6)) MB input (\(inputInfo["source"]!)), \(opts.reps) reps, \(ProcessInfo.processInfo.activeProcessorCount) cores, \(cpu)")
print("built-in rules: \(catalog.rules.count); cold catalog load \(String(format: "%.2f", startupInfo["catalog_cold_ms"] as? Double ?? 0)) ms")
print(pad("measurement", 52) + pad("best ms", 11, right: true) + pad("median ms", 11, right: true) + pad("MB/s best", 11, right: true) + pad("MB/s med", 11, right: true) + "  note")
print(String(repeating: "-", count: 120))
for m in results {
    let rate = m.bytes > 0
    print(pad(m.name, 52)
          + pad(String(format: "%.2f", m.best * 1000), 11, right: true)
          + pad(String(format: "%.2f", m.median * 1000), 11, right: true)
          + pad(rate ? String(format: "%.1f", m.mbps(m.best)) : "-", 11, right: true)
          + pad(rate ? String(format: "%.1f", m.mbps(m.median)) : "-", 11, right: true)
          + "  " + m.note)
}
print("peak RSS (VmHWM): \(hwm / 1024) MB for a \(String(format: "%.1f", Double(n) / 1e6)) MB input; load average \(loadAtStart) at start, \(loadAverage()) at end")

if let path = opts.json {
    var out: [String: Any] = [:]
    out["tool"] = "copydesk-bench"
    out["machine"] = ["nproc": ProcessInfo.processInfo.activeProcessorCount, "cpu": cpu, "loadavg_start": loadAtStart, "loadavg_end": loadAverage()]
    out["input"] = inputInfo
    out["startup"] = startupInfo
    out["reps"] = opts.reps
    out["peak_rss_kb"] = hwm
    out["results"] = results.map { m -> [String: Any] in
        var d: [String: Any] = ["name": m.name.trimmingCharacters(in: .whitespaces), "bytes": m.bytes, "best_s": m.best, "median_s": m.median,
                                "times_s": m.times, "note": m.note]
        if m.bytes > 0 { d["mbps_best"] = m.mbps(m.best); d["mbps_median"] = m.mbps(m.median) }
        for (k, v) in m.extra { d[k] = v }
        return d
    }
    do {
        let data = try JSONSerialization.data(withJSONObject: out, options: [.prettyPrinted, .sortedKeys])
        let url = URL(fileURLWithPath: path)
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    } catch { fail("cannot write \(path): \(error)") }
}
if sink == 42 { print("") }
