using System.Text;
using River.Diagnostics;
using River.Runtime;

namespace River.Tests.Runtime;

/// <summary>
/// <c>river validate</c> decodes the self-contained blocks of a large file while the file is parsed
/// (<c>EarlyDecodes</c>). That must change nothing but the time: the diagnostics are exactly those of decoding after
/// the plan, whatever the blocks hold.
/// </summary>
public sealed class EarlyDecodeTests
{
    // About 60 bytes per block: a few thousand blocks make a file the parser cuts into parts.
    private static string MixedConfig(int blocks)
    {
        var sb = new StringBuilder();
        sb.Append("testcomponents.source \"root\" {\n\tinitial = 1\n}\n\n");
        for (var i = 0; i < blocks; i++)
        {
            _ = (i % 11) switch
            {
                // Self-contained and valid.
                0 or 1 or 2 => sb.Append("testcomponents.passthrough \"p").Append(i).Append("\" {\n\tinput = [\"a\", ").Append(i).Append("]\n}\n\n"),
                // Self-contained, with an argument error: a type error, a missing required attribute, an unknown attribute.
                3 => sb.Append("testcomponents.failing \"f").Append(i).Append("\" {\n\tfail_after_ms = \"soon\"\n}\n\n"),
                4 => sb.Append("testcomponents.secret \"s").Append(i).Append("\" {\n\tuser = \"u\"\n}\n\n"),
                5 => sb.Append("testcomponents.failing \"u").Append(i).Append("\" {\n\tfail_after = 3\n}\n\n"),
                // A duplicate of a valid self-contained block: the plan refuses the second one.
                6 => sb.Append("testcomponents.passthrough \"p").Append(i - 6).Append("\" {\n\tinput = true\n}\n\n"),
                // Below the allowed stability, and an unknown component, both self-contained.
                7 => sb.Append("testcomponents.experimental \"x").Append(i).Append("\" {\n\tinput = 1\n}\n\n"),
                8 => sb.Append("testcomponents.passthru \"t").Append(i).Append("\" {\n\tinput = 1\n}\n\n"),
                // Not self-contained: a reference, and a standard-library call with an error in it.
                9 => sb.Append("testcomponents.passthrough \"r").Append(i).Append("\" {\n\tinput = testcomponents.source.root.output\n}\n\n"),
                _ => sb.Append("testcomponents.failing \"e").Append(i).Append("\" {\n\tfail_after_ms = string.to_upper(\"x\")\n}\n\n"),
            };
        }

        return sb.ToString();
    }

    private static List<string> Describe(IEnumerable<Diagnostic> diagnostics) =>
        diagnostics.Select(d => $"{d.Severity} {d.Source?.Path}:{d.Span.Start}-{d.Span.End} {d.Message} | {d.Hint}").ToList();

    // Validates a file of `blocks` mixed blocks twice: as `river validate` does (decoding while parsing) and by decoding
    // everything after the plan. Returns both diagnostics and how many components took an early result.
    private static (List<string> Early, List<string> After, IReadOnlyList<Diagnostic> Diagnostics, int DecodedEarly) ValidateBothWays(int blocks)
    {
        var path = Path.Combine(Path.GetTempPath(), $"river-early-{Guid.NewGuid():N}.alloy");
        File.WriteAllText(path, MixedConfig(blocks));
        try
        {
            var catalog = TestCatalog.Create();
            var early = RiverHost.ValidateFile(path, new ComponentRegistry(catalog), StabilityLevel.GenerallyAvailable, out var decodedEarly);
            var snapshot = ConfigReader.Read(path);
            Assert.True(snapshot.Success);
            var after = RiverHost.ValidateFiles(snapshot.Files, catalog, StabilityLevel.GenerallyAvailable);
            return (Describe(early), Describe(after), after, decodedEarly);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void DecodingWhileParsingGivesExactlyTheDiagnosticsOfDecodingAfterThePlan()
    {
        var (early, after, diagnostics, decodedEarly) = ValidateBothWays(4400);
        Assert.Equal(after, early);

        // Every kind of problem is in there, so the comparison covers each.
        var messages = string.Join("\n", diagnostics.Select(d => d.Message));
        Assert.Contains("\"soon\" should be number, got string", messages, StringComparison.Ordinal);
        Assert.Contains("string.to_upper(\"x\") should be number, got string", messages, StringComparison.Ordinal);
        Assert.Contains("missing required attribute \"password\"", messages, StringComparison.Ordinal);
        Assert.Contains("unrecognized attribute name \"fail_after\"", messages, StringComparison.Ordinal);
        Assert.Contains("already declared", messages, StringComparison.Ordinal);
        Assert.Contains("stability level", messages, StringComparison.Ordinal);
        Assert.Contains("testcomponents.passthru", messages, StringComparison.Ordinal);

        // The early results were used for every self-contained component the plan accepts: the root source, the
        // valid blocks and the three kinds of argument error (six of every eleven blocks); not for the duplicates,
        // the refused or unknown components, or the blocks with identifiers.
        var selfContainedAndAccepted = 1 + Enumerable.Range(0, 4400).Count(i => i % 11 <= 5);
        Assert.Equal(selfContainedAndAccepted, decodedEarly);
    }

    [Fact]
    public void ASmallFileIsDecodedAfterThePlanAsBefore()
    {
        var (early, after, diagnostics, decodedEarly) = ValidateBothWays(22);
        Assert.Equal(0, decodedEarly);
        Assert.Equal(after, early);
        Assert.Contains(diagnostics, d => d.Message == "\"soon\" should be number, got string");
    }
}
