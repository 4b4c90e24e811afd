#if PostgreSQL
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// The archive on a PostgreSQL server through postgres-nio (package trait `PostgreSQL`): the same schema as
/// `SQLiteArchive` (bigint hashes, bytea blobs), its own migrations table with the same identifiers, one
/// transaction per `add`/`remove`. The password comes from `PGPASSWORD` or `.pgpass` (`PGPASSFILE`), never from the
/// location. Every failure is one `ArchiveError` naming the location (which holds no password); a transaction that
/// fails is rolled back (or dropped with the connection, which the server rolls back).
public final class PostgresArchive: ArchiveStore, @unchecked Sendable {
    public let location: ArchiveLocation
    let connection: PostgresConnection
    let logger = Logger(label: "copydesk-archive", factory: { _ in SwiftLogNoOpLogHandler() })

    struct Target {
        var user: String
        var host: String?          // nil: Unix socket
        var socket: String?
        var port: Int
        var database: String
    }

    /// `postgres://user@host:port/db`; `?host=/folder` (a Unix socket folder, as libpq reads it) instead of a host.
    static func target(_ url: String, _ location: ArchiveLocation) throws -> Target {
        guard let c = URLComponents(string: url), let scheme = c.scheme, scheme == "postgres" || scheme == "postgresql" else {
            throw ArchiveError.usage("cannot read the archive location \(url)")
        }
        let env = ProcessInfo.processInfo.environment
        let user = c.user ?? env["PGUSER"] ?? env["USER"] ?? "postgres"
        let port = c.port ?? 5432
        var db = String(c.path.drop(while: { $0 == "/" }))
        if db.isEmpty { db = user }
        let socketDir = c.queryItems?.first { $0.name == "host" }?.value
        let host = c.host.flatMap { $0.isEmpty ? nil : $0 }
        if let dir = socketDir, dir.hasPrefix("/") {
            return Target(user: user, host: nil, socket: dir + "/.s.PGSQL.\(port)", port: port, database: db)
        }
        return Target(user: user, host: host ?? "localhost", socket: nil, port: port, database: db)
    }

    /// `PGPASSWORD`, else the first matching line of `PGPASSFILE` or `~/.pgpass` (`host:port:db:user:password`,
    /// `*` matches anything, `\:` and `\\` escaped; a socket connection matches `localhost`).
    static func password(_ t: Target) -> String? {
        let env = ProcessInfo.processInfo.environment
        if let p = env["PGPASSWORD"], !p.isEmpty { return p }
        let file = env["PGPASSFILE"] ?? (env["HOME"].map { $0 + "/.pgpass" } ?? "")
        guard !file.isEmpty, let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            var fields: [String] = [], cur = "", escaped = false
            for ch in line {
                if escaped { cur.append(ch); escaped = false } else if ch == "\\" { escaped = true } else if ch == ":" { fields.append(cur); cur = "" } else { cur.append(ch) }
            }
            fields.append(cur)
            guard fields.count >= 5 else { continue }
            let want = [t.host ?? "localhost", "\(t.port)", t.database, t.user]
            if zip(fields.prefix(4), want).allSatisfy({ $0 == "*" || $0 == $1 }) { return fields[4...].joined(separator: ":") }
        }
        return nil
    }

    init(url: String, location: ArchiveLocation, create: Bool) throws {
        self.location = location
        let t = try PostgresArchive.target(url, location)
        let pw = PostgresArchive.password(t)
        var config: PostgresConnection.Configuration
        if let socket = t.socket {
            config = .init(unixSocketPath: socket, username: t.user, password: pw, database: t.database)
        } else {
            config = .init(host: t.host!, port: t.port, username: t.user, password: pw, database: t.database, tls: .disable)
        }
        config.options.connectTimeout = .seconds(10)
        let logger = self.logger
        let cfg = config
        do {
            // The EventLoopFuture interface, waited on from this thread: no Swift concurrency thread is blocked
            // (checks run on the linter's threads, tests on the cooperative pool).
            connection = try PostgresConnection.connect(on: PostgresConnection.defaultEventLoopGroup.any(), configuration: cfg,
                                                        id: 1, logger: logger).wait()
        } catch {
            throw PostgresArchive.wrap(error, location, doing: "cannot connect")
        }
        try prepare(create: create)
    }

    /// Closed before it goes (postgres-nio asserts that a connection is closed before it is released).
    deinit { try? (connection.close() as EventLoopFuture<Void>).wait() }

    /// How long one statement may wait for the server's answer (seconds; `COPYDESK_PG_TIMEOUT` overrides): a server
    /// that stops answering without closing the connection (a network that drops packets) fails the statement after
    /// this time instead of hanging; the connection is then closed, so the server rolls the transaction back.
    static let statementTimeout: Int64 = {
        if let v = ProcessInfo.processInfo.environment["COPYDESK_PG_TIMEOUT"], let n = Int64(v), n > 0 { return n }
        return 120
    }()

    /// The connection was closed (by the server going away) before the statement was sent.
    struct ConnectionLost: Error {}
    /// The server did not answer a statement within `statementTimeout`.
    struct NoAnswer: Error { var seconds: Int64 }

    static func wrap(_ error: Error, _ location: ArchiveLocation, doing: String) -> ArchiveError {
        if let e = error as? ArchiveError { return e }
        if error is ConnectionLost {
            return .database(location, "\(doing): the server closed the connection (was it stopped or restarted?)")
        }
        if let e = error as? NoAnswer {
            return .database(location, "\(doing): the server did not answer within \(e.seconds) s (was it stopped or unreachable?)")
        }
        if let e = error as? PSQLError {
            var why = "\(e.code)"
            switch e.code {
            case .serverClosedConnection, .uncleanShutdown:
                why = "the server closed the connection (was it stopped or restarted?)"
            case .clientClosedConnection: why = "the connection is closed"
            case .connectionError: why = "the connection failed"
            default: break
            }
            if let m = e.serverInfo?[.message] { why = m }
            if let u = e.underlying { why += " (\(u))" }
            return .database(location, "\(doing): \(why)")
        }
        return .database(location, "\(doing): \(error)")
    }

    // MARK: queries

    func rows<T>(_ sql: String, _ binds: PostgresBindings = PostgresBindings(), _ read: (PostgresRow) throws -> T) throws -> [T] {
        try send(PostgresQuery(unsafeSQL: sql, binds: binds)).rows.map(read)
    }

    /// Sends one statement and waits for its answer, never forever. postgres-nio 1.33 hands a query to its channel
    /// with `channel.write(…, promise: nil)`: once the server has closed the connection (an immediate shutdown while
    /// `archive add` sat before its COMMIT), the channel's pipeline is gone, that write fails unseen, and the query's
    /// future never completes — `wait()` blocked forever (seen: main thread in `EventLoopFuture.wait` under
    /// `transaction`'s COMMIT, event loops idle, the socket's descriptor already closed). So the statement is sent
    /// from the connection's event loop after checking that the connection is open (a channel only closes on its
    /// own loop, so it cannot close between the check and the write; a statement in flight when it closes is failed
    /// by postgres-nio), and a deadline fails a statement the server never answers and closes the connection.
    func send(_ query: PostgresQuery) throws -> PostgresQueryResult {
        let conn = connection, logger = self.logger, seconds = PostgresArchive.statementTimeout
        let loop = conn.eventLoop
        let answer = loop.flatSubmit { () -> EventLoopFuture<PostgresQueryResult> in
            guard !conn.isClosed else { return loop.makeFailedFuture(ConnectionLost()) }
            let promise = loop.makePromise(of: PostgresQueryResult.self)
            conn.query(query, logger: logger).cascade(to: promise)
            let timer = loop.scheduleTask(in: .seconds(seconds)) {
                promise.fail(NoAnswer(seconds: seconds))   // ignored when the answer came first
                _ = conn.close() as EventLoopFuture<Void>
            }
            promise.futureResult.whenComplete { _ in timer.cancel() }
            return promise.futureResult
        }
        return try answer.wait()
    }

    func execute(_ sql: String, _ binds: PostgresBindings = PostgresBindings()) throws {
        _ = try rows(sql, binds) { _ in 0 }
    }

    /// Runs `body` in a transaction; rolls back on failure.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN")
        do {
            let v = try body()
            try execute("COMMIT")
            return v
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    func run<T>(_ doing: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw PostgresArchive.wrap(error, location, doing: doing) }
    }

    // MARK: schema

    static let migrations: [(String, [String])] = [
        ("v1", [
            "CREATE TABLE article (id text PRIMARY KEY, title text NOT NULL, published text, added_at text NOT NULL, paragraphs integer NOT NULL)",
            "CREATE INDEX article_published ON article(published)",
            """
            CREATE TABLE paragraph (id bigserial PRIMARY KEY, article_id text NOT NULL REFERENCES article(id) ON DELETE CASCADE,
                ordinal integer NOT NULL, exact bigint NOT NULL, numbers bigint NOT NULL, han integer NOT NULL, position text NOT NULL,
                fingerprint bytea NOT NULL, shingles bytea NOT NULL)
            """,
            "CREATE INDEX paragraph_exact ON paragraph(exact)",
            "CREATE INDEX paragraph_article ON paragraph(article_id)",
            "CREATE TABLE band (key bigint NOT NULL, paragraph bigint NOT NULL, PRIMARY KEY (key, paragraph))",
        ]),
    ]

    /// Applies missing migrations under an advisory lock (concurrent first runs wait for each other); refuses a
    /// database a newer copydesk migrated. Without `create`, a database with no archive tables is an error.
    func prepare(create: Bool) throws {
        try run("cannot read the schema") {
            try transaction {
                try execute("SELECT pg_advisory_xact_lock(726379646573)")
                let exists = try rows("SELECT to_regclass('copydesk_migrations') IS NOT NULL") { try $0.decode(Bool.self) }.first ?? false
                if !exists {
                    guard create else { throw ArchiveError.missing(location) }
                    try execute("CREATE TABLE copydesk_migrations (identifier text PRIMARY KEY)")
                }
                let applied = Set(try rows("SELECT identifier FROM copydesk_migrations") { try $0.decode(String.self) })
                let unknown = applied.subtracting(SQLiteArchive.schemaVersions)
                if !unknown.isEmpty { throw ArchiveError.newerSchema(location, unknown.sorted()) }
                for (id, statements) in PostgresArchive.migrations where !applied.contains(id) {
                    for s in statements { try execute(s) }
                    var b = PostgresBindings(); b.append(id)
                    try execute("INSERT INTO copydesk_migrations (identifier) VALUES ($1)", b)
                }
            }
        }
    }

    // MARK: writing

    /// Deletes articles, their paragraphs and their band rows (found from the stored fingerprints by the band
    /// table's primary key), a few statements for all of them. Returns the ids that were there.
    func deleteArticles(_ ids: [String]) throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        var b = PostgresBindings(); b.append(ids)
        let old = try rows("SELECT id, fingerprint FROM paragraph WHERE article_id = ANY($1::text[])", b) { row -> (Int64, [UInt8]) in
            let (pid, buf) = try row.decode((Int64, ByteBuffer).self)
            return (pid, Array(buf.readableBytesView))
        }
        if !old.isEmpty {
            var keys: [Int64] = [], pids: [Int64] = []
            for (pid, bytes) in old {
                guard let f = Fingerprint(encoded: bytes) else { continue }
                for k in f.bandKeys() { keys.append(Int64(bitPattern: k)); pids.append(pid) }
            }
            if !keys.isEmpty {
                var kb = PostgresBindings(); kb.append(keys); kb.append(pids)
                try execute("DELETE FROM band b USING unnest($1::bigint[], $2::bigint[]) AS t(k, p) WHERE b.key = t.k AND b.paragraph = t.p", kb)
            }
            try execute("DELETE FROM paragraph WHERE article_id = ANY($1::text[])", b)
        }
        return Set(try rows("DELETE FROM article WHERE id = ANY($1::text[]) RETURNING id", b) { try $0.decode(String.self) })
    }

    /// Writers (`add`, `remove`) take this transaction-level advisory lock first, so they run one after another as
    /// on SQLite: without it, two adds of the same new id both find nothing to replace, and the second fails on the
    /// primary key when the first commits. Readers never wait for it.
    static let writersLock: Int64 = 726379646574

    /// Paragraphs per batch of `add` (each batch: one statement deleting the old versions' rows by kind, one
    /// inserting the articles, one inserting the paragraphs and their band rows), so a batch is a few round trips
    /// instead of two per paragraph.
    static let addBatch = 2_000

    public func add(_ articles: [ArchiveArticle]) throws -> (added: Int, replaced: Int) {
        let now = ISO8601DateFormatter().string(from: Date())
        // An id given twice: its last version is stored (as one replace after another would leave it) and counted once.
        var last: [String: Int] = [:]
        for (k, a) in articles.enumerated() { last[a.id] = k }
        let kept = articles.indices.filter { last[articles[$0].id] == $0 }
        var batches: [[Int]] = [], cur: [Int] = [], size = 0
        for k in kept {
            cur.append(k); size += max(articles[k].paragraphs.count, 1)
            if size >= PostgresArchive.addBatch { batches.append(cur); cur = []; size = 0 }
        }
        if !cur.isEmpty { batches.append(cur) }
        return try run("cannot add") {
            try transaction {
                try execute("SELECT pg_advisory_xact_lock(\(PostgresArchive.writersLock))")
                var added = 0, replaced = 0
                for batch in batches {
                    let existed = try deleteArticles(batch.map { articles[$0].id })
                    replaced += existed.count
                    added += batch.count - existed.count
                    try insert(batch.map { articles[$0] }, now: now)
                }
                try SQLiteArchive.testPauseBeforeCommit()
                return (added, replaced)
            }
        }
    }

    /// Inserts articles (ids not in the archive) with their paragraphs and band rows: two statements, the rows
    /// passed as arrays and unnested on the server; the paragraphs' band rows join the generated paragraph ids by
    /// (article, ordinal) in the same statement.
    func insert(_ batch: [ArchiveArticle], now: String) throws {
        var ids: [String] = [], titles: [String] = [], dates: [String] = [], counts: [Int32] = []
        var pArticle: [String] = [], pOrdinal: [Int32] = [], pExact: [Int64] = [], pNumbers: [Int64] = [], pHan: [Int32] = []
        var pPosition: [String] = [], pFingerprint: [ByteBuffer] = [], pShingles: [ByteBuffer] = []
        var bArticle: [String] = [], bOrdinal: [Int32] = [], bKey: [Int64] = []
        for a in batch {
            ids.append(a.id); titles.append(a.title); dates.append(a.date ?? ""); counts.append(Int32(a.paragraphs.count))
            for (i, p) in a.paragraphs.enumerated() {
                let f = p.fingerprint
                pArticle.append(a.id); pOrdinal.append(Int32(i))
                pExact.append(Int64(bitPattern: f.exact)); pNumbers.append(Int64(bitPattern: f.numbers)); pHan.append(Int32(p.han))
                pPosition.append(SQLiteArchive.positionText(p.start, p.end))
                pFingerprint.append(ByteBuffer(bytes: f.encoded())); pShingles.append(ByteBuffer(bytes: ShortShingles.bytes(p.shingles)))
                for key in f.bandKeys() { bArticle.append(a.id); bOrdinal.append(Int32(i)); bKey.append(Int64(bitPattern: key)) }
            }
        }
        var ab = PostgresBindings()
        ab.append(ids); ab.append(titles); ab.append(dates); ab.append(now); ab.append(counts)
        try execute("""
            INSERT INTO article (id, title, published, added_at, paragraphs)
            SELECT id, title, NULLIF(published, ''), $4, paragraphs FROM unnest($1::text[], $2::text[], $3::text[], $5::int[]) AS t(id, title, published, paragraphs)
            """, ab)
        guard !pArticle.isEmpty else { return }
        var pb = PostgresBindings()
        pb.append(pArticle); pb.append(pOrdinal); pb.append(pExact); pb.append(pNumbers); pb.append(pHan)
        pb.append(pPosition); pb.append(pFingerprint); pb.append(pShingles)
        pb.append(bArticle); pb.append(bOrdinal); pb.append(bKey)
        try execute("""
            WITH p AS (
                INSERT INTO paragraph (article_id, ordinal, exact, numbers, han, position, fingerprint, shingles)
                SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[], $4::bigint[], $5::int[], $6::text[], $7::bytea[], $8::bytea[])
                RETURNING id, article_id, ordinal)
            INSERT INTO band (key, paragraph)
            SELECT k.key, p.id FROM unnest($9::text[], $10::int[], $11::bigint[]) AS k(article_id, ordinal, key)
                JOIN p ON p.article_id = k.article_id AND p.ordinal = k.ordinal
            ON CONFLICT DO NOTHING
            """, pb)
    }

    public func remove(_ ids: [String]) throws -> [String] {
        var seen = Set<String>()
        let unique = ids.filter { seen.insert($0).inserted }
        return try run("cannot remove") {
            try transaction {
                try execute("SELECT pg_advisory_xact_lock(\(PostgresArchive.writersLock))")
                let existed = try deleteArticles(unique)
                return unique.filter(existed.contains)
            }
        }
    }

    // MARK: reading

    public func stats() throws -> ArchiveStats {
        try run("cannot read") {
            let counts = try rows("""
                SELECT (SELECT count(*) FROM article), (SELECT count(*) FROM paragraph), (SELECT count(*) FROM band),
                       (SELECT min(published) FROM article), (SELECT max(published) FROM article),
                       pg_total_relation_size('article') + pg_total_relation_size('paragraph') + pg_total_relation_size('band')
                """) { try $0.decode((Int, Int, Int, String?, String?, Int64).self) }[0]
            let schema = try rows("SELECT identifier FROM copydesk_migrations") { try $0.decode(String.self) }
            return ArchiveStats(location: location.description, backend: "postgresql", articles: counts.0, paragraphs: counts.1,
                                bandRows: counts.2, bytes: counts.5, schema: SQLiteArchive.schemaVersions.filter(schema.contains),
                                oldest: counts.3, newest: counts.4)
        }
    }

    public func candidates(_ probes: [ArchiveProbe], limit: Int) throws -> [[ArchiveCandidate]] {
        SQLiteArchive.testPauseBeforeRead()
        return try run("cannot read") {
            var out: [[ArchiveCandidate]] = []
            for probe in probes {
                var eb = PostgresBindings(); eb.append(Int64(bitPattern: probe.exact)); eb.append(limit)
                let exact = try rows("SELECT id FROM paragraph WHERE exact = $1 LIMIT $2", eb) { try $0.decode(Int64.self) }
                var bb = PostgresBindings(); bb.append(probe.bandKeys.map { Int64(bitPattern: $0) }); bb.append(limit)
                let banded = try rows("""
                    SELECT paragraph FROM band WHERE key = ANY($1::bigint[]) GROUP BY paragraph ORDER BY count(*) DESC, paragraph LIMIT $2
                    """, bb) { try $0.decode(Int64.self) }
                let exactSet = Set(exact)
                let ids = Array((exact + banded.filter { !exactSet.contains($0) }).prefix(limit))
                guard !ids.isEmpty else { out.append([]); continue }
                var fb = PostgresBindings(); fb.append(ids)
                let found = try rows("""
                    SELECT p.id, p.han, p.position, p.fingerprint, p.shingles, a.id, a.title, a.published
                    FROM paragraph p JOIN article a ON a.id = p.article_id WHERE p.id = ANY($1::bigint[])
                    """, fb) { row -> (Int64, ArchiveCandidate?) in
                    let (pid, han, pos, fp, sh, aid, title, date) = try row.decode((Int64, Int, String, ByteBuffer, ByteBuffer, String, String, String?).self)
                    guard let f = Fingerprint(encoded: Array(fp.readableBytesView)), let (s, e) = SQLiteArchive.parsePosition(pos) else { return (pid, nil) }
                    return (pid, ArchiveCandidate(articleID: aid, title: title, date: date, fingerprint: f,
                                                  shingles: ShortShingles.decode(Array(sh.readableBytesView)), han: han,
                                                  start: s, end: e, exact: exactSet.contains(pid)))
                }
                var byID: [Int64: ArchiveCandidate] = [:]
                for (pid, c) in found { if let c { byID[pid] = c } }
                out.append(ids.compactMap { byID[$0] })
            }
            return out
        }
    }

    /// Empties the archive (tests).
    func truncate() throws { try execute("TRUNCATE article, paragraph, band") }
}

#endif
