/// The parts of a document a rule applies to. Each block of a document has exactly one role.
public struct Scope: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let body = Scope(rawValue: 1 << 0)
    public static let headline = Scope(rawValue: 1 << 1)
    public static let byline = Scope(rawValue: 1 << 2)
    public static let dateline = Scope(rawValue: 1 << 3)
    public static let frontMatter = Scope(rawValue: 1 << 4)
    /// Code blocks and inline code: never linted unless a rule asks for `code` explicitly.
    public static let code = Scope(rawValue: 1 << 5)
    /// Parts of the page the structure model tells apart (`Structure/PageStructure.swift`). They refine a block's
    /// role and never stand alone on a block: a lead-in is `[headline, kicker]`, a subtitle `[headline, subtitle]`,
    /// a byline line, photo credit or dateline credit `[byline, credit]`, a closing credit line `[body, credit]`.
    /// A rule scoped to `headline` still reads lead-ins and subtitles; one scoped to `kicker` reads only them.
    public static let kicker = Scope(rawValue: 1 << 6)
    public static let subtitle = Scope(rawValue: 1 << 7)
    public static let credit = Scope(rawValue: 1 << 8)
    /// The structure refinements above.
    public static let parts: Scope = [.kicker, .subtitle, .credit]
    /// Everything a reader sees: all prose roles, not code.
    public static let all: Scope = [.body, .headline, .byline, .dateline, .frontMatter, .kicker, .subtitle, .credit]

    public static let names: [(String, Scope)] = [
        ("body", .body), ("headline", .headline), ("byline", .byline), ("dateline", .dateline),
        ("front-matter", .frontMatter), ("code", .code),
        ("kicker", .kicker), ("subtitle", .subtitle), ("credit", .credit), ("all", .all),
    ]

    public static func named(_ s: String) -> Scope? { names.first(where: { $0.0 == s })?.1 }

    public var names: [String] {
        if self == .all { return ["all"] }
        return Scope.names.filter { $0.1 != .all && contains($0.1) }.map(\.0)
    }
}
