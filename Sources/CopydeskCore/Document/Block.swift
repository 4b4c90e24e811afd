/// A block of a document: a paragraph, a heading, a list item, a code block, front matter, a comment…
public struct Block: Sendable {
    public enum Kind: Sendable, Equatable {
        case paragraph
        case heading(level: Int)
        case listItem
        case blockquote
        case table
        case code
        case frontMatter
        case html
        case comment
        case thematicBreak
    }

    public var kind: Kind
    /// Which scope the block belongs to (`.body`, `.headline`, `.byline`, `.dateline`, `.frontMatter`, `.code`);
    /// empty for comments and markup that no rule reads.
    public var role: Scope
    /// 0-based indices of the lines the block covers.
    public var lines: Range<Int>
    /// For each line, the byte range of its text after container markers (`> `, `- `, `# `…) and without the line break.
    public var content: [Range<Int>]

    public var byteRange: Range<Int> {
        guard let f = content.first, let l = content.last else { return 0..<0 }
        return f.lowerBound..<l.upperBound
    }
}

/// A byte range of prose that a rule reads, cut at inline code, URLs and markup.
public struct Segment: Sendable, Equatable {
    public var range: Range<Int>
    /// The segment starts where its line's text starts (after container markers).
    public var atLineStart: Bool
    /// The segment ends where its line's text ends.
    public var atLineEnd: Bool
    /// Index of the block the segment belongs to.
    public var block: Int
    /// The role of the text (the block's, or an inline role such as a dateline's credit).
    public var role: Scope = .body
}
