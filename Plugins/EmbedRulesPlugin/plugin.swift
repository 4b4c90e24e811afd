import Foundation
import PackagePlugin

/// Embeds the top-level `rules/` folder (the single source of truth for built-in rules) into CopydeskCore.
@main
struct EmbedRulesPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let rulesDir = context.package.directoryURL.appending(path: "rules")
        // The folders are inputs too: adding or removing a rule file changes their modification time, so the
        // embedded set is regenerated on the next build.
        var inputs: [URL] = [rulesDir]
        if let walker = FileManager.default.enumerator(at: rulesDir, includingPropertiesForKeys: [.isDirectoryKey]) {
            for case let url as URL in walker {
                if (try? url.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true { inputs.append(url) }
                else if url.pathExtension == "yml" || url.pathExtension == "yaml" { inputs.append(url) }
            }
        }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedRules.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(inputs.filter { $0.pathExtension == "yml" || $0.pathExtension == "yaml" }.count) rule files",
                executable: try context.tool(named: "EmbedRules").url,
                arguments: [rulesDir.path, output.path],
                inputFiles: inputs,
                outputFiles: [output]
            )
        ]
    }
}
