using Antlr4.Runtime;
using Antlr4.Runtime.Misc;
using G = River.Syntax.Generated;

namespace River.Syntax;

/// <summary>
/// What <see cref="RiverScanner"/> produces for each token: a plain value in one array, so scanning allocates nothing
/// per token and the garbage collector has no per-token objects to trace or promote.
/// </summary>
/// <param name="Type">The token type (the generated parser's constants).</param>
/// <param name="StartIndex">The offset of the first character.</param>
/// <param name="End">The exclusive end offset.</param>
internal readonly record struct ScannedToken(int Type, int StartIndex, int End);

/// <summary>
/// The <see cref="IToken"/> the ANTLR parser sees, made from a <see cref="ScannedToken"/> when the parser asks for it
/// (see <see cref="TokenArrayStream"/>). Its text is cut from the source only when asked for (literals, labels,
/// error messages), so scanning allocates one small object per token and no strings. Kept to the fields the parser
/// and the builders read (a large file has hundreds of thousands of tokens alive until the parse ends): no cached
/// text, no line or column (SourceFile computes those from offsets when a diagnostic is shown; ANTLR only needs
/// them for its own messages, which RiverErrorStrategy replaces), always the default channel.
/// </summary>
internal sealed class RiverToken : IToken
{
    private readonly string _source;

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

    public string Text => Type == TokenConstants.EOF ? "<EOF>" : _source.Substring(StartIndex, End - StartIndex);

    public int Type { get; }

    public int Line => 0;

    public int Column => 0;

    public int Channel => TokenConstants.DefaultChannel;

    /// <summary>The index in the token array (set by <see cref="TokenArrayStream"/>); -1 for a token conjured up by error recovery.</summary>
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
    private readonly string _text;
    private readonly ScannedToken[] _tokens;
    private readonly int _count;
    private readonly ListTokenSource _source;
    private int _index;

    // The last token object handed out: the parser asks for the same token several times in a row (rule entry,
    // match, consume), and one object serves them all.
    private RiverToken? _last;

    public TokenArrayStream(string text, ScannedToken[] tokens, int count, string sourceName)
    {
        // The scanner always ends the array with an EOF token.
        _text = text;
        _tokens = tokens;
        _count = count;
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

        return Get(i >= _count ? _count - 1 : i);
    }

    // Prediction only needs token types: read them from the array without making token objects.
    public int LA(int i)
    {
        if (i == 0)
        {
            return TokenConstants.InvalidType;
        }

        var at = i < 0 ? _index + i : _index + i - 1;
        if (at < 0)
        {
            return TokenConstants.InvalidType;
        }

        return _tokens[at >= _count ? _count - 1 : at].Type;
    }

    // Token objects are made on demand and not kept: the fast pass drops them when the rule that saw them ends, so
    // they die young instead of a whole file's worth surviving to the end of the parse.
    public IToken Get(int i)
    {
        if (_last is { } last && last.TokenIndex == i)
        {
            return last;
        }

        var t = _tokens[i];
        _last = new RiverToken(_text, t.Type, t.StartIndex, t.End) { TokenIndex = i };
        return _last;
    }

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
                sb.Append(_text, _tokens[i].StartIndex, _tokens[i].End - _tokens[i].StartIndex);
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
