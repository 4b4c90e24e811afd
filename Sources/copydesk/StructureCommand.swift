import ArgumentParser
import CopydeskCore
import Foundation

struct Structure: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "structure",
        abstract: "Show how copydesk reads each page: articles (headlines, credits, body) and fragments.",
        discussion: "Lines are 1-based; ranges are inclusive. The structure vocabulary is the configuration's (`structure:` in .lintrc.yml).")

    @Argument(help: "Files to read (.txt, .md). '-' reads standard input.") var paths: [String]
    @Option(help: "Output format: text or json.") var format: OutputFormat = .text
    @Option(help: "Use this configuration file.") var config: String?
    @Flag(name: .customLong("no-config"), help: "Ignore configuration files.") var noConfig = false
    @Option(name: .customLong("stdin-filename"), help: "With '-': the name that decides Markdown or plain text.") var stdinFilename: String?

    func validate() throws {
        guard format == .text || format == .json else { throw ValidationError("`copydesk structure` prints text or json") }
        guard !paths.isEmpty else { throw ValidationError("name at least one file") }
    }

    func run() throws {
        var opts = Runner.Options()
        opts.configPath = config
        opts.noConfig = noConfig
        let runner = try withConfigErrors { try Runner(options: opts) }
        var failed = false
        var items: [String] = []
        let cwd = FileManager.default.currentDirectoryPath
        for path in paths {
            let bytes: [UInt8]
            let name = path == "-" ? (stdinFilename ?? "<stdin>") : path
            if path == "-" {
                bytes = [UInt8](FileHandle.standardInput.readDataToEndOfFile())
            } else {
                switch runner.read(path) {
                case .success(let b): bytes = b
                case .failure(let e): printError("\(path): \(e)"); failed = true; continue
                }
            }
            let lookup = name.hasPrefix("/") ? name : cwd + "/" + name
            let vocabulary: StructureVocabulary
            do { vocabulary = try runner.linter(for: lookup).1.vocabulary } catch { printError("\(error)"); failed = true; continue }
            let doc: Document
            if name.lowercased().hasSuffix(".docx") {   // a Word file: its paragraphs, heading styles as headlines
                do { doc = try WordLint.document(docx: bytes, path: name, vocabulary: vocabulary, maxPartSize: opts.maxFileSize) }
                catch { printError("\(name): \(error)"); failed = true; continue }
            } else {
                let source: SourceText
                do { source = try SourceText(validating: bytes) } catch { printError("\(name): \(error)"); failed = true; continue }
                doc = Document(path: name, source: source, vocabulary: vocabulary)
            }
            if format == .json { items.append(StructureReport.json(doc, path: name)) }
            else { writeOut(StructureReport.text(doc, path: name)) }
        }
        if format == .json { writeOut(JSON.object([("files", JSON.array(items))]) + "\n") }
        if failed { throw ExitCode(2) }
    }
}
