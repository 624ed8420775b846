using System.Diagnostics;
using Antlr4.Runtime;
using River.Syntax;
using G = River.Syntax.Generated;

namespace River.Tests.Syntax;

public sealed class GrammarTests
{
    [Fact]
    public void CommittedGeneratedParserIsUpToDateWithTheGrammar()
    {
        if (!OnPath("node") || !OnPath("npm"))
        {
            // scripts/test installs node and npm; a bare developer machine may not have them.
            Console.WriteLine("skipped: node/npm not found on PATH, cannot regenerate the parser");
            return;
        }

        var temp = Directory.CreateTempSubdirectory("river-grammar-");
        try
        {
            var psi = new ProcessStartInfo("bash", [Path.Combine(RepoPaths.Root, "scripts", "gen-grammar"), temp.FullName])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            };
            using var process = Process.Start(psi)!;
            // The script sends the tool's output to /dev/null, so neither pipe can fill up while the other is read.
            _ = process.StandardOutput.ReadToEnd();
            var stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, "scripts/gen-grammar failed: " + stderr);

            var committed = Path.Combine(RepoPaths.Root, "src", "River", "Syntax", "Generated");
            var fresh = Directory.GetFiles(temp.FullName).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
            Assert.Equal(fresh, Directory.GetFiles(committed).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray());
            foreach (var name in fresh)
            {
                Assert.True(
                    File.ReadAllText(Path.Combine(temp.FullName, name!)) == File.ReadAllText(Path.Combine(committed, name!)),
                    $"src/River/Syntax/Generated/{name} differs from grammar/River.g4: run scripts/gen-grammar");
            }
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }

    [Fact]
    public void GeneratedLexerAndHandWrittenScannerAgreeOnEveryValidGoldenInput()
    {
        var checkedFiles = 0;
        foreach (var dir in Directory.GetDirectories(RepoPaths.GoldenSyntax))
        {
            if (Path.GetFileName(dir).Contains("-error-", StringComparison.Ordinal))
            {
                continue;
            }

            var text = File.ReadAllText(Path.Combine(dir, "input.alloy"));
            var expected = HandWrittenTokens(text);
            var actual = GeneratedTokens(text);
            Assert.Equal(expected, actual);
            checkedFiles++;
        }

        Assert.True(checkedFiles > 40);
    }

    // The scanner's tokens without TERMINATOR (the generated lexer only marks newlines).
    private static List<string> HandWrittenTokens(string text)
    {
        var errors = new SyntaxErrorCollector(new River.Diagnostics.SourceFile("t", text));
        var scanner = new RiverScanner(text, errors);
        scanner.Run();
        return scanner.Tokens.Take(scanner.Count)
            .Where(t => t.Type != G.RiverParser.TERMINATOR && t.Type != TokenConstants.EOF)
            .Select(t => $"{t.Type}:{t.StartIndex}:{text[t.StartIndex..t.End]}")
            .ToList();
    }

    private static List<string> GeneratedTokens(string text)
    {
        // The generated lexer does not skip a leading byte order mark; the scanner does.
        var offset = text.StartsWith('\uFEFF') ? 1 : 0;
        var lexer = new G.RiverLexer(new AntlrInputStream(text[offset..]));
        lexer.RemoveErrorListeners();
        return lexer.GetAllTokens()
            .Where(t => t.Channel == TokenConstants.DefaultChannel)
            .Select(t => $"{t.Type}:{t.StartIndex + offset}:{t.Text}")
            .ToList();
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':')
            .Any(dir => File.Exists(Path.Combine(dir, program)));
}
