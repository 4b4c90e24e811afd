/// The language of the text report's own words (severity labels, the summary line, hints, every file error):
/// English or Chinese. Rule messages are Chinese in both; machine formats (JSON, SARIF, …) never change.
///
/// Chosen by `--lang zh|en`, else by the locale: the first set of `LC_ALL`, `LC_MESSAGES`, `LANG` (POSIX order)
/// that names `zh` (`zh_CN.UTF-8`, `zh_TW`, `zh`) gives Chinese; anything else (`C`, `en_US.UTF-8`, unset) English.
public enum ReportLanguage: String, Sendable, CaseIterable {
    case en, zh

    /// `--lang`: `en` or `zh` (also `zh_CN`, `zh-TW`, `en_US.UTF-8`, any case); nil otherwise.
    public init?(option: String) {
        let s = option.lowercased()
        if s == "zh" || s.hasPrefix("zh_") || s.hasPrefix("zh-") || s.hasPrefix("zh.") { self = .zh }
        else if s == "en" || s.hasPrefix("en_") || s.hasPrefix("en-") || s.hasPrefix("en.") { self = .en }
        else { return nil }
    }

    /// From the locale variables, as C's `setlocale` reads them for messages.
    public static func fromEnvironment(_ env: [String: String]) -> ReportLanguage {
        for key in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            guard let v = env[key], !v.isEmpty else { continue }
            return ReportLanguage(option: v) == .zh ? .zh : .en
        }
        return .en
    }

    // MARK: words

    func severity(_ s: Severity) -> String {
        switch (self, s) {
        case (.en, .error): return "error"
        case (.en, .warning): return "warning"
        case (.en, .info): return "info"
        case (.zh, .error): return "错误"
        case (.zh, .warning): return "警告"
        case (.zh, .info): return "提示"
        }
    }

    var errorLabel: String { self == .zh ? "错误" : "error" }
    var noteLabel: String { self == .zh ? "注意" : "note" }
    var unsafeHint: String { self == .zh ? "（需 --unsafe-fixes）" : " (--unsafe-fixes)" }

    /// Every error and notice the text report prints for a file (`InputError`, the folder walk, `WriteRefusal`,
    /// `ArchiveError`, Word packages, rule failures, configuration errors), as a Chinese sentence. Each English
    /// message is matched against its template (`errorTemplates`, `{}` = a value: a path, a number, a system or
    /// database message); the values are kept, with the usual system phrases translated. Configuration errors keep
    /// their position and get a Chinese label; the loader's detail (which quotes YAML keys) stays English. What no
    /// template matches is left as it is (the tests walk every error case so that none is missed).
    public func fileError(_ e: String) -> String {
        guard self == .zh else { return e }
        return e.split(separator: "\n", omittingEmptySubsequences: false).map { ReportLanguage.chinese(String($0)) }.joined(separator: "\n")
    }

    static func chinese(_ line: String) -> String {
        for (en, zh) in errorTemplates {
            guard let values = match(line, en) else { continue }
            var out = zh
            for (i, v) in values.enumerated() { out = out.replacingOccurrences(of: "{\(i)}", with: phrase(v)) }
            return out
        }
        return phrase(line)
    }

    /// The values of `template`'s `{}` holes in `s`, or nil when `s` does not have its form. A hole ends at the
    /// first occurrence of the literal after it (at the end of `s` for the last literal).
    static func match(_ s: String, _ template: String) -> [String]? {
        let parts = template.components(separatedBy: "{}")
        guard s.hasPrefix(parts[0]) else { return nil }
        var rest = Substring(s.dropFirst(parts[0].count))
        var values: [String] = []
        for k in 1..<parts.count {
            let lit = parts[k]
            if k == parts.count - 1 {
                guard rest.hasSuffix(lit), rest.count >= lit.count else { return nil }
                values.append(String(rest.dropLast(lit.count)))
                rest = ""
            } else {
                guard !lit.isEmpty, let r = rest.range(of: lit) else { return nil }
                values.append(String(rest[..<r.lowerBound]))
                rest = rest[r.upperBound...]
            }
        }
        if parts.count == 1 && !rest.isEmpty { return nil }
        return values.contains(where: \.isEmpty) ? nil : values
    }

    /// System and database phrases inside an error (the values of the templates).
    static func phrase(_ v: String) -> String {
        var s = v
        for (en, zh) in errorPhrases where s.contains(en) { s = s.replacingOccurrences(of: en, with: zh) }
        return s
    }

    static let errorPhrases: [(String, String)] = [
        ("no such file (was it removed during the run?)", "文件不存在（是否在检查期间被删除？）"),
        ("No such file or directory", "文件或文件夹不存在"),
        ("no such file or directory", "文件或文件夹不存在"),
        ("broken symbolic link", "符号链接指向的文件不存在"),
        ("symbolic link loop", "符号链接循环"),
        ("Too many levels of symbolic links", "符号链接层数过多"),
        ("permission denied", "没有权限"),
        ("Permission denied", "没有权限"),
        ("is a directory", "是文件夹"),
        ("Is a directory", "是文件夹"),
        ("Input/output error", "输入输出错误"),
        ("No space left on device", "磁盘空间不足"),
        ("Read-only file system", "文件系统只读"),
        ("Too many open files", "打开的文件过多"),
        ("Not a directory", "不是文件夹"),
        ("a named pipe", "命名管道"),
        ("a socket", "套接字"),
        ("a device", "设备文件"),
        ("bad character reference", "字符引用无效"),
        ("unknown entity", "未知实体"),
        ("cannot connect", "无法连接"),
        ("cannot read the schema", "无法读取结构"),
        ("cannot add", "无法写入"),
        ("cannot remove", "无法删除"),
        ("cannot read", "无法读取"),
        (" bytes", " 字节"),
    ]

    /// English message templates (`{}`: a value) and their Chinese form (`{0}`, `{1}`, …: the values in order).
    /// More specific templates first.
    static let errorTemplates: [(String, String)] = [
        // The folder walk and reading a file (`Runner`, `InputError`).
        ("cannot read folder: {}", "无法读取文件夹：{0}"),
        ("cannot read: {}", "无法读取：{0}"),
        ("skipped: looks like a binary file (NUL byte at byte {})", "已跳过：看来是二进制文件（第 {0} 字节是 NUL）"),
        ("skipped: not a regular file ({})", "已跳过：不是普通文件（{0}）"),
        ("skipped: a lock file Word keeps while the document is open", "已跳过：这是 Word 打开文档时留下的锁文件"),
        ("not valid UTF-8 at line {}, column {} (byte {} is {}); skipped. If it is GB18030/GBK text, convert it: iconv -f GB18030 -t UTF-8",
         "第 {0} 行第 {1} 列不是有效的 UTF-8（第 {2} 字节为 {3}），已跳过。如果是 GB18030/GBK 文本，请先转换：iconv -f GB18030 -t UTF-8"),
        ("not valid {} at byte {} (an unpaired surrogate); skipped. Re-save the file as UTF-8",
         "第 {1} 字节不是有效的 {0}（不成对的代理项），已跳过。请将文件另存为 UTF-8"),
        ("file is {} ({} bytes), above the limit of {}; skipped. Raise it with --max-file-size (e.g. --max-file-size {})",
         "文件大小为 {0}（{1} 字节），超过上限 {2}，已跳过。可用 --max-file-size 提高上限（例如 --max-file-size {3}）"),
        ("folder name is not valid UTF-8; not walked (rename it)", "文件夹名不是有效的 UTF-8，未遍历（请重命名）"),
        ("file name is not valid UTF-8; cannot be linted (rename it)", "文件名不是有效的 UTF-8，无法检查（请重命名）"),
        // Writing a fixed file (`WriteRefusal`).
        ("read-only file (mode {}); not fixed. Make it writable (chmod u+w) to fix it", "只读文件（权限 {0}），未修复。改为可写（chmod u+w）后即可修复"),
        ("no permission to write the file; not fixed", "没有写入该文件的权限，未修复"),
        ("not a regular file; not fixed", "不是普通文件，未修复"),
        ("the file changed on disk after copydesk read it; not fixed (the file is left as it is now). Run copydesk again to fix it",
         "copydesk 读取之后文件在磁盘上被改动，未修复（文件保持现状）。请再次运行 copydesk 修复"),
        ("cannot write the fixed file: {}; the fixed text is kept in {}", "无法写入修复后的文件：{0}；修复后的文本保存在 {1}"),
        ("cannot write the fixed file: {}", "无法写入修复后的文件：{0}"),
        // The published archive (`ArchiveError`); a database's own message is kept as the database said it.
        ("no archive at {} (create it with `copydesk archive add`)", "{0} 处没有存档（请先用 `copydesk archive add` 建立）"),
        ("the archive at {} was made by a newer copydesk (schema {} unknown to this one, which knows up to {}): upgrade copydesk",
         "{0} 的存档由更新版本的 copydesk 建立（本版本只认识到结构版本 {2}，不认识 {1}）：请升级 copydesk"),
        ("archive {}: this copydesk was built without PostgreSQL support (build it with `swift build --traits PostgreSQL`)",
         "存档 {0}：此 copydesk 构建时未包含 PostgreSQL 支持（请用 `swift build --traits PostgreSQL` 构建）"),
        ("archive {}: {}: {}", "存档 {0}：{1}：{2}"),
        ("archive {}: {}", "存档 {0}：{1}"),
        ("{} is not a copydesk archive ({})", "{0} 不是 copydesk 存档（{1}）"),
        // Word packages (`WordError`).
        ("not a .docx package: an OLE compound file — a password-protected (encrypted) Word document or an old .doc; save it unencrypted as .docx",
         "不是 .docx 文件包：这是 OLE 复合文件——加密的 Word 文档或旧式 .doc；请另存为未加密的 .docx"),
        ("not a .docx package (not a ZIP file); the file is damaged or not a Word document", "不是 .docx 文件包（不是 ZIP 文件）；文件已损坏或不是 Word 文档"),
        ("not a readable .docx package ({}); the file is damaged", "无法读取的 .docx 文件包（{0}）；文件已损坏"),
        ("{} inflates to {} bytes, above the limit of {} (--max-file-size)", "{0} 解压后为 {1} 字节，超过上限 {2}（--max-file-size）"),
        ("{} inflates beyond the limit of {} bytes (--max-file-size)", "{0} 解压后超过上限 {1} 字节（--max-file-size）"),
        ("cannot read {} from the package ({}); the file is damaged or its parts are encrypted", "无法从文件包中读取 {0}（{1}）；文件已损坏或其部件已加密"),
        ("not a Word document: the package has no word/document.xml", "不是 Word 文档：文件包中没有 word/document.xml"),
        ("could not build the fixed package", "无法生成修复后的文件包"),
        ("{} is not well-formed XML (line {}, column {}: {}); the file is damaged", "{0} 不是格式正确的 XML（第 {1} 行第 {2} 列：{3}）；文件已损坏"),
        ("{} is not UTF-8 (byte {}); copydesk reads Word files saved as UTF-8 XML", "{0} 不是 UTF-8（第 {1} 字节）；copydesk 只读取以 UTF-8 XML 保存的 Word 文件"),
        ("{} is UTF-16 XML; copydesk reads Word files saved as UTF-8 XML", "{0} 是 UTF-16 XML；copydesk 只读取以 UTF-8 XML 保存的 Word 文件"),
        ("{} has a document type declaration, which Word parts never have; the file is damaged or not a Word document",
         "{0} 含有文档类型声明（Word 文件的部件从不含有）；文件已损坏或不是 Word 文档"),
        ("{}: {} at byte {}; the file is damaged", "{0}：第 {2} 字节处{1}；文件已损坏"),
        ("the document's text: {}", "文档文本：{0}"),
        ("internal error: the fixed runs do not give the fixed text; nothing was written (please report this)",
         "内部错误：修复后的文本段与修复后的文本不一致；未写入任何内容（请报告此问题）"),
        // Rule failures (reported as findings of the rule).
        ("rule stopped: its pattern ran past its time limit of {} s on this file (catastrophic backtracking?), so its findings from here on are missing; simplify the pattern or raise its time-limit",
         "规则已停止：其模式在此文件上超过了 {0} 秒的时限（灾难性回溯？），此后的结果缺失；请简化模式或提高其 time-limit"),
        // Configuration errors (`ConfigError.line`): `file:line:col: error: detail`.
        ("{}: error: {}", "{0}：配置错误：{1}"),
    ]

    /// The summary line's sentence (without colour and line end).
    func summary(errors e: Int, warnings w: Int, infos i: Int, files n: Int, checked: Int, withFindings: Int,
                 fixed: Int, preview: Bool, unreadable: Int, unwritten: Int, notLinted: Int, skipped: Int,
                 stopped: Int) -> String {
        switch self {
        case .en:
            func plural(_ k: Int, _ word: String) -> String { "\(k) \(word)\(k == 1 ? "" : "s")" }
            var s: String
            if e + w + i == 0 && unreadable + unwritten + notLinted + skipped == 0 {
                s = "No problems found in \(plural(n, "file"))"
            } else if e + w + i == 0 {
                s = "No findings in \(plural(checked, "file")) checked"
            } else {
                s = "\(plural(e, "error")), \(plural(w, "warning")), \(plural(i, "info")) in \(plural(withFindings, "file")) (\(checked) checked)"
            }
            if fixed > 0 { s += preview ? "; \(plural(fixed, "problem")) fixable with --fix" : "; fixed \(plural(fixed, "problem"))" }
            if unreadable > 0 { s += "; \(plural(unreadable, "file")) could not be linted" }
            if unwritten > 0 { s += "; \(plural(unwritten, "file")) could not be fixed" }
            if notLinted > 0 { s += "; \(plural(notLinted, "file")) not linted because of configuration errors" }
            if skipped > 0 { s += "; \(plural(skipped, "file")) skipped (not text)" }
            if stopped > 0 { s += "; rules stopped over their time limit in \(plural(stopped, "file"))" }
            return s
        case .zh:
            var s: String
            if e + w + i == 0 && unreadable + unwritten + notLinted + skipped == 0 {
                s = "未发现问题（共 \(n) 个文件）"
            } else if e + w + i == 0 {
                s = "已检查的 \(checked) 个文件中未发现问题"
            } else {
                s = "\(e) 个错误，\(w) 个警告，\(i) 个提示，分布在 \(withFindings) 个文件中（共检查 \(checked) 个文件）"
            }
            if fixed > 0 { s += preview ? "；其中 \(fixed) 处可用 --fix 修复" : "；已修复 \(fixed) 处" }
            if unreadable > 0 { s += "；\(unreadable) 个文件无法检查" }
            if unwritten > 0 { s += "；\(unwritten) 个文件无法修复" }
            if notLinted > 0 { s += "；\(notLinted) 个文件因配置错误未检查" }
            if skipped > 0 { s += "；跳过 \(skipped) 个文件（不是文本）" }
            if stopped > 0 { s += "；\(stopped) 个文件中有规则超过时限而停止" }
            return s
        }
    }
}
