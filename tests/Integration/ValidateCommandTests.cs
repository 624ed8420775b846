using System.Text;
using System.Text.RegularExpressions;

namespace River.Integration;

/// <summary><c>river validate</c> as a process: exit codes and the diagnostics printed on stderr.</summary>
public sealed class ValidateCommandTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private readonly TempDir _dir = new();

    /// <inheritdoc/>
    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_valid_config_exits_0_and_prints_no_error()
    {
        var path = _dir.Write("ok.alloy", Configs.Valid);

        var result = await ValidateAsync(path);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain("Error", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_syntax_error_exits_1_with_its_file_line_and_column()
    {
        var path = _dir.Write("syntax.alloy", "discovery.relabel \"d\" {\n  targets = [\n");

        var result = await ValidateAsync(path);

        AssertFailedAt(result, "syntax.alloy", 3, 1);
        Assert.Contains("expected ]", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_component_exits_1_and_suggests_the_nearest_name()
    {
        var path = _dir.Write("typo.alloy", "prometheus.scrap \"x\" {\n  targets    = []\n  forward_to = []\n}\n");

        var result = await ValidateAsync(path);

        AssertFailedAt(result, "typo.alloy", 1, 1);
        Assert.Contains("prometheus.scrap", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("did you mean \"prometheus.scrape\"", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_attribute_exits_1_pointing_at_the_attribute()
    {
        var path = _dir.Write("attr.alloy", "discovery.relabel \"d\" {\n  targets = []\n  bogus   = 1\n}\n");

        var result = await ValidateAsync(path);

        AssertFailedAt(result, "attr.alloy", 3, 3);
        Assert.Contains("\"bogus\"", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_type_error_exits_1_pointing_at_the_wrong_operand()
    {
        var path = _dir.Write("type.alloy", "discovery.relabel \"d\" {\n  targets = [{\"a\" = 1 + \"x\"}]\n}\n");

        var result = await ValidateAsync(path);

        AssertFailedAt(result, "type.alloy", 2, 25);
        Assert.Contains("should be number", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reference_cycle_exits_1_naming_both_components()
    {
        var path = _dir.Write("cycle.alloy", """
            discovery.relabel "a" {
              targets = discovery.relabel.b.output
            }

            discovery.relabel "b" {
              targets = discovery.relabel.a.output
            }

            """);

        var result = await ValidateAsync(path);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("cycle", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("discovery.relabel.a", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("discovery.relabel.b", result.Stderr, StringComparison.Ordinal);
        Assert.Matches(new Regex(@"cycle\.alloy:\d+:\d+:"), result.Stderr);
    }

    [Fact]
    public async Task A_directory_is_merged_so_one_file_may_refer_to_a_component_of_another()
    {
        _dir.Write("conf/a.alloy", Configs.Relabel("a", "a:1"));
        _dir.Write("conf/b.alloy", "discovery.relabel \"b\" {\n  targets = discovery.relabel.a.output\n}\n");

        var result = await ValidateAsync(Path.Combine(_dir.Path, "conf"));

        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public async Task A_directory_error_names_the_file_it_is_in()
    {
        _dir.Write("conf/a.alloy", Configs.Relabel("a", "a:1"));
        _dir.Write("conf/b.alloy", "discovery.relabel \"b\" {\n  targets = discovery.relabel.missing.output\n}\n");

        var result = await ValidateAsync(Path.Combine(_dir.Path, "conf"));

        AssertFailedAt(result, "b.alloy", 2, 13);
        Assert.DoesNotMatch(new Regex(@"a\.alloy:\d+:\d+:"), result.Stderr);
    }

    [Fact]
    public async Task Random_bytes_end_in_a_diagnostic_not_a_crash()
    {
        var bytes = new byte[200_000];
        new Random(20261125).NextBytes(bytes);
        var path = Path.Combine(_dir.Path, "random.alloy");
        await File.WriteAllBytesAsync(path, bytes);

        AssertCleanFailure(await ValidateAsync(path), "random.alloy");
    }

    [Fact]
    public async Task A_10_MB_unterminated_string_ends_in_a_diagnostic()
    {
        // One 10 MB line: a string literal that never closes. The scanner reads all of it before it can complain.
        var path = _dir.Write("ten-mb.alloy", "discovery.relabel \"d\" {\n  targets = [{\"__address__\" = \"" + new string('a', 10_000_000));

        var result = await ValidateAsync(path);

        AssertCleanFailure(result, "ten-mb.alloy");
    }

    [Theory]
    [InlineData("(", ")")]
    [InlineData("[", "]")]
    [InlineData("{a=", "}")]
    [InlineData("1+", "")]
    [InlineData("2^", "")]
    [InlineData("!", "")]
    [InlineData("-", "")]
    public async Task Nesting_100_000_deep_ends_in_a_diagnostic_not_a_stack_overflow(string open, string close)
    {
        const int depth = 100_000;
        var sb = new StringBuilder("x = ");
        for (var i = 0; i < depth; i++)
        {
            sb.Append(open);
        }

        sb.Append('1');
        for (var i = 0; i < depth; i++)
        {
            sb.Append(close);
        }

        var path = _dir.Write("deep.alloy", sb.Append('\n').ToString());

        AssertCleanFailure(await ValidateAsync(path), "deep.alloy");
    }

    [Fact]
    public async Task Blocks_nested_100_000_deep_end_in_a_diagnostic_not_a_stack_overflow()
    {
        var path = _dir.Write("blocks.alloy", string.Concat(Enumerable.Repeat("a {\n", 100_000)) + string.Concat(Enumerable.Repeat("}\n", 100_000)));

        AssertCleanFailure(await ValidateAsync(path), "blocks.alloy");
    }

    [Fact]
    public async Task A_missing_file_exits_1_with_a_message()
    {
        var result = await ValidateAsync(Path.Combine(_dir.Path, "nope.alloy"));

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("nope.alloy", result.Stderr, StringComparison.Ordinal);
    }

    private Task<CliResult> ValidateAsync(string path) => RiverProcess.RunAsync(_dir.Path, Timeout, null, "validate", path);

    /// <summary>Exit 1 and an <c>Error: …file:line:col:</c> diagnostic at the given place.</summary>
    internal static void AssertFailedAt(CliResult result, string file, int line, int column)
    {
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.True(result.Stderr.Contains($"{file}:{line}:{column}:", StringComparison.Ordinal), $"expected {file}:{line}:{column}: in\n{result}");
    }

    /// <summary>Exit 1 (not a signal or runtime crash code) with at least one located diagnostic and no stack trace.</summary>
    internal static void AssertCleanFailure(CliResult result, string file)
    {
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Matches(new Regex(Regex.Escape(file) + @":\d+:\d+: "), result.Stderr);
        Assert.DoesNotContain("Unhandled exception", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Stack overflow", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
    }
}
