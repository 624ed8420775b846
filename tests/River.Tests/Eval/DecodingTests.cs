using CsCheck;
using River.Diagnostics;
using River.Eval;
using River.Syntax;
using River.Values;

namespace River.Tests.Eval;

public class DecodingTests
{
    private static (T? Result, DiagnosticBag Diagnostics) Decode<T>(string text)
        where T : class
    {
        var source = new SourceFile("config.alloy", text);
        var parsed = RiverParser.Parse(source);
        Assert.True(parsed.Success, string.Join("\n", parsed.Diagnostics));
        var bag = new DiagnosticBag();
        var block = (BlockStatement)parsed.File!.Body[0];
        return (BodyDecoder.Decode<T>(block, EvalGoldenTests.CreateFixtureScope(), source, bag), bag);
    }

    [Fact]
    public void BeylaShapedArgumentsDecodeNestedRepeatedBlocksDurationsAndCapsules()
    {
        var (args, diags) = Decode<TestBeylaArguments>("""
            beyla.ebpf "default" {
            	open_port = 8080
            	discovery {
            		services {
            			open_ports = "80"
            		}
            		services {
            			exe_path = "/usr/bin/app"
            		}
            	}
            	ebpf {
            		batch_timeout = "1.5s"
            	}
            	output {
            		traces = [prometheus.remote_write.default.receiver]
            	}
            }
            """);
        Assert.Empty(diags.Items);
        Assert.NotNull(args);
        Assert.Equal("8080", args.OpenPort);
        Assert.Equal(["80", ""], args.Discovery.Services.Select(s => s.OpenPorts));
        Assert.Equal(TimeSpan.FromMilliseconds(1500), args.Ebpf.BatchTimeout);
        Assert.Equal(100, args.Ebpf.BatchLength); // default from the initialiser survives a present block
        Assert.Equal(["application"], args.Metrics.Features); // absent block keeps the initialiser's instance
        Assert.Equal("default", Assert.Single(args.Output!.Traces).Owner);
    }

    [Fact]
    public void AFloatBeyondDecimalRangeInAnIntegerAttributeIsAnOverflowErrorNotACrash()
    {
        var (args, diags) = Decode<TestTypes>("types {\n\tint = 1e30\n}\n");
        Assert.Null(args);
        Assert.EndsWith("1e30 overflows int32", Assert.Single(diags.Items).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void DecodingOnManyThreadsAtOnceGivesEveryThreadTheSameResult()
    {
        const string Text = "types {\n\tint = 5\n\tlist = [\"a\", \"b\"]\n\tmap = { x = 1 }\n\tduration = \"1h30m\"\n\tbool = !false\n}\n";
        var results = new TestTypes?[64];
        Parallel.For(0, results.Length, i => results[i] = Decode<TestTypes>(Text).Result);
        Assert.All(results, r =>
        {
            Assert.NotNull(r);
            Assert.Equal(5, r.Int);
            Assert.Equal(["a", "b"], r.List);
            Assert.Equal(1, r.Map["x"]);
            Assert.Equal(TimeSpan.FromMinutes(90), r.Duration);
            Assert.True(r.Bool);
        });
    }

    [Fact]
    public void MissingRequiredBlockSpansTheWholeBlock()
    {
        var (args, diags) = Decode<TestBeylaArguments>("beyla.ebpf \"x\" {\n\topen_port = \"80\"\n}\n");
        Assert.Null(args);
        Assert.Equal("config.alloy:1:1: missing required block \"output\"", Assert.Single(diags.Items).ToString());
    }

    [Fact]
    public void ValidationErrorsPointAtTheNamedAttribute()
    {
        var (args, diags) = Decode<TestBeylaArguments>("beyla.ebpf \"x\" {\n\toutput {}\n\topen_port = \"70000\"\n}\n");
        Assert.Null(args);
        Assert.Equal("config.alloy:3:14: invalid port range \"70000\"", Assert.Single(diags.Items).ToString());
    }

    [Fact]
    public void AllErrorsOfABodyAreReported()
    {
        var (_, diags) = Decode<TestBeylaArguments>("beyla.ebpf \"x\" {\n\topen_prot = \"80\"\n\tdebug = 1\n\tdiscovry {}\n}\n");
        Assert.Equal(4, diags.Items.Count);
        Assert.Equal("did you mean \"open_port\"?", diags.Items[0].Hint);
        Assert.Contains(diags.Items, d => d.Message == "missing required block \"output\"");
    }

    [Fact]
    public void SecretsDecodeFromStringsButNeverIntoStrings()
    {
        Assert.Equal(new Secret("x"), ValueConverter.Convert(Value.String("x"), typeof(Secret)));
        var e = Assert.Throws<ValueException>(() => ValueConverter.Convert(new SecretValue("x"), typeof(string)));
        Assert.Equal("secrets may not be converted into strings", e.Message);
        Assert.Equal("(secret)", new Secret("hunter2").ToString());
    }

    [Fact]
    public void EncodedExportsRoundTripThroughTheConverter()
    {
        var endpoint = new TestEndpoint
        {
            Url = "http://x",
            RemoteTimeout = TimeSpan.FromSeconds(90),
            Headers = new() { ["a"] = "b" },
            BearerToken = new Secret("t"),
        };
        var value = ValueEncoder.Encode(endpoint);
        var obj = Assert.IsType<ObjectValue>(value);
        Assert.True(obj.TryGet("remote_timeout", out var timeout));
        Assert.Equal("\"1m30s\"", timeout.ToString());
        Assert.True(obj.TryGet("bearer_token", out var token));
        Assert.IsType<SecretValue>(token);
        var back = (TestEndpoint)ValueConverter.Convert(value, typeof(TestEndpoint))!;
        Assert.Equal(endpoint.RemoteTimeout, back.RemoteTimeout);
        Assert.Equal(endpoint.BearerToken, back.BearerToken);
        Assert.Equal("b", back.Headers["a"]);
    }

    [Fact]
    public void GoDurationFormatAndParseRoundTripForAnyTickCount()
    {
        Gen.Long[-(long)9e16, (long)9e16].Sample(ticks =>
        {
            var span = TimeSpan.FromTicks(ticks);
            var text = GoDuration.Format(span);
            Assert.True(GoDuration.TryParse(text, out var parsed, out var error), error);
            Assert.Equal(span, parsed);
        });
    }

    [Theory]
    [InlineData(1.0, "1")]
    [InlineData(0.1, "0.1")]
    [InlineData(1e21, "1000000000000000000000")]
    [InlineData(1.5e-7, "0.00000015")]
    [InlineData(-2.5, "-2.5")]
    [InlineData(123456789.125, "123456789.125")]
    public void FloatsConvertToStringsInGoShortestFixedFormat(double value, string expected)
    {
        Assert.Equal(expected, NumberValue.FormatFloat(value));
    }

    [Fact]
    public void FloatToStringConversionRoundTripsForAnyFiniteDouble()
    {
        Gen.Double.Where(d => double.IsFinite(d)).Sample(d =>
        {
            var text = NumberValue.FormatFloat(d);
            Assert.DoesNotContain("E", text, StringComparison.Ordinal);
            Assert.Equal(d, double.Parse(text, System.Globalization.CultureInfo.InvariantCulture));
        });
    }

    [Fact]
    public void AlloyJsonBodyOmitsOptionalAttributesEqualToTheirDefaults()
    {
        var json = AlloyJson.Body(new TestQueueConfig { Capacity = 5 });
        Assert.Equal("[{\"name\":\"capacity\",\"type\":\"attr\",\"value\":{\"type\":\"number\",\"value\":5}}]", json);
    }

    [Fact]
    public void AlloyJsonBodyOmitsOptionalBlocksEqualToTheirDefaultsAndKeepsRequiredOnes()
    {
        // As Alloy's alloyjson: discovery, ebpf and metrics are optional blocks left at their defaults.
        var json = AlloyJson.Body(new TestBeylaArguments { OpenPort = "80", Output = new TestOutput() });
        Assert.Equal(
            "[{\"name\":\"open_port\",\"type\":\"attr\",\"value\":{\"type\":\"string\",\"value\":\"80\"}}," +
            "{\"name\":\"output\",\"type\":\"block\",\"body\":[]}]",
            json);
    }

    [Fact]
    public void AlloyJsonWritesNullWithANullValueAndBodiesOfObjectValuesAndOtherValues()
    {
        Assert.Equal("{\"type\":\"null\",\"value\":null}", AlloyJson.Value(Value.Null));
        Assert.Equal("{\"type\":\"number\",\"value\":\"NaN\"}", AlloyJson.Value(NumberValue.FromFloat(double.NaN)));
        using var stream = new MemoryStream();
        using (var writer = new System.Text.Json.Utf8JsonWriter(stream))
        {
            writer.WriteStartArray();
            AlloyJson.WriteBody(writer, ObjectValue.From([new("b", Value.Int(1)), new("a", Value.Null)]));
            AlloyJson.WriteBody(writer, Value.String("not a body"));
            AlloyJson.WriteBody(writer, null);
            writer.WriteEndArray();
        }

        Assert.Equal(
            "[[{\"name\":\"a\",\"type\":\"attr\",\"value\":{\"type\":\"null\",\"value\":null}}," +
            "{\"name\":\"b\",\"type\":\"attr\",\"value\":{\"type\":\"number\",\"value\":1}}],[],[]]",
            System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }
}
