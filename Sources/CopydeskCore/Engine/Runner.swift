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
        public var extensions: Set<String> = ["txt", "md", "markdown", "mdx", "text"]
        public init() {}
    }

    public let options: Options
    private let catalog: RuleCatalog
    private var configs: [String: Config] = [:]          // by directory
    private var ruleSets: [String: (RuleSet, Linter)] = [:]
    private var houseCatalogs: [String: RuleCatalog] = [:]
    private let lock = NSLock()

    public init(options: Options) throws {
        self.options = options
        catalog = try RuleCatalog.loadBuiltIn()
    }

    // MARK: configuration

    /// The configuration for a file in `directory`.
    public func config(forDirectory directory: String) throws -> Config {
        lock.lock(); defer { lock.unlock() }
        if let c = configs[directory] { return c }
        var c: Config
        if options.noConfig {
            c = Config.defaults(directory: FileManager.default.currentDirectoryPath)
        } else if let p = options.configPath {
            c = try Config.load(path: p)
        } else if let p = Config.discover(from: directory) {
            c = try Config.load(path: p)
        } else {
            c = Config.defaults(directory: FileManager.default.currentDirectoryPath)
        }
        if let s = options.style { c.style = s }
        configs[directory] = c
        return c
    }

    /// The rule set and linter for a file (configuration, house rules and matching overrides resolved).
    public func linter(for path: String) throws -> (RuleSet, Linter) {
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().standardizedFileURL.path
        let config = try self.config(forDirectory: dir)
        let overrides = config.matchingOverrides(path)
        let key = (config.file ?? "<defaults>") + "#" + overrides.map(String.init).joined(separator: ",")
        lock.lock()
        if let v = ruleSets[key] { lock.unlock(); return v }
        lock.unlock()
        var cat = catalog
        if !config.rulePaths.isEmpty {
            let ck = config.rulePaths.joined(separator: "\n")
            lock.lock(); let cached = houseCatalogs[ck]; lock.unlock()
            if let cached { cat = cached } else {
                for p in config.rulePaths { try cat.addFolder(p) }
                lock.lock(); houseCatalogs[ck] = cat; lock.unlock()
            }
        }
        let set = try RuleSet.build(config: config, catalog: cat, overrides: overrides)
        let v = (set, Linter(set))
        lock.lock(); ruleSets[key] = v; lock.unlock()
        return v
    }

    public var builtInCatalog: RuleCatalog { catalog }

    // MARK: files

    /// Expands paths into files. Directories are walked (hidden folders, `.build*` and `node_modules` skipped),
    /// keeping files with a draft extension that their configuration admits. Missing paths become error reports.
    public func discover(_ paths: [String]) throws -> (files: [String], missing: [FileReport]) {
        var files: [String] = []
        var missing: [FileReport] = []
        let fm = FileManager.default
        for p in paths {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: p, isDirectory: &isDir) else {
                missing.append(FileReport(path: p, source: nil, diagnostics: [], error: "no such file or directory"))
                continue
            }
            if !isDir.boolValue { files.append(p); continue }
            var found: [String] = []
            let base = URL(fileURLWithPath: p)
            guard let walker = fm.enumerator(at: base, includingPropertiesForKeys: [.isDirectoryKey, .isSymbolicLinkKey],
                                             options: [], errorHandler: { url, error in
                missing.append(FileReport(path: url.path, source: nil, diagnostics: [], error: "cannot read directory: \(error.localizedDescription)"))
                return true
            }) else { continue }
            for case let url as URL in walker {
                let name = url.lastPathComponent
                let values = try? url.resourceValues(forKeys: [.isDirectoryKey, .isSymbolicLinkKey])
                if values?.isDirectory == true {
                    if name.hasPrefix(".") || name == "node_modules" { walker.skipDescendants() }
                    continue
                }
                guard options.extensions.contains(url.pathExtension.lowercased()) else { continue }
                var rel = url.path
                // Keep the user's spelling of the folder (relative paths stay relative).
                if rel.hasPrefix(base.path) { rel = (p.hasSuffix("/") ? String(p.dropLast()) : p) + rel.dropFirst(base.path.count) }
                let cfg = try config(forDirectory: url.deletingLastPathComponent().standardizedFileURL.path)
                if cfg.admits(url.path) { found.append(rel) }
            }
            files.append(contentsOf: found.sorted())
        }
        return (files, missing)
    }

    /// Reads a file's bytes, refusing what is not a draft.
    public func read(_ path: String) -> Result<[UInt8], InputError> {
        var stamp: FileStamp? = nil
        return read(path, stamped: false, stamp: &stamp)
    }

    /// Reads a file's bytes and, with `stamped`, sets `stamp` to what the file was when read (for the writer's
    /// changed-on-disk check: identity, size and mtime from the descriptor the bytes came through, and a hash of
    /// the bytes).
    func read(_ path: String, stamped: Bool, stamp: inout FileStamp?) -> Result<[UInt8], InputError> {
        guard let attrs = try? FileManager.default.attributesOfItem(atPath: path) else {
            return .failure(.unreadable(FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"))
        }
        if let size = attrs[.size] as? Int, size > options.maxFileSize { return .failure(.tooLarge(size, limit: options.maxFileSize)) }
        // Read straight into one byte array (no intermediate Data copy).
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return .failure(.unreadable(String(cString: strerror(errno)))) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var capacity = max(4096, (attrs[.size] as? Int ?? 0) + 1)
        while true {
            var failed: Int32 = 0
            let before = bytes.count
            bytes.reserveCapacity(capacity)
            bytes.append(contentsOf: repeatElement(0, count: capacity - before))
            let n = bytes.withUnsafeMutableBufferPointer { p -> Int in
                let r = Foundation.read(fd, p.baseAddress! + before, capacity - before)
                if r < 0 { failed = errno }
                return r
            }
            if n < 0 { return .failure(.unreadable(String(cString: strerror(failed)))) }
            bytes.removeLast(capacity - before - n)
            if n == 0 { break }
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
    public func process(bytes: consuming [UInt8], displayPath: String, lookupPath: String, mode: FixMode? = nil) -> (FileReport, fixed: [UInt8]?) {
        let fixMode = mode ?? options.fixMode
        let source: SourceText
        do { source = try SourceText(validating: bytes) } catch {
            return (FileReport(path: displayPath, source: nil, diagnostics: [], error: error.description), nil)
        }
        let linter: Linter
        do { linter = try self.linter(for: lookupPath).1 } catch {
            return (FileReport(path: displayPath, source: nil, diagnostics: [], error: "\(error)"), nil)
        }
        if fixMode == .report {
            let doc = Document(path: lookupPath, source: source)
            return (FileReport(path: displayPath, source: source, diagnostics: linter.lint(doc)), nil)
        }
        let hasBOM = source.hasBOM
        let original: SourceText? = fixMode == .diff ? source : nil
        let outcome = FixApplier.fix(consume source, path: lookupPath, linter: linter, allowUnsafe: options.unsafeFixes)
        let fixedSource = SourceText(trusted: outcome.bytes, hasBOM: hasBOM)
        var remaining = outcome.remaining   // the fixer's last pass already linted the fixed text
        for id in outcome.unconverged {
            remaining.append(Diagnostic(ruleID: id, severity: .error,
                                        message: "修复在 \(FixApplier.maxPasses) 轮后仍未收敛（规则 \(id) 的修复互相冲突），请报告此问题",
                                        range: 0..<0, fix: nil))
        }
        var report = FileReport(path: displayPath, source: fixedSource, diagnostics: remaining)
        report.fixed = outcome.applied
        if let original { report.source = original; report.diagnostics = linter.lint(Document(path: lookupPath, source: original)) }
        // Without a BOM the fixed bytes are shared with the report's source (no second copy of a large file).
        return (report, outcome.changed ? (hasBOM ? [0xEF, 0xBB, 0xBF] + outcome.bytes : outcome.bytes) : nil)
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
    public func run(files: [String], write: Bool, emit: (FileResult) -> Void) {
        let files = write ? Self.distinctFiles(files) : files
        let box = ResultBox<FileResult>(count: files.count)
        withoutActuallyEscaping(emit) { emit in
        let emitter = OrderedEmitter(box: box, emit: emit)
        DispatchQueue.concurrentPerform(iterations: files.count) { i in
            let path = files[i]
            var stamp: FileStamp? = nil
            switch read(path, stamped: write, stamp: &stamp) {
            case .failure(let e):
                box[i] = (FileReport(path: path, source: nil, diagnostics: [], error: e.description), nil, nil)
            case .success(let bytes):
                // The original bytes are kept only for a diff, or for a file that may not be rewritten (to report
                // its own findings when it needs fixes); otherwise `process` takes them over.
                let original = options.fixMode == .diff ? bytes : nil
                let refusal = write ? AtomicWriter.refusal(path: path) : nil
                let unwritable = refusal != nil ? bytes : nil
                var (report, fixed) = process(bytes: consume bytes, displayPath: path, lookupPath: path)
                if write, fixed != nil, let refusal, let unwritable {
                    // Read-only (or not writable): nothing is written; the findings are those of the file as it is.
                    report = process(bytes: unwritable, displayPath: path, lookupPath: path, mode: .report).0
                    report.error = refusal.description
                    report.notWritten = true
                } else if write, let fixed {
                    do throws(WriteRefusal) { try AtomicWriter.replace(path: path, with: fixed, expecting: stamp) } catch {
                        // Nothing of the fix reached the file: no fixes to count, and the findings of a text that is
                        // not on disk would only mislead.
                        report.error = error.description
                        report.notWritten = true
                        report.fixed = [:]
                        report.diagnostics = []
                        report.source = nil
                    }
                }
                // Keep only what the report needs: the source for positions when there are findings, and the
                // bytes for a diff. Memory then does not grow with the number of clean files.
                if report.diagnostics.isEmpty && options.fixMode != .diff { report.source = nil }
                let keep = options.fixMode == .diff
                box[i] = (report, original, keep ? fixed : nil)
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

/// Emits finished slots of a `ResultBox` in index order and clears them.
final class OrderedEmitter<T>: @unchecked Sendable {
    private let box: ResultBox<T>
    private let emit: (T) -> Void
    private var next = 0
    private let lock = NSLock()
    init(box: ResultBox<T>, emit: @escaping (T) -> Void) { self.box = box; self.emit = emit }

    func ready() {
        lock.lock(); defer { lock.unlock() }
        while let v = box.take(next) {
            emit(v)
            next += 1
        }
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
