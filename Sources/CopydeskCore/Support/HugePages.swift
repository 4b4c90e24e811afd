#if canImport(Glibc)
import Glibc
#endif

/// Transparent huge pages for glibc's allocator on a run over one large draft.
///
/// A 25 MB page costs ~24,000 page faults under `lint --fix` (the text, the findings, the fixer's edits, the
/// report): each fresh 4 KB page ~1.5–2 µs in the kernel on the benchmark VM, a tenth of the command's CPU. glibc
/// backs its heaps and large blocks with 2 MB pages when asked by the tunable `glibc.malloc.hugetlb=1` (it advises
/// the kernel with `MADV_HUGEPAGE`), and then the same run takes ~10,000 faults: `--fix` 226 → 213 ms median and
/// the text report 205 → 180 ms, peak RSS +3 to +10 MB (issue 16, `docs/performance.md`). A tunable is read only
/// when a process starts, so the command starts itself once more with it set (`execv` of `/proc/self/exe`, ~4 ms)
/// when the gain is sure to be larger: a run that names one regular file of 8 MiB or more and no folder, on a
/// kernel whose huge pages are `madvise` (with `always` they are on already; with `never`, off).
/// `COPYDESK_HUGEPAGES=off` keeps the process as it is; a `GLIBC_TUNABLES` of the user's own is never replaced.
public enum HugePages {
    /// Files below this gain less than the second start costs.
    public static let minimumBytes = 8 << 20
    /// `off`: never start again; `trace`: say on standard error when the restarted process runs (tests).
    public static let switchVariable = "COPYDESK_HUGEPAGES"
    /// Set for the restarted process only (and removed by it at once, with `GLIBC_TUNABLES`, so that nothing it
    /// starts inherits either).
    public static let restartedVariable = "COPYDESK_HUGEPAGES_RESTARTED"
    public static let tunable = "glibc.malloc.hugetlb=1"
    static let modeFile = "/sys/kernel/mm/transparent_hugepage/enabled"

    public enum PathKind: Equatable { case regular(bytes: Int), directory, other }

    /// Whether a command line (without the program name) asks to lint one large file: the `lint` or `fix`
    /// subcommand (or none: `lint` is the default), no standard input, no folder among the arguments that are not
    /// options, and a regular file of `minimumBytes` or more among them. Option values (`--config x.yml`) are
    /// looked at too: they are small files or no files, so they change nothing.
    public static func asksForLargeFile(_ arguments: [String], kind: (String) -> PathKind) -> Bool {
        var args = arguments[...]
        if let first = args.first, !first.hasPrefix("-") {
            if first == "lint" || first == "fix" {
                args = args.dropFirst()
            } else if case .other = kind(first) {
                return false   // another subcommand (`server`, `rules`, …), or a typo
            }
        }
        var large = false
        for a in args {
            if a == "-" || a == "--stdin" || a == "--help" || a == "-h" { return false }
            if a.hasPrefix("-") { continue }
            switch kind(a) {
            case .directory: return false
            case .regular(let bytes): if bytes >= minimumBytes { large = true }
            case .other: break
            }
        }
        return large
    }

    /// Whether to start again with the tunable: a large file (above), no opt-out, no tunables of the user's own,
    /// huge pages on advice (`mode`: the kernel's `enabled` file, nil when unreadable).
    public static func wanted(_ arguments: [String], environment: (String) -> String?, mode: String?,
                              kind: (String) -> PathKind) -> Bool {
        guard environment(switchVariable) != "off", environment("GLIBC_TUNABLES") == nil,
              environment(restartedVariable) == nil, mode?.contains("[madvise]") == true else { return false }
        return asksForLargeFile(arguments, kind: kind)
    }

    #if os(Linux)
    /// `stat(2)` of a path, for `asksForLargeFile`.
    public static func kind(of path: String) -> PathKind {
        var st = stat()
        guard stat(path, &st) == 0 else { return .other }
        switch st.st_mode & S_IFMT {
        case S_IFREG: return .regular(bytes: Int(st.st_size))
        case S_IFDIR: return .directory
        default: return .other
        }
    }

    /// The kernel's transparent huge page mode line (`always [madvise] never`), nil when it cannot be read.
    public static func kernelMode() -> String? {
        let fd = open(modeFile, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 128)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, 128) }
        guard n > 0 else { return nil }
        return String(decoding: buffer[..<n], as: UTF8.self)
    }
    #endif
}
