import Foundation
import GRDB

/// The archive in an SQLite file through GRDB (the embedded default): a `DatabasePool` in WAL mode, so `lint`
/// processes read while one `archive add` writes; a busy timeout instead of "database is locked"; the schema
/// versioned by GRDB's `DatabaseMigrator` (see `ArchiveSchema` and docs/archive.md).
public final class SQLiteArchive: ArchiveStore, @unchecked Sendable {
    public let location: ArchiveLocation
    let path: String
    let db: any DatabaseWriter

    /// The migrations this copydesk knows, in order (the identifiers stored in `grdb_migrations`).
    public static let schemaVersions = ["v1"]

    /// How long a writer (or a reader meeting a checkpoint) waits for a lock before failing:
    /// `COPYDESK_ARCHIVE_BUSY_TIMEOUT` seconds, 120 by default.
    static var busyTimeout: TimeInterval {
        ProcessInfo.processInfo.environment["COPYDESK_ARCHIVE_BUSY_TIMEOUT"].flatMap(Double.init) ?? 120
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            // The articles; `published` is YYYY-MM-DD or NULL.
            try db.execute(sql: """
                CREATE TABLE article (
                    id TEXT PRIMARY KEY NOT NULL,
                    title TEXT NOT NULL,
                    published TEXT,
                    added_at TEXT NOT NULL,
                    paragraphs INTEGER NOT NULL
                );
                CREATE INDEX article_published ON article(published);
                -- One row per stored paragraph: the 514-byte fingerprint (Fingerprint.encoded), where it stood.
                CREATE TABLE paragraph (
                    id INTEGER PRIMARY KEY,
                    article_id TEXT NOT NULL REFERENCES article(id) ON DELETE CASCADE,
                    ordinal INTEGER NOT NULL,
                    exact INTEGER NOT NULL,
                    numbers INTEGER NOT NULL,
                    han INTEGER NOT NULL,
                    position TEXT NOT NULL,
                    fingerprint BLOB NOT NULL,
                    shingles BLOB NOT NULL
                );
                CREATE INDEX paragraph_exact ON paragraph(exact);
                CREATE INDEX paragraph_article ON paragraph(article_id);
                -- The LSH index: one row per (band key, paragraph); the band number is mixed into the key.
                CREATE TABLE band (
                    key INTEGER NOT NULL,
                    paragraph INTEGER NOT NULL,
                    PRIMARY KEY (key, paragraph)
                ) WITHOUT ROWID;
                """)
        }
        return m
    }

    init(path: String, location: ArchiveLocation, create: Bool) throws {
        self.location = location
        self.path = path
        let fm = FileManager.default
        if !fm.fileExists(atPath: path) {
            guard create else { throw ArchiveError.missing(location) }
            let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
            do { try fm.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
                throw ArchiveError.database(location, "cannot create the folder \(dir): \(error.localizedDescription)")
            }
        }
        var config = Configuration()
        config.busyMode = .timeout(SQLiteArchive.busyTimeout)
        config.foreignKeysEnabled = true
        config.label = "copydesk-archive"
        do {
            db = try DatabasePool(path: path, configuration: config)
            try SQLiteArchive.prepare(db, location: location)
        } catch let e as ArchiveError {
            throw e
        } catch {
            throw SQLiteArchive.wrap(error, location)
        }
    }

    /// An archive in memory (rule examples and tests): the same schema and queries.
    public init(inMemory: Void = ()) throws {
        location = .sqlite(path: ":memory:")
        path = ":memory:"
        var config = Configuration()
        config.foreignKeysEnabled = true
        db = try DatabaseQueue(configuration: config)
        try SQLiteArchive.prepare(db, location: location)
    }

    /// Migrates the schema (a no-op when it is up to date); refuses a file a newer copydesk made.
    static func prepare(_ db: any DatabaseWriter, location: ArchiveLocation) throws {
        let m = migrator
        let (superseded, done, foreign) = try db.read { d -> (Set<String>, Bool, Bool) in
            let applied = try m.appliedIdentifiers(d)
            let unknown = applied.subtracting(schemaVersions)
            let tables = try String.fetchAll(d, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
            let foreign = applied.isEmpty && !tables.isEmpty
            return (unknown, try m.hasCompletedMigrations(d), foreign)
        }
        if foreign { throw ArchiveError.notAnArchive(location, "an SQLite database with other tables") }
        if !superseded.isEmpty { throw ArchiveError.newerSchema(location, superseded.sorted()) }
        if !done { try m.migrate(db) }
    }

    static func wrap(_ error: Error, _ location: ArchiveLocation) -> ArchiveError {
        if let e = error as? ArchiveError { return e }
        if let e = error as? DatabaseError {
            switch e.resultCode {
            case .SQLITE_NOTADB: return .notAnArchive(location, "not an SQLite database")
            case .SQLITE_CANTOPEN: return .database(location, "cannot open the file (\(e.message ?? "unknown reason"))")
            case .SQLITE_BUSY: return .database(location, "still locked by another process after \(Int(busyTimeout)) s")
            case .SQLITE_READONLY: return .database(location, "the file is read-only")
            default: return .database(location, e.message ?? "\(e)")
            }
        }
        return .database(location, "\(error)")
    }

    func run<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw SQLiteArchive.wrap(error, location) }
    }

    // MARK: writing

    public func add(_ articles: [ArchiveArticle]) throws -> (added: Int, replaced: Int) {
        let now = ISO8601DateFormatter().string(from: Date())
        // The band keys are worked out before the transaction: the write lock is held for the inserts only.
        let keys = articles.map { $0.paragraphs.map { $0.fingerprint.bandKeys() } }
        return try run {
            try db.write { d -> (Int, Int) in
                var added = 0, replaced = 0
                let insArticle = try d.cachedStatement(sql: "INSERT INTO article (id, title, published, added_at, paragraphs) VALUES (?, ?, ?, ?, ?)")
                let insParagraph = try d.cachedStatement(sql: """
                    INSERT INTO paragraph (article_id, ordinal, exact, numbers, han, position, fingerprint, shingles) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                let insBand = try d.cachedStatement(sql: "INSERT OR IGNORE INTO band (key, paragraph) VALUES (?, ?)")
                var seen = Set<String>()
                for (k, a) in articles.enumerated() {
                    let existed = try deleteArticle(d, a.id)
                    if !seen.insert(a.id).inserted {} else if existed { replaced += 1 } else { added += 1 }
                    try insArticle.execute(arguments: [a.id, a.title, a.date, now, a.paragraphs.count])
                    for (i, p) in a.paragraphs.enumerated() {
                        let f = p.fingerprint
                        try insParagraph.execute(arguments: [a.id, i, Int64(bitPattern: f.exact), Int64(bitPattern: f.numbers), p.han,
                                                             SQLiteArchive.positionText(p.start, p.end), Data(f.encoded()),
                                                             Data(ShortShingles.bytes(p.shingles))])
                        let rowid = d.lastInsertedRowID
                        for key in keys[k][i] { try insBand.execute(arguments: [Int64(bitPattern: key), rowid]) }
                    }
                }
                try SQLiteArchive.testPauseBeforeCommit()
                return (added, replaced)
            }
        }
    }

    /// Test hook: with `COPYDESK_TEST_ARCHIVE_PAUSE=FILE`, an `add` creates FILE just before its commit and waits
    /// until FILE is removed (at most 60 s): the kill -9 test kills it there, the server-gone test stops the server
    /// and then lets it commit.
    static func testPauseBeforeCommit() throws { testPause("COPYDESK_TEST_ARCHIVE_PAUSE") }

    /// Test hook: with `COPYDESK_TEST_ARCHIVE_PAUSE_READ=FILE`, the first lookup of a run waits the same way (the
    /// server-gone test stops the server while `lint --archive` is between opening the archive and reading it).
    static func testPauseBeforeRead() { testPause("COPYDESK_TEST_ARCHIVE_PAUSE_READ") }

    nonisolated(unsafe) private static var pausedOnce: Set<String> = []
    private static let pauseLock = NSLock()

    /// Pauses once per process and variable.
    static func testPause(_ variable: String) {
        guard let marker = ProcessInfo.processInfo.environment[variable], !marker.isEmpty else { return }
        pauseLock.lock()
        let first = pausedOnce.insert(variable).inserted
        pauseLock.unlock()
        guard first else { return }
        guard FileManager.default.createFile(atPath: marker + ".tmp", contents: Data("paused\n".utf8)),
              rename(marker + ".tmp", marker) == 0 else { return }
        let deadline = Date().addingTimeInterval(60)
        while FileManager.default.fileExists(atPath: marker) && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
    }

    /// Deletes an article, its paragraphs and their band rows (found from the stored fingerprints by the band
    /// table's primary key, so no second index on it is needed). Returns whether it was there.
    func deleteArticle(_ d: Database, _ id: String) throws -> Bool {
        let rows = try Row.fetchAll(d, sql: "SELECT id, fingerprint FROM paragraph WHERE article_id = ?", arguments: [id])
        let delBand = try d.cachedStatement(sql: "DELETE FROM band WHERE key = ? AND paragraph = ?")
        for r in rows {
            let pid: Int64 = r["id"]
            let data: Data = r["fingerprint"]
            guard let f = Fingerprint(encoded: [UInt8](data)) else { continue }
            for key in f.bandKeys() { try delBand.execute(arguments: [Int64(bitPattern: key), pid]) }
        }
        try d.execute(sql: "DELETE FROM paragraph WHERE article_id = ?", arguments: [id])
        try d.execute(sql: "DELETE FROM article WHERE id = ?", arguments: [id])
        return d.changesCount > 0
    }

    public func remove(_ ids: [String]) throws -> [String] {
        try run {
            try db.write { d in try ids.filter { try deleteArticle(d, $0) } }
        }
    }

    // MARK: reading

    public func stats() throws -> ArchiveStats {
        try run {
            try db.read { d in
                let articles = try Int.fetchOne(d, sql: "SELECT count(*) FROM article") ?? 0
                let paragraphs = try Int.fetchOne(d, sql: "SELECT count(*) FROM paragraph") ?? 0
                let bands = try Int.fetchOne(d, sql: "SELECT count(*) FROM band") ?? 0
                let oldest = try String.fetchOne(d, sql: "SELECT min(published) FROM article")
                let newest = try String.fetchOne(d, sql: "SELECT max(published) FROM article")
                let schema = try SQLiteArchive.migrator.appliedMigrations(d)
                var bytes: Int64 = 0
                for suffix in ["", "-wal", "-shm"] {
                    if let a = try? FileManager.default.attributesOfItem(atPath: path + suffix), let n = a[.size] as? NSNumber { bytes += n.int64Value }
                }
                return ArchiveStats(location: location.description, backend: "sqlite", articles: articles, paragraphs: paragraphs,
                                    bandRows: bands, bytes: bytes, schema: schema, oldest: oldest, newest: newest)
            }
        }
    }

    public func candidates(_ probes: [ArchiveProbe], limit: Int) throws -> [[ArchiveCandidate]] {
        guard !probes.isEmpty else { return [] }
        SQLiteArchive.testPauseBeforeRead()
        return try run {
            try db.read { d in
                let byExact = try d.cachedStatement(sql: SQLiteArchive.lookupSQL.exact)
                let byBand = try d.cachedStatement(sql: SQLiteArchive.lookupSQL.band)
                let fetch = try d.cachedStatement(sql: SQLiteArchive.lookupSQL.fetch)
                var out: [[ArchiveCandidate]] = []
                for probe in probes {
                    let exact = try Int64.fetchAll(byExact, arguments: [Int64(bitPattern: probe.exact), limit])
                    var hits: [Int64: Int] = [:]
                    for key in probe.bandKeys {
                        for p in try Int64.fetchAll(byBand, arguments: [Int64(bitPattern: key)]) { hits[p, default: 0] += 1 }
                    }
                    let exactSet = Set(exact)
                    var ids = exact
                    ids += hits.filter { !exactSet.contains($0.key) }.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map(\.key)
                    var list: [ArchiveCandidate] = []
                    for pid in ids.prefix(limit) {
                        guard let r = try Row.fetchOne(fetch, arguments: [pid]) else { continue }
                        let data: Data = r["fingerprint"]
                        guard let f = Fingerprint(encoded: [UInt8](data)),
                              let (s, e) = SQLiteArchive.parsePosition(r["position"]) else { continue }
                        let sh: Data = r["shingles"]
                        list.append(ArchiveCandidate(articleID: r["aid"], title: r["title"], date: r["published"], fingerprint: f,
                                                     shingles: ShortShingles.decode([UInt8](sh)),
                                                     han: r["han"], start: s, end: e, exact: exactSet.contains(pid)))
                    }
                    out.append(list)
                }
                return out
            }
        }
    }

    /// The lookups a check makes: each is an index probe (tests hold them to it with EXPLAIN QUERY PLAN).
    static let lookupSQL = (
        exact: "SELECT id FROM paragraph WHERE exact = ? LIMIT ?",
        band: "SELECT paragraph FROM band WHERE key = ?",
        fetch: """
            SELECT p.han, p.position, p.fingerprint, p.shingles, a.id AS aid, a.title, a.published
            FROM paragraph p JOIN article a ON a.id = p.article_id WHERE p.id = ?
            """
    )

    /// `EXPLAIN QUERY PLAN` of a query, its `detail` lines.
    func queryPlan(_ sql: String, _ arguments: [Int64]) throws -> [String] {
        try db.read { d in try Row.fetchAll(d, sql: "EXPLAIN QUERY PLAN " + sql, arguments: StatementArguments(arguments)).map { $0["detail"] as String } }
    }

    /// Runs SQL against the file (tests: to fake a newer schema).
    func execute(_ sql: String) throws { try db.write { d in try d.execute(sql: sql) } }

    // MARK: positions

    /// `line:column:utf16Column:byteColumn:offset` of the start and end of the paragraph, joined by `-`.
    static func positionText(_ s: OutputPosition, _ e: OutputPosition) -> String {
        func one(_ p: OutputPosition) -> String { "\(p.line):\(p.column):\(p.utf16Column):\(p.byteColumn):\(p.offset)" }
        return one(s) + "-" + one(e)
    }

    static func parsePosition(_ t: String) -> (OutputPosition, OutputPosition)? {
        let parts = t.split(separator: "-")
        guard parts.count == 2 else { return nil }
        func one(_ s: Substring) -> OutputPosition? {
            let n = s.split(separator: ":").compactMap { Int($0) }
            guard n.count == 5 else { return nil }
            return OutputPosition(line: n[0], column: n[1], utf16Column: n[2], byteColumn: n[3], offset: n[4])
        }
        guard let a = one(parts[0]), let b = one(parts[1]) else { return nil }
        return (a, b)
    }
}
