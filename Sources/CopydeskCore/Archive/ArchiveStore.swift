import Foundation

/// Where an archive lives: `sqlite:PATH` or a plain path (SQLite through GRDB), or `postgres://user@host:port/db`.
public enum ArchiveLocation: Sendable, Hashable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(url: String)

    /// The default archive: `.copydesk/archive.sqlite` next to the configuration file (or in `directory`).
    public static func defaultLocation(directory: String) -> ArchiveLocation {
        .sqlite(path: (directory.hasSuffix("/") ? directory : directory + "/") + ".copydesk/archive.sqlite")
    }

    /// Reads a location as written on the command line or in `archive:`; relative paths are taken from `directory`.
    /// A password in a `postgres://` address is refused: it comes from `PGPASSWORD` or `.pgpass` only.
    public static func parse(_ text: String, directory: String) throws -> ArchiveLocation {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty else { throw ArchiveError.usage("the archive location is empty") }
        if t.hasPrefix("postgres://") || t.hasPrefix("postgresql://") {
            let rest = t.drop(while: { $0 != "/" }).dropFirst(2)
            let authority = rest.prefix(while: { $0 != "/" && $0 != "?" })
            if let at = authority.lastIndex(of: "@"), authority[..<at].contains(":") {
                throw ArchiveError.usage("the archive location must not hold a password: put it in PGPASSWORD or ~/.pgpass")
            }
            return .postgres(url: t)
        }
        var path = t
        if path.hasPrefix("sqlite:") { path = String(path.dropFirst("sqlite:".count)) }
        guard !path.isEmpty else { throw ArchiveError.usage("'sqlite:' needs a path") }
        if path.hasPrefix("~/"), let home = ProcessInfo.processInfo.environment["HOME"] { path = home + path.dropFirst(1) }
        if !path.hasPrefix("/") { path = (directory.hasSuffix("/") ? directory : directory + "/") + path }
        return .sqlite(path: URL(fileURLWithPath: path).standardizedFileURL.path)
    }

    /// For messages: never holds a password.
    public var description: String {
        switch self {
        case .sqlite(let p): return p
        case .postgres(let u): return u
        }
    }
}

/// Archive failures: one clear message naming the location (never a password); the CLI exits with 2.
public enum ArchiveError: Error, CustomStringConvertible, Sendable {
    case usage(String)
    case missing(ArchiveLocation)
    case newerSchema(ArchiveLocation, [String])
    case notAnArchive(ArchiveLocation, String)
    case database(ArchiveLocation, String)
    case unsupported(ArchiveLocation)

    public var description: String {
        switch self {
        case .usage(let m): return m
        case .missing(let l): return "no archive at \(l) (create it with `copydesk archive add`)"
        case .newerSchema(let l, let ids):
            return "the archive at \(l) was made by a newer copydesk (schema \(ids.joined(separator: ", ")) unknown to this one, which knows up to \(SQLiteArchive.schemaVersions.last!)): upgrade copydesk"
        case .notAnArchive(let l, let why): return "\(l) is not a copydesk archive (\(why))"
        case .database(let l, let why): return "archive \(l): \(why)"
        case .unsupported(let l):
            return "archive \(l): this copydesk was built without PostgreSQL support (build it with `swift build --traits PostgreSQL`)"
        }
    }
}

/// One paragraph of a published article as the archive keeps it: its fingerprint and where it stood.
public struct ArchiveParagraph: Sendable {
    public var fingerprint: Fingerprint
    /// Its shingle hashes cut to 32 bits, sorted and distinct: the exact Jaccard of a candidate is computed from
    /// these (the MinHash estimate alone is ±0.035 at 0.8 with 120 permutations, too coarse for a threshold).
    public var shingles: [UInt32]
    public var han: Int
    /// 1-based line and scalar column of its first and last character in the article.
    public var start: OutputPosition
    public var end: OutputPosition
}

/// A published article: id (front-matter `id`, else the path as given), title, publication date, paragraphs.
public struct ArchiveArticle: Sendable {
    public var id: String
    public var title: String
    /// `YYYY-MM-DD`, or nil when neither `--date` nor the front matter gives one.
    public var date: String?
    public var paragraphs: [ArchiveParagraph]
}

/// A paragraph of the archive that may be a copy of a draft's paragraph (a probe's exact hash or a band key hit it).
public struct ArchiveCandidate: Sendable {
    public var articleID: String
    public var title: String
    public var date: String?
    public var fingerprint: Fingerprint
    public var shingles: [UInt32]
    public var han: Int
    public var start: OutputPosition
    public var end: OutputPosition
    /// Found through the exact hash (else through shared LSH bands).
    public var exact: Bool
}

/// What one draft paragraph is looked up by: its exact hash and its 20 LSH band keys.
public struct ArchiveProbe: Sendable {
    public var exact: UInt64
    public var bandKeys: [UInt64]
    public init(_ f: Fingerprint) { exact = f.exact; bandKeys = f.bandKeys() }
}

/// Shingle hashes cut to 32 bits, sorted and distinct, and their little-endian bytes.
enum ShortShingles {
    static func of(_ shingles: [UInt64]) -> [UInt32] {
        var s = shingles.map { UInt32(truncatingIfNeeded: $0 ^ ($0 >> 32)) }
        s.sort()
        var w = 0
        for r in 0..<s.count where r == 0 || s[r] != s[w - 1] { s[w] = s[r]; w += 1 }
        s.removeLast(s.count - w)
        return s
    }
    static func bytes(_ s: [UInt32]) -> [UInt8] {
        var out = [UInt8](); out.reserveCapacity(s.count * 4)
        for v in s { out += [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)] }
        return out
    }
    static func decode(_ b: [UInt8]) -> [UInt32] {
        stride(from: 0, to: b.count - b.count % 4, by: 4).map { UInt32(b[$0]) | UInt32(b[$0 + 1]) << 8 | UInt32(b[$0 + 2]) << 16 | UInt32(b[$0 + 3]) << 24 }
    }
    static func jaccard(_ a: [UInt32], _ b: [UInt32]) -> Double {
        var i = 0, j = 0, n = 0
        while i < a.count && j < b.count { if a[i] == b[j] { n += 1; i += 1; j += 1 } else if a[i] < b[j] { i += 1 } else { j += 1 } }
        let u = a.count + b.count - n
        return u == 0 ? 0 : Double(n) / Double(u)
    }
}

public struct ArchiveStats: Sendable {
    public var location: String
    public var backend: String
    public var articles: Int
    public var paragraphs: Int
    public var bandRows: Int
    public var bytes: Int64
    public var schema: [String]
    public var oldest: String?
    public var newest: String?
}

/// The operations every backend offers, with the same schema and results (SQLite now; PostgreSQL behind the
/// `PostgreSQL` package trait, see docs/archive.md).
public protocol ArchiveStore: AnyObject, Sendable {
    var location: ArchiveLocation { get }
    /// Stores articles in one transaction: all of them or, on any failure (or a kill), none. An article whose id
    /// is already there replaces it. Returns how many were new and how many replaced.
    func add(_ articles: [ArchiveArticle]) throws -> (added: Int, replaced: Int)
    /// Removes articles by id, in one transaction; returns the ids that were there.
    func remove(_ ids: [String]) throws -> [String]
    func stats() throws -> ArchiveStats
    /// For each probe, the archived paragraphs sharing its exact hash or at least one LSH band key (index probes,
    /// never a scan), at most `limit` per probe (those sharing most bands first).
    func candidates(_ probes: [ArchiveProbe], limit: Int) throws -> [[ArchiveCandidate]]
}

/// Opens the archive at a location. `create`: make the file (and its folder) when missing; otherwise a missing
/// archive is an error.
public func openArchive(_ location: ArchiveLocation, create: Bool) throws -> any ArchiveStore {
    switch location {
    case .sqlite(let path): return try SQLiteArchive(path: path, location: location, create: create)
    case .postgres(let url):
        #if PostgreSQL
        return try PostgresArchive(url: url, location: location, create: create)
        #else
        _ = url
        throw ArchiveError.unsupported(location)
        #endif
    }
}

extension Config {
    /// With an archive, the archive rule is on unless the configuration's own entries turn it off.
    static let archiveRuleEntry = RuleEntry(key: "duplicates.published", mark: SourceMark(file: "<archive>", line: 1, column: 1), setting: .on)
}

/// Opened archives of a run, one per location (a failure to open is remembered and reported for each file).
final class ArchiveRegistry: @unchecked Sendable {
    private var open: [ArchiveLocation: Result<any ArchiveStore, ArchiveError>] = [:]
    private let lock = NSLock()

    func store(_ location: ArchiveLocation) -> Result<any ArchiveStore, ArchiveError> {
        lock.lock(); defer { lock.unlock() }
        if let r = open[location] { return r }
        let r: Result<any ArchiveStore, ArchiveError>
        do { r = .success(try openArchive(location, create: false)) } catch let e as ArchiveError { r = .failure(e) } catch {
            r = .failure(.database(location, "\(error)"))
        }
        open[location] = r
        return r
    }
}

extension Runner {
    /// The archive a file's configuration (or `--archive`) names, nil when the archive is off.
    func archiveLocation(_ config: Config) -> ArchiveLocation? { options.archive ?? config.archive }
}
