// libyaml itself (Yams' C part, already a dependency): its event parser is iterative, so it can measure a document
// that Yams' recursive composer (and `YAMLValue.convert`) could not take.
import CYaml

/// Limits checked on a YAML document's events before it is composed: nesting depth (Yams composes recursively, so a
/// document nested thousands of levels deep would overflow the stack) and how much aliases expand (`&a [*b, *b…]`
/// chains — an "alias bomb" — grow exponentially when the tree is walked). Both are errors with a position.
enum YAMLLimits {
    /// Far beyond what a configuration or rule file needs (they nest a handful of levels).
    static let maxDepth = 64
    /// Nodes that aliases may stand for in all, counting each alias as the size of what it refers to.
    static let maxAliasNodes = 100_000

    static func check(_ text: String, file: String) throws {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return }
        defer { yaml_parser_delete(&parser) }
        var bytes = Array(text.utf8)
        if bytes.isEmpty { return }
        try bytes.withUnsafeMutableBufferPointer { buf in
            yaml_parser_set_input_string(&parser, buf.baseAddress, buf.count)
            var stack: [(size: Int, anchor: String?)] = []
            var anchors: [String: Int] = [:]
            var aliasNodes = 0
            func add(_ n: Int) { if !stack.isEmpty { stack[stack.count - 1].size = min(stack[stack.count - 1].size + n, Int.max / 4) } }
            func anchorName(_ p: UnsafeMutablePointer<yaml_char_t>?) -> String? {
                p.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
            }
            while true {
                var event = yaml_event_t()
                // Syntax errors are left to the composer, which reports them with their position.
                guard yaml_parser_parse(&parser, &event) == 1 else { return }
                defer { yaml_event_delete(&event) }
                let mark = SourceMark(file: file, line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return
                case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                    let anchor = event.type == YAML_SEQUENCE_START_EVENT ? event.data.sequence_start.anchor : event.data.mapping_start.anchor
                    stack.append((1, anchorName(anchor)))
                    if stack.count > maxDepth {
                        throw ConfigError(mark, "YAML nested too deeply (more than \(maxDepth) levels); a configuration or rule file needs a few")
                    }
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    guard let done = stack.popLast() else { break }
                    if let a = done.anchor { anchors[a] = done.size }
                    add(done.size)
                case YAML_SCALAR_EVENT:
                    if let a = anchorName(event.data.scalar.anchor) { anchors[a] = 1 }
                    add(1)
                case YAML_ALIAS_EVENT:
                    let n = anchorName(event.data.alias.anchor).flatMap { anchors[$0] } ?? 1
                    aliasNodes = min(aliasNodes + n, Int.max / 4)
                    if aliasNodes > maxAliasNodes {
                        throw ConfigError(mark, "YAML aliases expand to more than \(maxAliasNodes) nodes (an alias bomb?); write the values out or use fewer aliases")
                    }
                    add(n)
                default:
                    break
                }
            }
        }
    }
}
