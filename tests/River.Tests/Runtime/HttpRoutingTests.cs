namespace River.Tests.Runtime;

/// <summary>
/// River's server matches its fixed routes by hand (HttpRouter); these pin the behaviour endpoint routing had, over a
/// real running host.
/// </summary>
public class HttpRoutingTests
{
    private const string Config = """
        testcomponents.passthrough "a" {
            input = 1
        }

        testcomponents.route "r" {
            body = "route says hi"
        }
        """;

    [Fact]
    public async Task LiteralPathsMatchCaseInsensitivelyAndWithATrailingSlash()
    {
        var (h, _) = await HostHarness.StartAsync(Config);
        await using var __ = h;
        Assert.Equal((200, "River is ready.\n"), await h.GetAsync("/-/ready"));
        Assert.Equal((200, "River is ready.\n"), await h.GetAsync("/-/READY"));
        Assert.Equal((200, "River is ready.\n"), await h.GetAsync("/-/ready/"));
        Assert.Equal(404, (await h.GetAsync("/-/ready/x")).Status);
        Assert.Equal(404, (await h.GetAsync("/-/readyx")).Status);
    }

    [Fact]
    public async Task AnUnknownPathIsA404WithAnEmptyBody()
    {
        var (h, _) = await HostHarness.StartAsync(Config);
        await using var __ = h;
        Assert.Equal((404, string.Empty), await h.GetAsync("/nothing/here"));
        Assert.Equal((404, string.Empty), await h.GetAsync("/uix"));
    }

    [Fact]
    public async Task AKnownPathWithAnotherMethodIsA405ThatListsTheAllowedMethods()
    {
        var (h, _) = await HostHarness.StartAsync(Config);
        await using var __ = h;
        using var put = new HttpRequestMessage(HttpMethod.Put, new Uri(h.BaseAddress, "/-/reload"));
        using var response = await h.Client.SendAsync(put);
        Assert.Equal(405, (int)response.StatusCode);
        Assert.Equal(["GET", "POST"], response.Content.Headers.Allow.Order(StringComparer.Ordinal));

        var (status, body) = await h.PostAsync("/api/v0/web/status");
        Assert.Equal(405, status);
        Assert.Equal(string.Empty, body);
    }

    [Fact]
    public async Task CatchAllRoutesTakeTheRestOfThePathAndAcceptAnEmptyRest()
    {
        var (h, _) = await HostHarness.StartAsync(Config);
        await using var __ = h;

        // The literal list route wins over the catch-all detail route for the same prefix.
        var (listStatus, list) = await h.GetAsync("/api/v0/web/components");
        Assert.Equal(200, listStatus);
        Assert.StartsWith("[", list, StringComparison.Ordinal);
        var (detailStatus, detail) = await h.GetAsync("/api/v0/web/components/testcomponents.passthrough.a");
        Assert.Equal(200, detailStatus);
        Assert.Contains("\"localID\":\"testcomponents.passthrough.a\"", detail, StringComparison.Ordinal);

        // UI pages: every /component/... path answers the page; /ui/ with an unknown or empty asset is a text 404.
        var (pageStatus, page) = await h.GetAsync("/component/testcomponents.passthrough.a");
        Assert.Equal(200, pageStatus);
        Assert.Contains("<html", page, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(200, (await h.GetAsync("/component")).Status);
        Assert.Equal((404, "404 page not found\n"), await h.GetAsync("/ui/"));
        Assert.Equal((404, "404 page not found\n"), await h.GetAsync("/ui/no-such-asset.js"));

        // Component routes: any method reaches the component's own table.
        Assert.Equal((200, "route says hi"), await h.GetAsync("/api/v0/component/testcomponents.route.r/metrics"));
    }
}
