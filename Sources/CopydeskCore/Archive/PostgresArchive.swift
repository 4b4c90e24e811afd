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

    static func wrap(_ error: Error, _ location: ArchiveLocation, doing: String) -> ArchiveError {
        if let e = error as? ArchiveError { return e }
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
        let result = try connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).wait()
        return try result.rows.map(read)
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

    func deleteArticle(_ id: String) throws -> Bool {
        var b = PostgresBindings(); b.append(id)
        let old = try rows("SELECT id, fingerprint FROM paragraph WHERE article_id = $1", b) { row -> (Int64, [UInt8]) in
            let (pid, buf) = try row.decode((Int64, ByteBuffer).self)
            return (pid, Array(buf.readableBytesView))
        }
        var keys: [Int64] = [], pids: [Int64] = []
        for (pid, bytes) in old {
            guard let f = Fingerprint(encoded: bytes) else { continue }
            for k in f.bandKeys() { keys.append(Int64(bitPattern: k)); pids.append(pid) }
        }
        if !keys.isEmpty {
            var kb = PostgresBindings(); kb.append(keys); kb.append(pids)
            try execute("DELETE FROM band b USING unnest($1::bigint[], $2::bigint[]) AS t(k, p) WHERE b.key = t.k AND b.paragraph = t.p", kb)
        }
        try execute("DELETE FROM paragraph WHERE article_id = $1", b)
        return try rows("DELETE FROM article WHERE id = $1 RETURNING id", b) { try $0.decode(String.self) }.count > 0
    }

    public func add(_ articles: [ArchiveArticle]) throws -> (added: Int, replaced: Int) {
        let now = ISO8601DateFormatter().string(from: Date())
        let keys = articles.map { $0.paragraphs.map { $0.fingerprint.bandKeys().map { Int64(bitPattern: $0) } } }
        return try run("cannot add") {
            try transaction {
                var added = 0, replaced = 0
                var seen = Set<String>()
                for (k, a) in articles.enumerated() {
                    let existed = try deleteArticle(a.id)
                    if !seen.insert(a.id).inserted {} else if existed { replaced += 1 } else { added += 1 }
                    var b = PostgresBindings()
                    b.append(a.id); b.append(a.title); b.append(a.date); b.append(now); b.append(a.paragraphs.count)
                    try execute("INSERT INTO article (id, title, published, added_at, paragraphs) VALUES ($1, $2, $3, $4, $5)", b)
                    for (i, p) in a.paragraphs.enumerated() {
                        let f = p.fingerprint
                        var pb = PostgresBindings()
                        pb.append(a.id); pb.append(i); pb.append(Int64(bitPattern: f.exact)); pb.append(Int64(bitPattern: f.numbers))
                        pb.append(p.han); pb.append(SQLiteArchive.positionText(p.start, p.end))
                        pb.append(ByteBuffer(bytes: f.encoded())); pb.append(ByteBuffer(bytes: ShortShingles.bytes(p.shingles)))
                        let pid = try rows("""
                            INSERT INTO paragraph (article_id, ordinal, exact, numbers, han, position, fingerprint, shingles)
                            VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id
                            """, pb) { try $0.decode(Int64.self) }[0]
                        var bb = PostgresBindings(); bb.append(keys[k][i]); bb.append(pid)
                        try execute("INSERT INTO band (key, paragraph) SELECT unnest($1::bigint[]), $2 ON CONFLICT DO NOTHING", bb)
                    }
                }
                try SQLiteArchive.testPauseBeforeCommit()
                return (added, replaced)
            }
        }
    }

    public func remove(_ ids: [String]) throws -> [String] {
        try run("cannot remove") { try transaction { try ids.filter { try deleteArticle($0) } } }
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
