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
/// <remarks>
/// A name written without spaces or comments between its parts (as names always are in practice) is stored as the
/// dotted name and where it starts, shared by every block of that kind, and <see cref="NameParts"/> is made from it
/// when asked for: one string per kind of block instead of an array and an identifier per part of every block, and
/// <see cref="Name"/> costs nothing. Any other name keeps its parts.
/// </remarks>
public sealed record BlockStatement : Statement
{
    private string _name;
    private int _nameStart;

    // Default when the parts are implied by _name and _nameStart.
    private ImmutableArray<Identifier> _parts;

    // `name.label`, made on first use (the loader asks for it several times per block); reset when a `with` changes
    // the name or the label. Takes no part in equality.
    private string? _id;
    private string? _label;
    private ImmutableArray<Statement> _body;

    /// <summary>Makes a block from its name parts, label, body and spans.</summary>
    public BlockStatement(
        ImmutableArray<Identifier> nameParts,
        string? label,
        TextSpan labelSpan,
        ImmutableArray<Statement> body,
        TextSpan bodySpan,
        TextSpan span)
        : base(span)
    {
        SetParts(nameParts);
        _label = label;
        LabelSpan = labelSpan;
        Body = body;
        BodySpan = bodySpan;
    }

    // A block whose dotted name starts at nameStart and is written exactly as `name` (no space or comment inside).
    internal BlockStatement(
        string name,
        int nameStart,
        string? label,
        TextSpan labelSpan,
        ImmutableArray<Statement> body,
        TextSpan bodySpan,
        TextSpan span)
        : base(span)
    {
        _name = name;
        _nameStart = nameStart;
        _label = label;
        LabelSpan = labelSpan;
        Body = body;
        BodySpan = bodySpan;
    }

    /// <summary>The parts of the dotted name, with their spans.</summary>
    public ImmutableArray<Identifier> NameParts
    {
        get => _parts.IsDefault ? ImpliedParts() : _parts;
        init
        {
            SetParts(value);
            _id = null;
        }
    }

    /// <summary>The label, or null.</summary>
    public string? Label
    {
        get => _label;
        init
        {
            _label = value;
            _id = null;
        }
    }

    /// <summary>The span of the label (with its quotes); empty when there is none.</summary>
    public TextSpan LabelSpan { get; init; }

    /// <summary>The statements of the body.</summary>
    public ImmutableArray<Statement> Body
    {
        get => _body;
        init
        {
            _body = value;
            HasNoIdentifiers = false;
        }
    }

    /// <summary>
    /// True when the parser saw no identifier expression anywhere in the body (nested blocks included), so the block
    /// references nothing and the planner need not walk it; false when unknown (a block made otherwise, or given a new
    /// body). Takes no part in equality.
    /// </summary>
    internal bool HasNoIdentifiers { get; set; }

    /// <summary>The span from the opening to the closing brace.</summary>
    public TextSpan BodySpan { get; init; }

    /// <summary>The dotted name, e.g. <c>prometheus.scrape</c>.</summary>
    public string Name => _name;

    /// <summary>The span of the dotted name.</summary>
    public TextSpan NameSpan =>
        _parts.IsDefault ? new TextSpan(_nameStart, _nameStart + _name.Length) : _parts[0].Span.Union(_parts[^1].Span);

    /// <summary><c>name.label</c>, or <c>name</c> when unlabelled.</summary>
    public string Id => _id ??= _label is null ? _name : string.Concat(_name, ".", _label);

    /// <inheritdoc/>
    public bool Equals(BlockStatement? other) =>
        ReferenceEquals(this, other)
        || (other is not null && base.Equals(other) && _name == other._name && _nameStart == other._nameStart
            && _parts == other._parts && _label == other._label && LabelSpan == other.LabelSpan && Body == other.Body
            && BodySpan == other.BodySpan);

    /// <inheritdoc/>
    public override int GetHashCode() =>
        HashCode.Combine(base.GetHashCode(), _name, _nameStart, _parts, _label, LabelSpan, Body, BodySpan);

    /// <summary>Deconstructs the block into its name parts, label, body and spans.</summary>
    public void Deconstruct(
        out ImmutableArray<Identifier> nameParts,
        out string? label,
        out TextSpan labelSpan,
        out ImmutableArray<Statement> body,
        out TextSpan bodySpan,
        out TextSpan span)
    {
        nameParts = NameParts;
        label = Label;
        labelSpan = LabelSpan;
        body = Body;
        bodySpan = BodySpan;
        span = Span;
    }

    // Stores parts as the dotted name alone when they are implied by it (each part's span is its name's length, one
    // character apart), else as given.
    [System.Diagnostics.CodeAnalysis.MemberNotNull(nameof(_name))]
    private void SetParts(ImmutableArray<Identifier> parts)
    {
        if (parts.IsDefaultOrEmpty)
        {
            throw new ArgumentException("a block name has at least one part", nameof(parts));
        }

        _name = parts.Length == 1 ? parts[0].Name : string.Join('.', parts.Select(p => p.Name));
        _nameStart = parts[0].Span.Start;
        var at = _nameStart;
        foreach (var part in parts)
        {
            if (part.Span.Start != at || part.Span.Length != part.Name.Length || part.Name.Length == 0 || part.Name.Contains('.'))
            {
                _parts = parts;
                return;
            }

            at = part.Span.End + 1;
        }

        _parts = default;
    }

    private ImmutableArray<Identifier> ImpliedParts()
    {
        var count = 1;
        foreach (var c in _name)
        {
            count += c == '.' ? 1 : 0;
        }

        var parts = new Identifier[count];
        var start = 0;
        for (var i = 0; i < count; i++)
        {
            var end = _name.IndexOf('.', start);
            end = end < 0 ? _name.Length : end;
            parts[i] = new Identifier(count == 1 ? _name : _name[start..end], new TextSpan(_nameStart + start, _nameStart + end));
            start = end + 1;
        }

        return System.Runtime.InteropServices.ImmutableCollectionsMarshal.AsImmutableArray(parts);
    }
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
/// <remarks>
/// Most literals of a configuration are strings without escapes, whose raw text is their text in double quotes: for
/// those only the text is stored and <see cref="Raw"/> is made when asked for (the formatter and printers ask; the
/// evaluator reads <see cref="Text"/>), which saves a string per literal in a large file. Equality and hashing are
/// unchanged: the stored form is the same for equal literals.
/// </remarks>
public sealed record LiteralExpr : Expr
{
    // The raw text, or null when it is `"` + Text + `"` and Kind is String (see Normalize).
    private string? _raw;
    private LiteralKind _kind;
    private string? _text;

    /// <summary>Makes a literal from its kind, raw source text, decoded text and span.</summary>
    public LiteralExpr(LiteralKind kind, string raw, string? text, TextSpan span)
        : base(span)
    {
        ArgumentNullException.ThrowIfNull(raw);
        _kind = kind;
        _text = text;
        _raw = raw;
        Normalize();
    }

    // A string literal without escapes, from its text (the raw text is the text in double quotes).
    internal LiteralExpr(string quotedText, TextSpan span)
        : base(span)
    {
        _kind = LiteralKind.String;
        _text = quotedText;
    }

    /// <summary>The kind of literal.</summary>
    public LiteralKind Kind
    {
        get => _kind;
        init
        {
            Materialize();
            _kind = value;
            Normalize();
        }
    }

    /// <summary>The exact source text.</summary>
    public string Raw
    {
        get => _raw ?? string.Concat("\"", _text, "\"");
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            _raw = value;
            Normalize();
        }
    }

    /// <summary>The decoded string of a string literal; null for other kinds.</summary>
    public string? Text
    {
        get => _text;
        init
        {
            Materialize();
            _text = value;
            Normalize();
        }
    }

    /// <summary>Deconstructs the literal into its kind, raw text, decoded text and span.</summary>
    public void Deconstruct(out LiteralKind kind, out string raw, out string? text, out TextSpan span)
    {
        kind = Kind;
        raw = Raw;
        text = Text;
        span = Span;
    }

    /// <summary>True when both literals have the same raw text (without making either).</summary>
    internal bool SameRaw(LiteralExpr other) =>
        _raw is null && other._raw is null ? _text == other._text : _raw is not null && other._raw is not null && _raw == other._raw;

    /// <summary>A hash of the raw text consistent with <see cref="SameRaw"/>.</summary>
    internal int RawHashCode() => _raw is null ? HashCode.Combine(true, _text) : HashCode.Combine(false, _raw);

    // A `with` that changes the kind or text keeps the raw text: write it out first when it is only implied.
    private void Materialize() => _raw ??= string.Concat("\"", _text, "\"");

    // Drops the stored raw text when it is implied by the kind and text: the one stored form for each literal.
    private void Normalize()
    {
        var raw = _raw;
        if (raw is not null && _kind == LiteralKind.String && _text is { } text && raw.Length == text.Length + 2
            && raw[0] == '"' && raw[^1] == '"' && raw.AsSpan(1, text.Length).SequenceEqual(text))
        {
            _raw = null;
        }
    }
}

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
