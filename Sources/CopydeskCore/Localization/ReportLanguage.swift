/// The language of the text report's own words (severity labels, the summary line, hints, the usual file errors):
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

    /// The usual file errors of a run (`Runner`, `InputError`), phrase by phrase; what the table does not know
    /// stays English.
    func fileError(_ e: String) -> String {
        guard self == .zh else { return e }
        var s = e
        for (en, zh) in ReportLanguage.errorPhrases where s.contains(en) { s = s.replacingOccurrences(of: en, with: zh) }
        return s
    }

    static let errorPhrases: [(String, String)] = [
        ("cannot read folder: ", "无法读取文件夹："),
        ("cannot read: ", "无法读取："),
        ("no such file or directory", "文件或文件夹不存在"),
        ("no such file (was it removed during the run?)", "文件不存在（是否在检查期间被删除？）"),
        ("broken symbolic link", "符号链接指向的文件不存在"),
        ("symbolic link loop", "符号链接循环"),
        ("permission denied", "没有权限"),
        ("Permission denied", "没有权限"),
        ("is a directory", "是文件夹"),
        ("skipped: looks like a binary file", "已跳过：看来是二进制文件"),
        ("skipped: not a regular file", "已跳过：不是普通文件"),
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
