using System.Collections.Immutable;
using River.Diagnostics;

namespace River.Syntax;

// The immutable AST. Every node carries the span of its source text; no later stage sees ANTLR types.
// Literals keep their raw text so that the formatter re-emits them unchanged.

/// <summary>Any node of the tree.</summary>
public abstract record Node(TextSpan Span);

/// <summary>A parsed file: its statements and every comment (the formatter places them back).</summary>
public sealed record ConfigFile(SourceFile Source, ImmutableArray<Statement> Body, ImmutableArray<Comment> Comments, TextSpan Span)
    : Node(Span);

/// <summary>A <c>//</c> or <c>/* */</c> comment, with its raw text including the delimiters.</summary>
public sealed record Comment(string Text, TextSpan Span) : Node(Span)
{
    /// <summary>True for <c>/* */</c> comments.</summary>
    public bool IsBlock => Text.StartsWith("/*", StringComparison.Ordinal);
}

/// <summary>An identifier with its span.</summary>
public sealed record Identifier(string Name, TextSpan Span) : Node(Span);

/// <summary>A statement of a body: an attribute or a block.</summary>
public abstract record Statement(TextSpan Span) : Node(Span);

/// <summary>
/// <c>name = value</c>. The name is stored as its text and span rather than as an <see cref="Identifier"/> node:
/// one object fewer per attribute in the tree (a large file has hundreds of thousands), which is what the garbage
/// collector has to mark and copy while a big file is parsed.
/// </summary>
public sealed record AttributeStatement(string NameText, TextSpan NameSpan, Expr Value, TextSpan Span) : Statement(Span)
{
    /// <summary>Makes the statement from a name node.</summary>
    public AttributeStatement(Identifier name, Expr value, TextSpan span)
        : this(name.Name, name.Span, value, span)
    {
    }

    /// <summary>The attribute name with its span (made on each access).</summary>
    public Identifier Name => new(NameText, NameSpan);
}

/// <summary>
/// <c>a.b.c "label" { body }</c>. <see cref="Label"/> is null when absent (an empty label <c>""</c> counts as absent,
/// as in Alloy). <see cref="BodySpan"/> runs from the opening to the closing brace, both included.
/// </summary>
public sealed record BlockStatement(
    ImmutableArray<Identifier> NameParts,
    string? Label,
    TextSpan LabelSpan,
    ImmutableArray<Statement> Body,
    TextSpan BodySpan,
    TextSpan Span) : Statement(Span)
{
    // The loader asks for Name and Id several times per block (ids, diagnostics, the graph): made on first use and
    // kept. The cache is checked against the current parts and label (a `with` copy starts from it) and takes no part
    // in equality (Equals and GetHashCode below are the positional members').
    private Names? _names;

    /// <summary>The dotted name, e.g. <c>prometheus.scrape</c>.</summary>
    public string Name => NamesNow().Name;

    /// <summary>The span of the dotted name.</summary>
    public TextSpan NameSpan => NameParts[0].Span.Union(NameParts[^1].Span);

    /// <summary><c>name.label</c>, or <c>name</c> when unlabelled.</summary>
    public string Id => NamesNow().Id;

    /// <inheritdoc/>
    public bool Equals(BlockStatement? other) =>
        ReferenceEquals(this, other)
        || (other is not null && base.Equals(other) && NameParts == other.NameParts && Label == other.Label
            && LabelSpan == other.LabelSpan && Body == other.Body && BodySpan == other.BodySpan);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(base.GetHashCode(), NameParts, Label, LabelSpan, Body, BodySpan);

    private Names NamesNow()
    {
        // One immutable object read once: a reader never sees the name of one block with the label of another.
        var names = _names;
        if (names is not null && names.Parts == NameParts && ReferenceEquals(names.Label, Label))
        {
            return names;
        }

        var name = NameParts.Length == 1 ? NameParts[0].Name : string.Join('.', NameParts.Select(p => p.Name));
        names = new Names(NameParts, Label, name, Label is null ? name : string.Concat(name, ".", Label));
        _names = names;
        return names;
    }

    private sealed record Names(ImmutableArray<Identifier> Parts, string? Label, string Name, string Id);
}

/// <summary>Any expression.</summary>
public abstract record Expr(TextSpan Span) : Node(Span);

/// <summary>The kind of a literal token.</summary>
public enum LiteralKind
{
    /// <summary>An integer literal (<c>42</c>).</summary>
    Number,

    /// <summary>A float literal (<c>4.2</c>, <c>1e3</c>, <c>.5</c>).</summary>
    Float,

    /// <summary>A double-quoted string (<c>"a\n"</c>).</summary>
    String,

    /// <summary>A raw backtick string.</summary>
    RawString,

    /// <summary><c>true</c> or <c>false</c>.</summary>
    Bool,

    /// <summary><c>null</c>.</summary>
    Null,
}

/// <summary>
/// A literal. <see cref="Raw"/> is the exact source text; <see cref="Text"/> is the decoded string for strings
/// (escapes resolved, backticks removed), null otherwise.
/// </summary>
public sealed record LiteralExpr(LiteralKind Kind, string Raw, string? Text, TextSpan Span) : Expr(Span);

/// <summary>A name looked up in the scope, then the standard library.</summary>
public sealed record IdentifierExpr(string Name, TextSpan Span) : Expr(Span);

/// <summary><c>[a, b]</c>.</summary>
public sealed record ArrayExpr(ImmutableArray<Expr> Elements, TextSpan Span) : Expr(Span);

/// <summary>One <c>key = value</c> of an object literal; <see cref="Name"/> is unquoted text (quotes stripped, escapes kept, as Alloy does).</summary>
public sealed record ObjectField(string Name, bool Quoted, TextSpan NameSpan, Expr Value, TextSpan Span) : Node(Span);

/// <summary><c>{ a = 1, "b.c" = 2 }</c>.</summary>
public sealed record ObjectExpr(ImmutableArray<ObjectField> Fields, TextSpan Span) : Expr(Span);

/// <summary><c>value.name</c>. The field name is stored as text and span, like <see cref="AttributeStatement"/>'s.</summary>
public sealed record AccessExpr(Expr Value, string NameText, TextSpan NameSpan, TextSpan Span) : Expr(Span)
{
    /// <summary>Makes the expression from a name node.</summary>
    public AccessExpr(Expr value, Identifier name, TextSpan span)
        : this(value, name.Name, name.Span, span)
    {
    }

    /// <summary>The field name with its span (made on each access).</summary>
    public Identifier Name => new(NameText, NameSpan);
}

/// <summary><c>value[index]</c>.</summary>
public sealed record IndexExpr(Expr Value, Expr Index, TextSpan Span) : Expr(Span);

/// <summary><c>callee(args)</c>.</summary>
public sealed record CallExpr(Expr Callee, ImmutableArray<Expr> Arguments, TextSpan Span) : Expr(Span);

/// <summary>Unary operators.</summary>
public enum UnaryOperator
{
    /// <summary><c>!</c></summary>
    Not,

    /// <summary><c>-</c></summary>
    Negate,
}

/// <summary><c>!x</c> or <c>-x</c>.</summary>
public sealed record UnaryExpr(UnaryOperator Operator, Expr Operand, TextSpan Span) : Expr(Span);

/// <summary>Binary operators, in Alloy's precedence groups (lowest first).</summary>
public enum BinaryOperator
{
    /// <summary><c>||</c></summary>
    Or,

    /// <summary><c>&amp;&amp;</c></summary>
    And,

    /// <summary><c>==</c></summary>
    Equal,

    /// <summary><c>!=</c></summary>
    NotEqual,

    /// <summary><c>&lt;</c></summary>
    Less,

    /// <summary><c>&lt;=</c></summary>
    LessOrEqual,

    /// <summary><c>&gt;</c></summary>
    Greater,

    /// <summary><c>&gt;=</c></summary>
    GreaterOrEqual,

    /// <summary><c>+</c></summary>
    Add,

    /// <summary><c>-</c></summary>
    Subtract,

    /// <summary><c>*</c></summary>
    Multiply,

    /// <summary><c>/</c></summary>
    Divide,

    /// <summary><c>%</c></summary>
    Modulo,

    /// <summary><c>^</c> (right-associative)</summary>
    Power,
}

/// <summary><c>left op right</c>.</summary>
public sealed record BinaryExpr(BinaryOperator Operator, Expr Left, Expr Right, TextSpan Span) : Expr(Span);

/// <summary><c>(inner)</c>, kept so the formatter can print the parentheses the user wrote.</summary>
public sealed record ParenExpr(Expr Inner, TextSpan Span) : Expr(Span);
