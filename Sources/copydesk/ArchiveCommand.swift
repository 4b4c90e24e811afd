import ArgumentParser
import CopydeskCore
import Foundation

/// `copydesk archive add|remove|stats|check`: the published archive (docs/archive.md).
struct ArchiveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive",
        abstract: "Keep the archive of published articles that `lint --archive` checks drafts against.",
        discussion: """
        LOCATION: a path or sqlite:PATH (SQLite, the default: .copydesk/archive.sqlite next to the configuration \
        file), or postgres://user@host:port/db (a build with --traits PostgreSQL; the password comes from \
        PGPASSWORD or ~/.pgpass only). Without --archive: the configuration's 'archive:', else the default.
        """,
        subcommands: [Add.self, Remove.self, Stats.self, Check.self])

    struct Where: ParsableArguments {
        @Option(help: ArgumentHelp("The archive: a path, sqlite:PATH or postgres://user@host:port/db.", valueName: "location"))
        var archive: String?
        @Option(help: "Use this configuration file (for 'archive:' and the default location) instead of discovering .lintrc.yml.")
        var config: String?

        /// --archive, else the configuration's `archive:`, else `.copydesk/archive.sqlite` next to the configuration.
        func location() throws -> ArchiveLocation {
            let cwd = FileManager.default.currentDirectoryPath
            if let a = archive { return try ArchiveLocation.parse(a, directory: cwd) }
            guard let file = config ?? Config.discover(from: cwd) else { return .defaultLocation(directory: cwd) }
            let c = try Config.load(path: file)
            return c.archive ?? .defaultLocation(directory: URL(fileURLWithPath: file).standardizedFileURL.deletingLastPathComponent().path)
        }
    }

    /// Runs `body`; archive and configuration errors are one message and exit 2.
    static func guarded(_ body: () throws -> Int32) -> Int32 {
        do { return try body() } catch let e as ConfigError {
            for x in e.all { printError(x.line) }
            return 2
        } catch {
            printError("\(error)")
            return 2
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Store published articles (files or folders): id, title, date and the fingerprints of their paragraphs.",
            discussion: """
            The id is the front matter's 'id', else the path as given; adding an id again replaces the article. \
            All files are stored in one transaction: if any file cannot be read, or the run is interrupted, the \
            archive stays as it was.
            """)
        @OptionGroup var place: Where
        @Option(help: ArgumentHelp("Publication date (YYYY-MM-DD) of every article given; else the front matter's 'date'.", valueName: "date"))
        var date: String?
        @Argument(help: "Published articles (.txt, .md) or folders of them.")
        var paths: [String]

        func validate() throws {
            if paths.isEmpty { throw ValidationError("name the published articles to add") }
            if let d = date, ArchiveArticleReader.validDate(d) == nil || d.count != 10 {
                throw ValidationError("--date must be YYYY-MM-DD, found '\(d)'")
            }
        }

        func run() throws {
            throw ExitCode(ArchiveCommand.guarded {
                let loc = try place.location()
                var opts = Runner.Options()
                opts.configPath = place.config
                let runner = try Runner(options: opts)
                let (files, missing) = try runner.discover(paths)
                for m in missing { printError("\(m.path): \(m.error ?? "cannot read")") }
                if !missing.isEmpty { printError("nothing added"); return 2 }
                let started = Date()
                // Read and fingerprint in parallel, then write in one transaction.
                let results = ArchiveArticleReader.read(files: files, runner: runner, date: date)
                var articles: [ArchiveArticle] = []
                var failed = false
                for r in results {
                    switch r {
                    case .success(let a): articles.append(a)
                    case .failure(let e): printError("\(e)"); failed = true
                    }
                }
                if failed { printError("nothing added"); return 2 }
                let store = try openArchive(loc, create: true)
                let added: Int, replaced: Int
                do { (added, replaced) = try store.add(articles) } catch {
                    // The transaction was rolled back (or dropped with the connection): the archive is as it was.
                    printError("\(error); nothing added")
                    return 2
                }
                let paragraphs = articles.reduce(0) { $0 + $1.paragraphs.count }
                let secs = Date().timeIntervalSince(started)
                FileHandle.standardError.write(Data("""
                    copydesk: archived \(articles.count) article(s) (\(added) new, \(replaced) replaced), \(paragraphs) paragraph(s) \
                    in \(String(format: "%.1f", secs)) s to \(loc)\n
                    """.utf8))
                return 0
            })
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove articles from the archive by id (in one transaction).")
        @OptionGroup var place: Where
        @Argument(help: "Article ids (as `archive add` stored them: the front matter's 'id' or the path).")
        var ids: [String]

        func run() throws {
            throw ExitCode(ArchiveCommand.guarded {
                let store = try openArchive(try place.location(), create: false)
                let removed = try store.remove(ids)
                let missing = ids.filter { !removed.contains($0) }
                for id in missing { printError("not in the archive: \(id)") }
                FileHandle.standardError.write(Data("copydesk: removed \(removed.count) article(s) from \(store.location)\n".utf8))
                return missing.isEmpty ? 0 : 1
            })
        }
    }

    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "stats", abstract: "Articles, paragraphs, size and schema version of the archive.")
        @OptionGroup var place: Where
        @Flag(help: "Print JSON instead of text.")
        var json = false

        func run() throws {
            throw ExitCode(ArchiveCommand.guarded {
                let s = try openArchive(try place.location(), create: false).stats()
                if json {
                    func q(_ v: String?) -> String { v.map { JSON.string($0) } ?? "null" }
                    writeOut("""
                        {"location":\(JSON.string(s.location)),"backend":\(JSON.string(s.backend)),"articles":\(s.articles),\
                        "paragraphs":\(s.paragraphs),"bandRows":\(s.bandRows),"bytes":\(s.bytes),\
                        "schema":\(JSON.array(s.schema.map { JSON.string($0) })),"oldest":\(q(s.oldest)),"newest":\(q(s.newest))}\n
                        """)
                } else {
                    writeOut("""
                        archive:    \(s.location) (\(s.backend))
                        articles:   \(s.articles)
                        paragraphs: \(s.paragraphs) (\(s.bandRows) LSH band rows)
                        size:       \(s.bytes) bytes (\(String(format: "%.1f", Double(s.bytes) / 1_048_576)) MiB)
                        schema:     \(s.schema.last ?? "none") (migrations: \(s.schema.joined(separator: ", ")))
                        published:  \(s.oldest ?? "-") … \(s.newest ?? "-")\n
                        """)
                }
                return 0
            })
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Report the paragraphs of drafts already in the archive: the report of `lint`, archive rules only.")
        @OptionGroup var common: CommonOptions

        func run() throws {
            var opts = Runner.Options()
            opts.configPath = common.config
            opts.noConfig = common.noConfig
            opts.style = common.style
            opts.maxFileSize = common.maxFileSizeBytes
            opts.onlyKind = "published"
            let code = ArchiveCommand.guarded {
                let place = try Where.parse((common.archive.map { ["--archive", $0] } ?? []) + (common.config.map { ["--config", $0] } ?? []))
                let loc = try place.location()
                _ = try openArchive(loc, create: false)
                opts.archive = loc
                return -1
            }
            if code != -1 { throw ExitCode(code) }
            throw ExitCode(LintCommand.execute(common, options: opts, mode: .report, unsafe: false))
        }
    }
}
