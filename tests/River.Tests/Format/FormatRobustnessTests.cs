using System.Text;
using River.Diagnostics;
using River.Format;
using River.Syntax;

namespace River.Tests.Format;

/// <summary>
/// Layout of the input must not matter: horizontal whitespace between tokens and the line-ending style are
/// normalised away, so formatting a perturbed copy of a corpus file gives the same text as formatting the file.
/// Also: nesting as deep as the parser allows formats without overflowing a small stack.
/// </summary>
public sealed class FormatRobustnessTests
{
    /// <summary>Corpus files (as in <see cref="FormatPropertyTests"/>) with a seed for the perturbation.</summary>
    public static TheoryData<string> CorpusFiles() => FormatPropertyTests.CorpusFiles();

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void ChangingSpacesAndTabsBetweenTokensDoesNotChangeTheOutput(string relativePath)
    {
        var (source, parsed) = ParseCorpusFile(relativePath);
        if (parsed is null)
        {
            return;
        }

        var expected = RiverFormatter.Format(parsed);
        var random = new Random(relativePath.Length * 7919);
        for (var round = 0; round < 3; round++)
        {
            var perturbed = PerturbBlanks(source.Text, parsed, random);
            var result = RiverFormatter.Format(relativePath, perturbed);
            Assert.True(result.Success, "perturbed text does not parse:\n" + string.Join('\n', result.Diagnostics) + "\n" + perturbed);
            Assert.Equal(expected, result.Text);
        }
    }

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void WindowsLineEndingsGiveTheSameOutputAsUnixOnes(string relativePath)
    {
        var (source, parsed) = ParseCorpusFile(relativePath);
        if (parsed is null || source.Text.Contains('\r', StringComparison.Ordinal))
        {
            return;
        }

        var crlf = source.Text.Replace("\n", "\r\n", StringComparison.Ordinal);
        var result = RiverFormatter.Format(relativePath, crlf);
        Assert.True(result.Success, string.Join('\n', result.Diagnostics));
        Assert.Equal(RiverFormatter.Format(parsed), result.Text);
    }

    [Fact]
    public void NestingAsDeepAsTheParserAllowsFormatsOnASmallStack()
    {
        var depth = SyntaxLimits.MaxBracketDepth - 2;
        var input = "a = " + new string('[', depth) + "1" + new string(']', depth) + "\n" +
                    "b = " + string.Join(" + ", Enumerable.Repeat("x", SyntaxLimits.MaxExpressionDepth - 10)) + "\n";
        var parsed = RiverParser.Parse("deep.alloy", input);
        Assert.True(parsed.Success, string.Join('\n', parsed.Diagnostics));

        string? output = null;
        Exception? failure = null;
        var thread = new Thread(
            () =>
            {
                try
                {
                    output = RiverFormatter.Format(parsed.File!);
                }
                catch (Exception ex)
                {
                    failure = ex;
                }
            },
            256 * 1024);
        thread.Start();
        thread.Join();

        Assert.Null(failure);
        Assert.Equal(input, output);
    }

    private static (SourceFile Source, ConfigFile? File) ParseCorpusFile(string relativePath)
    {
        var source = new SourceFile(relativePath, GoldenFiles.ReadText(Path.Combine(GoldenFiles.RepositoryRoot, relativePath)));
        var parsed = RiverParser.Parse(source);
        return (source, parsed.Success ? parsed.File : null);
    }

    /// <summary>
    /// Replaces every run of spaces and tabs outside literals and comments by a random run of one to three spaces or
    /// tabs. Runs are never created where there were none, so no two tokens merge.
    /// </summary>
    private static string PerturbBlanks(string text, ConfigFile file, Random random)
    {
        var protectedSpans = new List<TextSpan>();
        foreach (var comment in file.Comments)
        {
            protectedSpans.Add(comment.Span);
        }

        CollectLiteralSpans(file.Body, protectedSpans);
        var isProtected = new bool[text.Length];
        foreach (var span in protectedSpans)
        {
            for (var i = Math.Max(0, span.Start); i < Math.Min(text.Length, span.End); i++)
            {
                isProtected[i] = true;
            }
        }

        var sb = new StringBuilder(text.Length + 64);
        var at = 0;
        while (at < text.Length)
        {
            if (!isProtected[at] && text[at] is ' ' or '\t')
            {
                while (at < text.Length && !isProtected[at] && text[at] is ' ' or '\t')
                {
                    at++;
                }

                var count = random.Next(1, 4);
                for (var k = 0; k < count; k++)
                {
                    sb.Append(random.Next(2) == 0 ? ' ' : '\t');
                }

                continue;
            }

            sb.Append(text[at]);
            at++;
        }

        return sb.ToString();
    }

    private static void CollectLiteralSpans(IEnumerable<Statement> body, List<TextSpan> spans)
    {
        foreach (var statement in body)
        {
            switch (statement)
            {
                case AttributeStatement attribute:
                    CollectLiteralSpans(attribute.Value, spans);
                    break;
                case BlockStatement block:
                    spans.Add(block.LabelSpan);
                    CollectLiteralSpans(block.Body, spans);
                    break;
            }
        }
    }

    private static void CollectLiteralSpans(Expr expr, List<TextSpan> spans)
    {
        var stack = new Stack<Expr>();
        stack.Push(expr);
        while (stack.Count > 0)
        {
            switch (stack.Pop())
            {
                case LiteralExpr literal:
                    spans.Add(literal.Span);
                    break;
                case ArrayExpr array:
                    foreach (var element in array.Elements)
                    {
                        stack.Push(element);
                    }

                    break;
                case ObjectExpr obj:
                    foreach (var field in obj.Fields)
                    {
                        spans.Add(field.NameSpan);
                        stack.Push(field.Value);
                    }

                    break;
                case AccessExpr access:
                    stack.Push(access.Value);
                    break;
                case IndexExpr index:
                    stack.Push(index.Value);
                    stack.Push(index.Index);
                    break;
                case CallExpr call:
                    stack.Push(call.Callee);
                    foreach (var argument in call.Arguments)
                    {
                        stack.Push(argument);
                    }

                    break;
                case UnaryExpr unary:
                    stack.Push(unary.Operand);
                    break;
                case BinaryExpr binary:
                    stack.Push(binary.Left);
                    stack.Push(binary.Right);
                    break;
                case ParenExpr paren:
                    stack.Push(paren.Inner);
                    break;
            }
        }
    }
}
