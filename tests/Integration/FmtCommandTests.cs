using System.Text.RegularExpressions;

namespace River.Integration;

/// <summary><c>river fmt</c> as a process: stdout, <c>-w</c>, <c>-t</c>, standard input, and files that do not parse.</summary>
public sealed class FmtCommandTests : IDisposable
{
    private const string Unformatted = "discovery.relabel \"d\" {\ntargets=[{\"__address__\"=\"a:1\"}]\n  rule {\n source_labels=[\"x\"]\n}\n}\n";
    private const string Formatted = "discovery.relabel \"d\" {\n\ttargets = [{ \"__address__\" = \"a:1\" }]\n\n\trule {\n\t\tsource_labels = [\"x\"]\n\t}\n}\n";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly TempDir _dir = new();

    /// <inheritdoc/>
    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Fmt_prints_the_canonical_layout_on_stdout_and_leaves_the_file_alone()
    {
        var path = _dir.Write("f.alloy", Unformatted);

        var result = await FmtAsync(null, path);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(Formatted, result.Stdout);
        Assert.Equal(Unformatted, await File.ReadAllTextAsync(path));
    }

    [Fact]
    public async Task Fmt_reads_standard_input_when_given_a_dash()
    {
        var result = await FmtAsync(Unformatted, "-");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(Formatted, result.Stdout);
    }

    [Fact]
    public async Task Fmt_w_rewrites_the_file_after_which_fmt_t_accepts_it()
    {
        var path = _dir.Write("f.alloy", Unformatted);

        var write = await FmtAsync(null, "-w", path);
        var test = await FmtAsync(null, "-t", path);

        Assert.True(write.ExitCode == 0, write.ToString());
        Assert.Equal("", write.Stdout);
        Assert.Equal(Formatted, await File.ReadAllTextAsync(path));
        Assert.True(test.ExitCode == 0, test.ToString());
    }

    [Fact]
    public async Task Fmt_t_exits_1_on_an_unformatted_file_and_prints_nothing_on_stdout()
    {
        var path = _dir.Write("f.alloy", Unformatted);

        var result = await FmtAsync(null, "-t", path);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal("", result.Stdout);
        Assert.Contains("f.alloy", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(Unformatted, await File.ReadAllTextAsync(path));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_file_that_does_not_parse_gives_diagnostics_writes_nothing_and_exits_1(bool rewrite)
    {
        const string broken = "discovery.relabel \"d\" {\n  targets = [\n";
        var path = _dir.Write("broken.alloy", broken);
        var before = File.GetLastWriteTimeUtc(path);

        var result = rewrite ? await FmtAsync(null, "-w", path) : await FmtAsync(null, path);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal("", result.Stdout);
        Assert.Matches(new Regex(@"broken\.alloy:3:1: "), result.Stderr);
        Assert.Equal(broken, await File.ReadAllTextAsync(path));
        Assert.Equal(before, File.GetLastWriteTimeUtc(path));
    }

    private Task<CliResult> FmtAsync(string? stdin, params string[] args) =>
        RiverProcess.RunAsync(_dir.Path, Timeout, stdin, ["fmt", .. args]);
}
