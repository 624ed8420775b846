using System.Collections.Immutable;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Text;
using Antlr4.Runtime;
using Antlr4.Runtime.Atn;
using Antlr4.Runtime.Misc;
using River.Diagnostics;
using G = River.Syntax.Generated;

namespace River.Syntax;

/// <summary>
/// Parses River (Alloy syntax) into the immutable AST. Never throws on bad input: every problem is a
/// <see cref="Diagnostic"/> in the result, and the tree is null when there is any error.
/// </summary>
/// <remarks>
/// Pipeline: <see cref="RiverScanner"/> (hand-written lexer with the terminator rule, tokens as plain values) → the
/// ANTLR parser generated from grammar/River.g4, first with the grammar's fast rules (valid input only, few rule
/// invocations) in SLL mode with bail-out and no parse tree, the AST built directly from rule exits
/// (<see cref="AstBuildingParser"/>, <see cref="DirectAstBuilder"/>); only when that pass meets a syntax error or
/// anything else to report, again with the full rules in LL mode with Alloy-style error recovery, a parse tree and
/// <see cref="AstBuilder"/>. Deeply nested input is parsed on a thread with a large stack;
/// nesting beyond <see cref="SyntaxLimits"/> is a diagnostic.
/// </remarks>
public static class RiverParser
{
    // Below this bracket depth the caller's stack is plenty (each level costs about a dozen parser frames).
    private const int InlineDepth = 64;

    // Enough for SyntaxLimits.MaxBracketDepth levels of parser and builder frames with a wide margin; only reserved,
    // not committed, and only used for deeply nested input.
    private const int DeepStackSize = 256 * 1024 * 1024;

    /// <summary>Parses a whole file.</summary>
    public static ParseResult Parse(SourceFile source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Parse(source, [], partParsed: null);
    }

    /// <summary>
    /// Parses a whole file, calling <paramref name="partParsed"/> with each part of a large file as soon as that part
    /// is parsed, on the thread that parsed it (while its syntax tree is still in that core's cache), so a caller can
    /// do per-statement work early. The calls are only hints: parts may be parsed in any order and at once, and when
    /// the file cannot be parsed in parts (it is small, or a part has an error) the statements handed out are not
    /// those of the result. A caller must therefore match what it computed against the result's statements by
    /// reference. Statements are never handed out twice.
    /// </summary>
    public static ParseResult Parse(SourceFile source, Action<ConfigFile>? partParsed)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Parse(source, [], partParsed);
    }

    private static ParseResult Parse(SourceFile source, List<int> invalidUtf8, Action<ConfigFile>? partParsed)
    {
        if (invalidUtf8.Count == 0 && TryParseInParts(source, partParsed) is { } inParts)
        {
            return new ParseResult(inParts, []);
        }

        var errors = new SyntaxErrorCollector(source);
        foreach (var offset in invalidUtf8)
        {
            errors.InvalidUtf8(offset);
        }

        var scanner = new RiverScanner(source.Text, errors);
        try
        {
            scanner.Run();
            var file = OnLargeStackIfDeep(scanner.MaxDepth, () => ParseFile(source, scanner, errors));
            return new ParseResult(errors.HasErrors ? null : file, errors.ToList());
        }
        finally
        {
            scanner.ReleaseTokens();
        }
    }

    /// <summary>Parses text as a whole file (a convenience for tests and tools).</summary>
    public static ParseResult Parse(string path, string text) => Parse(new SourceFile(path, text));

    /// <summary>
    /// Parses a file from its bytes, applying Alloy's encoding rules: UTF-8 only; a UTF-8 byte order mark is skipped;
    /// a UTF-16 or UTF-32 byte order mark is an error; each invalid UTF-8 sequence is an "illegal UTF-8 encoding" error
    /// at its position (shown as U+FFFD in the text).
    /// </summary>
    public static ParseResult Parse(string path, ReadOnlySpan<byte> content)
    {
        ArgumentNullException.ThrowIfNull(path);
        var bad = DetectForeignEncoding(content);
        if (bad is not null)
        {
            var empty = new SourceFile(path, string.Empty);
            return new ParseResult(null, [Diagnostic.Error(empty, TextSpan.Empty, $"configuration is encoded with {bad} but must be utf8")]);
        }

        var (text, invalid) = DecodeUtf8(content);
        return Parse(new SourceFile(path, text), invalid, partParsed: null);
    }

    /// <summary>
    /// Parses one expression that must make up the whole text (a trailing newline is fine), for tools, tests and
    /// the evaluator's <c>ParseExpression</c>-style entry points.
    /// </summary>
    public static ExpressionParseResult ParseExpression(SourceFile source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var errors = new SyntaxErrorCollector(source);
        var scanner = new RiverScanner(source.Text, errors);
        try
        {
            scanner.Run();
            var expr = OnLargeStackIfDeep(scanner.MaxDepth, () => ParseExpressionTokens(source, scanner, errors));
            return new ExpressionParseResult(errors.HasErrors ? null : expr, errors.ToList());
        }
        finally
        {
            scanner.ReleaseTokens();
        }
    }

    /// <summary>Parses one expression from text.</summary>
    public static ExpressionParseResult ParseExpression(string text) => ParseExpression(new SourceFile("expression", text));

    /// <summary>
    /// Parses with the recovering parser and the parse-tree builder only, skipping the fast pass: the reference the
    /// tests compare the fast pass against (same AST, same diagnostics on every input).
    /// </summary>
    internal static ParseResult ParseViaParseTree(SourceFile source)
    {
        var errors = new SyntaxErrorCollector(source);
        var scanner = new RiverScanner(source.Text, errors);
        scanner.Run();
        var file = OnLargeStackIfDeep(scanner.MaxDepth, () =>
        {
            if (errors.Full || scanner.Aborted)
            {
                return null;
            }

            var tree = RunRecoveringParser(source, scanner, errors, p => p.file());
            return new AstBuilder(source, errors).BuildFile(tree, scanner.Comments);
        });
        return new ParseResult(errors.HasErrors ? null : file, errors.ToList());
    }

    /// <summary>
    /// The fast pass alone: the AST when it succeeds, null when the input would need the recovering parser (a syntax
    /// error or anything else to report). Lets the tests check that valid input never takes the slow path.
    /// </summary>
    internal static ConfigFile? ParseFastPassOnly(SourceFile source)
    {
        var errors = new SyntaxErrorCollector(source);
        var scanner = new RiverScanner(source.Text, errors);
        scanner.Run();
        return OnLargeStackIfDeep(scanner.MaxDepth, () =>
            errors.Full || scanner.Aborted ? null : TryFastPass(source, scanner, scanner.Comments, p => p.fastFile())?.File);
    }

    // A file at least twice this long is parsed in parts (TryParseInParts), each about this long. Small parts keep the
    // working memory of a parse small whatever the file's size: a part's token array (about 12 bytes per 3 characters)
    // and the builder's stack are made for the first part a thread parses and reused for the next, so a large file no
    // longer needs a token array of its own size (for a 1.8 MB file that was two fresh 6 MB arrays, whose pages cost
    // more to fault in than to fill). Parts also spread the work over the cores.
    private const int PartLength = 64 * 1024;

    // The most threads that parse parts at once (at most one per core).
    private const int MaxPartWorkers = 8;

    // A large valid file, cut at lines that start a top-level statement and parsed part by part (scanner and fast
    // pass), on up to one thread per core that take the parts in turn (the calling thread is one of them). Exact, not
    // a heuristic: each part is scanned as if the file ended where the part ends, and the parts are used only when
    // every one of them scans without a diagnostic, every part but the last ends outside any bracket with a terminator
    // as its last token (so the whole-file scanner would reach the next part's start in the state a fresh scanner
    // starts in: no bracket open, no terminator pending — a raw string or block comment running across a cut is
    // unterminated in its part, an error), and every part passes the fast rules. The file's statements and comments
    // are then the parts' in order, with the same spans, and there is nothing to report. Anything else (an error
    // anywhere, a cut inside a statement, deep nesting) returns null and the file is parsed whole, as before, which
    // makes every diagnostic.
    private static ConfigFile? TryParseInParts(SourceFile source, Action<ConfigFile>? partParsed)
    {
        var parts = source.Text.Length / PartLength;
        return parts < 2 ? null : ParseInParts(source, parts, partParsed);
    }

    /// <summary>
    /// The parsed file when it can be cut into up to <paramref name="parts"/> parts that all parse cleanly (see
    /// <see cref="TryParseInParts"/>), else null. Internal for the tests, which compare it with the whole-file parse.
    /// </summary>
    internal static ConfigFile? ParseInParts(SourceFile source, int parts, Action<ConfigFile>? partParsed = null)
    {
        var text = source.Text;
        var bounds = new List<int>(parts + 1) { 0 };
        for (var k = 1; k < parts; k++)
        {
            var cut = StatementLineStart(text, Math.Max(bounds[^1] + 1, (int)((long)text.Length * k / parts)));
            if (cut < 0)
            {
                break;
            }

            bounds.Add(cut);
        }

        if (bounds.Count < 2)
        {
            return null;
        }

        bounds.Add(text.Length);
        var job = new PartsJob(source, bounds, partParsed);
        var others = new Task[Math.Min(Math.Min(Environment.ProcessorCount, MaxPartWorkers), job.Results.Length) - 1];
        for (var i = 0; i < others.Length; i++)
        {
            others[i] = Task.Run(job.Work);
        }

        job.Work();
        try
        {
            Task.WaitAll(others);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }

        var statements = 0;
        var comments = 0;
        foreach (var part in job.Results)
        {
            if (part is null)
            {
                return null;
            }

            statements += part.Body.Length;
            comments += part.Comments.Length;
        }

        var body = new Statement[statements];
        var allComments = new Comment[comments];
        statements = 0;
        comments = 0;
        foreach (var part in job.Results)
        {
            part!.Body.CopyTo(body, statements);
            part.Comments.CopyTo(allComments, comments);
            statements += part.Body.Length;
            comments += part.Comments.Length;
        }

        return new ConfigFile(
            source,
            ImmutableCollectionsMarshal.AsImmutableArray(body),
            ImmutableCollectionsMarshal.AsImmutableArray(allComments),
            new TextSpan(0, text.Length));
    }

    // The parts of one ParseInParts, handed out in order to the threads that call Work; the first part that cannot be
    // used stops them all (the file is then parsed whole).
    private sealed class PartsJob(SourceFile source, List<int> bounds, Action<ConfigFile>? partParsed)
    {
        private int _next = -1;
        private volatile bool _failed;

        public ConfigFile?[] Results { get; } = new ConfigFile?[bounds.Count - 1];

        public void Work()
        {
            int part;
            while (!_failed && (part = Interlocked.Increment(ref _next)) < Results.Length)
            {
                var result = ParsePart(source, bounds[part], bounds[part + 1], part == Results.Length - 1);
                Results[part] = result;
                if (result is null)
                {
                    _failed = true;
                }
                else if (!_failed)
                {
                    partParsed?.Invoke(result);
                }
            }
        }
    }

    // The first offset from `from` on that starts a line beginning with an ASCII letter (where top-level statements
    // of a formatted file start; nested ones are indented), or -1. Only a guess: TryParseInParts checks the cut.
    private static int StatementLineStart(string text, int from)
    {
        var at = from - 1;
        while (true)
        {
            at = text.IndexOf('\n', at);
            if (at < 0 || at + 1 >= text.Length)
            {
                return -1;
            }

            if (char.IsAsciiLetter(text[at + 1]) || text[at + 1] == '_')
            {
                return at + 1;
            }

            at++;
        }
    }

    // One part of TryParseInParts: its statements and comments, or null when it cannot be used as a part.
    private static ConfigFile? ParsePart(SourceFile source, int start, int end, bool last)
    {
        var errors = new SyntaxErrorCollector(source);
        var scanner = new RiverScanner(source.Text, start, end, errors);
        try
        {
            scanner.Run();
            if (errors.HasErrors || scanner.Aborted || scanner.MaxDepth > InlineDepth)
            {
                return null;
            }

            // Count includes the closing EOF token.
            if (!last && (scanner.EndDepth != 0 || (scanner.Count > 1 && scanner.Tokens[scanner.Count - 2].Type != G.RiverParser.TERMINATOR)))
            {
                return null;
            }

            return TryFastPass(source, scanner, scanner.Comments, p => p.fastFile())?.File;
        }
        finally
        {
            scanner.ReleaseTokens();
        }
    }

    private static ConfigFile? ParseFile(SourceFile source, RiverScanner scanner, SyntaxErrorCollector errors)
    {
        if (errors.Full || scanner.Aborted)
        {
            return null;
        }

        var comments = scanner.Comments;
        var fast = TryFastPass(source, scanner, comments, p => p.fastFile());
        if (fast is not null)
        {
            return fast.File;
        }

        var tree = RunRecoveringParser(source, scanner, errors, p => p.file());
        return new AstBuilder(source, errors).BuildFile(tree, comments);
    }

    private static Expr? ParseExpressionTokens(SourceFile source, RiverScanner scanner, SyntaxErrorCollector errors)
    {
        if (errors.Full || scanner.Aborted)
        {
            return null;
        }

        var fast = TryFastPass(source, scanner, [], p => p.fastExpressionOnly());
        if (fast is not null)
        {
            return fast.Expression;
        }

        var tree = RunRecoveringParser(source, scanner, errors, p => p.expressionOnly());
        return new AstBuilder(source, errors).BuildExpressionOnly(tree);
    }

    // Pass 1: the grammar's fast rules, SLL prediction, no parse tree, the AST built directly from rule exits, bail at
    // the first syntax error. The rules are LL(1) except for the list separators (LL(2)), so valid input never needs
    // pass 2. Returns null when the input has a syntax error or anything else to report (the builder gives up then).
    private static DirectAstBuilder? TryFastPass(
        SourceFile source, RiverScanner scanner, ImmutableArray<Comment> comments, Action<G.RiverParser> rule)
    {
        var stream = new TokenArrayStream(source.Text, scanner.Tokens, scanner.Count, source.Path);
        var builder = new DirectAstBuilder(source, scanner.Tokens, comments);
        var parser = new AstBuildingParser(stream, builder);
        try
        {
            rule(parser);
        }
        catch (ParseCanceledException)
        {
            return null;
        }
        finally
        {
            builder.Release();
        }

        return builder.Failed ? null : builder;
    }

    // Pass 2, only for input with syntax errors: full LL prediction, Alloy-style recovery and messages, and a parse
    // tree for AstBuilder, which tolerates the partial trees recovery leaves.
    private static T RunRecoveringParser<T>(SourceFile source, RiverScanner scanner, SyntaxErrorCollector errors, Func<G.RiverParser, T> rule)
        where T : ParserRuleContext
    {
        var stream = new TokenArrayStream(source.Text, scanner.Tokens, scanner.Count, source.Path);
        var parser = new G.RiverParser(stream, TextWriter.Null, TextWriter.Null) { BuildParseTree = true };
        parser.RemoveErrorListeners();
        parser.Interpreter.PredictionMode = PredictionMode.LL;
        parser.ErrorHandler = new RiverErrorStrategy(errors);
        return rule(parser);
    }

    private static T? OnLargeStackIfDeep<T>(int depth, Func<T?> work)
        where T : class
    {
        if (depth <= InlineDepth)
        {
            return work();
        }

        T? result = null;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(
            () =>
            {
                try
                {
                    result = work();
                }
#pragma warning disable CA1031 // Rethrown on the calling thread below.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    failure = ExceptionDispatchInfo.Capture(e);
                }
            },
            DeepStackSize)
        {
            Name = "River deep parse",
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }

    private static string? DetectForeignEncoding(ReadOnlySpan<byte> b)
    {
        if (b.Length >= 4 && b[0] == 0x00 && b[1] == 0x00 && b[2] == 0xFE && b[3] == 0xFF)
        {
            return "UTF-32BE";
        }

        if (b.Length >= 4 && b[0] == 0xFF && b[1] == 0xFE && b[2] == 0x00 && b[3] == 0x00)
        {
            return "UTF-32LE";
        }

        if (b.Length >= 2 && b[0] == 0xFE && b[1] == 0xFF)
        {
            return "UTF-16BE";
        }

        if (b.Length >= 2 && b[0] == 0xFF && b[1] == 0xFE)
        {
            return "UTF-16LE";
        }

        return null;
    }

    // Decodes UTF-8, replacing each invalid sequence by U+FFFD and recording where it landed in the text.
    private static (string Text, List<int> Invalid) DecodeUtf8(ReadOnlySpan<byte> content)
    {
        var invalid = new List<int>();
        if (System.Text.Unicode.Utf8.IsValid(content))
        {
            return (Encoding.UTF8.GetString(content), invalid);
        }

        var sb = new StringBuilder(content.Length);
        while (!content.IsEmpty)
        {
            var status = Rune.DecodeFromUtf8(content, out var rune, out var consumed);
            if (status != System.Buffers.OperationStatus.Done)
            {
                invalid.Add(sb.Length);
                rune = Rune.ReplacementChar;
            }

            sb.Append(rune.ToString());
            content = content[consumed..];
        }

        return (sb.ToString(), invalid);
    }
}

/// <summary>What <see cref="RiverParser.ParseExpression(SourceFile)"/> returns.</summary>
public sealed record ExpressionParseResult(Expr? Expression, IReadOnlyList<Diagnostic> Diagnostics)
{
    /// <summary>True when there is an expression and no error.</summary>
    public bool Success => Expression is not null && Diagnostics.Count == 0;
}
