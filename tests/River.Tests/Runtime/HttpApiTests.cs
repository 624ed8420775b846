using System.Text.Json;
using River.Runtime;

namespace River.Tests.Runtime;

public class HttpApiTests
{
    private const string Config = """
        testcomponents.passthrough "a" {
            input = 1
        }

        testcomponents.passthrough "b" {
            input = testcomponents.passthrough.a.output + 1
        }

        testcomponents.secret "s" {
            password = "hunter2"
            user     = "admin"
        }

        testcomponents.route "r" {
            body = "route says hi"
        }
        """;

    [Fact]
    public async Task ReadyAndHealthyAnswer200WithAlloysTexts()
    {
        var (h, result) = await HostHarness.StartAsync(Config);
        await using var _ = h;
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        Assert.Equal((200, "River is ready.\n"), await h.GetAsync("/-/ready"));
        await RuntimeHarness.EventuallyAsync(() => h.Host.Controller.Components.All(c => c.Health.State == HealthState.Healthy), "all healthy");
        Assert.Equal((200, "All River components are healthy.\n"), await h.GetAsync("/-/healthy"));

        var secret = (SecretComponent)h.Host.Controller.Components.Single(c => c.Id == "testcomponents.secret.s").Instance!;
        secret.CurrentHealth = ComponentHealth.Unhealthy("lost connection");
        Assert.Equal((500, "unhealthy components: testcomponents.secret.s\n"), await h.GetAsync("/-/healthy"));
    }

    [Fact]
    public async Task AFailedFirstLoadLeavesTheServerNotReady()
    {
        var (h, result) = await HostHarness.StartAsync("""testcomponents.nope "x" { }""");
        await using var _ = h;
        Assert.False(result.Success);
        Assert.Equal((503, "River is not ready.\n"), await h.GetAsync("/-/ready"));
        Assert.Empty(h.Host.Controller.Components);
    }

    [Fact]
    public async Task ComponentListHasAlloysFieldsAndReferencesInBothDirections()
    {
        var (h, _) = await HostHarness.StartAsync(Config);
        await using var __ = h;
        var (status, body) = await h.GetAsync("/api/v0/web/components");
        Assert.Equal(200, status);
        using var doc = JsonDocument.Parse(body);
        var list = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(4, list.Count);
        var b = list.Single(e => e.GetProperty("localID").GetString() == "testcomponents.passthrough.b");
        Assert.Equal("testcomponents.passthrough", b.GetProperty("name").GetString());
        Assert.Equal("block", b.GetProperty("type").GetString());
        Assert.Equal("", b.GetProperty("moduleID").GetString());
        Assert.Equal("b", b.GetProperty("label").GetString());
        Assert.Equal(["testcomponents.passthrough.a"], b.GetProperty("referencesTo").EnumerateArray().Select(x => x.GetString()));
        Assert.Empty(b.GetProperty("referencedBy").EnumerateArray());
        Assert.Empty(b.GetProperty("arguments").EnumerateArray());
        Assert.Empty(b.GetProperty("exports").EnumerateArray());
        Assert.Equal(JsonValueKind.Array, b.GetProperty("dataFlowEdgesTo").ValueKind);
        var health = b.GetProperty("health");
        Assert.Contains(health.GetProperty("state").GetString(), new[] { "healthy", "unknown" });
        Assert.True(DateTimeOffset.TryParse(health.GetProperty("updatedTime").GetString(), out _));
        var a = list.Single(e => e.GetProperty("localID").GetString() == "testcomponents.passthrough.a");
        Assert.Equal(["testcomponents.passthrough.b"], a.GetProperty("referencedBy").EnumerateArray().Select(x => x.GetString()));

        // a's output flows into b (a plain value, not a receiver), so the data edge goes a → b.
        Assert.Equal(["testcomponents.passthrough.b"], a.GetProperty("dataFlowEdgesTo").EnumerateArray().Select(x => x.GetString()));
    }

    [Fact]
    public async Task ComponentDetailRendersArgumentsExportsAndDebugInfoAsAlloyJsonWithSecretsHidden()
    {
        var (h, _) = await HostHarness.StartAsync(Config);
        await using var __ = h;
        var (status, body) = await h.GetAsync("/api/v0/web/components/testcomponents.secret.s");
        Assert.Equal(200, status);
        Assert.DoesNotContain("hunter2", body, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(body);
        var arguments = doc.RootElement.GetProperty("arguments").EnumerateArray().ToList();
        var password = arguments.Single(s => s.GetProperty("name").GetString() == "password");
        Assert.Equal("attr", password.GetProperty("type").GetString());
        Assert.Equal("capsule", password.GetProperty("value").GetProperty("type").GetString());
        Assert.Equal("(secret)", password.GetProperty("value").GetProperty("value").GetString());
        var user = arguments.Single(s => s.GetProperty("name").GetString() == "user");
        Assert.Equal("""{"type":"string","value":"admin"}""", user.GetProperty("value").GetRawText());
        var debug = doc.RootElement.GetProperty("debugInfo").EnumerateArray().ToList();
        Assert.Contains(debug, s => s.GetProperty("name").GetString() == "component_version"
            && s.GetProperty("value").GetProperty("value").GetString() == "1.2.3");

        (status, body) = await h.GetAsync("/api/v0/web/components/testcomponents.passthrough.b");
        using var b = JsonDocument.Parse(body);
        var output = b.RootElement.GetProperty("exports").EnumerateArray().Single();
        Assert.Equal("""{"name":"output","type":"attr","value":{"type":"number","value":2}}""", output.GetRawText());

        Assert.Equal(404, (await h.GetAsync("/api/v0/web/components/testcomponents.passthrough.zzz")).Status);
    }

    [Fact]
    public async Task ComponentRoutesAreServedUnderTheirIdAndRemovedWithTheComponent()
    {
        var (h, _) = await HostHarness.StartAsync(Config);
        await using var __ = h;
        Assert.Equal((200, "route says hi"), await h.GetAsync("/api/v0/component/testcomponents.route.r/metrics"));
        Assert.Equal((200, "ping"), await h.PostAsync("/api/v0/component/testcomponents.route.r/echo", "ping"));
        Assert.Equal(405, (await h.PostAsync("/api/v0/component/testcomponents.route.r/metrics")).Status);
        Assert.Equal(404, (await h.GetAsync("/api/v0/component/testcomponents.route.r/other")).Status);
        Assert.Equal(404, (await h.GetAsync("/api/v0/component/testcomponents.passthrough.a/metrics")).Status);

        await File.WriteAllTextAsync(h.ConfigPath, """testcomponents.passthrough "a" { input = 1 }""");
        Assert.Equal(200, (await h.PostAsync("/-/reload")).Status);
        Assert.Equal(404, (await h.GetAsync("/api/v0/component/testcomponents.route.r/metrics")).Status);
    }

    [Fact]
    public async Task ReloadEndpointAppliesAValidConfigAndRejectsAnInvalidOneWith400AndStatus()
    {
        var (h, _) = await HostHarness.StartAsync(Config);
        await using var __ = h;
        var a = h.Host.Controller.Components.Single(c => c.Id == "testcomponents.passthrough.a").Instance;

        await File.WriteAllTextAsync(h.ConfigPath, Config.Replace("input = 1", "input = 5", StringComparison.Ordinal));
        Assert.Equal((200, "config reloaded\n"), await h.GetAsync("/-/reload"));
        Assert.Same(a, h.Host.Controller.Components.Single(c => c.Id == "testcomponents.passthrough.a").Instance);

        await File.WriteAllTextAsync(h.ConfigPath, Config + "\ntestcomponents.passthrough \"c\" {\n    input = testcomponents.missing.x.output\n}\n");
        var (status, body) = await h.PostAsync("/-/reload");
        Assert.Equal(400, status);
        Assert.True(body.Contains("main.alloy:18:13: component \"testcomponents.missing.x.output\" does not exist or is out of scope", StringComparison.Ordinal), body);
        Assert.Equal(4, h.Host.Controller.Components.Count);

        var (_, statusJson) = await h.GetAsync("/api/v0/web/status");
        using var doc = JsonDocument.Parse(statusJson);
        Assert.False(doc.RootElement.GetProperty("lastReloadSuccessful").GetBoolean());
        var error = doc.RootElement.GetProperty("lastReloadError").EnumerateArray().Single();
        Assert.EndsWith("main.alloy:18:13", error.GetProperty("location").GetString(), StringComparison.Ordinal);
        Assert.True(DateTimeOffset.TryParse(doc.RootElement.GetProperty("lastReloadTime").GetString(), out _));

        var (_, metrics) = await h.GetAsync("/metrics");
        Assert.Contains("river_config_last_load_successful 0", metrics, StringComparison.Ordinal);
        Assert.Contains("river_config_load_failures_total 1", metrics, StringComparison.Ordinal);
        Assert.Contains("river_build_info{version=\"9.9.9\"", metrics, StringComparison.Ordinal);
        Assert.Contains("river_component_controller_running_components{health_type=\"healthy\"}", metrics, StringComparison.Ordinal);
        Assert.Contains("river_config_hash{sha256=\"", metrics, StringComparison.Ordinal);
        Assert.Contains("river_component_evaluation_seconds_bucket", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MetricsMergeEachComponentsRegistryLabelledWithItsId()
    {
        var (h, _) = await HostHarness.StartAsync(Config + "\ntestcomponents.route \"r2\" { }\n");
        await using var __ = h;
        await h.GetAsync("/api/v0/component/testcomponents.route.r/metrics");
        await h.GetAsync("/api/v0/component/testcomponents.route.r2/metrics");
        await h.GetAsync("/api/v0/component/testcomponents.route.r2/metrics");
        var (status, metrics) = await h.GetAsync("/metrics");
        Assert.Equal(200, status);
        Assert.Contains("testcomponents_route_requests_total{component_id=\"testcomponents.route.r\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("testcomponents_route_requests_total{component_id=\"testcomponents.route.r2\"} 2", metrics, StringComparison.Ordinal);

        // One family header for both components, as the text format requires.
        Assert.Single(metrics.Split('\n'), l => l == "# TYPE testcomponents_route_requests_total counter");
        Assert.Contains("river_config_last_load_successful 1", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReloadEndpointRefusesOtherMethods()
    {
        var (h, _) = await HostHarness.StartAsync(Config);
        await using var __ = h;
        using var request = new HttpRequestMessage(HttpMethod.Delete, new Uri(h.BaseAddress, "/-/reload"));
        using var response = await h.Client.SendAsync(request);
        Assert.Equal(405, (int)response.StatusCode);
    }

    [Fact]
    public async Task LoggingBlockSwitchesTheLogFormatToJson()
    {
        var (h, result) = await HostHarness.StartAsync("""
            logging {
                level  = "debug"
                format = "json"
            }

            testcomponents.passthrough "a" { input = 1 }
            """);
        await using var _ = h;
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        Assert.True(h.Host.Logs.Json);
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Debug, h.Host.Logs.MinimumLevel);
        var last = h.Log.ToString().TrimEnd().Split('\n')[^1];
        using var doc = JsonDocument.Parse(last);
        Assert.Equal("River is running", doc.RootElement.GetProperty("msg").GetString());
    }
}
