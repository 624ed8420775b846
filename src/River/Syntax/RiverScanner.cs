using System.Buffers;
using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.CompilerServices;
using River.Diagnostics;
using System.Text;
using G = River.Syntax.Generated;

namespace River.Syntax;

/// <summary>
/// The hand-written lexer that feeds the generated parser. It implements the lexer rules of grammar/River.g4 plus
/// Alloy's terminator rule: a newline (or the end of the file) right after an IDENT, a literal, <c>)</c>, <c>]</c> or
/// <c>}</c> becomes a TERMINATOR token; other newlines are whitespace. Comments are collected, not sent to the parser.
/// It also bounds bracket nesting (<see cref="SyntaxLimits.MaxBracketDepth"/>) so that the recursive parser stays
/// within its stack.
/// </summary>
/// <remarks>
/// Written by hand because the generated lexer was the bottleneck (see docs/language.md, "Performance"), and
/// because the terminator rule needs the previous token, which a lexer grammar can only express with actions.
/// </remarks>
internal sealed class RiverScanner
{
    // The characters ScanString stops at.
    private static readonly SearchValues<char> StringSpecials = SearchValues.Create("\"\\\n\0");

    private readonly string _text;
    private readonly SyntaxErrorCollector _errors;
    private Comment[] _comments = [];
    private int _commentCount;
    private ScannedToken[] _tokens;
    private int _count;
    private int _pos;
    private bool _insertTerm;
    private int _depth;
    private readonly int _end;

    public RiverScanner(string text, SyntaxErrorCollector errors)
        : this(text, 0, text.Length, errors)
    {
    }

    /// <summary>
    /// A scanner of the part [<paramref name="start"/>, <paramref name="end"/>) of the text, as if the text ended at
    /// <paramref name="end"/> (offsets stay those of the whole text). Used to scan a large file in parts
    /// (<see cref="RiverParser"/>); a part other than the first must start where the whole-file scan would be between
    /// statements, which the caller checks on the previous part (<see cref="EndDepth"/>).
    /// </summary>
    public RiverScanner(string text, int start, int end, SyntaxErrorCollector errors)
    {
        _text = text;
        _errors = errors;
        _pos = start;
        _end = end;

        // About one token per 3 characters in typical configurations (12 bytes each); the array grows if needed.
        // Rented, because for a large file it is a large-object-heap array that lives only as long as the parse:
        // allocating it fresh every time counts against the large-object budget and brings on full collections.
        _tokens = ArrayPool<ScannedToken>.Shared.Rent(Math.Max(16, (end - start) / 3));
    }

    /// <summary>The bracket depth at the end of the scanned text (0 when every bracket was closed).</summary>
    public int EndDepth => _depth;

    /// <summary>
    /// The tokens, ending with EOF, after <see cref="Run"/>; the array may be longer than <see cref="Count"/>. Valid
    /// until <see cref="ReleaseTokens"/>.
    /// </summary>
    public ScannedToken[] Tokens => _tokens;

    /// <summary>
    /// Gives the token array back to the pool once the parse is over (nothing the parse produced refers to it).
    /// Optional: a scanner whose tokens are never released just leaves its array to the garbage collector.
    /// </summary>
    public void ReleaseTokens()
    {
        if (_tokens.Length > 0)
        {
            ArrayPool<ScannedToken>.Shared.Return(_tokens);
            _tokens = [];
            _count = 0;
        }
    }

    /// <summary>The number of tokens in <see cref="Tokens"/>.</summary>
    public int Count => _count;

    /// <summary>Every comment, in order, after <see cref="Run"/>.</summary>
    public ImmutableArray<Comment> Comments { get; private set; } = [];

    /// <summary>True when scanning stopped at the nesting limit; the tokens are then incomplete and not parsed.</summary>
    public bool Aborted { get; private set; }

    /// <summary>The deepest bracket nesting seen.</summary>
    public int MaxDepth { get; private set; }

    /// <summary>Scans the whole text.</summary>
    /// <remarks>
    /// The scanner's loops run once per character of a file that is read once per process (<c>river validate</c>):
    /// compiled fully optimised at once rather than starting in the unoptimised first tier, in which most of a one-shot
    /// scan would otherwise run. The same holds for the per-token methods below.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run()
    {
        var text = _text;

        // A byte order mark is allowed as the very first character only (alloy.md §1.1).
        if (_pos == 0 && _end > 0 && text[0] == '\uFEFF')
        {
            _pos = 1;
        }

        var end = _end;
        while (!_errors.Full)
        {
            // Whitespace; a newline ends a statement when a terminator is pending. (The position is a local in the
            // hot loops of this class: a field would be written back on every character.)
            var pos = _pos;
            while (pos < end)
            {
                var c = text[pos];
                if (c == ' ' || c == '\t' || c == '\r')
                {
                    pos++;
                }
                else if (c == '\n')
                {
                    if (_insertTerm)
                    {
                        Add(G.RiverParser.TERMINATOR, pos, pos + 1);
                        _insertTerm = false;
                    }

                    pos++;
                }
                else
                {
                    break;
                }
            }

            _pos = pos;
            if (pos >= end)
            {
                break;
            }

            ScanToken();
        }

        if (_insertTerm)
        {
            Add(G.RiverParser.TERMINATOR, _end, _end);
        }

        Add(RiverTokens.Eof, _end, _end);

        // Collected in a rented buffer: a list doubling up to thousands of comments makes large-object garbage.
        Comments = _commentCount == 0 ? [] : ImmutableArray.Create(_comments, 0, _commentCount);
        if (_comments.Length > 0)
        {
            ArrayPool<Comment>.Shared.Return(_comments, clearArray: true);
            _comments = [];
        }
    }

    private void AddComment(Comment comment)
    {
        if (_commentCount == _comments.Length)
        {
            var bigger = ArrayPool<Comment>.Shared.Rent(Math.Max(64, _comments.Length * 2));
            _comments.AsSpan(0, _commentCount).CopyTo(bigger);
            if (_comments.Length > 0)
            {
                ArrayPool<Comment>.Shared.Return(_comments, clearArray: true);
            }

            _comments = bigger;
        }

        _comments[_commentCount++] = comment;
    }

    private void Add(int type, int start, int end)
    {
        if (_count == _tokens.Length)
        {
            var bigger = ArrayPool<ScannedToken>.Shared.Rent(_tokens.Length * 2);
            _tokens.AsSpan(0, _count).CopyTo(bigger);
            ArrayPool<ScannedToken>.Shared.Return(_tokens);
            _tokens = bigger;
        }

        _tokens[_count++] = new ScannedToken(type, start, end);
    }

    // Adds a token and records whether a following newline must become a terminator.
    private void Emit(int type, int start, bool insertTerm)
    {
        Add(type, start, _pos);
        _insertTerm = insertTerm;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ScanToken()
    {
        var text = _text;
        var start = _pos;
        var c = text[_pos];

        if (c < 128 ? IsAsciiLetter(c) : IsUnicodeLetterAt(_pos, out _))
        {
            ScanIdentifier(start);
            return;
        }

        if (c is >= '0' and <= '9' || (c == '.' && _pos + 1 < _end && text[_pos + 1] is >= '0' and <= '9'))
        {
            ScanNumber(start);
            return;
        }

        _pos++;
        switch (c)
        {
            case '"':
                ScanString(start);
                Emit(G.RiverParser.STRING, start, true);
                return;
            case '`':
                ScanRawString(start);
                Emit(G.RiverParser.RAW_STRING, start, true);
                return;
            case '\'':
                // Scanned like a string so that the parser sees one bad token, not a cascade.
                ScanQuoted('\'');
                _errors.Scanner(start, _pos, "illegal single-quoted string; use double quotes");
                Emit(RiverTokens.Illegal, start, true);
                return;
            case '/':
                if (_pos < _end && text[_pos] == '/')
                {
                    ScanLineComment(start);
                    return;
                }

                if (_pos < _end && text[_pos] == '*')
                {
                    ScanBlockComment(start);
                    return;
                }

                Emit(G.RiverParser.SLASH, start, false);
                return;
            case '.':
                Emit(G.RiverParser.DOT, start, false);
                return;
            case ',':
                Emit(G.RiverParser.COMMA, start, false);
                return;
            case '(':
                Open(G.RiverParser.LPAREN, start);
                return;
            case '[':
                Open(G.RiverParser.LBRACK, start);
                return;
            case '{':
                Open(G.RiverParser.LCURLY, start);
                return;
            case ')':
                Close(G.RiverParser.RPAREN, start);
                return;
            case ']':
                Close(G.RiverParser.RBRACK, start);
                return;
            case '}':
                Close(G.RiverParser.RCURLY, start);
                return;
            case '+':
                Emit(G.RiverParser.PLUS, start, false);
                return;
            case '-':
                Emit(G.RiverParser.MINUS, start, false);
                return;
            case '*':
                Emit(G.RiverParser.STAR, start, false);
                return;
            case '%':
                Emit(G.RiverParser.PERCENT, start, false);
                return;
            case '^':
                Emit(G.RiverParser.POW, start, false);
                return;
            case '=':
                Emit(Follows('=') ? G.RiverParser.EQ : G.RiverParser.ASSIGN, start, false);
                return;
            case '!':
                Emit(Follows('=') ? G.RiverParser.NEQ : G.RiverParser.NOT, start, false);
                return;
            case '<':
                Emit(Follows('=') ? G.RiverParser.LTE : G.RiverParser.LT, start, false);
                return;
            case '>':
                Emit(Follows('=') ? G.RiverParser.GTE : G.RiverParser.GT, start, false);
                return;
            case '|':
                // Alloy reports a lone | but still yields ||, so the parse carries on sensibly.
                if (!Follows('|'))
                {
                    _errors.Scanner(start, _pos, "missing second | in ||");
                }

                Emit(G.RiverParser.OR, start, false);
                return;
            case '&':
                if (!Follows('&'))
                {
                    _errors.Scanner(start, _pos, "missing second & in &&");
                }

                Emit(G.RiverParser.AND, start, false);
                return;
            default:
                ScanIllegal(start, c);
                return;
        }
    }

    private bool Follows(char expected)
    {
        if (_pos < _end && _text[_pos] == expected)
        {
            _pos++;
            return true;
        }

        return false;
    }

    private void Open(int type, int start)
    {
        _depth++;
        if (_depth > MaxDepth)
        {
            MaxDepth = _depth;
        }

        if (_depth > SyntaxLimits.MaxBracketDepth)
        {
            // Parsing deeper would risk the stack; stop scanning here (the file is rejected anyway).
            _errors.Scanner(start, _pos, $"nesting of brackets exceeds the limit of {SyntaxLimits.MaxBracketDepth}");
            Aborted = true;
            _pos = _end;
            _insertTerm = false;
            return;
        }

        Emit(type, start, false);
    }

    private void Close(int type, int start)
    {
        if (_depth > 0)
        {
            _depth--;
        }

        Emit(type, start, true);
    }

    private void ScanIllegal(int start, char c)
    {
        // The previous token's terminator state is kept, as in Alloy.
        var insert = _insertTerm;
        string message;
        if (c == '\0')
        {
            message = "illegal character NUL";
        }
        else if (c == '\uFEFF')
        {
            message = "illegal byte order mark";
        }
        else if (c == '\uFFFD' && _errors.IsInvalidUtf8At(start))
        {
            // The replacement for an invalid UTF-8 sequence, already reported as such.
            Emit(RiverTokens.Illegal, start, insert);
            return;
        }
        else
        {
            var rune = char.IsHighSurrogate(c) && _pos < _end && char.IsLowSurrogate(_text[_pos])
                ? new Rune(c, _text[_pos++])
                : Rune.TryCreate(c, out var r) ? r : Rune.ReplacementChar;
            message = "illegal character " + DescribeRune(rune);
        }

        _errors.Scanner(start, _pos, message);
        Emit(RiverTokens.Illegal, start, insert);
    }

    /// <summary>Formats a code point like Go's <c>%#U</c>: <c>U+0040 '@'</c>, or <c>U+0007</c> when not printable.</summary>
    internal static string DescribeRune(Rune rune)
    {
        var code = "U+" + rune.Value.ToString("X4", CultureInfo.InvariantCulture);
        var category = Rune.GetUnicodeCategory(rune);
        var printable = category is not (UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
            or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator
            or UnicodeCategory.ParagraphSeparator) && (rune.Value == ' ' || !Rune.IsWhiteSpace(rune));
        return printable ? $"{code} '{rune}'" : code;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsAsciiLetter(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '_';

    private bool IsUnicodeLetterAt(int pos, out int width)
    {
        width = 1;
        var c = _text[pos];
        if (c < 128)
        {
            return IsAsciiLetter(c);
        }

        if (char.IsHighSurrogate(c) && pos + 1 < _end && char.IsLowSurrogate(_text[pos + 1]))
        {
            width = 2;
            return Rune.IsLetter(new Rune(c, _text[pos + 1]));
        }

        return char.IsLetter(c);
    }

    private bool IsUnicodeDigitAt(int pos, out int width)
    {
        width = 1;
        var c = _text[pos];
        if (c < 128)
        {
            return c is >= '0' and <= '9';
        }

        if (char.IsHighSurrogate(c) && pos + 1 < _end && char.IsLowSurrogate(_text[pos + 1]))
        {
            width = 2;
            return Rune.IsDigit(new Rune(c, _text[pos + 1]));
        }

        return char.IsDigit(c);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ScanIdentifier(int start)
    {
        var text = _text;
        var pos = _pos;
        var end = _end;
        while (pos < end)
        {
            var c = text[pos];
            if (c < 128)
            {
                if (IsAsciiLetter(c) || c is >= '0' and <= '9')
                {
                    pos++;
                    continue;
                }

                break;
            }

            if (IsUnicodeLetterAt(pos, out var w) || IsUnicodeDigitAt(pos, out w))
            {
                pos += w;
                continue;
            }

            break;
        }

        _pos = pos;

        var type = G.RiverParser.IDENT;
        var length = _pos - start;
        if (length == 4 && string.CompareOrdinal(text, start, "true", 0, 4) == 0)
        {
            type = G.RiverParser.TRUE;
        }
        else if (length == 4 && string.CompareOrdinal(text, start, "null", 0, 4) == 0)
        {
            type = G.RiverParser.NULL;
        }
        else if (length == 5 && string.CompareOrdinal(text, start, "false", 0, 5) == 0)
        {
            type = G.RiverParser.FALSE;
        }

        Emit(type, start, true);
    }

    private void ScanDigits()
    {
        while (_pos < _end && _text[_pos] is >= '0' and <= '9')
        {
            _pos++;
        }
    }

    private void ScanNumber(int start)
    {
        var text = _text;
        var isFloat = false;
        ScanDigits();
        if (_pos < _end && text[_pos] == '.')
        {
            isFloat = true;
            _pos++;
            ScanDigits();
        }

        if (_pos < _end && text[_pos] is 'e' or 'E')
        {
            isFloat = true;
            _pos++;
            if (_pos < _end && text[_pos] is '+' or '-')
            {
                _pos++;
            }

            var digits = _pos;
            ScanDigits();
            if (_pos == digits)
            {
                _errors.Scanner(_pos, _pos, "exponent has no digits");
            }
        }

        Emit(isFloat ? G.RiverParser.FLOAT : G.RiverParser.NUMBER, start, true);
    }

    // The opening quote is consumed. Reports every bad escape; leaves _pos after the closing quote (or at the end of
    // the line when the string is not terminated).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ScanString(int start)
    {
        var text = _text;
        while (true)
        {
            // Plain characters are skipped in one vectorised search.
            var plain = text.AsSpan(_pos, _end - _pos).IndexOfAny(StringSpecials);
            _pos = plain < 0 ? _end : _pos + plain;
            if (_pos >= _end || text[_pos] == '\n')
            {
                _errors.Scanner(start, _pos, "string literal not terminated");
                return;
            }

            var c = text[_pos++];
            if (c == '"')
            {
                return;
            }

            if (c == '\\')
            {
                ScanEscape(_pos - 1);
            }
            else if (c == '\0')
            {
                _errors.Scanner(_pos - 1, _pos, "illegal character NUL");
            }
        }
    }

    private void ScanQuoted(char quote)
    {
        var text = _text;
        while (_pos < _end && text[_pos] != '\n')
        {
            var c = text[_pos++];
            if (c == quote)
            {
                return;
            }

            if (c == '\\' && _pos < _end && text[_pos] != '\n')
            {
                _pos++;
            }
        }
    }

    // _pos is just after the backslash; backslashAt is its offset.
    private void ScanEscape(int backslashAt)
    {
        var text = _text;
        if (_pos >= _end || text[_pos] == '\n')
        {
            _errors.Scanner(backslashAt, _pos, "escape sequence not terminated");
            return;
        }

        int digits, radix;
        uint max;
        switch (text[_pos])
        {
            case 'a' or 'b' or 'f' or 'n' or 'r' or 't' or 'v' or '\\' or '"':
                _pos++;
                return;
            case >= '0' and <= '7':
                (digits, radix, max) = (3, 8, 255);
                break;
            case 'x':
                _pos++;
                (digits, radix, max) = (2, 16, 255);
                break;
            case 'u':
                _pos++;
                (digits, radix, max) = (4, 16, 0x10FFFF);
                break;
            case 'U':
                _pos++;
                (digits, radix, max) = (8, 16, 0x10FFFF);
                break;
            default:
                _errors.Scanner(backslashAt, _pos + 1, "unknown escape sequence");
                return;
        }

        uint value = 0;
        for (; digits > 0; digits--)
        {
            if (_pos >= _end || text[_pos] == '\n')
            {
                _errors.Scanner(backslashAt, _pos, "escape sequence not terminated");
                return;
            }

            var c = text[_pos];
            var d = HexValue(c);
            if (d >= radix)
            {
                var rune = Rune.TryCreate(c, out var r) ? r : Rune.ReplacementChar;
                _errors.Scanner(_pos, _pos + 1, $"illegal character {DescribeRune(rune)} in escape sequence");
                return;
            }

            value = (value * (uint)radix) + (uint)d;
            _pos++;
        }

        if (value > max || value is >= 0xD800 and < 0xE000)
        {
            _errors.Scanner(backslashAt, _pos, "escape sequence is invalid Unicode code point");
        }
    }

    internal static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => 16,
    };

    private void ScanRawString(int start)
    {
        var end = _text.IndexOf('`', _pos, _end - _pos);
        if (end < 0)
        {
            _pos = _end;
            _errors.Scanner(start, _pos, "raw string literal not terminated");
            return;
        }

        _pos = end + 1;
    }

    private void ScanLineComment(int start)
    {
        // A pending terminator goes before the comment, at its position (Alloy's rule).
        if (_insertTerm)
        {
            Add(G.RiverParser.TERMINATOR, start, start);
            _insertTerm = false;
        }

        var end = _text.IndexOf('\n', _pos, _end - _pos);
        _pos = end < 0 ? _end : end;
        var textEnd = _pos > start && _text[_pos - 1] == '\r' ? _pos - 1 : _pos;
        AddComment(new Comment(_text[start..textEnd], new TextSpan(start, textEnd)));
    }

    private void ScanBlockComment(int start)
    {
        _pos++;
        var close = _pos >= _end ? -1 : _text.IndexOf("*/", _pos, _end - _pos, StringComparison.Ordinal);
        if (close < 0)
        {
            _pos = _end;
            _errors.Scanner(start, _pos, "block comment not terminated");
        }
        else
        {
            _pos = close + 2;
        }

        if (_insertTerm)
        {
            // A pending terminator is emitted before the comment when the comment spans lines or nothing but
            // whitespace (or another comment) follows it on its line; otherwise code continues on the same line.
            var spansLines = _text.IndexOf('\n', start, _pos - start) >= 0;
            if (spansLines || RestOfLineIsBlank(_pos))
            {
                Add(G.RiverParser.TERMINATOR, start, start);
                _insertTerm = false;
            }
        }

        AddComment(new Comment(_text[start.._pos], new TextSpan(start, _pos)));
    }

    private bool RestOfLineIsBlank(int pos)
    {
        var text = _text;
        while (pos < _end)
        {
            var c = text[pos];
            if (c == '\n')
            {
                return true;
            }

            if (c == '/' && pos + 1 < _end && text[pos + 1] == '/')
            {
                return true;
            }

            if (c != ' ' && c != '\t' && c != '\r')
            {
                return false;
            }

            pos++;
        }

        return true;
    }
}
