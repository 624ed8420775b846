using System.Text;
using River.Diagnostics;
using River.Eval;
using River.Syntax;
using River.Values;

namespace River.Tests.Eval;

/// <summary>
/// Golden tests for evaluation and decoding: every numbered folder under tests/River.Tests/Golden/eval holds an
/// <c>input.alloy</c> and the <c>expected.txt</c> the runner must print. Set RIVER_UPDATE_GOLDEN=1 to rewrite the
/// expected files from the current output (then review the diff).
/// </summary>
/// <remarks>
/// How the runner reads <c>input.alloy</c>, statement by statement, in one scope:
/// <list type="bullet">
/// <item><c>name = expr</c>: evaluates and prints <c>name = value</c> (River syntax), then binds <c>name</c> in the scope
/// so later statements can use it. A name starting with <c>json_</c> prints the value as alloyjson instead.</item>
/// <item><c>_allow_experimental = false</c>: turns experimental stdlib functions off for the following statements.</item>
/// <item>A block decodes into a test argument class chosen by its name (<c>beyla.ebpf</c>, <c>remote_write</c>,
/// <c>labelled</c>, <c>types</c>) and prints the decoded object as River body text (for <c>types</c>, only the
/// attributes that differ from their defaults); a name prefixed with
/// <c>alloyjson.</c> prints it as an alloyjson body.</item>
/// <item>Diagnostics print as <c>error: input.alloy:line:col: message; hint</c> (or <c>warning:</c>).</item>
/// </list>
/// The scope starts with fixtures: <c>key_value</c>, <c>prometheus.remote_write.default.receiver</c> (a capsule),
/// <c>local.file.token.content</c> (a secret), and the environment variable <c>RIVER_GOLDEN_VAR=hello</c>.
/// </remarks>
public class EvalGoldenTests
{
    private static readonly Dictionary<string, Type> BlockTypes = new(StringComparer.Ordinal)
    {
        ["beyla.ebpf"] = typeof(TestBeylaArguments),
        ["remote_write"] = typeof(TestRemoteWriteArguments),
        ["labelled"] = typeof(TestLabelledArguments),
        ["types"] = typeof(TestTypes),
    };

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(GoldenRoot()).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(dir));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EvaluatedOutputMatchesExpectedFile(string caseName)
    {
        var dir = Path.Combine(GoldenRoot(), caseName);
        var input = File.ReadAllText(Path.Combine(dir, "input.alloy"));
        var actual = Run(input);
        var expectedPath = Path.Combine(dir, "expected.txt");
        if (Environment.GetEnvironmentVariable("RIVER_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(expectedPath, actual);
            return;
        }

        Assert.True(File.Exists(expectedPath), $"missing {expectedPath}; run with RIVER_UPDATE_GOLDEN=1 to create it");
        Assert.Equal(File.ReadAllText(expectedPath), actual);
    }

    [Fact]
    public void ThereAreAtLeastEightyGoldenCases()
    {
        Assert.True(Cases().Count >= 80, $"only {Cases().Count} golden cases");
    }

    internal static string Run(string input)
    {
        Environment.SetEnvironmentVariable("RIVER_GOLDEN_VAR", "hello");
        var source = new SourceFile("input.alloy", input);
        var parsed = RiverParser.Parse(source);
        var sb = new StringBuilder();
        if (parsed.File is null)
        {
            foreach (var d in parsed.Diagnostics)
            {
                AppendDiagnostic(sb, d);
            }

            return sb.ToString();
        }

        var scope = CreateFixtureScope();
        foreach (var statement in parsed.File.Body)
        {
            var bag = new DiagnosticBag();
            switch (statement)
            {
                case AttributeStatement attr when attr.Name.Name == "_allow_experimental":
                    scope.AllowExperimental = RiverEvaluator.Evaluate(attr.Value, scope, source, bag) is BoolValue { Value: true };
                    break;
                case AttributeStatement attr:
                {
                    var value = RiverEvaluator.Evaluate(attr.Value, scope, source, bag);
                    foreach (var d in bag.Items)
                    {
                        AppendDiagnostic(sb, d);
                    }

                    if (value is not null)
                    {
                        var text = attr.Name.Name.StartsWith("json_", StringComparison.Ordinal) ? AlloyJson.Value(value) : ValuePrinter.Print(value);
                        sb.Append(attr.Name.Name).Append(" = ").Append(text).Append('\n');
                        scope.Set(attr.Name.Name, value);
                    }

                    continue;
                }

                case BlockStatement block:
                {
                    var json = block.Name.StartsWith("alloyjson.", StringComparison.Ordinal);
                    var typeName = json ? block.Name["alloyjson.".Length..] : block.Name;
                    if (!BlockTypes.TryGetValue(typeName, out var type))
                    {
                        sb.Append("runner: no test type for block ").Append(block.Name).Append('\n');
                        continue;
                    }

                    var decoded = BodyDecoder.Decode(type, block, scope, source, bag);
                    foreach (var d in bag.Items)
                    {
                        AppendDiagnostic(sb, d);
                    }

                    if (decoded is not null)
                    {
                        sb.Append(block.Id).Append(" decoded:\n");
                        // The conversion-focused "types" block prints only what differs from the defaults.
                        sb.Append(json ? AlloyJson.Body(decoded) + "\n" : BodyPrinter.Print(decoded, omitDefaults: typeName == "types"));
                    }

                    continue;
                }
            }

            foreach (var d in bag.Items)
            {
                AppendDiagnostic(sb, d);
            }
        }

        return sb.ToString();
    }

    internal static Scope CreateFixtureScope()
    {
        var scope = new Scope();
        scope.Set("key_value", ValueEncoder.Encode(new Dictionary<string, object?>
        {
            ["object"] = new Dictionary<string, object?> { ["field1"] = new List<object?> { 0, 1, "two" } },
            ["name"] = "value",
        }));
        scope.SetPath(["prometheus", "remote_write", "default", "receiver"], new CapsuleValue(new TestMetricsReceiver("default")));
        scope.SetPath(["prometheus", "remote_write", "backup", "receiver"], new CapsuleValue(new TestMetricsReceiver("backup")));
        scope.SetPath(["local", "file", "token", "content"], new SecretValue("s3cr3t"));
        return scope;
    }

    private static void AppendDiagnostic(StringBuilder sb, Diagnostic d) =>
        sb.Append(d.Severity == Severity.Error ? "error: " : "warning: ").Append(d).Append('\n');

    internal static string GoldenRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Beyla.River.sln")))
        {
            dir = dir.Parent;
        }

        if (dir is null)
        {
            throw new InvalidOperationException("Beyla.River.sln not found above " + AppContext.BaseDirectory);
        }

        return Path.Combine(dir.FullName, "tests", "River.Tests", "Golden", "eval");
    }
}
