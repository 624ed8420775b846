using Antlr4.Runtime;
using Antlr4.Runtime.Misc;
using G = River.Syntax.Generated;

namespace River.Syntax;

/// <summary>
/// A token made by <see cref="RiverScanner"/>. Its text is cut from the source only when asked for (error messages),
/// so scanning a large file allocates one small object per token and no strings.
/// </summary>
internal sealed class RiverToken : IWritableToken
{
    private readonly string _source;
    private string? _text;

    public RiverToken(string source, int type, int start, int end)
    {
        _source = source;
        Type = type;
        StartIndex = start;
        End = end;
    }

    /// <summary>The whole source text the token was cut from.</summary>
    public string Source => _source;

    /// <summary>The exclusive end offset (ANTLR's <see cref="StopIndex"/> is inclusive).</summary>
    public int End { get; }

    public string Text
    {
        get => _text ??= Type == TokenConstants.EOF ? "<EOF>" : _source.Substring(StartIndex, End - StartIndex);
        set => _text = value;
    }

    public int Type { get; set; }

    // Line and column are computed from offsets by SourceFile when a diagnostic is shown; ANTLR only needs them for
    // its own messages, which RiverErrorStrategy replaces.
    public int Line { get; set; }

    public int Column { get; set; }

    public int Channel { get; set; }

    public int TokenIndex { get; set; }

    public int StartIndex { get; }

    public int StopIndex => End - 1;

    public ITokenSource? TokenSource => null;

    public ICharStream? InputStream => null;

    public override string ToString() => $"{RiverTokens.DisplayName(Type)} '{Text}' @{StartIndex}";
}

/// <summary>
/// A token stream over the scanner's finished token array: the parser's look-ahead is a plain array index instead of
/// <see cref="BufferedTokenStream"/>'s fetch-and-sync bookkeeping, and there are no hidden-channel tokens to skip
/// (comments are collected by the scanner, never sent to the parser).
/// </summary>
internal sealed class TokenArrayStream : ITokenStream
{
    private readonly RiverToken[] _tokens;
    private readonly int _count;
    private readonly ListTokenSource _source;
    private int _index;

    public TokenArrayStream(RiverToken[] tokens, int count, string sourceName)
    {
        // The scanner always ends the array with an EOF token.
        _tokens = tokens;
        _count = count;
        for (var i = 0; i < count; i++)
        {
            tokens[i].TokenIndex = i;
        }

        _source = new ListTokenSource(Array.Empty<IToken>(), sourceName);
    }

    public ITokenSource TokenSource => _source;

    public int Index => _index;

    public int Size => _count;

    public string SourceName => _source.SourceName;

    public IToken LT(int k)
    {
        if (k == 0)
        {
            return null!;
        }

        var i = k < 0 ? _index + k : _index + k - 1;
        if (i < 0)
        {
            return null!;
        }

        return _tokens[i >= _count ? _count - 1 : i];
    }

    public int LA(int i) => LT(i)?.Type ?? TokenConstants.InvalidType;

    public IToken Get(int i) => _tokens[i];

    public void Consume()
    {
        if (_tokens[_index].Type == TokenConstants.EOF)
        {
            throw new InvalidOperationException("cannot consume EOF");
        }

        _index++;
    }

    public int Mark() => 0;

    public void Release(int marker)
    {
    }

    public void Seek(int index) => _index = Math.Clamp(index, 0, _count - 1);

    public string GetText() => GetText(Interval.Of(0, _count - 1));

    public string GetText(Interval interval)
    {
        if (interval.a < 0 || interval.b < interval.a)
        {
            return string.Empty;
        }

        var sb = new System.Text.StringBuilder();
        for (var i = interval.a; i <= interval.b && i < _count; i++)
        {
            if (_tokens[i].Type != TokenConstants.EOF)
            {
                sb.Append(_tokens[i].Text);
            }
        }

        return sb.ToString();
    }

    public string GetText(RuleContext ctx) => GetText(ctx.SourceInterval);

    public string GetText(IToken start, IToken stop) =>
        start is null || stop is null ? string.Empty : GetText(Interval.Of(start.TokenIndex, stop.TokenIndex));
}

/// <summary>Token type constants (the generated parser's) and the names Alloy's messages use for them.</summary>
internal static class RiverTokens
{
    public const int Eof = TokenConstants.EOF;
    public const int Illegal = G.RiverParser.ILLEGAL;

    /// <summary>The name of a token kind as Alloy prints it in "expected X, got Y".</summary>
    public static string DisplayName(int type) => type switch
    {
        TokenConstants.EOF => "EOF",
        G.RiverParser.TERMINATOR => "TERMINATOR",
        G.RiverParser.IDENT => "IDENT",
        G.RiverParser.NUMBER => "NUMBER",
        G.RiverParser.FLOAT => "FLOAT",
        G.RiverParser.STRING or G.RiverParser.RAW_STRING => "STRING",
        G.RiverParser.TRUE or G.RiverParser.FALSE => "BOOL",
        G.RiverParser.NULL => "NULL",
        G.RiverParser.ILLEGAL => "ILLEGAL",
        G.RiverParser.OR => "||",
        G.RiverParser.AND => "&&",
        G.RiverParser.EQ => "==",
        G.RiverParser.NEQ => "!=",
        G.RiverParser.LTE => "<=",
        G.RiverParser.GTE => ">=",
        G.RiverParser.LT => "<",
        G.RiverParser.GT => ">",
        G.RiverParser.ASSIGN => "=",
        G.RiverParser.NOT => "!",
        G.RiverParser.PLUS => "+",
        G.RiverParser.MINUS => "-",
        G.RiverParser.STAR => "*",
        G.RiverParser.SLASH => "/",
        G.RiverParser.PERCENT => "%",
        G.RiverParser.POW => "^",
        G.RiverParser.LCURLY => "{",
        G.RiverParser.RCURLY => "}",
        G.RiverParser.LPAREN => "(",
        G.RiverParser.RPAREN => ")",
        G.RiverParser.LBRACK => "[",
        G.RiverParser.RBRACK => "]",
        G.RiverParser.COMMA => ",",
        G.RiverParser.DOT => ".",
        _ => "token " + type.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
