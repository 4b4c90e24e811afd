/// The words the structure model recognises: byline roles, byline markers, dateline forms, closing credits and
/// article types. The built-in vocabulary is YAML (`StructureVocabulary.builtInYAML`); a newsroom adds its own
/// words with `structure:` in `.lintrc.yml` (a mapping of the same keys, or the path of a YAML file holding one).
/// Additions extend the built-in lists; nothing is removed.
public struct StructureVocabulary: Sendable, Equatable {
    /// Prefixes before a role (本报, 融媒, 首席…), any number of them: 融媒首席记者.
    public var rolePrefixes: [String]
    /// Roles (记者, 通讯员, 实习生…): a byline is roles followed by names.
    public var roles: [String]
    /// Byline markers before a byline line (□ ■ ◎).
    public var markers: [String]
    /// Characters OCR reads for a marker (口 for □), accepted only directly before a role: `ocr-markers: {口: □}`.
    public var ocrMarkers: [(read: String, meant: String)]
    /// Local datelines at the start of a paragraph (本报讯).
    public var datelinePrefixes: [String]
    /// Closing credit lines: one of these, then `：` or `:` (责任编辑：张三).
    public var closingCredits: [String]
    /// Article types and the words that mark them at the start of a headline or of the first body line
    /// (`【评论】`, `简讯：`), or as `type:` in Markdown front matter.
    public var articleTypes: [(type: String, words: [String])]

    public static func == (a: StructureVocabulary, b: StructureVocabulary) -> Bool {
        a.rolePrefixes == b.rolePrefixes && a.roles == b.roles && a.markers == b.markers
            && a.ocrMarkers.map { [$0.read, $0.meant] } == b.ocrMarkers.map { [$0.read, $0.meant] }
            && a.datelinePrefixes == b.datelinePrefixes && a.closingCredits == b.closingCredits
            && a.articleTypes.map { [$0.type] + $0.words } == b.articleTypes.map { [$0.type] + $0.words }
    }

    static let keys: Set<String> = ["role-prefixes", "roles", "markers", "ocr-markers", "dateline-prefixes", "closing-credits", "article-types"]

    public static let builtInYAML = """
    # Byline roles: any number of prefixes, then a role, then names (融媒首席记者 陈晓苏, 本报记者 张三 通讯员 李四).
    role-prefixes: [本报, 融媒, 全媒体, 见习, 特约, 首席, 摄影, 新华社, 中新社, 本台, 本刊, 驻站]
    roles: [记者, 通讯员, 实习生, 评论员, 编辑, 撰稿, 作者]
    # County papers put a marker before a byline line; OCR reads □ as 口.
    markers: [□, ■, ◎]
    ocr-markers: {口: □}
    dateline-prefixes: [本报讯, 本台讯, 本刊讯, 本网讯]
    closing-credits: [责任编辑, 编辑, 校对, 审核, 终审, 来源]
    # Types that need no byline can be exempted by the article rules (exempt-types).
    article-types:
      评论: [评论, 短评, 时评, 社论, 本报评论员]
      来信: [来信, 读者来信]
      简讯: [简讯, 短讯, 快讯, 图片新闻]
      # News report and feature: their subtitles differ (headline.subtitle-dash-presence).
      消息: [消息, 动态消息]
      通讯: [通讯, 人物通讯, 特写, 专访, 侧记, 纪实]
    """

    public static let builtIn: StructureVocabulary = {
        // The built-in YAML is part of the binary; a mistake in it is a programming error.
        try! StructureVocabulary.parse(YAMLValue.parse(builtInYAML, file: "<built-in structure vocabulary>"), base: nil)
    }()

    /// Reads a vocabulary mapping; with `base`, its lists extend the base's.
    public static func parse(_ node: YAMLValue, base: StructureVocabulary?) throws -> StructureVocabulary {
        let m = try StrictMapping(node, what: "the structure vocabulary")
        var errors = ConfigErrorCollector()
        errors.run { try m.rejectUnknown(allowed: keys) }
        func words(_ key: String) -> [String] {
            errors.run { () throws -> [String] in
                guard let n = m[key] else { return [] }
                var out: [String] = []
                for item in try n.list(key) {
                    let s = try item.string("an entry of '\(key)'")
                    guard !s.isEmpty, !s.unicodeScalars.contains(where: { ArticleStructure.isSpace($0.value) }) else {
                        throw ConfigError(item.mark, "an entry of '\(key)' may not be empty or contain spaces")
                    }
                    out.append(s)
                }
                return out
            } ?? []
        }
        var v = base ?? StructureVocabulary(rolePrefixes: [], roles: [], markers: [], ocrMarkers: [], datelinePrefixes: [],
                                            closingCredits: [], articleTypes: [])
        func add(_ list: inout [String], _ new: [String]) { for w in new where !list.contains(w) { list.append(w) } }
        add(&v.rolePrefixes, words("role-prefixes"))
        add(&v.roles, words("roles"))
        add(&v.datelinePrefixes, words("dateline-prefixes"))
        add(&v.closingCredits, words("closing-credits"))
        let markers = words("markers")
        errors.run {
            for (i, s) in markers.enumerated() where s.unicodeScalars.count != 1 {
                throw ConfigError(try m["markers"]!.list("markers")[i].mark, "a marker is one character, found '\(s)'")
            }
        }
        add(&v.markers, markers.filter { $0.unicodeScalars.count == 1 })
        if let n = m["ocr-markers"] {
            errors.run {
                for p in try n.pairs("ocr-markers") {
                    let meant = try p.value.string("the marker meant by '\(p.key)'")
                    guard p.key.unicodeScalars.count == 1, meant.unicodeScalars.count == 1 else {
                        throw ConfigError(p.keyMark, "'ocr-markers' maps one character to one character (口: □)")
                    }
                    v.ocrMarkers.removeAll { $0.read == p.key }
                    v.ocrMarkers.append((p.key, meant))
                }
            }
        }
        if let n = m["article-types"] {
            errors.run {
                for p in try n.pairs("article-types") {
                    let ws = try p.value.stringList("the words of article type '\(p.key)'")
                    guard !ws.isEmpty, !ws.contains(where: \.isEmpty) else {
                        throw ConfigError(p.value.mark, "article type '\(p.key)' needs at least one word that marks it")
                    }
                    if let i = v.articleTypes.firstIndex(where: { $0.type == p.key }) {
                        for w in ws where !v.articleTypes[i].words.contains(w) { v.articleTypes[i].words.append(w) }
                    } else {
                        v.articleTypes.append((p.key, ws))
                    }
                }
            }
        }
        try errors.throwIfAny()
        if v.roles.isEmpty { throw ConfigError(node.mark, "the structure vocabulary has no roles") }
        v.compile()
        return v
    }

    // Compiled forms (scalars), read by the per-line tests.
    private(set) var rolePrefixScalars: [[UInt32]] = []
    private(set) var roleScalars: [[UInt32]] = []
    /// The first scalars of the role prefixes and roles, sorted: no role starts at a scalar not among them (the
    /// fast reject of `ArticleStructure.roleLength`, asked at every scalar of a credit line).
    private(set) var roleFirstScalars: [UInt32] = []
    private(set) var markerScalars: [UInt32] = []
    private(set) var datelinePrefixScalars: [[UInt32]] = []
    private(set) var closingScalars: [[UInt32]] = []
    /// Each article type's words, as `articleTypes` lists them (read for every article's first lines).
    private(set) var articleTypeScalars: [[[UInt32]]] = []
    /// The UTF-8 of the last character of every role (and 摄), as 24-bit values: a byline line holds one of them
    /// (the byte-level fast reject of `isByline`); nil when some role ends in a character that is not 3 bytes long.
    private(set) var bylineKeys: [UInt32]? = nil
    /// Bit `b & 0x3F` is set for the last byte `b` of every key: most characters of a line fail this before the list
    /// is searched.
    private(set) var bylineKeyLastBytes: UInt64 = 0
    /// Every dateline prefix holds 讯 (then the byte-level fast reject of `isDateline` holds for them).
    private(set) var datelinePrefixesHaveXun = true

    mutating func compile() {
        func sc(_ s: String) -> [UInt32] { s.unicodeScalars.map(\.value) }
        rolePrefixScalars = rolePrefixes.map(sc)
        roleScalars = roles.map(sc)
        roleFirstScalars = Array(Set((rolePrefixScalars + roleScalars).compactMap(\.first))).sorted()
        markerScalars = markers.compactMap { $0.unicodeScalars.first?.value }
        datelinePrefixScalars = datelinePrefixes.map(sc)
        closingScalars = closingCredits.map(sc)
        articleTypeScalars = articleTypes.map { $0.words.map(sc) }
        datelinePrefixesHaveXun = datelinePrefixes.allSatisfy { $0.contains("讯") }
        var keys: [UInt32] = []
        var ok = true
        for r in roles + ["摄"] {
            guard let last = r.unicodeScalars.last else { continue }
            let u = Array(String(last).utf8)
            guard u.count == 3 else { ok = false; break }
            let k = UInt32(u[0]) << 16 | UInt32(u[1]) << 8 | UInt32(u[2])
            if !keys.contains(k) { keys.append(k) }
        }
        bylineKeys = ok ? keys : nil
        bylineKeyLastBytes = keys.reduce(0) { $0 | 1 << UInt64($1 & 0x3F) }
    }

    /// The article type a name stands for: a type of the vocabulary or one of its words (`短评` → 评论), else nil.
    /// Markdown front matter's `section` is read through here when there is no `type`.
    func articleType(named name: String) -> String? {
        let n = name.trimmingASCIISpaces()
        for t in articleTypes where t.type == n || t.words.contains(n) { return t.type }
        return nil
    }

    /// The marker an OCR character stands for (口 → □), if it is one.
    func ocrMarker(_ v: UInt32) -> UInt32? {
        for m in ocrMarkers where m.read.unicodeScalars.first?.value == v { return m.meant.unicodeScalars.first?.value }
        return nil
    }
}
