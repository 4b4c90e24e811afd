import ArgumentParser
import CopydeskCore
import Foundation

/// `copydesk server`: the language server for editors (LSP over standard input and output).
struct Server: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Run the language server (LSP over stdio) for editors: diagnostics, fixes, hover.",
        discussion: """
        Each document uses the nearest .lintrc.yml of its path (reloaded when YAML files change).
        See docs/editors.md for VS Code, Neovim and Zed set-up.
        """
    )

    @Option(name: .long, help: "House style for every document: print or pangu (overrides the configuration).")
    var style: String?

    @Option(name: .long, help: "Use this configuration file for every document.")
    var config: String?

    @Flag(name: .long, help: "Ignore .lintrc.yml files; use the built-in defaults.")
    var noConfig = false

    @Option(help: ArgumentHelp("Publication date for the roster rules (YYYY-MM-DD). Default: a document's front matter `date`, else today.", valueName: "date"))
    var date: String?

    func validate() throws {
        if let d = date, Day.parse(d) == nil { throw ValidationError("--date must be a date (YYYY-MM-DD); found '\(d)'") }
    }

    func run() throws {
        var opts = Runner.Options()
        opts.style = style
        opts.configPath = config
        opts.noConfig = noConfig
        opts.date = date.flatMap(Day.parse)
        let server: LanguageServer
        do { server = try LanguageServer(options: opts) } catch {
            printError("built-in rules failed to load: \(error)")
            throw ExitCode(2)
        }
        throw ExitCode(server.run())
    }
}
