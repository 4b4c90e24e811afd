import Foundation

/// Orchestrates a run: finds files, resolves each file's configuration and rule set (cached), reads and lints
/// files in parallel, and applies fixes when asked. The CLI is a thin layer over this.
public final class Runner: @unchecked Sendable {
    public enum FixMode: Sendable { case report, apply, diff }

    public struct Options: Sendable {
        public var configPath: String?
        public var noConfig = false
        public var fixMode: FixMode = .report
        public var unsafeFixes = false
        public var maxFileSize = 256 * 1024 * 1024
        public var style: String?
        public var extensions: Set<String> = ["txt", "md", "markdown", "mdx", "text", "docx"]
        /// `--archive`: the published archive for every file (else the configuration's `archive:`).
        public var archive: ArchiveLocation?
        /// `archive check`: only the rules of this kind run.
        public var onlyKind: String?
        /// The publication date for the roster rules (`--date`); nil: a document's front matter `date`, else today.
        public var date: Day?
        /// Folder walks skip what `.gitignore` (inside a git repository) and `.copydeskignore` files exclude
        /// (`Ignore/IgnoreRules.swift`); `--no-ignore` turns this off. Files named on the command line are always linted.
        public var ignoreFiles = true
        /// `--diff` shows only the counts of the original's findings (nothing filters them afterwards: no baseline,
        /// no `--changed-since`): each file's are counted and dropped as soon as they are known, before the fixer runs.
        public var diffCountsOnly = false
        public init() {}
    }

    public let options: Options
    /// The built-in rules, read when a rule set is first resolved, not when the runner is made: the command builds
    /// them on another core (`Copydesk.prewarm`) while it lists the files.
    private var catalog: RuleCatalog { get throws { try RuleCatalog.loadBuiltIn() } }
    private var configs: [String: Config] = [:]          // by directory
    private var ruleSets: [String: ResolvedRules] = [:]
    private var houseCatalogs: [String: RuleCatalog] = [:]
    private let lock = NSLock()
    /// The cross-file duplicate pass of the last `run` (phase 1 filled; `crossFileReports` runs phase 2).
    var batch: BatchDuplicates?
    /// The published archives the run reads (`--archive`, `archive:`), opened once each.
    let archives = ArchiveRegistry()
    /// Standard input's lint, to be compared with the files of the next `run` (`holdStandardInput`).
    var standardInput: BatchDuplicates.Held?
    /// A file read ahead (`readAhead`), taken by the first `run` that reads it.
    private var early: EarlyRead?

    /// Throws nothing today (a broken built-in catalog is reported as a configuration error of the first file that
    /// needs it, exit 2); kept `throws` for the callers.
    public init(options: Options) throws {
        self.options = options
    }

    // MARK: configuration

    /// Configuration and rule-set failures, remembered so that a broken configuration is read (and reported) once,
    /// however many files it governs.
    private var configFailures: [String: Error] = [:]
    private var ruleSetFailures: [String: Error] = [:]

    /// The configuration for a file in `directory`.
    public func config(forDirectory directory: String) throws -> Config {
        lock.lock(); defer { lock.unlock() }
        if let c = configs[directory] { return c }
        let file = options.noConfig ? nil : (options.configPath ?? Config.discover(from: directory))
        // A broken configuration file is read once, not once per folder it governs.
        if let file, let e = configFailures[file] { throw e }
        var c: Config
        do {
            if let file {
                c = try Config.load(path: file)
            } else {
                c = Config.defaults(directory: FileManager.default.currentDirectoryPath)
            }
        } catch {
            if let file { configFailures[file] = error }
            throw error
        }
        if let s = options.style { c.style = s }
        configs[directory] = c
        return c
    }

    /// Resolves the configuration of a file (throws its errors) without handing out copies of the rule set and
    /// linter: the CLI asks this of every file before the run.
    public func checkConfiguration(for path: String) throws { _ = try resolved(for: path) }

    /// The rule set and linter for a file (configuration, house rules and matching overrides resolved).
    public func linter(for path: String) throws -> (RuleSet, Linter) {
        let r = try resolved(for: path)
        return (r.set, r.linter)
    }

    /// A file's rule set and linter, shared by the files with the same configuration and overrides.
    func resolved(for path: String) throws -> ResolvedRules {
        // Asked several times per file (the CLI's check, the lint, the cross-file pass): by folder when its
        // configuration has no overrides (every file of the folder has the same rules: no copy of the configuration
        // and no key built per file), else by path, once.
        let dir = directory(of: path)
        lock.lock()
        if let v = rulesByPlainDirectory[dir] ?? linterByPath[path] { lock.unlock(); return v }
        lock.unlock()
        let (v, plain) = try resolveLinter(for: path, directory: dir)
        lock.lock()
        if plain { rulesByPlainDirectory[dir] = v } else { linterByPath[path] = v }
        lock.unlock()
        return v
    }
    private var rulesByPlainDirectory: [String: ResolvedRules] = [:]

    /// The ids of the rules that report between files, in the rule sets resolved so far.
    public var crossFileRuleIDs: Set<String> {
        lock.lock(); let sets = Array(ruleSets.values); lock.unlock()
        var ids: Set<String> = []
        for r in sets.compactMap(\.fileRules) {
            for id in [r.exact?.id, r.near?.id, r.contained?.id] { if let id { ids.insert(id) } }
        }
        return ids
    }

    /// Whether linting these rule sets together compares files with one another (cross-file duplicate rules in
    /// any rule set resolved so far): then those findings come after the last file, as a second part of each file.
    public var comparesAcrossFiles: Bool {
        lock.lock(); let sets = Array(ruleSets.values); lock.unlock()
        return sets.contains { $0.fileRules != nil }
    }

    private var linterByPath: [String: ResolvedRules] = [:]
    private var directoryByFolder: [Substring: String] = [:]

    /// The folder whose configuration governs `path` (absolute, standardized). Worked out with `URL` once per folder
    /// as written in the path, not once per file (URL standardization was a fifth of a clean small file's cost).
    func directory(of path: String) -> String {
        // By bytes (`/` and `.` are ASCII): a `Character` search from the end cost more than the rest of the lookup.
        let u = path.utf8
        let slash = u.lastIndex(of: 0x2F)
        let nameStart = slash.map { u.index(after: $0) } ?? u.startIndex
        func compute() -> String { URL(fileURLWithPath: path).deletingLastPathComponent().standardizedFileURL.path }
        // `.`, `..` or an empty last component: the folder is not simply what precedes it.
        let name = u[nameStart...]
        guard !name.isEmpty, !name.elementsEqual([0x2E]), !name.elementsEqual([0x2E, 0x2E]) else { return compute() }
        let folder = path[..<nameStart]          // with its slash: `/x.txt` and `x.txt` differ
        lock.lock()
        // The files of a folder come one after another: the last folder asked for is compared first (bytes, no hash).
        if let (f, d) = lastDirectory, f.utf8.elementsEqual(folder.utf8) { lock.unlock(); return d }
        if let d = directoryByFolder[folder] { lastDirectory = (String(folder), d); lock.unlock(); return d }
        lock.unlock()
        let d = compute()
        lock.lock(); directoryByFolder[folder] = d; lastDirectory = (String(folder), d); lock.unlock()
        return d
    }
    private var lastDirectory: (folder: String, directory: String)?

    /// The rules of `path` (in `dir`), and whether its folder's configuration has no overrides.
    private func resolveLinter(for path: String, directory dir: String) throws -> (ResolvedRules, plain: Bool) {
        let config = try self.config(forDirectory: dir)
        let plain = config.overrides.isEmpty
        let overrides = config.matchingOverrides(path)
        let key = (config.file ?? "<defaults>") + "#" + overrides.map(String.init).joined(separator: ",")
        lock.lock()
        if let v = ruleSets[key] { lock.unlock(); return (v, plain) }
        if let e = ruleSetFailures[key] { lock.unlock(); throw e }
        lock.unlock()
        do {
            var cat = try catalog
            if !config.rulePaths.isEmpty {
                let ck = config.rulePaths.joined(separator: "\n")
                lock.lock(); let cached = houseCatalogs[ck]; lock.unlock()
                if let cached { cat = cached } else {
                    var errors = ConfigErrorCollector()
                    for p in config.rulePaths { errors.run { try cat.addFolder(p) } }
                    try errors.throwIfAny()
                    lock.lock(); houseCatalogs[ck] = cat; lock.unlock()
                }
            }
            var effective = config
            if archiveLocation(config) != nil { effective.rules.insert(Config.archiveRuleEntry, at: 0) }
            var set = try RuleSet.build(config: effective, catalog: cat, overrides: overrides)
            if let only = options.onlyKind { set.rules = set.rules.filter { $0.kind == only } }
            var linter = Linter(set)
            linter.names.date = options.date
            let v = ResolvedRules(set: set, linter: linter, archive: archiveLocation(config))
            lock.lock(); ruleSets[key] = v; lock.unlock()
            return (v, plain)
        } catch {
            lock.lock(); ruleSetFailures[key] = error; lock.unlock()
            throw error
        }
    }

    public var builtInCatalog: RuleCatalog { get throws { try catalog } }

    // MARK: files

    /// Expands paths into files. Directories are walked (hidden folders, `.build*` and `node_modules` skipped;
    /// symbolic links to folders are not followed, so a link loop cannot trap the walk), keeping regular files with
    /// a draft extension that their configuration admits. Paths that do not exist, folders that cannot be read and
    /// draft files that cannot be opened by name become error reports; named pipes, sockets and devices found by
    /// the walk are skipped with a notice. A configuration that fails to load does not stop the walk: its files
    /// are listed, and `linter(for:)` reports the error.
    public func discover(_ paths: [String]) throws -> (files: [String], missing: [FileReport]) {
        var files: [String] = []
        var missing: [FileReport] = []
        for p in paths {
            var st = stat()
            if stat(p, &st) != 0 {
                let err = errno
                var lst = stat()
                let why: String
                if p.unicodeScalars.contains("\u{FFFD}") {
                    why = "no such file or directory (the name is not valid UTF-8, which copydesk cannot open; rename the file)"
                } else if err == ELOOP {
                    why = "symbolic link loop"
                } else if lstat(p, &lst) == 0 && (lst.st_mode & S_IFMT) == S_IFLNK {
                    why = "broken symbolic link"
                } else if err == ENOENT || err == ENOTDIR {
                    why = "no such file or directory"
                } else {
                    why = String(cString: strerror(err))
                }
                missing.append(FileReport(path: p, source: nil, diagnostics: [], error: why))
                continue
            }
            guard (st.st_mode & S_IFMT) == S_IFDIR else { files.append(p); continue }
            let display = p.count > 1 && p.hasSuffix("/") ? String(p.dropLast()) : p
            var found: [String] = []
            var reports: [FileReport] = []
            var visited: Set<[UInt64]> = [[UInt64(st.st_dev), UInt64(st.st_ino)]]
            let root = URL(fileURLWithPath: p).standardizedFileURL.path
            walk(directory: root, display: display, found: &found, reports: &reports, visited: &visited,
                 ignores: options.ignoreFiles ? IgnoreStack(root: root) : nil)
            files.append(contentsOf: found.sorted())
            missing.append(contentsOf: reports.sorted { $0.path < $1.path })
        }
        return (files, missing)
    }

    /// One folder of a walk, read with `opendir`/`readdir` (names as bytes: a name that is not UTF-8 is reported,
    /// escaped, instead of being mangled).
    private func walk(directory abs: String, display: String, found: inout [String], reports: inout [FileReport],
                      visited: inout Set<[UInt64]>, ignores: IgnoreStack?) {
        var ignores = ignores
        ignores?.enter(abs)
        guard let dir = opendir(abs) else {
            reports.append(FileReport(path: display, source: nil, diagnostics: [],
                                      error: "cannot read folder: \(String(cString: strerror(errno)))"))
            return
        }
        var entries: [([UInt8], UInt8)] = []
        while let e = readdir(dir) {
            let name: [UInt8] = withUnsafeBytes(of: e.pointee.d_name) { raw in
                let b = raw.bindMemory(to: UInt8.self)
                return Array(b[..<(b.firstIndex(of: 0) ?? b.count)])
            }
            if name == [0x2E] || name == [0x2E, 0x2E] { continue }
            entries.append((name, e.pointee.d_type))
        }
        closedir(dir)
        let sep = display.hasSuffix("/") ? "" : "/"
        let absSep = abs.hasSuffix("/") ? "" : "/"
        // The folder's configuration, looked up once for all its files.
        var folderConfig: Config?? = nil
        func admits(_ childAbs: String) -> Bool {
            if folderConfig == nil { folderConfig = .some(try? config(forDirectory: abs)) }
            return folderConfig!?.admits(childAbs) ?? true
        }
        for (nameBytes, type) in entries {
            guard let name = String(validating: nameBytes, as: UTF8.self) else {
                // Not UTF-8: cannot be named as a Swift string, so it cannot be opened or reported as is.
                let shown = display + sep + escapedFileName(nameBytes)
                var st = stat()
                let bytePath = Array(abs.utf8) + (absSep.isEmpty ? [] : [0x2F]) + nameBytes + [0]
                let isDir = bytePath.withUnsafeBufferPointer { p in
                    p.withMemoryRebound(to: CChar.self) { lstat($0.baseAddress!, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR }
                }
                if isDir {
                    if nameBytes.first != 0x2E {
                        reports.append(FileReport(path: shown, source: nil, diagnostics: [],
                                                  error: "folder name is not valid UTF-8; not walked (rename it)"))
                    }
                } else if options.extensions.contains(escapedFileName(nameBytes).pathExtensionLowercased) {
                    reports.append(FileReport(path: shown, source: nil, diagnostics: [],
                                              error: "file name is not valid UTF-8; cannot be linted (rename it)"))
                }
                continue
            }
            let childAbs = abs + absSep + name
            let childDisplay = display + sep + name
            if type == UInt8(DT_REG) {
                // A regular file, as the folder listing says: no `lstat` (one system call per file of a large batch).
                guard options.extensions.contains(name.pathExtensionLowercased) else { continue }
                if let ignores, ignores.ignores(childAbs, isDirectory: false) { continue }
                if admits(childAbs) { found.append(childDisplay) }
                continue
            }
            var lst = stat()
            guard lstat(childAbs, &lst) == 0 else { continue }   // removed while the folder was read
            let kind = lst.st_mode & S_IFMT
            if kind == S_IFDIR {
                if name.hasPrefix(".") || name == "node_modules" { continue }
                if let ignores, ignores.ignores(childAbs, isDirectory: true) { continue }
                guard visited.insert([UInt64(lst.st_dev), UInt64(lst.st_ino)]).inserted else { continue }
                walk(directory: childAbs, display: childDisplay, found: &found, reports: &reports, visited: &visited,
                     ignores: ignores)
                continue
            }
            guard options.extensions.contains(name.pathExtensionLowercased) else { continue }
            if let ignores, ignores.ignores(childAbs, isDirectory: false) { continue }
            var target = lst
            if kind == S_IFLNK {
                if stat(childAbs, &target) != 0 {
                    let why = errno == ELOOP ? "symbolic link loop" : "broken symbolic link"
                    reports.append(FileReport(path: childDisplay, source: nil, diagnostics: [], error: "cannot read: \(why)"))
                    continue
                }
                if (target.st_mode & S_IFMT) == S_IFDIR { continue }   // links to folders are not followed
            }
            let targetKind = target.st_mode & S_IFMT
            if targetKind != S_IFREG {
                let what = targetKind == S_IFIFO ? "a named pipe" : targetKind == S_IFSOCK ? "a socket" : "a device"
                reports.append(FileReport(path: childDisplay, inputError: .notRegular(what)))
                continue
            }
            if admits(childAbs) { found.append(childDisplay) }
        }
    }

    /// Reads a file's bytes, refusing what is not a draft. Opened once and checked through the descriptor, so a
    /// file that is removed or replaced meanwhile gives a clear error, never a crash.
    public func read(_ path: String) -> Result<[UInt8], InputError> {
        var stamp: FileStamp? = nil
        return read(path, stamped: false, stamp: &stamp)
    }

    /// Files at least this large are read in two halves side by side (`read`).
    static let halvedReadSize = 4 << 20

    /// Starts reading the file `path` on another thread, as `run(files:write:…)` would read it (`write`: stamped,
    /// with room to grow). For a run of one large file, while the command still resolves its configuration: that
    /// waits for the built-in rules, which are built on one core (`Copydesk.prewarm`), and the read (the pages of
    /// 25 MB mapped in and filled, and hashed for the writer's check) took the other core's idle time instead of
    /// coming after. Files below 1 MB are read as they come.
    public func readAhead(_ path: String, write: Bool) {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_size >= 1 << 20,
              Int(st.st_size) <= options.maxFileSize, path.pathExtensionLowercased != "docx" else { return }
        let stamped = write || options.fixMode == .diff
        let e = EarlyRead(path: path, stamped: stamped)
        lock.withLock { early = e }
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            var stamp: FileStamp? = nil
            let result = read(path, stamped: stamped, stamp: &stamp)
            e.finish(result, stamp)
        }
    }

    /// Builds the fixer's split of `path`'s linter (`Linter.fixSplit`) on another core, for a run that fixes it: the
    /// fixer asks for it once the document is built, and building it (two linters, their merged scanners and
    /// phrase automaton: 1.5 ms on a large rule set) was a step of one core, with the other idle, before the first
    /// lint. Whoever asks first builds it; the other waits for it (`FixSplitCache`).
    public func prewarmFixSplit(for path: String) {
        guard options.fixMode != .report, let (_, linter) = try? linter(for: path) else { return }
        let unsafe = options.unsafeFixes
        DispatchQueue.global(qos: .userInitiated).async { _ = linter.fixSplit(allowUnsafe: unsafe) }
    }

    /// The bytes `readAhead` read of `path`, when it read that file that way (waiting for the read to end), once.
    private func takeEarlyRead(_ path: String, stamped: Bool) -> (Result<[UInt8], InputError>, FileStamp?)? {
        let e: EarlyRead? = lock.withLock {
            guard let e = early, e.path == path, e.stamped == stamped else { return nil }
            early = nil
            return e
        }
        return e?.wait()
    }

    /// Waits until the read started ahead (if any) is done, leaving its result for the run (tests).
    func awaitReadAhead() { lock.withLock { early }?.awaitDone() }

    /// Reads a file's bytes and, with `stamped`, sets `stamp` to what the file was when read (for the writer's
    /// changed-on-disk check: identity, size and mtime from the descriptor the bytes came through, and a hash of
    /// the bytes).
    /// `prefetch`: the batch's read-ahead and this file's index in it (see `Prefetcher`).
    func read(_ path: String, stamped: Bool, stamp: inout FileStamp?, prefetch: (Prefetcher, Int)? = nil) -> Result<[UInt8], InputError> {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            let err = errno
            switch err {
            case ENOENT: return .failure(.unreadable("no such file (was it removed during the run?)"))
            case ELOOP: return .failure(.unreadable("symbolic link loop"))
            case EACCES: return .failure(.unreadable("permission denied"))
            default: return .failure(.unreadable(String(cString: strerror(err))))
            }
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return .failure(.unreadable(String(cString: strerror(errno)))) }
        if (st.st_mode & S_IFMT) == S_IFDIR { return .failure(.unreadable("is a directory")) }
        let regular = (st.st_mode & S_IFMT) == S_IFREG
        let size = regular ? Int(st.st_size) : 0
        if size > options.maxFileSize { return .failure(.tooLarge(size, limit: options.maxFileSize)) }
        // Read straight into one byte array (no intermediate Data copy), its memory not filled first: a regular
        // file comes in one read and a small read finds its end. Pipes have no size (and a file may grow): then
        // the loop below reads on, checking the limit as it goes.
        // A file to fix gets room to grow (pages never written are never mapped in): the fixer's second pass writes
        // the text into this buffer, and a fixed text is mostly a little longer (`,` → `，`).
        var capacity = max(4096, size + 1 + (stamped ? size / 32 : 0))
        var failed: Int32 = 0
        // Whether the first read asked for more than it got (then it ended at the end of the file).
        var sawEnd = true
        var bytes = [UInt8](unsafeUninitializedCapacity: capacity) { p, count in
            var r = -1
            var filled = false   // read already: from the cache, or in halves
            if regular, let (prefetcher, index) = prefetch {
                // A batch: what the cache holds, without waiting; a file on disk starts the read-ahead.
                var cold = false
                if let n = Prefetcher.readCached(fd, p.baseAddress!, capacity, cold: &cold) { r = n; filled = true }
                if cold { prefetcher.cold(at: index) }
            }
            if !filled && regular && size >= Runner.halvedReadSize && Parallel.cores > 1 {
                // A large file in two halves side by side, each mapped in and read by its own core (one core
                // cleared the pages and copied 25 MB while the other waited: 18 ms, the longest serial step of
                // `lint --fix` of a large page after start-up). Then the offset is set where one read would have
                // left it, and the end of the file is found by the read below.
                let half = size / 2
                let got = Parallel.map(2) { h -> Int in
                    let from = h == 0 ? 0 : half, length = h == 0 ? half : size - half
                    FreshMemory.populate(UnsafeMutableRawPointer(p.baseAddress! + from), count: length)
                    var done = 0
                    while done < length {
                        let n = pread(fd, p.baseAddress! + from + done, length - done, off_t(from + done))
                        if n < 0 { if errno == EINTR { continue }; return -Int(errno) }
                        if n == 0 { break }
                        done += n
                    }
                    return done
                }
                if got[0] < 0 || got[1] < 0 { failed = Int32(-min(got[0], got[1])); count = 0; return }
                // A file that shrank meanwhile: only what the first half read up to its end counts.
                r = got[0] < half ? got[0] : half + got[1]
                if lseek(fd, off_t(r), SEEK_SET) < 0 { failed = errno; count = 0; return }
                sawEnd = false
                filled = true
            }
            if !filled {
                // A large file's pages mapped in at once, not faulted in one by one as the read fills them.
                if regular { FreshMemory.populate(UnsafeMutableRawPointer(p.baseAddress!), count: size) }
                repeat { r = Foundation.read(fd, p.baseAddress!, capacity) } while r < 0 && errno == EINTR
            }
            if r < 0 { failed = errno; count = 0 } else { count = r }
        }
        if failed != 0 { return .failure(.unreadable(String(cString: strerror(failed)))) }
        if bytes.count > options.maxFileSize { return .failure(.tooLarge(bytes.count, limit: options.maxFileSize)) }
        // A regular file that came whole in the first read (its size as `fstat` gave it, less than asked for): that
        // read ended at the end of the file, so no second read to find it (one system call per file of a batch).
        if sawEnd && regular && size > 0 && bytes.count == size && size < capacity {
            if stamped { stamp = FileStamp.of(fd: fd, bytes: bytes) }
            return .success(bytes)
        }
        if bytes.count < capacity {
            let n = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 4096) { p -> Int in
                var r: Int
                repeat { r = Foundation.read(fd, p.baseAddress!, p.count) } while r < 0 && errno == EINTR
                if r < 0 { failed = errno } else if r > 0 { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: p[..<r])) }
                return r
            }
            if n < 0 { return .failure(.unreadable(String(cString: strerror(failed)))) }
            if n == 0 {
                if stamped { stamp = FileStamp.of(fd: fd, bytes: bytes) }
                return .success(bytes)
            }
        }
        if bytes.count >= capacity { capacity = bytes.count * 2 }
        while true {
            var failed: Int32 = 0
            let before = bytes.count
            bytes.reserveCapacity(capacity)
            bytes.append(contentsOf: repeatElement(0, count: capacity - before))
            let n = bytes.withUnsafeMutableBufferPointer { p -> Int in
                var r: Int
                repeat { r = Foundation.read(fd, p.baseAddress! + before, capacity - before) } while r < 0 && errno == EINTR
                if r < 0 { failed = errno }
                return r
            }
            if n < 0 { return .failure(.unreadable(String(cString: strerror(failed)))) }
            bytes.removeLast(capacity - before - n)
            if n == 0 { break }
            if bytes.count > options.maxFileSize { return .failure(.tooLarge(bytes.count, limit: options.maxFileSize)) }
            if bytes.count == capacity { capacity *= 2 }
        }
        if stamped { stamp = FileStamp.of(fd: fd, bytes: bytes) }
        return .success(bytes)
    }

    /// Lints (and, per `fixMode`, fixes) one file's bytes. `displayPath` is what reports show; `configPath` is
    /// where configuration lookup starts (for standard input: `--stdin-filename`).
    /// `bytes` is taken over: when fixing, the original text is let go as soon as the fixer no longer needs it
    /// (memory: twice a large file, not three times).
    /// `mode` overrides the run's fix mode for this file (a read-only file under `--fix` is only reported).
    /// `cache`: what the checks worked out (the duplicate rules' units), when the caller wants it (report mode).
    /// `fixedEarly`, when given, is told the bytes to write (as returned in `fixed`) as soon as they are known, before
    /// the rules without a fix run for the report, and for a large text already as tentative before the fixer's last
    /// re-lint (`FixApplier.FixedText`; `Runner.run` writes the file meanwhile).
    public func process(bytes: consuming [UInt8], displayPath: String, lookupPath: String, mode: FixMode? = nil,
                        cache: CheckCache? = nil, fixedEarly: ((FixApplier.FixedText) -> Void)? = nil) -> (FileReport, fixed: [UInt8]?) {
        let source: SourceText
        // `consume`: the text's one reference is then the source's, so that the fixer's second pass can write into
        // the original's buffer (a second reference made it allocate and page in 25 MB afresh).
        do { source = try SourceText(validating: consume bytes) } catch {
            return (FileReport(path: displayPath, inputError: error), nil)
        }
        return process(source: consume source, displayPath: displayPath, lookupPath: lookupPath, mode: mode, cache: cache,
                       fixedEarly: fixedEarly)
    }

    /// As `process(bytes:…)`, on a text already decoded (`--fix -` checks standard input first, then lets its bytes go).
    /// `unchanged: true`: `fixed` holds the file's bytes even when no fix changed them.
    public func process(source text: consuming SourceText, displayPath: String, lookupPath: String, mode: FixMode? = nil,
                        cache: CheckCache? = nil, unchanged: Bool = false, fixedEarly: ((FixApplier.FixedText) -> Void)? = nil) -> (FileReport, fixed: [UInt8]?) {
        let fixMode = mode ?? options.fixMode
        let source = consume text
        let rules: ResolvedRules
        do { rules = try resolved(for: lookupPath) } catch {   // not `linter(for:)`: no copy of the rule set per file
            return (FileReport(path: displayPath, source: nil, diagnostics: [], error: "\(error)"), nil)
        }
        let checkCache = cache ?? CheckCache()
        // The archive found with the rule set (no look-up of the folder's configuration per file).
        if let loc = rules.archive {
            switch archives.store(loc) {
            case .success(let a): checkCache.archive = a
            case .failure(let e): return (FileReport(path: displayPath, source: nil, diagnostics: [], error: e.description), nil)
            }
        }
        if fixMode == .report {
            // The rule set's linter read in place (a copy of it retained each of its tables, per file).
            let doc = rules.document(path: lookupPath, source: source)
            return (FileReport(path: displayPath, source: source, diagnostics: rules.lint(doc, cache: checkCache)), nil)
        }
        let linter = rules.linter
        let hasBOM = source.hasBOM, encoding = source.encoding
        let original: SourceText? = fixMode == .diff ? source : nil
        let early = fixedEarly.map { hook in
            { (t: FixApplier.FixedText) in
                switch t {
                case .tentative(let b): hook(.tentative(SourceText.fileBytes(b, hasBOM: hasBOM, encoding: encoding)))
                case .final(let b): hook(.final(SourceText.fileBytes(b, hasBOM: hasBOM, encoding: encoding)))
                case .confirmed: hook(.confirmed)
                }
            }
        }
        let outcome = FixApplier.fix(consume source, path: lookupPath, linter: linter, allowUnsafe: options.unsafeFixes, fixed: early)
        let fixedSource = outcome.source.flatMap { $0.bytes.count == outcome.bytes.count && $0.hasBOM == hasBOM ? $0 : nil }
            ?? SourceText(trusted: outcome.bytes, hasBOM: hasBOM)
        var remaining = outcome.remaining   // the fixer's last pass already linted the fixed text
        for id in outcome.unconverged {
            remaining.append(Diagnostic(ruleID: id, severity: .error,
                                        message: "修复在 \(FixApplier.maxPasses) 轮后仍未收敛（规则 \(id) 的修复互相冲突），请报告此问题",
                                        range: 0..<0, fix: nil))
        }
        // The fixer lints without the archive (one lookup per pass would be wasted: archive rules have no fix), so
        // the archive rules run once on the fixed text and their findings join what remains.
        if checkCache.archive != nil, original == nil {
            var archiveOnly = Linter(rules: linter.rules.filter { $0.kind == "published" }, unusedDisable: nil, knownIDs: linter.knownIDs)
            archiveOnly.vocabulary = linter.vocabulary
            archiveOnly.names = linter.names
            let found = archiveOnly.lint(Document(path: lookupPath, source: fixedSource, vocabulary: linter.vocabulary), cache: checkCache)
            if !found.isEmpty {
                remaining = (remaining + found).enumerated().sorted {
                    ($0.element.range.lowerBound, $0.offset) < ($1.element.range.lowerBound, $1.offset)
                }.map(\.element)
            }
        }
        var report = FileReport(path: displayPath, source: fixedSource, diagnostics: remaining)
        report.fixed = outcome.applied
        if let original {
            report.source = original
            report.diagnostics = linter.lint(Document(path: lookupPath, source: original, vocabulary: linter.vocabulary), cache: checkCache)
        }
        // Without a BOM the fixed bytes are shared with the report's source (no second copy of a large file).
        // A UTF-16 draft is written back in UTF-16 (same byte order and BOM).
        return (report, outcome.changed || unchanged ? SourceText.fileBytes(outcome.bytes, hasBOM: hasBOM, encoding: encoding) : nil)
    }

    /// `--diff` of a file on disk, in the least memory: the original is linted first (its findings are what `--diff`
    /// counts; `linted` is handed the report then, to count and drop them), then the fixer takes the text over
    /// (writing into its buffer), and the original comes back from the disk for the diff, checked against `stamp`
    /// (a file changed meanwhile is an error, not a wrong diff). Before, the original was held beside the fixer:
    /// 116 MB for the 25 MB page.
    func processDiff(bytes: consuming [UInt8], path: String, stamp: FileStamp?, cache: CheckCache,
                     linted: (inout FileReport) -> Void) -> FileResult {
        let source: SourceText
        do { source = try SourceText(validating: consume bytes) } catch {
            return (FileReport(path: path, inputError: error), nil, nil)
        }
        var (report, _) = process(source: source, displayPath: path, lookupPath: path, mode: .report, cache: cache)
        guard report.error == nil, let linter = try? resolved(for: path).linter else { return (report, nil, nil) }
        linted(&report)
        report.source = nil   // the fixer's text is then the source's one reference
        let hasBOM = source.hasBOM, encoding = source.encoding
        let outcome = FixApplier.fix(consume source, path: path, linter: linter, allowUnsafe: options.unsafeFixes, remaining: false)
        report.fixed = outcome.applied
        guard outcome.changed else {
            if !report.diagnostics.isEmpty { report.source = SourceText(trusted: outcome.bytes, hasBOM: hasBOM, encoding: encoding) }
            return (report, nil, nil)
        }
        let fixed = SourceText.fileBytes(outcome.bytes, hasBOM: hasBOM, encoding: encoding)
        var again: FileStamp? = nil
        guard case .success(let original) = read(path, stamped: true, stamp: &again), again != nil, again == stamp else {
            report.error = "the file changed while it was linted; run again for its diff"
            report.diagnostics = []
            report.fixed = [:]
            return (report, nil, nil)
        }
        if !report.diagnostics.isEmpty { report.source = try? SourceText(validating: original) }
        return (report, original, fixed)
    }

    public typealias FileResult = (FileReport, original: [UInt8]?, fixed: [UInt8]?)

    /// Lints files in parallel; results come back in input order.
    public func run(files: [String], write: Bool) -> [FileResult] {
        var out: [FileResult] = []
        run(files: files, write: write) { out.append($0) }
        return out
    }

    /// Lints files in parallel and hands each result to `emit` in input order as soon as it and all before it are
    /// done, then forgets it: memory does not grow with the number of files. `emit` is called under a lock,
    /// one result at a time.
    /// When writing, a file named twice (the same path, a symbolic link to it or another hard link) is processed
    /// once, under its first name: two workers must not fix the same file at once.
    /// `prepare`, when given, is called on each file's report in the worker that linted it, before the report
    /// waits for its turn (the CLI renders small files' reports there, on every core, instead of under the lock).
    public func run(files: [String], write: Bool, prepare: ((inout FileReport) -> Void)? = nil, emit: (FileResult) -> Void) {
        let files = write ? Self.distinctFiles(files) : files
        let box = ResultBox<FileResult>(count: files.count)
        let batch = files.count + (standardInput == nil ? 0 : 1) >= 2 ? BatchDuplicates(count: files.count + 1) : nil
        self.batch = batch
        if let batch { addStandardInput(at: files.count, into: batch) }
        let prepare = prepare.map { UncheckedClosure($0) }   // it must be safe to call from every worker
        // Read-ahead for a folder whose files are not in the page cache (nothing is done while they are).
        let prefetcher = files.count >= Prefetcher.minFiles ? Prefetcher(files: files) : nil
        defer { prefetcher?.stop() }
        // The folders of the files written, flushed once each when the run is done.
        let folders = write ? FolderFlush() : nil
        defer { folders?.flush() }
        withoutActuallyEscaping(emit) { emit in
        let emitter = OrderedEmitter(box: box, emit: emit)
        DispatchQueue.concurrentPerform(iterations: files.count) { i in
            let path = files[i]
            prefetcher?.begin(i)
            // Word files: their own reader and writer (Word/WordLint.swift).
            if path.pathExtensionLowercased == "docx" { box[i] = processWordFile(path, write: write); emitter.ready(); return }
            var stamp: FileStamp? = nil
            let diff = options.fixMode == .diff
            let got: Result<[UInt8], InputError>
            if let (r, st) = takeEarlyRead(path, stamped: write || diff) { got = r; stamp = st } else {
                got = read(path, stamped: write || diff, stamp: &stamp, prefetch: prefetcher.map { ($0, i) })
            }
            switch consume got {
            case .failure(let e):
                box[i] = (FileReport(path: path, inputError: e), nil, nil)
            case .success(let bytes) where diff:
                let cache = CheckCache()
                cache.keepsUnits = batch != nil
                let countsOnly = options.diffCountsOnly
                var result = processDiff(bytes: bytes, path: path, stamp: stamp, cache: cache) { report in
                    if let batch { self.fingerprint(&report, index: i, path: path, cache: cache, into: batch) }
                    if countsOnly { report.tallyAndDrop() }
                }
                prepare?.body(&result.0)
                box[i] = result
            case .success(let bytes):
                // The original bytes are kept only for a file that may not be rewritten (to report its own findings
                // when it needs fixes); otherwise `process` takes them over.
                let refusal = write ? AtomicWriter.refusal(path: path) : nil
                let unwritable = refusal != nil ? bytes : nil
                let cache = CheckCache()
                cache.keepsUnits = batch != nil   // the cross-file pass fingerprints the lint's units
                // A file that may be written is written as soon as its fixed text is known, while the rules without
                // a fix read that text for the report (on a 25 MB page: a tenth of a second of the system's time
                // copying into new file pages, and the flushes, beside the last checks instead of after them).
                // A run's one file: its writer flushes the folder after the rename, while the report is written.
                let early = write && refusal == nil ? EarlyWrite(path: path, stamp: stamp, folders: folders, flushesFolder: files.count == 1) : nil
                var (report, fixed) = process(bytes: consume bytes, displayPath: path, lookupPath: path, cache: cache,
                                              fixedEarly: early.map { e in { e.take($0) } })
                if write, fixed != nil, let refusal, let unwritable {
                    // Read-only (or not writable): nothing is written; the findings are those of the file as it is.
                    report = process(bytes: unwritable, displayPath: path, lookupPath: path, mode: .report).0
                    report.error = refusal.description
                    report.notWritten = true
                } else if write, let fixed {
                    // While the file is written, its report is rendered (a large page's report: beside the last
                    // megabytes going to the disk, not after them). Not in a batch (the cross-file pass comes first).
                    if early != nil, batch == nil, let prepare {
                        report.beingWritten = true
                        prepare.body(&report)
                        report.beingWritten = false
                    }
                    let written = early?.finish() ?? Result { () throws(WriteRefusal) in
                        try AtomicWriter.replace(path: path, with: fixed, expecting: stamp, folders: folders)
                    }
                    do throws(WriteRefusal) { _ = try written.get() } catch {
                        // Nothing of the fix reached the file: no fixes to count, and the findings of a text that is
                        // not on disk would only mislead.
                        report.error = error.description
                        report.notWritten = true
                        report.fixed = [:]
                        report.diagnostics = []
                        report.source = nil
                        report.rendered = []
                    }
                }
                if let batch { fingerprint(&report, index: i, path: path, cache: cache, into: batch) }
                // Keep only what the report needs: the source for positions when there are findings. Memory then does
                // not grow with the number of clean files.
                if report.diagnostics.isEmpty { report.source = nil }
                if report.rendered.isEmpty { prepare?.body(&report) }
                box[i] = (report, nil, nil)
            }
            emitter.ready()
        }
        }
    }
}

extension Runner {
    /// `files` without those that are the same file (device and inode, through links) as an earlier one.
    static func distinctFiles(_ files: [String]) -> [String] {
        var seen = Set<[UInt64]>()
        return files.filter { path in
            var st = stat()
            guard stat(path, &st) == 0 else { return true }   // reported by the reader
            return seen.insert([UInt64(st.st_dev), UInt64(st.st_ino)]).inserted
        }
    }
}

/// A rule set and its linter, resolved once for all the files with the same configuration and overrides.
final class ResolvedRules: @unchecked Sendable {
    let set: RuleSet
    let linter: Linter
    /// The archive its files are compared with (`--archive` or the configuration's `archive:`), if any.
    let archive: ArchiveLocation?
    private let lock = NSLock()
    private var fileRulesDone = false
    private var fileRulesValue: BatchDuplicates.FileRules?
    init(set: RuleSet, linter: Linter, archive: ArchiveLocation?) { self.set = set; self.linter = linter; self.archive = archive }

    /// The document of `source` with this rule set's vocabulary, and its findings, the linter read in place (from
    /// outside, `rules.linter.vocabulary` and `rules.linter.lint` each copied the whole linter first: a retain of
    /// each of its tables, per file).
    func document(path: String, source: SourceText) -> Document {
        Document(path: path, source: source, vocabulary: linter.vocabulary)
    }

    func lint(_ doc: Document, cache: CheckCache) -> [Diagnostic] { linter.lint(doc, cache: cache) }

    /// What the cross-file duplicate pass needs of the rule set (nil: no cross-file rules), worked out on first use
    /// and then shared (it was worked out again for every file).
    var fileRules: BatchDuplicates.FileRules? {
        lock.lock(); defer { lock.unlock() }
        if !fileRulesDone { fileRulesValue = BatchDuplicates.FileRules(linter); fileRulesDone = true }
        return fileRulesValue
    }
}

/// A file written on another thread while its worker goes on (`Runner.run`), from the fixer's events
/// (`FixApplier.FixedText`, through `take`): a final text is written and committed; a tentative one is written (the
/// temporary file, flushed and read back) and committed only once confirmed; a later text drops the earlier
/// attempt, which removes its temporary file without touching the target. `finish` waits for every attempt to end
/// and gives the last one's result (nil when nothing was started, or the last text was never confirmed: then the
/// caller writes it).
final class EarlyWrite: @unchecked Sendable {
    private let path: String
    private let stamp: FileStamp?
    private let folders: FolderFlush?
    private let flushesFolder: Bool
    private let cond = NSCondition()
    /// The number of the latest attempt (0: none yet); an attempt may commit only while it is the latest.
    private var latest = 0
    /// Whether the latest attempt may replace the file: nil while its text is tentative.
    private var mayCommit: Bool?
    /// The latest attempt's result, once it ended.
    private var result: Result<AtomicWriter.Method, WriteRefusal>?
    /// Attempts still writing or removing their temporary file (a dropped one too: `finish` waits for them all, so
    /// that none is left behind when the run ends).
    private var running = 0
    /// `flushesFolder`: after its rename, the writer flushes the folders recorded in `folders` (the run's one file)
    /// instead of leaving them to the end of the run.
    init(path: String, stamp: FileStamp?, folders: FolderFlush?, flushesFolder: Bool = false) {
        self.path = path; self.stamp = stamp; self.folders = folders; self.flushesFolder = flushesFolder
    }

    func take(_ text: FixApplier.FixedText) {
        switch text {
        case .tentative(let bytes): start(bytes, commit: nil)
        case .final(let bytes): start(bytes, commit: true)
        case .confirmed:
            cond.lock()
            if latest > 0 && mayCommit == nil { mayCommit = true; cond.broadcast() }
            cond.unlock()
        }
    }

    /// Starts an attempt writing `bytes`; `commit` nil: wait for a verdict before the rename.
    private func start(_ bytes: [UInt8], commit: Bool?) {
        cond.lock()
        latest += 1
        let me = latest
        mayCommit = commit
        result = nil
        running += 1
        cond.broadcast()   // an earlier attempt waiting for its verdict: dropped
        cond.unlock()
        DispatchQueue.global().async { [self] in
            let r = Result { () throws(WriteRefusal) in
                try AtomicWriter.replace(path: path, with: bytes, expecting: stamp, beforeCommit: AtomicWriter.environmentHook,
                                         folders: folders, proceed: { self.verdict(me) })
            }
            cond.lock()
            let current = me == latest
            if current { result = r }
            running -= 1
            cond.broadcast()
            cond.unlock()
            if current, flushesFolder, case .success = r { folders?.flushPending() }
        }
    }

    /// Whether attempt `me` may commit, waiting while its text is tentative and it is the latest.
    private func verdict(_ me: Int) -> Bool {
        cond.lock(); defer { cond.unlock() }
        waiting += 1
        while me == latest && mayCommit == nil { cond.wait() }
        waiting -= 1
        return me == latest && mayCommit == true
    }

    /// Attempts written and waiting for their verdict (tests).
    private var waiting = 0
    var waitingForVerdict: Int { cond.lock(); defer { cond.unlock() }; return waiting }

    func finish() -> Result<AtomicWriter.Method, WriteRefusal>? {
        cond.lock(); defer { cond.unlock() }
        guard latest > 0 else { return nil }
        // Never confirmed (the fixer ended otherwise): dropped; the caller writes the text it got.
        let dropped = mayCommit != true
        if mayCommit == nil { mayCommit = false; cond.broadcast() }
        while result == nil || running > 0 { cond.wait() }
        return dropped ? nil : result
    }
}

/// A closure the caller promises may be called from several threads at once (`Runner.run(prepare:)`).
final class UncheckedClosure<T>: @unchecked Sendable {
    let body: (inout T) -> Void
    init(_ body: @escaping (inout T) -> Void) { self.body = body }
}

/// Emits finished slots of a `ResultBox` in index order and clears them, one thread at a time. A worker that
/// finishes while another emits leaves its result to that one and goes on to its next file, unless more than
/// `backlog` finished results wait: then it waits too, which keeps finished reports from piling up when the output
/// is slower than the lint (memory does not grow with the number of files). Before, every worker that finished
/// while another wrote waited for the whole write (on the 7,135 article files, one core idle while 95 MB of text
/// report went out).
final class OrderedEmitter<T>: @unchecked Sendable {
    private let box: ResultBox<T>
    private let emit: (T) -> Void
    private var next = 0            // the emitting thread's alone
    private let cond = NSCondition()
    private var emitting = false
    private var pending = false     // a result was announced since the emitter last looked
    private var waiting = 0         // results announced and not yet emitted (about: one emitted early counts later)
    private let backlog: Int
    init(box: ResultBox<T>, emit: @escaping (T) -> Void, backlog: Int = 2 * ProcessInfo.processInfo.activeProcessorCount + 2) {
        self.box = box; self.emit = emit; self.backlog = backlog
    }

    /// Called by a worker after storing its result in the box.
    func ready() {
        cond.lock()
        waiting += 1
        pending = true
        while emitting && waiting > backlog { cond.wait() }
        if emitting { cond.unlock(); return }   // the emitting thread looks again before it stops
        emitting = true
        while pending {
            pending = false
            cond.unlock()
            var n = 0
            while let v = box.take(next) {
                emit(v)
                next += 1
                n += 1
            }
            cond.lock()
            waiting -= n
            cond.broadcast()
        }
        emitting = false
        cond.broadcast()
        cond.unlock()
    }
}

/// Slots written by concurrent workers, one slot each (no two workers share an index).
final class ResultBox<T>: @unchecked Sendable {
    private var slots: [T?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    subscript(i: Int) -> T? {
        get { lock.lock(); defer { lock.unlock() }; return slots[i] }
        set { lock.lock(); slots[i] = newValue; lock.unlock() }
    }
    /// Removes and returns slot `i` if it is filled.
    func take(_ i: Int) -> T? {
        lock.lock(); defer { lock.unlock() }
        guard i < slots.count, let v = slots[i] else { return nil }
        slots[i] = nil
        return v
    }
}

extension String {
    /// The extension of a file name, lower-cased (`""` without one; a leading dot does not start one).
    var pathExtensionLowercased: String {
        // By bytes (`.` is ASCII): a `Character` search from the end was a visible part of a small file's cost.
        let u = utf8
        guard let dot = u.lastIndex(of: 0x2E), dot != u.startIndex else { return "" }
        return String(self[u.index(after: dot)...]).lowercased()
    }
}

/// A file name's bytes for display: valid UTF-8 as it is, every other byte as `\xHH`.
func escapedFileName(_ bytes: [UInt8]) -> String {
    var out = ""
    var rest = bytes[...]
    while !rest.isEmpty {
        let chunk = Array(rest)
        guard let bad = SourceText.firstInvalidUTF8(chunk) else { out += String(decoding: chunk, as: UTF8.self); break }
        out += String(decoding: chunk[..<bad], as: UTF8.self)
        out += "\\x" + (chunk[bad] < 16 ? "0" : "") + String(chunk[bad], radix: 16, uppercase: true)
        rest = rest.dropFirst(bad + 1)
    }
    return out
}

/// A read started ahead of the run (`Runner.readAhead`): its result, once there.
private final class EarlyRead: @unchecked Sendable {
    let path: String
    let stamped: Bool
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<[UInt8], InputError>?
    private var stamp: FileStamp?

    init(path: String, stamped: Bool) { self.path = path; self.stamped = stamped }

    func finish(_ r: Result<[UInt8], InputError>, _ s: FileStamp?) {
        result = r; stamp = s
        done.signal()
    }

    /// Waits for the read to end without taking its result.
    func awaitDone() { done.wait(); done.signal() }

    /// The result (the read's thread set it before signalling); its bytes are handed over, not kept here.
    func wait() -> (Result<[UInt8], InputError>, FileStamp?) {
        done.wait()
        let r = result!
        result = nil
        return (r, stamp)
    }
}
